"""The backward API: seeds, retain_graph, accumulation into leaves, retain_grad, `grad()` and
second order, freed graphs and intermediates, shared sub-expressions (against PyTorch and
closed forms), and a stateful property test of build / backward / zero_grad / no_grad."""

import gc
import weakref

import numpy as np
import pytest
from helpers import R, check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from oracles import oracle

from scratchgrad import autograd as ag
from scratchgrad.autograd import GraphFreedError, Tensor, Value, grad, no_grad
from scratchgrad.autograd.testing import floats_for

torch = oracle("torch")


def test_backward_needs_a_scalar_or_a_matching_gradient():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        y.backward(gradient=np.ones(3))
    y.backward(gradient=np.full((2, 2), 2.0))
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 6.0))


def test_backward_seeds():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="must match"):
        (x * 2).backward(np.ones(4))
    with pytest.raises(ValueError, match="must match"):
        (x * 2).backward(np.ones(()))
    (x * 2).backward([1, 1, 1])  # a list seed works
    np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0])
    w = Tensor([[2.0]], requires_grad=True)  # one element: implicit seed is ok
    (w * 2).backward()
    np.testing.assert_allclose(w.grad, [[2.0]])
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0, 12.0])
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        y.backward()


def test_backward_twice_without_retain_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(GraphFreedError, match="second time"):
        y.backward()


def test_second_backward_through_a_freed_graph_mentions_retain_graph():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad, 3 * 2 * np.e)  # three passes of d(x e^x) = 2e


def test_gradients_accumulate_across_graphs_and_intermediates_drop_theirs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])
    x = Tensor([1.0, 2.0], requires_grad=True)
    kept, dropped = (x * 2).retain_grad(), x * 2
    (kept * kept + dropped * dropped).sum().backward()
    np.testing.assert_allclose(kept.grad, [4.0, 8.0])
    assert dropped.grad is None


def test_retain_grad_keeps_an_intermediate_gradient():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)


def test_grad_leaves_dot_grad_alone_and_supports_grad_outputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    (g,) = grad([y], [x], grad_outputs=[np.array([1.0, 10.0])])
    np.testing.assert_allclose(g, [2.0, 40.0])
    assert x.grad is None


def test_grad_walks_only_between_outputs_and_inputs():
    """grad(loss, activation) neither walks nor frees the layers under the activation
    (PyTorch's rule; first-order MAML relies on it): a later backward from a second loss
    through those layers still works, and no .grad anywhere changes."""
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    x = Tensor(np.array([1.0, 3.0]))
    h = (w @ x).tanh()
    fast = h * 2.0
    (g,) = grad((fast**2).sum(), fast)
    np.testing.assert_allclose(g, 2 * fast.data)
    assert w.grad is None and h.grad is None
    assert type(g) is type(grad((w * w).sum(), w)[0])  # a leaf's kind of array, as .grad
    (fast * Tensor(g)).sum().backward()  # the tanh and the matmul were not freed
    expected = 2 * g * (1 - h.data**2)
    np.testing.assert_allclose(w.grad, np.outer(expected, x.data))


