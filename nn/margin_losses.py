"""Margin and embedding losses (`F.margin_ranking_loss`, `F.hinge_embedding_loss`,
`F.soft_margin_loss`, `F.cosine_embedding_loss`, `F.triplet_margin_loss`,
`F.multilabel_soft_margin_loss`, `F.multi_margin_loss`): PyTorch's definitions, composed
of table ops, so their gradients (and second derivatives) are the ops'.

    margin_ranking:  max(0, -y (x1 - x2) + margin)
    hinge_embedding: x where y == 1, max(0, margin - x) where y == -1
    soft_margin:     log(1 + exp(-y x))
    cosine_embedding: 1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1
    triplet_margin:  max(0, d(a, p) - d(a, n) + margin), d the p-norm distance
    multilabel_soft_margin: -mean_c [y log sigmoid(x) + (1 - y) log sigmoid(-x)]
    multi_margin:    sum_{j != y} max(0, margin - x_y + x_j)^p / C

Inputs broadcast as in PyTorch; shapes that cannot broadcast raise PyTorch's
RuntimeError. At a kink the gradient is PyTorch's: `clamp` passes it at 0 (the hinges of
the first four and triplet_margin), while multi_margin counts only terms above 0.
"""

import numpy as np

from .. import autograd
from ..autograd import Tensor
from ..autograd.backend import namespace
from .functional import _constant_like, _node, _unary
from .more_activations import logsigmoid
from .reduction import reduce as _reduce
from .reduction import reduction_of
from .tensor_functions import pairwise_distance


def _input(x, who):
    x = _node(x)
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} takes Tensors, got {type(x).__name__}")
    return x


def _operand(value, like, name, who):
    """A second input, target or weight: a float Tensor stays one (its gradient flows);
    an integer or bool Tensor takes `like`'s dtype, as PyTorch promotes it; numbers,
    arrays and lists take `like`'s dtype too."""
    if isinstance(value, Tensor):
        return value if value.dtype.kind == "f" else value.astype(like.dtype)
    return _constant_like(value, like, name, who)


def _raw(value, like):
    """A target's numbers for comparisons (no gradient), on `like`'s device."""
    return namespace(like._data).asarray(value._data if isinstance(value, Tensor) else value)


def broadcast_shape(who, *shapes):
    """The shape the arguments broadcast to, or PyTorch's RuntimeError."""
    out = ()
    for shape in shapes:
        a, b = tuple(out), tuple(shape)
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for i, (p, q) in enumerate(zip(a, b)):
            if p != q and 1 not in (p, q):
                raise RuntimeError(
                    f"{who}: The size of tensor a ({p}) must match the size of tensor b "
                    f"({q}) at non-singleton dimension {i} (shapes {out} and {shape})"
                )
        out = tuple(q if p == 1 else p for p, q in zip(a, b))
    return out


def margin_ranking_loss(
    input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"
):
    """max(0, -target (input1 - input2) + margin): target 1 means input1 should rank
    higher, -1 lower. The three must have the same number of dimensions (then broadcast)."""
    who = "margin_ranking_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    x1 = _input(input1, who)
    x2, t = _operand(input2, x1, "input2", who), _operand(target, x1, "target", who)
    if not x1.ndim == x2.ndim == t.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got "
            f"sizes: input1: {x1.shape}, input2: {x2.shape}, target: {t.shape} "
        )
    broadcast_shape(who, x1.shape, x2.shape, t.shape)
    return _reduce((-t * (x1 - x2) + margin).clamp(min=0.0), reduction)


