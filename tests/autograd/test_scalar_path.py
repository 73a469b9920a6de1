"""The Value hot path: float VJPs agree with the general VJP for every op; built-in
`sum`, `0 + v` and long chains stay correct; numpy scalars never leak into a graph."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad.autograd import OPS, Value, dot, value_sum
from scratchgrad.autograd.op_examples import scalar_example

SCALAR_OPS = sorted(name for name, op in OPS.items() if op.values)


@pytest.mark.parametrize("name", SCALAR_OPS)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_float_vjp_column_agrees_with_the_general_vjp(name, seed):
    op = OPS[name]
    f, xs = scalar_example(name, np.random.default_rng(seed))
    node = f(*xs)
    assert node._fn is op, f"the example for {name} must end in that op"
    g = 0.7
    general = op.vjp(node, g, tuple(p.data for p in node._parents), node.data)
    fast = op.scalar_vjp(node, g)
    for parent, a, b in zip(node._parents, general, fast):
        if parent.requires_grad:
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (name, a, b)
    before = [p.grad for p in node._parents]
    op.scalar_backprop(node, g)
    for parent, old, b in zip(node._parents, before, fast):
        if parent.requires_grad:
            assert math.isclose(parent.grad - old, b, rel_tol=1e-12, abs_tol=1e-12)


def test_builtin_sum_and_zero_plus_value():
    xs = [Value(float(i)) for i in range(1, 5)]
    assert (0 + xs[0]) is xs[0]           # no node for Python's sum() start value
    total = sum(xs)
    total.backward()
    assert total.data == 10.0 and [x.grad for x in xs] == [1.0] * 4
    assert (0.5 + xs[0]).data == 1.5


def test_long_chain_of_adds_and_node_used_twice():
    a = Value(1.5)
    y = a
    for _ in range(3000):
        y = y + a * 0.001
    y = y * y            # shared sub-expression
    y.backward()
    inner = 1.5 * (1 + 3000 * 0.001)
    assert math.isclose(y.data, inner ** 2)
    assert math.isclose(a.grad, 2 * inner * (1 + 3.0), rel_tol=1e-12)


def test_numpy_scalars_become_python_floats():
    a = Value(np.float64(2.0))
    b = a * np.float64(3.0) + np.int64(1)
    b.backward()
    assert type(a.data) is float and type(b.data) is float and type(a.grad) is float


def test_ndarray_times_value_is_an_error_not_an_object_array():
    with pytest.raises(TypeError, match="Value"):
        np.array([1.0, 2.0]) * Value(3.0)
    with pytest.raises(TypeError, match="Value"):
        Value(3.0) * np.array([1.0, 2.0])


def test_dot_and_value_sum_match_chained_ops_bit_for_bit():
    rng = np.random.default_rng(0)
    ws = [Value(v) for v in rng.uniform(-1, 1, 7).tolist()]
    xs = [Value(v) for v in rng.normal(size=7).tolist()]
    b = Value(0.3)
    chained = b
    for w, x in zip(ws, xs):
        chained = chained + w * x       # micrograd's order: b + w0 x0 + w1 x1 ...
    fused = dot(ws, xs, b)
    assert fused.data == chained.data
    fused.backward()
    assert [w.grad for w in ws] == [x.data for x in xs]
    assert value_sum(xs).data == sum(xs).data


def test_grad_mode_and_constants_on_the_fast_path():
    from scratchgrad.autograd import no_grad
    a = Value(2.0)
    c = Value(5.0, requires_grad=False)
    with no_grad():
        assert (a * c).requires_grad is False
    y = a * c
    y.backward()
    assert a.grad == 5.0 and c.grad == 0.0


def test_a_user_defined_op_is_applied_by_calling_it():
    from scratchgrad.autograd import Op, Tensor
    square = Op("square_for_test", lambda x: x * x,
                vjp=lambda node, g, xs, out: (2 * g * xs[0],),
                jvp=lambda node, ts, xs, out: 2 * ts[0] * xs[0], values=True)
    v = Value(3.0)
    square(v).backward()
    assert v.grad == 6.0
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    square(t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    assert square(2.0) == 4.0            # on raw numbers an op just computes
