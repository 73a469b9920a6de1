"""conv2d's `dilation` and `groups` (PyTorch's): values and every gradient against
PyTorch over strides, paddings ("same" too), rectangular kernels and depthwise layers;
central differences and second derivatives; nn.Conv2d's weight shape, init bound, repr
and state_dict (and padding="same" with even kernels); errors that name the fix."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

# (N, C, H, W), out channels, kernel, stride, padding, dilation, groups
CASES = [
    ((2, 4, 9, 8), 6, 3, 1, 1, 2, 1),
    ((2, 4, 9, 8), 6, 3, 2, 0, 1, 2),
    ((2, 4, 9, 9), 4, 3, 1, 1, 1, 4),  # depthwise
    ((2, 4, 9, 9), 8, 3, 1, 1, 1, 4),  # depthwise, two filters per channel
    ((1, 6, 10, 7), 9, (3, 2), (2, 1), (1, 0), (2, 3), 3),
    ((2, 3, 8, 8), 6, 3, 1, "same", 2, 3),
    ((2, 2, 11, 11), 2, 2, 3, 2, 3, 1),
    ((2, 4, 7, 6), 4, 4, 1, "same", 1, 2),  # even kernels: PyTorch's one-sided extra row
    ((2, 4, 7, 6), 4, (2, 3), 1, "same", (1, 2), 1),
    ((2, 4, 7, 6), 8, 4, 1, "same", 3, 4),
    ((2, 4, 9, 9), 4, 3, 1, 2, 2, 4),  # depthwise op: dilated
    ((2, 4, 9, 9), 4, (3, 2), 1, (0, 1), 1, 4),  # depthwise op: rectangular, one-sided
    ((2, 4, 8, 8), 4, 4, 1, "same", 1, 4),  # depthwise op: even kernel, extra row
    ((2, 4, 9, 9), 4, 3, 1, 3, 1, 4),  # depthwise, padding past (k-1)*d: shifted products
    ((2, 4, 9, 9), 4, 3, 2, 1, 1, 4),  # depthwise, stride 2: shifted products
]


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's note
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_matches_pytorch(case):
    shape, out_channels, kernel, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [
        rng.normal(size=shape),
        rng.normal(size=(out_channels, shape[1] // groups) + kernel),
        rng.normal(size=out_channels),
    ]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.conv2d(*ours, stride, padding, dilation, groups)
    out_t = torch.nn.functional.conv2d(*theirs, stride, padding, dilation, groups)
    g = rng.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_dilation_is_a_spread_kernel_and_groups_are_separate_convolutions():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 4, 9, 9)), rng.normal(size=(6, 2, 3, 3))
    spread = np.zeros((6, 2, 5, 5))
    spread[:, :, ::2, ::2] = w
    np.testing.assert_allclose(
        F.conv2d(x[:, :2], w, dilation=2).data, F.conv2d(x[:, :2], spread).data, atol=1e-12
    )
    grouped = F.conv2d(x, w, padding=1, groups=2).data
    for g in range(2):
        np.testing.assert_allclose(
            grouped[:, 3 * g : 3 * g + 3],
            F.conv2d(x[:, 2 * g : 2 * g + 2], w[3 * g : 3 * g + 3], padding=1).data,
            atol=1e-12,
        )


def test_central_differences_and_second_order():
    rng = np.random.default_rng(2)
    leaves = [
        Tensor(rng.normal(size=(1, 4, 6, 6)), requires_grad=True),
        Tensor(rng.normal(size=(4, 2, 2, 3)), requires_grad=True),
        Tensor(rng.normal(size=4), requires_grad=True),
    ]
    c = rng.normal(size=(1, 4, 6, 4))

    def f(x, w, b):
        return (F.conv2d(x, w, b, stride=1, padding=1, dilation=(2, 2), groups=2) * c).sum()

    assert_gradients_match(f, leaves)
    gradgradcheck(lambda x, w, b: f(x, w, b) ** 2, leaves)


@pytest.mark.oracle
def test_conv2d_module_matches_pytorch():
    ours = nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=4, bias=False, seed=0)
    theirs = torch.nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=4, bias=False)
    theirs.double()
    assert repr(ours).split("  #")[0] == repr(theirs)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (8, 1, 3, 3)
    assert np.abs(ours.weight.data).max() <= 1 / 3  # PyTorch's bound: fan_in = 1 * 3 * 3
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(3).normal(size=(2, 4, 7, 7))
    np.testing.assert_allclose(
        ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_errors_name_the_fix():
    x = np.zeros((2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"out_channels \(6\) must both be divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups \(2\)"):
        F.conv2d(x, np.zeros((3, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match=r"expected 8 input channels \(weight .* 4 groups\)"):
        F.conv2d(x, np.zeros((4, 2, 3, 3)), groups=4)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        F.conv2d(x, np.zeros((4, 4, 3, 3)), groups=0)
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        nn.Conv2d(4, 4, 3, dilation=0)
    with pytest.raises(ValueError, match=r"smaller than the 7x7 kernel"):  # 3x3 spread by 3
        F.conv2d(np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 3, 3)), dilation=3)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "options",
    [
        {"padding": 1},
        {"padding": (2, 1), "stride": 2},
        {"padding": "same"},
        {"padding": "same", "dilation": 2},
    ],
)
@pytest.mark.parametrize("kernel", [3, 4])
def test_padding_modes_match_pytorch(mode, options, kernel):
    ours = nn.Conv2d(3, 4, kernel, padding_mode=mode, **options)
    theirs = torch.nn.Conv2d(3, 4, kernel, padding_mode=mode, **options).double()
    assert repr(ours).split("  #")[0] == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(4).normal(size=(2, 3, 9, 8))
    mine, theirs_x = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = ours(mine), theirs(theirs_x)
    (out * out).sum().backward()
    (out_t * out_t).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.grad, theirs_x.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, kernel, padding_mode="mirror")


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_depthwise_in_chunks_on_two_threads_matches_pytorch(dtype):
    """A batch the depthwise op splits over two workers, each in several chunks."""
    import scratchgrad

    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(64, 8, 16, 16)), rng.normal(size=(8, 1, 3, 3))]
    arrays = [a.astype(dtype) for a in arrays]
    g = rng.normal(size=(64, 8, 16, 16)).astype(dtype)
    before = scratchgrad.get_num_threads()
    scratchgrad.set_num_threads(2)
    try:
        ours = [Tensor(a, requires_grad=True) for a in arrays]
        out = F.conv2d(*ours, padding=1, groups=8)
        assert out.op.name == "depthwise_conv2d"
        (out * Tensor(g)).sum().backward()
    finally:
        scratchgrad.set_num_threads(before)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_t = torch.nn.functional.conv2d(*theirs, padding=1, groups=8)
    (out_t * torch.tensor(g)).sum().backward()
    tolerance = (
        {"rtol": 1e-10, "atol": 1e-10} if dtype == "float64" else {"rtol": 1e-4, "atol": 1e-3}
    )
    assert out.dtype == np.dtype(dtype) and ours[1].grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **tolerance)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), **tolerance)
