"""Bad input to conv2d, the pools, unfold/fold and the conv layers: a clear exception that
names what was wrong (shapes, dtypes, geometry) and what to do."""

import numpy as np
import pytest

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: nn.Conv2d(3, 4, 3)(Tensor(np.ones((1, 5, 8, 8)))),
            "expected 3 input channels, got 5",
        ),
        (
            lambda: nn.Conv2d(1, 4, 3)(Tensor(np.ones((5, 8, 8)))),
            r"4-D input.*images without a channel axis",
        ),
        (lambda: nn.Conv2d(1, 4, 5)(Tensor(np.ones((1, 1, 3, 3)))), "smaller than the 5x5 kernel"),
        (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, padding=2), "at most half"),
        (lambda: F.fold(Tensor(np.ones((1, 4, 5))), (4, 4), 2), "do not fit output_size"),
        (
            lambda: F.conv2d(
                Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((2, 1, 2, 2), dtype=np.float32))
            ),
            "float64 but weight is float32",
        ),
    ],
)
def test_shape_errors_say_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


_RNG = np.random.default_rng(0)
_X4, _W = _RNG.standard_normal((2, 3, 5, 5)), _RNG.standard_normal((4, 3, 3, 3))
T = Tensor

ERRORS = [
    (
        "conv wrong channels",
        lambda: F.conv2d(T(np.ones((2, 2, 5, 5))), T(_W)),
        ValueError,
        r"expected 3 input channels, got 2",
    ),
    (
        "conv 2-D input",
        lambda: F.conv2d(T(_X4[0, 0]), T(_W)),
        ValueError,
        r"4-D input \(N, C, H, W\), got shape \(5, 5\)",
    ),
    ("conv 5-D input", lambda: F.conv2d(T(_X4[None]), T(_W)), ValueError, r"4-D input"),
    ("conv 3-D weight", lambda: F.conv2d(T(_X4), T(_W[0])), ValueError, r"weight must be 4-D"),
    (
        "conv kernel > input",
        lambda: F.conv2d(T(_X4), T(np.ones((4, 3, 6, 6)))),
        ValueError,
        r"5x5.*smaller than the 6x6 kernel",
    ),
    (
        "conv kernel > input on one axis",
        lambda: F.conv2d(T(_X4), T(np.ones((4, 3, 1, 6)))),
        ValueError,
        r"smaller than the 1x6 kernel",
    ),
    ("conv stride 0", lambda: F.conv2d(T(_X4), T(_W), stride=0), ValueError, r"stride=\(0, 0\)"),
    ("conv stride -1", lambda: F.conv2d(T(_X4), T(_W), stride=-1), ValueError, r"stride"),
    (
        "conv stride (1, 0)",
        lambda: F.conv2d(T(_X4), T(_W), stride=(1, 0)),
        ValueError,
        r"stride=\(1, 0\)",
    ),
    (
        "conv padding -1",
        lambda: F.conv2d(T(_X4), T(_W), padding=-1),
        ValueError,
        r"padding=\(-1, -1\)",
    ),
    (
        "conv stride triple",
        lambda: F.conv2d(T(_X4), T(_W), stride=(1, 1, 1)),
        TypeError,
        r"stride must be an int or a pair of ints",
    ),
    (
        "conv padding 'same' with a stride",
        lambda: F.conv2d(T(_X4), T(_W), stride=2, padding="same"),
        ValueError,
        r"padding='same' needs stride=1",
    ),
    (
        "conv bias wrong length",
        lambda: F.conv2d(T(_X4), T(_W), T(np.zeros(3))),
        ValueError,
        r"bias must have shape \(4,\), got \(3,\)",
    ),
    (
        "conv bias 2-D",
        lambda: F.conv2d(T(_X4), T(_W), T(np.zeros((4, 1)))),
        ValueError,
        r"bias must have shape \(4,\)",
    ),
    (
        "conv int Tensor input",
        lambda: F.conv2d(T(np.ones((1, 3, 5, 5), np.int64), dtype=np.int64), T(_W)),
        TypeError,
        r"input is int64 but weight is float64",
    ),
    (
        "conv f32 input f64 weight",
        lambda: F.conv2d(T(_X4.astype(np.float32)), T(_W)),
        TypeError,
        r"input is float32 but weight is float64",
    ),
    (
        "conv f64 input f32 weight",
        lambda: F.conv2d(T(_X4), _W.astype(np.float32)),
        TypeError,
        r"input is float64 but weight is float32",
    ),
    (
        "conv groups",
        lambda: F.conv2d(T(_X4), T(_W), groups=2),
        ValueError,
        r"expected 6 input channels \(weight \(4, 3, 3, 3\) split into 2 groups\), got 3",
    ),
    ("max_pool 2-D", lambda: F.max_pool2d(T(_X4[0, 0]), 2), ValueError, r"max_pool2d.*4-D"),
    (
        "max_pool padding > half",
        lambda: F.max_pool2d(T(_X4), 2, 1, 2),
        ValueError,
        r"padding \(2, 2\) must be at most half the kernel \(2, 2\)",
    ),
    (
        "max_pool padding > half of 3",
        lambda: F.max_pool2d(T(_X4), 3, 1, 2),
        ValueError,
        r"at most half",
    ),
    (
        "max_pool kernel > input",
        lambda: F.max_pool2d(T(_X4), 6),
        ValueError,
        r"smaller than the 6x6 kernel",
    ),
    ("max_pool kernel 0", lambda: F.max_pool2d(T(_X4), 0), ValueError, r"kernel_size=\(0, 0\)"),
    ("max_pool stride 0", lambda: F.max_pool2d(T(_X4), 2, 0), ValueError, r"stride=\(0, 0\)"),
    (
        "max_pool kernel (2,)",
        lambda: F.max_pool2d(T(_X4), (2,)),
        TypeError,
        r"kernel_size must be an int or a pair",
    ),
    (
        "MaxPool2d padding > half at call",
        lambda: nn.MaxPool2d(2, padding=2)(T(_X4)),
        ValueError,
        r"at most half",
    ),
    ("avg_pool 2-D", lambda: F.avg_pool2d(T(_X4[0, 0]), 2), ValueError, r"avg_pool2d.*4-D"),
    (
        "max_pool dilated span",
        lambda: F.max_pool2d(T(_X4), 3, dilation=4),
        ValueError,
        r"smaller than the 9x9 span",
    ),
    ("unfold negative padding", lambda: F.unfold(T(_X4), 2, padding=-1), ValueError, r"padding"),
    (
        "fold wrong L",
        lambda: F.fold(T(np.zeros((1, 4, 15))), (5, 5), 2),
        ValueError,
        r"\(1, 4, 15\) do not fit output_size \(5, 5\).*expected \(N, C\*4, 16\)",
    ),
    (
        "fold 2-D columns",
        lambda: F.fold(T(np.zeros((4, 16))), (5, 5), 2),
        ValueError,
        r"columns of shape \(4, 16\)",
    ),
    (
        "Conv2d wrong channels",
        lambda: nn.Conv2d(3, 4, 3)(T(np.ones((2, 2, 5, 5)))),
        ValueError,
        r"Conv2d expected 3 input channels, got 2",
    ),
    (
        "Conv2d 3-D input of other channels",
        lambda: nn.Conv2d(3, 4, 3)(T(_X4[0, :2])),
        ValueError,
        r"channels \(3\) are axis 1",
    ),
    ("Conv2d zero channels", lambda: nn.Conv2d(0, 4, 3), ValueError, r"positive channel"),
    (
        "Conv2d stride 0 at call",
        lambda: nn.Conv2d(3, 4, 3, stride=0)(T(_X4)),
        ValueError,
        r"stride",
    ),
    (
        "Conv2d f32 model f64 Tensor",
        lambda: nn.Conv2d(3, 4, 3, dtype=np.float32)(T(_X4)),
        TypeError,
        r"input is float64 but weight is float32",
    ),
    (
        "BatchNorm2d wrong channels",
        lambda: nn.BatchNorm2d(4)(T(_X4)),
        ValueError,
        r"BatchNorm2d\(4\) expects input of shape \(N, 4, H, W\), got \(2, 3, 5, 5\)",
    ),
    ("BatchNorm2d 3-D", lambda: nn.BatchNorm2d(3)(T(_X4[0])), ValueError, r"BatchNorm2d\(3\)"),
    (
        "BatchNorm2d one value per channel",
        lambda: nn.BatchNorm2d(3)(T(np.ones((1, 3, 1, 1)))),
        ValueError,
        r"more than one value per channel.*eval\(\)",
    ),
    (
        "BatchNorm2d momentum < 0",
        lambda: nn.BatchNorm2d(3, momentum=-0.1),
        ValueError,
        r"BatchNorm2d momentum must be a number in \[0, 1\]",
    ),
]