def hinge_embedding_loss(
    input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"
):
    """input where target is 1, max(0, margin - input) where it is -1 (input is usually
    a distance; other target values get both terms, as in PyTorch)."""
    reduction = reduction_of(reduction, size_average, reduce)
    x = _input(input, "hinge_embedding_loss")
    t = _raw(target, x)
    broadcast_shape("hinge_embedding_loss", x.shape, t.shape)
    hinge = (margin - x).clamp(min=0.0)
    losses = autograd.where(t != 1, hinge, 0.0) + autograd.where(t != -1, x, 0.0)
    return _reduce(losses, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target input)), the logistic loss of labels +-1 (computed stably)."""
    who = "soft_margin_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    x = _input(input, who)
    t = _operand(target, x, "target", who)
    broadcast_shape(who, x.shape, t.shape)
    return _reduce(_unary("softplus", -x * t), reduction)


def cosine_embedding_loss(
    input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"
):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1
    (0 elsewhere): rows of (N, D) inputs with an (N,) target, or (D,) ones with a 0-d
    target. PyTorch's cosine: x1.x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))."""
    who = "cosine_embedding_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    x1 = _input(input1, who)
    x2 = _operand(input2, x1, "input2", who)
    t = _raw(target, x1)
    if t.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    wanted = t.ndim + 1
    if x1.ndim != wanted or x2.ndim != wanted:
        raise RuntimeError(
            f"{t.ndim}D target tensor expects {wanted}D input tensors, but found inputs "
            f"with sizes {list(x1.shape)} and {list(x2.shape)}."
        )
    axis = t.ndim
    rows = broadcast_shape(who, x1.shape, x2.shape)
    broadcast_shape(who, rows[:axis], t.shape)
    dot = (x1 * x2).sum(axis)
    square1 = (x1 * x1).sum(axis) + 1e-12
    square2 = (x2 * x2).sum(axis) + 1e-12
    cos = dot / (square1 * square2).sqrt()
    losses = autograd.where(t == 1, 1 - cos, 0.0) + autograd.where(
        t == -1, (cos - margin).clamp(min=0.0), 0.0
    )
    return _reduce(losses, reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), d the p-norm distance
    along the last axis (`pairwise_distance`, eps added to the difference); `swap` uses
    d(positive, negative) where it is the smaller (the distance swap)."""
    who = "triplet_margin_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a = _input(anchor, who)
    pos, neg = _operand(positive, a, "positive", who), _operand(negative, a, "negative", who)
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {a.ndim}D, positive {pos.ndim}D, and "
            f"negative {neg.ndim}D inputs"
        )
    broadcast_shape(who, a.shape, pos.shape, neg.shape)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0.0), reduction)


def multilabel_soft_margin_loss(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """Per sample, the mean over the last (class) axis of the binary cross-entropy of
    sigmoid(input) against 0/1 targets; `weight` (broadcast) scales each class's term."""
    who = "multilabel_soft_margin_loss"
    reduction = reduction_of(reduction, size_average, reduce)
    x = _input(input, who)
    if x.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    t = _operand(target, x, "target", who)
    w = None if weight is None else _operand(weight, x, "weight", who)
    broadcast_shape(who, x.shape, t.shape, *([] if w is None else [w.shape]))
    losses = -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x))
    if w is not None:
        losses = losses * w
    losses = losses.sum(x.ndim - 1) / x.shape[-1]
    return _reduce(losses, reduction)


def multi_margin_loss(
    input,
    target,
    p=1,
    margin=1.0,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """The multi-class hinge: per sample, sum over classes j != y of
    max(0, margin - x_y + x_j)^p (p 1 or 2), times weight[y], over the number of
    classes. input (N, C), (C,) or a 0-d one; target N (or 0-d) integer labels."""
    reduction = reduction_of(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and (weight.ndim if hasattr(weight, "ndim") else np.ndim(weight)) != 1:
        raise ValueError("weight must be one-dimensional")
    x = _input(input, "multi_margin_loss")
    if not (x.ndim == 0 or (x.ndim in (1, 2) and x.shape[-1] != 0)):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(x.shape)}"
        )
    frames, classes = (x.shape[0] if x.ndim == 2 else 1), (x.shape[-1] if x.ndim else 1)
    labels = _raw(target, x)
    if labels.dtype.kind not in "iu":
        raise RuntimeError(
            f"multi_margin_loss: target must hold integer class labels (int64), got {labels.dtype}"
        )
    if labels.ndim > 1 or labels.size != frames:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number "
            f"of input samples (batch size). Expected target size [{frames}], but got "
            f"{list(labels.shape)}. Input has shape {list(x.shape)}."
        )
    w = None
    if weight is not None:
        w = _operand(weight, x, "weight", "multi_margin_loss")
        if w.ndim > 1 or w.numel() != classes:
            raise RuntimeError(
                f"inconsistent weight size, expected {classes} but got {list(w.shape)}"
            )
    flat = labels.reshape(-1)
    if ((flat < 0) | (flat >= classes)).any():
        raise RuntimeError("target out of range")
    xp = namespace(x._data)
    scores = x.reshape(frames, classes)
    picked = scores[xp.arange(frames), flat].reshape(frames, 1)
    hinge = (margin - picked + scores).relu()  # no gradient at 0 (PyTorch's z > 0)
    if p == 2:
        hinge = hinge * hinge
    others = flat.reshape(-1, 1) != xp.arange(classes)
    hinge = autograd.where(others, hinge, 0.0)
    if w is not None:
        hinge = hinge * w.reshape(-1)[flat].reshape(frames, 1)
    losses = hinge.sum(1) / classes
    if reduction == "none":
        return losses if labels.ndim == 1 else losses.reshape(())
    return _reduce(losses, reduction)
