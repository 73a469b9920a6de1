"""scratchgrad.book.common.functions and .gradient against the book's formulas, written
out here in plain numpy (the book's printed values where it prints them)."""

import numpy as np
import pytest

from scratchgrad.book.common import functions as F
from scratchgrad.book.common import gradient as G

RNG = np.random.default_rng(0)
# chapter 4's example: the answer is 2; y1 says 2, y2 says 7
T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
Y1 = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
Y2 = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])


def plain(a):
    return type(a) is np.ndarray


# --- activations ----------------------------------------------------------------------


def test_identity_is_its_argument():
    x = RNG.standard_normal(3)
    assert F.identity_function(x) is x


def test_step_function_is_int_one_above_zero():
    out = F.step_function(np.array([-1.0, 0.0, 2.0]))
    assert plain(out) and out.dtype == np.dtype(int)
    assert out.tolist() == [0, 0, 1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_and_its_gradient(dtype):
    x = RNG.standard_normal((4, 5)).astype(dtype)
    s = np.exp(x) / (np.exp(x) + 1)  # the same function, written another way
    out = F.sigmoid(x)
    assert plain(out) and out.dtype == dtype
    np.testing.assert_allclose(out, s, rtol=1e-6 if dtype == np.float32 else 1e-14)
    grad = F.sigmoid_grad(x)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, s * (1 - s), rtol=1e-5 if dtype == np.float32 else 1e-13)


def test_relu_and_its_gradient_count_zero_as_active():
    x = np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]])
    assert F.relu(x).tolist() == [[0.0, 0.0, 3.0], [1.5, 0.0, 0.0]]
    assert F.relu_grad(x).tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    assert F.relu(x.astype(np.float32)).dtype == np.float32


# --- softmax and the losses -----------------------------------------------------------


