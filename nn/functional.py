"""Activations, losses and metrics as functions (`import scratchgrad.nn.functional as F`),
with `torch.nn.functional`'s names, argument order and defaults.

Every function is built from ops of the engine's table, so it is differentiable (and
twice differentiable where its ops are). Activations and the simple losses also take
`Value`s, or lists of `Value`s as micrograd's models produce. Losses take
`reduction="mean" | "sum" | "none"` (and PyTorch's deprecated size_average= / reduce=).
`inplace=True` writes into the input outside a graph and returns a new node inside one
(`in_place`): scratchgrad never overwrites an array a graph may still need.
"""

import math
import warnings

import numpy as np

from .. import autograd
from ..autograd import OPS, Tensor, Value, is_grad_enabled
from ..autograd.backend import is_device_array, namespace
from ..autograd.errors import ArgumentError, ShapeError
from ..autograd.vjp_math import data_of
from .dtypes import layer_input, mismatch
from .reduction import reduce as _reduce
from .reduction import reduction_of
from .seeding import default_generator


def _node(x):
    return x if isinstance(x, (Tensor, Value)) else Tensor(x)


def _is_value_list(x):
    return isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x)


def _unary(op_name, x):
    if _is_value_list(x):
        return [_unary(op_name, v) for v in x]
    x = _node(x)
    return type(x)._apply(OPS[op_name], (x,))


def in_place(x, out, inplace):
    """PyTorch's `inplace=True`: outside a graph (x needs no gradient, or under no_grad)
    the result is written into x, counted as an edit, and x returned, as PyTorch does.
    Inside one the result is a new node (PyTorch records the in-place op on x instead):
    what the call returns is the activation, as `nn.ReLU(inplace=True)` in a Sequential
    or `out = F.relu(out, inplace=True)` use it; other names for x keep its numbers,
    and every saved array stays intact."""
    if not inplace or not isinstance(x, Tensor) or (x.requires_grad and is_grad_enabled()):
        return out
    return x.copy_(out)


def relu(x, inplace=False):
    """max(x, 0);  d/dx = 1 if x > 0 else 0."""
    return in_place(x, _unary("relu", x), inplace)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x;  d/dx = 1 if x > 0 else negative_slope (so at
    0 the slope is negative_slope, as PyTorch)."""
    if _is_value_list(x):
        return [leaky_relu(v, negative_slope) for v in x]
    x = _node(x)
    if isinstance(x, Value):
        return x if x.data > 0 else x * negative_slope
    return in_place(x, autograd.where(x.data > 0, x, x * negative_slope, piecewise=True), inplace)


def sigmoid(x):
    """1 / (1 + e^-x);  d/dx = s (1 - s)."""
    return _unary("sigmoid", x)


def tanh(x):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x);  d/dx = 1 - tanh(x)^2."""
    return _unary("tanh", x)


def gelu(x, approximate="none"):
    """x * Phi(x), Phi the standard normal's CDF: x (1 + erf(x / sqrt 2)) / 2, or with
    approximate="tanh" x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (GPT-2's);
    composed of table ops, so its gradient is theirs."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    x = _node(x)
    if not isinstance(x, Tensor):
        raise TypeError(f"gelu takes a Tensor, got {type(x).__name__}")
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + inner.tanh())
    return 0.5 * x * (1.0 + (x * (1.0 / math.sqrt(2.0))).erf())


def step(x):
    """The perceptron's activation: 1 if x > 0 else 0. Its gradient is zero."""
    return _unary("step", x)


DEFAULT_AXIS = "last"  # "not given" (axis=None still means every element)


def class_axis(axis, dim):
    """`axis` (numpy's name) or `dim` (PyTorch's), default -1; both at once is an error."""
    if axis is not DEFAULT_AXIS and dim is not None:
        raise TypeError(f"give axis or dim, not both (got axis={axis}, dim={dim})")
    return dim if dim is not None else -1 if axis is DEFAULT_AXIS else axis


def softmax_axis(x, axis, dim, name):
    """The axis of a softmax: the one given, else the last for 0-2 dimensions (what both
    PyTorch and the book use there) and PyTorch's implicit choice beyond (dim 0 for 3-D,
    1 for 4-D and more), with a warning naming it."""
    ndim = x.ndim if hasattr(x, "ndim") else np.ndim(x)  # (no copy of an array to ask)
    if axis is not DEFAULT_AXIS or dim is not None or ndim <= 2:
        return class_axis(axis, dim)
    chosen = 0 if ndim == 3 else 1
    warnings.warn(
        f"{name} without dim on a {ndim}-D input: dim={chosen} is PyTorch's implicit "
        "choice (not the last axis); pass dim= to say which",
        UserWarning,
        stacklevel=3,
    )
    return chosen


