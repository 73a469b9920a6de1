"""Sampling images at arbitrary points: PyTorch's `F.affine_grid` and `F.grid_sample`,
the two halves of a spatial transformer (a small net predicts an affine `theta`,
`affine_grid` turns it into sampling points, `grid_sample` reads the image there).

Why no op of its own: both are compositions of table ops, so gradients reach the image,
the grid and (through `affine_grid`'s matmul) theta, to any order, on any device.

How: `affine_grid` is one matmul of a constant base grid (each output pixel's x, y, 1)
with theta's transpose. `grid_sample` turns each grid coordinate into a source position
(the unnormalisation below, then the padding rule), splits it into an integer corner,
`floor` of the detached data, and a fraction, a Tensor, and gathers every corner's
pixels from the flattened image with one integer index: a table op whose gradient adds
back into the image. The fractions make the weights, so the grid's gradient is the
weights'. The image is first padded with zeros, and a corner outside it is clamped into
that padding, so it reads 0 (PyTorch's masked read). Source positions follow PyTorch's
CPU kernels, operation by operation, so the numbers are PyTorch's:

    align_corners=False:  p = (g + 1) * size / 2 - 0.5   (-1, 1: the image's edges)
    align_corners=True:   p = (g + 1) * (size - 1) / 2   (-1, 1: the corner pixels' centres)
    border:               p clipped to [0, size - 1]
    reflection:           p mirrored at the edges (or the corner centres), then clipped

Clipping passes no gradient at or beyond the borders, as PyTorch's. NaN and inf points
read what PyTorch's kernels read: with "zeros" a NaN result (bilinear, bicubic) or 0;
after clipping pixel 0 (images) or the last pixel (volumes). Nearest rounds half to
even, as PyTorch; its grid gradient is zeros. Bicubic (4-D only) pads each of its 16
taps, as PyTorch does, with PyTorch's cubic convolution (A = -0.75). 5-D volumes
(trilinear and nearest) follow PyTorch's scalar 3-D formulas.
"""

import math
import warnings

import numpy as np

from .. import autograd
from ..autograd import Tensor
from ..autograd.backend import namespace, quiet
from ..autograd.errors import ShapeError
from .dtypes import DtypeMismatchError
from .functional import _node
from .tensor_functions import pad

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_DEFAULT_ALIGN = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)
_CUBIC_A = -0.75
_INT_MAX = 2**31 - 1
_BEFORE, _AFTER = 2, 3  # zeros around the image (see _Image)


class GridShapeError(ShapeError):
    """Shapes grid_sample or affine_grid cannot take (PyTorch raises RuntimeError)."""


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_DEFAULT_ALIGN, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


# --- affine_grid --------------------------------------------------------------------


def affine_grid(theta, size, align_corners=None):
    """theta (N, 2, 3) and size (N, C, H, W) -> grid (N, H, W, 2) of the points
    theta @ (x, y, 1) for each output pixel's normalised x, y (PyTorch's
    affine_grid_generator); theta (N, 3, 4) and size (N, C, D, H, W) -> (N, D, H, W, 3)."""
    align = _align(align_corners)
    theta = _node(theta)
    if np.dtype(theta.dtype).kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ShapeError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                f"Got {tuple(theta.shape)}."
            )
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ShapeError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                f"Got {tuple(theta.shape)}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise GridShapeError(
            f"affine_grid: theta holds {theta.shape[0]} matrices but size {size} asks for a "
            f"batch of {size[0]}: give one theta per image"
        )
    base = _base_grid(spatial, align, np.dtype(theta.dtype))  # (points, k + 1)
    xp = namespace(theta._data)
    points = theta._constant_like(xp.asarray(base[None]))
    grid = points @ theta.transpose(1, 2)  # (N, points, k)
    return grid.reshape(size[0], *spatial, len(spatial))


