"""Convolution and pooling: central differences over generated geometry, PyTorch as an
oracle (outputs and every gradient), second order, and the shape-error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradgradcheck, no_grad
from scratchgrad.autograd.testing import assert_gradients_match, assert_jvp_matches

F = nn.functional


@st.composite
def conv_geometry(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 1)), draw(st.integers(0, 2))
    h = draw(st.integers(max(kh - 2 * ph, 1), 6))
    w = draw(st.integers(max(kw - 2 * pw, 1), 6))
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return dict(n=n, c=c, o=o, h=h, w=w, kernel=(kh, kw), stride=(sh, sw), padding=(ph, pw))


def _tensors(g, seed, bias=True):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((g["n"], g["c"], g["h"], g["w"])), requires_grad=True)
    w = Tensor(rng.standard_normal((g["o"], g["c"]) + g["kernel"]), requires_grad=True)
    b = Tensor(rng.standard_normal(g["o"]), requires_grad=True) if bias else None
    return x, w, b


@settings(max_examples=25, deadline=None)
@given(g=conv_geometry(), seed=st.integers(0, 1000), bias=st.booleans())
def test_conv2d_matches_central_differences(g, seed, bias):
    x, w, b = _tensors(g, seed, bias)
    shape = F.conv2d(x, w, b, g["stride"], g["padding"]).shape
    u = Tensor(np.random.default_rng(seed + 1).standard_normal(shape))
    f = lambda *t: (F.conv2d(t[0], t[1], t[2] if bias else None, g["stride"],  # noqa: E731
                             g["padding"]) * u).sum()
    inputs = [x, w, b] if bias else [x, w]
    assert_gradients_match(f, inputs)
    assert_jvp_matches(lambda *t: F.conv2d(t[0], t[1], t[2] if bias else None, g["stride"],
                                           g["padding"]), inputs)


@settings(max_examples=25, deadline=None)
@given(g=conv_geometry(), seed=st.integers(0, 1000))
def test_pooling_matches_central_differences(g, seed):
    if 2 * g["padding"][0] > g["kernel"][0] or 2 * g["padding"][1] > g["kernel"][1]:
        g["padding"] = (0, 0)
    if g["h"] < g["kernel"][0] or g["w"] < g["kernel"][1]:
        return
    rng = np.random.default_rng(seed)
    size = g["n"] * g["c"] * g["h"] * g["w"]
    x = Tensor(rng.permutation(size).reshape(g["n"], g["c"], g["h"], g["w"]) * 0.1,
               requires_grad=True)         # distinct values: every window has one max
    for pool in (F.max_pool2d, F.avg_pool2d):
        f = lambda t: (pool(t, g["kernel"], g["stride"], g["padding"]) ** 2).sum()  # noqa
        assert_gradients_match(f, [x])


def test_second_order_through_conv2d_and_avg_pool2d():
    g = dict(n=2, c=2, o=3, h=5, w=4, kernel=(3, 2), stride=(2, 1), padding=(1, 1))
    x, w, b = _tensors(g, 0)
    f = lambda x, w, b: (F.conv2d(x, w, b, (2, 1), (1, 1)).tanh() ** 2).sum()  # noqa: E731
    assert gradgradcheck(f, [x, w, b])
    assert gradgradcheck(lambda x: (F.avg_pool2d(x.tanh(), 2, 1) ** 2).sum(), [x])


def test_against_pytorch_outputs_and_gradients():
    torch = pytest.importorskip("torch")
    g = dict(n=3, c=2, o=4, h=9, w=7, kernel=(3, 2), stride=(2, 1), padding=(1, 2))
    x, w, b = _tensors(g, 3)
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    ours = F.max_pool2d(F.conv2d(x, w, b, (2, 1), (1, 2)).relu(), (2, 3), (1, 2), (1, 1))
    theirs = torch.nn.functional.max_pool2d(
        torch.relu(torch.nn.functional.conv2d(tx, tw, tb, (2, 1), (1, 2))), (2, 3), (1, 2),
        (1, 1))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    u = np.random.default_rng(0).standard_normal(ours.shape)
    (ours * Tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    for a, t in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), atol=1e-10)
    avg = F.avg_pool2d(x, 3, 2, 1)
    np.testing.assert_allclose(avg.data, torch.nn.functional.avg_pool2d(
        tx, 3, 2, 1).detach().numpy(), atol=1e-12)
    cols = F.unfold(x, (3, 2), stride=(2, 1), padding=(1, 0))
    np.testing.assert_allclose(cols.data, torch.nn.functional.unfold(
        tx, (3, 2), stride=(2, 1), padding=(1, 0)).detach().numpy())
    back = F.fold(cols, (9, 7), (3, 2), stride=(2, 1), padding=(1, 0))
    np.testing.assert_allclose(back.data, torch.nn.functional.fold(
        torch.tensor(cols.data), (9, 7), (3, 2), stride=(2, 1), padding=(1, 0)).numpy())


def test_max_pool_ties_send_the_gradient_to_one_element():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.sum() == 4.0 and x.grad[0, 0, 0, 0] == 1.0


def test_batchnorm2d_train_and_eval_match_pytorch():
    torch = pytest.importorskip("torch")
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
    np.testing.assert_allclose(ours(Tensor(data)).data, theirs(tx).detach().numpy(),
                               atol=1e-12)
    assert set(ours.state_dict()) == set(theirs.state_dict())


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


@pytest.mark.parametrize("call, message", [
    (lambda: nn.Conv2d(3, 4, 3)(Tensor(np.ones((1, 5, 8, 8)))), "expected 3 input channels, got 5"),
    (lambda: nn.Conv2d(1, 4, 3)(Tensor(np.ones((1, 8, 8)))), r"4-D input.*unsqueeze\(0\)"),
    (lambda: nn.Conv2d(1, 4, 5)(Tensor(np.ones((1, 1, 3, 3)))), "smaller than the 5x5 kernel"),
    (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, padding=2), "at most half"),
    (lambda: F.fold(Tensor(np.ones((1, 4, 5))), (4, 4), 2), "do not fit output_size"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((2, 1, 2, 2),
                      dtype=np.float32))), "float64 but weight is float32"),
])
def test_shape_errors_say_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_convnet_checkpoint_round_trip(tmp_path):
    model = nn.models.simple_convnet(input_dim=(1, 8, 8), filters=4, kernel_size=3,
                                     hidden=8, seed=0)
    nn.save(model.state_dict(), tmp_path / "cnn.npz")
    other = nn.models.simple_convnet(input_dim=(1, 8, 8), filters=4, kernel_size=3,
                                     hidden=8, seed=1)
    other.load_state_dict(nn.load(tmp_path / "cnn.npz"))
    x = Tensor(np.random.default_rng(0).random((2, 1, 8, 8)).astype(np.float32))
    np.testing.assert_array_equal(model(x).data, other(x).data)
    deep = nn.models.deep_convnet(input_dim=(1, 8, 8), widths=(4, 8), hidden=16, seed=0)
    assert deep(x).shape == (2, 10)


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0))])
def test_max_pool_ties_and_nan_follow_pytorch(kernel, stride, padding):
    """Ties keep the first max and a NaN wins its window (the last NaN, if several):
    PyTorch's rule, checked on inputs full of both, overlapping windows included."""
    torch = pytest.importorskip("torch")
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