def _cast(x, dtype):
    x = _node(x)
    return x if dtype is None else x.astype(dtype)


def softmax(x, axis=DEFAULT_AXIS, *, dim=None, dtype=None):
    """e^x_i / sum_j e^x_j along `dim` (the second argument; numpy's `axis` too; default
    last up to 2-D, PyTorch's implicit dim beyond; None: all elements); max-subtracted,
    so logits of 1e4 are fine. `dtype`: cast the input first (PyTorch's keyword)."""
    return _cast(x, dtype).softmax(softmax_axis(x, axis, dim, "softmax"))


def log_softmax(x, axis=DEFAULT_AXIS, *, dim=None, dtype=None):
    """x_i - log sum_j e^x_j along `dim` (default as softmax's; None: all elements;
    stable). `F.log_softmax(x, dim=1)` then `F.nll_loss` is `F.cross_entropy`."""
    return _cast(x, dtype).log_softmax(softmax_axis(x, axis, dim, "log_softmax"))


def linear(input, weight, bias=None):
    """input @ weight.T + bias with weight (out_features, in_features), PyTorch's layout,
    as one node. Arrays and lists are converted to the weight's dtype; a Tensor of
    another dtype is an error (as in PyTorch)."""
    return linear_checked(input, weight, bias, "linear")


def linear_checked(input, weight, bias, who, layout_checked=False):
    """`linear` with errors that name `who` (nn.Linear calls it too, having checked its
    weight's layout, so a wrong input size is never blamed on the weight)."""
    weight = _node(weight)
    x = layer_input(input, weight.dtype, who)
    if weight.ndim != 2:
        raise ShapeError(
            f"{who}: weight must be 2-D (out_features, in_features), got shape {weight.shape}"
        )
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        hint = ""
        if x.ndim and x.shape[-1] == weight.shape[0] and not layout_checked:
            hint = (
                "; the weight looks like the book's (in, out) layout: PyTorch's is "
                "(out_features, in_features), so pass weight.T"
            )
        raise ShapeError(
            f"{who} got input of shape {x.shape}; its last axis must have size "
            f"{weight.shape[1]} (the weight is (out, in) = {weight.shape}){hint}"
        )
    inputs = (x, weight)
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias, dtype=weight.dtype)
        if bias.dtype != weight.dtype:
            raise mismatch(who, bias.dtype, "weight", weight.dtype)
        if bias.shape != (weight.shape[0],):
            raise ShapeError(f"{who}: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        inputs += (bias,)
    return Tensor._apply(OPS["linear"], inputs)


def _check_p(p, who):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who} probability must be in [0, 1], got p={p}")
    return float(p)


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1/(1-p), so the expected value is unchanged; identity otherwise. Draws
    from the generator `nn.manual_seed` seeds."""
    out = drop(input, _check_p(p, "Dropout"), training, default_generator())
    return in_place(input, out, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Dropout of whole channels of (N, C, H, W) input (`nn.Dropout2d`)."""
    out = drop(input, _check_p(p, "Dropout2d"), training, default_generator(), channels=True)
    return in_place(input, out, inplace)


