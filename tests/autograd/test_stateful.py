"""A stateful property test: random sequences of building, backward, zero_grad and
no_grad, checked against a hand-kept reference of what every gradient must be."""
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scratchgrad.autograd import Tensor, Value, no_grad


class GraphMachine(RuleBasedStateMachine):
    """Leaves x (Value) and t (Tensor); each built loss has a known gradient."""

    def __init__(self):
        super().__init__()
        self.x = Value(0.7)
        self.t = Tensor(np.array([0.3, -1.1]), requires_grad=True)
        self.expected_x = 0.0            # reference: what x.grad must be
        self.expected_t = None
        self.losses = []                 # (loss, dx, dt) not yet backpropagated

    @rule(a=st.floats(-2, 2), b=st.floats(-2, 2))
    def build(self, a, b):
        loss_x = self.x * a + self.x * self.x * b          # x used twice
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


GraphMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=15,
                                          deadline=None)
TestGraphMachine = GraphMachine.TestCase
