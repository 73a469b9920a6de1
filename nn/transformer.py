"""PyTorch's `nn.TransformerEncoderLayer` and `nn.TransformerEncoder` (the encoder of
"Attention Is All You Need", as PyTorch's transformer tutorials build it): self-attention
and a feed-forward block, each with dropout, a residual connection and LayerNorm, after
the block (PyTorch's default) or before it (`norm_first=True`).

    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128)
    encoder = nn.TransformerEncoder(layer, num_layers=2)   # deep copies of the layer
    out = encoder(src, mask=causal_mask, src_key_padding_mask=padding)

Same parameter names, defaults (dim_feedforward=2048, dropout=0.1, ReLU), masks (the
module convention: True may not attend) and printed form as PyTorch's.
"""

import copy

from . import functional as F
from .attention import MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """x + dropout(self_attn(x)) then x + dropout(feed_forward(x)), each followed by
    LayerNorm (norm_first=True: LayerNorm first, inside each residual branch)."""

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        if isinstance(activation, str) and activation not in _ACTIVATIONS:
            raise ValueError(
                f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a "
                f"callable, got {activation!r}"
            )
        options = {"dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **options
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **options)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **options)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _ACTIVATIONS[activation] if isinstance(activation, str) else activation
        if device is not None:
            self._to_device(device)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attention(self, x, mask, padding, is_causal):
        out, _ = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal and mask is not None,
        )
        return self.dropout1(out)

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """`num_layers` deep copies of `encoder_layer` applied in turn, then `norm` if given."""

    def __init__(
        self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True
    ):
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(
                x,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return x if self.norm is None else self.norm(x)
