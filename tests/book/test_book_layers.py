"""The book's layers (scratchgrad.book.common.layers) against the book's equations
written out in numpy here: forward values, backward gradients, the attributes the
book's networks read, and in-place parameter updates seen by the next forward."""

import numpy as np
import pytest

from scratchgrad.book.common import layers as L

RNG = np.random.default_rng(0)


def test_affine_flattens_promotes_like_numpy_and_sees_in_place_updates():
    x = RNG.standard_normal((5, 2, 3)).astype(np.float32)
    W, b = RNG.standard_normal((6, 4)), RNG.standard_normal(4)
    layer = L.Affine(W, b)
    out = layer.forward(x)
    x2 = x.reshape(5, -1).astype(np.float64)
    np.testing.assert_allclose(out, x2 @ W + b, rtol=1e-12)
    assert type(out) is np.ndarray and out.dtype == np.float64
    dout = RNG.standard_normal((5, 4))
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, (dout @ W.T).reshape(x.shape), rtol=1e-12)
    np.testing.assert_allclose(layer.dW, x2.T @ dout, rtol=1e-12)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.backward(dout), dx, rtol=0)  # a second backward: same
    W -= 0.5 * layer.dW  # the book's optimizers update the very same array
    assert layer.W is W
    np.testing.assert_allclose(layer.forward(x), x2 @ W + b, rtol=1e-12)


def test_relu_and_sigmoid():
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 1e-9]])
    dout = np.arange(1.0, 7.0).reshape(2, 3)
    relu = L.Relu()
    np.testing.assert_array_equal(relu.forward(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relu.mask, x <= 0)
    np.testing.assert_array_equal(relu.backward(dout), np.where(x <= 0, 0.0, dout))
    sig = L.Sigmoid()
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sig.forward(x), y, rtol=1e-15)
    np.testing.assert_allclose(sig.out, y, rtol=1e-15)
    np.testing.assert_allclose(sig.backward(dout), dout * (1 - y) * y, rtol=1e-12)


@pytest.mark.parametrize("one_hot", [True, False])
def test_softmax_with_loss_gives_the_books_loss_and_gradient(one_hot):
    x = RNG.standard_normal((4, 10)) * 3
    labels = np.array([3, 0, 9, 3])
    t = np.eye(10)[labels] if one_hot else labels
    layer = L.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.sum(np.log(y[np.arange(4), labels] + 1e-7)) / 4, rel=1e-12)
    np.testing.assert_allclose(layer.y, y, rtol=1e-12)
    np.testing.assert_allclose(layer.backward(), (y - np.eye(10)[labels]) / 4, atol=1e-15)


def test_dropout_draws_numpys_global_masks_and_scales_at_test_time():
    x = RNG.standard_normal((3, 7))
    np.random.seed(5)
    expected_mask = np.random.rand(3, 7) > 0.3
    np.random.seed(5)
    layer = L.Dropout(0.3)
    np.testing.assert_array_equal(layer.forward(x), x * expected_mask)
    np.testing.assert_array_equal(layer.mask, expected_mask)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), expected_mask * 1.0)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.7)


def book_batch_norm(x, gamma, beta, dout):
    """The book's equations: forward per feature, then the chain rule step by step."""
    n = len(x)
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc**2, axis=0)
    std = np.sqrt(var + 1e-6)
    xn = xc / std
    dxn = gamma * dout
    dxc = dxn / std
    dstd = -np.sum(dxn * xc / (std * std), axis=0)
    dvar = 0.5 * dstd / std
    dxc = dxc + (2.0 / n) * xc * dvar
    dx = dxc - np.sum(dxc, axis=0) / n
    return gamma * xn + beta, dx, np.sum(xn * dout, axis=0), dout.sum(axis=0), mu, var


@pytest.mark.parametrize("shape", [(8, 5), (6, 2, 3, 3)])
def test_batch_normalization_per_feature_with_running_statistics(shape):
    x = RNG.standard_normal(shape) * 2 + 1
    d = int(np.prod(shape[1:]))
    gamma, beta = RNG.standard_normal(d), RNG.standard_normal(d)
    dout = RNG.standard_normal(shape)
    layer = L.BatchNormalization(gamma, beta, momentum=0.9)
    out = layer.forward(x)
    want, dx, dgamma, dbeta, mu, var = book_batch_norm(
        x.reshape(len(x), -1), gamma, beta, dout.reshape(len(x), -1)
    )
    np.testing.assert_allclose(out, want.reshape(shape), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(dout), dx.reshape(shape), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.dgamma, dgamma, rtol=1e-10)
    np.testing.assert_allclose(layer.dbeta, dbeta, rtol=1e-12)
    np.testing.assert_allclose(layer.running_mean, 0.1 * mu, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.1 * var, rtol=1e-12)
    test_out = layer.forward(x, train_flg=False)
    x2 = x.reshape(len(x), -1)
    expected = gamma * (x2 - 0.1 * mu) / np.sqrt(0.1 * var + 1e-6) + beta
    np.testing.assert_allclose(test_out, expected.reshape(shape), rtol=1e-10)


