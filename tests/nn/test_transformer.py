"""nn.TransformerEncoderLayer and nn.TransformerEncoder: outputs and every gradient
against PyTorch with the same weights (post- and pre-norm, ReLU and GELU, batch_first,
causal and key-padding masks, a final norm), state_dict names and the printed model
(ModuleList's `(0-1): 2 x Layer` runs included); dropout off in eval; errors."""

import warnings

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn as nn

torch = oracle("torch")

PADDING = np.random.default_rng(0).random((3, 5)) < 0.3
PADDING[:, 0] = False
CAUSAL = np.triu(np.ones((5, 5), dtype=bool), 1)
CASES = {
    "post-norm": ({}, (5, 3, 8), {}, False),
    "pre-norm gelu batch_first": (
        {"batch_first": True, "norm_first": True, "activation": "gelu"},
        (3, 5, 8),
        {},
        True,
    ),
    "key padding": ({}, (5, 3, 8), {"src_key_padding_mask": PADDING}, False),
    "causal": ({}, (5, 3, 8), {"mask": CAUSAL, "is_causal": True}, False),
}


def _encoder(lib, options, final_norm):
    layer = lib.nn.TransformerEncoderLayer(8, 2, 16, 0.1, **options)
    norm = lib.nn.LayerNorm(8) if final_norm else None
    extra = {} if lib is scratchgrad else {"enable_nested_tensor": False}
    return lib.nn.TransformerEncoder(layer, 2, norm=norm, **extra)


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    options, shape, call, final_norm = CASES[name]
    ours, theirs = _encoder(scratchgrad, options, final_norm), _encoder(torch, options, final_norm)
    theirs = theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    ours.eval()  # dropout off on both sides (the generators differ)
    theirs.eval()
    x = np.random.default_rng(1).normal(size=shape)
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        src = lib.tensor(x, requires_grad=True)
        masks = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
        out = model(src, **masks)
        (out * out).sum().backward()
        found = [out, src.grad] + [p.grad for p in model.parameters()]
        results.append(
            [np.asarray(t.detach().numpy() if hasattr(t, "detach") else t) for t in found]
        )
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
def test_prints_as_pytorchs():
    ours, theirs = _encoder(scratchgrad, {}, True), _encoder(torch, {}, True)
    lines = [line.split("  #")[0] for line in repr(ours).splitlines()]
    assert "\n".join(lines[:-1]) == repr(theirs)  # "(0-1): 2 x TransformerEncoderLayer("
    for make in (
        lambda lib: lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.ReLU()]),
        lambda lib: lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.ReLU()]),
    ):
        lines = [line.split("  #")[0] for line in repr(make(scratchgrad)).splitlines()]
        assert "\n".join(line for line in lines if not line.startswith("Total")) == repr(
            make(torch)
        )


