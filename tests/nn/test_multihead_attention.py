"""nn.MultiheadAttention: outputs, attention weights and every gradient against PyTorch
with the same weights, for batch_first, key padding and attention masks (boolean and
float, (L, S) and per head), kdim/vdim, bias=False, need_weights and unbatched input;
state_dict names, repr, init; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn as nn

torch = oracle("torch")

L, S, N = 4, 5, 3
RNG = np.random.default_rng(0)
PADDING = RNG.random((N, S)) < 0.3
PADDING[:, 0] = False  # every query keeps a key
BLOCKED = RNG.random((L, S)) < 0.3
BLOCKED[:, 0] = False
CAUSAL = np.triu(np.ones((L, L), dtype=bool), 1)
SEQ = [(L, N, 8), (S, N, 8), (S, N, 8)]
CASES = {
    "plain": ({}, SEQ, {}),
    "batch_first": ({"batch_first": True}, [(N, L, 8), (N, S, 8), (N, S, 8)], {}),
    "key padding": ({}, SEQ, {"key_padding_mask": PADDING}),
    "bool mask, per head": ({}, SEQ, {"attn_mask": BLOCKED, "average_attn_weights": False}),
    "float mask per head": ({}, SEQ, {"attn_mask": RNG.normal(size=(N * 2, L, S))}),
    "no weights": ({}, SEQ, {"need_weights": False}),
    "kdim vdim no bias": (
        {"kdim": 4, "vdim": 6, "bias": False},
        [(L, N, 8), (S, N, 4), (S, N, 6)],
        {},
    ),
    "unbatched": ({}, [(L, 8), (S, 8), (S, 8)], {}),
    "causal": ({}, [(L, N, 8)] * 3, {"attn_mask": CAUSAL, "is_causal": True}),
    "bias kv, masks": (
        {"add_bias_kv": True},
        SEQ,
        {"key_padding_mask": PADDING, "attn_mask": BLOCKED},
    ),
    "zero attn, float mask, no weights": (
        {"add_zero_attn": True, "batch_first": True},
        [(N, L, 8), (N, S, 8), (N, S, 8)],
        {"attn_mask": RNG.normal(size=(L, S)), "need_weights": False},
    ),
    "bias kv and zero attn, kdim, per head": (
        {"add_bias_kv": True, "add_zero_attn": True, "kdim": 4, "vdim": 6},
        [(L, N, 8), (S, N, 4), (S, N, 6)],
        {"key_padding_mask": PADDING, "average_attn_weights": False},
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    options, shapes, call = CASES[name]
    ours = nn.MultiheadAttention(8, 2, **options)
    theirs = torch.nn.MultiheadAttention(8, 2, **options).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    arrays = [np.random.default_rng(1).normal(size=s) for s in shapes]
    results = []
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        masks = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
        out, weights = model(*inputs, **masks)
        loss = (out * out).sum() + ((weights**2).sum() if weights is not None else 0.0)
        loss.backward()
        found = [out] + ([weights] if weights is not None else [])
        found += [t.grad for t in inputs] + [p.grad for p in model.parameters()]
        results.append(
            [np.asarray(t.detach().numpy() if hasattr(t, "detach") else t) for t in found]
        )
    for a, b in zip(*results):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
def test_prints_as_pytorchs():
    lines = [line.split("  #")[0] for line in repr(nn.MultiheadAttention(8, 2)).splitlines()]
    assert "\n".join(lines[:-1]) == repr(torch.nn.MultiheadAttention(8, 2))


def test_init_and_errors():
    scratchgrad.manual_seed(0)
    attention = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ over the packed (3E, E) weight
    weight = attention.in_proj_weight.data
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert not attention.in_proj_bias.data.any() and not attention.out_proj.bias.data.any()
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be divisible by num_heads"):
        nn.MultiheadAttention(10, 4)
    with pytest.raises(RuntimeError, match="is_causal is a hint.*pass attn_mask"):
        attention(*(np.zeros((2, 1, 64)),) * 3, is_causal=True)
    with_bias_kv = nn.MultiheadAttention(64, 4, add_bias_kv=True)  # xavier_normal_ (1, 1, E)
    for extra in (with_bias_kv.bias_k, with_bias_kv.bias_v):
        assert extra.shape == (1, 1, 64) and 0.7 < extra.data.std() / np.sqrt(2 / 128) < 1.3
    float32 = scratchgrad.tensor(np.zeros((2, 1, 64), dtype=np.float32))
    with pytest.raises(nn.DtypeMismatchError, match="MultiheadAttention: input is float32"):
        attention(float32, float32, float32)
    assert attention.bias_k is None and attention.bias_v is None
    x = np.zeros((3, 2, 64))
    with pytest.raises(ValueError, match="query must have 64 features"):
        attention(x[..., :6], x, x)
    with pytest.raises(ValueError, match="key and value must have the same length and batch"):
        attention(x, x[:2], x)


def test_returned_weights_are_the_dropped_ones_in_training():
    attention = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = np.random.default_rng(5).normal(size=(4, 2, 8))
    first, second = attention(x, x, x)[1].data, attention(x, x, x)[1].data
    assert not np.allclose(first, second)  # PyTorch returns the weights after dropout
    attention.eval()
    np.testing.assert_array_equal(attention(x, x, x)[1].data, attention(x, x, x)[1].data)
