"""max_pool2d and avg_pool2d: central differences, and PyTorch's values and gradients over
odd geometries, float32, non-contiguous inputs, ties (the first maximum wins), NaN (it
wins its window), infinities, padding (-inf for max, counted zeros for avg) and windows of
more than 256 positions."""

import numpy as np
import pytest
from helpers import close, conv_geometry
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, no_grad
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")


@settings(max_examples=25, deadline=None)
@given(g=conv_geometry(), seed=st.integers(0, 1000))
def test_pooling_matches_central_differences(g, seed):
    if 2 * g["padding"][0] > g["kernel"][0] or 2 * g["padding"][1] > g["kernel"][1]:
        g["padding"] = (0, 0)
    if g["h"] < g["kernel"][0] or g["w"] < g["kernel"][1]:
        return
    rng = np.random.default_rng(seed)
    size = g["n"] * g["c"] * g["h"] * g["w"]
    x = Tensor(
        rng.permutation(size).reshape(g["n"], g["c"], g["h"], g["w"]) * 0.1, requires_grad=True
    )  # distinct values: every window has one max
    for pool in (F.max_pool2d, F.avg_pool2d):
        f = lambda t: (pool(t, g["kernel"], g["stride"], g["padding"]) ** 2).sum()  # noqa
        assert_gradients_match(f, [x])


def test_max_pool_ties_send_the_gradient_to_one_element():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.sum() == 4.0 and x.grad[0, 0, 0, 0] == 1.0


@pytest.mark.oracle
@pytest.mark.parametrize(
    "kernel, stride, padding", [(2, 2, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0))]
)
def test_max_pool_ties_and_nan_follow_pytorch(kernel, stride, padding):
    """Ties keep the first max and a NaN wins its window (the last NaN, if several):
    PyTorch's rule, checked on inputs full of both, overlapping windows included."""
    rng = np.random.default_rng(3)
    data = rng.integers(0, 3, (2, 3, 7, 8)).astype(np.float64)
    data[rng.random(data.shape) < 0.05] = np.nan
    u = rng.standard_normal(F.max_pool2d(Tensor(data), kernel, stride, padding).shape)
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out = F.max_pool2d(x, kernel, stride, padding)
    theirs = torch.nn.functional.max_pool2d(tx, kernel, stride, padding)
    np.testing.assert_array_equal(out.data, theirs.detach().numpy())
    (out * Tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_max_pool_under_no_grad_gives_the_same_values():
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6))
    with no_grad():
        quiet = F.max_pool2d(Tensor(x), 3, 2, 1)
    assert quiet._saved is None
    np.testing.assert_array_equal(quiet.data, F.max_pool2d(Tensor(x), 3, 2, 1).data)


# --- values and gradients against PyTorch -------------------------------------------------

POOL_CASES = [
    # x shape, kernel, stride, padding
    ((2, 3, 7, 5), (3, 2), None, 0),
    ((2, 3, 7, 5), (3, 2), (1, 2), (1, 1)),  # overlapping rows, padding pair
    ((1, 1, 4, 4), 2, 3, 0),  # stride > kernel: gaps
    ((1, 1, 4, 4), 4, None, 0),  # input exactly the kernel
    ((1, 2, 4, 5), 1, None, 0),  # 1x1 kernel
    ((2, 2, 6, 6), 3, 1, 1),  # overlapping with padding
    ((2, 2, 6, 6), 3, 2, 1),
    ((2, 2, 7, 7), (4, 2), (1, 3), (2, 1)),
    ((2, 2, 7, 7), 2, 5, 1),
    ((1, 1, 3, 3), 3, 1, 1),
    ((1, 1, 1, 1), 2, 1, 1),  # kernel > input, fits with padding
    ((1, 1, 17, 17), 16, 1, 0),  # 256 kernel offsets
]


def _pool_both(torch, kind, x, kernel, stride, padding, dtype=np.float64):
    ours_f = F.max_pool2d if kind == "max" else F.avg_pool2d
    theirs_f = getattr(torch.nn.functional, f"{kind}_pool2d")
    X = Tensor(x, requires_grad=True)
    y = ours_f(X, kernel, stride, padding)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    (y * Tensor(g)).sum().backward()
    tx = torch.tensor(np.array(x), requires_grad=True)
    ty = theirs_f(tx, kernel, stride, padding)
    ty.backward(torch.tensor(g))
    close(y, ty, dtype, "out")
    close(X.grad, tx.grad, dtype, "dx")
    assert y.data.dtype == dtype and X.grad.dtype == dtype
    return y, X.grad


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, kernel, stride, padding", POOL_CASES)
def test_pooling_matches_pytorch(kind, dtype, xs, kernel, stride, padding):
    x = np.random.default_rng(0).standard_normal(xs).astype(dtype)
    _pool_both(torch, kind, x, kernel, stride, padding, dtype)


