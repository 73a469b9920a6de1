"""max_pool2d/max_pool1d(return_indices=True) and MaxUnpool2d/MaxUnpool1d (SegNet's
decoder): values, indices (int64, flat in each input plane), unpooled outputs and
gradients against PyTorch, with overlapping windows, padding, ceil_mode, unbatched input
and no_grad; output_size; the errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn.functional as F

POOLS = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (2, 1), "ceil_mode": True},
    {"kernel_size": 3, "stride": 1},  # overlapping windows: one max can win twice
]


def _round_trip(lib, x, w, pool):
    t = lib.tensor(x, requires_grad=True)
    y, indices = lib.nn.functional.max_pool2d(t, return_indices=True, **pool)
    stride, padding = pool.get("stride"), pool.get("padding", 0)
    up = lib.nn.functional.max_unpool2d(
        y, indices, pool["kernel_size"], stride, padding, output_size=x.shape[-2:]
    )
    (up * lib.tensor(w)).sum().backward()
    return [np.asarray(a) for a in (y.detach(), indices, up.detach(), t.grad)]


@pytest.mark.oracle
@pytest.mark.parametrize("pool", POOLS, ids=str)
def test_pool_indices_and_unpool_match_pytorch(pool):
    torch = oracle("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 9)).round(1)  # rounded: ties, where the first must win
    w = rng.normal(size=x.shape)
    ours, theirs = _round_trip(scratchgrad, x, w, pool), _round_trip(torch, x, w, pool)
    assert ours[1].dtype == np.int64
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "pool",
    [
        {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2},
        {"kernel_size": (2, 3), "stride": (2, 1), "dilation": (2, 3), "ceil_mode": True},
        {"kernel_size": 2, "dilation": (1, 3), "padding": (1, 0)},
    ],
    ids=str,
)
def test_dilated_pooling_matches_pytorch(pool):
    """Taps `dilation` apart (the max over unfold's columns): values, indices (ties
    rounded in: the first wins) and the input's gradient."""
    torch = oracle("torch")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 9, 11)).round(1)
    found = []
    for lib in (scratchgrad, torch):
        t = lib.tensor(x, requires_grad=True)
        y, indices = lib.nn.functional.max_pool2d(t, return_indices=True, **pool)
        (y * lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        found.append([np.asarray(a) for a in (y.detach(), indices, t.grad)])
    for a, b in zip(*found, strict=True):  # (overlapping windows' gradients add up)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert repr(scratchgrad.nn.MaxPool2d(3, dilation=2)) == repr(torch.nn.MaxPool2d(3, dilation=2))


@pytest.mark.oracle
def test_modules_unbatched_one_dimensional_and_no_grad():
    torch = oracle("torch")
    x = np.random.default_rng(1).normal(size=(2, 3, 6, 8))
    found = []
    for lib in (scratchgrad, torch):
        pool, unpool = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        y, i = pool(lib.tensor(x[0]))  # one (C, H, W) image
        seq = lib.tensor(x[:, :, 0])
        ys, js = lib.nn.MaxPool1d(3, 2, return_indices=True)(seq)
        with lib.no_grad():
            _, k = lib.nn.functional.max_pool2d(lib.tensor(x), 3, 1, 1, return_indices=True)
        found.append(
            [unpool(y, i), ys, js, lib.nn.MaxUnpool1d(3, 2)(ys, js, output_size=seq.shape), k]
        )
        assert repr(unpool) == repr(torch.nn.MaxUnpool2d(2))
        assert repr(lib.nn.MaxUnpool1d(3, 2)) == repr(torch.nn.MaxUnpool1d(3, 2))
    for a, b in zip(*found, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_second_derivatives_pass_through_unpooling():
    rng = np.random.default_rng(2)
    x = scratchgrad.tensor(rng.normal(size=(1, 2, 4, 4)), requires_grad=True)
    y, indices = F.max_pool2d(x, 2, return_indices=True)

    def f(v):
        return (F.max_unpool2d(v, indices, 2) ** 3).sum()

    v = scratchgrad.tensor(y.detach().numpy(), requires_grad=True)
    (g,) = scratchgrad.autograd.grad(f(v), v, create_graph=True)
    (h,) = scratchgrad.autograd.grad(g.sum(), v)
    np.testing.assert_allclose(h.numpy(), 6 * y.detach().numpy())


def test_errors_name_the_problem():
    y, indices = F.max_pool2d(scratchgrad.randn(1, 1, 5, 5), 2, return_indices=True)
    with pytest.raises(ValueError, match="indices must be integers of the input's shape"):
        F.max_unpool2d(y, indices.float(), 2)
    with pytest.raises(ValueError, match="indices must be integers of the input's shape"):
        F.max_unpool2d(y, indices[:, :, :1], 2)
    with pytest.raises(ValueError, match="output_size"):
        F.max_unpool2d(y, indices, 2, output_size=(9, 9))
    big = scratchgrad.tensor(np.full((1, 1, 2, 2), 99))
    with pytest.raises(ValueError, match="2 \\(H, W\\) or 4"):
        F.max_unpool2d(y, indices, 2, output_size=(1, 4, 4))
    with pytest.raises(RuntimeError, match="outside an output of 4x4"):
        F.max_unpool2d(y, big, 2)
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        F.max_pool2d(y, 2, dilation=0)
