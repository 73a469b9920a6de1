"""micrograd's `Neuron`, `Layer` and `MLP` on `Value`s, with micrograd's call style.

    model = nn.scalar.MLP(2, [16, 16, 1])
    score = model([0.5, -1.2])              # numbers or Values in, a Value out
    loss.backward(); for p in model.parameters(): p.data -= 0.1 * p.grad

Same maths as micrograd (weights ~ U(-1, 1), bias 0, ReLU on every layer but the last),
and, unless `rng=`/`seed=` is given, the same draws: `random.uniform(-1, 1)` from Python's
`random`, weight by weight in micrograd's order, so `random.seed(1337)` (or
`nn.manual_seed`) gives micrograd's model and micrograd's losses,
but each neuron is ONE `dot` node (w·x + b) plus its activation instead of 2n + 1 binary
nodes, which is most of why training the moons demo is an order of magnitude faster.
These are `nn.Module`s: `named_parameters()`, `state_dict()` and the optimizers work.
"""

import random

from ..autograd import Value
from ..autograd.value import dot, dot_values
from .init import make_rng
from .module import Module

_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


class Neuron(Module):
    """act(w·x + b) with w_i ~ U(-1, 1) and b = 0 (micrograd's defaults)."""

    def __init__(self, nin, nonlin=True, *, activation="relu", rng=None, seed=None):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {_ACTIVATIONS}")
        if rng is None and seed is None:  # micrograd's own draws, in micrograd's order
            self.w = [Value(random.uniform(-1.0, 1.0)) for _ in range(int(nin))]
        else:
            gen = make_rng(rng, seed)
            self.w = [Value(x) for x in gen.uniform(-1.0, 1.0, int(nin)).tolist()]
        self.b = Value(0.0)
        self.nonlin = bool(nonlin) and activation != "linear"
        self.activation = activation if self.nonlin else "linear"

    def __call__(self, x):
        return self._activate(dot(self.w, self._checked(x), self.b))

    forward = __call__  # no name_scope: Values carry no scope, and this is the hot loop

    def _on_values(self, xs):
        """The neuron on a tuple of Values of the right length (checked by its Layer); the
        scalar step's hottest call, so the activation is applied inline."""
        act = dot_values(tuple(self.w), xs, self.b)
        return getattr(act, self.activation)() if self.nonlin else act

    def _checked(self, x):
        """The inputs as a sequence of the neuron's width (one Value may come bare)."""
        if isinstance(x, Value):
            x = [x]
        if len(x) != len(self.w):
            raise ValueError(
                f"Neuron({len(self.w)}) got {len(x)} inputs; it needs exactly {len(self.w)}"
            )
        return x

    def _activate(self, act):
        return getattr(act, self.activation)() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        kind = "Linear" if not self.nonlin else self.activation.capitalize()
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns one Value if nout == 1, else a list."""

    _neuron = Neuron

    def __init__(self, nin, nout, *, rng=None, seed=None, **kwargs):
        gen = None if rng is None and seed is None else make_rng(rng, seed)
        self.neurons = [self._neuron(nin, rng=gen, **kwargs) for _ in range(int(nout))]

    def __call__(self, x):
        if isinstance(x, Value):
            x = [x]
        xs = tuple([v if v.__class__ is Value else Value._lift(v) for v in x])  # once
        first = self.neurons[0]
        if len(xs) != len(first.w):
            raise ValueError(
                f"Layer({len(first.w)} -> {len(self.neurons)}) got {len(xs)} "
                f"inputs; it needs exactly {len(first.w)}"
            )
        out = [n._on_values(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    forward = __call__

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def _repr_lines(self):
        first = self.neurons[0]
        return [
            f"Layer({len(first.w)} -> {len(self.neurons)}, {first.activation})  "
            f"# {len(self.parameters()):,} params"
        ]

    def __repr__(self):
        return self._repr_lines()[0]


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1]; the last layer is linear."""

    _layer = Layer

    def __init__(self, nin, nouts, *, activation="relu", rng=None, seed=None):
        gen = None if rng is None and seed is None else make_rng(rng, seed)
        sizes = [int(nin)] + [int(n) for n in nouts]
        self.layers = [
            self._layer(
                sizes[i], sizes[i + 1], rng=gen, activation=activation, nonlin=i != len(nouts) - 1
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    forward = __call__

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
