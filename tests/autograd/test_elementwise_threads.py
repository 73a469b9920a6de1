"""Elementwise passes over the worker threads (threads.elementwise, ReLU, max pooling,
the gradient products, Adam): split into slices they give exactly what one call on the
whole arrays gives, and they fall back to one call where a slice would not be a view.

The split sizes are lowered here so that small arrays are split over three workers;
each test also checks that the split really happened, so it cannot pass by accident."""

import numpy as np
import pytest

import scratchgrad
from scratchgrad import nn
from scratchgrad.autograd import threads


def on_one_thread(fn):
    before = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        return fn()
    finally:
        threads.set_num_threads(before)


def test_elementwise_splits_into_views_and_falls_back_to_one_call(split):
    out = np.zeros((10, 7))
    x = np.arange(70.0).reshape(10, 7)
    seen = []

    def work(o, a, b):
        seen.append(o.shape)
        np.multiply(a, b, out=o)

    threads.elementwise(work, out, x, 2.0)
    np.testing.assert_array_equal(out, 2 * x)
    assert len(seen) == 3 and all(len(shape) == 1 for shape in seen)
    seen.clear()
    threads.elementwise(work, out, x.T.copy().T, 3.0)  # not C-contiguous: one whole call
    np.testing.assert_array_equal(out, 3 * x)
    assert seen == [(10, 7)]
    seen.clear()
    threads.elementwise(lambda o, a: seen.append((o.shape, a.shape)), np.zeros(70), x)
    assert seen == [((70,), (10, 7))]  # another shape: one whole call, nothing flattened


SPECIAL = [np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-30, -1e-30]


def relu_case(dtype, transposed=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5, 9)).astype(dtype)
    x.reshape(-1)[: len(SPECIAL)] = SPECIAL
    if transposed:
        x = x.transpose(2, 0, 1)
    g = rng.standard_normal(x.shape).astype(dtype)

    def run():
        t = scratchgrad.tensor(x, requires_grad=True)
        y = nn.functional.relu(t)
        y.backward(scratchgrad.tensor(g))
        return y.numpy(), t.grad

    return x, g, run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transposed", [False, True])
def test_relu_split_equals_relu_on_one_thread(dtype, transposed, split):
    x, g, run = relu_case(dtype, transposed)
    want_y, want_g = on_one_thread(run)
    split.clear()
    got_y, got_g = run()
    if not transposed:
        assert split and max(split) == 3
    np.testing.assert_array_equal(got_y, want_y)
    np.testing.assert_array_equal(got_g, want_g)
    assert got_y.dtype == dtype and got_g.dtype == dtype
    # PyTorch's rule: NaN passes its gradient, -0.0 and 0.0 do not
    np.testing.assert_array_equal(got_g, np.where((x > 0) | np.isnan(x), g, 0))


