"""Matrix products and the two fused ops that keep a training step short (`Tensor` only).

Fusing is about Python overhead, not maths: `linear` is `x @ W.T + b` as one node and
`cross_entropy` is log-softmax + negative log-likelihood as one node, so an MLP step
records a handful of nodes and spends its time in BLAS. (`softmax` and `log_softmax` are
compositions of primitives: see `Tensor.softmax`.)
"""

import numpy as np

from .backend import namespace
from .node import Node
from .op_table import register
from .threads import matmul as mm
from .vjp_math import fit_to, matrix_transpose, tangent_sum, unbroadcast


def _matmul_vjp(node, g, xs, out):
    """d/dA = G B^T, d/dB = A^T G; 1-D operands are promoted to matrices and back."""
    a, b = xs
    a_needs, b_needs = (p.requires_grad for p in node._parents)
    a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
    b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
    # G with the promoted axes put back: (batch..., rows of A, columns of B)
    shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    g2 = g if tuple(g.shape) == shape else g.reshape(shape)
    ga = unbroadcast(mm(g2, matrix_transpose(b2)), a2.shape).reshape(a.shape) if a_needs else None
    gb = unbroadcast(mm(matrix_transpose(a2), g2), b2.shape).reshape(b.shape) if b_needs else None
    return ga, gb


MATMUL = register(
    "matmul",
    mm,
    vjp=_matmul_vjp,
    jvp=lambda node, ts, xs, out: tangent_sum(  # the product rule: dA B + A dB
        None if ts[0] is None else mm(ts[0], xs[1]), None if ts[1] is None else mm(xs[0], ts[1])
    ),
    arity=2,
    symbol="@",
    doc="matrix product;  d/dA = G B^T, d/dB = A^T G",
)


def _linear(x, weight, bias=None):
    out = mm(x, weight.T)
    if bias is not None:
        out += bias
    return out


def _linear_vjp(node, g, xs, out):
    """y = x W^T + b:  dx = G W,  dW = G^T x,  db = sum of G over the batch."""
    x, weight = xs[0], xs[1]
    parents = node._parents
    gx = mm(g, weight) if parents[0].requires_grad else None
    gw = gb = None
    if parents[1].requires_grad:
        g2 = g.reshape((-1, g.shape[-1])) if g.ndim != 2 else g
        x2 = x.reshape((-1, x.shape[-1])) if x.ndim != 2 else x
        gw = mm(g2.T, x2) if g.ndim > 1 else mm(g2.T, x2.reshape((1, -1)))
    if len(xs) > 2 and parents[2].requires_grad:
        gb = g.sum(axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
    return (gx, gw, gb) if len(xs) > 2 else (gx, gw)


LINEAR = register(
    "linear",
    _linear,
    _linear_vjp,
    jvp=lambda node, ts, xs, out: fit_to(
        tangent_sum(  # dx W^T + x dW^T + db
            None if ts[0] is None else mm(ts[0], xs[1].T),
            None if ts[1] is None else mm(xs[0], ts[1].T),
            ts[2] if len(ts) > 2 else None,
        ),
        out,
    ),
    arity=None,
    symbol="linear",
    doc="x @ W.T + b as one node (PyTorch's layout: W is out x in)",
)


def softmax(x, axis=-1):
    """Max-subtracted softmax of raw data, or of a node (recorded as its primitives)."""
    if isinstance(x, Node):
        return x.softmax(axis)
    e = namespace(x).exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _cross_entropy(logits, target, reduction):
    """Softmax + negative log-likelihood over the last axis in one pass.

    `target` is either integer class labels (shape = logits.shape[:-1]) or a
    probability / one-hot array of the logits' shape.
    """
    xp = namespace(logits)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = xp.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    log_probs = shifted - xp.log(total)
    if target.dtype.kind in "iu":
        rows = log_probs.reshape(-1, log_probs.shape[-1])
        losses = -rows[xp.arange(rows.shape[0]), target.reshape(-1)].reshape(target.shape)
    else:
        losses = -(target * log_probs).sum(axis=-1)
    n = losses.size
    if reduction == "mean":  # an empty batch's mean is NaN (PyTorch), without a warning
        out = losses.sum() / n if n else xp.asarray(float("nan"))
    elif reduction == "sum":
        out = losses.sum()
    else:
        out = losses
    saved = {"probs": exp / total, "target": target, "reduction": reduction, "count": n}
    return out.astype(logits.dtype, copy=False), saved


def _probs_minus_target(probs, target, dtype):
    """d loss / d logits per sample: softmax - one-hot (or - the target distribution)."""
    if target.dtype.kind not in "iu":
        return probs * target.sum(axis=-1, keepdims=True) - target
    if isinstance(probs, Node):  # one-hot by comparison: CuPy 13 has no put_along_axis
        xp = namespace(target)
        one_hot = (xp.arange(probs.shape[-1]) == target[..., None]).astype(dtype)
        return probs - one_hot
    xp = namespace(probs)
    diff = probs.copy()  # softmax - onehot, without building the one-hot array
    rows = diff.reshape(-1, diff.shape[-1])
    rows[xp.arange(rows.shape[0]), target.reshape(-1)] -= 1.0
    return diff


def _cross_entropy_vjp(node, g, xs, out):
    saved = node._saved
    reduction, n = saved["reduction"], saved["count"]
    probs = softmax(xs[0], -1) if isinstance(g, Node) else saved["probs"]  # create_graph
    diff = _probs_minus_target(probs, saved["target"], xs[0].dtype)
    if reduction == "none":
        return (diff * g.reshape(g.shape + (1,)),)
    scale = g * (1.0 / max(n, 1)) if reduction == "mean" else g
    if isinstance(diff, Node):
        return (diff * scale,)
    diff *= scale
    return (diff,)


def _cross_entropy_jvp(node, ts, xs, out):
    """The loss's tangent: <d loss / d logits, tangent>, per sample, then reduced."""
    saved = node._saved
    diff = _probs_minus_target(softmax(xs[0], -1), saved["target"], xs[0].dtype)
    per_sample = (diff * ts[0]).sum(axis=-1)
    if saved["reduction"] == "none":
        return per_sample
    total = per_sample.sum()
    return total * (1.0 / max(saved["count"], 1)) if saved["reduction"] == "mean" else total


CROSS_ENTROPY = register(
    "cross_entropy",
    _cross_entropy,
    _cross_entropy_vjp,
    _cross_entropy_jvp,
    saves=True,
    symbol="CE",
    doc="mean of -log softmax(logits)[label] (fused, stable);  d/dlogits = (softmax - onehot) / N",
)
