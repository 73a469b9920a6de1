"""The methods a `Tensor` has beyond its core: math, reductions, shapes, comparisons and
PyTorch's conversions. Each is a short call into the op table (or a composition of ops).

Names follow PyTorch and numpy both where they agree, and take either spelling where
they differ: `sum(dim=1, keepdim=True)` and `sum(axis=1, keepdims=True)` are the same
call; `x.max(dim)` returns PyTorch's `(values, indices)` while `x.max(axis=...)` returns
the values (numpy); `x.size` is numpy's element count and `x.size()` PyTorch's shape.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from .backend import Array, ArrayLike, device_name, namespace
from .errors import ArgumentError, DimError, ShapeError
from .ops_elementwise import ERF, EXPM1, LOG1P, LOG2, LOG10, MAXIMUM, MINIMUM, POW, POW_CONST
from .ops_linalg import MATMUL
from .ops_reduce import CUMSUM, MAX, MIN, STD, SUM, normalize_axis
from .ops_shape import CAST, EXPAND, GETITEM, RESHAPE, TRANSPOSE, WHERE
from .vjp_math import count

if TYPE_CHECKING:
    from .devices import Device
    from .op_table import Op
    from .tensor import Tensor

#: An axis argument: one axis, several, or None for every axis (negative ones count back).
Axis: TypeAlias = "int | Sequence[int] | None"
#: What a Tensor op takes as its other operand: a Tensor, or data it becomes a constant of.
Operand: TypeAlias = "Tensor | ArrayLike"

_A = TypeVar("_A")

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # torch.return_types


class Size(int):
    """`t.size` is numpy's element count (an int); calling it is PyTorch's `t.size()`
    (the shape, a tuple) or `t.size(d)` (one dimension). Both roads work."""

    shape: tuple[int, ...]

    def __new__(cls, shape: Sequence[int]) -> Size:
        n = 1
        for d in shape:
            n *= d
        size = super().__new__(cls, n)
        size.shape = tuple(shape)
        return size

    @overload
    def __call__(self, dim: None = None) -> tuple[int, ...]: ...

    @overload
    def __call__(self, dim: int) -> int: ...

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        return self.shape[normalize_axis(dim, len(self.shape))[0]]


def _axis(axis: _A, dim: _A, what: str) -> _A:
    """One axis argument from numpy's `axis=` or PyTorch's `dim=` (not both). An empty
    `dim` (`sum(dim=())`) is every axis, as in PyTorch; numpy's `axis=()` is none."""
    if axis is not None and dim is not None:
        raise TypeError(f"{what}() got both axis= and dim=; they mean the same, give one")
    if axis is None and isinstance(dim, (tuple, list)) and not dim:
        return cast(_A, None)
    return dim if axis is None else axis


def _frozen(index: Any) -> Any:
    """An index the graph can keep until its backward: a list becomes an array (which a
    recorded op copies, `_own_params`), since the caller may change the list in between."""
    index = getattr(index, "_data", index)
    if isinstance(index, list):
        return np.array(index) if index else np.array([], dtype=np.intp)
    return index


_LAST: Any = object()  # softmax's default axis (None means every element, as numpy's)


def _one_axis(axis: Axis, dim: Axis, what: str) -> Axis:
    if axis is not _LAST and dim is not _LAST:
        raise TypeError(f"{what}() got both axis= and dim=; they mean the same, give one")
    chosen = dim if axis is _LAST else axis
    return -1 if chosen is _LAST else chosen


def _keep(keepdims: object, keepdim: object) -> bool:
    return bool(keepdim if keepdims is None else keepdims)


#: PyTorch's legacy type names, for `Tensor.type()`
_TENSOR_TYPES: dict[np.dtype[Any], str] = {
    np.dtype(np.float32): "FloatTensor",
    np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.float16): "HalfTensor",
    np.dtype(np.int64): "LongTensor",
    np.dtype(np.int32): "IntTensor",
    np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int8): "CharTensor",
    np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.bool_): "BoolTensor",
}


def _no_out(out: object, what: str) -> None:
    if out is not None:
        raise TypeError(
            f"{what}(out=...) is not supported: tensors are not written into; "
            "assign the result instead"
        )