def _linspace(steps, align, dtype):
    """PyTorch's linspace(-1, 1, steps) (each half counted from its own end), shrunk by
    (steps - 1) / steps without align_corners; one step is 0."""
    if steps <= 1:
        return np.zeros(1, dtype)
    i = np.arange(steps)
    step = dtype.type(2) / dtype.type(steps - 1)
    low = dtype.type(-1) + step * i.astype(dtype)
    high = dtype.type(1) - step * (steps - 1 - i).astype(dtype)
    values = np.where(i < steps // 2, low, high).astype(dtype)
    if not align:
        values = values * dtype.type(steps - 1) / dtype.type(steps)
    return values


def _base_grid(spatial, align, dtype):
    """Each output point's (x, y[, z], 1), x varying fastest: shape (prod(spatial), k + 1)."""
    k = len(spatial)
    base = np.ones((*spatial, k + 1), dtype)
    for j in range(k):  # coordinate j runs along spatial axis -1 - j
        shape = [1] * k
        shape[k - 1 - j] = spatial[k - 1 - j]
        base[..., j] = _linspace(spatial[k - 1 - j], align, dtype).reshape(shape)
    return base.reshape(-1, k + 1)


# --- grid_sample --------------------------------------------------------------------


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) read at grid (N, H_out, W_out, 2) -> (N, C, H_out, W_out); grid
    holds normalised (x, y) in [-1, 1] (outside: padding_mode). mode "bilinear",
    "nearest" or "bicubic"; padding_mode "zeros", "border" or "reflection". Also
    input (N, C, D, H, W) with grid (N, D_out, H_out, W_out, 3) (bilinear or nearest)."""
    if mode not in _MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in _PADDINGS:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    align = _align(align_corners)
    x, grid = _pair(input, grid)
    _check_shapes(x, grid, mode)
    n, c, *spatial = x.shape
    k = len(spatial)
    image = _Image(x)
    coords = [grid[..., j] for j in range(k)]  # x, y[, z]: spatial axes -1, -2[, -3]
    sizes = [spatial[k - 1 - j] for j in range(k)]
    with quiet(image.xp):  # NaN and inf points give NaN or read outside, as in PyTorch
        if mode == "bicubic":
            out = _bicubic(image, coords, sizes, padding_mode, align)
        else:
            positions = [
                _source(g, size, padding_mode, align, scalar=k == 3)
                for g, size in zip(coords, sizes)
            ]
            out = (_nearest if mode == "nearest" else _linear)(image, positions)
    return out.reshape(n, c, *grid.shape[1:-1])


def _pair(input, grid):
    """input and grid as Tensors of one dtype: an array meeting a Tensor is data and takes
    its dtype; two Tensors must agree, as in PyTorch."""
    if isinstance(input, Tensor) and not isinstance(grid, Tensor):
        return input, Tensor(grid, dtype=input.dtype)
    if isinstance(grid, Tensor) and not isinstance(input, Tensor):
        return Tensor(input, dtype=grid.dtype), grid
    x, grid = _node(input), _node(grid)
    if x.dtype != grid.dtype:
        raise DtypeMismatchError(
            f"grid_sample: input is {x.dtype} but grid is {grid.dtype}, a mix PyTorch "
            "refuses too: convert one, e.g. grid.to(input.dtype)"
        )
    if np.dtype(x.dtype).kind != "f":
        raise TypeError(f"grid_sample: input and grid must be floating point, got {x.dtype}")
    return x, grid


def _sizes(t):
    return list(t.shape)


def _check_shapes(x, grid, mode):
    """PyTorch's checks, in its order and words."""
    if x.ndim not in (4, 5) or grid.ndim != x.ndim:
        raise GridShapeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of "
            f"dimensions, but got input with sizes {_sizes(x)} and grid with sizes "
            f"{_sizes(grid)}"
        )
    if x.shape[0] != grid.shape[0]:
        raise GridShapeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {_sizes(x)} and grid with sizes {_sizes(grid)}"
        )
    if grid.shape[-1] != x.ndim - 2:
        raise GridShapeError(
            f"grid_sampler(): expected grid to have size {x.ndim - 2} in last dimension, but "
            f"got grid with sizes {_sizes(grid)}"
        )
    for axis in range(2, x.ndim):
        if x.shape[axis] == 0:
            raise GridShapeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but "
                f"input has sizes {_sizes(x)} with dimension {axis} being empty"
            )
    if mode == "bicubic" and x.ndim != 4:
        raise NotImplementedError(
            "grid_sampler(): bicubic interpolation only supports 4D input (as in PyTorch); "
            "use mode='bilinear' or 'nearest' for volumes"
        )


def _const(like, value):
    """A constant of `like`'s dtype, on its device (a leaf made without a copy)."""
    return like._constant_like(namespace(like._data).asarray(value, dtype=like.dtype))


def _unnormalize(g, size, align, scalar):
    """Grid coordinate -> pixel position, in the arithmetic order of PyTorch's kernels
    (the vectorised 2-D one, or the scalar 3-D one)."""
    dtype = np.dtype(g.dtype).type
    if scalar:  # GridSampler.h
        if align:
            return ((g + 1) / 2) * (size - 1)
        return ((g + 1) * size - 1) / 2
    if align:
        return (g + 1) * (dtype(size - 1) / dtype(2))
    return (g + 1) * (dtype(size) / dtype(2)) - 0.5


