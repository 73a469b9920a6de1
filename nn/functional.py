"""Activations, losses and metrics as functions (`import nn.functional as F`).

Every function is built from ops of the engine's table, so it is differentiable (and
twice differentiable where its ops are). Activations and the simple losses also take
`Value`s, or lists of `Value`s as micrograd's models produce. Losses take
`reduction="mean" | "sum" | "none"`.
"""
import numpy as np

from .. import autograd
from ..autograd import OPS, Tensor, Value

_REDUCTIONS = ("mean", "sum", "none")


def _node(x):
    return x if isinstance(x, (Tensor, Value)) else Tensor(x)


def _is_value_list(x):
    return isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x)


def _unary(op_name, x):
    if _is_value_list(x):
        return [_unary(op_name, v) for v in x]
    x = _node(x)
    return type(x)._apply(OPS[op_name], (x,))


def relu(x):
    """max(x, 0);  d/dx = 1 if x > 0 else 0."""
    return _unary("relu", x)


def sigmoid(x):
    """1 / (1 + e^-x);  d/dx = s (1 - s)."""
    return _unary("sigmoid", x)


def tanh(x):
    return _unary("tanh", x)


def softplus(x):
    """log(1 + e^x), computed stably;  d/dx = sigmoid(x)."""
    return _unary("softplus", x)


def step(x):
    """The perceptron's activation: 1 if x > 0 else 0. Its gradient is zero."""
    return _unary("step", x)


DEFAULT_AXIS = "last"       # "not given" (axis=None still means every element)


def class_axis(axis, dim):
    """`axis` (numpy's name) or `dim` (PyTorch's), default -1; both at once is an error."""
    if axis is not DEFAULT_AXIS and dim is not None:
        raise TypeError(f"give axis or dim, not both (got axis={axis}, dim={dim})")
    return dim if dim is not None else -1 if axis is DEFAULT_AXIS else axis


def softmax(x, axis=DEFAULT_AXIS, *, dim=None):
    """e^x_i / sum_j e^x_j along `axis` (default last; None: all elements);
    max-subtracted, so logits of 1e4 are fine."""
    return _node(x).softmax(class_axis(axis, dim))


def log_softmax(x, axis=DEFAULT_AXIS, *, dim=None):
    """x_i - log sum_j e^x_j along `axis` (default last; None: all elements; stable)."""
    return _node(x).log_softmax(class_axis(axis, dim))


def _reduce(losses, reduction):
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _pairs(inputs, targets, what):
    """Value lists: pair predictions with targets, checking lengths."""
    inputs = list(inputs)
    targets = list(targets) if isinstance(targets, (list, tuple, np.ndarray)) \
        else [targets] * len(inputs)
    if len(inputs) != len(targets):
        raise ValueError(f"{what}: {len(inputs)} predictions but {len(targets)} targets")
    return inputs, targets


def _value_reduce(losses, reduction):
    if reduction == "none":
        return losses
    total = autograd.sum(losses)
    return total * (1.0 / len(losses)) if reduction == "mean" else total


def mse_loss(input, target, reduction="mean"):
    """mean((input - target)^2)."""
    _check_reduction(reduction)
    if _is_value_list(input):
        xs, ts = _pairs(input, target, "mse_loss")
        return _value_reduce([(x - t) ** 2 for x, t in zip(xs, ts)], reduction)
    input = _node(input)
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def sse_loss(input, target):
    """The book's sum of squared errors: 0.5 * sum((input - target)^2);  d/dx = x - t."""
    if _is_value_list(input):
        xs, ts = _pairs(input, target, "sse_loss")
        return autograd.sum([(x - t) ** 2 for x, t in zip(xs, ts)]) * 0.5
    diff = _node(input) - target
    return (diff * diff).sum() * 0.5


def _labels_or_probs(target, logits, what):
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    classes = logits.shape[-1]
    if t.dtype.kind in "iu":
        if t.shape != logits.shape[:-1]:
            raise ValueError(f"{what}: integer labels must have shape {logits.shape[:-1]} "
                             f"(one per row of logits {logits.shape}), got {t.shape}")
        if t.size and (t.min() < 0 or t.max() >= classes):
            bad = t[(t < 0) | (t >= classes)].reshape(-1)[0]
            raise IndexError(f"{what}: label {bad} is out of range for {classes} classes "
                             f"(valid labels: 0..{classes - 1})")
        return t
    if t.dtype.kind == "f":
        if t.shape != logits.shape:
            raise ValueError(f"{what}: a float target must be probabilities / one-hot of "
                             f"the logits' shape {logits.shape}, got {t.shape}; for class "
                             "labels pass integers (labels.astype(int))")
        return t.astype(logits.dtype, copy=False)
    raise TypeError(f"{what}: target must be integer labels or float probabilities, got "
                    f"dtype {t.dtype}")


