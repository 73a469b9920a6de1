"""Public testing kit: hypothesis strategies and derivative checks for Value and Tensor.

Our own test suite uses exactly these helpers, and so can yours:

    from hypothesis import given
    from autograd.testing import arrays, assert_gradients_match
    @given(arrays(shape=(3,)))
    def test_my_op(x):
        assert_gradients_match(lambda t: my_op(t).sum(), [x])
"""
import math

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as err:  # pragma: no cover - hypothesis is a test dependency
    raise ImportError("autograd.testing needs hypothesis: pip install hypothesis") from err

from .numerical import gradcheck
from .tensor import Tensor
from .value import Value

KINK_MARGIN = 1e-3   # stay this far from a kink so central differences do not straddle it


def _away_from(kinks, margin=KINK_MARGIN):
    return lambda x: all(abs(x - k) > margin for k in kinks)


def floats_for(domain="real", low=-3.0, high=3.0, kinks=()):
    """Floats in a range where an op with this `domain` is defined and smooth."""
    if domain == "positive":
        low = max(low, 0.1)
    strategy = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if domain == "nonzero":
        kinks = tuple(kinks) + (0.0,)
    if kinks:
        strategy = strategy.filter(_away_from(kinks))
    return strategy


def values(domain="real", low=-3.0, high=3.0, kinks=()):
    """`Value` leaves with data from `floats_for(...)`."""
    return floats_for(domain, low, high, kinks).map(Value)


def arrays(shape=None, dtype=np.float64, domain="real", low=-3.0, high=3.0, kinks=(),
           requires_grad=True):
    """`Tensor` leaves of `shape` (or a small random shape) with elements away from kinks."""
    shapes = st.just(tuple(shape)) if shape is not None else \
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
    elements = floats_for(domain, low, high, kinks)
    return shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements)).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """Tuples of shapes that broadcast together (sizes match or are 1, ranks differ)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda bs: bs.input_shapes)


def op_operands(op, shapes=None):
    """Valid operands for a Value-or-Tensor op from its table entry (domain, kinks)."""
    lo, hi = (0.1, 3.0) if op.domain == "positive" else (-3.0, 3.0)
    return floats_for(op.domain, lo, hi, op.kinks)


def assert_gradients_match(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """gradcheck that raises an AssertionError with a readable report on mismatch."""
    return gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=True)


def is_finite(x):
    return math.isfinite(x) if isinstance(x, float) else bool(np.all(np.isfinite(x)))
