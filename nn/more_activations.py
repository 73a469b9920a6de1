"""PyTorch's other activations (`F.elu`, `F.silu`, `F.hardswish`, ...), each composed of
table ops, so each is differentiable twice and its gradient is visible in a drawing.

At a kink the gradient is PyTorch's, which is not always the limit from one side:
hardtanh, relu6 and hardsigmoid pass no gradient at their corners (PyTorch's strict
`min < x < max`), while clamp passes it; hardswish takes its outer pieces at -3 and 3
(slopes 0 and 1); elu, celu, selu and prelu take the negative side at 0. Each `where`
below says which side owns the corner. (PyTorch's hardsigmoid multiplies its gradient by
1/6 rounded to float32; here it is 1/6 in the input's precision.)
"""

from .. import autograd
from ..autograd import Tensor
from ..autograd.errors import ShapeError
from .functional import _node, _unary, in_place, softmax


def _tensor(x, who):
    x = _node(x)
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} takes a Tensor, got {type(x).__name__}")
    return x


def _constant(value, like):
    return autograd.tensor(value, dtype=like.dtype)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the
    corners (PyTorch's)."""
    x = _tensor(input, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    inside = (x.data > min_val) & (x.data < max_val)
    out = autograd.where(inside, x, x.detach().clamp(min_val, max_val), piecewise=True)
    return in_place(x, out, inplace)


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha (e^x - 1);  d/dx at 0 is alpha (the negative side)."""
    x = _tensor(input, "elu")
    return in_place(x, autograd.where(x.data > 0, x, x.expm1() * alpha), inplace)


def celu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha (e^(x/alpha) - 1);  d/dx at 0 is 1."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    x = _tensor(input, "celu")
    out = autograd.where(x.data > 0, x, (x * (1.0 / alpha)).expm1() * alpha)
    return in_place(x, out, inplace)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants (Klambauer et al.)."""
    return in_place(input, elu(input, SELU_ALPHA) * SELU_SCALE, inplace)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    x = _tensor(input, "silu")
    return in_place(x, x * x.sigmoid(), inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x)) (Misra 2019)."""
    x = _tensor(input, "mish")
    return in_place(x, x * _unary("softplus", x).tanh(), inplace)


def softsign(input):
    """x / (1 + |x|)."""
    return _unary("softsign", input)


def hardsigmoid(input, inplace=False):
    """0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between; gradient 1/6 strictly inside."""
    x = _tensor(input, "hardsigmoid")
    inside = (x.data > -3.0) & (x.data < 3.0)
    outer = (x.detach() >= 3.0).astype(x.dtype)
    return in_place(
        x, autograd.where(inside, x * (1.0 / 6.0) + 0.5, outer, piecewise=True), inplace
    )


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6: 0 up to -3, x from 3 on, x (x + 3) / 6 strictly between
    (so the slope is 0 at -3 and 1 at 3, as PyTorch's)."""
    x = _tensor(input, "hardswish")
    middle = x * (x + 3.0) * (1.0 / 6.0)
    outer = autograd.where(x.data >= 3.0, x, _constant(0.0, x))
    return in_place(x, autograd.where((x.data > -3.0) & (x.data < 3.0), middle, outer), inplace)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    x = _tensor(input, "logsigmoid")
    return -_unary("softplus", -x)


def softmin(input, dim=None, dtype=None):
    """softmax(-x) along `dim`: the smallest entries get the largest weights."""
    x = _tensor(input, "softmin")
    return softmax(-x if dtype is None else -x.astype(dtype), dim=dim)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's
    linear tail);  d/dx = sigmoid(beta x)."""
    x = _node(input)
    if beta == 1.0 and threshold == 20.0 and not isinstance(x, Tensor):
        return _unary("softplus", x)  # Values (micrograd's models) and lists of them
    x = _tensor(x, "softplus")
    curve = _unary("softplus", x * beta) * (1.0 / beta)
    return autograd.where((x.data * beta) > threshold, x, curve)


def prelu(input, weight):
    """x if x > 0 else weight * x, with one learned slope per channel (axis 1), or one
    for all;  d/dx at 0 is the slope (the negative side)."""
    x, w = _tensor(input, "prelu"), _tensor(weight, "prelu")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size not in (1, channels):
        raise ShapeError(
            f"prelu: weight has {w.size} slopes, the input {channels} channels (axis 1); "
            "give one slope, or one per channel"
        )
    if w.size > 1:
        w = w.reshape((1, channels) + (1,) * (x.ndim - 2))
    else:
        w = w.reshape(())
    return autograd.where(x.data > 0, x, x * w, piecewise=True)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (gradient 1 strictly outside [-lambd, lambd])."""
    x = _tensor(input, "hardshrink")
    return autograd.where(abs(x.data) > lambd, x, x.detach() * 0.0, piecewise=True)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between (gradient 1 outside)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    x = _tensor(input, "softshrink")
    shrunk = autograd.where(x.data > 0, x - lambd, x + lambd, piecewise=True)
    return autograd.where(abs(x.data) > lambd, shrunk, x.detach() * 0.0, piecewise=True)


def tanhshrink(input):
    """x - tanh(x)."""
    x = _tensor(input, "tanhshrink")
    return x - x.tanh()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else `value` (gradient 1 strictly above the threshold)."""
    x = _tensor(input, "threshold")
    filled = x.detach() * 0.0 + value
    return in_place(x, autograd.where(x.data > threshold, x, filled, piecewise=True), inplace)


def glu(input, dim=-1):
    """a * sigmoid(b), with a and b the two halves of `dim` (the gated linear unit)."""
    x = _tensor(input, "glu")
    if x.shape[dim] % 2:
        raise ValueError(f"glu: dimension {dim} has odd size {x.shape[dim]}; it must halve")
    a, b = x.chunk(2, dim=dim)
    return a * b.sigmoid()
