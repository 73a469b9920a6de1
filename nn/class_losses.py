"""`cross_entropy` and `nll_loss`: losses over class scores, in PyTorch's layout.

    input:  (C,) one sample, (N, C) a batch, or (N, C, d1, d2, ...) one score vector per
            position (e.g. per pixel): the class axis is 1 (0 for a single sample), as
            in PyTorch. For scores laid out (N, d1, ..., C) move the classes to axis 1
            first: z.permute(0, 2, 1) for (N, L, C).
    target: integer labels of the input's shape without the class axis, or (soft
            targets) probabilities / one-hot of the input's own shape.

Options as PyTorch: `weight` (C,) scales each class's loss (the mean divides by the
summed weights of the targets), `ignore_index` labels add nothing and are not counted,
`label_smoothing` eps mixes the target with the uniform distribution. The plain case
(no weight, no smoothing, no ignored label) is one fused, stable node.
"""

import numpy as np

from ..autograd import OPS, Tensor
from ..autograd.backend import namespace, value_range
from ..autograd.errors import ArgumentError, ShapeError
from .reduction import reduction_of


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """-sum_k t_k log softmax(input)_k over the class axis (axis 1; see the module's
    docstring), stable. Gradient (softmax - t) / N in the plain case. A probability
    target that requires grad (distillation, a learned target) gets its gradient
    -log softmax(input) / N, as in PyTorch."""
    reduction = reduction_of(reduction, size_average, reduce)
    logits = _scores(input, "cross_entropy")
    t, ignored = _target(target, logits, "cross_entropy", ignore_index)
    w = _class_weight(weight, logits, "cross_entropy")
    eps = _smoothing(label_smoothing)
    z = _classes_last(logits)
    t = _as_node_if_differentiable(target, t, z)
    _check_soft_options(t, w, ignore_index, "cross_entropy")
    if w is None and eps == 0.0 and not isinstance(t, Tensor) and not ignored:
        return Tensor._apply(OPS["cross_entropy"], (z,), target=t, reduction=reduction)
    log_probs = z.log_softmax(-1)
    classes = z.shape[-1]
    if t.dtype.kind == "f":
        soft = t * (1.0 - eps) + eps / classes if eps else t
        return _soft_target_nll(log_probs, soft, w, reduction)
    loss = _label_nll(log_probs, t, w, ignore_index, reduction)
    if eps == 0.0:
        return loss
    return loss * (1.0 - eps) + _uniform_nll(log_probs, t, w, ignore_index, reduction) * (
        eps / classes
    )


def nll_loss(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"
):
    """Negative log-likelihood of log-probabilities (classes on axis 1): -input[label],
    scaled by weight[label]; `cross_entropy(z, y)` equals `nll_loss(log_softmax(z, dim=1),
    y)`. Beyond PyTorch, a probability target gives -sum_k t_k input_k."""
    reduction = reduction_of(reduction, size_average, reduce)
    log_probs = _scores(input, "nll_loss")
    t, _ = _target(target, log_probs, "nll_loss", ignore_index)
    w = _class_weight(weight, log_probs, "nll_loss")
    log_probs = _classes_last(log_probs)
    t = _as_node_if_differentiable(target, t, log_probs)
    _check_soft_options(t, w, ignore_index, "nll_loss")
    if t.dtype.kind == "f":
        return _soft_target_nll(log_probs, t, w, reduction)
    return _label_nll(log_probs, t, w, ignore_index, reduction)


# --- the pieces, on scores with the classes moved last ------------------------------------


def _label_nll(log_probs, t, w, ignore_index, reduction):
    """-w[y] log_probs[y] per label (0 for ignored ones); the mean divides by the summed
    weights of the counted labels."""
    xp = namespace(t)
    counted = t != ignore_index
    labels = xp.where(counted, t, 0)
    weights = _per_label_weight(w, labels, counted, log_probs.dtype)
    rows = log_probs.reshape(-1, log_probs.shape[-1])
    picked = rows[xp.arange(rows.shape[0]), labels.reshape(-1)].reshape(t.shape)
    return _reduced(-picked * weights, weights.sum(), reduction)


def _uniform_nll(log_probs, t, w, ignore_index, reduction):
    """Label smoothing's extra term: -sum_k w_k log_probs_k per counted label."""
    counted = t != ignore_index
    per = -(log_probs * w if w is not None else log_probs).sum(axis=-1)
    per = per * counted.astype(log_probs.dtype)
    weights = _per_label_weight(w, namespace(t).where(counted, t, 0), counted, log_probs.dtype)
    return _reduced(per, weights.sum(), reduction)


def _soft_target_nll(log_probs, target, w, reduction):
    """-sum_k w_k t_k log_probs_k per position; the mean is over positions."""
    per = -(log_probs * (target * w if w is not None else target)).sum(axis=-1)
    return _reduced(per, per.size, reduction)


def _per_label_weight(w, labels, counted, dtype):
    weights = w[labels] if w is not None else namespace(labels).ones(labels.shape, dtype)
    return weights * counted


