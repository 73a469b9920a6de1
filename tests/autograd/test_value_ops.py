"""Every scalar op in the table, checked against its central-difference twin."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad.autograd import OPS, Value, grad
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


@pytest.mark.parametrize("op", [op for op in FIXED_ARITY if op.smooth and op.arity == 1],
                         ids=lambda op: op.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_second_derivative_of_each_smooth_unary_op(op, data):
    x0 = data.draw(op_operands(op))
    x = Value(x0)

    def first_derivative(v):
        return grad(apply_scalar(op, v), [v], create_graph=True)[0]

    d1 = first_derivative(x)
    h = 1e-5
    numeric = (first_derivative(Value(x0 + h)).data - first_derivative(Value(x0 - h)).data) / (2 * h)
    if not d1.requires_grad:     # a linear op: its derivative is a constant
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
    assert_gradients_match(lambda *v: autograd.dot(v[:len(ws)], v[len(ws):-1], v[-1]).tanh(),
                           weights + inputs + [bias])
    assert_gradients_match(lambda *v: autograd.sum(v).tanh(), weights)


def test_micrograd_readme_example():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


def test_node_used_twice_gets_both_paths():
    x = Value(3.0)
    y = x * x + x        # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_second_backward_accumulates_leaves_and_resets_intermediates():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert (x.grad, h.grad) == (36.0, 12.0)
    y.backward()
    assert x.grad == 72.0          # leaves accumulate, like PyTorch
    assert h.grad == 12.0          # intermediates are recomputed, not tripled


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
        assert ref() is None   # freed by reference counting alone
    finally:
        gc.enable()


def test_non_number_is_a_type_error_naming_the_type():
    with pytest.raises(TypeError, match="str"):
        Value("3")


@pytest.mark.parametrize("expr, error, words", [
    (lambda: Value(0.0).log(), ValueError, "log of a non-positive"),
    (lambda: Value(-1.0).sqrt(), ValueError, "sqrt of a negative"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero"),
    (lambda: Value(1000.0).exp(), OverflowError, "overflows"),
])
def test_math_errors_are_clear(expr, error, words):
    with pytest.raises(error, match=words):
        expr()


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
    dx, = grad(f, [x], create_graph=True)
    dxx, dxy = grad(dx, [x, y])
    t = math.tanh(0.5)
    assert float(dxx) == pytest.approx(2 * -1.5 - 2 * t * (1 - t * t))
    assert float(dxy) == pytest.approx(2 * 0.5)
