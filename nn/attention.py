"""PyTorch's `F.scaled_dot_product_attention`: softmax(q k^T * scale + mask) v, written
from table ops (matmul, masked fill, softmax, dropout), so its gradients, second
derivatives and drawings come for free. nanoGPT and "Let's build GPT" take this path
when `hasattr(F, "scaled_dot_product_attention")`.

    q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev)
    attn_mask: bool (True: may attend) or float (added to the scores), broadcast to
    (..., L, S); is_causal: position i attends to 0..i (the top-left triangle).
"""

import math

import numpy as np

from ..autograd import Tensor
from ..autograd.backend import namespace
from .functional import _node, drop, softmax
from .seeding import default_generator


def scaled_dot_product_attention(
    query,
    key,
    value,
    attn_mask=None,
    dropout_p=0.0,
    is_causal=False,
    scale=None,
    enable_gqa=False,
):
    """Attention weights softmax(q k^T * scale + mask) over the keys, times v. `scale`
    defaults to 1/sqrt(E); `dropout_p` drops attention weights (always: the function
    has no training flag, as PyTorch's; pass 0.0 in eval)."""
    q, k, v = _node(query), _node(key), _node(value)
    if enable_gqa:
        raise NotImplementedError(
            "scaled_dot_product_attention(enable_gqa=True) is not supported; repeat the "
            "key and value heads yourself (k.repeat_interleave(groups, dim=-3))"
        )
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1]:
        raise ValueError(
            "scaled_dot_product_attention expects query (..., L, E), key (..., S, E) and "
            f"value (..., S, Ev); got {q.shape}, {k.shape}, {v.shape}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key has {k.shape[-2]} positions, value "
            f"{v.shape[-2]}; they must match"
        )
    if is_causal and attn_mask is not None:
        raise ValueError(
            "scaled_dot_product_attention: pass attn_mask or is_causal=True, not both "
            "(as PyTorch); fold the causal triangle into your mask"
        )
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = (q @ k.transpose(-2, -1)) * factor
    length, source = q.shape[-2], k.shape[-2]
    if is_causal:
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask._data if isinstance(attn_mask, Tensor) else attn_mask
        mask = namespace(scores._data).asarray(mask)
        if mask.dtype == bool:
            scores = scores.masked_fill(~mask, -np.inf)
        else:
            scores = scores + (attn_mask if isinstance(attn_mask, Tensor) else mask)
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = drop(weights, float(dropout_p), True, default_generator())
    return weights @ v
