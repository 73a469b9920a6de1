"""Two ops the `nn` package needs that cannot be composed from the others exactly.

* `step` (Heaviside, the perceptron's activation): its derivative is zero wherever it
  exists, so backprop passes zeros (the classic reason perceptrons cannot be trained by
  gradient descent).
* `softplus` log(1 + e^x): composing it as relu(x) + log(1 + e^-|x|) would be stable but
  would give the wrong slope at exactly x = 0 (relu' and |x|' are 0 there), and zero
  logits are common at initialisation. As one op its derivative is sigmoid(x) everywhere.
"""
import math

import numpy as np

from .op_table import register
from .ops_elementwise import _array_sigmoid
from .vjp_math import data_of


def _step_array(x):
    return (x > 0).astype(x.dtype), None


def _step_vjp(node, g, xs, out):
    return (g * 0.0,)


STEP = register("step", _step_vjp, jvp=lambda node, ts, xs, out: ts[0] * 0.0, scalar=lambda x: 1.0 if x > 0.0 else 0.0,
                array=_step_array, kinks=(0.0,), smooth=False,
                doc="1 if x > 0 else 0;  d/dx = 0 (undefined at 0)")


def _softplus_scalar(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_array(x):
    with np.errstate(over="ignore"):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))), None


def _sigmoid(x):
    """The sigmoid op's own array forward (exact far into the tails)."""
    with np.errstate(over="ignore"):
        return _array_sigmoid(x)


def _softplus_vjp(node, g, xs, out):
    x = xs[0]
    if hasattr(x, "_apply_op"):              # create_graph: a differentiable sigmoid
        return (g * x.sigmoid(),)
    if isinstance(data_of(x), float):
        e = math.exp(-abs(x))
        return (g * (1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)),)
    return (g * _sigmoid(x),)


def _softplus_jvp(node, ts, xs, out):
    x = xs[0]
    if hasattr(x, "_apply_op"):
        return ts[0] * x.sigmoid()
    if isinstance(data_of(x), float):
        return ts[0] * _softplus_vjp(node, 1.0, xs, out)[0]
    return ts[0] * _sigmoid(x)


SOFTPLUS = register("softplus", _softplus_vjp, jvp=_softplus_jvp, scalar=_softplus_scalar,
                    array=_softplus_array,
                    doc="log(1 + e^x) = max(x, 0) + log(1 + e^-|x|) (stable);  "
                        "d/dx = sigmoid(x)")


# --- binary cross-entropy on probabilities -----------------------------------------------
# PyTorch's rules, so a saturated sigmoid (p exactly 0 or 1) never gives NaN: each log is
# clamped at -100 in the value, and the gradient is (p - t) / max(p (1 - p), 1e-12) (the
# exact derivative wherever p (1 - p) > 1e-12). `target` is a constant, like
# cross_entropy's.

_BCE_EPS = 1e-12


def _bce_array(p, target, reduction):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_q = np.maximum(np.log(1.0 - p), -100.0)
    losses = -(target * log_p + (1.0 - target) * log_q)
    count = losses.size
    out = (losses.sum() / count if count else np.nan) if reduction == "mean" \
        else losses.sum() if reduction == "sum" else losses
    return np.asarray(out, dtype=p.dtype), (target, reduction, max(count, 1))


def _bce_slope(p, target):
    """d loss / d p per element, on arrays or on nodes (create_graph)."""
    return (p - target) / (p * (1.0 - p)).clip(min=_BCE_EPS)


def _bce_vjp(node, g, xs, out):
    target, reduction, count = node._saved
    slope = _bce_slope(xs[0], target)
    if reduction == "none":
        return (slope * g,)
    return (slope * (g * (1.0 / count) if reduction == "mean" else g),)


def _bce_jvp(node, ts, xs, out):
    target, reduction, count = node._saved
    per_element = _bce_slope(xs[0], target) * ts[0]
    if reduction == "none":
        return per_element
    total = per_element.sum()
    return total * (1.0 / count) if reduction == "mean" else total


BINARY_CROSS_ENTROPY = register(
    "binary_cross_entropy", _bce_vjp, jvp=_bce_jvp, array=_bce_array, symbol="BCE",
    doc="-(t log p + (1-t) log(1-p)), logs clamped at -100;  "
        "d/dp = (p - t) / max(p (1 - p), 1e-12)")