def test_grad_of_an_output_by_itself_and_by_an_unused_input():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    s = (x * 3).sum()
    np.testing.assert_allclose(grad(s, s)[0], 1.0)
    z = Tensor(np.array([1.0]), requires_grad=True)
    assert grad(s, [x, z], allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="not used to compute the outputs"):
        grad(s, z)
    with pytest.raises(RuntimeError, match="output does not require grad"):
        grad(Tensor(np.ones(2)).sum(), x)
    a = Value(2.0)
    b = a * a
    c = b * 3 + a
    assert grad(c, b) == (3.0,) and (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
    c.backward()
    assert (a.grad, b.grad) == (13.0, 3.0)


def _backward_with_inputs(lib):
    """PyTorch's backward(inputs=...): each step's .grad values, copied."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    unused = lib.tensor([1.0], requires_grad=True)
    h = x * w
    y = (h * h).sum()
    seen = []

    def record(*tensors):
        seen.append([None if t is None else np.array(t.tolist()) for t in tensors])

    y.backward(inputs=[x], retain_graph=True)
    record(x.grad, w.grad)
    y.backward(inputs=[h], retain_graph=True)  # a non-leaf gets .grad, as in PyTorch
    record(h.grad, x.grad, w.grad)
    y.backward(inputs=[unused], retain_graph=True)
    record(unused.grad)
    y.backward(inputs=x, retain_graph=True)
    record(x.grad)
    lib.autograd.backward(y, inputs=[w], retain_graph=True)
    record(x.grad, w.grad)
    lib.autograd.backward(h, lib.tensor([1.0, 0.5]), inputs=[w])
    record(x.grad, w.grad)
    return seen


def test_backward_with_inputs_accumulates_into_those_only():
    import scratchgrad

    seen = _backward_with_inputs(scratchgrad)
    np.testing.assert_allclose(seen[0][0], [18.0, 64.0])  # d/dx sum((xw)^2) = 2 x w^2
    assert seen[0][1] is None and seen[2] == [None]
    np.testing.assert_allclose(seen[1][0], [6.0, 16.0])  # 2h
    np.testing.assert_allclose(seen[3][0], [36.0, 128.0])
    np.testing.assert_allclose(seen[5][1], [6.0 + 1.0, 32.0 + 1.0])  # 2 x^2 w + x * [1, .5]
    with pytest.raises(RuntimeError, match="inputs= cannot be empty"):
        (Tensor([1.0], requires_grad=True) * 2).sum().backward(inputs=[])


@pytest.mark.oracle
def test_backward_with_inputs_matches_pytorch():
    import scratchgrad

    for ours, theirs in zip(_backward_with_inputs(scratchgrad), _backward_with_inputs(torch)):
        for a, b in zip(ours, theirs):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b)


def _repeats_and_retained(lib):
    """Roots and inputs listed twice, retained non-leaf gradients over two backwards,
    materialize_grads and PyTorch's keyword names: each step's numbers."""
    seen = []
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    lib.autograd.backward([y, y], retain_graph=True)  # a root twice: seeded twice
    seen.append(x.grad.tolist())
    x.grad = None
    y = x * x
    lib.autograd.backward([y, y], [lib.ones(3), 2 * lib.ones(3)])
    seen.append(x.grad.tolist())
    y = x * x
    seen.append(lib.autograd.grad([y, y], [x], [lib.ones(3), lib.ones(3)])[0].tolist())
    x.grad = None
    (x * x).sum().backward(inputs=[x, x])  # an input twice: counted once
    seen.append(x.grad.tolist())
    h = x * 3
    y = (h * h).sum()
    y.backward(inputs=[h], retain_graph=True)  # h now keeps its .grad ...
    y.backward(retain_graph=True)  # ... and accumulates it
    seen.append(h.grad.tolist())
    kept = x * 2
    kept.retain_grad()
    y = (kept * kept).sum()
    y.backward(retain_graph=True)
    y.backward()
    seen.append(kept.grad.tolist())
    unused = lib.tensor([1.0], requires_grad=True)
    found = lib.autograd.grad((x * x).sum(), [x, unused], materialize_grads=True)
    seen.append([g.tolist() for g in found])
    x.grad = None
    lib.autograd.backward(tensors=[(x * x).sum()], grad_tensors=[lib.tensor(2.0)])
    seen.append(x.grad.tolist())
    return seen


def test_repeated_roots_inputs_and_retained_gradients():
    import scratchgrad

    seen = _repeats_and_retained(scratchgrad)
    twice = [1.0, -2.0, 4.0]  # d/dx sum(x^2) = 2x
    assert seen[0] == [2 * v for v in twice] and seen[1] == [3 * v for v in twice]
    assert seen[2] == [2 * v for v in twice] and seen[3] == twice
    assert seen[4] == [6.0, -12.0, 24.0]  # 2 * (2h), h = 3x
    assert seen[5] == [4.0, -8.0, 16.0]  # 2 * (2 * 2x)
    assert seen[6] == [twice, [0.0]] and seen[7] == [2 * v for v in twice]


@pytest.mark.oracle
def test_repeated_roots_inputs_and_retained_gradients_match_pytorch():
    import scratchgrad

    assert _repeats_and_retained(scratchgrad) == _repeats_and_retained(torch)


def test_no_grad_and_second_order():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        assert not (x * 2).requires_grad
    (g,) = ag.grad((x**3).sum(), [x], create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_intermediates_are_freed_after_backward_and_when_dropped():
    gc.disable()
    try:
        x = Tensor(np.ones(1000), requires_grad=True)
        h = x.tanh()
        ref = weakref.ref(h)
        loss = (h * 2).sum()
        del h
        assert ref() is not None  # the graph holds it until backward
        loss.backward()
        assert ref() is None  # freed although `loss` is still alive
        y = (x * 3).exp()
        ref2 = weakref.ref(y)
        del y
        assert ref2() is None  # no cycles: reference counting frees it
    finally:
        gc.enable()


@pytest.mark.oracle
def test_shared_subexpression_gradients_add_up():
    check(
        lambda a: (lambda s: s * s + s.exp() * s)(a * 2),
        lambda t: (lambda s: s * s + s.exp() * s)(t * 2),
        R(3),
    )
    check(lambda a: a * a, lambda t: t * t, R(3))
    check(lambda a: a / a, lambda t: t / t, R(3))
    check(lambda a: a - a, lambda t: t - t, R(3))


@settings(max_examples=25, deadline=None)
@given(st.lists(floats_for("real"), min_size=2, max_size=5))
def test_shared_subexpression_gets_both_paths(values):
    x = Tensor(np.array(values), requires_grad=True)
    h = x.tanh()
    out = (h * h + h).sum()  # h is used three times
    out.backward()
    t = np.tanh(np.array(values))
    np.testing.assert_allclose(x.grad, (2 * t + 1) * (1 - t * t), rtol=1e-10)


# --- random sequences of build, backward, zero_grad and no_grad ---------------------------


class GraphMachine(RuleBasedStateMachine):
    """Leaves x (Value) and t (Tensor); each built loss has a known gradient."""

    def __init__(self):
        super().__init__()
        self.x = Value(0.7)
        self.t = Tensor(np.array([0.3, -1.1]), requires_grad=True)
        self.expected_x = 0.0  # reference: what x.grad must be
        self.expected_t = None
        self.losses = []  # (loss, dx, dt) not yet backpropagated

    @rule(a=st.floats(-2, 2), b=st.floats(-2, 2))
    def build(self, a, b):
        loss_x = self.x * a + self.x * self.x * b  # x used twice
        loss_t = (self.t * a).sum() + (self.t.tanh() * b).sum()
        dx = a + 2 * self.x.data * b
        dt = a + b * (1 - np.tanh(self.t.data) ** 2)
        self.losses.append((loss_x, dx, loss_t, dt))

    @rule()
    def build_without_grad(self):
        with no_grad():
            y = self.x * 2
            s = (self.t * 2).sum()
        assert not y.requires_grad and not s.requires_grad

    @precondition(lambda self: self.losses)
    @rule(data=st.data())
    def backward(self, data):
        i = data.draw(st.integers(0, len(self.losses) - 1))
        loss_x, dx, loss_t, dt = self.losses.pop(i)
        loss_x.backward()
        loss_t.backward()
        self.expected_x += dx
        self.expected_t = dt if self.expected_t is None else self.expected_t + dt

    @rule()
    def zero_grad(self):
        self.x.grad = 0.0
        self.t.grad = None
        self.expected_x, self.expected_t = 0.0, None

    @invariant()
    def gradients_match_the_reference(self):
        assert abs(self.x.grad - self.expected_x) <= 1e-9 * (1 + abs(self.expected_x))
        if self.expected_t is None:
            assert self.t.grad is None
        else:
            np.testing.assert_allclose(self.t.grad, self.expected_t, rtol=1e-9, atol=1e-12)


GraphMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)

TestGraphMachine = GraphMachine.TestCase
