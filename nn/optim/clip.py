"""Gradient clipping, in place, for Tensor and Value parameters (torch.nn.utils names).

clip_grad_norm_: if the total norm ||g|| = (sum_i ||g_i||^p)^(1/p) of all gradients
exceeds max_norm, scale every gradient by max_norm / (||g|| + 1e-6). The direction of
the step is kept; only its length is capped.
"""
import math

import numpy as np

from autograd import Tensor, Value


def _grads(parameters):
    if isinstance(parameters, (Tensor, Value)):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _norm(g, norm_type):
    g = np.abs(np.asarray(g, dtype=np.float64))
    if norm_type == math.inf:
        return float(g.max()) if g.size else 0.0
    return float((g ** norm_type).sum()) ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale gradients so their total `norm_type`-norm is at most `max_norm`.
    Returns the total norm before clipping (a float)."""
    params = _grads(parameters)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    norms = [_norm(p.grad, norm_type) for p in params]
    if not norms:
        return 0.0
    if norm_type == math.inf:
        total = max(norms)
    else:
        total = sum(n ** norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(f"clip_grad_norm_: the total gradient norm is {total}; "
                                 "a gradient holds NaN or inf")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            if isinstance(p, Value):
                p.grad *= scale
            else:
                p.grad *= np.asarray(scale, dtype=p.grad.dtype)
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element into [-clip_value, clip_value]."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _grads(parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -clip_value), clip_value)
        else:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
