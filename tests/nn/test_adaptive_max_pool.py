"""Adaptive max pooling (F.adaptive_max_pool2d/1d, nn.AdaptiveMaxPool2d/1d): values,
int64 indices and input gradients equal to PyTorch's in float64 for sizes that divide,
that do not (unequal, overlapping windows), that grow and that keep an axis (None);
ties go where PyTorch's go; unbatched input; reprs; central differences and second
order; errors; the input's device."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, gradcheck, gradgradcheck

torch = oracle("torch")

CASES_2D = [
    ((2, 3, 8, 8), 1),  # global max pooling
    ((2, 3, 8, 8), (2, 4)),  # sizes that divide
    ((2, 3, 7, 5), (3, 2)),  # unequal, overlapping windows
    ((2, 3, 10, 9), (4, None)),  # None keeps the width
    ((1, 2, 5, 7), (7, 3)),  # more output rows than input rows
    ((3, 5, 6), (4, 4)),  # one unbatched image
    ((3, 5, 6), [None, 2]),
]
CASES_1D = [((2, 3, 8), 4), ((2, 3, 7), 3), ((3, 5), 8), ((4, 9), (2,)), ((1, 1, 5), 1)]


def _check(ours, theirs, x, rng, return_indices):
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    if return_indices:
        (out, at), (out_t, at_t) = out, out_t
        assert at.dtype == np.int64 and at.shape == tuple(at_t.shape)
        np.testing.assert_array_equal(at.data, at_t.numpy())
    g = rng.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(out.data, out_t.detach().numpy())
    np.testing.assert_array_equal(xo.grad, xt.grad.numpy())


@pytest.mark.oracle
@pytest.mark.parametrize("shape, size", CASES_2D, ids=str)
@pytest.mark.parametrize("return_indices", [False, True])
def test_2d_matches_pytorch(rng, shape, size, return_indices):
    ours = nn.AdaptiveMaxPool2d(size, return_indices)
    theirs = torch.nn.AdaptiveMaxPool2d(size, return_indices)
    assert repr(ours) == repr(theirs)
    assert (ours.output_size, ours.return_indices) == (theirs.output_size, theirs.return_indices)
    x = rng.normal(size=shape)
    _check(ours, theirs, x, rng, return_indices)
    _check(
        lambda t: F.adaptive_max_pool2d(t, size, return_indices=return_indices),
        lambda t: torch.nn.functional.adaptive_max_pool2d(t, size, return_indices=return_indices),
        x,
        rng,
        return_indices,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("shape, size", CASES_1D, ids=str)
@pytest.mark.parametrize("return_indices", [False, True])
def test_1d_matches_pytorch(rng, shape, size, return_indices):
    ours = nn.AdaptiveMaxPool1d(size, return_indices=return_indices)
    theirs = torch.nn.AdaptiveMaxPool1d(size, return_indices=return_indices)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, rng.normal(size=shape), rng, return_indices)


@pytest.mark.oracle
@pytest.mark.parametrize("size", [1, 2, 3, (3, 4), (4, 2)], ids=str)
def test_ties_go_where_pytorchs_go(rng, size):
    """After a ReLU many windows hold several zeros: the gradient goes to the first in
    row-major order (PyTorch's kernel), also where windows overlap."""
    x = np.maximum(rng.normal(size=(2, 2, 5, 7)), 0.0)
    x[0, 0] = 0.0
    x[1, 1, :, 3] = 1.5
    _check(nn.AdaptiveMaxPool2d(size, True), torch.nn.AdaptiveMaxPool2d(size, True), x, rng, True)


@pytest.mark.oracle
def test_indices_unpool_as_pytorchs(rng):
    x = rng.normal(size=(1, 2, 6, 6))
    out, at = F.adaptive_max_pool2d(Tensor(x), 3, return_indices=True)
    back = F.max_unpool2d(out, at, 2)
    out_t, at_t = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), 3, True)
    want = torch.nn.functional.max_unpool2d(out_t, at_t, 2)
    np.testing.assert_array_equal(back.data, want.numpy())


def test_gradients_against_central_differences(rng):
    for shape, size in CASES_2D[2:5]:
        x = Tensor(rng.normal(size=shape), requires_grad=True)
        assert gradcheck(lambda t: (F.adaptive_max_pool2d(t, size) ** 2).sum(), [x])


def test_second_order(rng):
    x = Tensor(rng.normal(size=(1, 2, 5, 4)), requires_grad=True)
    assert gradgradcheck(lambda t: F.adaptive_max_pool2d(t.tanh(), (3, 3)) ** 2, [x])
    s = Tensor(rng.normal(size=(2, 7)), requires_grad=True)
    assert gradgradcheck(lambda t: F.adaptive_max_pool1d(t, 3) ** 3, [s])


def test_keeps_dtype():
    y = nn.AdaptiveMaxPool2d((2, 3))(Tensor(np.ones((1, 2, 5, 5), dtype=np.float32)))
    assert y.dtype == np.float32 and y.shape == (1, 2, 2, 3)


@pytest.mark.parametrize("size", [-1, (2,), (1, 2, 3), 1.5, True, (2, "3")], ids=str)
def test_a_bad_output_size_is_refused_by_name(size):
    with pytest.raises(ValueError, match="adaptive_max_pool2d: output_size"):
        F.adaptive_max_pool2d(Tensor(np.ones((1, 1, 4, 4))), size)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d expects a 3-D .* or 4-D"):
        nn.AdaptiveMaxPool2d(2)(Tensor(np.ones((4, 4))))
    with pytest.raises(ValueError, match="empty channel or spatial axis"):
        F.adaptive_max_pool2d(Tensor(np.ones((1, 1, 0, 4))), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool1d expects \(N, C, L\) or \(C, L\)"):
        nn.AdaptiveMaxPool1d(2)(Tensor(np.ones((1, 1, 4, 4))))
    with pytest.raises(ValueError, match="adaptive_max_pool1d: output_size must be an int"):
        F.adaptive_max_pool1d(Tensor(np.ones((1, 4))), (2, 2))


def test_stays_on_the_inputs_device():
    """The windows and indices are made with the input's array module (CuPy on a GPU)."""
    from device_arrays import host, on_device, strict

    data = np.random.default_rng(3).standard_normal((2, 3, 7, 5))
    x = Tensor(strict(data), requires_grad=True)
    y, at = F.adaptive_max_pool2d(x, (3, 2), return_indices=True)
    y.sum().backward()
    assert on_device(y) and on_device(x.grad)
    np.testing.assert_array_equal(host(y), F.adaptive_max_pool2d(Tensor(data), (3, 2)).numpy())


@pytest.mark.oracle
def test_nan_wins_its_window_at_pytorchs_index(rng):
    x = rng.normal(size=(1, 2, 6, 5))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 4, 4] = np.nan
    for size in [1, (3, 3), (4, 2)]:
        out, at = F.adaptive_max_pool2d(Tensor(x), size, return_indices=True)
        out_t, at_t = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), size, True)
        np.testing.assert_array_equal(out.data, out_t.numpy())
        np.testing.assert_array_equal(at.data, at_t.numpy())
