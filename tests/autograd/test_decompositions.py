"""linalg's decompositions (eigh, svd, qr, pinv: autograd/ops_decompositions.py) and
what builds on them (lstsq, matrix_rank, cond, multi_dot, the spectral norms): the
factors rebuild A, values, gradients and second derivatives match PyTorch's on losses
that do not depend on the vectors' signs, and bad input says what to pass."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import linalg
from scratchgrad.autograd.errors import ShapeError

RNG = np.random.default_rng(0)
SYMMETRIC = RNG.standard_normal((3, 4, 4))
SYMMETRIC = SYMMETRIC + np.swapaxes(SYMMETRIC, -1, -2)
TALL, WIDE, SQUARE = (RNG.standard_normal(s) for s in ((3, 5, 3), (3, 3, 5), (4, 4)))


@pytest.mark.parametrize("a", [TALL, WIDE, SQUARE], ids=["tall", "wide", "square"])
def test_the_factors_rebuild_a(a):
    u, s, vh = linalg.svd(sg.tensor(a), full_matrices=False)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vh).numpy(), a, atol=1e-12)
    q, r = linalg.qr(sg.tensor(a))
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    k = min(a.shape[-2:])
    np.testing.assert_allclose(
        (q.mT @ q).numpy(), np.broadcast_to(np.eye(k), q.mT.shape[:-1] + (k,)), atol=1e-12
    )
    p = linalg.pinv(sg.tensor(a)).numpy()
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-12)


def test_eigh_rebuilds_a_and_reads_one_triangle():
    w, v = linalg.eigh(sg.tensor(SYMMETRIC))
    rebuilt = (v * w.unsqueeze(-2)) @ v.mT
    np.testing.assert_allclose(rebuilt.numpy(), SYMMETRIC, atol=1e-12)
    assert (np.diff(w.numpy(), axis=-1) >= 0).all()  # ascending
    lower_only = np.tril(SYMMETRIC) + 100 * np.triu(np.ones((4, 4)), 1)  # junk above
    np.testing.assert_allclose(linalg.eigvalsh(sg.tensor(lower_only)).numpy(), w.numpy())
    upper = np.triu(SYMMETRIC) - 100 * np.tril(np.ones((4, 4)), -1)
    np.testing.assert_allclose(linalg.eigvalsh(sg.tensor(upper), UPLO="U").numpy(), w.numpy())


def test_shapes_of_full_matrices_modes_and_the_old_functions():
    a = sg.tensor(TALL)
    u, s, vh = linalg.svd(a)  # full_matrices=True, PyTorch's default
    assert (u.shape, s.shape, vh.shape) == ((3, 5, 5), (3, 3), (3, 3, 3))
    np.testing.assert_allclose(
        (u.mT @ u).numpy(), np.broadcast_to(np.eye(5), (3, 5, 5)), atol=1e-12
    )
    u, s, v = sg.svd(a)  # the old torch.svd: V, reduced by default
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ v.mT).numpy(), TALL, atol=1e-12)
    assert linalg.qr(a, mode="complete").Q.shape == (3, 5, 5)
    q, r = linalg.qr(a, mode="r")
    assert q.numel() == 0 and r.shape == (3, 3, 3)
    assert a.qr().Q.shape == (3, 5, 3) and a.pinverse().shape == (3, 3, 5)


def test_lstsq_solves_least_squares_for_matrices_and_vectors():
    b = RNG.standard_normal((5,))
    x = linalg.lstsq(sg.tensor(TALL[0]), sg.tensor(b)).solution.numpy()
    np.testing.assert_allclose(x, np.linalg.lstsq(TALL[0], b, rcond=None)[0], atol=1e-12)
    result = linalg.lstsq(sg.tensor(TALL), sg.tensor(RNG.standard_normal((3, 5, 2))))
    assert result.solution.shape == (3, 3, 2) and result.rank.tolist() == [3, 3, 3]


def test_rank_and_spectral_norms():
    low_rank = RNG.standard_normal((5, 2)) @ RNG.standard_normal((2, 4))
    assert linalg.matrix_rank(sg.tensor(low_rank)).item() == 2
    s = np.linalg.svd(SQUARE, compute_uv=False)
    assert np.isclose(linalg.matrix_norm(sg.tensor(SQUARE), 2).item(), s[0])
    assert np.isclose(linalg.matrix_norm(sg.tensor(SQUARE), "nuc").item(), s.sum())
    assert np.isclose(linalg.cond(sg.tensor(SQUARE)).item(), s[0] / s[-1])
    assert linalg.matrix_norm(sg.tensor(TALL), -2, keepdim=True).shape == (3, 1, 1)


def test_multi_dot_picks_a_cheap_order_and_keeps_vectors():
    a, b, c = RNG.standard_normal((10, 100)), RNG.standard_normal((100, 5)), RNG.standard_normal(5)
    out = linalg.multi_dot([sg.tensor(a), sg.tensor(b), sg.tensor(c)])
    np.testing.assert_allclose(out.numpy(), a @ b @ c)
    assert out.shape == (10,)


def test_bad_input_names_the_fix():
    with pytest.raises(ShapeError, match="square"):
        linalg.eigh(sg.tensor(TALL))
    with pytest.raises(ValueError, match="UPLO"):
        linalg.eigh(sg.tensor(SQUARE), UPLO="X")
    with pytest.raises(ValueError, match="mode"):
        linalg.qr(sg.tensor(SQUARE), mode="full")
    with pytest.raises(RuntimeError, match="mode='reduced'"):
        linalg.qr(sg.tensor(TALL, requires_grad=True), mode="complete")
    with pytest.raises(ShapeError, match="cannot be multiplied"):
        linalg.multi_dot([sg.tensor(TALL[0]), sg.tensor(TALL[0])])
    with pytest.raises(TypeError, match="floating point"):
        linalg.svd(sg.tensor([[1, 2], [3, 4]]))


torch = oracle("torch")


def _rebuilt_with_squares(lib, name):
    """Losses of each factor that no choice of the vectors' signs changes."""
    la = lib.linalg
    return {
        "eigvalsh": lambda a: la.eigvalsh(a),
        "eigh": lambda a: (lambda w, v: (v * w.unsqueeze(-2) ** 3) @ v.mT + v * v)(*la.eigh(a)),
        "svdvals": lambda a: la.svdvals(a),
        "svd": lambda a: (
            lambda u, s, vh: (u * s.unsqueeze(-2) ** 2) @ vh + (u * u).sum() + (vh * vh).sum()
        )(*la.svd(a, full_matrices=False)),
        "qr": lambda a: (lambda q, r: q * q * (r * r * r.abs()).sum())(*la.qr(a)),
        "pinv": lambda a: la.pinv(a),
        "nuc": lambda a: la.matrix_norm(a, "nuc"),
        "ord2": lambda a: la.matrix_norm(a, 2),
        "cond": lambda a: la.cond(a),
    }[name]


