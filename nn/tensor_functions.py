"""`F.pad`, `F.normalize`, `F.cosine_similarity` and `F.pairwise_distance`: PyTorch's
tensor helpers, composed of table ops (so their gradients are the ops').

`pad` takes PyTorch's order: pairs (before, after) from the LAST axis backwards, so
`pad(x, (1, 1, 2, 0))` pads the last axis by 1 on each side and the one before it by 2
at the start. A negative amount crops. Modes: "constant" (joins constant blocks),
"reflect" (mirror without the edge), "replicate" (repeat the edge) and "circular" (wrap
around); the last three gather positions, whose gradient adds up where a position is
used twice.
"""

import numpy as np

from .. import autograd
from ..autograd import Tensor
from ..autograd.backend import namespace
from ..autograd.errors import ArgumentError
from .functional import _node

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """`input` padded as `pad` says (see the module's notes)."""
    x = _node(input)
    if not isinstance(x, Tensor):
        raise TypeError(f"pad takes a Tensor, got {type(x).__name__}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ArgumentError(
            f"pad: {pad} must hold pairs (before, after), at most one per axis of a "
            f"{x.ndim}-D input"
        )
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: value= is for mode='constant', not {mode!r}")
    for i in range(len(pad) // 2):
        axis = x.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        if mode == "constant":
            x = _constant_pad(x, axis, before, after, 0.0 if value is None else value)
        else:
            x = _gather_pad(x, axis, before, after, mode)
    return x


def _constant_pad(x, axis, before, after, value):
    n = x.shape[axis]
    start, stop = max(-before, 0), n - max(-after, 0)
    if start or stop != n:  # a negative amount crops
        x = x[(slice(None),) * axis + (slice(start, max(stop, start)),)]
    parts = []
    for amount in (max(before, 0), max(after, 0)):
        shape = x.shape[:axis] + (amount,) + x.shape[axis + 1 :]
        fill = namespace(x._data).full(shape, value, dtype=x.dtype) if amount else None
        parts.append(x._constant_like(fill) if amount else None)  # on x's device
    middle = [p for p in (parts[0], x, parts[1]) if p is not None]
    return autograd.concatenate(middle, axis) if len(middle) > 1 else x


def _gather_pad(x, axis, before, after, mode):
    n = x.shape[axis]
    if mode == "reflect" and (before >= n or after >= n):
        raise ArgumentError(
            f"pad: reflect padding of {max(before, after)} needs an axis longer than that; "
            f"axis {axis} has {n}"
        )
    positions = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        positions = np.abs(positions) % period
        positions = np.where(positions >= n, period - positions, positions)
    elif mode == "replicate":
        positions = np.clip(positions, 0, n - 1)
    else:  # a negative side crops first; the wrap-around is of what is kept (PyTorch's)
        first, kept = max(-before, 0), n - max(-before, 0) - max(-after, 0)
        if before > kept or after > kept:
            raise ValueError(f"pad: circular padding cannot exceed the axis length {kept}")
        positions = first + np.arange(-max(before, 0), kept + max(after, 0)) % max(kept, 1)
    return x[(slice(None),) * axis + (namespace(x._data).asarray(positions),)]


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps): unit vectors along `dim`."""
    if out is not None:
        raise TypeError("normalize(out=...) is not supported; use the returned tensor")
    x = _node(input)
    return x / x.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along `dim` (broadcast), each norm
    kept at least eps (PyTorch's)."""
    a, b = _node(x1), _node(x2)
    a_unit = a / a.norm(2, dim, keepdim=True).clamp(min=eps)
    b_unit = b / b.norm(2, dim, keepdim=True).clamp(min=eps)
    return (a_unit * b_unit).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last axis (PyTorch adds eps to the difference)."""
    a = _node(x1)
    return (a - x2 + eps).norm(p, -1, keepdim=keepdim)