def _special(name):
    rng = np.random.default_rng(3)
    if name == "all-ties":
        return np.ones((1, 1, 5, 5))
    if name == "integer-ties":
        return np.round(rng.standard_normal((2, 2, 6, 6)))
    x = rng.standard_normal((1, 2, 5, 5))
    if name == "nan":
        x[0, 0, 1, 1] = x[0, 0, 1, 2] = x[0, 1, 4, 4] = np.nan  # two NaNs in one window
    elif name == "-inf":
        x[0, 0, 0, 0] = -np.inf
        x[0, 0, 2:4, 2:4] = -np.inf  # a whole window of -inf
    elif name == "+inf":
        x[0, 0, 1, 1] = x[0, 1, 2, 3] = np.inf
    return x


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", ["all-ties", "integer-ties", "nan", "-inf", "+inf"])
@pytest.mark.parametrize(
    "kernel, stride, padding", [(2, None, 0), (3, 1, 1), (2, 1, 1), ((3, 2), (2, 1), (1, 0))]
)
def test_pooling_of_ties_nan_and_infinities_matches_pytorch(kind, name, kernel, stride, padding):
    x = _special(name)
    if kind == "max" and name == "-inf" and padding != 0:
        # a window of nothing but -inf and padding is a known difference (the gradient
        # goes to the padding, PyTorch's to the first real element): keep -inf isolated
        x[0, 0, 0, 0] = 0.0
        x[0, 0, 2:4, 2:4] = 0.0
        x[0, 0, 2, 2] = x[0, 1, 1, 3] = -np.inf
    _pool_both(torch, kind, x, kernel, stride, padding)


def test_max_pool_ties_send_the_whole_gradient_to_the_first_maximum():
    X = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(X, 2).sum().backward()
    want = np.zeros((4, 4))
    want[::2, ::2] = 1.0
    np.testing.assert_array_equal(X.grad[0, 0], want)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
def test_max_pool_of_an_all_minus_inf_window_without_padding():
    x = np.full((1, 1, 4, 4), -np.inf)
    for stride in (1, 2):
        _pool_both(torch, "max", x, 2, stride, 0)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(
    "make",
    [
        lambda r: r.standard_normal((2, 3, 6, 8)).transpose(0, 1, 3, 2),
        lambda r: r.standard_normal((2, 6, 10, 10))[:, ::2, 1:9, ::3],
        lambda r: r.standard_normal((2, 3, 6, 6))[:, :, ::-1, ::-1],
        lambda r: np.broadcast_to(np.arange(6.0), (2, 3, 6, 6)),
    ],
    ids=["transpose", "slice", "reversed", "broadcast"],
)
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 1), 1, 0)])
def test_pooling_on_non_contiguous_inputs(kind, make, kernel, stride, padding):
    _pool_both(torch, kind, make(np.random.default_rng(0)), kernel, stride, padding)