def _reduced(losses, count, reduction):
    """PyTorch's reductions: "mean" divides by `count` (the summed weights); with nothing
    counted it is NaN, and the gradient is zero, as PyTorch's."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    return total * (1.0 / float(count)) if count else total * 0.0 + np.nan


# --- checks and layout ---------------------------------------------------------------------


def _scores(x, who):
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim == 0:
        raise ShapeError(f"{who} needs logits with a class axis, got a scalar")
    return x


def _classes_last(x):
    """(N, C, d1, ...) -> (N, d1, ..., C): the engine's ops reduce over the last axis."""
    if x.ndim <= 2:
        return x
    return x.permute((0,) + tuple(range(2, x.ndim)) + (1,))


def _checked_labels(t, classes, who, ignore_index):
    """Raise for a label out of range; return whether any label is ignore_index. The
    smallest and largest label come back together, so on a GPU the host waits for the
    device once; only a label outside 0..classes-1 (an ignored or a bad one) asks more."""
    if t.size == 0:
        return False
    low, high = value_range(t)
    if 0 <= low and high < classes:
        return 0 <= ignore_index < classes and bool((t == ignore_index).any())
    bad = ((t < 0) | (t >= classes)) & (t != ignore_index)
    if bad.any():
        raise IndexError(
            f"{who}: label {t[bad].reshape(-1)[0]} is out of range for "
            f"{classes} classes (valid labels: 0..{classes - 1}; "
            f"ignore_index={ignore_index} is skipped)"
        )
    return True  # every label outside 0..classes-1 is ignore_index


def _target(target, scores, who, ignore_index):
    """(labels, whether any is ignore_index) for integer labels, checked; (probabilities
    moved classes-last in the scores' dtype, False) for a float target. On the scores'
    device (host labels are moved there)."""
    xp = namespace(scores._data)
    t = xp.asarray(target._data if isinstance(target, Tensor) else target)
    axis = 1 if scores.ndim >= 2 else 0
    classes = scores.shape[axis]
    if t.dtype.kind in "iu":
        expected = scores.shape[:axis] + scores.shape[axis + 1 :]
        if t.shape != expected:
            hint = ""
            if scores.ndim >= 3 and t.shape == scores.shape[:-1]:
                order = (0, scores.ndim - 1) + tuple(range(1, scores.ndim - 1))
                hint = (
                    f"; the classes go on axis 1 (PyTorch's layout): for scores laid "
                    f"out (N, ..., C) pass x.permute{order}"
                )
            raise ShapeError(
                f"{who}: integer labels must have shape {expected} (the input "
                f"{scores.shape} without its class axis {axis}), got "
                f"{t.shape}{hint}"
            )
        return t, _checked_labels(t, classes, who, ignore_index)
    if t.dtype.kind == "f":
        if t.shape != scores.shape:
            raise ShapeError(
                f"{who}: a float target must be probabilities / one-hot of the "
                f"logits' shape {scores.shape}, got {t.shape}; for class labels "
                "pass integers (labels.astype(int))"
            )
        t = xp.moveaxis(t, 1, -1) if t.ndim > 2 else t
        return t.astype(scores.dtype, copy=False), False
    raise TypeError(
        f"{who}: target must be integer labels or float probabilities, got dtype {t.dtype}"
    )


def _as_node_if_differentiable(target, checked, scores):
    """A probability target that requires grad stays in the graph (classes last, in the
    scores' dtype), so that the loss's gradient reaches it; any other target is the
    checked constant array."""
    if not (isinstance(target, Tensor) and target.requires_grad):
        return checked
    node = _classes_last(target)
    return node if node.dtype == scores.dtype else node.to(scores.dtype)


def _check_soft_options(t, w, ignore_index, who):
    """PyTorch's limits: no ignore_index with probability targets, and a weight that
    requires grad only with them (the label path's mean divides by summed weights as
    constants, so its weight gradient would be wrong)."""
    soft = t.dtype.kind == "f"
    if soft and ignore_index != -100:
        raise ValueError(
            f"{who}: ignore_index is for class-label targets; a probability target has "
            "no label to ignore (give that class probability 0 instead)"
        )
    if isinstance(w, Tensor) and not soft:
        raise RuntimeError(
            f"{who}: no gradient with respect to weight for class-label targets (PyTorch "
            "has none either); pass weight.detach(), or probability targets"
        )


def _class_weight(weight, scores, who):
    """`weight` as a constant (C,) array in the scores' dtype, or None; a weight Tensor
    that requires grad stays a node (probability targets differentiate it)."""
    if weight is None:
        return None
    if isinstance(weight, Tensor) and weight.requires_grad:
        classes = scores.shape[1 if scores.ndim >= 2 else 0]
        if weight.shape != (classes,):
            raise ShapeError(
                f"{who}: weight must hold one number per class, shape ({classes},), got "
                f"shape {weight.shape}"
            )
        return weight if weight.dtype == scores.dtype else weight.to(scores.dtype)
    if isinstance(weight, str):
        raise TypeError(
            f"{who}: weight must be one number per class, got {weight!r} "
            f"(PyTorch's third argument is weight: pass the reduction by "
            f"keyword, reduction={weight!r})"
        )
    w = namespace(scores._data).asarray(weight._data if isinstance(weight, Tensor) else weight)
    classes = scores.shape[1 if scores.ndim >= 2 else 0]
    if w.shape != (classes,) or w.dtype.kind not in "iuf":
        raise ShapeError(
            f"{who}: weight must hold one number per class, shape "
            f"({classes},), got {w.dtype} of shape {w.shape}"
        )
    return w.astype(scores.dtype)


def _smoothing(label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    return float(label_smoothing)
