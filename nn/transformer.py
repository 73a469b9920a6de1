"""PyTorch's `nn.Transformer` and its parts (the model of "Attention Is All You Need",
as PyTorch's transformer tutorials build it). An encoder layer is self-attention and a
feed-forward block; a decoder layer puts attention over the encoder's output (`memory`)
between the two. Each block has dropout, a residual connection and LayerNorm, after the
block (PyTorch's default) or before it (`norm_first=True`).

    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128)
    encoder = nn.TransformerEncoder(layer, num_layers=2)   # deep copies of the layer
    out = encoder(src, mask=causal_mask, src_key_padding_mask=padding)

    model = nn.Transformer(d_model=64, nhead=4, num_encoder_layers=2, num_decoder_layers=2)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[0])
    out = model(src, tgt, tgt_mask=tgt_mask)              # (T, N, d_model)

Same parameter names, defaults (dim_feedforward=2048, dropout=0.1, ReLU), masks (the
module convention: True may not attend) and printed form as PyTorch's.
"""

import copy

from ..autograd.factories import full
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class _Block(Module):
    """What encoder and decoder layers share: the feed-forward block, the LayerNorms
    (one per residual branch) and their placement."""

    def _build(self, kind, d_model, dim_feedforward, dropout, activation, options, branches):
        if isinstance(activation, str) and activation not in _ACTIVATIONS:
            raise ValueError(
                f"{kind}: activation must be 'relu', 'gelu' or a callable, got {activation!r}"
            )
        bias, eps = options.pop("bias"), options.pop("layer_norm_eps")
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **options)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **options)
        for i in range(1, branches + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=eps, bias=bias, **options))
        for i in range(1, branches + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _ACTIVATIONS[activation] if isinstance(activation, str) else activation

    def _residual(self, x, norm, block, *args):
        """x + block(norm(x)) with norm_first, else norm(x + block(x))."""
        return x + block(norm(x), *args) if self.norm_first else norm(x + block(x, *args))

    def _self_attention(self, x, mask, padding, is_causal):
        return _attend(self.self_attn, x, x, mask, padding, is_causal, self.dropout1)

    def _feed_forward(self, x, dropout):
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _attend(attention, x, source, mask, padding, is_causal, dropout):
    out, _ = attention(
        x,
        source,
        source,
        attn_mask=mask,
        key_padding_mask=padding,
        need_weights=False,
        is_causal=bool(is_causal),  # without a mask: MultiheadAttention's error
    )
    return dropout(out)


class TransformerEncoderLayer(_Block):
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
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        options = {"dtype": dtype, "bias": bias, "layer_norm_eps": layer_norm_eps}
        self._build(
            "TransformerEncoderLayer", d_model, dim_feedforward, dropout, activation, options, 2
        )
        self.norm_first = norm_first
        if device is not None:
            self._to_device(device)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = self._residual(
            src, self.norm1, self._self_attention, src_mask, src_key_padding_mask, is_causal
        )
        return self._residual(x, self.norm2, self._feed_forward, self.dropout2)


class TransformerDecoderLayer(_Block):
    """x + dropout(self_attn(x)), x + dropout(multihead_attn(x, memory)), then
    x + dropout(feed_forward(x)), each followed by LayerNorm (norm_first=True: LayerNorm
    first, inside each residual branch)."""

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
        attention = {"dropout": dropout, "bias": bias, "batch_first": batch_first, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        options = {"dtype": dtype, "bias": bias, "layer_norm_eps": layer_norm_eps}
        self._build(
            "TransformerDecoderLayer", d_model, dim_feedforward, dropout, activation, options, 3
        )
        self.norm_first = norm_first
        if device is not None:
            self._to_device(device)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        x = self._residual(
            tgt, self.norm1, self._self_attention, tgt_mask, tgt_key_padding_mask, tgt_is_causal
        )
        x = self._residual(
            x,
            self.norm2,
            self._memory_attention,
            memory,
            memory_mask,
            memory_key_padding_mask,
            memory_is_causal,
        )
        return self._residual(x, self.norm3, self._feed_forward, self.dropout3)

    def _memory_attention(self, x, memory, mask, padding, is_causal):
        return _attend(self.multihead_attn, x, memory, mask, padding, is_causal, self.dropout2)


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


class TransformerDecoder(Module):
    """`num_layers` deep copies of `decoder_layer` applied in turn, each attending to the
    same `memory`, then `norm` if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """An encoder of `num_encoder_layers` layers over `src` and a decoder of
    `num_decoder_layers` over `tgt` attending to the encoder's output, each ending in
    LayerNorm; every weight matrix starts Xavier-uniform, as PyTorch's."""

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        layer_options = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "dtype": dtype,
        }
        norm_options = {"eps": layer_norm_eps, "bias": bias, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **layer_options)
            norm = LayerNorm(d_model, **norm_options)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, **layer_options)
            norm = LayerNorm(d_model, **norm_options)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), batch_first
        if device is not None:
            self._to_device(device)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        """src (S, N, E) and tgt (T, N, E) (batch_first: N first; unbatched: no N) to
        the decoder's output, (T, N, E)."""
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch] != tgt.shape[batch]:
            raise RuntimeError(
                f"Transformer: the batch number of src and tgt must be equal; got src "
                f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch_first={self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}); got src {tuple(src.shape)} and tgt {tuple(tgt.shape)}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of `sz`: -inf above the diagonal (a position
        may not attend to later ones), 0.0 elsewhere; added to the attention scores."""
        return full((sz, sz), float("-inf"), dtype=dtype, device=device).triu(1)
