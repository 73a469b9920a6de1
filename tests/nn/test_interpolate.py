"""F.interpolate, nn.Upsample (and its older spellings), F.pixel_shuffle and
F.pixel_unshuffle: values and input gradients against PyTorch over every mode (bicubic
and antialias too), size and scale factor form, align_corners and
recompute_scale_factor; reprs; by-hand checks, central differences, second derivatives
and errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

CASES = [
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(size=(8, 3))),
    ((2, 3, 5, 7), dict(scale_factor=1.7)),
    ((2, 3, 5, 7), dict(scale_factor=(0.5, 2.3))),
    ((2, 3, 5, 7), dict(scale_factor=1.5, mode="nearest-exact")),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 6), dict(scale_factor=3, mode="linear")),
    ((2, 3, 6), dict(size=4, mode="linear", align_corners=True)),
    ((2, 3, 6), dict(size=13)),
    ((2, 3, 7, 9), dict(size=(3, 4), mode="area")),
    ((2, 3, 7, 9), dict(scale_factor=0.5, mode="area")),
    ((2, 3, 8), dict(size=3, mode="area")),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bicubic")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bicubic", align_corners=True)),
    ((2, 3, 5, 7), dict(scale_factor=(0.5, 1.7), mode="bicubic")),  # taps clamped at edges
    ((2, 3, 17, 23), dict(size=(5, 7), mode="bilinear", antialias=True)),
    ((2, 3, 17, 23), dict(scale_factor=(0.3, 2.5), mode="bicubic", antialias=True)),
    ((2, 3, 17, 23), dict(size=(6, 9), mode="bicubic", antialias=True, align_corners=True)),
]


@pytest.mark.oracle
@pytest.mark.parametrize("shape, options", CASES, ids=[str(i) for i in range(len(CASES))])
def test_interpolate_matches_pytorch(shape, options):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.interpolate(ours, **options)
    out_t = torch.nn.functional.interpolate(theirs, **options)
    g = rng.normal(size=tuple(out_t.shape))
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.oracle
def test_pixel_shuffle_and_layers_match_pytorch():
    rng = np.random.default_rng(1)
    TF = torch.nn.functional
    x = rng.normal(size=(2, 8, 3, 4))
    np.testing.assert_array_equal(F.pixel_shuffle(x, 2).data, TF.pixel_shuffle(torch.tensor(x), 2))
    y = rng.normal(size=(2, 2, 6, 4))
    np.testing.assert_array_equal(
        F.pixel_unshuffle(y, 2).data, TF.pixel_unshuffle(torch.tensor(y), 2)
    )
    for ours, theirs in [
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (
            nn.Upsample(size=(3, 4), mode="bilinear"),
            torch.nn.Upsample(size=(3, 4), mode="bilinear"),
        ),
        (nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(scale_factor=2)),
        (nn.UpsamplingNearest2d(size=5), torch.nn.UpsamplingNearest2d(size=5)),
        (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2)),
    ]:
        assert repr(ours).split("  #")[0] == repr(theirs)
        z = rng.normal(size=(1, 4, 4, 6))
        np.testing.assert_allclose(ours(z).data, theirs(torch.tensor(z)).numpy(), atol=1e-12)


def test_by_hand_and_round_trips():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(
        F.interpolate(x, scale_factor=2).data[0, 0], np.repeat(np.repeat(x[0, 0], 2, 0), 2, 1)
    )
    ends = F.interpolate(x, size=(3, 5), mode="bilinear", align_corners=True).data[0, 0]
    np.testing.assert_allclose(ends[::2, ::2], x[0, 0])  # corners land on the input
    np.testing.assert_allclose(ends[1, 1], (x[0, 0, 0, 0] + x[0, 0, 1, 1]) / 2)
    y = np.random.default_rng(2).normal(size=(2, 12, 3, 5))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(y, 2), 2).data, y)


def test_central_differences_and_second_order():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(1, 2, 3, 4)), requires_grad=True)
    c = rng.normal(size=(1, 2, 5, 6))

    def f(x):
        up = F.interpolate(x, size=(5, 6), mode="bilinear")
        return (up * c).sum() + (F.interpolate(x, size=(5, 6)) * c).sum()

    assert_gradients_match(f, [x])
    gradgradcheck(lambda x: f(x) ** 2, [x])


def test_errors_name_the_fix():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(NotImplementedError, match="mode='trilinear'.*nearest"):
        F.interpolate(x, scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="antialias=True goes with mode 'bilinear' or"):
        F.interpolate(x, scale_factor=0.5, antialias=True)
    with pytest.raises(ValueError, match="align_corners only goes with the linear modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"mode='linear'\) expects a 3-D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="size needs 2 entries"):
        F.interpolate(x, size=(2, 3, 4))
    with pytest.raises(ValueError, match="divisible by upscale_factor"):
        F.pixel_shuffle(np.zeros((1, 3, 2, 2)), 2)
