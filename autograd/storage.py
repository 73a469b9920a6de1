"""Version counters, and the array view `Tensor.data` hands out (PyTorch's in-place rule).

A backward pass reads the arrays its forward saw. If one of them is overwritten in
between, the gradient is silently computed from numbers that no longer exist. PyTorch's
answer, used here too: every storage has a version counter that each in-place write
bumps; an op records its inputs' versions when it runs, and backward refuses (naming the
tensor and the fix) if a version moved.

numpy cannot tell us about writes into a plain ndarray, so what users get from
`Tensor.data` (and `.numpy()`) is a `TrackedArray`: an ndarray subclass viewing the
tensor's storage that bumps its counter on every write made through it or through any
view of it (`d[0] = 1`, `d -= lr * g`, `np.add(a, b, out=d)`, `d.fill(0)`,
`np.copyto(d, ...)`). Reading it is reading an ndarray; arithmetic on it gives plain
ndarrays. Nothing is ever made read-only: writing is allowed, and only a backward
through a graph that used the old numbers refuses.

What is not seen: writes through a plain ndarray that shares memory with a tensor — the
array given to `from_numpy` (shared on purpose, as in PyTorch) or a view you strip with
`np.asarray(d)` / `d.view(np.ndarray)` (also `d.base`, `memoryview(d)`, ctypes) — and
writes through `np.nditer(d, op_flags=["readwrite"])`, which bypasses every Python
hook. `Tensor(x)` copies `x`, so your own arrays never share memory with a tensor unless
you ask for it.
"""

import numpy as np

from .torch_array import TorchArray


class VersionCounter:
    """How many in-place writes a storage has had; shared by every tensor viewing it."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def _plain(x):
    return x.view(np.ndarray) if isinstance(x, TrackedArray) else x


def _bump(array):
    counter = getattr(array, "_counter", None)
    if counter is not None:
        counter.value += 1


# numpy functions that write into their first argument, with that argument's keyword name
# (`np.copyto(dst=d, src=...)` writes `d` as surely as `np.copyto(d, ...)` does)
_WRITES_FIRST = {
    np.copyto: "dst",
    np.put: "a",
    np.place: "arr",
    np.putmask: "a",
    np.fill_diagonal: "a",
    np.put_along_axis: "arr",
}


class _TrackedFlat:
    """`d.flat` of a TrackedArray: numpy's flat iterator, whose writes count."""

    __slots__ = ("_array", "_flat")

    def __init__(self, array):
        self._array, self._flat = array, np.ndarray.flat.__get__(array)

    def __setitem__(self, key, value):
        _bump(self._array)
        self._flat[key] = _plain(value)

    def __getitem__(self, key):
        return self._flat[key]

    def __iter__(self):
        return iter(self._flat)

    def __len__(self):
        return len(self._flat)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._flat.copy(), dtype=dtype)

    def __next__(self):
        return next(self._flat)

    def __getattr__(self, name):  # base, coords, index, copy: the iterator's own
        return getattr(self._flat, name)

    # comparisons compare the elements, as numpy's flat iterator does
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other):
        return self._flat == other

    def __ne__(self, other):
        return self._flat != other

    def __lt__(self, other):
        return self._flat < other

    def __le__(self, other):
        return self._flat <= other

    def __gt__(self, other):
        return self._flat > other

    def __ge__(self, other):
        return self._flat >= other


class TrackedArray(TorchArray):
    """A view of a tensor's storage whose writes count as in-place edits of the tensor."""

    _counter = None

    def __array_finalize__(self, obj):
        # views share the counter; copies (which own their data) are independent arrays
        self._counter = None if self.flags.owndata else getattr(obj, "_counter", None)

    def __setitem__(self, key, value):
        _bump(self)
        super().__setitem__(key, _plain(value))

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain_inputs = tuple(_plain(x) for x in inputs)
        if method == "at":  # np.add.at(d, index, values) writes d
            _bump(inputs[0])
        if out is not None:
            for array in out:
                _bump(array)
            kwargs["out"] = tuple(_plain(x) for x in out)
        result = getattr(ufunc, method)(*plain_inputs, **kwargs)
        if out is not None:  # `d -= x` must keep `d` tracked
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types, args, kwargs):
        if func in _WRITES_FIRST:
            _bump(args[0] if args else kwargs.get(_WRITES_FIRST[func]))
        out = kwargs.get("out")
        for array in out if isinstance(out, tuple) else (out,):
            _bump(array)
        return super().__array_function__(func, types, args, kwargs)

    @property
    def flat(self):
        """numpy's flat iterator over the elements; `d.flat[i] = v` counts as a write."""
        return _TrackedFlat(self)

    @flat.setter
    def flat(self, value):
        _bump(self)
        np.ndarray.flat.__set__(self, _plain(value))

    # in-place methods of ndarray
    def setfield(self, val, dtype, offset=0):
        _bump(self)
        super().setfield(_plain(val), dtype, offset)

    def fill(self, value):
        _bump(self)
        super().fill(value)

    def sort(self, *args, **kwargs):
        _bump(self)
        super().sort(*args, **kwargs)

    def partition(self, *args, **kwargs):
        _bump(self)
        super().partition(*args, **kwargs)

    def put(self, *args, **kwargs):
        _bump(self)
        super().put(*args, **kwargs)

    def byteswap(self, inplace=False):
        if inplace:
            _bump(self)
        return super().byteswap(inplace)

    def _as_tensor(self):
        """A Tensor sharing this view's memory and its counter, so PyTorch's in-place
        methods (`normal_`, `zero_`, `copy_`, ...) reached through it count as edits."""
        from .tensor import _constant

        return _constant(self.view(np.ndarray), self._counter)


def tracked_view(array, counter):
    """`array` as a `TrackedArray` that bumps `counter` when written."""
    view = array.view(TrackedArray)
    view._counter = counter
    return view
