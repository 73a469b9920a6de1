"""PyTorch's free functions over tensors (`torch.exp(x)`, `torch.cat([...], dim=1)`, ...).

Each is the Tensor method of the same name called on its first argument, so the two
spellings cannot disagree; numbers and arrays are made tensors first.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeGuard, overload

import numpy as np

from .grad_mode import is_grad_enabled
from .node import Node
from .tensor import Tensor, concatenate, maximum, minimum, stack, tensor, tensor_sum, where
from .tensor_methods import Axis, Operand, ValuesIndices
from .value import Value, value_sum
from .value import dot as value_dot


def _t(x: Operand) -> Tensor:
    """`x` itself when it is a node, else a tensor of it (as `torch.tensor`: ints stay
    integers)."""
    return x if isinstance(x, Node) else tensor(x)


def cat(tensors: Sequence[Operand], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis (`concatenate`)."""
    return concatenate(tensors, dim if axis is None else axis)


def pow(x: Operand, exponent: Operand) -> Tensor:
    """As torch.pow: x ** exponent, elementwise (either may be a number; a number base
    takes the tensor exponent's dtype, as `2.0 ** t` does)."""
    if not isinstance(x, Node) and isinstance(exponent, Node):
        return exponent.__rpow__(x)
    return _t(x) ** exponent


