"""GroupNorm and InstanceNorm (PyTorch's modules and functions): outputs and every
gradient against PyTorch, running statistics step by step, state_dict names and reprs;
central differences and second derivatives; errors that name the fix."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")
TOL = dict(rtol=1e-9, atol=1e-11)


def _t(array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def _randomised(module, rng):
    for p in module.parameters():  # not the trivial 1 and 0
        p.data = rng.normal(size=p.shape)
    return module


def _compare(ours, theirs, x, rng):
    """Output, input gradient and parameter gradients of a module pair, and the state."""
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    xo, xt = Tensor(x, requires_grad=True), _t(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    (out_t * _t(w)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, theirs.get_parameter(name).grad.numpy(), **TOL)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(ours.state_dict()[name], buffer.numpy(), **TOL)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "groups, channels, shape",
    [
        (2, 4, (3, 4, 5, 5)),
        (1, 6, (2, 6, 7)),
        (6, 6, (2, 6, 3, 4)),
        (3, 6, (4, 6)),
        (3, 3, (2, 3)),  # one value per group: the output is the bias
        (6, 6, (2, 6, 1)),
    ],
)
@pytest.mark.parametrize("options", [{}, {"affine": False}, {"bias": False}, {"eps": 0.1}])
def test_group_norm_matches_pytorch(rng, groups, channels, shape, options):
    ours = _randomised(nn.GroupNorm(groups, channels, **options), rng)
    theirs = torch.nn.GroupNorm(groups, channels, dtype=torch.float64, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    _compare(ours, theirs, rng.normal(size=shape) * 3 + 1, rng)
    ours.eval()
    theirs.eval()
    if np.prod(shape[1:]) > groups:  # (PyTorch refuses one sample of one value a group)
        _compare(ours, theirs, rng.normal(size=(1,) + shape[1:]), rng)  # a batch of one


@pytest.mark.oracle
@pytest.mark.parametrize(
    "layer, shape", [("InstanceNorm1d", (3, 4, 6)), ("InstanceNorm2d", (2, 4, 5, 3))]
)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"affine": True},
        {"track_running_stats": True},
        {"affine": True, "track_running_stats": True, "momentum": None},
    ],
)
def test_instance_norm_matches_pytorch_in_training_and_eval(rng, layer, shape, options):
    ours = _randomised(getattr(nn, layer)(4, **options), rng)
    theirs = getattr(torch.nn, layer)(4, dtype=torch.float64, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    for _ in range(2):  # the running statistics move the same way, step by step
        _compare(ours, theirs, rng.normal(size=shape) * 2 + 0.5, rng)
    ours.eval()
    theirs.eval()
    _compare(ours, theirs, rng.normal(size=shape), rng)
    _compare(ours, theirs, rng.normal(size=shape[1:]), rng)  # one unbatched sample


@pytest.mark.oracle
def test_functional_forms_match_pytorch(rng):
    TF = torch.nn.functional
    x, w, b = rng.normal(size=(2, 6, 3, 3)), rng.normal(size=6), rng.normal(size=6)
    np.testing.assert_allclose(
        F.group_norm(x, 3, Tensor(w), Tensor(b), eps=1e-3).data,
        TF.group_norm(_t(x), 3, _t(w), _t(b), eps=1e-3).numpy(),
        **TOL,
    )
    mean, var = rng.normal(size=6), rng.uniform(0.5, 2, size=6)
    ours_stats, theirs_stats = [mean.copy(), var.copy()], [_t(mean), _t(var)]
    out = F.instance_norm(x, *ours_stats, Tensor(w), Tensor(b), momentum=0.3)
    out_t = TF.instance_norm(_t(x), *theirs_stats, _t(w), _t(b), momentum=0.3)
    np.testing.assert_allclose(out.data, out_t.numpy(), **TOL)
    for a, b_ in zip(ours_stats, theirs_stats):
        np.testing.assert_allclose(a, b_.numpy(), **TOL)
    np.testing.assert_allclose(
        F.instance_norm(x, mean, var, use_input_stats=False).data,
        TF.instance_norm(_t(x), _t(mean), _t(var), use_input_stats=False).numpy(),
        **TOL,
    )


def test_group_norm_by_hand_and_central_differences(rng):
    x = rng.normal(size=(2, 4, 3))
    grouped = x.reshape(2, 2, -1)
    expected = (grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(
        grouped.var(-1, keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(F.group_norm(x, 2).data, expected.reshape(x.shape), **TOL)
    xs = [Tensor(x, requires_grad=True), Tensor(rng.normal(size=4), requires_grad=True)]
    c = rng.normal(size=x.shape)  # a weighted sum, so no gradient is zero by symmetry
    assert_gradients_match(lambda x, w: (F.group_norm(x, 2, w, w * 0.5) * c).sum(), xs)
    assert_gradients_match(lambda x, w: (F.instance_norm(x, weight=w) * c).sum(), xs)
    gradgradcheck(lambda x, w: (F.group_norm(x, 2, w) ** 2 * w[0]).sum(), xs)


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="num_channels=6 must be divisible by num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 4, ...\), got \(2, 3, 5\)"):
        nn.GroupNorm(2, 4)(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="pick a divisor of 6"):
        F.group_norm(np.zeros((2, 6, 3)), 4)
    with pytest.raises(ValueError, match=r"InstanceNorm2d expects input with 4 axes"):
        nn.InstanceNorm2d(3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="more than one position per channel"):
        nn.InstanceNorm1d(3)(np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match="InstanceNorm1d\\(3\\) expects 3 channels"):
        nn.InstanceNorm1d(3, affine=True)(np.zeros((2, 4, 5)))
    with pytest.warns(UserWarning, match="unused without affine"):  # PyTorch warns too
        nn.InstanceNorm1d(3)(np.ones((2, 4, 5)))