def _clip(p, size, scalar=False):
    """p clipped to [0, size - 1]; the gradient passes strictly inside only. NaN goes to
    0 (the 2-D kernel's vector min/max) or to size - 1 (the 3-D kernel's std::min/max)."""
    d = p._data
    inside = (d > 0) & (d < size - 1)
    high = d >= size - 1
    if scalar:
        high = high | (d != d)
    outside = namespace(d).where(high, size - 1, 0)
    return autograd.where(inside, p, _const(p, outside))


def _reflect(p, size, align):
    """p mirrored into [0, size - 1] (align_corners) or [-0.5, size - 0.5] as the 2-D
    kernel does: |p - low| less whole double spans, then one more flip if past the
    middle; the gradient is +1 or -1 accordingly."""
    xp = namespace(p._data)
    dtype = np.dtype(p.dtype).type
    if align and size <= 1:  # an empty span: every point reflects to 0, no gradient
        return autograd.where(xp.zeros(p.shape, dtype=bool), p, _const(p, 0))
    low, twice_span = (dtype(0), dtype(2 * (size - 1))) if align else (dtype(-0.5), dtype(2 * size))
    shifted = p - low if not align else p
    distance = autograd.where(shifted._data < 0, -shifted, shifted)
    flips = xp.trunc(distance._data / twice_span)
    extra = distance - _const(p, flips * twice_span)
    mirrored = twice_span - extra
    folded = autograd.where(extra._data > mirrored._data, mirrored, extra)
    return folded + low if not align else folded


def _reflect_scalar(p, size, align):
    """The same mirror as the 3-D kernel computes it (GridSampler.h): the remainder
    fmod(|p - low|, span), flipped when floor(|p - low| / span), as a C int, is odd."""
    xp = namespace(p._data)
    dtype = np.dtype(p.dtype).type
    if align and size <= 1:
        return autograd.where(xp.zeros(p.shape, dtype=bool), p, _const(p, 0))
    low, span = (dtype(0), dtype(size - 1)) if align else (dtype(-0.5), dtype(size))
    shifted = p - low
    distance = autograd.where(shifted._data < 0, -shifted, shifted)
    d = distance._data
    remainder = xp.fmod(d, span)
    extra = distance - _const(p, d - remainder)  # remainder, with distance's gradient
    exact = extra._data == remainder
    if not bool(exact.all()):  # |p| past 2**53: the remainder itself, no gradient
        extra = autograd.where(exact, extra, _const(p, remainder))
    flips = xp.floor(d / span)
    odd = (xp.abs(flips) < 2**31) & (xp.fmod(flips, 2) != 0)  # else C's INT_MIN: even
    return autograd.where(odd, (span - extra) + low, extra + low)


def _pad(p, size, padding_mode, align, scalar=False):
    if padding_mode == "border":
        return _clip(p, size, scalar)
    if padding_mode == "reflection":
        mirror = _reflect_scalar if scalar else _reflect
        return _clip(mirror(p, size, align), size, scalar)
    return p


def _source(g, size, padding_mode, align, scalar):
    """The pixel position (a Tensor) a grid coordinate reads, padding applied."""
    p = _pad(_unnormalize(g, size, align, scalar), size, padding_mode, align, scalar)
    if scalar:  # PyTorch's 3-D kernel sends positions no int can hold to -100 (outside)
        d = p._data
        fits = namespace(d).isfinite(d) & (d <= _INT_MAX - 1) & (d >= -_INT_MAX - 1)
        if not bool(fits.all()):
            p = autograd.where(fits, p, _const(p, -100))
    return p


