"""AdaptiveAvgPool2d / F.adaptive_avg_pool2d: PyTorch's windows (floor(i*H/oh) to
ceil((i+1)*H/oh)) for sizes that divide, that do not, that grow and that keep an axis
(None); gradients against central differences and second order, and PyTorch in
float64 where it is installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradcheck, gradgradcheck
from scratchgrad.nn import functional as F

CASES = [
    ((2, 3, 8, 8), 1),  # global average pooling
    ((2, 3, 8, 8), (2, 4)),  # sizes that divide: avg_pool2d
    ((2, 3, 7, 5), (3, 2)),  # windows of unequal lengths, overlapping
    ((2, 3, 10, 9), (4, None)),  # None keeps the width
    ((1, 2, 5, 7), (7, 3)),  # more output rows than input rows
]


def by_hand(x, oh, ow):
    """PyTorch's definition, one window at a time."""
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            out[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    return out


@pytest.mark.parametrize("shape, size", CASES, ids=str)
def test_matches_the_definition_and_keeps_dtype(shape, size):
    x = np.random.default_rng(0).standard_normal(shape)
    sizes = size if isinstance(size, tuple) else (size, size)
    oh, ow = (
        (shape[2] if sizes[0] is None else sizes[0]),
        (shape[3] if sizes[1] is None else sizes[1]),
    )
    np.testing.assert_allclose(
        F.adaptive_avg_pool2d(Tensor(x), size).numpy(), by_hand(x, oh, ow), rtol=1e-12, atol=1e-15
    )
    y = nn.AdaptiveAvgPool2d(size)(Tensor(x.astype(np.float32)))
    assert y.dtype == np.float32 and y.shape == (shape[0], shape[1], oh, ow)


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    oh=st.integers(1, 6),
    ow=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_gradients_against_central_differences(h, w, oh, ow, seed):
    x = Tensor(np.random.default_rng(seed).standard_normal((2, 2, h, w)), requires_grad=True)
    assert gradcheck(lambda t: (F.adaptive_avg_pool2d(t, (oh, ow)) ** 2).sum(), [x])


@pytest.mark.parametrize("shape, size", CASES[:3], ids=str)
def test_second_order(shape, size):
    x = Tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradgradcheck(lambda t: (F.adaptive_avg_pool2d(t.tanh(), size) ** 2).sum(), [x])


@pytest.mark.oracle
@pytest.mark.parametrize("shape, size", CASES, ids=str)
def test_matches_pytorch(shape, size):
    torch = oracle("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    t = torch.tensor(x, requires_grad=True)
    want = torch.nn.AdaptiveAvgPool2d(size)(t)
    g = rng.standard_normal(tuple(want.shape))
    want.backward(torch.tensor(g))
    ours = Tensor(x, requires_grad=True)
    got = nn.AdaptiveAvgPool2d(size)(ours)
    got.backward(Tensor(g))
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert repr(nn.AdaptiveAvgPool2d(size)).startswith("AdaptiveAvgPool2d(output_size=")


@pytest.mark.parametrize("size", [0, -1, (2,), (1, 2, 3), 1.5, True, (2, "3")])
def test_a_bad_output_size_is_refused_by_name(size):
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size"):
        F.adaptive_avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), size)


def test_a_single_image_is_pooled_without_a_batch_axis_as_in_pytorch():
    image = np.arange(48.0).reshape(3, 4, 4)
    pooled = nn.AdaptiveAvgPool2d(1)(Tensor(image))
    np.testing.assert_allclose(pooled.data, image.mean(axis=(1, 2)).reshape(3, 1, 1))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d.*4-D"):
        nn.AdaptiveAvgPool2d(1)(Tensor(np.ones((4, 4))))


@pytest.mark.parametrize("size", [(3, 2), 1], ids=["unequal windows", "global"])
def test_stays_on_the_inputs_device(size):
    """The averaging matrices are made with the input's array module (CuPy on a GPU)."""
    from device_arrays import host, on_device, strict

    data = np.random.default_rng(3).standard_normal((2, 3, 7, 5))
    x = Tensor(strict(data), requires_grad=True)
    y = F.adaptive_avg_pool2d(x, size)
    y.sum().backward()
    assert on_device(y) and on_device(x.grad)
    np.testing.assert_allclose(host(y), F.adaptive_avg_pool2d(Tensor(data), size).numpy())
