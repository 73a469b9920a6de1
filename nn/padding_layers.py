"""PyTorch's padding modules: `nn.ZeroPad1d/2d`, `ConstantPad1d/2d`, `ReflectionPad1d/2d`,
`ReplicationPad1d/2d` and `CircularPad1d/2d`, each an `F.pad` with its mode.

They exist so that PyTorch models that build padding as a layer (pix2pix and CycleGAN's
`ReflectionPad2d(3)` before a 7x7 convolution, ZeroPad2d in Keras ports) run renamed.
As in PyTorch, `padding` is an int (the same on every side) or a tuple, kept as the
tuple `padding` attribute: (left, right) for the 1-D modules and (left, right, top,
bottom) for the 2-D ones, in F.pad's order (last axis first); a negative amount crops.
Batched and unbatched inputs both work, with PyTorch's limits on the number of axes for
the modes other than "constant". No parameters, so gradients are F.pad's.
"""

from . import functional as F
from .functional import _node
from .module import Module


def _amounts(padding, count, who):
    """PyTorch's `_ntuple`: an int repeated `count` times, or the given sequence as a
    tuple; each amount must be an int."""
    amounts = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * count
    if any(isinstance(p, bool) or not isinstance(p, int) for p in amounts):
        raise TypeError(f"{who}: padding must be an int or a tuple of ints, got {padding!r}")
    return amounts


class _Pad(Module):
    """F.pad(input, self.padding, self._mode) of an input with a right number of axes."""

    _mode = "constant"
    _sides = 2  # how many amounts an int padding gives: 2 (1-D) or 4 (2-D)

    def __init__(self, padding):
        self.padding = _amounts(padding, self._sides, type(self).__name__)

    def forward(self, input):
        x = _node(input)
        self._check_input_dim(x)
        return F.pad(x, self.padding, self._mode)

    def _check_input_dim(self, x):
        """As F.pad in PyTorch: a mode other than "constant" pads k axes of an input with
        k + 1 axes (unbatched) or k + 2 (batched)."""
        padded = len(self.padding) // 2
        if x.ndim not in (padded + 1, padded + 2):
            raise NotImplementedError(
                f"{type(self).__name__}: {self._mode} padding of {padded} axes takes a "
                f"{padded + 1}-D (unbatched) or {padded + 2}-D (batched) input, got shape "
                f"{tuple(x.shape)}"
            )

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    """Pads with the constant `value`; any number of axes before the padded ones."""

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pads the last axis with `value`: padding an int or (left, right)."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(_ConstantPad):
    """Pads the last two axes with `value`: padding an int or (left, right, top, bottom)."""

    _sides = 4

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad1d(ConstantPad1d):
    """Pads the last axis with zeros: padding an int or (left, right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two axes with zeros: padding an int or (left, right, top, bottom)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Pads (N, C, W) or (C, W) by mirroring without the edge; each amount must be less
    than W."""

    _mode = "reflect"


class ReflectionPad2d(_Pad):
    """Pads (N, C, H, W) or (C, H, W) by mirroring without the edge (pix2pix's and
    CycleGAN's padding); each amount must be less than its axis."""

    _mode = "reflect"
    _sides = 4


class ReplicationPad1d(_Pad):
    """Pads (N, C, W) or (C, W) by repeating the edge values."""

    _mode = "replicate"


class ReplicationPad2d(_Pad):
    """Pads (N, C, H, W) or (C, H, W) by repeating the edge rows and columns."""

    _mode = "replicate"
    _sides = 4


class _CircularPad(_Pad):
    """Circular padding, as PyTorch's: its own number of axes is checked first (a
    negative amount crops before the wrapping, in F.pad)."""

    _mode = "circular"

    def forward(self, input):
        x = _node(input)
        self._check_input_dim(x)
        return F.pad(x, self.padding, "circular")

    def _check_input_dim(self, x):
        spatial = self._sides // 2
        if x.ndim not in (spatial + 1, spatial + 2):
            raise ValueError(
                f"{type(self).__name__}: expected {spatial + 1}D or {spatial + 2}D input "
                f"(got {x.ndim}D input)"
            )
        super()._check_input_dim(x)


class CircularPad1d(_CircularPad):
    """Pads (N, C, W) or (C, W) by wrapping around: the end pads the start and the start
    the end (each amount at most W)."""


class CircularPad2d(_CircularPad):
    """Pads (N, C, H, W) or (C, H, W) by wrapping around on both axes (a torus)."""

    _sides = 4


__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ZeroPad1d",
    "ZeroPad2d",
]
