"""A learner's own op written micrograd's way (`out = Value(data, (x,), 'op')` and a
`_backward` closure): it joins the graph beside the table's ops, gives micrograd's
numbers, and says clearly what it cannot do (create_graph, forward mode)."""

import math

import numpy as np
import pytest

from scratchgrad import autograd
from scratchgrad.autograd import Value


def sigmoid(v, value=Value):
    s = 1 / (1 + math.exp(-v.data))
    out = value(s, (v,), "sigmoid")

    def _backward():
        v.grad += s * (1 - s) * out.grad

    out._backward = _backward
    return out


def square(v, value=Value):
    out = value(v.data**2, (v, v), "sq")  # the same input twice, as micrograd allows

    def _backward():
        v.grad += 2 * v.data * out.grad

    out._backward = _backward
    return out


def f(a, b, value=Value):
    return sigmoid(a * b, value) + square(a + b, value) * a


def f_floats(a, b):
    return 1 / (1 + math.exp(-a * b)) + (a + b) ** 2 * a


def central(fn, a, b, eps=1e-6):
    return (
        (fn(a + eps, b) - fn(a - eps, b)) / (2 * eps),
        (fn(a, b + eps) - fn(a, b - eps)) / (2 * eps),
    )


@pytest.mark.parametrize("a0, b0", [(0.3, -1.2), (-2.0, 0.5), (1.5, 1.5)])
def test_closure_ops_join_the_graph_and_give_central_differences(a0, b0):
    a, b = Value(a0), Value(b0)
    y = f(a, b)
    y.backward()
    assert y.data == pytest.approx(f_floats(a0, b0), rel=1e-12)
    da, db = central(f_floats, a0, b0)
    assert a.grad == pytest.approx(da, rel=1e-6, abs=1e-9)
    assert b.grad == pytest.approx(db, rel=1e-6, abs=1e-9)
    assert y._op == "+" and sorted(p._op for p in y._prev) == ["*", "sigmoid"]


def test_the_same_numbers_as_micrograd():
    micrograd = pytest.importorskip("micrograd.engine")
    ours, theirs = (Value(0.7), Value(-0.4)), (micrograd.Value(0.7), micrograd.Value(-0.4))
    y_ours, y_theirs = f(*ours), f(*theirs, value=micrograd.Value)
    y_ours.backward()
    y_theirs.backward()
    assert y_ours.data == y_theirs.data
    assert [v.grad for v in ours] == pytest.approx([v.grad for v in theirs], rel=1e-15)


def test_the_walk_with_anomaly_checks_and_autograd_grad_agree_with_the_plain_walk():
    """Those walks want one gradient per input: the closure runs on zeroed grads and
    its additions are read back (an input used twice counted once)."""
    a, b = Value(0.3), Value(-1.2)
    f(a, b).backward()
    plain = (a.grad, b.grad)
    a2, b2 = Value(0.3), Value(-1.2)
    with autograd.detect_anomaly():
        f(a2, b2).backward()
    assert (a2.grad, b2.grad) == pytest.approx(plain, rel=1e-15)
    a3, b3 = Value(0.3), Value(-1.2)
    a3.grad = 5.0  # autograd.grad leaves .grad alone
    grads = autograd.grad(f(a3, b3), [a3, b3])
    assert [float(g) for g in grads] == pytest.approx(plain, rel=1e-15)
    assert (a3.grad, b3.grad) == (5.0, 0.0)


def test_the_lectures_hand_walk_calls_each_nodes_backward():
    """Karpathy's lecture sets o.grad = 1 and calls _backward node by node."""
    x1, x2, w1, w2, bias = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.88)
    x1w1, x2w2 = x1 * w1, x2 * w2
    s = x1w1 + x2w2
    n = s + bias
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, s, x2w2, x1w1, x1, bias):  # leaves' _backward does nothing
        node._backward()
    by_hand = [v.grad for v in (x1, x2, w1, w2, bias)]
    for v in (x1, x2, w1, w2, bias):
        v.grad = 0.0
    o.backward()
    assert by_hand == pytest.approx([v.grad for v in (x1, x2, w1, w2, bias)], rel=1e-15)
    assert by_hand[2] == pytest.approx(2.0 * (1 - math.tanh(0.88) ** 2))