SQUARE_ONLY = ("eigvalsh", "eigh", "cond")
ANY_SHAPE = ("svdvals", "svd", "qr", "pinv", "nuc", "ord2")
LOSS_CASES = [(name, "square") for name in SQUARE_ONLY] + [
    (name, shape) for name in ANY_SHAPE for shape in ("tall", "wide", "square")
]


@pytest.mark.oracle
@pytest.mark.parametrize(("name", "shape"), LOSS_CASES)
def test_values_gradients_and_second_derivatives_match_pytorch(name, shape):
    if name in SQUARE_ONLY:
        a = SYMMETRIC
    else:
        a = {"tall": TALL, "wide": WIDE, "square": SQUARE}[shape]
    found = []
    for lib in (sg, torch):
        x = lib.tensor(a, requires_grad=True)
        out = _rebuilt_with_squares(lib, name)(x)
        w = lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
        (g,) = lib.autograd.grad((out * w).sum(), [x], create_graph=True)
        (g * lib.tensor(np.sin(np.arange(g.numel())).reshape(g.shape))).sum().backward()
        found.append([out.detach().numpy(), g.detach().numpy(), x.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


@pytest.mark.oracle
def test_lstsq_and_multi_dot_gradients_match_pytorch():
    b = RNG.standard_normal((3, 5, 2))
    found = []
    for lib in (sg, torch):
        a, rhs = lib.tensor(TALL, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.linalg.lstsq(a, rhs).solution
        chain = lib.linalg.multi_dot([a[0], a[1].mT, a[2]])
        (out.sum() + chain.sum()).backward()
        found.append([out.detach().numpy(), a.grad.numpy(), rhs.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_singular_matrices_cutoffs_and_empty_ones():
    singular = sg.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert linalg.cond(singular, "fro").item() == np.inf  # PyTorch's, not an error
    with pytest.raises(linalg.LinAlgError):  # and a RuntimeError, as PyTorch's
        linalg.inv(singular)
    batch = sg.tensor(np.stack([np.diag([1.0, 1e-3, 1e-5]), np.diag([100.0, 1.0, 1e-3])]))
    assert linalg.matrix_rank(batch, atol=1e-2).tolist() == [1, 2]
    assert linalg.matrix_rank(batch, atol=sg.tensor([1e-2, 10.0])).tolist() == [1, 1]
    assert linalg.matrix_rank(batch, 1e-2).tolist() == [1, 2]  # the old positional tol
    kept = linalg.pinv(batch, atol=sg.tensor([1e-2, 10.0])).numpy()
    np.testing.assert_allclose(kept[1], np.diag([0.01, 0.0, 0.0]))
    empty = sg.zeros(2, 0, 3)
    assert linalg.matrix_norm(empty, 2).tolist() == [0.0, 0.0]
    assert linalg.cond(sg.zeros(0, 0)).item() == 0.0


def test_lstsq_takes_a_batch_of_vectors_and_refuses_what_pytorch_refuses():
    a, b = sg.tensor(TALL[:2]), sg.tensor(RNG.standard_normal((2, 5)))
    assert linalg.lstsq(a, b).solution.shape == (2, 3)
    with pytest.raises(RuntimeError, match="as many dimensions"):
        linalg.lstsq(sg.tensor(TALL[0]), sg.tensor(RNG.standard_normal((2, 5, 1))))
    with pytest.raises(RuntimeError, match="B.to"):
        linalg.lstsq(a, b.float())


def test_eigh_of_a_non_symmetric_leaf_gives_pytorchs_symmetric_gradient():
    a = sg.tensor([[2.0, 1.0], [0.5, 3.0]], requires_grad=True)
    linalg.eigvalsh(a).pow(2).sum().backward()
    np.testing.assert_allclose(a.grad, [[4.0, 1.0], [1.0, 6.0]], atol=1e-12)  # PyTorch's


@pytest.mark.oracle
def test_svd_vector_gradients_of_a_square_singular_matrix_match_pytorch():
    """I - U U^T is 0 for a square U: no division by the zero singular value."""
    z = RNG.standard_normal((3, 2)) @ RNG.standard_normal((2, 3))
    w = RNG.standard_normal((3, 2))
    found = []
    for lib in (sg, torch):
        a = lib.tensor(z, requires_grad=True)
        u, s, vh = lib.linalg.svd(a)
        weights = lib.tensor(w)
        loss = (u[:, :2] ** 2 * weights).sum() + (vh[:2].mT ** 2 * weights).sum()
        found.append(lib.autograd.grad(loss, a)[0].numpy())
    assert np.isfinite(found[0]).all()
    np.testing.assert_allclose(found[0], found[1], rtol=1e-8, atol=1e-10)