def drop(x, p, training, rng, channels=False):
    """The body of `dropout` and the Dropout modules: one mask from `rng`, per element
    or (channels=True) per (sample, channel) of an (N, C, H, W) input."""
    x = _node(x)
    if channels and x.ndim != 4:
        raise ShapeError(
            f"Dropout2d expects input of shape (N, C, H, W), got {x.shape}; "
            "for (N, C) or (N, C, L) input use nn.Dropout"
        )
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = rng.random(x.shape[:2] + (1, 1) if channels else x.shape) >= p
    scale = (keep * (1.0 / (1.0 - p))).astype(x.dtype)
    return x * namespace(x._data).asarray(scale)  # the mask goes where x lives


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
):
    """PyTorch's F.batch_norm: per channel (axis 1), (x - mean) / sqrt(var + eps) *
    weight + bias. Training: the batch's mean and biased variance (one `batch_norm` op),
    and running_mean / running_var, when given, move toward them in place:
    running = (1 - momentum) running + momentum batch (the unbiased variance). Otherwise
    the running statistics are used."""
    x = _node(input)
    if x.ndim < 2:
        raise ShapeError(f"batch_norm expects input of shape (N, C, ...), got {x.shape}")
    c, xp = x.shape[1], namespace(x._data)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm with training=False needs running_mean and running_var; "
                "pass training=True to use the batch's own statistics"
            )
        mean, var = (data_of(v) for v in (running_mean, running_var))
        if mean.size != c or var.size != c:
            raise ShapeError(
                f"batch_norm: running_mean and running_var must hold {c} numbers (one per "
                f"channel of the input {tuple(x.shape)}), got {mean.size} and {var.size}"
            )
        out = (x - mean.reshape(shape)) * (1.0 / xp.sqrt(var + eps)).reshape(shape)
        if weight is not None:
            out = out * weight.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)
    n = x.size // max(c, 1)
    if n < 2:
        raise ShapeError(
            f"batch_norm in training mode needs more than one value per channel, got "
            f"input of shape {x.shape}"
        )
    stats = []
    out = OPS["batch_norm"](
        x,
        xp.ones(c, dtype=x.dtype) if weight is None else weight,
        xp.zeros(c, dtype=x.dtype) if bias is None else bias,
        eps=eps,
        stats=stats,
    )
    if running_mean is not None and running_var is not None:
        mean, var = stats
        for running, batch in ((running_mean, mean), (running_var, var * (n / (n - 1)))):
            running = data_of(running)
            running *= 1.0 - momentum
            running += momentum * batch
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias, with mean and (biased) variance over
    the trailing axes `normalized_shape` of each sample (Ba et al. 2016)."""
    x = _node(input)
    shape = (
        (normalized_shape,)
        if isinstance(normalized_shape, (int, np.integer))
        else tuple(normalized_shape)
    )
    if not shape or x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
        raise ShapeError(
            f"layer_norm: normalized_shape={shape} must be the last axes of "
            f"the input, got input of shape {x.shape}"
        )
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    out = (x - mean) / (x.var(axis=axes, keepdims=True, correction=0) + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _pairs(inputs, targets, what):
    """Value lists: pair predictions with targets, checking lengths."""
    inputs = list(inputs)
    targets = (
        list(targets) if isinstance(targets, (list, tuple, np.ndarray)) else [targets] * len(inputs)
    )
    if len(inputs) != len(targets):
        raise ValueError(f"{what}: {len(inputs)} predictions but {len(targets)} targets")
    return inputs, targets


def _value_reduce(losses, reduction):
    if reduction == "none":
        return losses
    total = autograd.sum(losses)
    return total * (1.0 / len(losses)) if reduction == "mean" else total


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((input - target)^2); with `weight` (the input's shape), the weighted mean
    sum(w (x - t)^2) / sum(w), as PyTorch."""
    reduction = reduction_of(reduction, size_average, reduce)
    if _is_value_list(input):
        if weight is not None:
            raise TypeError(
                "mse_loss(weight=...) takes Tensors; for a list of Values "
                "multiply each squared error by its weight yourself"
            )
        xs, ts = _pairs(input, target, "mse_loss")
        return _value_reduce([(x - t) ** 2 for x, t in zip(xs, ts)], reduction)
    input = _node(input)
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _weighted(diff * diff, weight, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|input - target|) (gradient sign(x - t), 0 where they are equal)."""
    reduction = reduction_of(reduction, size_average, reduce)
    input = _node(input)
    _same_shape(input, target, "l1_loss")
    return _weighted((input - target).abs(), weight, reduction, "l1_loss")


def _weighted(losses, weight, reduction, who):
    """PyTorch's weighted regression losses: per-element weights, mean = sum(w l) / sum(w)."""
    if weight is None:
        return _reduce(losses, reduction)
    weight = _constant_like(weight, losses, "weight", who)
    if weight.shape != losses.shape:
        raise ShapeError(
            f"{who}: weight must have the input's shape {losses.shape}, got {weight.shape}"
        )
    losses = losses * weight
    if reduction == "mean":
        return losses.sum() / weight.sum()
    return _reduce(losses, reduction)