class _Image:
    """The input padded with zeros (2 before, 3 after each spatial axis) and flattened,
    so that one flat index per point reads any corner: a position outside the image is
    clamped into the padding, where it reads 0 (PyTorch's masked read), NaN included."""

    def __init__(self, x):
        n, c, *spatial = x.shape
        k = len(spatial)
        padded = pad(x, (_BEFORE, _AFTER) * k)
        self.flat = padded.reshape(-1)
        self.xp = namespace(x._data)
        self.sizes = spatial[::-1]  # along coordinate j: x, y[, z]
        padded_sizes = padded.shape[2:][::-1]
        self.strides = [math.prod(padded_sizes[:j]) for j in range(k)]
        self.starts = (self.xp.arange(n * c) * math.prod(padded_sizes)).reshape(n, c, 1)

    def slot(self, values, j):
        """Integer positions (float data, any values) along coordinate j -> flat offsets
        (N, points) into the padded image."""
        xp = self.xp
        values = xp.where(values >= -2, values, -2)  # NaN too: outside
        values = xp.minimum(values, self.sizes[j] + 1)
        offsets = (values + _BEFORE).astype(np.int64) * self.strides[j]
        return offsets.reshape(values.shape[0], math.prod(values.shape[1:]))

    def read(self, offset):
        """The padded image at flat offsets (..., N, points), every channel:
        (..., N, C, points). One table op whose gradient adds back into the image, with
        a 1-D index (numpy's add.at is several times faster on one)."""
        index = self.starts + offset[..., None, :]
        return self.flat[index.reshape(-1)].reshape(index.shape)


def _points(weight):
    """A per-point weight (N, *out) as (N, 1, points), to scale every channel."""
    return weight.reshape(weight.shape[0], 1, math.prod(weight.shape[1:]))


def _nearest(image, positions):
    xp = image.xp
    offset = sum(image.slot(xp.rint(p._data), j) for j, p in enumerate(positions))
    out = image.read(offset)
    if any(p.requires_grad for p in positions):  # PyTorch's grid gradient: zeros
        for p in positions:  # (tied to the grid, so a second derivative is zeros too)
            zero = autograd.where(xp.zeros(p.shape, dtype=bool), p, _const(p, 0), piecewise=True)
            out = out + _points(zero)
    return out


def _linear(image, positions):
    """Bilinear (2-D, PyTorch's vectorised kernel) or trilinear (3-D, its scalar one):
    all 2**k corners read at once, in PyTorch's order (x fastest), weighted by the
    products of their axes' weights (multiplied in PyTorch's order: x, y, then z) and
    summed in that order."""
    xp, k = image.xp, len(positions)
    origin, weights = 0, None
    for j, p in enumerate(positions):
        low = xp.floor(p._data)
        origin = origin + image.slot(low, j)
        if k == 2:  # w = x - x_w, e = 1 - w
            frac = p - _const(p, low)
            pair = autograd.stack([1 - frac, frac])
        else:  # (x_w + 1) - x, x - x_w
            pair = autograd.stack([_const(p, low + 1) - p, p - _const(p, low)])
        pair = pair.reshape((2,) + (1,) * j + (p.shape[0], 1, math.prod(p.shape[1:])))
        weights = pair if weights is None else pair * weights
    shifts = [0]
    for stride in image.strides:
        shifts = [s + step * stride for step in (0, 1) for s in shifts]
    shifts = xp.asarray(shifts).reshape((2,) * k + (1, 1))
    values = image.read(origin + shifts)  # (2,) * k + (N, C, points)
    return (values * weights).reshape(2**k, *values.shape[k:]).sum(0)


def _cubic_coefficients(t):
    """PyTorch's cubic convolution weights of the taps at -1, 0, 1, 2 for fraction t."""
    a = _CUBIC_A

    def outer(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    def inner(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    return [outer(t + 1), inner(t), inner(1 - t), outer(2 - t)]


def _bicubic(image, coords, sizes, padding_mode, align):
    """16 taps around floor(p), each padded on its own (no gradient through the padding),
    weighted by the cubic coefficients of the fractions: along x first, then y."""
    xp = image.xp
    taps, coefficients = [], []
    for j, (g, size) in enumerate(zip(coords, sizes)):
        p = _unnormalize(g, size, align, scalar=False)
        low = xp.floor(p._data)
        coefficients.append(_cubic_coefficients(p - _const(p, low)))
        taps.append([_tap(image, g, low + step, j, padding_mode, align) for step in (-1, 0, 1, 2)])
    (cx, cy), (tx, ty) = coefficients, taps
    offsets = xp.stack([xp.stack([x + y for x in tx]) for y in ty])  # (y tap, x tap, ...)
    values = image.read(offsets)  # (4, 4, N, C, points)
    rows = (values * autograd.stack([_points(c) for c in cx])).sum(1)  # along x first
    return (rows * autograd.stack([_points(c) for c in cy])).sum(0)


def _tap(image, like, position, j, padding_mode, align):
    """One bicubic tap's flat offsets, its integer position padded as PyTorch does."""
    size = image.sizes[j]
    padded = _pad(_const(like, position), size, padding_mode, align)
    return image.slot(image.xp.trunc(padded._data), j)
