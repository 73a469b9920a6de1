"""torch.einsum as one table op: values and gradients against PyTorch over products,
batched products, diagonals, sums, transposes, outer products, "..." with broadcasting,
size-1 labels broadcast, three operands, implicit outputs and the list form; second
derivatives against central differences; errors that name the label or operand."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),  # attention scores
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),  # implicit output: the trace
    ("iij->ij", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("ij->", [(3, 4)]),
    ("ji", [(3, 4)]),  # implicit output, sorted labels: the transpose
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("ab...,b->a...", [(2, 3, 4, 5), (3,)]),
    ("ij,ij->i", [(3, 4), (1, 4)]),  # a size-1 label broadcasts
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,i,i->i", [(4,), (4,), (4,)]),
]


@pytest.mark.oracle
@pytest.mark.parametrize("equation, shapes", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_pytorch(equation, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in shapes]
    found = []
    for lib in (scratchgrad, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.einsum(equation, *leaves)
        weights = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
        (out * lib.tensor(weights)).sum().backward()
        found.append([out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_second_derivatives_float32_and_the_list_form():
    rng = np.random.default_rng(1)
    a = scratchgrad.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    b = scratchgrad.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    assert gradgradcheck(lambda a, b: (scratchgrad.einsum("ii,ij->j", a, b) ** 2).sum(), [a, b]).ok
    assert gradgradcheck(lambda a, b: scratchgrad.einsum("ij,jk->", a, b) ** 3, [a, b]).ok
    single = scratchgrad.tensor(np.ones((2, 3), dtype=np.float32))
    out = scratchgrad.einsum("ij,kj->ik", [single, single])
    assert out.dtype == np.float32 and out.shape == (2, 2)
    np.testing.assert_allclose(out.numpy(), 3.0)


def test_errors_name_the_problem():
    zeros = scratchgrad.zeros
    with pytest.raises(ValueError, match="label 'j' has size 5 in one operand and 4"):
        scratchgrad.einsum("ij,jk->ik", zeros(3, 4), zeros(5, 6))
    with pytest.raises(ValueError, match="output 'k' must name each label once"):
        scratchgrad.einsum("ij->k", zeros(3, 4))
    with pytest.raises(ValueError, match="operand 'ijk' has 2 dimensions"):
        scratchgrad.einsum("ijk", zeros(3, 4))
    with pytest.raises(ValueError, match="names 2 operands, but 1 were given"):
        scratchgrad.einsum("ij,jk", zeros(3, 4))
    with pytest.raises(NotImplementedError, match="sublist form"):
        scratchgrad.einsum(zeros(3), [0])