def conv_by_loops(x, W, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, w = xp.shape
    fn, _, fh, fw = W.shape
    oh, ow = (h - fh) // stride + 1, (w - fw) // stride + 1
    out = np.zeros((n, fn, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride : i * stride + fh, j * stride : j * stride + fw]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1)])
def test_convolution_forward_and_gradients(stride, pad):
    x = RNG.standard_normal((2, 3, 7, 7))
    W, b = RNG.standard_normal((4, 3, 3, 3)), RNG.standard_normal(4)
    layer = L.Convolution(W, b, stride=stride, pad=pad)
    out = layer.forward(x)
    np.testing.assert_allclose(out, conv_by_loops(x, W, b, stride, pad), rtol=1e-10, atol=1e-12)
    dout = RNG.standard_normal(out.shape)
    dx = layer.backward(dout)

    def loss(x_, W_, b_):
        return np.sum(conv_by_loops(x_, W_, b_, stride, pad) * dout)

    eps = 1e-6
    for array, got in ((x, dx), (W, layer.dW), (b, layer.db)):
        for index in [(0,) * array.ndim, tuple(s - 1 for s in array.shape)]:
            saved = array[index]
            array[index] = saved + eps
            plus = loss(x, W, b)
            array[index] = saved - eps
            minus = loss(x, W, b)
            array[index] = saved
            assert got[index] == pytest.approx((plus - minus) / (2 * eps), rel=1e-6, abs=1e-8)


def test_pooling_takes_the_first_maximum_and_refuses_padding():
    x = np.array([[[[1.0, 3.0, 2.0, 2.0], [3.0, 0.0, 2.0, 1.0], [0, 0, 5, 5], [0, 0, 5, 5]]]])
    layer = L.Pooling(2, 2, stride=2)
    np.testing.assert_array_equal(layer.forward(x), [[[[3.0, 2.0], [0.0, 5.0]]]])
    dx = layer.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[0, 2], expected[2, 0], expected[2, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected)
    with pytest.raises(ValueError, match="pad must be 0"):
        L.Pooling(2, 2, stride=2, pad=1)


def test_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match="Relu.backward\\(\\) with no recorded forward"):
        L.Relu().backward(np.ones(3))


def test_batch_normalization_of_one_sample_gives_beta_and_no_gradient():
    """The book's batch_norm_gradient_check uses x_train[:1]: xc = 0, so out = beta."""
    gamma, beta = np.array([1.5, 2.0, 0.5]), np.array([0.1, -0.2, 0.3])
    layer = L.BatchNormalization(gamma, beta)
    np.testing.assert_allclose(layer.forward(np.array([[1.0, -2.0, 3.0]])), [beta])
    np.testing.assert_allclose(layer.backward(np.array([[1.0, 1.0, 1.0]])), [[0.0, 0.0, 0.0]])
    np.testing.assert_allclose(layer.dgamma, 0.0)
    np.testing.assert_allclose(layer.dbeta, [1.0, 1.0, 1.0])


def test_soft_targets_give_the_books_y_minus_t():
    x = np.array([[0.5, 1.5, -1.0], [2.0, 0.0, 0.0]])
    t = np.array([[0.2, 0.8, 0.0], [0.5, 0.25, 0.25]])
    layer = L.SoftmaxWithLoss()
    layer.forward(x, t)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.backward(), (y - t) / 2, atol=1e-15)


def test_targets_whose_rows_do_not_sum_to_one_still_give_y_minus_t():
    x = RNG.standard_normal((3, 4))
    t = 0.5 * np.eye(4)[[0, 1, 2]]
    layer = L.SoftmaxWithLoss()
    layer.forward(x, t)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.backward(), (y - t) / 3, atol=1e-15)


def test_a_network_pickles_after_forward_and_backward_and_keeps_working():
    import pickle

    W, b = RNG.standard_normal((3, 2)), np.zeros(2)
    net = {"affine": L.Affine(W, b), "relu": L.Relu(), "loss": L.SoftmaxWithLoss()}
    x, t = RNG.standard_normal((4, 3)), np.array([0, 1, 1, 0])
    net["loss"].forward(net["relu"].forward(net["affine"].forward(x)), t)
    net["affine"].backward(net["relu"].backward(net["loss"].backward()))
    copy = pickle.loads(pickle.dumps(net))
    with pytest.raises(RuntimeError, match="no recorded forward"):
        copy["affine"].backward(np.ones((4, 2)))
    np.testing.assert_array_equal(copy["affine"].forward(x), net["affine"].forward(x))


def test_the_star_import_gives_what_the_books_does():
    names = {}
    exec("from scratchgrad.book.common.layers import *", names)
    for name in (
        "Affine",
        "SoftmaxWithLoss",
        "softmax",
        "sigmoid_grad",
        "relu_grad",
        "softmax_loss",
        "mean_squared_error",
        "cross_entropy_error",
        "im2col",
        "np",
    ):
        assert name in names, name
    assert "F" not in names and "from_numpy" not in names
