"""`Value`, the scalar engine: every scalar op against central differences (first and second
order), micrograd's README example, graph bookkeeping, and the hot path (float VJPs that
agree with the general VJP, built-in `sum`, fused `dot`, numpy scalars kept out)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad.autograd import OPS, Value, dot, grad, value_sum
from scratchgrad.autograd.op_examples import scalar_example
from scratchgrad.autograd.testing import assert_gradients_match, op_operands

SCALAR_OPS = [op for op in OPS.values() if op.values]
FIXED_ARITY = [op for op in SCALAR_OPS if op.arity in (1, 2)]


def apply_scalar(op, *xs):
    if op.name == "pow_const":
        return Value._apply(op, xs, exponent=2.5)
    return Value._apply(op, xs)


@pytest.mark.parametrize("op", FIXED_ARITY, ids=lambda op: op.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_each_scalar_op_matches_central_difference(op, data):
    operands = [Value(data.draw(op_operands(op))) for _ in range(op.arity)]
    if op.name == "div":
        operands[1] = Value(data.draw(st.floats(0.2, 3.0)) * data.draw(st.sampled_from([-1, 1])))
    assert_gradients_match(lambda *xs: apply_scalar(op, *xs), operands)


@pytest.mark.parametrize(
    "op", [op for op in FIXED_ARITY if op.smooth and op.arity == 1], ids=lambda op: op.name
)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_second_derivative_of_each_smooth_unary_op(op, data):
    x0 = data.draw(op_operands(op))
    x = Value(x0)

    def first_derivative(v):
        return grad(apply_scalar(op, v), [v], create_graph=True)[0]

    d1 = first_derivative(x)
    h = 1e-5
    numeric = (first_derivative(Value(x0 + h)).data - first_derivative(Value(x0 - h)).data) / (
        2 * h
    )
    if not d1.requires_grad:  # a linear op: its derivative is a constant
        assert numeric == pytest.approx(0.0, abs=1e-6)
        return
    d2 = grad(d1, [x])[0]
    assert float(d2) == pytest.approx(numeric, rel=1e-4, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=6), st.floats(-2, 2))
def test_n_ary_sum_and_dot(ws, b):
    from scratchgrad import autograd

    weights = [Value(w) for w in ws]
    inputs = [Value(w * 0.5 + 0.1) for w in ws]
    bias = Value(b)
    assert_gradients_match(
        lambda *v: autograd.dot(v[: len(ws)], v[len(ws) : -1], v[-1]).tanh(),
        weights + inputs + [bias],
    )
    assert_gradients_match(lambda *v: autograd.sum(v).tanh(), weights)


def test_micrograd_readme_example():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


def test_node_used_twice_gets_both_paths():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_second_backward_accumulates_leaves_and_resets_intermediates():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert (x.grad, h.grad) == (36.0, 12.0)
    y.backward()
    assert x.grad == 72.0  # leaves accumulate, like PyTorch
    assert h.grad == 12.0  # intermediates are recomputed, not tripled


@pytest.mark.slow
def test_deep_chain_of_a_million_nodes_has_no_recursion_error():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 0.0
    y.backward()
    assert x.grad == 1.0


def test_graph_has_no_reference_cycles():
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        x = Value(1.5)
        y = (x * 2).tanh() + x.exp()
        ref = weakref.ref(y._parents[0])
        y.backward()
        del y
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    from scratchgrad.autograd import no_grad

    x = Value(1.0)
    with no_grad():
        y = x * 2
    assert y._fn is None and not y.requires_grad


def test_second_derivative_of_product_and_tanh():
    x = Value(0.5)
    y = Value(-1.5)
    f = x * x * y + x.tanh()
    (dx,) = grad(f, [x], create_graph=True)
    dxx, dxy = grad(dx, [x, y])
    t = math.tanh(0.5)
    assert float(dxx) == pytest.approx(2 * -1.5 - 2 * t * (1 - t * t))
    assert float(dxy) == pytest.approx(2 * 0.5)


# --- the hot path: float VJPs, built-in sum, fused dot ------------------------------------

SCALAR_OP_NAMES = sorted(name for name, op in OPS.items() if op.values)


@pytest.mark.parametrize("name", SCALAR_OP_NAMES)
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
    assert (0 + xs[0]) is xs[0]  # no node for Python's sum() start value
    total = sum(xs)
    total.backward()
    assert total.data == 10.0 and [x.grad for x in xs] == [1.0] * 4
    assert (0.5 + xs[0]).data == 1.5


def test_long_chain_of_adds_and_node_used_twice():
    a = Value(1.5)
    y = a
    for _ in range(3000):
        y = y + a * 0.001
    y = y * y  # shared sub-expression
    y.backward()
    inner = 1.5 * (1 + 3000 * 0.001)
    assert math.isclose(y.data, inner**2)
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
        chained = chained + w * x  # micrograd's order: b + w0 x0 + w1 x1 ...
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

    square = Op(
        "square_for_test",
        lambda x: x * x,  # forward first,
        vjp=lambda node, g, xs, out: (2 * g * xs[0],),  # then its derivative
        jvp=lambda node, ts, xs, out: 2 * ts[0] * xs[0],
        values=True,
    )
    v = Value(3.0)
    square(v).backward()
    assert v.grad == 6.0
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    square(t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    assert square(2.0) == 4.0  # on raw numbers an op just computes
