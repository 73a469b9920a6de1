"""Broadcasting: binary ops on 0-d, size-1 and empty axes on either side, against PyTorch
(values and float64 gradients); Python and numpy operands on either side; gradients summed
back to each operand's shape (central differences)."""

import numpy as np
import pytest
from helpers import R, check
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

from scratchgrad.autograd import Tensor, maximum, minimum
from scratchgrad.autograd.testing import arrays, assert_gradients_match, broadcastable_shapes

torch = oracle("torch")


def _rng():
    return np.random.default_rng(0)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}

SHAPE_PAIRS = [
    ((), (3,)),
    ((3, 1), (1, 4)),
    ((1,), (2, 3)),
    ((2, 1, 3), (4, 1)),
    ((), ()),
    ((1, 1), (1,)),
    ((0, 3), (1, 3)),
    ((5, 1), (0,)),
]


@pytest.mark.oracle
@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_broadcasting_matches_torch(op, sa, sb):
    rng = _rng()
    check(BINARY[op], BINARY[op], rng.standard_normal(sa), rng.standard_normal(sb) + 3.0)


@pytest.mark.oracle
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_maximum_minimum_pow_broadcasting(sa, sb):
    rng = _rng()
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check(maximum, torch.maximum, a, b)
    check(minimum, torch.minimum, a, b)
    check(lambda x, y: abs(x) ** y, lambda x, y: x.abs() ** y, a, b)


@pytest.mark.oracle
def test_python_and_numpy_operands_on_either_side():
    check(lambda a: 2.0 - a, lambda a: 2.0 - a, R(2, 3))
    check(lambda a: 1.0 / a, lambda a: 1.0 / a, R(2, 3))
    check(
        lambda a: np.ones((4, 1, 3)) * a,
        lambda a: torch.ones(4, 1, 3, dtype=torch.float64) * a,
        R(2, 3),
    )
    out = np.ones(3) + Tensor([1.0, 2.0, 3.0])  # ndarray on the left -> Tensor
    assert isinstance(out, Tensor)


BROADCASTING = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b),
    "pow": lambda a, b: (a * a + 0.5) ** b,
}


@pytest.mark.parametrize("name", sorted(BROADCASTING))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_binary_ops_broadcast_and_sum_gradients_back(name, data):
    shape_a, shape_b = data.draw(broadcastable_shapes())
    a = data.draw(arrays(shape_a))
    b = data.draw(arrays(shape_b))
    if name in ("maximum", "minimum"):  # keep clear of ties, where the max has a kink
        gap = np.abs(
            np.broadcast_to(a.data, np.broadcast_shapes(shape_a, shape_b))
            - np.broadcast_to(b.data, np.broadcast_shapes(shape_a, shape_b))
        )
        if gap.size and gap.min() < 1e-3:
            return
    fn = BROADCASTING[name]
    out = fn(a, b)
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    assert_gradients_match(lambda x, y: (fn(x, y) * weights).sum(), [a, b])
    out.sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
