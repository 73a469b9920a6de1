"""F.scaled_dot_product_attention: values and the gradients of q, k, v (and of a float
mask) against PyTorch for causal, boolean and additive masks and a custom scale; the
formula by hand; nanoGPT's CausalSelfAttention on its flash path, same source on both
libraries; dropout from the seeded generator; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")

RNG = np.random.default_rng(0)
Q, K, V = (
    RNG.normal(size=(2, 3, 5, 4)),
    RNG.normal(size=(2, 3, 6, 4)),
    RNG.normal(size=(2, 3, 6, 7)),
)
BOOL_MASK = RNG.random((5, 6)) > 0.3
BOOL_MASK[:, 0] = True  # every query sees at least one key
FLOAT_MASK = RNG.normal(size=(2, 1, 5, 6))
CASES = {
    "plain": {},
    "causal": {"is_causal": True},
    "bool mask": {"attn_mask": BOOL_MASK},
    "float mask": {"attn_mask": FLOAT_MASK},
    "scale": {"scale": 0.3},
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    options = CASES[name]
    keys = 5 if options.get("is_causal") else 6  # PyTorch's causal mask is L x S
    arrays = (Q, K[:, :, :keys], V[:, :, :keys])
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mask = options.get("attn_mask")
    float_mask = mask is not None and mask.dtype != bool
    mine, reference = dict(options), dict(options)
    if mask is not None:
        mine["attn_mask"] = Tensor(mask, requires_grad=True) if float_mask else mask
        reference["attn_mask"] = torch.tensor(mask, requires_grad=float_mask)
    out = F.scaled_dot_product_attention(*ours, **mine)
    out_t = torch.nn.functional.scaled_dot_product_attention(*theirs, **reference)
    g = RNG.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)
    if float_mask:  # an additive mask (e.g. ALiBi's biases) gets its gradient too
        np.testing.assert_allclose(mine["attn_mask"].grad, reference["attn_mask"].grad.numpy())


def test_the_formula_by_hand_and_second_order():
    q, k, v = Q[0, 0], K[0, 0, :5], V[0, 0, :5]
    scores = q @ k.T / 2.0 + np.where(np.tril(np.ones((5, 5))) > 0, 0.0, -np.inf)
    weights = np.exp(scores - scores.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True)
    np.testing.assert_allclose(out.data, weights @ v, rtol=1e-12)
    leaves = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    gradgradcheck(
        lambda q, k, v: (F.scaled_dot_product_attention(q, k, v, is_causal=True) ** 2).sum(),
        leaves,
    )


def _causal_self_attention(lib, nn, F_):
    """nanoGPT's CausalSelfAttention, flash branch (`hasattr(F, 'scaled_dot_product_
    attention')`), with n_embd=8, n_head=2."""

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(8, 3 * 8)
            self.c_proj = nn.Linear(8, 8)
            self.n_head, self.n_embd, self.dropout = 2, 8, 0.0
            self.flash = hasattr(F_, "scaled_dot_product_attention")

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            y = F_.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=None,
                dropout_p=self.dropout if self.training else 0,
                is_causal=True,
            )
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    return CausalSelfAttention()


@pytest.mark.oracle
def test_nanogpts_flash_attention_block_matches_pytorch():
    ours = _causal_self_attention(scratchgrad, scratchgrad.nn, F)
    theirs = _causal_self_attention(torch, torch.nn, torch.nn.functional).double()
    assert ours.flash and theirs.flash
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = RNG.normal(size=(2, 5, 8))
    out, out_t = ours(Tensor(x)), theirs(torch.tensor(x))
    out.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad, p_t.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_dropout_follows_the_seed_and_errors_name_the_fix():
    q = Tensor(Q)
    scratchgrad.manual_seed(3)
    a = F.scaled_dot_product_attention(q, Tensor(K), Tensor(V), dropout_p=0.5).data
    scratchgrad.manual_seed(3)
    b = F.scaled_dot_product_attention(q, Tensor(K), Tensor(V), dropout_p=0.5).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, F.scaled_dot_product_attention(q, Tensor(K), Tensor(V)).data)
    with pytest.raises(ValueError, match="attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(q, Tensor(K), Tensor(V), BOOL_MASK, is_causal=True)
    with pytest.raises(ValueError, match="key has 6 positions, value 5"):
        F.scaled_dot_product_attention(q, Tensor(K), Tensor(V[:, :, :5]))
    with pytest.raises(NotImplementedError, match="repeat the key and value heads"):
        F.scaled_dot_product_attention(q, Tensor(K), Tensor(V), enable_gqa=True)


@pytest.mark.oracle
def test_a_query_with_every_key_masked_gets_zeros_not_nan():
    mask = np.ones((5, 6), dtype=bool)
    mask[1] = False  # query 1 may attend to nothing
    ours = [Tensor(a, requires_grad=True) for a in (Q, K, V)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (Q, K, V)]
    out = F.scaled_dot_product_attention(*ours, attn_mask=mask)
    out_t = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=torch.tensor(mask))
    assert not np.isnan(out.data).any()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=1e-12)
    out.sum().backward()
    out_t.sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)
