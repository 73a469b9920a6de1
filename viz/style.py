"""How nodes look: colour by gradient magnitude, short summaries of arrays.

Colour encodes |grad| on a log scale, so a vanishing gradient (1e-7) and a healthy one
(1e-1) differ at a glance: grey for ~0, pale yellow for small, dark red for large.
Text escaping for drawings lives in `viz.escape` (one helper for every user string).
"""

import math
from typing import Any

import numpy as np

from ..autograd.backend import Array, is_device_array
from ..autograd.devices import on_host

VANISHING = 1e-6
PALETTE = ["#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#d94801", "#a63603"]
LOG_LOW, LOG_HIGH = -3.0, 2.0  # |grad| from 1e-3 to 100 spans the palette
NO_GRAD = "#f2f2f2"
ZERO_GRAD = "#d9d9d9"


def grad_magnitude(grad):
    """A representative |grad|: the absolute value, or an array's RMS."""
    if grad is None:
        return None
    if isinstance(grad, (float, int)):
        return abs(float(grad))
    array = numbers(grad, np.float64)
    return float(np.sqrt(np.mean(array * array))) if array.size else 0.0


def grad_color(grad):
    """A node's fill for its gradient: log-scaled magnitude, grey for none, red for NaN/inf."""
    magnitude = grad_magnitude(grad)
    if magnitude is None:
        return NO_GRAD
    if not math.isfinite(magnitude):
        return "#e31a1c"
    if magnitude < VANISHING:
        return ZERO_GRAD
    position = (math.log10(magnitude) - LOG_LOW) / (LOG_HIGH - LOG_LOW)
    index = min(len(PALETTE) - 1, max(0, int(position * len(PALETTE))))
    return PALETTE[index]


def font_color(fill):
    """White text on the two darkest fills, black elsewhere, so labels stay readable."""
    return "white" if fill in PALETTE[-2:] or fill == "#e31a1c" else "black"


def fmt(x):
    """A number in four significant digits, short enough for a graph node."""
    return f"{x:.4g}"


def numbers(x: Any, dtype: Any = None) -> Array:
    """x's numbers as a numpy array on the host: a Tensor's or a Value's, an array's (a
    GPU array's copied back). Never an array's own `.data`: numpy's is a buffer, CuPy's
    a pointer to GPU memory."""
    if not isinstance(x, (np.ndarray, float, int)) and not is_device_array(x):
        x = getattr(x, "data", x)
    if is_device_array(x):
        x = on_host(x)
    return np.asarray(x, dtype=dtype)


def summarize(array):
    """One line for an array: its only value, or mean and range."""
    array = numbers(array)
    if array.size == 0:
        return "empty"
    if array.size == 1:
        return fmt(float(array.reshape(-1)[0]))
    a = array.astype(np.float64, copy=False)
    return f"μ {fmt(a.mean())} [{fmt(a.min())}, {fmt(a.max())}]"


def summarize_grad(grad):
    """One line for a gradient (float, array or node): its value, or mean and range."""
    if grad is None:
        return "—"
    if isinstance(grad, float):
        return fmt(grad)
    array = numbers(grad, np.float64)
    if array.size == 1:
        return fmt(float(array.reshape(-1)[0]))
    return f"‖g‖ {fmt(float(np.linalg.norm(array)))} μ {fmt(array.mean())}"
