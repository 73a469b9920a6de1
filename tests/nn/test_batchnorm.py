"""BatchNorm1d: normalisation and running statistics in training, eval with the running
statistics, gradients (central differences), PyTorch's values, gradients and state over
several steps, and clear errors for bad shapes, dtypes and momentum. (BatchNorm2d is with
the conv layers.)"""

import numpy as np
import pytest
from helpers import close64, compare_unary, t64
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradcheck

torch = oracle("torch")


def test_batchnorm_train_normalises_and_updates_running_stats():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(64, 4))
    bn = nn.BatchNorm1d(4)
    out = bn(x).data
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))
    bn.eval()
    before = bn.running_mean.copy()
    out = bn(x).data
    np.testing.assert_array_equal(bn.running_mean, before)  # eval does not update
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    np.testing.assert_allclose(out, expected)


def test_batchnorm_gradients_and_3d_input():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(3)
    bn.weight.data[...] = rng.normal(size=3)
    x = Tensor(rng.normal(size=(4, 3, 2)), requires_grad=True)
    gradcheck(lambda x, w, b: (bn(x) ** 3).sum(), [x, bn.weight, bn.bias])
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(np.ones((1, 3)))


@pytest.mark.oracle
def test_batchnorm_matches_torch():
    rng = np.random.default_rng(3)
    ours, theirs = nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5).double()
    for _ in range(3):
        x = rng.normal(1.0, 3.0, size=(16, 5))
        np.testing.assert_allclose(
            ours(x).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12
        )
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "shape,kwargs",
    [
        ((5, 3), {}),
        ((4, 3, 6), {}),
        ((5, 3), {"affine": False}),
        ((5, 3), {"momentum": None}),
        ((2, 3, 2), {"momentum": None, "eps": 1e-3}),
        ((5, 3), {"momentum": 1.0}),
    ],
)
def test_batchnorm1d_train_then_eval_matches_pytorch(rng, shape, kwargs):
    ours = nn.BatchNorm1d(shape[1], **kwargs)
    theirs = torch.nn.BatchNorm1d(shape[1], dtype=torch.float64, **kwargs)
    for _ in range(3):
        compare_unary(ours, theirs, rng.normal(2.0, 3.0, size=shape), rng)
        if ours.weight is not None:
            close64(ours.weight.grad, theirs.weight.grad)
            close64(ours.bias.grad, theirs.bias.grad)
        ours.zero_grad()
        theirs.zero_grad()
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    for key, value in ours.state_dict().items():
        close64(value, state[key])
    ours.eval()
    theirs.eval()
    x = rng.normal(size=shape)
    xo = Tensor(x, requires_grad=True)
    out = ours(xo)
    out.sum().backward()
    xt = t64(x, requires_grad=True)
    out_t = theirs(xt)
    out_t.sum().backward()
    close64(out, out_t)
    close64(xo.grad, xt.grad)
    np.testing.assert_array_equal(ours.num_batches_tracked, 3)  # eval does not count


@pytest.mark.oracle
def test_batchnorm1d_forward_values_in_training_match_pytorch(rng):
    ours = nn.BatchNorm1d(4)
    theirs = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    x = rng.normal(size=(6, 4, 3)) * 5
    close64(ours(x), theirs(t64(x)))


def test_batchnorm1d_constant_channel_gives_zero_output_and_gradient():
    x = Tensor(np.ones((4, 2)), requires_grad=True)
    out = nn.BatchNorm1d(2)(x)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, 0.0)
    np.testing.assert_array_equal(x.grad, 0.0)


@pytest.mark.parametrize("bad_shape", [(3,), (4, 5), (4, 3, 2, 2)])
def test_batchnorm1d_rejects_bad_input_shapes(bad_shape):
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(np.ones(bad_shape))


def test_batchnorm1d_needs_two_values_per_channel_in_training_only():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(np.ones((1, 3)))
    assert bn(np.ones((1, 3, 2))).shape == (1, 3, 2)  # N*L = 2 is enough
    bn.eval()
    assert bn(np.ones((1, 3))).shape == (1, 3)


def test_batchnorm1d_dtype_and_momentum_validation():
    # numpy data is converted to the layer's dtype; a Tensor of another dtype is refused
    assert nn.BatchNorm1d(3, dtype=np.float32)(np.ones((4, 3))).dtype == np.float32
    with pytest.raises(TypeError, match="input is float64 but weight is float32"):
        nn.BatchNorm1d(3, dtype=np.float32)(Tensor(np.ones((4, 3))))
    assert nn.BatchNorm1d(3, dtype=np.float32)(np.ones((4, 3), np.float32)).dtype == np.float32
    for momentum in (-1, 1.5, "a"):
        with pytest.raises(ValueError, match="momentum must be a number in"):
            nn.BatchNorm1d(3, momentum=momentum)
