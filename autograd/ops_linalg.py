"""Matrix products and the fused ops that keep a training step short (`Tensor` only).

Fusing is about Python overhead, not maths: `linear` is `x @ W.T + b` as one node and
`cross_entropy` is log-softmax + negative log-likelihood as one node, so an MLP step
records a handful of nodes and spends its time in BLAS.
"""
import numpy as np

from .op_table import register
from .vjp_math import fit_to, matrix_transpose, softmax, tangent_sum, unbroadcast


def _matmul_array(a, b):
    return np.matmul(a, b), None


def _matmul_vjp(node, g, xs, out):
    """d/dA = G B^T, d/dB = A^T G; 1-D operands are promoted to matrices and back."""
    a, b = xs
    a_needs, b_needs = (p.requires_grad for p in node._parents)
    a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
    b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
    # G with the promoted axes put back: (batch..., rows of A, columns of B)
    shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    g2 = g if tuple(g.shape) == shape else g.reshape(shape)
    ga = unbroadcast(g2 @ matrix_transpose(b2), a2.shape).reshape(a.shape) if a_needs else None
    gb = unbroadcast(matrix_transpose(a2) @ g2, b2.shape).reshape(b.shape) if b_needs else None
    return ga, gb


def _matmul_jvp(node, ts, xs, out):
    """d(A B) = dA B + A dB (the product rule; numpy's matmul handles 1-D and batches)."""
    a, b = xs
    return tangent_sum(None if ts[0] is None else ts[0] @ b,
                       None if ts[1] is None else a @ ts[1])


MATMUL = register("matmul", _matmul_vjp, jvp=_matmul_jvp, array=_matmul_array, arity=2, symbol="@",
                  doc="matrix product;  d/dA = G B^T, d/dB = A^T G")


def _linear_array(x, weight, bias=None):
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out, None


def _linear_vjp(node, g, xs, out):
    """y = x W^T + b:  dx = G W,  dW = G^T x,  db = sum of G over the batch."""
    x, weight = xs[0], xs[1]
    parents = node._parents
    gx = g @ weight if parents[0].requires_grad else None
    gw = gb = None
    if parents[1].requires_grad:
        g2 = g.reshape((-1, g.shape[-1])) if g.ndim != 2 else g
        x2 = x.reshape((-1, x.shape[-1])) if x.ndim != 2 else x
        gw = g2.T @ x2 if g.ndim > 1 else g2.T @ x2.reshape((1, -1))
    if len(xs) > 2 and parents[2].requires_grad:
        gb = g.sum(axis=tuple(range(g.ndim - 1))) if g.ndim > 1 else g
    return (gx, gw, gb) if len(xs) > 2 else (gx, gw)


def _linear_jvp(node, ts, xs, out):
    """d(x W^T + b) = dx W^T + x dW^T + db."""
    x, weight = xs[0], xs[1]
    return fit_to(tangent_sum(None if ts[0] is None else ts[0] @ weight.T,
                              None if ts[1] is None else x @ ts[1].T,
                              ts[2] if len(ts) > 2 else None), out)


LINEAR = register("linear", _linear_vjp, jvp=_linear_jvp, array=_linear_array, arity=None, symbol="linear",
                  doc="x @ W.T + b as one node (PyTorch's layout: W is out x in)")


def _softmax_array(x, axis):
    return softmax(x, axis), axis


def _softmax_vjp(node, g, xs, out):
    axis = node._saved
    return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)


def _softmax_jvp(node, ts, xs, out):
    axis = node._saved
    return out * (ts[0] - (ts[0] * out).sum(axis=axis, keepdims=True))


SOFTMAX = register("softmax", _softmax_vjp, jvp=_softmax_jvp, array=_softmax_array,
                   doc="e^x_i / sum_j e^x_j, max-subtracted so huge logits do not overflow;"
                       "  d/dx = s * (g - sum(g * s))")


def _log_softmax_array(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), axis


def _log_softmax_vjp(node, g, xs, out):
    axis = node._saved
    return (g - softmax(xs[0], axis) * g.sum(axis=axis, keepdims=True),)


def _log_softmax_jvp(node, ts, xs, out):
    axis = node._saved
    return ts[0] - (softmax(xs[0], axis) * ts[0]).sum(axis=axis, keepdims=True)


LOG_SOFTMAX = register("log_softmax", _log_softmax_vjp, jvp=_log_softmax_jvp, array=_log_softmax_array,
                       doc="x_i - log sum_j e^x_j (stable);  d/dx = g - softmax(x) sum(g)")


def _cross_entropy_array(logits, target, reduction):
    """Softmax + negative log-likelihood over the last axis in one pass.

    `target` is either integer class labels (shape = logits.shape[:-1]) or a
    probability / one-hot array of the logits' shape.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    log_probs = shifted - np.log(total)
    if target.dtype.kind in "iu":
        rows = log_probs.reshape(-1, log_probs.shape[-1])
        losses = -rows[np.arange(rows.shape[0]), target.reshape(-1)].reshape(target.shape)
    else:
        losses = -(target * log_probs).sum(axis=-1)
    count = losses.size
    if reduction == "mean":      # an empty batch's mean is NaN (PyTorch), without a warning
        out = losses.sum() / count if count else np.array(np.nan)
    elif reduction == "sum":
        out = losses.sum()
    else:
        out = losses
    return out.astype(logits.dtype, copy=False), (exp / total, target, reduction, count)


def _cross_entropy_vjp(node, g, xs, out):
    probs, target, reduction, count = node._saved
    if not isinstance(g, np.ndarray):          # create_graph: rebuild softmax as a node
        probs = softmax(xs[0], -1)
    if target.dtype.kind in "iu":
        if isinstance(probs, np.ndarray):      # softmax - onehot, without a onehot array
            diff = probs.copy()
            rows = diff.reshape(-1, diff.shape[-1])
            rows[np.arange(rows.shape[0]), target.reshape(-1)] -= 1.0
        else:
            one_hot = np.zeros(probs.shape, dtype=xs[0].dtype)
            np.put_along_axis(one_hot, target[..., None], 1.0, axis=-1)
            diff = probs - one_hot
    else:
        diff = probs * target.sum(axis=-1, keepdims=True) - target
    if reduction == "none":
        return (diff * g.reshape(g.shape + (1,)),)
    scale = g * (1.0 / max(count, 1)) if reduction == "mean" else g
    if isinstance(diff, np.ndarray):
        diff *= scale
        return (diff,)
    return (diff * scale,)


def _cross_entropy_jvp(node, ts, xs, out):
    """The loss's tangent: <d loss / d logits, tangent>, per sample, then reduced."""
    _, target, reduction, count = node._saved
    probs = softmax(xs[0], -1)
    if target.dtype.kind in "iu":
        one_hot = np.zeros(probs.shape, dtype=xs[0].dtype)
        np.put_along_axis(one_hot, target[..., None], 1.0, axis=-1)
        diff = probs - one_hot
    else:
        diff = probs * target.sum(axis=-1, keepdims=True) - target
    per_sample = (diff * ts[0]).sum(axis=-1)
    if reduction == "none":
        return per_sample
    total = per_sample.sum()
    return total * (1.0 / max(count, 1)) if reduction == "mean" else total


CROSS_ENTROPY = register("cross_entropy", _cross_entropy_vjp, jvp=_cross_entropy_jvp, array=_cross_entropy_array,
                         symbol="CE",
                         doc="mean of -log softmax(logits)[label] (fused, stable);  "
                             "d/dlogits = (softmax - onehot) / N")
