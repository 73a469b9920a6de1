"""micrograd's `nn` module, node for node: `from nn.micrograd import Neuron, Layer, MLP`.

`nn.scalar` is the fast version (each neuron is one fused `w·x+b` node). This module
builds exactly micrograd's graph instead — `sum((wi*xi for wi, xi in zip(w, x)), b)`,
a chain of `*` and `+` nodes — so a learner's `draw_dot` from micrograd's
trace_graph.ipynb draws micrograd's picture of a neuron, with micrograd's weights
(`random.uniform(-1, 1)` from Python's `random`) and micrograd's numbers. It is slower
than `nn.scalar` (about three times the nodes) and still much faster than micrograd.
"""

from . import scalar


class Neuron(scalar.Neuron):
    """act(b + w_1 x_1 + ... + w_n x_n), built from `*` and `+` nodes like micrograd's."""

    def __call__(self, x):
        return self._activate(sum((wi * xi for wi, xi in zip(self.w, self._checked(x))), self.b))

    forward = __call__
    _on_values = __call__

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(scalar.Layer):
    """`nout` of micrograd's neurons reading the same inputs; micrograd's repr too."""

    _neuron = Neuron

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(scalar.MLP):
    """micrograd's MLP (the last layer linear), printed as micrograd prints it."""

    _layer = Layer

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
