"""PyTorch's in-place tensor methods beyond `add_`, `mul_`, `fill_`, `clamp_`, ... (those
are in tensor.py): the elementwise ones (`exp_`, `relu_`, `pow_`, ...), the indexed writes
(`masked_fill_`, `index_fill_`, `index_add_`, `scatter_add_`), the sums of products
(`addcmul_`, `addcdiv_`, `lerp_`) and the random fills (`bernoulli_`, `random_`,
`exponential_`, ...).

They follow tensor.py's rules for every in-place edit, with its error messages:

- the new numbers are written into the tensor's own array (a view writes through to its
  base) and counted by the version counter, so a graph that saved the old numbers
  refuses its backward instead of computing a wrong gradient;
- refused on a tensor that requires grad while grad mode is on (`_refuse_in_place`: a
  leaf, or a tensor inside a recorded graph; PyTorch records the latter, scratchgrad
  does not), and refused when an operand requires grad (`_write`: its gradient would be
  silently lost). Under `no_grad()` both are allowed;
- the result must fit the tensor: no broadcasting of the tensor written, no float into
  an integer tensor (PyTorch refuses both too).

Each elementwise method is the out-of-place method run on the tensor's numbers and
written back, so `x.exp_()` holds exactly what `x.exp()` gives. They also work on
`p.data` and `p.grad` (arrays that take PyTorch's tensor methods: `p.grad.sign_()`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from .backend import Array, namespace
from .errors import ShapeError
from .op_table import OPS
from .tensor_methods import _bool_mask, _raw

if TYPE_CHECKING:
    from .tensor import Tensor

_I = TypeVar("_I", bound="InPlaceMethods")


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _fits(x: Tensor, result: Tensor, name: str) -> None:
    """Raise where PyTorch refuses to write `result` into `x` (tensor.py's messages)."""
    if result.shape != x.shape:
        raise RuntimeError(
            f"{name}: the result has shape {result.shape}, the tensor {x.shape}; an "
            "in-place op cannot broadcast the tensor it writes (PyTorch refuses this too): "
            f"write y = y.{name[:-1]}(...) to get the broadcast result"
        )
    if result.dtype != x.dtype and not np.can_cast(result.dtype, x.dtype, "same_kind"):
        raise TypeError(
            f"{name}: the result is {result.dtype}, which this tensor's {x.dtype} cannot "
            "hold (PyTorch refuses this too); convert first: y = y.float()"
        )


def _positions(at: Any, n: int, name: str, dim: int) -> Any:
    """Integer positions in [0, n), or PyTorch's refusal (no wrapping of negatives)."""
    if at.dtype.kind not in "iu":
        raise TypeError(f"{name}: the index must hold integers, got dtype {at.dtype}")
    if at.size and (int(at.min()) < 0 or int(at.max()) >= n):
        bad = int(at.min()) if int(at.min()) < 0 else int(at.max())
        raise IndexError(f"{name}: index {bad} is out of bounds for dimension {dim} with size {n}")
    return at


class InPlaceMethods:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    if TYPE_CHECKING:  # what these methods use of `Tensor` (tensor.py)
        _data: Array

        def _refuse_in_place(self, name: str) -> None: ...

        def _write(self, index: Any, value: Any, name: str) -> None: ...

    def _replace(self: _I, name: str, compute: Callable[[Tensor], Tensor]) -> _I:
        """Write `compute(x)` (x: this tensor's numbers as a constant) into the tensor."""
        me = _me(self)
        me._refuse_in_place(name)
        result = compute(me.detach())
        _fits(me, result, name)
        me._write(..., result, name)  # (refuses a result that requires grad)
        return self

    def _steps_in_place(self: _I, name: str, compute: Callable[[Tensor], Tensor]) -> _I:
        """floor_, ceil_, round_, trunc_: integers are already whole (PyTorch keeps them)."""
        if _me(self).dtype.kind in "iub":
            return self._replace(name, lambda x: x)
        return self._replace(name, compute)

    # --- elementwise --------------------------------------------------------------------

    def pow_(self: _I, exponent: Any) -> _I:
        """x ** exponent in place (PyTorch's `pow_`): counted as an edit."""
        return self._replace("pow_", lambda x: x.pow(exponent))

    def exp_(self: _I) -> _I:
        """e^x in place (PyTorch's `exp_`): counted as an edit."""
        return self._replace("exp_", lambda x: x.exp())

    def expm1_(self: _I) -> _I:
        """e^x - 1 in place (PyTorch's `expm1_`): counted as an edit."""
        return self._replace("expm1_", lambda x: x.expm1())

    def log_(self: _I) -> _I:
        """The natural logarithm in place (PyTorch's `log_`): counted as an edit."""
        return self._replace("log_", lambda x: x.log())

    def log1p_(self: _I) -> _I:
        """log(1 + x) in place (PyTorch's `log1p_`): counted as an edit."""
        return self._replace("log1p_", lambda x: x.log1p())

    def log2_(self: _I) -> _I:
        """The base-2 logarithm in place (PyTorch's `log2_`): counted as an edit."""
        return self._replace("log2_", lambda x: x.log2())

    def log10_(self: _I) -> _I:
        """The base-10 logarithm in place (PyTorch's `log10_`): counted as an edit."""
        return self._replace("log10_", lambda x: x.log10())

    def sqrt_(self: _I) -> _I:
        """The square root in place (PyTorch's `sqrt_`): counted as an edit."""
        return self._replace("sqrt_", lambda x: x.sqrt())

    def rsqrt_(self: _I) -> _I:
        """1 / sqrt(x) in place (PyTorch's `rsqrt_`): counted as an edit."""
        return self._replace("rsqrt_", lambda x: x.rsqrt())

    def square_(self: _I) -> _I:
        """x * x in place (PyTorch's `square_`): counted as an edit."""
        return self._replace("square_", lambda x: x.square())

    def reciprocal_(self: _I) -> _I:
        """1 / x in place (PyTorch's `reciprocal_`): counted as an edit."""
        return self._replace("reciprocal_", lambda x: x.reciprocal())

    def abs_(self: _I) -> _I:
        """|x| in place (PyTorch's `abs_`): counted as an edit."""
        return self._replace("abs_", lambda x: x.abs())

    def neg_(self: _I) -> _I:
        """-x in place (PyTorch's `neg_`): counted as an edit."""
        return self._replace("neg_", lambda x: -x)

    negative_ = neg_

    def sign_(self: _I) -> _I:
        """-1, 0 or +1 in place (PyTorch's `sign_`): counted as an edit."""
        return self._replace("sign_", lambda x: x.sign())

    def relu_(self: _I) -> _I:
        """max(x, 0) in place (PyTorch's `relu_`, what `F.relu(x, inplace=True)` does
        outside a graph): counted as an edit."""
        return self._replace("relu_", lambda x: x.relu())

    def sigmoid_(self: _I) -> _I:
        """1 / (1 + e^-x) in place (PyTorch's `sigmoid_`): counted as an edit."""
        return self._replace("sigmoid_", lambda x: x.sigmoid())

    def tanh_(self: _I) -> _I:
        """tanh(x) in place (PyTorch's `tanh_`): counted as an edit."""
        return self._replace("tanh_", lambda x: x.tanh())

    def sin_(self: _I) -> _I:
        """sin(x) in place (PyTorch's `sin_`): counted as an edit."""
        return self._replace("sin_", lambda x: x.sin())

    def cos_(self: _I) -> _I:
        """cos(x) in place (PyTorch's `cos_`): counted as an edit."""
        return self._replace("cos_", lambda x: x.cos())

    def erf_(self: _I) -> _I:
        """The error function in place (PyTorch's `erf_`): counted as an edit."""
        return self._replace("erf_", lambda x: x.erf())

    def floor_(self: _I) -> _I:
        """Round down in place (PyTorch's `floor_`; integers stay): counted as an edit."""
        return self._steps_in_place("floor_", lambda x: x.floor())

    def ceil_(self: _I) -> _I:
        """Round up in place (PyTorch's `ceil_`; integers stay): counted as an edit."""
        return self._steps_in_place("ceil_", lambda x: x.ceil())

    def trunc_(self: _I) -> _I:
        """Round toward 0 in place (PyTorch's `trunc_`; integers stay): counted as an edit."""
        return self._steps_in_place("trunc_", lambda x: x.trunc())

    def frac_(self: _I) -> _I:
        """x - trunc(x) in place (PyTorch's `frac_`): counted as an edit."""
        return self._replace("frac_", lambda x: x.frac())

    def round_(self: _I, decimals: int = 0) -> _I:
        """Round half to even in place (PyTorch's `round_`, `decimals` included; integers
        stay): counted as an edit."""
        return self._steps_in_place("round_", lambda x: x.round(decimals))

    def clamp_min_(self: _I, min: Any) -> _I:
        """max(x, min) in place (PyTorch's `clamp_min_`): counted as an edit."""
        return self._replace("clamp_min_", lambda x: x.clamp(min=min))

    def clamp_max_(self: _I, max: Any) -> _I:
        """min(x, max) in place (PyTorch's `clamp_max_`): counted as an edit."""
        return self._replace("clamp_max_", lambda x: x.clamp(max=max))

    def clip_(self: _I, min: Any = None, max: Any = None) -> _I:
        """PyTorch's `clip_`, the other name of `clamp_`: limit to [min, max] in place."""
        if min is None and max is None:
            raise ValueError("clip_() needs min, max or both")
        return self._replace("clip_", lambda x: x.clamp(min, max))

    # --- sums of products (hand-written optimizers) -------------------------------------

    def addcmul_(self: _I, tensor1: Any, tensor2: Any, *, value: float = 1) -> _I:
        """x += value * tensor1 * tensor2 in place (PyTorch's `addcmul_`, as in Adam's
        `exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)`)."""
        return self._replace("addcmul_", lambda x: x + value * (x._lift(tensor1) * tensor2))

    def addcdiv_(self: _I, tensor1: Any, tensor2: Any, *, value: float = 1) -> _I:
        """x += value * tensor1 / tensor2 in place (PyTorch's `addcdiv_`, as in Adam's
        `p.addcdiv_(exp_avg, denom, value=-step_size)`)."""
        return self._replace("addcdiv_", lambda x: x + value * (x._lift(tensor1) / tensor2))

    def lerp_(self: _I, end: Any, weight: Any) -> _I:
        """x += weight * (end - x) in place (PyTorch's `lerp_`, as in an EMA of weights
        `ema.lerp_(p, 1 - decay)`)."""
        return self._replace("lerp_", lambda x: x + weight * (x._lift(end) - x))

    # --- indexed writes -----------------------------------------------------------------

    def masked_fill_(self: _I, mask: Any, value: Any) -> _I:
        """`value` where `mask` holds, in place (PyTorch's `masked_fill_`; the mask
        broadcasts to the tensor, `value` is a number or a 0-d tensor)."""
        me = _me(self)
        me._refuse_in_place("masked_fill_")
        if getattr(value, "ndim", 0) != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got a value "
                f"with {value.ndim} dimension(s)"
            )
        where = _bool_mask(mask, me._data)
        try:
            where = namespace(me._data).broadcast_to(where, me.shape)
        except ValueError:
            raise RuntimeError(
                f"masked_fill_: the mask of shape {where.shape} does not broadcast to the "
                f"tensor's shape {me.shape}"
            ) from None
        me._write(where, value, "masked_fill_")
        return self

    def index_fill_(self: _I, dim: int, index: Any, value: Any) -> _I:
        """`value` at the positions `index` (1-D) along `dim`, in place (PyTorch's
        `index_fill_`; negative positions count back, as in PyTorch)."""
        me = _me(self)
        me._refuse_in_place("index_fill_")
        axis = me._axis(dim)
        at = namespace(me._data).asarray(_raw(index)).reshape(-1)
        if at.dtype.kind not in "iu":
            raise TypeError(f"index_fill_: the index must hold integers, got dtype {at.dtype}")
        if getattr(value, "ndim", 0) != 0:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor")
        me._write((slice(None),) * axis + (at,), value, "index_fill_")
        return self

    def index_add_(self: _I, dim: int, index: Any, source: Any, *, alpha: float = 1) -> _I:
        """x[..., index[i], ...] += alpha * source[..., i, ...] along `dim`, in place
        (PyTorch's `index_add_`; repeated positions accumulate)."""
        me = _me(self)
        me._refuse_in_place("index_add_")
        axis = me._axis(dim)
        at = namespace(me._data).asarray(_raw(index)).reshape(-1)
        _positions(at, me.shape[axis], "index_add_", dim)
        source = me._lift(source)
        want = me.shape[:axis] + (at.shape[0],) + me.shape[axis + 1 :]
        if source.shape != want:
            raise ShapeError(
                f"index_add_: source has shape {source.shape}; for {at.shape[0]} positions "
                f"along dim {dim} of a tensor of shape {me.shape} it must be {want}"
            )
        key = (slice(None),) * axis + (at,)
        added = me._apply(OPS["scatter_add"], (source * alpha,), shape=me.shape, index=key)
        return self._replace("index_add_", lambda x: x + added)

    def scatter_add_(self: _I, dim: int, index: Any, src: Any) -> _I:
        """Along `dim`, position index[i][j] gets src[i][j] added, in place (PyTorch's
        `scatter_add_`; repeated positions accumulate, as in a histogram by class)."""
        me = _me(self)
        me._refuse_in_place("scatter_add_")
        xp, at = namespace(me._data), _raw(index)
        at = xp.asarray(at)
        if at.ndim != me.ndim:
            raise ShapeError(
                f"scatter_add_: index has {at.ndim} dimensions, the tensor {me.ndim}; "
                "they must match"
            )
        axis = me._axis(dim)
        _positions(at, me.shape[axis], "scatter_add_", dim)
        src = me._lift(src)
        if src.ndim != me.ndim or any(i > s for i, s in zip(at.shape, src.shape)):
            raise ShapeError(
                f"scatter_add_: index of shape {at.shape} does not fit src of shape {src.shape}"
            )
        if any(i > n for a, (i, n) in enumerate(zip(at.shape, me.shape)) if a != axis):
            raise ShapeError(
                f"scatter_add_: index of shape {at.shape} does not fit the tensor's shape "
                f"{me.shape} outside dim {dim}"
            )
        # position (i, j, ...) of index adds at (i, ..., index[i, j, ...] on `dim`, ...)
        key = tuple(
            at if a == axis else xp.arange(n).reshape((n,) + (1,) * (at.ndim - 1 - a))
            for a, n in enumerate(at.shape)
        )
        part = src[tuple(slice(0, n) for n in at.shape)]
        added = me._apply(OPS["scatter_add"], (part,), shape=me.shape, index=key)
        return self._replace("scatter_add_", lambda x: x + added)

    # --- random fills (numpy's generator, as normal_ and uniform_) ----------------------

    def _fill_drawn(self: _I, name: str, draw: Callable[[Any], Array], floats: bool) -> _I:
        me = _me(self)
        me._refuse_in_place(name)
        if floats and me.dtype.kind != "f":
            raise TypeError(
                f"{name} draws from a continuous distribution: it fills floating-point "
                f"tensors, and this one has dtype {me.dtype} (PyTorch refuses it too)"
            )
        from .random import default_generator

        me._write(..., draw(default_generator()), name)
        return self

    def bernoulli_(self: _I, p: Any = 0.5, *, generator: Any = None) -> _I:
        """1 with probability `p` (a number, or a tensor of probabilities that broadcasts
        to this one), else 0, in place (PyTorch's `bernoulli_`)."""
        from .devices import on_host

        chance = on_host(p)
        if chance.size and (chance.min() < 0 or chance.max() > 1):
            raise ValueError(f"bernoulli_: p must be in [0, 1], got values from {chance.min()}")
        shape = _me(self).shape
        return self._fill_drawn(
            "bernoulli_", lambda g: (generator or g).random(shape) < chance, floats=False
        )

    def random_(self: _I, *bounds: int, to: int | None = None, generator: Any = None) -> _I:
        """Whole numbers drawn uniformly, in place (PyTorch's `random_`): `random_(to)` in
        [0, to), `random_(low, to)` in [low, to); with no bounds, from 0 up to what the
        dtype holds exactly (2^24 for float32, 2^53 for float64, the maximum of an
        integer type)."""
        me = _me(self)
        if len(bounds) > 2 or (to is not None and len(bounds) > 1):
            raise TypeError("random_() takes random_(to), random_(from, to) or random_(to=...)")
        low, high = 0, to
        if len(bounds) == 2:
            low, high = bounds
        elif len(bounds) == 1:
            low, high = (bounds[0], to) if to is not None else (0, bounds[0])
        if high is None:  # the largest whole number the dtype holds exactly, included
            kind = me.dtype
            if kind.kind == "f":
                last = 2 ** (np.finfo(kind).nmant + 1)
            else:
                last = 1 if kind.kind == "b" else int(np.iinfo(kind).max)
        elif low >= high:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
            )
        else:
            last = high - 1
        shape = me.shape
        return self._fill_drawn(
            "random_",
            lambda g: (generator or g).integers(low, last, shape, endpoint=True),
            floats=False,
        )

    def exponential_(self: _I, lambd: float = 1.0, *, generator: Any = None) -> _I:
        """Draws from the exponential distribution of rate `lambd`, in place (PyTorch's
        `exponential_`)."""
        if not lambd > 0:
            raise ValueError(f"exponential_ expects lambd > 0.0, but found lambd={lambd}")
        shape = _me(self).shape
        return self._fill_drawn(
            "exponential_", lambda g: (generator or g).exponential(1.0 / lambd, shape), True
        )

    def log_normal_(self: _I, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> _I:
        """Draws of e^N(mean, std^2), in place (PyTorch's `log_normal_`)."""
        if not std > 0:
            raise ValueError(f"log_normal_ expects std > 0.0, but found std={std}")
        shape = _me(self).shape
        return self._fill_drawn(
            "log_normal_", lambda g: (generator or g).lognormal(mean, std, shape), True
        )

    def cauchy_(self: _I, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> _I:
        """Draws from the Cauchy distribution, in place (PyTorch's `cauchy_`)."""
        if not sigma > 0:
            raise ValueError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        shape = _me(self).shape
        return self._fill_drawn(
            "cauchy_",
            lambda g: median + sigma * (generator or g).standard_cauchy(shape),
            True,
        )

    def geometric_(self: _I, p: float, *, generator: Any = None) -> _I:
        """The number of trials up to the first success (1, 2, ...) with success chance
        `p`, in place (PyTorch's `geometric_`)."""
        if not 0 < p < 1:
            raise ValueError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        shape = _me(self).shape
        return self._fill_drawn(
            "geometric_", lambda g: (generator or g).geometric(p, shape), floats=False
        )