@pytest.mark.oracle
def test_avg_pool_counts_zero_padding_like_pytorch_count_include_pad():
    x = np.ones((1, 1, 2, 2))
    out = F.avg_pool2d(Tensor(x), 2, 1, 1).data[0, 0]
    # corners see one real 1 and three padded zeros; edges two; the kernel is always 4
    np.testing.assert_allclose(out, [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    theirs = torch.nn.functional.avg_pool2d(
        torch.ones(1, 1, 2, 2, dtype=torch.float64), 2, 1, 1, count_include_pad=True
    )
    np.testing.assert_allclose(out, theirs[0, 0].numpy())


def test_max_pool_padding_is_minus_infinity_not_zero():
    x = -np.ones((1, 1, 2, 2))
    out = F.max_pool2d(Tensor(x), 2, 1, 1).data
    np.testing.assert_array_equal(out, -np.ones((1, 1, 3, 3)))


def test_integer_max_pool_without_padding_keeps_its_dtype():
    x = Tensor(np.arange(16).reshape(1, 1, 4, 4), dtype=np.int64)
    out = F.max_pool2d(x, 2)
    assert out.data.dtype == np.int64
    np.testing.assert_array_equal(out.data[0, 0], [[5, 7], [13, 15]])


@pytest.mark.oracle
@pytest.mark.parametrize("side, kernel", [(17, 17), (28, 28), (20, (16, 17))])
def test_max_pool_with_more_than_256_kernel_positions(side, kernel):
    """The winning offset no longer fits a byte: global pooling over 17x17 and up."""
    data = np.random.default_rng(0).standard_normal((2, 3, side, side))
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, theirs = F.max_pool2d(x, kernel), torch.nn.functional.max_pool2d(tx, kernel)
    close(out, theirs)
    out.sum().backward()
    theirs.sum().backward()
    close(x.grad, tx.grad)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "data, kernel, stride, padding",
    [
        (np.full((1, 1, 2, 2), -np.inf), 2, 2, 1),
        (np.full((1, 1, 2, 2), -np.inf), 2, 1, 1),
        (np.full((1, 1, 4, 4), -np.inf), 2, 2, 1),
        (np.where(np.arange(25).reshape(1, 1, 5, 5) % 3, -np.inf, 1.0), 3, 1, 1),
    ],
)
def test_max_pool_window_of_minus_inf_beside_padding_follows_pytorch(data, kernel, stride, padding):
    """No strict maximum in the window: the gradient goes to its first real element."""
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.max_pool2d(x, kernel, stride, padding).sum().backward()
    torch.nn.functional.max_pool2d(tx, kernel, stride, padding).sum().backward()
    close(x.grad, tx.grad)


@pytest.mark.oracle
def test_max_pool_of_integers_with_padding():
    data = np.arange(-8, 8).reshape(1, 1, 4, 4)
    ours = F.max_pool2d(Tensor(data, dtype=np.int64), 2, 1, 1)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(data, dtype=torch.float64), 2, 1, 1)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("workers", [1, 3])
def test_max_pool_in_cache_sized_chunks_matches_one_pass(workers, monkeypatch):
    """A worker's share is cut into chunks of images (ops_conv._images_per_pool_chunk):
    chunks of two images and a short last one give the one-pass values, winners (ties
    keep the first, NaN wins) and gradients."""
    from scratchgrad.autograd import ops_conv, threads

    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, (7, 3, 6, 6)).astype(np.float32)  # many ties
    x[2, 1, 0, 1] = x[5, 0, 3, 3] = np.nan
    g = rng.standard_normal((7, 3, 3, 3)).astype(np.float32)

    def pooled():
        t = Tensor(x, requires_grad=True)
        y = F.max_pool2d(t, 2)
        y.backward(g)
        return y.data, t.grad

    whole_y, whole_grad = pooled()
    before = threads.get_num_threads()
    monkeypatch.setattr(ops_conv, "POOL_PIECES_FROM", 0)
    monkeypatch.setattr(threads, "PIECE", 2 * 3 * 3 * 3)  # two images per chunk
    monkeypatch.setattr(threads, "ELEMENTWISE_FROM", 8)
    threads.set_num_threads(workers)
    chunk_sizes = []
    original = ops_conv._running_max

    def counting(views, best, winner, scratch):
        chunk_sizes.append(len(best))
        original(views, best, winner, scratch)

    monkeypatch.setattr(ops_conv, "_running_max", counting)
    try:
        chunked_y, chunked_grad = pooled()
    finally:
        threads.set_num_threads(before)
    assert sorted(chunk_sizes) == [1, 2, 2, 2]  # one worker: 2+2+2+1; three: 2, 2, 2+1
    np.testing.assert_array_equal(chunked_y, whole_y)
    np.testing.assert_array_equal(chunked_grad, whole_grad)
    assert np.isnan(chunked_y[2, 1, 0, 0]) and chunked_grad[2, 1, 0, 1] == g[2, 1, 0, 0]


def test_pool_chunks_by_the_size_of_a_share():
    """A share of POOL_PIECES_FROM windows or more runs in threads.PIECE-window chunks:
    SimpleConvNet's pooling, 4,320 windows per image, at two threads (50 images) and
    one (100); a smaller share, and any share off the CPU, is one chunk."""
    from scratchgrad.autograd import ops_conv, threads

    shape = (100, 30, 12, 12)
    per_chunk = threads.PIECE // (30 * 12 * 12)
    assert ops_conv._images_per_pool_chunk(np, shape, 100) == per_chunk
    assert ops_conv._images_per_pool_chunk(np, shape, 50) == per_chunk
    assert ops_conv._images_per_pool_chunk(np, shape, 20) == 20  # 86K windows: whole
    assert ops_conv._images_per_pool_chunk(object(), shape, 100) == 100
