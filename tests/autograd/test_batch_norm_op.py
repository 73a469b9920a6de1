"""The fused `batch_norm` op (autograd/ops_norm.py) and `F.batch_norm`: PyTorch's values,
gradients and running statistics; the pieces-and-threads path against the whole-array
formulas; float32; higher derivatives through the formula path; clear errors.
(Central-difference and second-order checks run for every op in test_tensor_ops.)"""

import numpy as np
import pytest

import scratchgrad
from scratchgrad import nn
from scratchgrad.autograd import ops_norm
from scratchgrad.nn import functional as F

SHAPES = [(5, 3), (6, 4, 7), (5, 3, 4, 6)]


def inputs(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    return (
        x,
        rng.standard_normal(c).astype(dtype),
        rng.standard_normal(c).astype(dtype),
        (rng.standard_normal(shape).astype(dtype)),
    )


def run_ours(x, w, b, g, **kwargs):
    X, W, B = (scratchgrad.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.batch_norm(X, None, None, W, B, training=True, **kwargs)
    (out * scratchgrad.tensor(g)).sum().backward()
    return out.data, X.grad, W.grad, B.grad


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("layout", ["C", "transposed"])
def test_values_gradients_and_running_stats_match_pytorch(shape, layout):
    torch = pytest.importorskip("torch")
    x, w, b, g = inputs(shape)
    if layout == "transposed":  # a non-contiguous input
        x = np.asfortranarray(x)
    c = shape[1]
    running = [np.zeros(c), np.ones(c)]
    X, W, B = (scratchgrad.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.batch_norm(X, *running, W, B, training=True, momentum=0.3, eps=1e-4)
    (out * scratchgrad.tensor(g)).sum().backward()
    t_running = [torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)]
    tX, tW, tB = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    t_out = torch.nn.functional.batch_norm(
        tX, *t_running, tW, tB, training=True, momentum=0.3, eps=1e-4
    )
    (t_out * torch.tensor(g)).sum().backward()
    pairs = [(out.data, t_out), (X.grad, tX.grad), (W.grad, tW.grad), (B.grad, tB.grad)]
    pairs += list(zip(running, t_running))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_eval_mode_uses_the_running_statistics_like_pytorch():
    torch = pytest.importorskip("torch")
    x, w, b, _g = inputs((4, 3, 5))
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.2, 4.0])
    ours = F.batch_norm(scratchgrad.tensor(x), mean, var, w, b, eps=1e-3)
    theirs = torch.nn.functional.batch_norm(
        *(torch.tensor(a) for a in (x, mean, var, w, b)), eps=1e-3
    )
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


@pytest.fixture
def in_pieces(split, monkeypatch):
    """Pieces of one image, split over 3 workers; returns the piece counts of batch
    norm's passes."""
    monkeypatch.setattr(ops_norm, "PIECE_BYTES", 1)
    return lambda: split.of("_by_pieces")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_pieces_over_the_workers_give_the_whole_array_formulas(in_pieces, shape):
    x, w, b, g = inputs(shape, seed=1)
    out, gx, gw, gb = run_ours(x, w, b, g, eps=1e-5)
    counts = in_pieces()
    assert counts and min(counts) == 3, "the passes were not split over 3 workers"
    mean = x.mean(axis=ops_norm._per_channel(x)[0], keepdims=True)
    shape_c = (1, -1) + (1,) * (x.ndim - 2)
    var = ((x - mean) ** 2).mean(axis=ops_norm._per_channel(x)[0], keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * w.reshape(shape_c) + b.reshape(shape_c)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    for got, want in zip((gx, gw, gb), ops_norm._formula_vjp(g, x, w, 1e-5)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_float32_stays_float32_and_close_to_float64():
    x, w, b, g = inputs((8, 4, 5, 5), seed=2, dtype=np.float32)
    got = run_ours(x, w, b, g)
    want = run_ours(*(a.astype(np.float64) for a in (x, w, b, g)))
    for a, ref in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, ref, rtol=2e-4, atol=2e-5)


def test_second_derivative_sees_the_batch_statistics_depend_on_x():
    """d/dx of sum(dL/dx) with create_graph: the formula path (mean and var of x as
    nodes) against central differences of the first derivative."""
    x, w, b, g = inputs((4, 2, 3), seed=3)
    G = scratchgrad.tensor(g)

    def first(xv):
        X = scratchgrad.tensor(xv, requires_grad=True)
        (F.batch_norm(X, None, None, w, b, training=True) ** 2 * G).sum().backward()
        return X.grad

    X = scratchgrad.tensor(x, requires_grad=True)
    loss = (F.batch_norm(X, None, None, w, b, training=True) ** 2 * G).sum()
    (gx,) = scratchgrad.grad(loss, [X], create_graph=True)
    direction = np.random.default_rng(4).standard_normal(x.shape)
    (hv,) = scratchgrad.grad((gx * scratchgrad.tensor(direction)).sum(), [X])
    h = 1e-5
    numeric = (first(x + h * direction) - first(x - h * direction)) / (2 * h)
    np.testing.assert_allclose(hv.data, numeric, rtol=1e-6, atol=1e-7)


def test_module_in_train_and_eval_mode_uses_the_op_and_its_statistics():
    x, *_ = inputs((6, 3, 4, 4), seed=5)
    bn = nn.BatchNorm2d(3, momentum=None, dtype=np.float64)
    for _ in range(2):
        bn(scratchgrad.tensor(x))
    n = x.size // 3
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, x.var(axis=(0, 2, 3)) * n / (n - 1), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 2
    out = bn.eval()(scratchgrad.tensor(x))
    assert out.shape == x.shape


def test_errors_name_what_is_wrong():
    x = scratchgrad.tensor(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than one value per channel"):
        F.batch_norm(x, None, None, training=True)
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"\(N, C, \.\.\.\)"):
        F.batch_norm(scratchgrad.tensor(np.ones(3)), None, None, training=True)