@pytest.mark.parametrize("shape", [(10,), (4, 10)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_shifts_by_the_max_on_the_last_axis(shape, dtype):
    x = (RNG.standard_normal(shape) * 3 + 1000).astype(dtype)  # exp(1000) would overflow
    out = F.softmax(x)
    assert plain(out) and out.dtype == dtype and out.shape == shape
    rows = np.atleast_2d(x).astype(np.float64)
    e = np.exp(rows - rows.max(axis=1, keepdims=True))
    want = (e / e.sum(axis=1, keepdims=True)).reshape(shape)
    np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == np.float32 else 1e-13)


def test_the_book_printed_squared_errors():
    assert F.mean_squared_error(Y1, T) == pytest.approx(0.0975, abs=1e-15)
    assert F.mean_squared_error(Y2, T) == pytest.approx(0.5975, abs=1e-15)
    assert F.sum_squared_error is F.mean_squared_error
    y, t = RNG.random((3, 4)), RNG.random((3, 4))
    assert F.mean_squared_error(y, t) == pytest.approx(
        sum(0.5 * (a - b) ** 2 for a, b in zip(y.flat, t.flat))
    )


def test_the_book_printed_cross_entropies():
    assert F.cross_entropy_error(Y1, T) == pytest.approx(0.510825457099338, rel=1e-14)
    assert F.cross_entropy_error(Y2, T) == pytest.approx(2.302584092994546, rel=1e-14)


def test_cross_entropy_one_hot_labels_and_batches_agree():
    y = F.softmax(RNG.standard_normal((6, 10)))
    labels = RNG.integers(0, 10, 6)
    one_hot = np.eye(10)[labels]
    want = -np.mean([np.log(y[i, labels[i]] + 1e-7) for i in range(6)])
    assert F.cross_entropy_error(y, labels) == pytest.approx(want, rel=1e-14)
    assert F.cross_entropy_error(y, one_hot) == pytest.approx(want, rel=1e-14)
    # a 1-D y is one sample: the same as a batch of 1, with a label or a one-hot row
    single = F.cross_entropy_error(y[0], one_hot[0])
    assert single == F.cross_entropy_error(y[:1], labels[:1])
    assert single == F.cross_entropy_error(y[0], np.array(labels[0]))


def test_cross_entropy_adds_1e7_inside_the_log():
    y = np.array([[0.0, 1.0]])
    assert F.cross_entropy_error(y, np.array([0])) == pytest.approx(-np.log(1e-7), rel=1e-14)


def test_softmax_loss_is_cross_entropy_of_softmax():
    x, labels = RNG.standard_normal((5, 10)), RNG.integers(0, 10, 5)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    want = -np.sum(np.log(p[np.arange(5), labels] + 1e-7)) / 5
    assert F.softmax_loss(x, labels) == pytest.approx(want, rel=1e-14)


# --- numerical_gradient ---------------------------------------------------------------


def book_loop(f, x):
    """The book's central difference, element by element, as its code rounds."""
    h, grad = 1e-4, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        kept = x[idx]
        x[idx] = float(kept) + h
        up = f(x)
        x[idx] = kept - h
        down = f(x)
        grad[idx] = (up - down) / (2 * h)
        x[idx] = kept
    return grad


def test_the_book_example_function_2():
    grad = G.numerical_gradient(lambda x: x[0] ** 2 + x[1] ** 2, np.array([3.0, 4.0]))
    np.testing.assert_allclose(grad, [6.0, 8.0], atol=1e-8)


def test_a_closure_sees_its_array_nudged_in_place_and_put_back():
    W, x = RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    kept = W.copy()

    def loss(_ignored):  # the book's networks: f reads the weights, not its argument
        return 0.5 * np.sum((x @ W) ** 2)

    grad = G.numerical_gradient(loss, W)
    np.testing.assert_allclose(grad, np.outer(x, x @ W), rtol=1e-7, atol=1e-9)
    assert np.array_equal(W, kept)


BASE = RNG.standard_normal((4, 6))
CASES = {  # name: (the array f reads, the array passed: itself or a view of it)
    "float64": lambda a: (a, a),
    "float32": lambda a: (a.astype(np.float32),) * 2,
    "int": lambda a: ((a * 3).astype(int),) * 2,
    "transposed": lambda a: (a, a.T),
    "strided": lambda a: (a, a[:, ::2]),
    # small numbers: f's float32 differences then carry more bits than a float32 quotient
    "float32 loss": lambda a: (a * 1e-3,) * 2,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_numbers_and_dtype_are_the_books(case):
    inside = np.float32 if case == "float32 loss" else np.float64

    def loss_of(owner):
        return lambda _: inside(np.sum(np.sin(owner) ** 2))

    owner, x = CASES[case](BASE.copy())
    want = book_loop(loss_of(owner), x)
    owner, x = CASES[case](BASE.copy())
    kept = x.copy()
    got = G.numerical_gradient(loss_of(owner), x)
    assert plain(got) and got.dtype == x.dtype and got.shape == x.shape
    assert np.array_equal(got, want)
    assert np.array_equal(x, kept)


def test_float32_x_is_nudged_in_float64_as_the_book_does():
    # float(x) + h rounded to float32 once; x + h in float32 would round h first
    x = np.array([0.0001252069, -6.420707e-05], dtype=np.float32)
    want = book_loop(lambda _: float(x[0]) + float(x[1]), x)
    assert np.array_equal(G.numerical_gradient(lambda _: float(x[0]) + float(x[1]), x), want)


def test_numerical_gradient_2d_differentiates_each_row_alone():
    X = RNG.standard_normal((3, 2))
    grad = G.numerical_gradient_2d(lambda row: np.sum(row**2), X)
    np.testing.assert_allclose(grad, 2 * X, atol=1e-8)
    np.testing.assert_allclose(
        G.numerical_gradient_2d(lambda v: np.sum(v**3), X[0]), 3 * X[0] ** 2, atol=1e-7
    )
