"""nn.TransformerEncoderLayer and nn.TransformerEncoder: outputs and every gradient
against PyTorch with the same weights (post- and pre-norm, ReLU and GELU, batch_first,
causal and key-padding masks, a final norm), state_dict names and the printed model
(ModuleList's `(0-1): 2 x Layer` runs included); dropout off in eval; errors."""

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
