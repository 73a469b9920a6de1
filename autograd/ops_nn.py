"""Three ops the `nn` package needs that cannot be composed from the others exactly.

* `step` (Heaviside, the perceptron's activation): its derivative is zero wherever it
  exists, so backprop passes zeros (the classic reason perceptrons cannot be trained by
  gradient descent).
* `softplus` log(1 + e^x): composing it as relu(x) + log(1 + e^-|x|) would be stable but
  would give the wrong slope at exactly x = 0 (relu' and |x|' are 0 there), and zero
  logits are common at initialisation. As one op its derivative is sigmoid(x) everywhere.
* `binary_cross_entropy` on probabilities, with PyTorch's rules so a saturated sigmoid
  (p exactly 0 or 1) never gives NaN: each log is clamped at -100 in the value, and the
  gradient is (p - t) / max(p (1 - p), 1e-12), the exact derivative wherever
  p (1 - p) > 1e-12. `target` is a constant, like cross_entropy's.
"""

from .backend import namespace
from .op_table import register
from .ops_elementwise import SIGMOID


def _step(x):
    if isinstance(x, float):
        return 1.0 if x > 0.0 else 0.0
    return (x > 0).astype(x.dtype)


STEP = register(
    "step",
    _step,
    partials=lambda node, xs, out: (0.0,),
    values=True,
    kinks=(0.0,),
    smooth=False,
    doc="1 if x > 0 else 0;  d/dx = 0 (undefined at 0)",
)


def _softplus(x):
    xp = namespace(x)
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))


SOFTPLUS = register(
    "softplus",
    _softplus,
    partials=lambda node, xs, out: (SIGMOID(xs[0]),),
    values=True,
    quiet=True,
    doc="log(1 + e^x) = max(x, 0) + log(1 + e^-|x|) (stable);  d/dx = sigmoid(x)",
)

_BCE_EPS = 1e-12


def _bce(p, target, reduction):
    xp = namespace(p)
    log_p = xp.maximum(xp.log(p), -100.0)
    log_q = xp.maximum(xp.log(1.0 - p), -100.0)
    losses = -(target * log_p + (1.0 - target) * log_q)
    n = losses.size
    out = (
        (losses.sum() / n if n else float("nan"))
        if reduction == "mean"
        else losses.sum()
        if reduction == "sum"
        else losses
    )
    return xp.asarray(out, dtype=p.dtype)


def _bce_slope(node, p):
    """d loss / d p per element, scaled by the reduction (arrays or nodes)."""
    saved = node._saved
    slope = (p - saved["target"]) / (p * (1.0 - p)).clip(min=_BCE_EPS)
    return slope * (1.0 / max(saved["target"].size, 1)) if saved["reduction"] == "mean" else slope


def _bce_vjp(node, g, xs, out):
    return (_bce_slope(node, xs[0]) * g,)


def _bce_jvp(node, ts, xs, out):
    per_element = _bce_slope(node, xs[0]) * ts[0]
    return per_element if node._saved["reduction"] == "none" else per_element.sum()


BINARY_CROSS_ENTROPY = register(
    "binary_cross_entropy",
    _bce,
    _bce_vjp,
    _bce_jvp,
    quiet=True,
    symbol="BCE",
    doc="-(t log p + (1-t) log(1-p)), logs clamped at -100;  "
    "d/dp = (p - t) / max(p (1 - p), 1e-12)",
)
