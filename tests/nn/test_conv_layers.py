"""Conv2d, MaxPool2d, AvgPool2d and BatchNorm2d as layers: PyTorch's init, keys and repr,
dtypes, and a conv-bn-pool stack and BatchNorm2d (train, eval, momentum 0, 1 and None)
that load PyTorch's state and match its outputs, gradients and running statistics."""

import numpy as np
import pytest
from helpers import close
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor

torch = oracle("torch")


def test_conv2d_default_init_and_float32():
    conv = nn.Conv2d(3, 8, (5, 3), dtype=np.float32, seed=0)
    bound = 1 / np.sqrt(3 * 5 * 3)
    assert conv.weight.shape == (8, 3, 5, 3) and np.abs(conv.weight.data).max() <= bound
    out = conv(Tensor(np.ones((2, 3, 7, 7), dtype=np.float32)))
    assert out.shape == (2, 8, 3, 5) and out.dtype == np.float32
    out.sum().backward()
    assert conv.weight.grad.dtype == np.float32
    fan_in, fan_out = nn.init.fan_in_and_fan_out(conv.weight)
    assert (fan_in, fan_out) == (3 * 15, 8 * 15)


def test_conv2d_layer_keys_repr_and_init():
    layer = nn.Conv2d(16, 8, (3, 5), seed=0)
    bound = 1 / np.sqrt(16 * 15)
    assert layer.weight.shape == (8, 16, 3, 5) and layer.bias.shape == (8,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert sorted(nn.Conv2d(3, 4, 3, bias=False).state_dict()) == ["weight"]
    assert "bias=False" in repr(nn.Conv2d(3, 4, 3, bias=False))
    assert nn.MaxPool2d(3).stride == (3, 3) and nn.AvgPool2d(3, 1).stride == (1, 1)


def test_float32_conv_layer_casts_numpy_input_to_its_dtype():
    layer = nn.Conv2d(3, 4, 3, dtype=np.float32, seed=0)
    out = layer(np.random.default_rng(0).standard_normal((1, 3, 5, 5)))
    assert out.data.dtype == np.float32


@pytest.mark.oracle
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_bn_pool_stack_loads_pytorch_state_and_matches_it(bias, dtype):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    tnn = torch.nn
    theirs = tnn.Sequential(
        tnn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 2), bias=bias),
        tnn.BatchNorm2d(5),
        tnn.ReLU(),
        tnn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
        tnn.AvgPool2d(2, 1, 1),
    ).to(tdtype)
    ours = nn.Sequential(
        nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 2), bias=bias, dtype=dtype),
        nn.BatchNorm2d(5, dtype=dtype),
        nn.ReLU(),
        nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
        nn.AvgPool2d(2, 1, 1),
    )
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    for _ in range(2):
        x = rng.standard_normal((2, 3, 7, 6)).astype(dtype)
        X = Tensor(x, requires_grad=True)
        y = ours(X)
        (y**2).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        ty = theirs(tx)
        (ty**2).sum().backward()
        close(y, ty, dtype)
        close(X.grad, tx.grad, dtype)
        assert y.data.dtype == dtype and X.grad.dtype == dtype
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, params[name].grad, dtype, name)  # accumulated over two steps
        assert p.grad.dtype == dtype
    for name, value in theirs.state_dict().items():
        close(ours.state_dict()[name], value.numpy(), dtype, name)


# --- BatchNorm2d --------------------------------------------------------------------------


@pytest.mark.oracle
def test_batchnorm2d_train_and_eval_match_pytorch():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    ours = nn.BatchNorm2d(3, momentum=0.2)
    theirs = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    u = rng.standard_normal(data.shape)
    (ours(x) * Tensor(u)).sum().backward()
    (theirs(tx) * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), atol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(Tensor(data)).data, theirs(tx).detach().numpy(), atol=1e-12)
    assert set(ours.state_dict()) == set(theirs.state_dict())


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum", [0.1, 0.0, 1.0, 0.3])
def test_batchnorm2d_train_then_eval_matches_pytorch(momentum, dtype):
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    rng = np.random.default_rng(0)
    theirs = torch.nn.BatchNorm2d(3, eps=1e-3, momentum=momentum).to(tdtype)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.standard_normal(3)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    ours = nn.BatchNorm2d(3, eps=1e-3, momentum=momentum, dtype=dtype)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    # batch 1 with many pixels, a 1x1 map with batch 2: both legal in training
    for shape in [(4, 3, 5, 2), (1, 3, 3, 3), (2, 3, 1, 1), (3, 3, 4, 4)]:
        x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
        X = Tensor(x, requires_grad=True)
        y = ours(X)
        g = rng.standard_normal(y.shape).astype(dtype)
        (y * Tensor(g)).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.tensor(g))
        close(y, ty, dtype)
        close(X.grad, tx.grad, dtype)
        close(ours.weight.grad, theirs.weight.grad, dtype)
        close(ours.bias.grad, theirs.bias.grad, dtype)
        assert y.data.dtype == X.grad.dtype == ours.weight.grad.dtype == dtype
        ours.weight.grad = ours.bias.grad = None
        theirs.zero_grad()
    state = ours.state_dict()
    for name, value in theirs.state_dict().items():
        close(state[name], value.numpy(), dtype, name)
        assert state[name].dtype == value.numpy().dtype, name
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 3, 3)).astype(dtype)
    X = Tensor(x, requires_grad=True)
    y = ours(X)
    (y**2).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (theirs(tx) ** 2).sum().backward()
    close(y, theirs(tx), dtype)
    close(X.grad, tx.grad, dtype)
    assert ours(Tensor(x[:1, :, :1, :1])).shape == (1, 3, 1, 1)  # eval: any batch size
    np.testing.assert_array_equal(ours.state_dict()["running_mean"], state["running_mean"])


@pytest.mark.oracle
def test_batchnorm2d_loads_a_trained_pytorch_state_and_affine_false_keys():
    theirs = torch.nn.BatchNorm2d(2).double()
    for _ in range(3):
        theirs(torch.randn(4, 2, 3, 3, dtype=torch.float64))
    ours = nn.BatchNorm2d(2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert int(ours.num_batches_tracked) == 3
    np.testing.assert_array_equal(ours.running_var, theirs.running_var.numpy())
    assert sorted(nn.BatchNorm2d(2, affine=False).state_dict()) == sorted(
        torch.nn.BatchNorm2d(2, affine=False).state_dict()
    )


def test_batchnorm2d_in_training_accepts_one_sample_with_many_pixels():
    bn = nn.BatchNorm2d(3)
    out = bn(Tensor(np.random.default_rng(0).standard_normal((1, 3, 2, 2))))
    np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)


@pytest.mark.oracle
def test_batchnorm2d_momentum_none_is_a_cumulative_average_as_pytorch():
    rng = np.random.default_rng(1)
    ours, theirs = nn.BatchNorm2d(3, momentum=None), torch.nn.BatchNorm2d(3, momentum=None)
    theirs = theirs.double()
    for batch in range(4):
        data = rng.standard_normal((2 + batch, 3, 3, 4)) * (batch + 1) + batch
        ours(Tensor(data))
        theirs(torch.tensor(data))
    close(ours.running_mean, theirs.running_mean)
    close(ours.running_var, theirs.running_var)