@pytest.mark.parametrize(
    "call, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.conv2d(T1, W1, stride=None), TypeError, "stride must be an int or a pair"),
        (lambda: F.conv2d(T1, W1, stride=1.0), TypeError, "stride must be an int or a pair"),
        (lambda: nn.MaxPool2d(2.0), TypeError, "kernel_size must be an int or a pair"),
        (lambda: nn.Conv2d(1, 1, 2, stride=None), TypeError, "stride must be an int or a pair"),
        (lambda: nn.Conv2d(3, 4, (3, 0)), ValueError, "Conv2d: kernel_size and stride must be"),
        (
            lambda: F.conv2d(
                Tensor(np.ones((1, 1, 3, 3), np.float32)),
                Tensor(np.ones((2, 1, 2, 2), np.float32)),
                Tensor(np.zeros(2)),
            ),
            TypeError,
            "input is float32 but bias is float64",
        ),
        (lambda: F.conv2d(T1, Tensor(np.ones((0, 1, 2, 2)))), ValueError, "no empty axis"),
        (
            lambda: nn.BatchNorm2d(3)(Tensor(np.ones((2, 3, 2, 2), np.float32))),
            TypeError,
            r"BatchNorm2d: input is float32 but weight is float64.*x.double\(\).*model.float\(\)",
        ),
        (lambda: nn.BatchNorm2d(3, momentum=2), ValueError, "BatchNorm2d momentum"),
        (
            lambda: nn.BatchNorm2d(3)(Tensor(np.ones((1, 3, 1, 1)))),
            ValueError,
            r"BatchNorm2d in training mode .* shape \(1, 3, 1, 1\)",
        ),
        (
            lambda: F.fold(Tensor(np.zeros((1, 4, 16))), (5, 5), 2, stride=0),
            ValueError,
            "fold: kernel_size and stride must be >= 1",
        ),
        (
            lambda: F.fold(Tensor(np.zeros((1, 4, 16))), (5, 5), 0),
            ValueError,
            "fold: kernel_size and stride must be >= 1",
        ),
        (
            lambda: F.fold(Tensor(np.zeros((1, 4, 1))), (0, 0), 2, padding=1),
            ValueError,
            "fold: a 0x0 input",
        ),
        (lambda: F.conv_output_shape((2, 2), 5), ValueError, "has no 5x5 window"),
        (lambda: F.conv_output_shape((4, 4), 2, 0), ValueError, "stride must be >= 1"),
        (
            lambda: F.avg_pool2d(Tensor(np.ones((1, 1, 2, 2))), 2, 1, 2),
            ValueError,
            "at most half the kernel",
        ),
    ],
)
def test_bad_geometry_and_dtypes_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


T1 = Tensor(np.ones((1, 1, 6, 6)))
W1 = Tensor(np.ones((1, 1, 2, 2)))
