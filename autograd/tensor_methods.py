"""The methods a `Tensor` has beyond its core: math, reductions, shapes, comparisons and
PyTorch's conversions. Each is a short call into the op table (or a composition of ops).

Names follow PyTorch and numpy both where they agree, and take either spelling where
they differ: `sum(dim=1, keepdim=True)` and `sum(axis=1, keepdims=True)` are the same
call; `x.max(dim)` returns PyTorch's `(values, indices)` while `x.max(axis=...)` returns
the values (numpy); `x.size` is numpy's element count and `x.size()` PyTorch's shape.
"""

from collections import namedtuple

import numpy as np

from .backend import device_name, namespace
from .ops_elementwise import MAXIMUM, MINIMUM, POW, POW_CONST
from .ops_linalg import MATMUL
from .ops_reduce import MAX, MIN, STD, SUM, normalize_axis
from .ops_shape import CAST, EXPAND, GETITEM, RESHAPE, TRANSPOSE, WHERE
from .vjp_math import count

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # torch.return_types


class Size(int):
    """`t.size` is numpy's element count (an int); calling it is PyTorch's `t.size()`
    (the shape, a tuple) or `t.size(d)` (one dimension). Both roads work."""

    def __new__(cls, shape):
        n = 1
        for d in shape:
            n *= d
        size = super().__new__(cls, n)
        size.shape = tuple(shape)
        return size

    def __call__(self, dim=None):
        if dim is None:
            return self.shape
        return self.shape[normalize_axis(dim, len(self.shape))[0]]


def _axis(axis, dim, what):
    """One axis argument from numpy's `axis=` or PyTorch's `dim=` (not both)."""
    if axis is not None and dim is not None:
        raise TypeError(f"{what}() got both axis= and dim=; they mean the same, give one")
    return dim if axis is None else axis


_LAST = object()  # softmax's default axis (None means every element, as numpy's)


def _one_axis(axis, dim, what):
    if axis is not _LAST and dim is not _LAST:
        raise TypeError(f"{what}() got both axis= and dim=; they mean the same, give one")
    chosen = dim if axis is _LAST else axis
    return -1 if chosen is _LAST else chosen


def _keep(keepdims, keepdim):
    return bool(keepdim if keepdims is None else keepdims)


def _no_out(out, what):
    if out is not None:
        raise TypeError(
            f"{what}(out=...) is not supported: tensors are not written into; "
            "assign the result instead"
        )


