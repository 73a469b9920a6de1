"""Resizing images and sequences: PyTorch's `F.interpolate`, `nn.Upsample` (and its
`UpsamplingNearest2d` / `UpsamplingBilinear2d` spellings), `F.pixel_shuffle` and
`nn.PixelShuffle` (the upsampling layers of U-Nets, GAN generators and
super-resolution nets).

Each spatial axis is resized on its own (bilinear is linear along H, then along W), by
gathering source rows with integer indices and, for the linear modes, mixing two
neighbours with fixed weights. Gathering is a table op whose gradient adds back into
the source rows, so every mode is differentiable, to any order, with no op of its own.
Source positions follow PyTorch's formulas exactly:

    nearest:        src = floor(dst * scale)
    nearest-exact:  src = floor((dst + 0.5) * scale)
    linear:         src = (dst + 0.5) * scale - 0.5   (>= 0), or with align_corners
                    src = dst * (in - 1) / (out - 1)
    bicubic:        the same src (not clipped at 0), four taps floor(src) - 1 .. + 2
                    clamped to the axis, Keys' cubic weights (a = -0.75)

scale is 1 / scale_factor when a scale_factor is given, else in / out. With
antialias=True (bilinear, bicubic) each axis is one (out, in) matrix of PIL-style
filter weights instead, widened by the downscaling factor.
"""

import math

import numpy as np

from ..autograd import Tensor
from ..autograd.backend import namespace
from ..autograd.errors import ShapeError
from .convolution import adaptive_avg_pool2d
from .functional import _node
from .module import Module

_MODES = {"nearest": 1, "nearest-exact": 1, "linear": 1, "bilinear": 2, "bicubic": 2, "area": 1}
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """x (N, C, L) or (N, C, H, W) resized to `size`, or by `scale_factor` (one number
    or one per spatial axis), in `mode`: "nearest", "nearest-exact", "linear" (3-D),
    "bilinear" or "bicubic" (4-D) or "area" (adaptive average pooling). align_corners
    only for the linear and cubic modes, as PyTorch."""
    x = _node(input)
    axes = _spatial_axes(x, mode)
    linear = mode in ("linear", "bilinear", "bicubic")
    if align_corners is not None and not linear:
        raise ValueError(
            f"interpolate: align_corners only goes with the linear modes, not {mode!r} "
            "(leave it out)"
        )
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(
            f"interpolate: antialias=True goes with mode 'bilinear' or 'bicubic', not {mode!r}"
        )
    sizes, scales = _output_sizes(x, axes, size, scale_factor, recompute_scale_factor)
    if mode == "area":  # PyTorch's: adaptive average pooling to the output size
        image = x if x.ndim == 4 else x.unsqueeze(-2)
        pooled = adaptive_avg_pool2d(image, tuple(sizes) if x.ndim == 4 else (1, sizes[0]))
        return pooled if x.ndim == 4 else pooled.squeeze(-2)
    for axis, out, scale in zip(axes, sizes, scales):
        if antialias:
            x = _antialiased_axis(x, axis, out, scale, mode, bool(align_corners))
        else:
            x = _resize_axis(x, axis, out, scale, mode, bool(align_corners))
    return x


def _spatial_axes(x, mode):
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate(mode={mode!r}) is not supported; use one of {', '.join(_MODES)}"
        )
    wanted = _MODES[mode]
    if mode.startswith("nearest") or mode == "area":
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"interpolate expects (N, C, L) or (N, C, H, W) input, got shape {x.shape}"
            )
        return tuple(range(2, x.ndim))
    if x.ndim != wanted + 2:
        raise ShapeError(
            f"interpolate(mode={mode!r}) expects a {wanted + 2}-D input "
            f"({'(N, C, L)' if wanted == 1 else '(N, C, H, W)'}), got shape {x.shape}"
        )
    return tuple(range(2, x.ndim))


def _per_axis(value, count, what):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count:
        raise ValueError(f"interpolate: {what} needs {count} entries, one per axis, got {value}")
    return values