def test_layers_are_copies_and_dropout_trains():
    encoder = _encoder(scratchgrad, {}, False)
    first, second = encoder.layers
    assert first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.data, second.linear1.weight.data)
    x = np.random.default_rng(2).normal(size=(5, 3, 8))
    encoder.train()
    assert not np.allclose(encoder(x).data, encoder(x).data)  # dropout draws differ
    encoder.eval()
    np.testing.assert_array_equal(encoder(x).data, encoder(x).data)
    with pytest.raises(ValueError, match="activation must be 'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


TGT_PADDING = np.random.default_rng(2).random((3, 4)) < 0.3
TGT_PADDING[:, 0] = False
DECODER_CASES = {
    "post-norm": ({}, (4, 3, 8), (5, 3, 8), {}, False),
    "pre-norm gelu batch_first": (
        {"batch_first": True, "norm_first": True, "activation": "gelu"},
        (3, 4, 8),
        (3, 5, 8),
        {},
        True,
    ),
    "causal, both paddings": (
        {},
        (4, 3, 8),
        (5, 3, 8),
        {
            "tgt_mask": np.triu(np.ones((4, 4), dtype=bool), 1),
            "tgt_is_causal": True,
            "tgt_key_padding_mask": TGT_PADDING,
            "memory_key_padding_mask": PADDING,
        },
        True,
    ),
    "memory mask": ({}, (4, 3, 8), (5, 3, 8), {"memory_mask": CAUSAL[:4]}, False),
}


def _decoder(lib, options, final_norm):
    layer = lib.nn.TransformerDecoderLayer(8, 2, 16, 0.1, **options)
    norm = lib.nn.LayerNorm(8) if final_norm else None
    return lib.nn.TransformerDecoder(layer, 2, norm=norm)


def _same_weights(ours, theirs):
    theirs = theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    ours.eval()  # dropout off on both sides (the generators differ)
    theirs.eval()
    return theirs


def _outputs_and_grads(lib, model, inputs, masks):
    tensors = [lib.tensor(x, requires_grad=True) for x in inputs]
    masks = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    out = model(*tensors, **masks)
    (out * out).sum().backward()
    found = [out.detach()] + [t.grad for t in tensors] + [p.grad for p in model.parameters()]
    return [np.asarray(t.numpy()) for t in found]


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(DECODER_CASES))
def test_decoder_matches_pytorch(name):
    options, tgt_shape, memory_shape, call, final_norm = DECODER_CASES[name]
    ours = _decoder(scratchgrad, options, final_norm)
    theirs = _same_weights(ours, _decoder(torch, options, final_norm))
    rng = np.random.default_rng(1)
    inputs = (rng.normal(size=tgt_shape), rng.normal(size=memory_shape))
    expected = _outputs_and_grads(torch, theirs, inputs, call)
    for a, b in zip(_outputs_and_grads(scratchgrad, ours, inputs, call), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def _transformer(lib, **options):
    with warnings.catch_warnings():  # PyTorch's note that its nested-tensor path is off
        warnings.simplefilter("ignore", UserWarning)
        return lib.nn.Transformer(8, 2, 2, 1, 16, 0.1, **options)


@pytest.mark.oracle
@pytest.mark.parametrize("options", [{}, {"batch_first": True, "norm_first": True}])
def test_transformer_matches_pytorch_and_its_mask(options):
    ours = _transformer(scratchgrad, **options)
    theirs = _same_weights(ours, _transformer(torch, **options))
    mask = scratchgrad.nn.Transformer.generate_square_subsequent_mask(4, dtype="float64")
    expected_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(mask.numpy(), expected_mask.numpy())
    rng = np.random.default_rng(3)
    batch_first = options.get("batch_first", False)
    src = rng.normal(size=(3, 6, 8) if batch_first else (6, 3, 8))
    tgt = rng.normal(size=(3, 4, 8) if batch_first else (4, 3, 8))
    call = {"tgt_mask": mask.numpy(), "src_key_padding_mask": PADDING[:, :1].repeat(6, 1)}
    call["src_key_padding_mask"][:, -2:] = True
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        results.append(_outputs_and_grads(lib, model, (src, tgt), call))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
def test_transformer_prints_as_pytorchs():
    ours, theirs = _transformer(scratchgrad), _transformer(torch)
    lines = [line.split("  #")[0] for line in repr(ours).splitlines()]
    assert "\n".join(lines[:-1]) == repr(theirs)


def test_transformer_starts_xavier_uniform_and_checks_its_inputs():
    model = _transformer(scratchgrad)
    for name, p in model.named_parameters():
        if p.ndim > 1:  # every matrix, the feed-forward ones included: xavier_uniform_
            fan_out, fan_in = p.shape
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            values = p.detach().numpy()
            assert np.abs(values).max() <= bound, name
            assert values.std() > bound / 3, name  # spread over the range, not zeros
    src, tgt = scratchgrad.randn(6, 3, 8), scratchgrad.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(src, tgt)
    with pytest.raises(RuntimeError, match="d_model"):
        model(src, scratchgrad.randn(4, 3, 5))
    unbatched = model(scratchgrad.randn(6, 8), scratchgrad.randn(4, 8))
    assert unbatched.shape == (4, 8)


def test_transformer_learns_to_copy():
    """A 1-layer model learns to copy a short sequence of one-hot tokens (teacher forcing)."""
    scratchgrad.manual_seed(0)
    model = scratchgrad.nn.Transformer(16, 2, 1, 1, 32, 0.0)
    head = scratchgrad.nn.Linear(16, 4)
    params = list(model.parameters()) + list(head.parameters())
    optimizer = scratchgrad.optim.Adam(params, lr=1e-2)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 4, size=(5, 32))
    embed = np.eye(16)[tokens]  # (S, N, 16)
    start = np.zeros((1, 32, 16))
    tgt = scratchgrad.tensor(np.concatenate([start, embed[:-1]]))
    src, labels = scratchgrad.tensor(embed), scratchgrad.tensor(tokens.reshape(-1))
    mask = scratchgrad.nn.Transformer.generate_square_subsequent_mask(5)
    losses = []
    for _ in range(120):
        logits = head(model(src, tgt, tgt_mask=mask)).reshape(-1, 4)
        loss = scratchgrad.nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")  # PyTorch's
def test_fully_masked_rows_float32_with_float64_masks_and_causal_hint():
    """From a probe against PyTorch: a target row whose every key is masked (left padding
    under a causal mask) gets zero attention, as PyTorch's need_weights=False path, not
    NaN; a float32 model takes PyTorch's float64 masks; is_causal needs its mask."""
    ours = _transformer(scratchgrad)
    theirs = _same_weights(ours, _transformer(torch))  # in eval: dropout off
    rng = np.random.default_rng(4)
    src, tgt = rng.normal(size=(6, 3, 8)), rng.normal(size=(4, 3, 8))
    call = {
        "tgt_mask": np.triu(np.full((4, 4), -np.inf), 1),
        "tgt_key_padding_mask": np.array([[True, False, False, False]] * 3),
    }
    results = [
        _outputs_and_grads(lib, model, (src, tgt), call)
        for lib, model in ((scratchgrad, ours), (torch, theirs))
    ]
    for a, b in zip(*results, strict=True):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    with pytest.raises(RuntimeError, match="is_causal"):
        ours(scratchgrad.tensor(src), scratchgrad.tensor(tgt), tgt_is_causal=True)
    single = ours.float()
    mask = scratchgrad.nn.Transformer.generate_square_subsequent_mask(4, dtype="float64")
    out = single(
        scratchgrad.tensor(src, dtype="float32"),
        scratchgrad.tensor(tgt, dtype="float32"),
        tgt_mask=mask,
    )
    assert out.dtype == np.float32
