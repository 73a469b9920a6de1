"""`nn.Unfold` and `nn.Fold`: PyTorch's im2col and col2im as modules, over `F.unfold` and
`F.fold` (the `unfold` and `fold` table ops).

    Unfold(kernel_size, dilation=1, padding=0, stride=1)   # (N, C, H, W) -> (N, C*kh*kw, L)
    Fold(output_size, kernel_size, dilation=1, padding=0, stride=1)   # back, overlaps added

Arguments, attributes and printed forms are PyTorch's (each kept as given: an int or a
pair), and so is unbatched input: (C, H, W) unfolds to (C*kh*kw, L), and
(C*kh*kw, L) folds to (C, H, W). The table ops have no dilation, so a dilation d is
the ordinary kernel spread out, (k - 1) d + 1 wide: Unfold takes its columns and keeps
every d-th tap; Fold puts zero columns between the taps first. Both with slicing,
stacking and reshaping, so gradients stay the ops' (to any order).
"""

from ..autograd import Tensor, stack
from ..autograd.backend import namespace
from ..autograd.errors import ShapeError
from . import convolution as C
from .functional import _node
from .module import Module


def _spread_geometry(kernel_size, dilation, who):
    """(kernel, dilation, spread kernel) as pairs; dilation at least 1."""
    kernel, dilation = C.pair(kernel_size, "kernel_size"), C.pair(dilation, "dilation")
    if min(dilation) < 1:
        raise ValueError(f"{who}: dilation must be >= 1, got {dilation}")
    return kernel, dilation, tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))


def _zeros_between(t, dilation):
    """t with d - 1 zeros between neighbouring entries of axes 2 and 3 (the taps)."""
    for axis, d in ((2, dilation[0]), (3, dilation[1])):
        if d == 1:
            continue
        k = t.shape[axis]
        zeros = t._constant_like(namespace(t._data).zeros(t.shape, dtype=t.dtype))
        spread = stack([t] + [zeros] * (d - 1), axis=axis + 1)  # (..., k, d, ...)
        shape = t.shape[:axis] + (k * d,) + t.shape[axis + 1 :]
        t = spread.reshape(shape)[(slice(None),) * axis + (slice(0, (k - 1) * d + 1),)]
    return t


def unfold_dilated(x, kernel_size, dilation=1, padding=0, stride=1):
    """F.unfold of (N, C, H, W) with PyTorch's dilation: the spread kernel's columns,
    every dilation-th tap kept."""
    x = _node(x)
    kernel, dilation, spread = _spread_geometry(kernel_size, dilation, "Unfold")
    cols = C.unfold(x, spread, padding=padding, stride=stride)
    if dilation == (1, 1):
        return cols
    n, _, length = cols.shape
    taps = cols.reshape(n, x.shape[1], spread[0], spread[1], length)
    taps = taps[:, :, :: dilation[0], :: dilation[1]]
    return taps.reshape(n, x.shape[1] * kernel[0] * kernel[1], length)


def fold_dilated(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """F.fold of (N, C*kh*kw, L) with PyTorch's dilation: zero columns put between the
    taps, then folded with the spread kernel."""
    cols = _node(cols)
    kernel, dilation, spread = _spread_geometry(kernel_size, dilation, "Fold")
    if dilation != (1, 1):
        taps = kernel[0] * kernel[1]
        if cols.ndim != 3 or cols.shape[1] % taps:
            raise ShapeError(
                f"Fold: columns of shape {tuple(cols.shape)} are not (N, C*{taps}, L) for "
                f"a {kernel[0]}x{kernel[1]} kernel"
            )
        n, rows, length = cols.shape
        grid = cols.reshape(n, rows // taps, kernel[0], kernel[1], length)
        cols = _zeros_between(grid, dilation).reshape(n, -1, length)
    return C.fold(cols, output_size, spread, stride=stride, padding=padding)


class Unfold(Module):
    """im2col: (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), one column
    per window (rows over channels, then kernel rows and columns), L windows."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"Unfold expects a 4-D (N, C, H, W) or 3-D (C, H, W) input, got shape "
                f"{tuple(x.shape)}"
            )
        image = x if x.ndim == 4 else x.unsqueeze(0)
        cols = unfold_dilated(image, self.kernel_size, self.dilation, self.padding, self.stride)
        return cols if x.ndim == 4 else cols.squeeze(0)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Fold(Module):
    """col2im: (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W), H, W =
    output_size, the entries of overlapping windows added (Unfold's adjoint)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        cols = input if isinstance(input, Tensor) else Tensor(input)
        if cols.ndim not in (2, 3):
            raise ShapeError(
                f"Fold expects a 3-D (N, C*kh*kw, L) or 2-D (C*kh*kw, L) input, got shape "
                f"{tuple(cols.shape)}"
            )
        batch = cols if cols.ndim == 3 else cols.unsqueeze(0)
        out = fold_dilated(
            batch, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )
        return out if cols.ndim == 3 else out.squeeze(0)

    def extra_repr(self):
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


__all__ = ["Unfold", "Fold", "unfold_dilated", "fold_dilated"]
