"""PyTorch's `F.scaled_dot_product_attention` and `nn.MultiheadAttention`.

`scaled_dot_product_attention` is softmax(q k^T * scale + mask) v, written
from table ops (matmul, masked fill, softmax, dropout), so its gradients, second
derivatives and drawings come for free. nanoGPT and "Let's build GPT" take this path
when `hasattr(F, "scaled_dot_product_attention")`.

    q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev)
    attn_mask: bool (True: may attend) or float (added to the scores), broadcast to
    (..., L, S); is_causal: position i attends to 0..i (the top-left triangle).
"""

import math

import numpy as np

from ..autograd import Tensor, concatenate, where
from ..autograd.backend import namespace
from ..autograd.errors import ShapeError
from . import init
from .dtypes import float_dtype, layer_input
from .functional import _node, drop, softmax
from .layers import Linear
from .module import Module, Parameter
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
        raise ShapeError(
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
    # only a mask can block a whole row: unmasked scores skip the check's pass
    weights = softmax(scores, dim=-1) if attn_mask is None else _softmax_of_allowed(scores)
    if dropout_p > 0.0:
        weights = drop(weights, float(dropout_p), True, default_generator())
    return weights @ v


def _softmax_of_allowed(scores):
    """softmax over the keys; a query whose every key is masked (-inf) gets all-zero
    weights and no gradient, as PyTorch's scaled_dot_product_attention (not NaN)."""
    xp = namespace(scores._data)
    blocked = xp.isneginf(scores._data).all(axis=-1, keepdims=True)
    if not blocked.any():
        return softmax(scores, dim=-1)
    zeros = scores._constant_like(xp.zeros(scores.shape, dtype=scores.dtype))
    weights = softmax(where(blocked, zeros, scores), dim=-1)
    return where(blocked, zeros, weights)


def _widened(mask, added):
    """A mask with `added` columns that let the keys appended after the sequence's be
    attended (False, or 0.0 added), as PyTorch pads its masks for add_bias_kv and
    add_zero_attn."""
    if mask is None or not added:
        return mask
    if isinstance(mask, Tensor) and mask.dtype != bool:  # a float mask may require grad
        zeros = namespace(mask._data).zeros(mask.shape[:-1] + (added,), mask.dtype)
        return concatenate([mask, mask._constant_like(zeros)], axis=-1)
    raw = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    xp = namespace(raw)
    return xp.concatenate([raw, xp.zeros(raw.shape[:-1] + (added,), raw.dtype)], axis=-1)


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's name for MultiheadAttention's output projection: a Linear (the name is
    kept so that the printed model is PyTorch's)."""


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention: queries, keys and values projected by
    `in_proj_weight` (or `q/k/v_proj_weight` when kdim/vdim differ), split into heads,
    attended with scaled dot products, joined and projected by `out_proj`.

    Masks as PyTorch's module (the opposite of F.scaled_dot_product_attention's boolean
    convention): in `key_padding_mask` (N, S) and `attn_mask` (L, S) or
    (N * num_heads, L, S), True means "may not attend"; float masks are added."""

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                f"num_heads ({num_heads})"
            )
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.kdim = embed_dim if kdim is None else int(kdim)
        self.vdim = embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), batch_first
        self.head_dim = embed_dim // num_heads
        dtype = float_dtype(dtype, "MultiheadAttention")
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * e, e)), dtype=dtype)
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for name, width in (("q", e), ("k", self.kdim), ("v", self.vdim)):
                weight = Parameter(np.zeros((e, width)), dtype=dtype)
                init.xavier_uniform_(weight)
                setattr(self, f"{name}_proj_weight", weight)
        self.in_proj_bias = Parameter(np.zeros(3 * e), dtype=dtype) if bias else None
        self.bias_k = self.bias_v = None
        if add_bias_kv:  # one more key and value, learned, after the sequence's
            self.bias_k = Parameter(np.zeros((1, 1, e)), dtype=dtype)
            self.bias_v = Parameter(np.zeros((1, 1, e)), dtype=dtype)
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)
        self.add_zero_attn = bool(add_zero_attn)  # one more key and value, zeros, per head
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)
        if device is not None:
            self._to_device(device)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        """(attn_output, attn_weights): output (L, N, E) (batch_first: (N, L, E); one
        unbatched sequence: (L, E)); weights (N, L, S) averaged over the heads, or
        (N, heads, L, S) with average_attn_weights=False, or None."""
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "MultiheadAttention: is_causal is a hint that attn_mask is the causal "
                "mask (as PyTorch's); pass attn_mask too"
            )
        dtype = self.out_proj.weight.dtype
        q, k, v = (layer_input(t, dtype, "MultiheadAttention") for t in (query, key, value))
        batched = q.ndim == 3
        self._check_shapes(q, k, v, batched)
        if batched and self.batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        if not batched:
            q, k, v = (t.reshape(t.shape[0], 1, t.shape[1]) for t in (q, k, v))
        length, n, e = q.shape
        q, k, v = self._projected(q, k, v)
        heads, added = self.num_heads, 0
        if self.bias_k is not None and self.bias_v is not None:
            k = concatenate([k, self.bias_k.expand(1, n, e)], axis=0)
            v = concatenate([v, self.bias_v.expand(1, n, e)], axis=0)
            added += 1

        def split(t):  # (L, N, E) -> (N, heads, L, head_dim)
            return t.reshape(t.shape[0], n, heads, self.head_dim).permute(1, 2, 0, 3)

        q, k, v = split(q), split(k), split(v)
        if self.add_zero_attn:
            zeros = k._constant_like(
                namespace(k._data).zeros((n, heads, 1, self.head_dim), k.dtype)
            )
            k, v = concatenate([k, zeros], axis=2), concatenate([v, zeros], axis=2)
            added += 1
        attn_mask, key_padding_mask = (_widened(m, added) for m in (attn_mask, key_padding_mask))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        scores = self._masked(scores, attn_mask, key_padding_mask, n, length, k.shape[2])
        # need_weights=False is PyTorch's fused path: a query whose every key is masked
        # gets zero weights there (NaN with need_weights=True, in both frameworks)
        masked = attn_mask is not None or key_padding_mask is not None
        weights = (
            _softmax_of_allowed(scores) if masked and not need_weights else softmax(scores, dim=-1)
        )
        dropped = weights
        if self.dropout > 0.0 and self.training:
            dropped = drop(weights, self.dropout, True, default_generator())
        out = (dropped @ v).permute(2, 0, 1, 3).reshape(length, n, e)
        out = self.out_proj(out)
        if not batched:
            out = out.reshape(length, e)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = dropped  # PyTorch returns the weights after dropout
        weights = weights.mean(axis=1) if average_attn_weights else weights
        return out, (weights if batched else weights.reshape(weights.shape[1:]))

    def _check_shapes(self, q, k, v, batched):
        """query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch_first: N first;
        unbatched: no N), or an error naming what does not fit."""
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        sizes = (self.embed_dim, self.kdim, self.vdim)
        for name, t, size in zip(("query", "key", "value"), (q, k, v), sizes):
            if t.ndim != q.ndim or t.ndim not in (2, 3) or t.shape[-1] != size:
                raise ShapeError(
                    f"MultiheadAttention: {name} must have {size} features and the query's "
                    f"number of axes ({layout}, or 2-D unbatched); got shape {tuple(t.shape)}"
                )
        batch = 0 if self.batch_first else 1
        if k.shape[:-1] != v.shape[:-1] or (batched and k.shape[batch] != q.shape[batch]):
            raise ValueError(
                "MultiheadAttention: key and value must have the same length and batch as "
                f"each other and the query; got query {tuple(q.shape)}, key "
                f"{tuple(k.shape)}, value {tuple(v.shape)}"
            )

    def _projected(self, q, k, v):
        e, bias = self.embed_dim, self.in_proj_bias
        if self._qkv_same_embed_dim:
            weights = self.in_proj_weight.split(e, dim=0)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = bias.split(e, dim=0) if bias is not None else (None, None, None)
        return tuple(
            t @ w.T + b if b is not None else t @ w.T for t, w, b in zip((q, k, v), weights, biases)
        )

    def _masked(self, scores, attn_mask, key_padding_mask, n, length, source):
        """scores (N, heads, L, S) with the module's masks applied (True: may not
        attend; floats added)."""
        for mask, shape in ((attn_mask, None), (key_padding_mask, (n, 1, 1, source))):
            if mask is None:
                continue
            raw = mask._data if isinstance(mask, Tensor) else namespace(scores._data).asarray(mask)
            if shape is None:  # (L, S) or (N * heads, L, S)
                shape = (length, source) if raw.ndim == 2 else (n, self.num_heads, length, source)
            if raw.dtype == bool:
                scores = scores.masked_fill(raw.reshape(shape), -np.inf)
            else:  # in the scores' dtype: a float64 mask may not turn a float32 model's
                added = mask if isinstance(mask, Tensor) else scores._constant_like(raw)
                scores = scores + added.reshape(shape).to(scores.dtype)
        return scores
