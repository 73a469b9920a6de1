"""ConvTranspose2d and F.conv_transpose2d: the adjoint of conv2d (checked without any
oracle), values and every gradient against PyTorch over strides, paddings,
output_padding, groups and dilation, the module's layout, init bound, repr, state_dict
and forward(x, output_size); central differences, second derivatives and errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

# (N, C_in, H, W), C_out, kernel, stride, padding, output_padding, groups, dilation
CASES = [
    ((2, 4, 5, 6), 6, 3, 2, 1, 1, 1, 1),
    ((1, 4, 4, 4), 8, 4, 2, 1, 0, 2, 1),  # DCGAN's upsampling block
    ((2, 3, 5, 5), 3, (3, 2), (2, 3), (1, 0), (1, 2), 3, 1),
    ((2, 2, 4, 4), 4, 3, 1, 0, 0, 1, 2),
    ((2, 2, 4, 4), 4, 3, 2, 2, 1, 2, 3),
    ((3, 5, 1, 1), 4, 4, 1, 0, 0, 1, 1),  # DCGAN's first layer: a vector to a 4x4 map
]


@pytest.mark.parametrize("case", CASES[:5], ids=[str(i) for i in range(5)])
def test_it_is_the_adjoint_of_conv2d(case):
    """<conv_transpose2d(x, W), y> = <x, conv2d(y, W)> for every x and y: the
    definition, with no oracle."""
    shape, out_channels, kernel, stride, padding, extra, groups, dilation = case
    rng = np.random.default_rng(0)
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.normal(size=shape)
    w = rng.normal(size=(shape[1], out_channels // groups) + kernel)
    up = F.conv_transpose2d(x, w, None, stride, padding, extra, groups, dilation)
    y = rng.normal(size=up.shape)
    down = F.conv2d(y, w, None, stride, padding, dilation, groups)
    assert down.shape == x.shape
    np.testing.assert_allclose((up.data * y).sum(), (x * down.data).sum(), rtol=1e-10)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_matches_pytorch(case):
    shape, out_channels, kernel, stride, padding, extra, groups, dilation = case
    rng = np.random.default_rng(1)
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [
        rng.normal(size=shape),
        rng.normal(size=(shape[1], out_channels // groups) + kernel),
        rng.normal(size=out_channels),
    ]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    options = (stride, padding, extra, groups, dilation)
    out = F.conv_transpose2d(*ours, *options)
    out_t = torch.nn.functional.conv_transpose2d(*theirs, *options)
    g = rng.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.oracle
def test_module_matches_pytorch():
    ours = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, seed=0)
    theirs = torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1).double()
    assert repr(ours).split("  #")[0] == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (4, 2, 3, 3)
    assert np.abs(ours.weight.data).max() <= 1 / np.sqrt(2 * 9)  # fan_in = 2 * 3 * 3
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(1, 4, 5, 5))
    for size in (None, (10, 10), (1, 2, 10, 9)):
        mine = ours(x, output_size=size)
        expected = theirs(torch.tensor(x), output_size=None if size is None else list(size))
        np.testing.assert_allclose(mine.data, expected.detach().numpy(), rtol=1e-10)
    assert ours(x[0]).shape == tuple(theirs(torch.tensor(x[0])).shape)  # unbatched
    other = nn.ConvTranspose2d(4, 8, 3, 2, 1, output_padding=1, groups=2, bias=False, dilation=2)
    reference = torch.nn.ConvTranspose2d(
        4, 8, 3, 2, 1, output_padding=1, groups=2, bias=False, dilation=2
    )
    assert repr(other).split("  #")[0] == repr(reference)


def test_central_differences_and_second_order():
    rng = np.random.default_rng(3)
    leaves = [
        Tensor(rng.normal(size=(1, 4, 3, 3)), requires_grad=True),
        Tensor(rng.normal(size=(4, 1, 3, 2)), requires_grad=True),
        Tensor(rng.normal(size=2), requires_grad=True),
    ]
    c = rng.normal(size=(1, 2, 6, 5))

    def f(x, w, b):
        out = F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
        return (out * c).sum()

    assert_gradients_match(f, leaves)
    gradgradcheck(lambda x, w, b: f(x, w, b) ** 2, leaves)


def test_errors_name_the_fix():
    x = np.zeros((1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"expected 3 input channels .*\(in, out/groups"):
        F.conv_transpose2d(x, np.zeros((3, 2, 3, 3)))
    with pytest.raises(ValueError, match="output_padding .* must be smaller than the stride"):
        F.conv_transpose2d(x, np.zeros((4, 2, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="groups must be a positive integer dividing"):
        F.conv_transpose2d(x, np.zeros((4, 2, 3, 3)), groups=3)
    with pytest.raises(ValueError, match=r"choose sizes from \(9, 9\) to \(10, 10\)"):
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)(x, output_size=(12, 12))
    with pytest.raises(ValueError, match="padding as numbers"):
        nn.ConvTranspose2d(4, 2, 3, padding="same")
    with pytest.raises(ValueError, match="leaves no output"):
        F.conv_transpose2d(np.zeros((1, 4, 1, 1)), np.zeros((4, 2, 3, 3)), padding=2)