def cross_entropy(logits, target, reduction="mean"):
    """-sum_k t_k log softmax(logits)_k over the last axis, as one fused, stable node.

    `target`: integer labels of shape logits.shape[:-1], or one-hot / probabilities of
    the logits' shape (both give the same loss). Gradient: (softmax - t) / N. The target
    is a constant (no gradient flows into it).
    """
    _check_reduction(reduction)
    logits = _node(logits)
    if logits.ndim == 0:
        raise ValueError("cross_entropy needs logits with a class axis, got a scalar")
    t = _labels_or_probs(target, logits, "cross_entropy")
    return Tensor._apply(OPS["cross_entropy"], (logits,), target=t, reduction=reduction)


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities: -log_probs[label] (or -sum t log p).
    `cross_entropy(z, y)` equals `nll_loss(log_softmax(z), y)`."""
    _check_reduction(reduction)
    log_probs = _node(log_probs)
    t = _labels_or_probs(target, log_probs, "nll_loss")
    if t.dtype.kind == "f":
        return _reduce(-(log_probs * t).sum(axis=-1), reduction)
    rows = log_probs.reshape(-1, log_probs.shape[-1])
    picked = rows[np.arange(rows.shape[0]), t.reshape(-1)].reshape(t.shape)
    return _reduce(-picked, reduction)


def _same_shape(input, target, what):
    """Elementwise losses refuse to broadcast: an (N, 1) output against (N,) targets
    would silently compare every output with every target. A single number is fine."""
    shape = np.shape(target.data if isinstance(target, Tensor) else target)
    if isinstance(input, Tensor) and shape not in (input.shape, ()):
        raise ValueError(f"{what}: input has shape {input.shape} but target {shape}; they "
                         "must match (for an (N, 1) output and (N,) targets use "
                         "output.reshape(-1))")


def binary_cross_entropy(input, target, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], PyTorch's rules: each
    log clamped at -100, gradient (p - t) / max(p (1 - p), 1e-12), so a saturated sigmoid
    gives no NaN. The target is a constant."""
    _check_reduction(reduction)
    p = _node(input)
    if not isinstance(p, Tensor):                       # one Value: the formula itself
        return -(target * p.log() + (1.0 - target) * (1.0 - p).log())
    _same_shape(p, target, "binary_cross_entropy")
    if p.data.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError("binary_cross_entropy needs probabilities in [0, 1]; for raw "
                         "scores use binary_cross_entropy_with_logits")
    if isinstance(target, Tensor) and target.requires_grad:   # a learned target: composed
        log_p, log_q = p.log().clip(min=-100.0), (1.0 - p).log().clip(min=-100.0)
        return _reduce(-(target * log_p + (1.0 - target) * log_q), reduction)
    t = np.broadcast_to(np.asarray(target.data if isinstance(target, Tensor) else target,
                                   dtype=p.dtype), p.shape)
    return Tensor._apply(OPS["binary_cross_entropy"], (p,), target=t, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE of sigmoid(z) without computing it: softplus(z) - t z (stable for any z);
    d/dz = sigmoid(z) - t."""
    _check_reduction(reduction)
    z = _node(input)
    if isinstance(z, Tensor):
        _same_shape(z, target, "binary_cross_entropy_with_logits")
        if not isinstance(target, Tensor):
            target = np.asarray(target, dtype=z.dtype)
    losses = softplus(z) - z * target
    return _reduce(losses, reduction) if isinstance(z, Tensor) else losses


def hinge_loss(scores, labels, reduction="mean"):
    """Max-margin loss for labels in {-1, +1}: max(0, 1 - y s) (micrograd's moons demo)."""
    _check_reduction(reduction)
    if _is_value_list(scores):
        ss, ys = _pairs(scores, labels, "hinge_loss")
        return _value_reduce([(1.0 - float(y) * s).relu() for s, y in zip(ss, ys)],
                             reduction)
    s = _node(scores)
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if s.shape != y.shape:
        raise ValueError(f"hinge_loss: scores have shape {s.shape} but labels {y.shape}")
    return _reduce((1.0 - s * y.astype(s.data.dtype)).relu(), reduction)


def accuracy(output, target, threshold=0.0):
    """Fraction of correct predictions, as a float (no gradient).

    Class scores (N, C): predicted class = argmax; target = labels or one-hot.
    One score per sample (N,) or (N, 1): predicted positive when score > threshold;
    a target is positive when > 0 (so labels {0, 1} and {-1, +1} both work). Use
    threshold=0.5 for probabilities.
    """
    if _is_value_list(output):
        output = [v.data if isinstance(v, Value) else v for v in output]
    out = np.asarray(output.data if isinstance(output, (Tensor, Value)) else output)
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if out.ndim >= 2 and out.shape[-1] > 1:
        pred = out.argmax(axis=-1)
        labels = t.argmax(axis=-1) if t.shape == out.shape else t
    else:
        out = out.reshape(-1)
        pred, labels = out > threshold, t.reshape(-1) > 0
    if pred.shape != labels.shape:
        raise ValueError(f"accuracy: predictions have shape {pred.shape} but targets "
                         f"{labels.shape}")
    return float(np.mean(pred == labels)) if pred.size else 0.0


from .convolution import (avg_pool2d, conv2d, conv_output_shape, fold,  # noqa: E402,F401
                          max_pool2d, unfold)
