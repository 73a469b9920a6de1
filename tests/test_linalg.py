"""torch.linalg's inv, det, slogdet, solve (left and right, matrices and vectors),
cholesky (lower and upper), vector_norm, matrix_norm and norm, and torch.det / logdet /
slogdet / inverse: values and gradients against PyTorch over batches; second
derivatives against central differences; errors."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 4, 4))
B = RNG.normal(size=(2, 4, 3))
V = RNG.normal(size=(2, 4))
SPD = A @ A.transpose(0, 2, 1) + 4 * np.eye(4)
CASES = {
    "inv": (lambda L, a: L.linalg.inv(a), [A]),
    "inverse": (lambda L, a: L.inverse(a), [A]),
    "det": (lambda L, a: L.linalg.det(a), [A]),
    "torch.det": (lambda L, a: L.det(a), [A]),
    "slogdet": (lambda L, a: L.linalg.slogdet(a)[1] * L.slogdet(a)[0], [A]),
    "logdet": (lambda L, a: L.logdet(a), [SPD]),
    "solve": (lambda L, a, b: L.linalg.solve(a, b), [A, B]),
    "solve vectors": (lambda L, a, b: L.linalg.solve(a, b), [A, V]),
    "solve right": (lambda L, a, b: L.linalg.solve(a, b, left=False), [A, B.transpose(0, 2, 1)]),
    "cholesky": (lambda L, a: L.linalg.cholesky(a), [SPD]),
    "cholesky upper": (lambda L, a: L.linalg.cholesky(a, upper=True), [SPD]),
    "vector_norm p3 dims": (lambda L, a: L.linalg.vector_norm(a, 3, dim=(1, 2)), [A]),
    "vector_norm all": (lambda L, a: L.linalg.vector_norm(a), [A]),
    "matrix_norm fro": (lambda L, a: L.linalg.matrix_norm(a), [A]),
    "matrix_norm 1": (lambda L, a: L.linalg.matrix_norm(a, 1), [A]),
    "matrix_norm -inf keepdim": (
        lambda L, a: L.linalg.matrix_norm(a, -math.inf, keepdim=True),
        [A],
    ),
    "norm": (lambda L, a: L.linalg.norm(a), [A]),
    "norm of a matrix": (lambda L, a: L.linalg.norm(a[0], "fro"), [A]),
    "norm along a dim": (lambda L, a: L.linalg.norm(a, 1, dim=-1), [A]),
}


def _run(lib, f, arrays):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = f(lib, *leaves)
    weights = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * lib.tensor(weights)).sum().backward()
    return [out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name):
    f, arrays = CASES[name]
    for ours, theirs in zip(_run(scratchgrad, f, arrays), _run(torch, f, arrays), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


@pytest.mark.oracle
def test_logdet_of_a_negative_determinant_is_nan_as_pytorchs():
    flips = np.array([[[0.0, 1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]])
    ours, theirs = (_run(lib, lambda L, a: L.logdet(a), [flips]) for lib in (scratchgrad, torch))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b)  # (nan where det < 0, its gradient 0)


def test_second_derivatives():
    a = scratchgrad.tensor(A[0] + 4 * np.eye(4), requires_grad=True)
    b = scratchgrad.tensor(B[0], requires_grad=True)
    assert gradgradcheck(lambda a, b: (scratchgrad.linalg.solve(a, b) ** 2).sum(), [a, b]).ok
    assert gradgradcheck(lambda a: scratchgrad.linalg.det(a) ** 2, [a]).ok
    s = scratchgrad.tensor(SPD[0], requires_grad=True)
    assert gradgradcheck(lambda s: (scratchgrad.linalg.cholesky(s) ** 2).sum(), [s]).ok


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"square matrix .* got shape \(2, 3\)"):
        scratchgrad.linalg.inv(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="do not fit"):
        scratchgrad.linalg.solve(np.eye(3), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="ord must be"):
        scratchgrad.linalg.matrix_norm(np.eye(3), 3)


def _adjugate_transposed(a):
    """adj(A)^T by cofactors: entry (i, j) is (-1)^(i+j) det(A without row i, column j)."""
    n = a.shape[0]
    cofactors = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=0), j, axis=1)
            cofactors[i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if minor.size else 1.0)
    return cofactors


def test_det_gradient_at_singular_matrices_is_the_adjugate():
    """d det / dA = adj(A)^T, which a singular A has too (rank n - 1: not zero). PyTorch's
    CPU result there depends on its LAPACK's path: the adjugate on one machine, 0 on
    another (an AMD EPYC, PyTorch 2.13): so the check is against cofactors."""
    for a in (np.ones((3, 3)), np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]), np.zeros((2, 2))):
        x = scratchgrad.tensor(a, requires_grad=True)
        scratchgrad.linalg.det(x).backward()
        np.testing.assert_allclose(x.grad, _adjugate_transposed(a), atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_matches_pytorch_and_its_gradient_is_triangular(
    upper, left, unitriangular
):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3, 4) if left else (2, 4, 3))
    found = []
    for lib in (scratchgrad, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unitriangular)
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(out.shape))).sum().backward()
        found.append([out.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    outside = np.tril(found[0][1], -1) if upper else np.triu(found[0][1], 1)
    assert not outside.any()


@pytest.mark.oracle
def test_cholesky_solve_and_inverse_match_pytorch():
    rng = np.random.default_rng(2)
    m = rng.standard_normal((2, 4, 4))
    spd = m @ np.swapaxes(m, -1, -2) + 4 * np.eye(4)
    rhs = rng.standard_normal((2, 4, 2))
    found = []
    for lib in (scratchgrad, torch):
        s, b = lib.tensor(spd, requires_grad=True), lib.tensor(rhs, requires_grad=True)
        factor = lib.linalg.cholesky(s)
        out = lib.cholesky_solve(b, factor).sum() + (lib.cholesky_inverse(factor) ** 2).sum()
        upper = lib.cholesky_solve(b, factor.mT, upper=True)
        (out + upper.sum()).backward()
        found.append([out.item(), upper.detach().numpy(), s.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
def test_cholesky_solve_and_inverse_give_a_leaf_factor_pytorchs_full_gradient():
    """PyTorch's backward treats the factor as a full matrix (its forward reads only
    the triangle): a leaf L gets gradient in its upper triangle too."""
    factor = np.array([[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [0.3, -0.2, 1.1]])
    rhs = np.arange(6.0).reshape(3, 2)
    found = []
    for lib in (scratchgrad, torch):
        low, b = lib.tensor(factor, requires_grad=True), lib.tensor(rhs, requires_grad=True)
        loss = (lib.cholesky_solve(b, low) ** 2).sum() + (lib.cholesky_inverse(low) ** 2).sum()
        (loss + (lib.cholesky_solve(b, low.mT, upper=True) ** 3).sum()).backward()
        found.append([low.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)
