"""PyTorch's fused arithmetic and products as Tensor methods, each a composition of table
ops (so, as in tensor_compositions.py, no derivative rule of its own to check):

    lerp, addcmul, addcdiv                      x + w * (end - x), x + v * a * b, ...
    addmm, addmv, addr, baddbmm, addbmm         beta * input + alpha * (a product)
    cross, kron, dist, renorm                   products and norms
    nan_to_num, true_divide, floor_divide       elementwise

PyTorch code calls these fused forms (`torch.addmm(b, x, w.t())` is nn.Linear's old
body); spelling them as compositions keeps their gradients the ones of the parts.
"""

from __future__ import annotations

import builtins
import warnings
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import ShapeError
from .ops_reduce import normalize_axis
from .ops_shape import WHERE
from .tensor_methods import _raw

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _scaled_sum(input: Tensor, product: Tensor, beta: Any, alpha: Any, what: str) -> Tensor:
    """beta * input + alpha * product, input broadcast to the product's shape (never the
    other way, as PyTorch's). With beta == 0 the input is ignored, NaN and inf included,
    yet gets its zero gradient (PyTorch's rule)."""
    out = product if builtins.bool(alpha == 1) else product * alpha
    try:
        base = input.expand(out.shape)
    except ValueError:
        raise ShapeError(
            f"{what}: the input of shape {input.shape} does not broadcast to the "
            f"product's shape {out.shape}"
        ) from None
    if builtins.bool(beta == 0):
        never = namespace(out._data).zeros(out.shape, dtype=bool)
        return out._apply(WHERE, (base.astype(out.dtype), out), condition=never)
    return (base if builtins.bool(beta == 1) else base * beta) + out


def _dims(x: Tensor, want: int, what: str, name: str) -> None:
    if x.ndim != want:
        raise ShapeError(f"{what}: {name} must be {want}-D, got shape {x.shape}")


