"""The op table: every differentiable operation, defined once.

An `Op` pairs a forward rule with its vector-Jacobian product (VJP), side by side:

* `scalar(*floats)` computes a `Value`'s forward on Python floats;
* `array(*ndarrays, **params)` computes a `Tensor`'s forward and returns
  `(out, saved)`, where `saved` is what the VJP needs besides inputs and output;
* `vjp(node, g, xs, out)` returns one gradient per input (None where an input needs
  none). `xs` and `out` are raw data in an ordinary backward; with
  `create_graph=True` they are the nodes themselves, so the same VJP code builds a
  differentiable graph (higher-order derivatives come for free, DeZero style).

The rest of the code iterates over `OPS`: tests check every entry against central
differences, viz labels nodes by `op.symbol`, gradcheck reports op names.
"""

OPS = {}


class Op:
    __slots__ = ("name", "symbol", "vjp", "scalar", "array", "arity",
                 "domain", "kinks", "smooth", "doc")

    def __init__(self, name, vjp, *, scalar=None, array=None, arity=1, symbol=None,
                 domain="real", kinks=(), smooth=True, doc=""):
        self.name = name
        self.symbol = symbol or name
        self.vjp = vjp
        self.scalar = scalar        # forward on floats (Value), or None if Tensor-only
        self.array = array          # forward on ndarrays (Tensor), or None if Value-only
        self.arity = arity          # number of inputs, or None for n-ary ops
        self.domain = domain        # where inputs are valid: "real", "positive", "nonzero"
        self.kinks = kinks          # points where the derivative jumps (tests avoid them)
        self.smooth = smooth        # twice differentiable almost everywhere?
        self.doc = doc

    def __repr__(self):
        return f"<op {self.name}>"


def register(name, vjp, **kwargs):
    """Create an `Op`, add it to `OPS` and return it. Names are unique."""
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    op = Op(name, vjp, **kwargs)
    OPS[name] = op
    return op