def flatten(x: Operand, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """As torch.flatten: the axes start_dim..end_dim merged into one."""
    return _t(x).flatten(start_dim, end_dim)


def reshape(x: Operand, *shape: int | Sequence[int]) -> Tensor:
    """As torch.reshape: the same numbers in a new shape (one -1 is inferred)."""
    return _t(x).reshape(*shape)


def transpose(x: Operand, dim0: int, dim1: int) -> Tensor:
    """As torch.transpose: axes dim0 and dim1 swapped."""
    return _t(x).transpose(dim0, dim1)


def squeeze(x: Operand, dim: Axis = None) -> Tensor:
    """As torch.squeeze: axes of size 1 dropped (all of them, or the ones named)."""
    return _t(x).squeeze(dim)


def unsqueeze(x: Operand, dim: int) -> Tensor:
    """As torch.unsqueeze: an axis of size 1 inserted at `dim`."""
    return _t(x).unsqueeze(dim)


def _written(result: Tensor, out: Tensor | None, inputs: Sequence[Any], what: str) -> Tensor:
    """PyTorch's `out=`: the result written into `out`, which is returned (resized, as
    PyTorch resizes it, when its shape differs). As in PyTorch, not differentiable: with
    an argument that requires grad (and grad mode on) it raises."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{what}(out=...) takes a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and any(isinstance(x, Node) and x.requires_grad for x in (*inputs, out)):
        raise RuntimeError(
            f"{what}(out=...) is not differentiable and an argument requires grad; "
            f"write `y = torch.{what}(...)` instead"
        )
    if not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise TypeError(
            f"{what}(out=...): the result is {result.dtype}, which an out of "
            f"{out.dtype} cannot hold"
        )
    if out.shape == result.shape:
        out.copy_(result)
    else:
        out.data = result._data.astype(out.dtype)
    return out


def add(a: Operand, b: Operand, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """As torch.add: a + alpha * b (written into `out` when given)."""
    return _written(_t(a) + (b if alpha == 1 else _t(b) * alpha), out, (a, b), "add")


def sub(a: Operand, b: Operand, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """As torch.sub: a - alpha * b (written into `out` when given)."""
    return _written(_t(a) - (b if alpha == 1 else _t(b) * alpha), out, (a, b), "sub")


def mul(a: Operand, b: Operand, *, out: Tensor | None = None) -> Tensor:
    """As torch.mul: a * b, elementwise (written into `out` when given)."""
    return _written(_t(a) * b, out, (a, b), "mul")


def div(a: Operand, b: Operand, *, out: Tensor | None = None) -> Tensor:
    """As torch.div: a / b, elementwise (written into `out` when given)."""
    return _written(_t(a) / b, out, (a, b), "div")


def matmul(a: Operand, b: Operand, *, out: Tensor | None = None) -> Tensor:
    """As torch.matmul: the matrix product, with numpy's rules for 1-D and batches
    (written into `out` when given)."""
    return _written(_t(a).matmul(b), out, (a, b), "matmul")


def mm(a: Operand, b: Operand, *, out: Tensor | None = None) -> Tensor:
    """As torch.mm: the product of two matrices (2-D only; written into `out` when given)."""
    return _written(_t(a).mm(b), out, (a, b), "mm")


def exp(x: Operand) -> Tensor:
    """As torch.exp: e^x, elementwise."""
    return _t(x).exp()


def log(x: Operand) -> Tensor:
    """As torch.log: the natural logarithm, elementwise."""
    return _t(x).log()


def erf(x: Operand) -> Tensor:
    """As torch.erf: the error function, elementwise."""
    return _t(x).erf()


def expm1(x: Operand) -> Tensor:
    """As torch.expm1: e^x - 1, elementwise, exact near 0."""
    return _t(x).expm1()


def log1p(x: Operand) -> Tensor:
    """As torch.log1p: log(1 + x), elementwise, exact near 0."""
    return _t(x).log1p()


def log10(x: Operand) -> Tensor:
    """As torch.log10: base-10 logarithm, elementwise."""
    return _t(x).log10()


def log2(x: Operand) -> Tensor:
    """As torch.log2: base-2 logarithm, elementwise."""
    return _t(x).log2()


def sqrt(x: Operand) -> Tensor:
    """As torch.sqrt: the square root, elementwise."""
    return _t(x).sqrt()


def tanh(x: Operand) -> Tensor:
    """As torch.tanh: the hyperbolic tangent, elementwise."""
    return _t(x).tanh()


def sigmoid(x: Operand) -> Tensor:
    """As torch.sigmoid: 1 / (1 + e^-x), elementwise."""
    return _t(x).sigmoid()


def relu(x: Operand) -> Tensor:
    """As torch.relu: max(x, 0), elementwise."""
    return _t(x).relu()


def abs(x: Operand) -> Tensor:
    """As torch.abs: |x|, elementwise."""
    return _t(x).abs()


def sin(x: Operand) -> Tensor:
    """As torch.sin: the sine, elementwise."""
    return _t(x).sin()


def cos(x: Operand) -> Tensor:
    """As torch.cos: the cosine, elementwise."""
    return _t(x).cos()


def clamp(x: Operand, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """As torch.clamp: values limited to [min, max] (gradient 1 inside, 0 outside)."""
    return _t(x).clamp(min, max)


clip = clamp


def softmax(x: Operand, dim: Axis) -> Tensor:
    """As torch.softmax: e^x / Σ e^x along `dim`, computed without overflow."""
    return _t(x).softmax(dim)


def log_softmax(x: Operand, dim: Axis) -> Tensor:
    """As torch.log_softmax: x - log Σ e^x along `dim`, numerically stable."""
    return _t(x).log_softmax(dim)


def mean(x: Operand, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """As torch.mean: the average over `dim` (every element by default)."""
    return _t(x).mean(dim, keepdim)


@overload
def max(x: Operand, dim: Tensor, keepdim: bool = False) -> Tensor: ...


@overload
def max(x: Operand, dim: None = None, keepdim: bool = False) -> Tensor: ...


@overload
def max(x: Operand, dim: int | Sequence[int], keepdim: bool = False) -> ValuesIndices: ...


def max(x: Operand, dim: Axis | Tensor = None, keepdim: bool = False) -> Tensor | ValuesIndices:
    """`max(x)`, `max(x, dim)` -> (values, indices), or `max(a, b)` elementwise."""
    return _t(x).max(dim, keepdim)


@overload
def min(x: Operand, dim: Tensor, keepdim: bool = False) -> Tensor: ...


@overload
def min(x: Operand, dim: None = None, keepdim: bool = False) -> Tensor: ...


@overload
def min(x: Operand, dim: int | Sequence[int], keepdim: bool = False) -> ValuesIndices: ...


def min(x: Operand, dim: Axis | Tensor = None, keepdim: bool = False) -> Tensor | ValuesIndices:
    """As torch.min: `min(x)`, `min(x, dim)` -> (values, indices), or `min(a, b)`."""
    return _t(x).min(dim, keepdim)


def argmax(x: Operand, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """As torch.argmax: the index of the largest value (of the flattened x by default)."""
    return _t(x).argmax(dim, keepdim)


def argmin(x: Operand, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """As torch.argmin: the index of the smallest value (of the flattened x by default)."""
    return _t(x).argmin(dim, keepdim)


def eq(a: Operand, b: Operand) -> Tensor:
    """As torch.eq: a == b elementwise, as a bool tensor."""
    return _t(a) == b


def numel(x: Operand) -> int:
    """As torch.numel: the number of elements."""
    return _t(x).numel()


def is_tensor(x: object) -> TypeGuard[Tensor]:
    """As torch.is_tensor: whether `x` is a Tensor."""
    return isinstance(x, Tensor)


def allclose(
    a: Operand, b: Operand, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    """As torch.allclose: whether |a - b| <= atol + rtol * |b| everywhere (no graph)."""
    raw_a, raw_b = [v._data if isinstance(v, Tensor) else v for v in (a, b)]
    return bool(np.allclose(raw_a, raw_b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@overload
def sum(items: Tensor, dim: Axis = None, keepdim: bool = False, start: None = None) -> Tensor: ...


@overload
def sum(
    items: Iterable[Tensor], dim: None = None, keepdim: bool = False, start: Operand | None = None
) -> Tensor: ...


@overload
def sum(
    items: Iterable[Value | float],
    dim: None = None,
    keepdim: bool = False,
    start: Value | float | None = None,
) -> Value: ...


@overload
def sum(
    items: Iterable[Any], dim: None = None, keepdim: bool = False, start: Any = None
) -> Tensor | Value: ...


def sum(
    items: Tensor | Iterable[Any], dim: Axis = None, keepdim: bool = False, start: Any = None
) -> Tensor | Value:
    """PyTorch's `sum(x, dim)` for a tensor; for a list of Values or Tensors, their total as
    one n-ary node (`scratchgrad.sum([a, b, c])`, micrograd-friendly)."""
    if isinstance(items, Tensor):
        return items.sum(dim, keepdim)
    items = list(items)
    if any(isinstance(x, Tensor) for x in items):
        if start is not None:
            items.append(start)
        return tensor_sum(items)
    return value_sum(items, start)


__all__ = [
    "cat",
    "stack",
    "where",
    "maximum",
    "minimum",
    "flatten",
    "reshape",
    "transpose",
    "squeeze",
    "unsqueeze",
    "matmul",
    "mm",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sin",
    "cos",
    "clamp",
    "clip",
    "softmax",
    "log_softmax",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "eq",
    "numel",
    "is_tensor",
    "allclose",
    "sum",
]


HistogramResult = namedtuple("HistogramResult", ["hist", "bin_edges"])  # torch.return_types


def histogram(
    input: Operand,
    bins: int | Sequence[float] = 100,
    *,
    range: tuple[float, float] | None = None,
    weight: Operand | None = None,
    density: bool = False,
) -> HistogramResult:
    """As torch.histogram: (hist, bin_edges) of the values, as constants in the input's
    float dtype (makemore's activation plots; a gradient array is taken as it is)."""
    from .devices import on_host  # counted on the CPU (a GPU tensor's numbers copied)

    data = on_host(input)
    dtype = data.dtype if data.dtype.kind == "f" else np.dtype(np.float64)
    w = None if weight is None else on_host(weight)
    edges = bins._data if isinstance(bins, Tensor) else bins
    hist, bin_edges = np.histogram(data, edges, range=range, weights=w, density=density)
    return HistogramResult(Tensor(hist.astype(dtype)), Tensor(bin_edges.astype(dtype)))


def _method_as_function(name: str) -> Callable[..., Any]:
    """torch.<name>(x, ...) as x.<name>(...): one definition for both spellings."""

    def function(x: Operand, *args: Any, **kwargs: Any) -> Any:
        return getattr(_t(x), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"As torch.{name}: `x.{name}(...)` (see Tensor.{name})."
    return function


split = _method_as_function("split")
cumsum = _method_as_function("cumsum")
chunk = _method_as_function("chunk")
unbind = _method_as_function("unbind")
narrow = _method_as_function("narrow")
flip = _method_as_function("flip")
index_select = _method_as_function("index_select")
gather = _method_as_function("gather")
take_along_dim = _method_as_function("take_along_dim")
topk = _method_as_function("topk")
sort = _method_as_function("sort")
argsort = _method_as_function("argsort")
tril = _method_as_function("tril")
triu = _method_as_function("triu")
bmm = _method_as_function("bmm")
square = _method_as_function("square")
rsqrt = _method_as_function("rsqrt")
logsumexp = _method_as_function("logsumexp")
amax = _method_as_function("amax")
amin = _method_as_function("amin")
isnan = _method_as_function("isnan")
isinf = _method_as_function("isinf")
isfinite = _method_as_function("isfinite")
sign = _method_as_function("sign")
floor = _method_as_function("floor")
round = _method_as_function("round")
equal = _method_as_function("equal")

COMPOSITIONS = (
    "split chunk unbind narrow flip index_select gather take_along_dim topk sort argsort "
    "tril triu bmm square rsqrt logsumexp amax amin isnan isinf isfinite sign floor round "
    "equal cumsum mv norm ceil trunc frac reciprocal neg negative fmod remainder clamp_min "
    "clamp_max nansum count_nonzero prod cumprod outer ger diagonal diag trace roll movedim "
    "moveaxis swapaxes swapdims tile repeat_interleave unflatten masked_select median "
    "var_mean std_mean var std permute t masked_fill broadcast_to logical_not logical_and "
    "logical_or logical_xor"
).split()
mv = _method_as_function("mv")
norm = _method_as_function("norm")
ceil = _method_as_function("ceil")
trunc = _method_as_function("trunc")
frac = _method_as_function("frac")
reciprocal = _method_as_function("reciprocal")
neg = _method_as_function("neg")
negative = _method_as_function("negative")
fmod = _method_as_function("fmod")
remainder = _method_as_function("remainder")
clamp_min = _method_as_function("clamp_min")
clamp_max = _method_as_function("clamp_max")
nansum = _method_as_function("nansum")
count_nonzero = _method_as_function("count_nonzero")
prod = _method_as_function("prod")
cumprod = _method_as_function("cumprod")
outer = _method_as_function("outer")
ger = _method_as_function("ger")
diagonal = _method_as_function("diagonal")
diag = _method_as_function("diag")
trace = _method_as_function("trace")
roll = _method_as_function("roll")
movedim = _method_as_function("movedim")
moveaxis = _method_as_function("moveaxis")
swapaxes = _method_as_function("swapaxes")
swapdims = _method_as_function("swapdims")
tile = _method_as_function("tile")
repeat_interleave = _method_as_function("repeat_interleave")
unflatten = _method_as_function("unflatten")
masked_select = _method_as_function("masked_select")
median = _method_as_function("median")
var_mean = _method_as_function("var_mean")
std_mean = _method_as_function("std_mean")
var = _method_as_function("var")
std = _method_as_function("std")
permute = _method_as_function("permute")
t = _method_as_function("t")
masked_fill = _method_as_function("masked_fill")
broadcast_to = _method_as_function("broadcast_to")
logical_not = _method_as_function("logical_not")
logical_and = _method_as_function("logical_and")
logical_or = _method_as_function("logical_or")
logical_xor = _method_as_function("logical_xor")


def concat(tensors: Sequence[Operand], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """torch.concat / torch.concatenate: `cat`."""
    return cat(tensors, dim, axis=axis)


def hstack(tensors: Sequence[Operand]) -> Tensor:
    """Joined along axis 1 (axis 0 for 1-D tensors), as numpy's and PyTorch's hstack."""
    items = [_t(x) for x in tensors]
    return cat(items, 0 if items and items[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Operand]) -> Tensor:
    """Stacked as rows: 1-D tensors become rows of a matrix, then joined along axis 0."""
    return cat([_t(x).reshape(1, -1) if _t(x).ndim == 1 else _t(x) for x in tensors], 0)


def dot(a: Any, b: Any, bias: Any = None) -> Any:
    """torch.dot(a, b) of two 1-D tensors; for Values, micrograd's neuron w·x + b as one
    node (`dot(weights, inputs, bias)`, see `value.dot`)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        if bias is not None:
            raise TypeError("dot(a, b) of tensors takes no bias; add it: dot(a, b) + bias")
        return _t(a).dot(b)
    return value_dot(a, b, bias)
