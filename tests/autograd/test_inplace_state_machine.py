"""A state machine of forwards, backwards and in-place writes (issue 24): writes through
leaves' `.data`, through views of it taken earlier, through detached tensors (of leaves
and of intermediates), into the user's own arrays, `t.data = ...`, `copy_` and optimizer
steps, interleaved with forwards and backwards in any order.

The contract checked after every backward: it raises ("modified in place") exactly when
something the graph used was written after its forward, and otherwise every gradient
equals a fresh recomputation from the numbers the forward saw. No sequence may give a
wrong gradient silently. 220 runs of up to 50 steps: about 10,500 steps.
"""

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scratchgrad import nn
from scratchgrad.autograd import Tensor

pytestmark = pytest.mark.slow

N = 3
STEPS = [0]  # steps taken over all runs (the closing note quotes the total)
values = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


class InPlaceMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.arrays = [np.array([0.5, -1.0, 1.5]), np.array([1.0, 2.0, -0.5])]
        self.leaves = []  # Tensors that require grad
        self.views = []  # (leaf index, a TrackedArray view of its storage)
        self.detached = []  # (kind, index, tensor): a leaf's or an output's twin
        self.graphs = []  # dicts: loss, per-leaf expected grads, what it used

    @invariant()
    def count_steps(self):
        STEPS[0] += 1

    # --- making things -------------------------------------------------------------------

    @rule(source=st.integers(0, 1))
    def new_leaf(self, source):
        self.leaves.append(Tensor(self.arrays[source], requires_grad=True))

    @precondition(lambda self: self.leaves)
    @rule(
        data=st.data(), kind=st.sampled_from(["times_array", "product", "exp", "shifted", "tanh"])
    )
    def forward(self, data, kind):
        i = data.draw(st.integers(0, len(self.leaves) - 1))
        j = data.draw(st.integers(0, len(self.leaves) - 1))
        a_index = data.draw(st.integers(0, 1))
        x, y, a = self.leaves[i], self.leaves[j], self.arrays[a_index]
        xv, yv, av = x.data.copy(), y.data.copy(), a.copy()
        grads = {i: np.zeros(N), j: np.zeros(N)}
        outputs = []
        if kind == "times_array":  # the array is copied when recorded
            loss = (x * a).sum()
            grads[i] += av
        elif kind == "product":  # i == j is x * x: x used twice
            loss = (x * y).sum()
            grads[i] += yv
            grads[j] += xv
        elif kind == "exp":  # exp saves its output
            e = x.exp()
            outputs.append(e)
            loss = (e * 2.0).sum()
            grads[i] += 2.0 * np.exp(xv)
        elif kind == "shifted":  # two views of x
            loss = (x[1:] * x[:-1]).sum()
            g = np.zeros(N)
            g[1:] += xv[:-1]
            g[:-1] += xv[1:]
            grads[i] += g
        else:
            loss = (x.tanh() * a).sum()
            grads[i] += av * (1.0 - np.tanh(xv) ** 2)
        graph = {
            "loss": loss,
            "grads": grads,
            "dirty": False,
            "leaves": {i, j} if kind == "product" else {i},
            "outputs": [],
        }
        for out in outputs:
            self.detached.append(("output", len(self.graphs), out.detach()))
        self.graphs.append(graph)

    @precondition(lambda self: self.leaves)
    @rule(data=st.data(), transpose=st.booleans())
    def take_view(self, data, transpose):
        i = data.draw(st.integers(0, len(self.leaves) - 1))
        view = self.leaves[i].data.T if transpose else self.leaves[i].data[::2]
        self.views.append((i, view))

    @precondition(lambda self: self.leaves)
    @rule(data=st.data())
    def detach_leaf(self, data):
        i = data.draw(st.integers(0, len(self.leaves) - 1))
        self.detached.append(("leaf", i, self.leaves[i].detach()))

    # --- writing -------------------------------------------------------------------------

    def _leaf_written(self, i):
        for graph in self.graphs:
            if graph is not None and i in graph["leaves"]:
                graph["dirty"] = True

    @precondition(lambda self: self.leaves)
    @rule(
        data=st.data(),
        value=values,
        how=st.sampled_from(["setitem", "isub", "out", "fill", "replace", "copy_"]),
    )
    def write_leaf(self, data, value, how):
        i = data.draw(st.integers(0, len(self.leaves) - 1))
        x = self.leaves[i]
        if how == "setitem":
            x.data[0] = value
        elif how == "isub":
            x.data -= value
        elif how == "out":
            np.multiply(x.data, value, out=x.data)
        elif how == "fill":
            x.data.fill(value)
        elif how == "replace":
            x.data = np.full(N, value)
        else:
            x.copy_(np.full(N, value))
        self._leaf_written(i)

    @precondition(lambda self: self.views)
    @rule(data=st.data(), value=values)
    def write_view(self, data, value):
        i, view = self.views[data.draw(st.integers(0, len(self.views) - 1))]
        view[0] = value
        self._leaf_written(i)

    @precondition(lambda self: self.detached)
    @rule(data=st.data(), value=values)
    def write_detached(self, data, value):
        kind, index, twin = self.detached[data.draw(st.integers(0, len(self.detached) - 1))]
        twin.data[0] = value
        if kind == "leaf":
            self._leaf_written(index)
        elif self.graphs[index] is not None:
            self.graphs[index]["dirty"] = True

    @rule(source=st.integers(0, 1), value=values)
    def write_users_array(self, source, value):
        self.arrays[source][:] = value  # no graph and no leaf shares this memory

    @precondition(lambda self: self.leaves)
    @rule(lr=st.floats(0.01, 1.0))
    def optimizer_step(self, lr):
        for p in self.leaves:
            p.grad = np.ones(N)
        nn.optim.SGD(self.leaves, lr=lr).step()
        for i in range(len(self.leaves)):
            self._leaf_written(i)

    # --- the check ---------------------------------------------------------------------------

    @precondition(lambda self: any(g is not None for g in self.graphs))
    @rule(data=st.data())
    def backward(self, data):
        live = [k for k, g in enumerate(self.graphs) if g is not None]
        k = live[data.draw(st.integers(0, len(live) - 1))]
        graph = self.graphs[k]
        self.graphs[k] = None  # (kept as None: indices stay stable)
        for leaf in self.leaves:
            leaf.grad = None
        try:
            graph["loss"].backward()
        except RuntimeError as err:
            assert "modified in place" in str(err), err
            assert graph["dirty"], f"refused a graph nothing changed under: {err}"
            return
        assert not graph["dirty"], "a graph whose numbers were written gave a gradient"
        for i, leaf in enumerate(self.leaves):
            if i not in graph["leaves"]:
                assert leaf.grad is None, f"leaf {i} got a gradient from a graph without it"
                continue
            np.testing.assert_allclose(
                leaf.grad,
                graph["grads"][i],
                rtol=1e-12,
                atol=1e-12,
                err_msg=f"leaf {i}: a wrong gradient",
            )


InPlaceMachine.TestCase.settings = settings(max_examples=220, stateful_step_count=50, deadline=None)
TestInPlaceMachine = InPlaceMachine.TestCase