@pytest.mark.parametrize(
    "kernel, stride, padding",
    [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0)],  # tiled, overlapping, padded
)
def test_max_pool_split_equals_max_pool_on_one_thread(kernel, stride, padding, split):
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 3, (7, 3, 8, 8)).astype(np.float64)  # many ties
    x[0, 0, :2, :2] = np.nan
    x[1, 1] = -np.inf  # a window of nothing but -inf and padding
    g = rng.standard_normal((7, 3) + ((8 + 2 * padding - kernel) // stride + 1,) * 2)

    def run():
        t = scratchgrad.tensor(x, requires_grad=True)
        y = nn.functional.max_pool2d(t, kernel, stride, padding)
        y.backward(scratchgrad.tensor(g))
        return y.numpy(), t.grad

    want_y, want_g = on_one_thread(run)
    split.clear()
    got_y, got_g = run()
    assert split and max(split) == 3  # forward and backward both split over the images
    np.testing.assert_array_equal(got_y, want_y)
    np.testing.assert_array_equal(got_g, want_g)


def test_gradient_products_split_equal_numpys(split):
    """buffers.multiply is every elementwise op's g * d (tanh here), for big arrays."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 200))
    t = scratchgrad.tensor(x, requires_grad=True)
    g = rng.standard_normal(x.shape)
    split.clear()
    t.tanh().backward(scratchgrad.tensor(g))
    assert split and max(split) == 3
    np.testing.assert_array_equal(t.grad, g * (1.0 - np.tanh(x) * np.tanh(x)))


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=0.1),
        lambda ps: nn.optim.AdamW(ps, lr=0.01, amsgrad=True),
        lambda ps: nn.optim.Adam(ps, lr=0.01, betas=(0.3, 0.9)),  # lerp's other branch
        lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
        lambda ps: nn.optim.SGD(ps, lr=0.1),
        lambda ps: nn.optim.Momentum(ps, lr=0.1),
        lambda ps: nn.optim.Nesterov(ps, lr=0.1),
        lambda ps: nn.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
        lambda ps: nn.optim.RMSprop(ps, lr=0.01, weight_decay=0.1),
        lambda ps: nn.optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
        lambda ps: nn.optim.Adadelta(ps, weight_decay=0.1),
    ],
)
def test_optimizer_split_equals_the_optimizer_on_one_thread(make, split, monkeypatch):
    rng = np.random.default_rng(3)
    start = rng.standard_normal((33, 17))
    grads = [rng.standard_normal(start.shape) for _ in range(3)]

    def run():
        p = scratchgrad.tensor(start.copy(), requires_grad=True)
        opt = make([p])
        for g in grads:
            p.grad = g.copy()
            opt.step()
        state = opt.state_dict()["state"][0]
        return p.numpy(), state

    want_p, want_state = on_one_thread(run)
    split.clear()
    got_p, got_state = run()
    assert split and max(split) == 3
    # and in pieces of 40 elements (threads.elementwise's multi_pass), on 3 workers and 1
    monkeypatch.setattr(threads, "PIECES_FROM", 64)
    monkeypatch.setattr(threads, "PIECE", 40)
    results = [(got_p, got_state), run(), on_one_thread(run)]
    for got_p, got_state in results:
        np.testing.assert_array_equal(got_p, want_p)
        assert got_state.keys() == want_state.keys()
        for key in want_state:
            np.testing.assert_array_equal(got_state[key], want_state[key])


@pytest.mark.parametrize("workers", [1, 3])
def test_a_multi_pass_rule_runs_in_pieces_of_the_big_shares_only(split, monkeypatch, workers):
    """threads.elementwise(multi_pass=True): a worker's share of PIECES_FROM elements or
    more is cut in PIECE-sized pieces (the last one shorter); smaller arrays stay whole."""
    monkeypatch.setattr(threads, "PIECES_FROM", 64)
    monkeypatch.setattr(threads, "PIECE", 40)
    threads.set_num_threads(workers)
    sizes = []

    def rule(out, x):
        sizes.append(out.size)
        np.multiply(x, 2.0, out=out)
        out += 1.0  # a second pass

    for n, pieces in ((64 * workers, True), (64 * workers - 1, False)):
        sizes.clear()
        x = np.arange(float(n))
        out = threads.elementwise(rule, np.empty(n), x, multi_pass=True)
        np.testing.assert_array_equal(out, 2.0 * x + 1.0)
        assert sum(sizes) == n
        if pieces:
            assert max(sizes) == 40 and len(sizes) == workers * 2  # 64 = 40 + 24 per share
        else:  # small: one slice per worker (one call on one thread)
            assert len(sizes) == workers


def test_adam_with_a_transposed_gradient_updates_on_one_call(split):
    p = scratchgrad.tensor(np.ones((20, 30)), requires_grad=True)
    q = scratchgrad.tensor(np.ones((20, 30)), requires_grad=True)
    g = np.arange(600.0).reshape(30, 20).T  # not C-contiguous
    for param, grad in ((p, g), (q, np.ascontiguousarray(g))):
        param.grad = grad
        nn.optim.Adam([param], lr=0.1).step()
    np.testing.assert_array_equal(p.numpy(), q.numpy())


UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sin", "cos", "abs"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]


def awkward(shape, dtype, seed):
    """Values with NaN, ±inf, ±0, negatives (log and sqrt of them give NaN or -inf)."""
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x.flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0]
    return np.random.default_rng(seed).permutation(x.ravel()).reshape(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY + BINARY)
def test_forwards_over_the_workers_equal_one_whole_call(split, name, dtype):
    import warnings

    from scratchgrad.autograd.op_table import OPS

    op = OPS[name]
    xs = [awkward((9, 13), dtype, seed) for seed in range(op.arity)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0), 0/0, ...: no warning from any thread
        got = op.forward(*xs)
    assert split and max(split) == 3, "the forward was not split over 3 workers"
    with np.errstate(all="ignore"):
        want = on_one_thread(lambda: op.forward(*xs))
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got, want)


def test_forwards_with_numbers_broadcasts_and_ints(split):
    from scratchgrad.autograd.op_table import OPS

    x = awkward((9, 13), np.float32, 0)
    row = np.arange(13, dtype=np.float32)
    np.testing.assert_array_equal(OPS["mul"].forward(x, 0.5), x * 0.5)  # stays float32
    assert OPS["mul"].forward(x, 0.5).dtype == np.float32
    assert OPS["add"].forward(x, np.float64(1.0)).dtype == np.result_type(x, np.float64(1.0))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(OPS["div"].forward(x, row), x / row)  # one whole call
    ints = np.arange(117).reshape(9, 13)
    assert OPS["add"].forward(ints, ints).dtype == ints.dtype
    np.testing.assert_array_equal(OPS["pow_const"].forward(x, exponent=2.0), x**2.0)
    assert OPS["add"].forward(1.5, 2.0) == 3.5  # Values' floats: the plain forward


@pytest.mark.parametrize(
    "threads_allowed, size, shares",
    [(2, threads.ELEMENTWISE_FROM, 2), (16, threads.ELEMENTWISE_FROM, 4), (16, 1 << 21, 16)],
)
def test_only_workers_with_a_minimum_share_join_a_split(threads_allowed, size, shares):
    """A worker joins a split only for MIN_SHARE elements: on 16 threads a 256K-element
    pass goes to 4 workers, not 16 with 16K each; two threads split as before."""
    before = threads.get_num_threads()
    threads.set_num_threads(threads_allowed)
    try:
        seen = []
        out, x = np.zeros(size, np.float32), np.ones(size, np.float32)
        threads.elementwise(lambda o, a: seen.append(o.size) or np.add(a, a, out=o), out, x)
        assert len(seen) == shares and sum(seen) == size and min(seen) >= threads.MIN_SHARE
        np.testing.assert_array_equal(out, 2 * x)
    finally:
        threads.set_num_threads(before)


def test_splits_by_images_give_each_worker_a_minimum_share(monkeypatch):
    """Pooling and batch norm split by images: each worker gets whole images holding at
    least MIN_SHARE elements (here 4 images of 17280: 25 shares would do, 16 threads cap)."""
    x = np.random.default_rng(0).standard_normal((100, 30, 24, 24)).astype(np.float32)
    assert threads.share_for(x) == 4 and threads.share_for(x[:, :1, :2]) == 1366  # 65536 / 48, up
    used = []
    original = threads.run_split

    def spying(n, per_chunk, work, split=True, hold_blas=True, min_share=1):
        results = original(n, per_chunk, work, split, hold_blas, min_share)
        used.append((min_share, len(results)))
        return results

    monkeypatch.setattr(threads, "run_split", spying)
    before = threads.get_num_threads()
    threads.set_num_threads(16)
    try:
        small = x[:8]  # 8 images of 17280 elements: 138K, under ELEMENTWISE_FROM: not split
        nn.functional.max_pool2d(scratchgrad.tensor(x), 2)
        nn.functional.max_pool2d(scratchgrad.tensor(small), 2)
        threads.set_num_threads(64)
        nn.functional.max_pool2d(scratchgrad.tensor(x), 2)
    finally:
        threads.set_num_threads(before)
    assert used[0] == (4, 16) and used[1][1] == 1 and used[2] == (4, 25)
