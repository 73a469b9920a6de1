"""The op table: every differentiable operation, defined once.

An `Op` pairs a forward rule with its vector-Jacobian product (VJP), side by side:

* `scalar(*floats)` computes a `Value`'s forward on Python floats;
* `array(*ndarrays, **params)` computes a `Tensor`'s forward and returns
  `(out, saved)`, where `saved` is what the VJP needs besides inputs and output;
* `vjp(node, g, xs, out)` returns one gradient per input (None where an input needs
  none). `xs` and `out` are raw data in an ordinary backward; with
  `create_graph=True` they are the nodes themselves, so the same VJP code builds a
  differentiable graph (higher-order derivatives come for free, DeZero style).
* `scalar_vjp(node, g)` is the same derivative specialised to Python floats, for the
  `Value` hot path: it reads `node._parents[i].data` directly (no tuple of inputs, no
  broadcasting helpers). Optional: without one, the general `vjp` runs on floats.
  `tests/autograd/test_value_ops.py` checks that both columns agree for every op.
* `jvp(node, ts, xs, out)` is forward mode: the output's tangent from the inputs'
  tangents `ts` (None where an input has none: a zero that is never built), with `xs`
  and `out` as in `vjp`. Written with the same helpers, so it runs on raw data or on
  nodes (forward-over-reverse Hessians sweep it over a recorded backward pass).
* `scalar_backprop(node, g)` adds those float gradients into the inputs' `.grad`
  (`+=`, inputs that need one). Made from `scalar_vjp` unless an op fuses the two, as the
  n-ary `dot` and `sum` do: their per-input cost is what a scalar step mostly pays.

The rest of the code iterates over `OPS`: tests check every entry against central
differences, viz labels nodes by `op.symbol`, gradcheck reports op names.
"""

OPS = {}


class Op:
    __slots__ = ("name", "symbol", "vjp", "jvp", "scalar_vjp", "scalar_backprop", "scalar",
                 "array", "arity",
                 "domain", "kinks", "smooth", "doc", "micrograd")

    def __init__(self, name, vjp, *, scalar=None, array=None, arity=1, symbol=None,
                 domain="real", kinks=(), smooth=True, doc="", scalar_vjp=None,
                 scalar_backprop=None, micrograd=None, jvp=None):
        self.name = name
        self.symbol = symbol or name
        self.vjp = vjp
        self.jvp = jvp              # forward mode; tests fail for an op without one
        self.scalar_vjp = scalar_vjp or _general_vjp_on_floats(vjp)
        self.scalar_backprop = scalar_backprop or _accumulating(self.scalar_vjp)
        self.micrograd = micrograd or self.symbol   # Value._op: micrograd's name for it
        self.scalar = scalar        # forward on floats (Value), or None if Tensor-only
        self.array = array          # forward on ndarrays (Tensor), or None if Value-only
        self.arity = arity          # number of inputs, or None for n-ary ops
        self.domain = domain        # where inputs are valid: "real", "positive", "nonzero"
        self.kinks = kinks          # points where the derivative jumps (tests avoid them)
        self.smooth = smooth        # twice differentiable almost everywhere?
        self.doc = doc

    def __call__(self, *inputs, **params):
        """Apply the op to nodes: `op(x, y, **params)` records it like a built-in op, so a
        user-defined `Op` needs no private call. Numbers are lifted to constants of the
        first node's type; keyword `params` go to the array forward (Tensors)."""
        from .node import Node
        first = next((x for x in inputs if isinstance(x, Node)), None)
        if first is None:
            raise TypeError(f"op {self.name!r} needs at least one Value or Tensor input")
        lifted = tuple(first._lift(x) for x in inputs)
        if first._is_scalar:
            return type(first)._apply(self, lifted, params.get("saved"))
        return type(first)._apply(self, lifted, **params)

    def __repr__(self):
        return f"<op {self.name}>"


def _general_vjp_on_floats(vjp):
    def scalar_vjp(node, g):
        return vjp(node, g, tuple([p.data for p in node._parents]), node.data)
    return scalar_vjp


def _accumulating(scalar_vjp):
    def scalar_backprop(node, g):
        for parent, pg in zip(node._parents, scalar_vjp(node, g)):
            if parent.requires_grad:
                parent.grad += pg
    return scalar_backprop


def register(name, vjp, **kwargs):
    """Create an `Op`, add it to `OPS` and return it. Names are unique."""
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    op = Op(name, vjp, **kwargs)
    OPS[name] = op
    return op
