"""Pooling's other PyTorch options: ceil_mode (max and average), count_include_pad and
divisor_override (average), in the functions and the modules: values and input
gradients against PyTorch over shapes, kernels, strides and paddings; by-hand divisors;
central differences."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

GEOMETRIES = [(2, 2, 0), (3, 2, 1), (3, 3, 1), (2, 1, 1), (3, 2, 0), ((3, 2), (2, 3), (1, 0))]
OPTIONS = [
    ("max", {}),
    ("avg", {"count_include_pad": True}),
    ("avg", {"count_include_pad": False}),
    ("avg", {"divisor_override": 3}),
]


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(2, 3, 5, 5), (1, 2, 7, 6), (1, 1, 6, 9)])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[str(g) for g in GEOMETRIES])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pools_match_pytorch(shape, geometry, ceil_mode):
    rng = np.random.default_rng(0)
    kernel, stride, padding = geometry
    x = rng.normal(size=shape)
    for kind, options in OPTIONS:
        ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        function = f"{kind}_pool2d"
        args = (kernel, stride, padding)
        out_t = getattr(torch.nn.functional, function)(
            theirs, *args, ceil_mode=ceil_mode, **options
        )
        out = getattr(F, function)(ours, *args, ceil_mode=ceil_mode, **options)
        g = rng.normal(size=tuple(out_t.shape))
        (out * Tensor(g)).sum().backward()
        (out_t * torch.tensor(g)).sum().backward()
        message = f"{function} {options}"
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, err_msg=message)
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, err_msg=message)


@pytest.mark.oracle
def test_modules_print_and_pool_as_pytorchs():
    x = np.random.default_rng(1).normal(size=(1, 2, 7, 7))
    for ours, theirs in [
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (
            nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
            torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
        ),
        (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3)),
    ]:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)


def test_by_hand_divisors_and_central_differences():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    out = F.avg_pool2d(x, 2, 2, ceil_mode=True).data[0, 0]
    assert out.shape == (3, 3)
    assert out[0, 2] == (4 + 9) / 2 and out[2, 2] == 24  # partial windows: only real cells
    corner = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False).data[0, 0, 0, 0]
    assert corner == (0 + 1 + 5 + 6) / 4
    assert F.max_pool2d(x, 2, 2, ceil_mode=True).data[0, 0, 2, 2] == 24
    c = np.random.default_rng(2).normal(size=(1, 1, 3, 3))
    leaf = Tensor(np.random.default_rng(3).normal(size=(1, 1, 5, 5)), requires_grad=True)
    assert_gradients_match(
        lambda t: (F.avg_pool2d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False) * c).sum(),
        [leaf],
    )