class TensorMethods:
    __slots__ = ()

    # --- powers and products ------------------------------------------------------------

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            return self._apply(POW_CONST, (self,), exponent=exponent)
        return self._apply(POW, (self, self._lift(exponent)))

    def __rpow__(self, base):
        return self._apply(POW, (self._lift(base), self))

    def pow(self, exponent):
        """self ** exponent (PyTorch's `pow`)."""
        return self**exponent

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return self._lift(other).matmul(self)

    def matmul(self, other):
        """Matrix product with numpy's rules for 1-D and batched operands."""
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ValueError(
                f"matmul: both operands need at least one dimension, got "
                f"shapes {self.shape} and {other.shape}"
            )
        return self._apply(MATMUL, (self, other))

    def mm(self, other):
        """2-D matrix product (PyTorch's `mm`: both operands must be matrices)."""
        other = self._lift(other)
        if self.ndim != 2 or other.ndim != 2:
            raise ValueError(
                f"mm() multiplies two matrices, got shapes {self.shape} and "
                f"{other.shape}; use matmul (@) for vectors and batches"
            )
        return self.matmul(other)

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    # --- elementwise compositions -------------------------------------------------------

    def clip(self, min=None, max=None):
        """Values limited to [min, max]; the gradient is 1 inside (bounds included) and 0
        outside or at NaN, as PyTorch's clamp. One `where` node: x inside, else the
        clipped constant."""
        if min is None and max is None:
            raise ValueError("clip() needs min, max or both")
        data = self._data
        xp = namespace(data)
        inside = xp.ones(data.shape, dtype=bool)
        if min is not None:
            inside &= data >= _raw(min)
        if max is not None:
            inside &= data <= _raw(max)
        clipped = self._constant_like(xp.clip(data, _raw(min), _raw(max)))
        return self._apply(WHERE, (self, clipped), condition=inside)

    clamp = clip

    def maximum(self, other):
        """Elementwise max; ties split the gradient in half (PyTorch)."""
        return self._apply(MAXIMUM, (self, self._lift(other)))

    def minimum(self, other):
        """Elementwise min; ties split the gradient in half (PyTorch)."""
        return self._apply(MINIMUM, (self, self._lift(other)))

    def masked_fill(self, mask, value):
        """`value` where `mask` holds, self elsewhere (gradient flows where it does not)."""
        return self._apply(WHERE, (self._lift(value), self), condition=_bool_mask(mask))

    def softmax(self, dim=_LAST, *, axis=_LAST):
        """e^x / Σ e^x along `dim` (default: the last axis; None: every element),
        max-subtracted so large logits cannot overflow. Composed of exp, sum and div (the
        shift is a constant: softmax ignores it)."""
        axis = _one_axis(axis, dim, "softmax")
        e = (self - self._constant_like(self._data.max(axis=axis, keepdims=True))).exp()
        return e / e.sum(axis, keepdims=True)

    def log_softmax(self, dim=_LAST, *, axis=_LAST):
        """x - log Σ e^x along `dim` (default: the last axis; None: every element),
        stable (composed of exp, sum, log and sub)."""
        axis = _one_axis(axis, dim, "log_softmax")
        shifted = self - self._constant_like(self._data.max(axis=axis, keepdims=True))
        return shifted - shifted.exp().sum(axis, keepdims=True).log()

    # --- reductions ---------------------------------------------------------------------

    def _reduce(self, op, axis, keepdims, **extra):
        axes = normalize_axis(axis, self.ndim)
        return self._apply(op, (self,), axis=axes, keepdims=keepdims, **extra)

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, out=None):
        """Σ over `dim` (every axis by default)."""
        _no_out(out, "sum")
        total = self._reduce(SUM, _axis(axis, dim, "sum"), _keep(keepdims, keepdim))
        return total if dtype is None else total.astype(dtype)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, out=None):
        """Σ / N over `dim` (a composition: sum, then division by the count)."""
        _no_out(out, "mean")
        axes = normalize_axis(_axis(axis, dim, "mean"), self.ndim)
        n = count(self.shape, axes)
        if n == 0:
            raise ValueError(f"mean over an empty axis {axes} of a tensor of shape {self.shape}")
        result = self._reduce(SUM, axes, _keep(keepdims, keepdim)) / n
        return result if dtype is None else result.astype(dtype)

    def var(
        self,
        dim=None,
        keepdim=False,
        *,
        axis=None,
        keepdims=None,
        correction=None,
        unbiased=None,
        ddof=None,
    ):
        """Σ (x - mean)² / (N - correction); PyTorch's default correction is 1 (numpy's
        `ddof=0` and PyTorch's older `unbiased=False` mean correction=0)."""
        correction = _correction(correction, unbiased, ddof)
        axes = normalize_axis(_axis(axis, dim, "var"), self.ndim)
        n = count(self.shape, axes)
        if n - correction <= 0:
            raise ValueError(
                f"var over {n} element(s) with correction={correction} divides "
                "by zero; use correction=0 or more elements"
            )
        centered = self - self.mean(axis=axes, keepdims=True)
        return (centered * centered).sum(axis=axes, keepdims=_keep(keepdims, keepdim)) / (
            n - correction
        )

    def std(
        self,
        dim=None,
        keepdim=False,
        *,
        axis=None,
        keepdims=None,
        correction=None,
        unbiased=None,
        ddof=None,
    ):
        """sqrt(var); a constant input has gradient 0, as in PyTorch."""
        return self._reduce(
            STD,
            _axis(axis, dim, "std"),
            _keep(keepdims, keepdim),
            correction=_correction(correction, unbiased, ddof),
        )

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest value; `x.max(dim)` gives PyTorch's `(values, indices)`, `x.max()`
        and `x.max(axis=...)` the values; `x.max(other_tensor)` the elementwise max."""
        return self._extreme(MAX, "max", dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The smallest value (see `max` for the forms)."""
        return self._extreme(MIN, "min", dim, keepdim, axis, keepdims)

    def _extreme(self, op, name, dim, keepdim, axis, keepdims):
        if hasattr(dim, "_data"):  # torch.max(a, b): elementwise
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if dim is not None and axis is None:  # PyTorch: (values, indices)
            values = self._reduce(op, dim, bool(keepdim))
            finder = self.argmax if name == "max" else self.argmin
            return ValuesIndices(values, finder(dim, keepdim=keepdim))
        return self._reduce(op, _axis(axis, dim, name), _keep(keepdims, keepdim))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the largest value (flattened when no dim), as an int64 tensor."""
        return self._arg(
            namespace(self._data).argmax, _axis(axis, dim, "argmax"), _keep(keepdims, keepdim)
        )

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Index of the smallest value (flattened when no dim), as an int64 tensor."""
        return self._arg(
            namespace(self._data).argmin, _axis(axis, dim, "argmin"), _keep(keepdims, keepdim)
        )

    def _arg(self, find, axis, keepdims):
        if axis is None:
            index = find(self._data)
            index = index.reshape((1,) * self.ndim) if keepdims else index
        else:
            axis = normalize_axis(axis, self.ndim)[0]
            index = find(self._data, axis=axis)
            if keepdims:
                index = namespace(index).expand_dims(index, axis)
        return self._constant_like(namespace(self._data).asarray(index, dtype=np.int64))

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every element is nonzero (a bool tensor; no gradient)."""
        return self._constant_like(
            self._data.all(axis=_axis(axis, dim, "all"), keepdims=_keep(keepdims, keepdim))
        )

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some element is nonzero (a bool tensor; no gradient)."""
        return self._constant_like(
            self._data.any(axis=_axis(axis, dim, "any"), keepdims=_keep(keepdims, keepdim))
        )

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm over `dim` (every element by default), composed of ops."""
        if p == 2:
            return (self * self).sum(dim, keepdim=keepdim).sqrt()
        if p == 1:
            return self.abs().sum(dim, keepdim=keepdim)
        return (self.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)

    # --- comparisons: boolean tensors without a gradient --------------------------------

    def __lt__(self, other):
        return self._constant_like(self._data < _raw(other))

    def __le__(self, other):
        return self._constant_like(self._data <= _raw(other))

    def __gt__(self, other):
        return self._constant_like(self._data > _raw(other))

    def __ge__(self, other):
        return self._constant_like(self._data >= _raw(other))

    def __eq__(self, other):  # elementwise, like numpy and PyTorch; hashing is by identity
        return self._constant_like(self._data == _raw(other))

    def __ne__(self, other):
        return self._constant_like(self._data != _raw(other))

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    # --- shapes -------------------------------------------------------------------------

    @property
    def size(self):
        """numpy's element count; call it for PyTorch's shape: `t.size()`, `t.size(0)`."""
        return Size(self._data.shape)

    def numel(self):
        """Number of elements (PyTorch)."""
        return self._data.size

    def dim(self):
        """Number of dimensions (PyTorch; `ndim` too)."""
        return self._data.ndim

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    @property
    def T(self):
        return self.transpose()

    @property
    def mT(self):
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.transpose(axes)

    def t(self):
        """Transpose of a matrix (PyTorch: 0-D and 1-D tensors come back unchanged)."""
        if self.ndim > 2:
            raise ValueError(
                f"t() expects a tensor with at most 2 dimensions, got shape "
                f"{self.shape}; use transpose(dim0, dim1) or .mT"
            )
        return self if self.ndim < 2 else self.transpose()

    def reshape(self, *shape):
        """Same numbers, new shape (one -1 is inferred)."""
        shape = _shape_arg(shape)
        target = _resolve_shape(shape, self._data.size)
        if target is None:
            raise ValueError(
                f"cannot reshape a tensor of shape {self.shape} "
                f"({self._data.size} elements) into shape {shape}"
            )
        if target == self._data.shape:
            return self
        return self._apply(RESHAPE, (self,), shape=target)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1, *, start_axis=None):
        """Merge the axes start_dim..end_dim into one."""
        if start_axis is not None:
            start_dim = start_axis
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (normalize_axis(d, self.ndim)[0] for d in (start_dim, end_dim))
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1 :])

    def transpose(self, *axes):
        """Permute axes: `transpose()` reverses them, `transpose(axes)` is numpy's, and
        `transpose(d0, d1)` swaps two (PyTorch's)."""
        axes = _shape_arg(axes) if axes else tuple(reversed(range(self.ndim)))
        if len(axes) == 2 and self.ndim != 2 and sorted(axes) != list(range(self.ndim)):
            a, b = (normalize_axis(ax, self.ndim)[0] for ax in axes)
            order = list(range(self.ndim))
            order[a], order[b] = order[b], order[a]
            axes = tuple(order)
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)):
            raise ValueError(
                f"transpose axes {axes} are not a permutation of the "
                f"{self.ndim} axes of a tensor of shape {self.shape}"
            )
        axes = tuple(a % self.ndim for a in axes)
        return self._apply(TRANSPOSE, (self,), axes=axes)

    def permute(self, *axes):
        return self.transpose(_shape_arg(axes))

    def squeeze(self, dim=None, *, axis=None):
        """Drop axes of size 1 (all of them, or the ones named)."""
        axis = _axis(axis, dim, "squeeze")
        if axis is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            axes = normalize_axis(axis, self.ndim)
            for a in axes:
                if self.shape[a] != 1:
                    raise ValueError(
                        f"cannot squeeze axis {a} of shape {self.shape}: its size is not 1"
                    )
            shape = tuple(n for i, n in enumerate(self.shape) if i not in axes)
        return self.reshape(shape)

    def unsqueeze(self, dim=None, *, axis=None):
        """Insert an axis of size 1 at `dim`."""
        axis = _axis(axis, dim, "unsqueeze")
        ndim = self.ndim + 1
        if axis is None or not -ndim <= axis < ndim:
            raise ValueError(
                f"unsqueeze axis {axis} is out of range for a result with {ndim} dimensions"
            )
        shape = list(self.shape)
        shape.insert(axis % ndim, 1)
        return self.reshape(tuple(shape))

    def expand(self, *shape):
        """Broadcast to a larger shape (no copy); -1 keeps a size (PyTorch)."""
        shape = _shape_arg(shape)
        lead = len(shape) - self.ndim
        shape = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape)
        )
        try:
            target = np.broadcast_shapes(self.shape, shape)
        except ValueError:
            target = None
        if target != tuple(shape):
            raise ValueError(
                f"cannot expand a tensor of shape {self.shape} to shape "
                f"{shape}: sizes must match or be 1"
            )
        if target == self.shape:
            return self
        return self._apply(EXPAND, (self,), shape=target)

    broadcast_to = expand

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        if hasattr(index, "_data"):
            index = index._data
        if isinstance(index, tuple):
            index = tuple(i._data if hasattr(i, "_data") else i for i in index)
        try:
            return self._apply(GETITEM, (self,), index=index)
        except IndexError as err:
            raise IndexError(
                f"index {index!r} does not fit a tensor of shape {self.shape}: {err}"
            ) from None

    # --- dtypes, devices and copies (PyTorch's conversions) -----------------------------

    def astype(self, dtype):
        """A copy in another dtype (numpy's name). Float to float is differentiable;
        to an integer or bool type the result is a constant, as in PyTorch."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return self._constant_like(self._data.astype(dtype))
        return self._apply(CAST, (self,), dtype=dtype)

    def float(self):
        """As float32 (PyTorch's `float()`)."""
        return self._same_or_cast(np.float32)

    def double(self):
        """As float64."""
        return self._same_or_cast(np.float64)

    def half(self):
        """As float16."""
        return self._same_or_cast(np.float16)

    def long(self):
        """As int64 (a constant: integers carry no gradient)."""
        return self._same_or_cast(np.int64)

    def int(self):
        """As int32 (a constant)."""
        return self._same_or_cast(np.int32)

    def bool(self):
        """As bool (a constant)."""
        return self._same_or_cast(np.bool_)

    def type_as(self, other):
        return self._same_or_cast(other.dtype)

    def _same_or_cast(self, dtype):
        return self if self._data.dtype == np.dtype(dtype) else self.astype(dtype)

    def clone(self):
        """A copy with its own memory that gradients flow through (PyTorch's `clone`)."""
        return self._apply(CAST, (self,), dtype=self._data.dtype)

    def contiguous(self):
        return self

    def tolist(self):
        return self._data.tolist()

    @property
    def device(self):
        """Where the data lives: 'cpu' (numpy) or 'cuda:N' (CuPy)."""
        from .devices import Device

        return Device(device_name(self._data))

    def to(self, *args, **kwargs):
        """`to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other_tensor)`; returns
        this tensor itself when nothing changes (PyTorch's rule)."""
        from .devices import parse_to_arguments, to_device

        device, dtype = parse_to_arguments(args, kwargs)
        out = self if device is None else to_device(self, device)
        return out if dtype is None else out._same_or_cast(dtype)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to(
            "cuda"
            if device is None
            else device
            if isinstance(device, str)
            else f"cuda:{int(device)}"
        )


def _correction(correction, unbiased, ddof):
    given = [v for v in (correction, unbiased, ddof) if v is not None]
    if len(given) > 1:
        raise TypeError("give one of correction=, unbiased= or ddof=")
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def _raw(x):
    return x._data if hasattr(x, "_data") else x


def _bool_mask(mask):
    mask = _raw(mask)
    return namespace(mask).asarray(mask, dtype=bool)


def _resolve_shape(shape, size):
    """`shape` with one -1 filled in, or None when it cannot hold `size` elements."""
    try:
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        return None
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in shape):
        return None
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            return None
        shape = shape[: unknown[0]] + (size // known,) + shape[unknown[0] + 1 :]
    elif known != size:
        return None
    return shape


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    if len(args) == 1 and isinstance(args[0], Size):
        return args[0].shape
    return tuple(args)
