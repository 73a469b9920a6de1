"""An array type that refuses numpy: the CPU stand-in for a GPU array in tests.

`StrictArray` wraps an ndarray and offers what a CuPy array offers (methods, operators,
an `__array_namespace__` that returns the `strict` module below), but any attempt to
hand it to numpy directly (`np.exp(a)`, `np.asarray(a)`, a ufunc) raises. An op that
runs on Tensors holding StrictArrays therefore proves that its forward and derivatives
are written against the array module of their inputs, so on a GPU no data would be
pulled back to the host behind the user's back.
"""

import cupy_api
import numpy as np


class NumpyUsed(TypeError):
    """Code handed a StrictArray to numpy instead of to its own namespace."""


def unwrap(x):
    if isinstance(x, StrictArray):
        return x.a
    if isinstance(x, tuple):
        return tuple(unwrap(v) for v in x)
    if isinstance(x, list):
        return [unwrap(v) for v in x]
    return x


def wrap(x):
    if isinstance(x, np.ndarray):
        return StrictArray(x)
    if isinstance(x, np.generic):
        return StrictArray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(wrap(v) for v in x)
    if isinstance(x, list):
        return [wrap(v) for v in x]
    return x


def _call(fn):
    def call(*args, **kwargs):
        return wrap(fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()}))

    return call


# numpy functions that CuPy 13 (the oldest our `gpu` extra allows) does not have: code
# must not reach for them through an array's namespace
NOT_IN_CUPY_13 = frozenset({"put_along_axis"})


def _checked(fn, check):
    """`fn` that first asks `check(args, kwargs)` whether CuPy would take the call."""

    def call(*args, **kwargs):
        check(args, kwargs)
        return fn(*args, **kwargs)

    return call


class _Namespace:
    """A module-like object: numpy's functions, on StrictArrays in and out, refusing
    what CuPy (as recorded in cupy_api.json) does not have or take."""

    def __init__(self, source, name, path=""):
        self._source = source
        self._path = path  # "", "linalg", "lib.stride_tricks": where in CuPy
        self.__name__ = name

    def __getattr__(self, name):
        if name in NOT_IN_CUPY_13:
            raise AttributeError(f"{self.__name__}.{name}: CuPy 13 has no {name}")
        cupy_api.entry(self._path, name)
        value = getattr(self._source, name)
        if isinstance(value, np.ufunc):
            return _Ufunc(value)
        if callable(value) and not isinstance(value, type):
            path = self._path
            return _checked(_call(value), lambda a, k: cupy_api.check_call(path, name, a, k))
        if hasattr(value, "__dict__") and not isinstance(value, type):  # a submodule
            path = f"{self._path}.{name}".strip(".")
            return type(self)(value, f"{self.__name__}.{name}", path)
        return value


class _Ufunc:
    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        cupy_api.check_ufunc(self.__name__, "__call__", args, kwargs)
        return _call(self._ufunc)(*args, **kwargs)

    def __getattr__(self, name):  # .at, .reduce, ...
        method = _call(getattr(self._ufunc, name))
        return _checked(method, lambda a, k: cupy_api.check_ufunc(self.__name__, name, a, k))


strict = _Namespace(np, "strict")


def _binary(name):
    def method(self, other):
        if isinstance(other, np.ndarray):  # CuPy refuses host arrays (even 0-d: be strict)
            raise NumpyUsed(
                f"a numpy array of shape {other.shape} met a StrictArray in "
                f"{name}: it should have been moved to the array's device"
            )
        return self._same_kind(wrap(getattr(self.a, name)(unwrap(other))))

    return method


def _unary(name):
    def method(self):
        return self._same_kind(wrap(getattr(self.a, name)()))

    return method


class _MemoryPointer:
    """What `cupy_array.data` is: a device pointer, no numbers (code that wanted the
    numbers of a Tensor-or-array meant `tensor._data`)."""

    def __array__(self, *args, **kwargs):
        raise NumpyUsed("a CuPy array's .data (a memory pointer) was used as numbers")

    __array_namespace__ = None


