"""Forward mode is drawn like backprop: every node's tangent beside its data."""

import math

import numpy as np

from scratchgrad import viz
from scratchgrad.autograd import Tensor, trace_jvp


def test_draw_jvp_shows_each_nodes_tangent():
    drawing = viz.draw_jvp(lambda x, y: (x * y + x.sin()).exp(), (0.5, 2.0), (1.0, 0.0))
    source = drawing.source
    expected = math.exp(1.0 + math.sin(0.5)) * (2.0 + math.cos(0.5))
    assert f"tangent {expected:.4g}" in source  # the output's derivative along x
    assert "tangent 0" in source and "tangent 1" in source  # y and x themselves
    assert "grad" not in source.replace("fill = |grad|", "")


def test_trace_jvp_gives_the_same_tangent_as_jvp():
    from scratchgrad.autograd import jvp

    x, v = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    out, tangents = trace_jvp(lambda t: (t * t).tanh(), (x,), (v,))
    _, expected = jvp(lambda t: (t * t).tanh(), (x,), (v,))
    np.testing.assert_allclose(tangents[out], expected.data)
    assert isinstance(out, Tensor)