def test_what_a_closure_op_cannot_do_is_said():
    a = Value(0.5)
    with pytest.raises(RuntimeError, match="'sigmoid' was made micrograd's way.*create_graph"):
        autograd.grad(sigmoid(a) * a, a, create_graph=True)
    with pytest.raises(NotImplementedError, match="'sigmoid'.*forward mode"):
        autograd.jvp(lambda x: sigmoid(x), (Value(0.5),), (Value(1.0),))
    with pytest.raises(AttributeError, match="made by '\\*'.*Value\\(data, \\(inputs"):
        (a * a)._backward = lambda: None
    with pytest.raises(AttributeError, match="made without inputs"):
        Value(1.0)._backward = lambda: None
    with pytest.raises(TypeError, match="inputs must be Values, got float 2.0"):
        Value(3.0, (a, 2.0), "+")
    with pytest.raises(TypeError, match="function of no arguments"):
        Value(1.0, (a,), "op")._backward = 3


def test_without_tracking_a_closure_node_is_a_leaf_that_still_takes_its_closure():
    a = Value(0.5)
    with autograd.no_grad():
        out = sigmoid(a)
    assert out._fn is None and out._prev == set() and out._op == "sigmoid"
    assert not out.requires_grad
    called = []
    out._backward = lambda: called.append(1)
    out._backward()
    assert called == [1]


def test_micrograds_argument_order():
    a = Value(1.0)
    v = Value(2.0, (a,), "op", "v")
    assert v.label == "v" and v._prev == {a} and v._op == "op" and v.requires_grad
    assert Value(3.0, label="c", requires_grad=False).label == "c"
    assert repr(Value(1 / 3)) == "Value(data=0.3333333333333333, grad=0)"
    with pytest.raises(TypeError, match="label by name: Value\\(2.0, label='a'\\)"):
        Value(2.0, "a")


def test_a_closure_node_requires_grad_as_a_table_node_would():
    with autograd.no_grad():
        assert not sigmoid(Value(0.5)).requires_grad
    constant_input = sigmoid(Value(0.5, requires_grad=False))
    assert not constant_input.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        constant_input.backward()


def scale_by(v, c):
    out = Value(v.data * c.data, (v, c), "scale")

    def _backward():
        v.grad += c.data * out.grad
        c.grad += v.data * out.grad  # micrograd's closures write every input

    out._backward = _backward
    return out


def test_constants_keep_their_grad_on_both_walks():
    for anomaly in (False, True):
        a, c = Value(2.0), Value(5.0, requires_grad=False)
        if anomaly:
            with autograd.detect_anomaly():
                scale_by(a, c).backward()
        else:
            scale_by(a, c).backward()
        assert (a.grad, c.grad) == (5.0, 0.0)


def test_anomaly_mode_checks_a_closure_op_and_names_it():
    def broken_log(v):
        out = Value(-math.inf if v.data == 0 else math.log(v.data), (v,), "mylog")
        out._backward = lambda: None
        return out

    with autograd.detect_anomaly():
        with pytest.raises(autograd.AnomalyError, match="forward of 'mylog \\(own _backward\\)'"):
            broken_log(Value(0.0))


def test_drawings_show_the_learners_op_name():
    from scratchgrad import viz

    a = Value(0.3)
    dot = viz.draw_graph(sigmoid(a) * 2).source
    assert "sigmoid" in dot and "micrograd_closure" not in dot


def test_repr_of_numpy_floats_is_micrograds():
    v = Value(0.5)
    v.data = np.float64(0.25)  # after `p.data += -lr * p.grad` with a numpy grad
    v.grad = np.float64(1.5)
    assert repr(v) == "Value(data=0.25, grad=1.5)"