class TensorMethods:
    """The Tensor methods beyond its core (math, reductions, shapes, comparisons,
    conversions), kept apart from tensor.py so that the class stays readable."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of `Tensor` (tensor.py, operators.py)
        _data: Array

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        @property
        def dtype(self) -> np.dtype[Any]: ...

        def _apply(self, op: Op, inputs: Any, **params: Any) -> Tensor: ...

        def _lift(self, x: Any) -> Tensor: ...

        def _constant_like(self, array: Any) -> Tensor: ...

        # The operators return a plain Tensor (what `_apply` makes), a Parameter's too.
        def __add__(self, other: Operand) -> Tensor: ...

        def __radd__(self, other: Operand) -> Tensor: ...

        def __sub__(self, other: Operand) -> Tensor: ...

        def __rsub__(self, other: Operand) -> Tensor: ...

        def __mul__(self, other: Operand) -> Tensor: ...

        def __rmul__(self, other: Operand) -> Tensor: ...

        def __truediv__(self, other: Operand) -> Tensor: ...

        def __rtruediv__(self, other: Operand) -> Tensor: ...

        def __neg__(self) -> Tensor: ...

        def __abs__(self) -> Tensor: ...

        def exp(self) -> Tensor: ...

        def log(self) -> Tensor: ...

        def sqrt(self) -> Tensor: ...

        def tanh(self) -> Tensor: ...

        def sigmoid(self) -> Tensor: ...

        def relu(self) -> Tensor: ...

        def abs(self) -> Tensor: ...

        def sin(self) -> Tensor: ...

        def cos(self) -> Tensor: ...

        def softsign(self) -> Tensor: ...

    # --- powers and products ------------------------------------------------------------

    def __pow__(self, exponent: Operand) -> Tensor:
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            return self._apply(POW_CONST, (self,), exponent=exponent)
        return self._apply(POW, (self, self._lift(exponent)))

    def __rpow__(self, base: Operand) -> Tensor:
        return self._apply(POW, (self._lift(base), self))

    def pow(self, exponent: Operand) -> Tensor:
        """self ** exponent (PyTorch's `pow`)."""
        return self**exponent

    def __matmul__(self, other: Operand) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return self._lift(other).matmul(cast("Tensor", self))

    def matmul(self, other: Operand) -> Tensor:
        """Matrix product with numpy's rules for 1-D and batched operands."""
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ShapeError(
                f"matmul: both operands need at least one dimension, got "
                f"shapes {self.shape} and {other.shape}"
            )
        return self._apply(MATMUL, (self, other))

    def mm(self, other: Operand) -> Tensor:
        """2-D matrix product (PyTorch's `mm`: both operands must be matrices)."""
        other = self._lift(other)
        if self.ndim != 2 or other.ndim != 2:
            raise ShapeError(
                f"mm() multiplies two matrices, got shapes {self.shape} and "
                f"{other.shape}; use matmul (@) for vectors and batches"
            )
        return self.matmul(other)

    def add(self, other: Tensor | builtins.float | Array, alpha: builtins.float = 1) -> Tensor:
        """self + alpha * other (PyTorch's `add`)."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Tensor | builtins.float | Array, alpha: builtins.float = 1) -> Tensor:
        """self - alpha * other (PyTorch's `sub`)."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Operand) -> Tensor:
        """self * other (PyTorch's `mul`)."""
        return self * other

    def div(self, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
        """self / other (PyTorch's `div`); rounding_mode "floor" or "trunc" rounds the
        quotient (a constant, as its derivative is 0 wherever it exists)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(
                f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
            )
        xp, b = namespace(self._data), _raw(other)
        if rounding_mode == "floor":
            return self._constant_like(xp.floor_divide(self._data, b))
        quotient = xp.true_divide(self._data, b)
        return self._constant_like(xp.trunc(quotient).astype(xp.result_type(self._data, b)))

    def __floordiv__(self, other: Operand) -> Tensor:
        """self // other: the floored quotient (a constant, as PyTorch's has no gradient)."""
        return self.div(other, rounding_mode="floor")

    def __rfloordiv__(self, other: Operand) -> Tensor:
        return self._constant_like(namespace(self._data).floor_divide(_raw(other), self._data))

    def __mod__(self, other: Operand) -> Tensor:
        """self % other with the divisor's sign (Python's, numpy's and PyTorch's
        `remainder`): self - floor(self / other) * other, so d/dself = 1 and
        d/dother = -floor(self / other)."""
        return cast("Tensor", self) - (self // other) * other

    def __rmod__(self, other: Operand) -> Tensor:
        return self._lift(other) % cast("Tensor", self)

    remainder = __mod__

    # --- logical and bitwise: masks and integers, no gradient ---------------------------

    def _bitwise(self, ufunc: np.ufunc, other: Operand, name: str) -> Tensor:
        data, their = self._data, _raw(other)
        if data.dtype.kind == "f" or getattr(their, "dtype", np.dtype(int)).kind == "f":
            raise TypeError(
                f"{name} takes bool or integer tensors, got {data.dtype}; compare first "
                "(x > 0) to make a mask"
            )
        return self._constant_like(getattr(namespace(data), ufunc.__name__)(data, their))

    def __and__(self, other: Operand) -> Tensor:
        return self._bitwise(np.bitwise_and, other, "&")

    def __or__(self, other: Operand) -> Tensor:
        return self._bitwise(np.bitwise_or, other, "|")

    def __xor__(self, other: Operand) -> Tensor:
        return self._bitwise(np.bitwise_xor, other, "^")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self) -> Tensor:
        """~mask: not (bools), or the bitwise complement (integers)."""
        if self._data.dtype.kind == "f":
            raise TypeError(f"~ takes bool or integer tensors, got {self._data.dtype}")
        return self._constant_like(namespace(self._data).invert(self._data))

    def logical_not(self) -> Tensor:
        """Where the element is zero or False (a bool tensor)."""
        return self._constant_like(namespace(self._data).logical_not(self._data))

    def logical_and(self, other: Operand) -> Tensor:
        """Where both are nonzero (a bool tensor)."""
        return self._constant_like(namespace(self._data).logical_and(self._data, _raw(other)))

    def logical_or(self, other: Operand) -> Tensor:
        """Where either is nonzero (a bool tensor)."""
        return self._constant_like(namespace(self._data).logical_or(self._data, _raw(other)))

    def logical_xor(self, other: Operand) -> Tensor:
        """Where exactly one is nonzero (a bool tensor)."""
        return self._constant_like(namespace(self._data).logical_xor(self._data, _raw(other)))

    def cumsum(
        self,
        dim: builtins.int | None = None,
        *,
        dtype: npt.DTypeLike | None = None,
        axis: builtins.int | None = None,
    ) -> Tensor:
        """Running sum along `dim` (PyTorch's `cumsum`; numpy's name `axis` too); its
        gradient is the running sum from the end."""
        if (dim is None) == (axis is None):
            raise TypeError("cumsum needs the axis to sum along: give dim (or axis), once")
        x = cast("Tensor", self) if dtype is None else self.astype(dtype)
        given = dim if axis is None else axis
        if self.ndim == 0:  # dim 0 of a 0-d tensor (PyTorch's): itself
            normalize_axis(given, 0)
            return x.reshape(1).cumsum(0).reshape(())
        return x._apply(CUMSUM, (x,), axis=normalize_axis(given, self.ndim)[0])

    def new_zeros(
        self, *size: Any, dtype: npt.DTypeLike | None = None, device: Any = None
    ) -> Tensor:
        """Zeros of `size`, in this tensor's dtype and on its device unless given."""
        return self._new(np.zeros, size, dtype, device)

    def new_ones(
        self, *size: Any, dtype: npt.DTypeLike | None = None, device: Any = None
    ) -> Tensor:
        """Ones of `size`, in this tensor's dtype and on its device unless given."""
        return self._new(np.ones, size, dtype, device)

    def new_full(
        self, size: Any, fill_value: Any, *, dtype: npt.DTypeLike | None = None, device: Any = None
    ) -> Tensor:
        """`fill_value` in `size`, in this tensor's dtype and on its device unless given."""
        return self._new(lambda s, d: np.full(s, fill_value, d), (size,), dtype, device)

    def _new(self, make: Any, size: Any, dtype: Any, device: Any) -> Tensor:
        from .devices import Device, move_array

        array = make(_shape_arg(size), self._data.dtype if dtype is None else np.dtype(dtype))
        target = self.device if device is None else Device(device)
        return self._constant_like(move_array(array, target))

    # --- elementwise compositions -------------------------------------------------------

    def clip(self, min: Operand | None = None, max: Operand | None = None) -> Tensor:
        """Values limited to [min, max]; the gradient is 1 inside (bounds included) and 0
        outside or at NaN, as PyTorch's clamp. One `where` node: x inside, else the
        clipped constant."""
        if min is None and max is None:
            raise ArgumentError("clip() needs min, max or both")
        if any(getattr(bound, "requires_grad", False) for bound in (min, max)):
            return self._clip_by_tensors(min, max)
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

    def _clip_by_tensors(self, min: Operand | None, max: Operand | None) -> Tensor:
        """clip with bounds that require grad: each entry from x where x is inside, from
        the bound it crossed (which gets the gradient) where it is outside, and a NaN
        without gradient where x is NaN (PyTorch's)."""
        out = cast("Tensor", self)
        for bound, inside in ((min, np.greater_equal), (max, np.less_equal)):
            if bound is None:
                continue
            keep = inside(out._data, _raw(bound))
            crossed = ~keep & ~namespace(out._data).isnan(out._data)
            edge = out._apply(WHERE, (out._lift(bound), out.detach()), condition=crossed)
            out = out._apply(WHERE, (out, edge), condition=keep)
        return out

    def maximum(self, other: Operand) -> Tensor:
        """Elementwise max; ties split the gradient in half (PyTorch)."""
        return self._apply(MAXIMUM, (self, self._lift(other)))

    def minimum(self, other: Operand) -> Tensor:
        """Elementwise min; ties split the gradient in half (PyTorch)."""
        return self._apply(MINIMUM, (self, self._lift(other)))

    def masked_fill(self, mask: Operand, value: Operand) -> Tensor:
        """`value` where `mask` holds, self elsewhere (gradient flows where it does not)."""
        return self._apply(WHERE, (self._lift(value), self), condition=_bool_mask(mask, self._data))

    def where(self, condition: Operand, other: Operand) -> Tensor:
        """As torch.Tensor.where: self where `condition` holds, `other` elsewhere."""
        return self._apply(
            WHERE, (self, self._lift(other)), condition=_bool_mask(condition, self._data)
        )

    def softmax(self, dim: Axis = _LAST, *, axis: Axis = _LAST) -> Tensor:
        """e^x / Σ e^x along `dim` (default: the last axis; None: every element),
        max-subtracted so large logits cannot overflow. Composed of exp, sum and div (the
        shift is a constant: softmax ignores it)."""
        axis = _one_axis(axis, dim, "softmax")
        e = (self - self._constant_like(self._data.max(axis=axis, keepdims=True))).exp()
        return e / e.sum(axis, keepdims=True)

    def log_softmax(self, dim: Axis = _LAST, *, axis: Axis = _LAST) -> Tensor:
        """x - log Σ e^x along `dim` (default: the last axis; None: every element),
        stable (composed of exp, sum, log and sub)."""
        axis = _one_axis(axis, dim, "log_softmax")
        shifted = self - self._constant_like(self._data.max(axis=axis, keepdims=True))
        return shifted - shifted.exp().sum(axis, keepdims=True).log()

    # --- reductions ---------------------------------------------------------------------

    def _reduce(self, op: Op, axis: Axis, keepdims: builtins.bool, **extra: Any) -> Tensor:
        axes = normalize_axis(axis, self.ndim)
        return self._apply(op, (self,), axis=axes, keepdims=keepdims, **extra)

    def sum(
        self,
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
        dtype: npt.DTypeLike | None = None,
        out: None = None,
    ) -> Tensor:
        """Σ over `dim` (every axis by default)."""
        _no_out(out, "sum")
        total = self._reduce(SUM, _axis(axis, dim, "sum"), _keep(keepdims, keepdim))
        if dtype is None and total.dtype.kind == "u":  # numpy's uint64: PyTorch's int64
            return total.astype(np.int64)
        return total if dtype is None else total.astype(dtype)

    def mean(
        self,
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
        dtype: npt.DTypeLike | None = None,
        out: None = None,
    ) -> Tensor:
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
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
        correction: builtins.int | None = None,
        unbiased: builtins.bool | None = None,
        ddof: builtins.int | None = None,
    ) -> Tensor:
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
        dim: Axis = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
        correction: builtins.int | None = None,
        unbiased: builtins.bool | None = None,
        ddof: builtins.int | None = None,
    ) -> Tensor:
        """sqrt(var); a constant input has gradient 0, as in PyTorch."""
        return self._reduce(
            STD,
            _axis(axis, dim, "std"),
            _keep(keepdims, keepdim),
            correction=_correction(correction, unbiased, ddof),
        )

    @overload
    def max(self, dim: Tensor, keepdim: builtins.bool = False) -> Tensor: ...

    @overload
    def max(
        self,
        dim: None = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor: ...

    @overload
    def max(
        self, dim: builtins.int | Sequence[builtins.int], keepdim: builtins.bool = False
    ) -> ValuesIndices: ...

    def max(
        self,
        dim: Axis | Tensor = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor | ValuesIndices:
        """The largest value; `x.max(dim)` gives PyTorch's `(values, indices)`, `x.max()`
        and `x.max(axis=...)` the values; `x.max(other_tensor)` the elementwise max."""
        return self._extreme(MAX, "max", dim, keepdim, axis, keepdims)

    @overload
    def min(self, dim: Tensor, keepdim: builtins.bool = False) -> Tensor: ...

    @overload
    def min(
        self,
        dim: None = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor: ...

    @overload
    def min(
        self, dim: builtins.int | Sequence[builtins.int], keepdim: builtins.bool = False
    ) -> ValuesIndices: ...

    def min(
        self,
        dim: Axis | Tensor = None,
        keepdim: builtins.bool = False,
        *,
        axis: Axis = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor | ValuesIndices:
        """The smallest value (see `max` for the forms)."""
        return self._extreme(MIN, "min", dim, keepdim, axis, keepdims)

    def _extreme(
        self,
        op: Op,
        name: str,
        dim: Any,
        keepdim: builtins.bool,
        axis: Axis,
        keepdims: builtins.bool | None,
    ) -> Tensor | ValuesIndices:
        if hasattr(dim, "_data"):  # torch.max(a, b): elementwise
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if dim is not None and axis is None:  # PyTorch: (values, indices)
            finder = self.argmax if name == "max" else self.argmin
            if not isinstance(dim, (builtins.int, np.integer)) or self.ndim == 0:
                values = self._reduce(op, dim, bool(keepdim))
                return ValuesIndices(values, finder(dim, keepdim=keepdim))
            # the values taken at the indices: the gradient goes to the index returned,
            # as PyTorch's (not shared among ties, as `max()` and `amax` share it)
            axis = builtins.int(dim)
            indices = finder(axis, keepdim=True)
            values = cast("Tensor", self).gather(axis, indices)
            if not keepdim:
                values, indices = values.squeeze(axis), indices.squeeze(axis)
            return ValuesIndices(values, indices)
        return self._reduce(op, _axis(axis, dim, name), _keep(keepdims, keepdim))

    def argmax(
        self,
        dim: builtins.int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: builtins.int | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Index of the largest value (flattened when no dim), as an int64 tensor."""
        return self._arg(
            namespace(self._data).argmax, _axis(axis, dim, "argmax"), _keep(keepdims, keepdim)
        )

    def argmin(
        self,
        dim: builtins.int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: builtins.int | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Index of the smallest value (flattened when no dim), as an int64 tensor."""
        return self._arg(
            namespace(self._data).argmin, _axis(axis, dim, "argmin"), _keep(keepdims, keepdim)
        )

    def _arg(self, find: Callable[..., Any], axis: Axis, keepdims: builtins.bool) -> Tensor:
        if axis is None:
            index = find(self._data)
            index = index.reshape((1,) * self.ndim) if keepdims else index
        elif self.ndim == 0:  # dim 0 of a 0-d tensor (PyTorch's): the only entry
            normalize_axis(axis, 0)
            index = find(self._data)
        else:
            axis = normalize_axis(axis, self.ndim)[0]
            index = find(self._data, axis=axis)
            if keepdims:
                index = namespace(index).expand_dims(index, axis)
        return self._constant_like(namespace(self._data).asarray(index, dtype=np.int64))

    def all(
        self,
        dim: builtins.int | tuple[builtins.int, ...] | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: builtins.int | tuple[builtins.int, ...] | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """True where every element is nonzero (a bool tensor; no gradient)."""
        return self._constant_like(
            self._data.all(axis=_axis(axis, dim, "all"), keepdims=_keep(keepdims, keepdim))
        )

    def any(
        self,
        dim: builtins.int | tuple[builtins.int, ...] | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: builtins.int | tuple[builtins.int, ...] | None = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """True where some element is nonzero (a bool tensor; no gradient)."""
        return self._constant_like(
            self._data.any(axis=_axis(axis, dim, "any"), keepdims=_keep(keepdims, keepdim))
        )

    def norm(
        self,
        p: builtins.float | str = "fro",
        dim: Axis = None,
        keepdim: builtins.bool = False,
        dtype: npt.DTypeLike | None = None,
    ) -> Tensor:
        """The p-norm over `dim` (every element by default), composed of ops: "fro" or 2
        (Euclidean), 1, any p > 0, inf (largest |x|), -inf (smallest), 0 (how many are
        nonzero); "nuc" the nuclear norm of matrices. As in PyTorch, the gradient of a
        norm that is 0 is 0, not NaN."""
        x = cast("Tensor", self) if dtype is None else self.astype(dtype)
        if p == "nuc":  # the sum of singular values: a matrix norm (torch.norm's too)
            from .matrix_functions import matrix_norm

            if dim is None and x.ndim != 2:
                raise ArgumentError(
                    f"norm(p='nuc') of a {x.ndim}-D tensor needs dim=(row axis, column axis)"
                )
            rows, cols = (-2, -1) if dim is None else cast("tuple[int, int]", tuple(dim))  # type: ignore[arg-type]
            return matrix_norm(x, "nuc", (rows, cols), keepdim)
        order = 2.0 if p == "fro" else builtins.float(p)
        if order == np.inf:
            return x.abs().amax(() if dim is None else dim, keepdim)
        if order == -np.inf:
            return x.abs().amin(() if dim is None else dim, keepdim)
        if order == 0:
            return (x != 0).astype(x.dtype).sum(dim, keepdim=keepdim)
        if order == 1:
            return x.abs().sum(dim, keepdim=keepdim)
        if order == 2:
            powered = x * x
        else:  # |x|**p for p < 1 has an infinite slope at 0 too: PyTorch's is 0 there
            size, at_zero = x.abs(), x._data == 0  # (p < 0: 0**p is inf, the norm 0)
            fill = np.inf if order < 0 else 0.0
            powered = (size.masked_fill(at_zero, 1.0) ** order).masked_fill(at_zero, fill)
        total = powered.sum(dim, keepdim=keepdim)
        # the root's slope is infinite at 0: take it of 1 there, then put the 0 back
        zero = total._data == 0
        safe = total.masked_fill(zero, 1.0)
        root = safe.sqrt() if order == 2 else safe ** (1.0 / order)
        return root.masked_fill(zero, 0.0)

    # --- comparisons: boolean tensors without a gradient --------------------------------

    def __lt__(self, other: Operand) -> Tensor:
        return self._constant_like(self._data < _raw(other))

    def __le__(self, other: Operand) -> Tensor:
        return self._constant_like(self._data <= _raw(other))

    def __gt__(self, other: Operand) -> Tensor:
        return self._constant_like(self._data > _raw(other))

    def __ge__(self, other: Operand) -> Tensor:
        return self._constant_like(self._data >= _raw(other))

    # elementwise, like numpy and PyTorch (so not object's bool); hashing is by identity
    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._constant_like(self._data == _raw(other))

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._constant_like(self._data != _raw(other))

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    # --- shapes -------------------------------------------------------------------------

    @property
    def size(self) -> Size:
        """numpy's element count; call it for PyTorch's shape: `t.size()`, `t.size(0)`."""
        return Size(self._data.shape)

    def numel(self) -> builtins.int:
        """Number of elements (PyTorch)."""
        return self._data.size

    def dim(self) -> builtins.int:
        """Number of dimensions (PyTorch; `ndim` too)."""
        return self._data.ndim

    nelement = numel  # PyTorch's older name (makemore's `xs.nelement()`)

    def log10(self) -> Tensor:
        """Base-10 logarithm, elementwise (makemore's `loss.log10()`)."""
        return self._apply(LOG10, (self,))

    def expm1(self) -> Tensor:
        """e^x - 1, elementwise, exact for small x (where exp(x) - 1 loses digits)."""
        return self._apply(EXPM1, (self,))

    def log1p(self) -> Tensor:
        """log(1 + x), elementwise, exact for small x."""
        return self._apply(LOG1P, (self,))

    def erf(self) -> Tensor:
        """The error function, elementwise (exact GELU is x * (1 + erf(x / sqrt 2)) / 2)."""
        return self._apply(ERF, (self,))

    def log2(self) -> Tensor:
        """Base-2 logarithm, elementwise."""
        return self._apply(LOG2, (self,))

    def multinomial(
        self,
        num_samples: builtins.int,
        replacement: builtins.bool = False,
        *,
        generator: Any = None,
    ) -> Tensor:
        """Indices drawn with these weights (`torch.multinomial(self, ...)`)."""
        from .factories import multinomial

        return multinomial(cast("Tensor", self), num_samples, replacement, generator=generator)

    def is_floating_point(self) -> builtins.bool:
        """Whether the dtype is a float (PyTorch)."""
        return builtins.bool(self._data.dtype.kind == "f")

    def __len__(self) -> builtins.int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    @property
    def T(self) -> Tensor:
        """The axes reversed (numpy's `.T`; a matrix's transpose)."""
        return self.transpose()

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped: the transpose of each matrix in a batch (PyTorch)."""
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.transpose(axes)

    def t(self) -> Tensor:
        """Transpose of a matrix (PyTorch: 0-D and 1-D tensors come back unchanged)."""
        if self.ndim > 2:
            raise ShapeError(
                f"t() expects a tensor with at most 2 dimensions, got shape "
                f"{self.shape}; use transpose(dim0, dim1) or .mT"
            )
        return cast("Tensor", self) if self.ndim < 2 else self.transpose()

    def reshape(self, *shape: builtins.int | Sequence[builtins.int]) -> Tensor:
        """Same numbers, new shape (one -1 is inferred)."""
        shape = _shape_arg(shape)
        target = _resolve_shape(shape, self._data.size)
        if target is None:
            raise ShapeError(
                f"cannot reshape a tensor of shape {self.shape} "
                f"({self._data.size} elements) into shape {shape}"
            )
        if target == self._data.shape:
            return cast("Tensor", self)
        return self._apply(RESHAPE, (self,), shape=target)

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        """Reshaped to `other`'s shape (PyTorch's `view_as`)."""
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(
        self,
        start_dim: builtins.int = 0,
        end_dim: builtins.int = -1,
        *,
        start_axis: builtins.int | None = None,
    ) -> Tensor:
        """Merge the axes start_dim..end_dim into one."""
        if start_axis is not None:
            start_dim = start_axis
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (normalize_axis(d, self.ndim)[0] for d in (start_dim, end_dim))
        if start > end:
            raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1 :])

    def transpose(self, *axes: builtins.int | Sequence[builtins.int]) -> Tensor:
        """Permute axes: `transpose()` reverses them, `transpose(axes)` (one sequence, or
        three or more axes) is numpy's permutation, and `transpose(d0, d1)` swaps two
        (PyTorch's; on a matrix numpy would read (0, 1) as "leave as is")."""
        perm = _shape_arg(axes) if axes else tuple(reversed(range(self.ndim)))
        if self.ndim == 0 and normalize_axis(perm, 0) == ():  # transpose(0, -1) of a 0-d
            return cast("Tensor", self).reshape(())
        if len(axes) == 2 and all(isinstance(ax, (builtins.int, np.integer)) for ax in axes):
            a, b = (normalize_axis(ax, self.ndim)[0] for ax in perm)
            order = list(range(self.ndim))
            order[a], order[b] = order[b], order[a]
            perm = tuple(order)
        for a in perm:
            normalize_axis(a, self.ndim)  # a dim out of range: DimError, as PyTorch's
        if sorted(a % max(self.ndim, 1) for a in perm) != list(range(self.ndim)):
            raise ShapeError(
                f"transpose axes {perm} are not a permutation of the "
                f"{self.ndim} axes of a tensor of shape {self.shape}"
            )
        perm = tuple(a % self.ndim for a in perm)
        return self._apply(TRANSPOSE, (self,), axes=perm)

    def permute(self, *axes: builtins.int | Sequence[builtins.int]) -> Tensor:
        """The axes in the order given (PyTorch's `permute`: `x.permute(2, 0, 1)`)."""
        return self.transpose(_shape_arg(axes))

    def squeeze(self, dim: Axis = None, *, axis: Axis = None) -> Tensor:
        """Drop axes of size 1 (all of them, or the ones named). A named axis whose size
        is not 1 stays, as in PyTorch (`x.squeeze(1)` on a (N, 1) or an (N,) batch alike);
        numpy's `squeeze` would raise."""
        axis = _axis(axis, dim, "squeeze")
        if axis is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            axes = normalize_axis(axis, self.ndim)
            shape = tuple(n for i, n in enumerate(self.shape) if i not in axes or n != 1)
        return self.reshape(shape)

    def unsqueeze(
        self, dim: builtins.int | None = None, *, axis: builtins.int | None = None
    ) -> Tensor:
        """Insert an axis of size 1 at `dim`."""
        axis = _axis(axis, dim, "unsqueeze")
        ndim = self.ndim + 1
        if axis is None or not -ndim <= axis < ndim:
            raise DimError(
                f"unsqueeze axis {axis} is out of range for a result with {ndim} dimensions"
            )
        shape = list(self.shape)
        shape.insert(axis % ndim, 1)
        return self.reshape(tuple(shape))

    def expand(self, *shape: builtins.int | Sequence[builtins.int]) -> Tensor:
        """Broadcast to a larger shape (no copy); -1 keeps a size (PyTorch)."""
        sizes = _shape_arg(shape)
        lead = len(sizes) - self.ndim
        sizes = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes)
        )
        try:
            target = np.broadcast_shapes(self.shape, sizes)
        except ValueError:
            target = None
        if target != tuple(sizes):
            raise ShapeError(
                f"cannot expand a tensor of shape {self.shape} to shape "
                f"{sizes}: sizes must match or be 1"
            )
        if target == self.shape:
            return cast("Tensor", self)
        return self._apply(EXPAND, (self,), shape=target)

    broadcast_to = expand

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to `other`'s shape (PyTorch's `expand_as`)."""
        return self.expand(other.shape)

    def __getitem__(self, index: Any) -> Tensor:
        index = tuple(map(_frozen, index)) if isinstance(index, tuple) else _frozen(index)
        try:
            return self._apply(GETITEM, (self,), index=index)
        except IndexError as err:
            raise IndexError(
                f"index {index!r} does not fit a tensor of shape {self.shape}: {err}"
            ) from None

    # --- dtypes, devices and copies (PyTorch's conversions) -----------------------------

    def astype(self, dtype: npt.DTypeLike) -> Tensor:
        """A copy in another dtype (numpy's name). Float to float is differentiable;
        to an integer or bool type the result is a constant, as in PyTorch."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return self._constant_like(self._data.astype(dtype))
        return self._apply(CAST, (self,), dtype=dtype)

    def float(self) -> Tensor:
        """As float32 (PyTorch's `float()`)."""
        return self._same_or_cast(np.float32)

    def double(self) -> Tensor:
        """As float64."""
        return self._same_or_cast(np.float64)

    def half(self) -> Tensor:
        """As float16."""
        return self._same_or_cast(np.float16)

    def long(self) -> Tensor:
        """As int64 (a constant: integers carry no gradient)."""
        return self._same_or_cast(np.int64)

    def int(self) -> Tensor:
        """As int32 (a constant)."""
        return self._same_or_cast(np.int32)

    def bool(self) -> Tensor:
        """As bool (a constant)."""
        return self._same_or_cast(np.bool_)

    def type(self, dtype: npt.DTypeLike | str | None = None) -> Any:
        """With a dtype, this tensor in it (`(pred == y).type(torch.float)`, PyTorch's
        cast); without, PyTorch's name of its type ('torch.FloatTensor'), which
        `type(name)` also takes."""
        if dtype is None:
            cuda = "" if self.device.type == "cpu" else "cuda."
            name = _TENSOR_TYPES.get(self._data.dtype)
            return f"torch.{cuda}{name}" if name else f"scratchgrad.Tensor[{self._data.dtype}]"
        if isinstance(dtype, str) and dtype.startswith("torch."):
            by_name = {name: d for d, name in _TENSOR_TYPES.items()}
            found = by_name.get(dtype.split(".")[-1])
            if found is None:
                raise TypeError(f"unknown tensor type {dtype!r}; give a dtype (torch.float32)")
            return self._same_or_cast(found)
        return self._same_or_cast(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """In `other`'s dtype and on its device (PyTorch's `type_as`, whose type names
        such as torch.cuda.FloatTensor include the device); itself when it already is."""
        return self.to(other.device, other.dtype)

    def _same_or_cast(self, dtype: npt.DTypeLike) -> Tensor:
        return cast("Tensor", self) if self._data.dtype == np.dtype(dtype) else self.astype(dtype)

    def clone(self) -> Tensor:
        """A copy with its own memory that gradients flow through (PyTorch's `clone`)."""
        return self._apply(CAST, (self,), dtype=self._data.dtype)

    def contiguous(self) -> Tensor:
        """Itself when its array is laid out row by row, else a row-by-row copy that
        gradients flow through (PyTorch code calls it before `view`; `is_contiguous()`
        and `stride()` then say so)."""
        me = cast("Tensor", self)
        if getattr(me._data, "flags", None) is None or me._data.flags.c_contiguous:
            return me
        return me.reshape(-1).reshape(me.shape)  # (flattening copies, in row order)

    def tolist(self) -> Any:
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return self._data.tolist()

    @property
    def device(self) -> Device:
        """Where the data lives: 'cpu' (numpy) or 'cuda:N' (CuPy)."""
        from .devices import Device

        return Device(device_name(self._data))

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """`to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other_tensor)`; returns
        this tensor itself when nothing changes (PyTorch's rule)."""
        from .devices import parse_to_arguments, to_device

        device, dtype = parse_to_arguments(args, kwargs)
        out = cast("Tensor", self) if device is None else to_device(cast("Tensor", self), device)
        return out if dtype is None else out._same_or_cast(dtype)

    @property
    def is_cuda(self) -> builtins.bool:
        """Whether the data lives on a GPU (PyTorch's `x.is_cuda`)."""
        return self.device.type == "cuda"

    def get_device(self) -> builtins.int:
        """The GPU's index, or -1 on the CPU (PyTorch's `get_device`)."""
        device = self.device
        return -1 if device.type == "cpu" else (device.index or 0)

    def cpu(self) -> Tensor:
        """On the CPU (numpy); itself when already there."""
        return self.to("cpu")

    def cuda(
        self, device: builtins.int | str | None = None, non_blocking: builtins.bool = False
    ) -> Tensor:
        """On a GPU (`cuda()`, `cuda(1)`, `cuda("cuda:1")`); itself when already there.
        `non_blocking` is accepted (the copy is CuPy's, ordered on its stream)."""
        return self.to(
            "cuda"
            if device is None
            else device
            if isinstance(device, str)
            else f"cuda:{int(device)}"
        )


def _correction(correction: int | None, unbiased: bool | None, ddof: int | None) -> int:
    given = [v for v in (correction, unbiased, ddof) if v is not None]
    if len(given) > 1:
        raise TypeError("give one of correction=, unbiased= or ddof=")
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def _raw(x: Any) -> Any:
    return x._data if hasattr(x, "_data") else x


def _bool_mask(mask: Any, like: Any = None) -> Array:
    """`mask` as a bool array in the namespace of `like` (a tensor's array: a host mask
    for a GPU tensor moves there), else in its own."""
    mask = _raw(mask)
    return namespace(mask if like is None else like).asarray(mask, dtype=bool)


def _resolve_shape(shape: Any, size: int) -> tuple[int, ...] | None:
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


def _shape_arg(args: tuple[Any, ...]) -> tuple[int, ...]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    if len(args) == 1 and isinstance(args[0], Size):
        return args[0].shape
    return tuple(args)