class TensorArithmetic:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    def lerp(self, end: Operand, weight: Operand) -> Tensor:
        """self + weight * (end - self), elementwise (`weight` a number or a tensor, which
        gets its gradient too)."""
        x = _me(self)
        return x + x._lift(weight) * (x._lift(end) - x)

    def addcmul(self, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
        """self + value * tensor1 * tensor2, all three broadcast (an optimizer's step)."""
        x = _me(self)
        product = x._lift(tensor1) * tensor2
        return x + (product if value == 1 else product * value)

    def addcdiv(self, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
        """self + value * tensor1 / tensor2, all three broadcast (Adam's update)."""
        x = _me(self)
        if x.dtype.kind in "iub" and all(
            getattr(_raw(t), "dtype", np.dtype(float)).kind in "iub" for t in (tensor1, tensor2)
        ):
            raise TypeError(
                "addcdiv of integer tensors is not supported (PyTorch refuses it too): "
                "use a float tensor or (tensor1 // tensor2)"
            )
        quotient = x._lift(tensor1) / tensor2
        return x + (quotient if value == 1 else quotient * value)

    def addmm(self, mat1: Operand, mat2: Operand, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * (mat1 @ mat2), mat1 (n, m) and mat2 (m, p) matrices and
        self broadcast to (n, p)."""
        x = _me(self)
        a, b = x._lift(mat1), x._lift(mat2)
        _dims(a, 2, "addmm", "mat1")
        _dims(b, 2, "addmm", "mat2")
        return _scaled_sum(x, a.mm(b), beta, alpha, "addmm")

    def addmv(self, mat: Operand, vec: Operand, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * (mat @ vec), mat (n, m), vec (m,) and self broadcast to (n,)."""
        x = _me(self)
        m, v = x._lift(mat), x._lift(vec)
        _dims(m, 2, "addmv", "mat")
        _dims(v, 1, "addmv", "vec")
        return _scaled_sum(x, m.mv(v), beta, alpha, "addmv")

    def addr(self, vec1: Operand, vec2: Operand, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * outer(vec1, vec2), self broadcast to (n, m)."""
        x = _me(self)
        u, v = x._lift(vec1), x._lift(vec2)
        _dims(u, 1, "addr", "vec1")
        _dims(v, 1, "addr", "vec2")
        return _scaled_sum(x, u.outer(v), beta, alpha, "addr")

    def baddbmm(self, batch1: Operand, batch2: Operand, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * (batch1 @ batch2), batches of matrices (b, n, m) and
        (b, m, p), self broadcast to (b, n, p) (attention's scaled scores)."""
        x = _me(self)
        a, b = x._lift(batch1), x._lift(batch2)
        _dims(a, 3, "baddbmm", "batch1")
        _dims(b, 3, "baddbmm", "batch2")
        return _scaled_sum(x, a.bmm(b), beta, alpha, "baddbmm")

    def addbmm(self, batch1: Operand, batch2: Operand, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta * self + alpha * Σ_i batch1[i] @ batch2[i], self broadcast to (n, p)."""
        x = _me(self)
        a, b = x._lift(batch1), x._lift(batch2)
        _dims(a, 3, "addbmm", "batch1")
        _dims(b, 3, "addbmm", "batch2")
        return _scaled_sum(x, a.bmm(b).sum(0), beta, alpha, "addbmm")

    def cross(self, other: Operand, dim: int | None = None) -> Tensor:
        """The cross product of 3-vectors along `dim`, the two tensors broadcast. Without
        dim, PyTorch's deprecated default: the first axis of size 3, with its warning
        (give dim, or use dim=-1 as torch.linalg.cross does)."""
        a, b = _me(self), _me(self)._lift(other)
        if a.ndim != b.ndim:
            raise ShapeError(
                f"cross: the inputs must have the same number of dimensions, got shapes "
                f"{a.shape} and {b.shape}"
            )
        shape = np.broadcast_shapes(a.shape, b.shape)
        a, b = a.expand(shape), b.expand(shape)
        if dim is None:
            warnings.warn(
                "Using torch.cross without specifying the dim arg is deprecated (PyTorch's "
                "warning). Pass the dim explicitly, or dim=-1 as torch.linalg.cross does",
                UserWarning,
                stacklevel=2,
            )
            sizes = [a for a, n in enumerate(shape) if n == 3]
            if not sizes:
                raise ShapeError(f"cross: no dimension of size 3 in shape {shape}")
            axis = sizes[0]
        else:
            axis = normalize_axis(dim, len(shape))[0]
        if shape[axis] != 3:
            raise ShapeError(
                f"cross: dimension {dim} must have length 3, got {a.shape[axis]} (shapes "
                f"{_me(self).shape} and {b.shape}); the cross product is of 3-vectors"
            )
        a0, a1, a2 = a.unbind(axis)
        b0, b1, b2 = b.unbind(axis)
        from .tensor import stack

        return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis)

    def kron(self, other: Operand) -> Tensor:
        """The Kronecker product: every entry of self times the whole of `other`, laid out
        in blocks (the shorter shape gets leading 1s)."""
        a, b = _me(self), _me(self)._lift(other)
        n = max(a.ndim, b.ndim)
        sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
        left = a.reshape(tuple(v for s in sa for v in (s, 1)))
        right = b.reshape(tuple(v for s in sb for v in (1, s)))
        return (left * right).reshape(tuple(p * q for p, q in zip(sa, sb)))

    def dist(self, other: Operand, p: float = 2) -> Tensor:
        """The p-norm of self - other (broadcast), over every element."""
        return (_me(self) - other).norm(p)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """Each slice along `dim` whose p-norm exceeds `maxnorm` scaled down to norm
        maxnorm (times 1 / (1 + 1e-7), as PyTorch's); the others unchanged."""
        x = _me(self)
        if x.dtype.kind != "f":
            raise TypeError(f"renorm takes a float tensor, got dtype {x.dtype}")
        if p <= 0:
            raise ValueError(f"renorm: p must be positive, got {p}")
        if maxnorm < 0:
            raise ValueError(f"renorm: maxnorm must be non-negative, got {maxnorm}")
        axis = normalize_axis(dim, x.ndim)
        others = tuple(a for a in range(x.ndim) if a not in axis)
        norms = x.norm(p, others, keepdim=True) if others else x.abs()
        over = norms._data > maxnorm
        factor = (maxnorm / (norms + 1e-7)).masked_fill(~over, 1.0)
        return x * factor

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and
        the dtype's largest and smallest finite numbers); those entries get gradient 0."""
        x = _me(self)
        if x.dtype.kind != "f":
            return x.clone()
        xp = namespace(x._data)
        finfo = np.finfo(x.dtype)
        big = finfo.max if posinf is None else posinf
        small = finfo.min if neginf is None else neginf
        data = x._data
        replaced = xp.where(xp.isnan(data), nan, xp.where(data > 0, big, small))
        constant = x._constant_like(replaced.astype(x.dtype))
        return x._apply(WHERE, (x, constant), condition=xp.isfinite(data))

    def true_divide(self, other: Operand) -> Tensor:
        """self / other, a float result even for integers (PyTorch's `true_divide`)."""
        return _me(self) / other

    def floor_divide(self, other: Operand) -> Tensor:
        """The quotient rounded down: self // other (no gradient, as PyTorch's has none)."""
        return _me(self) // other