class StrictArray:
    __slots__ = ("a",)
    __array_ufunc__ = None  # numpy's operators and ufuncs defer to us, then fail

    def __init__(self, array):
        self.a = np.asarray(array)

    def __array_namespace__(self, api_version=None):
        return strict

    def __array__(self, *args, **kwargs):
        raise NumpyUsed(
            "a StrictArray was converted to a numpy array: some code used "
            "numpy directly instead of the array's namespace"
        )

    def __array_function__(self, func, types, args, kwargs):
        raise NumpyUsed(
            f"numpy.{func.__name__} was called on a StrictArray: use the array's namespace"
        )

    # attributes a CuPy array has
    shape = property(lambda self: self.a.shape)
    dtype = property(lambda self: self.a.dtype)
    ndim = property(lambda self: self.a.ndim)
    size = property(lambda self: self.a.size)
    nbytes = property(lambda self: self.a.nbytes)
    flags = property(lambda self: self.a.flags)
    strides = property(lambda self: self.a.strides)  # bytes, as CuPy's
    T = property(lambda self: self._same_kind(StrictArray(self.a.T)))
    base = None
    device = "strict"

    def __getattr__(self, name):  # methods: reshape, sum, astype, ...
        if name.startswith("__"):  # no __array_interface__ & co: no back door
            raise AttributeError(name)
        if name == "data":  # a CuPy array's .data is a pointer to GPU memory
            return _MemoryPointer()
        value = getattr(self.a, name)
        if not callable(value):  # .real, .itemsize, ...
            cupy_api.check_method(name, None, None)
            return self._same_kind(wrap(value))
        method = _call(value)

        def call(*args, **kwargs):
            cupy_api.check_method(name, args, kwargs)
            return self._same_kind(method(*args, **kwargs))

        return call

    def _same_kind(self, x):
        if type(self) is StrictArray:
            return x
        return _wrap_as(type(self), x)

    def __getitem__(self, index):
        return self._same_kind(wrap(self.a[unwrap(index)]))

    def __setitem__(self, index, value):
        if isinstance(value, np.ndarray):  # CuPy once refused it (cupy#593): be strict
            raise NumpyUsed(f"setitem with a host array of shape {value.shape}")
        self.a[unwrap(index)] = unwrap(value)

    def __len__(self):
        return len(self.a)

    def __bool__(self):
        return bool(self.a)

    def __float__(self):
        return float(self.a)

    def __int__(self):
        return int(self.a)

    def __repr__(self):
        return f"StrictArray({self.a!r})"

    __hash__ = None


for _name in (
    "add",
    "sub",
    "mul",
    "truediv",
    "pow",
    "matmul",
    "lt",
    "le",
    "gt",
    "ge",
    "eq",
    "ne",
    "and",
    "or",
    "xor",
    "radd",
    "rsub",
    "rmul",
    "rtruediv",
    "rpow",
    "rmatmul",
    "rand",
    "ror",
    "iadd",
    "isub",
    "imul",
    "itruediv",
    "iand",
    "ior",
    "mod",
    "floordiv",
):
    setattr(StrictArray, f"__{_name}__", _binary(f"__{_name}__"))
for _name in ("neg", "pos", "invert", "abs"):
    setattr(StrictArray, f"__{_name}__", _unary(f"__{_name}__"))


class DispatchingArray(StrictArray):
    """Closer to CuPy: numpy's functions and ufuncs *dispatch* to it (NEP 13/18, as
    `np.add(cupy_a, cupy_b)` does), results stay on the 'device', but it still cannot
    be turned into a numpy array (CuPy refuses implicit host copies the same way)."""

    __slots__ = ()

    def __array_namespace__(self, api_version=None):
        return dispatching

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        taken = dict(kwargs, **({"out": out} if out is not None else {}))
        cupy_api.check_ufunc(ufunc.__name__, method, inputs, taken)
        for x in inputs:
            if isinstance(x, np.ndarray):  # as CuPy: no host arrays mixed in (nor 0-d)
                raise NumpyUsed(f"numpy.{ufunc.__name__} got a host array of shape {x.shape}")
        if out is not None:
            kwargs["out"] = unwrap(out)
        result = getattr(ufunc, method)(*unwrap(inputs), **kwargs)
        return out[0] if out is not None and len(out) == 1 else _wrap_as(type(self), result)

    def __array_function__(self, func, types, args, kwargs):
        # CuPy answers numpy.f(...) with cupy.f(...): what cupy.f lacks or refuses fails
        path = func.__module__.removeprefix("numpy").strip(".")
        cupy_api.check_call("" if path.startswith("_") else path, func.__name__, args, kwargs)
        result = func(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
        return _wrap_as(type(self), result)


def _wrap_as(cls, x):
    """`x` (a numpy result) as arrays of the dispatching array type `cls`."""
    wrapped = wrap(x)
    if isinstance(wrapped, StrictArray) and type(wrapped) is not cls:
        return cls(wrapped.a)
    if isinstance(wrapped, (tuple, list)):
        return type(wrapped)(_wrap_as(cls, v) for v in wrapped)
    return wrapped


class _DispatchingNamespace(_Namespace):
    """numpy's functions, with results as `array_type` (DispatchingArray by default)."""

    array_type = DispatchingArray

    def __getattr__(self, name):
        value = super().__getattr__(name)
        cls = self.array_type
        if isinstance(value, _Ufunc):
            return _DispatchingUfunc(value._ufunc, cls)
        if isinstance(value, _Namespace):
            value.array_type = cls
            return value
        if callable(value) and not isinstance(value, type):
            return lambda *a, **k: _wrap_as(cls, value(*a, **k))
        return value


class _DispatchingUfunc(_Ufunc):
    def __init__(self, ufunc, array_type):
        super().__init__(ufunc)
        self._array_type = array_type

    def __call__(self, *args, **kwargs):
        return _wrap_as(self._array_type, super().__call__(*args, **kwargs))

    def __getattr__(self, name):
        method = super().__getattr__(name)
        return lambda *a, **k: _wrap_as(self._array_type, method(*a, **k))


dispatching = _DispatchingNamespace(np, "dispatching")