def _output_sizes(x, axes, size, scale_factor, recompute_scale_factor):
    """Each axis's output size and the scale (input per output) its sources use."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    ins = [x.shape[a] for a in axes]
    if size is not None:
        outs = [int(s) for s in _per_axis(size, len(axes), "size")]
        if min(outs) < 1:
            raise ShapeError(f"interpolate: sizes must be positive, got {size}")
        return outs, [i / o for i, o in zip(ins, outs)]
    factors = [float(f) for f in _per_axis(scale_factor, len(axes), "scale_factor")]
    if min(factors) <= 0:
        raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor}")
    outs = [int(math.floor(i * f)) for i, f in zip(ins, factors)]
    if recompute_scale_factor:
        return outs, [i / o for i, o in zip(ins, outs)]
    return outs, [1.0 / f for f in factors]


def _resize_axis(x, axis, out, scale, mode, align_corners):
    """x resized along one axis to `out` entries."""
    n_in, xp = x.shape[axis], namespace(x._data)
    dst = np.arange(out, dtype=np.float64)
    lead = (slice(None),) * axis
    if mode.startswith("nearest"):
        shift = 0.5 if mode == "nearest-exact" else 0.0
        src = np.minimum(np.floor((dst + shift) * scale).astype(np.int64), n_in - 1)
        return x[lead + (xp.asarray(src),)]
    if align_corners:
        pos = dst * ((n_in - 1) / (out - 1)) if out > 1 else dst * 0.0
    else:  # (cubic sources may start before 0: their taps are clamped instead)
        pos = (dst + 0.5) * scale - 0.5
        pos = pos if mode == "bicubic" else np.maximum(pos, 0.0)
    if mode == "bicubic":
        return _cubic_along(x, axis, pos, n_in)
    low = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    shape = [1] * x.ndim
    shape[axis] = out
    weight = xp.asarray((pos - low).astype(x.dtype).reshape(shape))  # on x's device
    low, high = xp.asarray(low), xp.asarray(high)
    return x[lead + (low,)] * (1.0 - weight) + x[lead + (high,)] * weight


def _cubic_along(x, axis, pos, n_in):
    """Keys' cubic convolution along `axis`: four taps around each source position
    (clamped to the axis), weighted by the cubic of their distance (a = -0.75)."""
    xp, a = namespace(x._data), CUBIC_A
    first = np.floor(pos).astype(np.int64)
    t = pos - first
    distances = (t + 1.0, t, 1.0 - t, 2.0 - t)
    weights = [
        ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a
        if k in (0, 3)  # 1 < |d| < 2
        else ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0  # |d| <= 1
        for k, d in enumerate(distances)
    ]
    shape = [1] * x.ndim
    shape[axis] = len(pos)
    lead = (slice(None),) * axis
    total = None
    for k, weight in enumerate(weights):
        taps = xp.asarray(np.clip(first - 1 + k, 0, n_in - 1))
        term = x[lead + (taps,)] * xp.asarray(weight.astype(x.dtype).reshape(shape))
        total = term if total is None else total + term
    return total


def _antialiased_axis(x, axis, out, scale, mode, align_corners):
    """PyTorch's antialias=True along `axis` (PIL's resampling): each output mixes the
    inputs under a triangle (bilinear) or cubic (a = -0.5) filter stretched by the
    downscaling factor, normalised to sum 1; as an (out, in) matrix, multiplied in."""
    n_in = x.shape[axis]
    if align_corners:
        scale = (n_in - 1) / (out - 1) if out > 1 else 0.0
    half_width = 1.0 if mode == "bilinear" else 2.0  # the filter's support at scale 1
    support = half_width * scale if scale >= 1.0 else half_width
    stretch = 1.0 / scale if scale >= 1.0 else 1.0
    matrix = np.zeros((out, n_in))
    for i in range(out):
        center = scale * (i + 0.5)
        first = max(int(center - support + 0.5), 0)
        last = min(int(center + support + 0.5), n_in)
        d = np.abs((np.arange(first, last) - center + 0.5) * stretch)
        if mode == "bilinear":
            w = np.maximum(1.0 - d, 0.0)
        else:
            a = -0.5
            w = np.where(
                d < 1.0,
                ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0,
                np.where(d < 2.0, (((d - 5.0) * d + 8.0) * d - 4.0) * a, 0.0),
            )
        total = w.sum()
        matrix[i, first:last] = w / total if total else w
    xp = namespace(x._data)
    moved = x.transpose(axis, -1)
    resized = moved @ x._constant_like(xp.asarray(matrix.T.astype(x.dtype)))
    return resized.transpose(axis, -1)


def pixel_shuffle(input, upscale_factor):
    """(N, C*r*r, H, W) -> (N, C, H*r, W*r): each pixel's r*r channels become an r x r
    block (the sub-pixel convolution's upsampling)."""
    x = _node(input)
    r = int(upscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-3] % (r * r):
        raise ShapeError(
            f"pixel_shuffle: the input's channel axis (-3) must be divisible by "
            f"upscale_factor**2 = {r * r}, got shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    blocks = x.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    order = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    return blocks.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (N, C, H*r, W*r) -> (N, C*r*r, H, W)."""
    x = _node(input)
    r = int(downscale_factor)
    if x.ndim < 3 or r < 1 or x.shape[-1] % r or x.shape[-2] % r:
        raise ShapeError(
            f"pixel_unshuffle: height and width must be divisible by {r}, got shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    blocks = x.reshape(*lead, c, h // r, r, w // r, r)
    order = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    return blocks.permute(*order).reshape(*lead, c * r * r, h // r, w // r)


class Upsample(Module):
    """F.interpolate as a layer (no parameters)."""

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode="nearest",
        align_corners=None,
        recompute_scale_factor=None,
    ):
        self.size = size
        self.scale_factor = (
            tuple(float(f) for f in scale_factor)
            if isinstance(scale_factor, (tuple, list))
            else (float(scale_factor) if scale_factor is not None else None)
        )
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return interpolate(
            x,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self):
        described = (
            f"scale_factor={self.scale_factor!r}"
            if self.scale_factor is not None
            else f"size={self.size!r}"
        )
        return f"{described}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(mode="nearest") of (N, C, H, W) images (PyTorch's older name)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(mode="bilinear", align_corners=True) (PyTorch's older name)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """F.pixel_shuffle as a layer: (N, C*r*r, H, W) -> (N, C, H*r, W*r)."""

    def __init__(self, upscale_factor):
        self.upscale_factor = int(upscale_factor)

    def forward(self, x):
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """F.pixel_unshuffle as a layer: (N, C, H*r, W*r) -> (N, C*r*r, H, W)."""

    def __init__(self, downscale_factor):
        self.downscale_factor = int(downscale_factor)

    def forward(self, x):
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