def _constant_like(value, like, name, who):
    """A per-element or per-class weight: a Tensor stays one (its gradient flows); an
    array or list takes `like`'s dtype."""
    if isinstance(value, str):
        raise TypeError(
            f"{who}: {name} must be numbers, got {value!r} (PyTorch's third "
            f"argument is weight: pass the reduction by keyword, "
            f"reduction={value!r})"
        )
    if not isinstance(like, Tensor):
        raise TypeError(f"{who}({name}=...) takes a Tensor input, got {type(like).__name__}")
    if isinstance(value, Tensor):
        return value
    host = Tensor(value, dtype=like.dtype)  # checked and converted, then moved
    return Tensor._constant_like(like, namespace(like._data).asarray(host._data))


def sse_loss(input, target):
    """The book's sum of squared errors: 0.5 * sum((input - target)^2);  d/dx = x - t."""
    if _is_value_list(input):
        xs, ts = _pairs(input, target, "sse_loss")
        return autograd.sum([(x - t) ** 2 for x, t in zip(xs, ts)]) * 0.5
    diff = _node(input) - target
    return (diff * diff).sum() * 0.5


def _same_shape(input, target, what):
    """Elementwise losses refuse to broadcast: an (N, 1) output against (N,) targets
    would silently compare every output with every target. A single number is fine."""
    shape = target.shape if hasattr(target, "shape") else np.shape(target)
    if isinstance(input, Tensor) and shape not in (input.shape, ()):
        raise ShapeError(
            f"{what}: input has shape {input.shape} but target {shape}; they "
            "must match (for an (N, 1) output and (N,) targets use "
            "output.reshape(-1))"
        )


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], PyTorch's rules: each
    log clamped at -100, gradient (p - t) / max(p (1 - p), 1e-12), so a saturated sigmoid
    gives no NaN. The target is a constant. `weight` (broadcast to the input) scales each
    element's loss; the mean is still over elements."""
    reduction = reduction_of(reduction, size_average, reduce)
    if weight is not None:
        p = _node(input)
        losses = binary_cross_entropy(p, target, reduction="none")
        return _reduce(
            losses * _constant_like(weight, p, "weight", "binary_cross_entropy"), reduction
        )
    p = _node(input)
    if not isinstance(p, Tensor):  # one Value: the formula itself
        return -(target * p.log() + (1.0 - target) * (1.0 - p).log())
    _same_shape(p, target, "binary_cross_entropy")
    if p.data.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ArgumentError(
            "binary_cross_entropy needs probabilities in [0, 1]; for raw "
            "scores use binary_cross_entropy_with_logits"
        )
    if isinstance(target, Tensor) and target.requires_grad:  # a learned target: composed
        log_p, log_q = p.log().clip(min=-100.0), (1.0 - p).log().clip(min=-100.0)
        return _reduce(-(target * log_p + (1.0 - target) * log_q), reduction)
    xp = namespace(p._data)  # the target goes where the probabilities live
    t = xp.broadcast_to(
        xp.asarray(target._data if isinstance(target, Tensor) else target, dtype=p.dtype), p.shape
    )
    return Tensor._apply(OPS["binary_cross_entropy"], (p,), target=t, reduction=reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """BCE of sigmoid(z) without computing it: softplus(z) - t z (stable for any z);
    d/dz = sigmoid(z) - t. `pos_weight` (per class, broadcast along the last axis) weighs
    the positive term: (1 - t) z + (1 + (pos_weight - 1) t) softplus(-z), PyTorch's form;
    `weight` scales each element's loss."""
    reduction = reduction_of(reduction, size_average, reduce)
    who = "binary_cross_entropy_with_logits"
    z = _node(input)
    if isinstance(z, Tensor):
        _same_shape(z, target, who)
        if not isinstance(target, Tensor):
            target = namespace(z._data).asarray(target, dtype=z.dtype)
    if pos_weight is None:
        losses = softplus(z) - z * target
    else:
        pos_weight = _constant_like(pos_weight, z, "pos_weight", who)
        losses = (1.0 - target) * z + ((pos_weight - 1.0) * target + 1.0) * softplus(-z)
    if weight is not None:
        losses = losses * _constant_like(weight, z, "weight", who)
    return _reduce(losses, reduction) if isinstance(z, Tensor) else losses


def hinge_loss(scores, labels, reduction="mean"):
    """Max-margin loss for labels in {-1, +1}: max(0, 1 - y s) (micrograd's moons demo)."""
    reduction = reduction_of(reduction)
    if _is_value_list(scores):
        ss, ys = _pairs(scores, labels, "hinge_loss")
        return _value_reduce([(1.0 - float(y) * s).relu() for s, y in zip(ss, ys)], reduction)
    s = _node(scores)
    y = namespace(s._data).asarray(labels._data if isinstance(labels, Tensor) else labels)
    if s.shape != y.shape:
        raise ShapeError(f"hinge_loss: scores have shape {s.shape} but labels {y.shape}")
    return _reduce((1.0 - s * y.astype(s.data.dtype)).relu(), reduction)


def accuracy(output, target, threshold=0.0):  # noqa: F811 (a parameter, not F.threshold)
    """Fraction of correct predictions, as a float (no gradient).

    Class scores (N, C): predicted class = argmax; target = labels or one-hot.
    One score per sample (N,) or (N, 1): predicted positive when score > threshold;
    a target is positive when > 0 (so labels {0, 1} and {-1, +1} both work). Use
    threshold=0.5 for probabilities.
    """
    if _is_value_list(output):
        output = [v.data if isinstance(v, Value) else v for v in output]
    out = output.data if isinstance(output, (Tensor, Value)) else output
    t = target.data if isinstance(target, Tensor) else target
    # computed where the scores are (on a GPU: one number comes back, host labels go there)
    xp = namespace(out) if is_device_array(out) else namespace(t) if is_device_array(t) else np
    out, t = xp.asarray(out), xp.asarray(t)
    if out.ndim >= 2 and out.shape[-1] > 1:
        pred = out.argmax(axis=-1)
        labels = t.argmax(axis=-1) if t.shape == out.shape else t
    else:
        out = out.reshape(-1)
        pred, labels = out > threshold, t.reshape(-1) > 0
    if pred.shape != labels.shape:
        raise ShapeError(
            f"accuracy: predictions have shape {pred.shape} but targets {labels.shape}"
        )
    return float((pred == labels).mean()) if pred.size else 0.0


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """As torch.nn.functional.one_hot: integer labels (...) -> int64 rows (..., C), on
    the labels' device; C is the largest label + 1 when num_classes is -1."""
    from .data import one_hot as rows

    labels = tensor._data if isinstance(tensor, Tensor) else tensor
    return autograd.tensor(rows(labels, None if num_classes == -1 else num_classes, np.int64))


from .adaptive_max import adaptive_max_pool1d, adaptive_max_pool2d  # noqa: E402,F401
from .attention import scaled_dot_product_attention  # noqa: E402,F401
from .bilinear import bilinear  # noqa: E402,F401
from .class_losses import cross_entropy, nll_loss  # noqa: E402,F401
from .conv1d import avg_pool1d, conv1d, max_pool1d, max_unpool1d  # noqa: E402,F401
from .conv_transpose import conv_transpose2d  # noqa: E402,F401
from .convolution import (  # noqa: E402,F401
    adaptive_avg_pool2d,
    avg_pool2d,
    conv2d,
    conv_output_shape,
    fold,
    max_pool2d,
    max_unpool2d,
    unfold,
)
from .embedding import embedding  # noqa: E402,F401
from .embedding_bag import embedding_bag  # noqa: E402,F401
from .grid_sample import affine_grid, grid_sample  # noqa: E402,F401
from .group_norm import group_norm, instance_norm  # noqa: E402,F401
from .interpolate import interpolate, pixel_shuffle, pixel_unshuffle  # noqa: E402,F401
from .likelihood_losses import gaussian_nll_loss, poisson_nll_loss  # noqa: E402,F401
from .local_response_norm import local_response_norm  # noqa: E402,F401
from .margin_losses import (  # noqa: E402,F401
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from .more_activations import (  # noqa: E402,F401
    celu,
    elu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    silu,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from .rms_norm import rms_norm  # noqa: E402,F401
from .robust_losses import huber_loss, kl_div, smooth_l1_loss  # noqa: E402,F401
from .tensor_functions import (  # noqa: E402,F401
    cosine_similarity,
    normalize,
    pad,
    pairwise_distance,
)


def __getattr__(name):
    """A PyTorch name nn.functional does not have: say so, and where the list is
    (`hasattr(F, name)` is False, so nanoGPT's checks take their fallback)."""
    raise AttributeError(
        f"module 'scratchgrad.nn.functional' has no attribute {name!r}. It has the part "
        "of torch.nn.functional that scratchgrad's lessons and the common tutorials use; "
        "README.md ('Coming from PyTorch') says what differs"
    )
