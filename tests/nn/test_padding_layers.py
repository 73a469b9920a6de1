"""The padding modules (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad, 1-D and 2-D): outputs and input gradients against PyTorch in float64 for
int and tuple paddings (negative ones crop), batched and unbatched input; the `padding`
attribute, reprs, no state; PyTorch's limits on the input's axes; second derivatives."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")

ONE_D = [
    ("ZeroPad1d", ()),
    ("ConstantPad1d", (2.5,)),
    ("ReflectionPad1d", ()),
    ("ReplicationPad1d", ()),
    ("CircularPad1d", ()),
]
TWO_D = [
    ("ZeroPad2d", ()),
    ("ConstantPad2d", (-1.5,)),
    ("ReflectionPad2d", ()),
    ("ReplicationPad2d", ()),
    ("CircularPad2d", ()),
]


def _pair(name, padding, extra):
    return getattr(nn, name)(padding, *extra), getattr(torch.nn, name)(padding, *extra)


def _check(ours, theirs, x, rng):
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    g = rng.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    assert out.shape == tuple(out_t.shape)
    np.testing.assert_array_equal(out.data, out_t.detach().numpy())
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-13, atol=1e-13)


@pytest.mark.oracle
@pytest.mark.parametrize("name, extra", ONE_D, ids=[n for n, _ in ONE_D])
@pytest.mark.parametrize("padding", [2, (1, 3), (0, 2), (3, 0), (-1, 2), [2, -2]], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 5), (3, 5)], ids=["batched", "unbatched"])
def test_one_d_padding_matches_pytorch(rng, name, extra, padding, shape):
    ours, theirs = _pair(name, padding, extra)
    assert ours.padding == theirs.padding and isinstance(ours.padding, tuple)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    _check(ours, theirs, rng.normal(size=shape), rng)


@pytest.mark.oracle
@pytest.mark.parametrize("name, extra", TWO_D, ids=[n for n, _ in TWO_D])
@pytest.mark.parametrize(
    "padding", [1, 3, (1, 2, 3, 0), (0, 0, 2, 1), (2, -1, -2, 1), [1, 0, 0, 2]], ids=str
)
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)], ids=["batched", "unbatched"])
def test_two_d_padding_matches_pytorch(rng, name, extra, padding, shape):
    ours, theirs = _pair(name, padding, extra)
    assert ours.padding == theirs.padding and isinstance(ours.padding, tuple)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, rng.normal(size=shape), rng)


@pytest.mark.oracle
def test_constant_padding_takes_any_number_of_leading_axes_as_pytorch(rng):
    x = rng.normal(size=(2, 2, 3, 4, 5))
    for ours, theirs in [
        (nn.ZeroPad2d((1, 2)), torch.nn.ZeroPad2d((1, 2))),  # a pair pads the last axis only
        (nn.ConstantPad2d(1, 3), torch.nn.ConstantPad2d(1, 3)),
        (nn.ConstantPad1d(2, -1.0), torch.nn.ConstantPad1d(2, -1.0)),
    ]:
        assert repr(ours) == repr(theirs) and ours.value == theirs.value
        _check(ours, theirs, x, rng)
        _check(ours, theirs, x[0, 0, 0], rng)


@pytest.mark.oracle
def test_reprs_and_attributes_are_pytorchs():
    for name, extra in ONE_D + TWO_D:
        for padding in (1, (1, 2), (1, 2, 3, 4)):
            ours, theirs = _pair(name, padding, extra)
            assert repr(ours) == repr(theirs)
            assert ours.padding == theirs.padding
            assert getattr(ours, "value", None) == getattr(theirs, "value", None)


@pytest.mark.parametrize("name", ["ReflectionPad1d", "ReplicationPad1d"])
@pytest.mark.parametrize("shape", [(5,), (1, 2, 3, 5)])
def test_one_d_modes_refuse_other_axes_as_pytorch(name, shape):
    with pytest.raises(NotImplementedError, match=f"{name}.*2-D.*3-D"):
        getattr(nn, name)(1)(Tensor(np.ones(shape)))


@pytest.mark.parametrize("name", ["ReflectionPad2d", "ReplicationPad2d"])
@pytest.mark.parametrize("shape", [(4, 5), (1, 1, 2, 3, 5)])
def test_two_d_modes_refuse_other_axes_as_pytorch(name, shape):
    with pytest.raises(NotImplementedError, match=f"{name}.*3-D.*4-D"):
        getattr(nn, name)(1)(Tensor(np.ones(shape)))


def test_circular_padding_checks_its_own_axes_first():
    with pytest.raises(ValueError, match=r"CircularPad1d: expected 2D or 3D input \(got 4D"):
        nn.CircularPad1d(1)(Tensor(np.ones((1, 2, 3, 4))))
    with pytest.raises(ValueError, match=r"CircularPad2d: expected 3D or 4D input \(got 2D"):
        nn.CircularPad2d(1)(Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match="circular padding cannot exceed"):
        nn.CircularPad1d(4)(Tensor(np.ones((2, 3))))


def test_reflection_needs_an_axis_longer_than_the_padding():
    with pytest.raises(ValueError, match="reflect padding of 3"):
        nn.ReflectionPad2d(3)(Tensor(np.ones((1, 1, 3, 5))))


@pytest.mark.parametrize("padding", [1.5, (1, "2"), (True, 1)])
def test_padding_must_be_ints(padding):
    with pytest.raises(TypeError, match="ZeroPad1d: padding must be an int"):
        nn.ZeroPad1d(padding)


@pytest.mark.parametrize("name, extra", ONE_D + TWO_D, ids=[n for n, _ in ONE_D + TWO_D])
def test_second_derivatives(rng, name, extra):
    layer = getattr(nn, name)(1, *extra)
    x = Tensor(rng.normal(size=(1, 2, 3, 3) if "2d" in name else (2, 3, 3)), requires_grad=True)
    assert gradgradcheck(lambda t: layer(t.tanh()) ** 3, [x])


def test_arrays_are_taken_as_pytorchs_tensors_would_be():
    out = nn.ReflectionPad1d(1)(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(out.data, [[2.0, 1.0, 2.0, 3.0, 2.0]])
