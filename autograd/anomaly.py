"""Anomaly mode: stop at the first op whose output or gradient is NaN or infinite.

    with autograd.detect_anomaly():
        loss = model(x).log().sum(); loss.backward()

Inside the block every new node remembers where it was created (a short traceback of
your code) and every forward value and backward gradient is checked. Outside it the
engine pays only one flag check per op.
"""

import math
import os
import traceback
import weakref
from typing import Any

import numpy as np

from .grad_mode import ThreadSwitch

_created_at: dict[int, tuple[weakref.ref[Any], str]] = {}  # id(node) -> (node's weakref, frames)


class AnomalyError(RuntimeError):
    """An op produced NaN or inf while anomaly mode was on."""


class detect_anomaly(ThreadSwitch):
    """Context manager (and decorator) that turns on anomaly checks in this thread."""

    _flag = "anomaly"
    _mode = True


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OWN = tuple(os.path.join(_ROOT, name) + os.sep for name in ("autograd", "nn", "viz"))


def _user_frames(limit=3):
    """The last frames outside scratchgrad's own packages, formatted."""
    frames = [
        f
        for f in traceback.extract_stack()[:-2]
        if not os.path.abspath(f.filename).startswith(_OWN)
    ]
    return "".join(traceback.format_list(frames[-limit:])).rstrip()


def _finite(value):
    if value is None:
        return True
    data = getattr(value, "_data", value)  # a Tensor's array; an array as it is (a CuPy
    if not hasattr(data, "dtype"):  # array's .data is its memory pointer): a Value's float
        data = getattr(data, "data", data)
    if isinstance(data, float):
        return math.isfinite(data)
    return bool(np.all(np.isfinite(data)))


def _shape(x):
    return tuple(getattr(x, "shape", ()) or ())


def check_forward(node):
    """Called by `_apply` in anomaly mode: remember the creation site, check the value."""
    where = _user_frames()
    key = id(node)  # not a WeakKeyDictionary: Tensor == is elementwise, keys must not compare
    _created_at[key] = (weakref.ref(node, lambda _, key=key: _created_at.pop(key, None)), where)
    if not _finite(node._data):
        inputs = ", ".join(str(_shape(p)) for p in node.parents)
        raise AnomalyError(
            f"forward of {node.op.name!r} (inputs of shape {inputs}) produced "
            f"NaN or inf in an output of shape {_shape(node)}. Created at:\n"
            f"{where}"
        )


def check_backward(node, grads):
    """Called by the reverse pass in anomaly mode for each node's input gradients."""
    for i, grad in enumerate(grads):
        if not _finite(grad):
            parent = node.parents[i]
            ref, where = _created_at.get(id(node), (None, None))
            if ref is None or ref() is not node:
                where = "(created before anomaly mode was turned on)"
            raise AnomalyError(
                f"backward of {node.op.name!r} produced NaN or inf in the gradient of its "
                f"input {i} (shape {_shape(parent)}); the output has shape {_shape(node)}. "
                f"The {node.op.name!r} node was created at:\n{where}"
            )
