"""The op table: every differentiable operation, defined once, forward first.

    MUL = register(
        "mul", lambda a, b: a * b,                        # forward: floats, numpy, CuPy
        partials=lambda node, xs, out: (xs[1], xs[0]),    # d out / d a, d out / d b
        arity=2, symbol="*", values=True, doc="a * b")

An op is one block that reads top to bottom: its forward, then its derivative.

* `forward(*inputs, **params)` computes the output from raw data: Python floats for a
  `Value`, arrays (numpy, CuPy) for a `Tensor`, written against the array module of its
  inputs (`backend.namespace(x)`). An op that keeps something extra for its derivative
  (`saves=True`) returns `(out, saved)`; otherwise the node keeps its `params`.
* An elementwise op gives its local derivative, `partials(node, xs, out)`: one factor
  per input (None where not needed). The table turns it into both directions: the
  reverse-mode VJP `g * d` (summed back over broadcast axes) and the forward-mode JVP
  `Σ t_i d_i`. One derivative, two modes.
* Other ops write `vjp(node, g, xs, out)` (one gradient per input, None where an input
  needs none) and `jvp(node, ts, xs, out)` (the output's tangent from the inputs'
  tangents, None meaning zero). A linear op (`linear=True`) is its own JVP: the op
  applied to the tangents.

Rules are written with ordinary operators and with ops called as functions (`EXP(x)`,
`SUM_TO(g, shape=...)`): on raw numbers an op just computes; on nodes it records. So the
same rule runs in a plain backward and, under `create_graph=True`, builds a
differentiable graph (DeZero's trick: higher derivatives come for free).

Two float fast paths exist for the scalar engine, where they measurably pay (see
ARCHITECTURE.md): `scalar_vjp(node, g)` for the ops of a micrograd training step, and
`scalar_backprop(node, g)` for the n-ary `dot` and `sum_n`, whose per-input cost is what
a scalar step mostly pays. Every other op runs its general rule on floats.

The rest of the code iterates over `OPS`: tests check every entry against central
differences in both modes and to second order, viz labels nodes by `op.symbol`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .backend import namespace
from .buffers import multiply
from .node import Node

#: A reverse-mode rule: (node, g, xs, out) -> one gradient per input (None: no gradient).
VJP = Callable[[Any, Any, Any, Any], Sequence[Any]]
#: A forward-mode rule: (node, ts, xs, out) -> the output's tangent.
JVP = Callable[[Any, Any, Any, Any], Any]
#: An elementwise op's local derivative: (node, xs, out) -> one factor per input.
Partials = Callable[[Any, Any, Any], Sequence[Any]]
#: A float fast path of the scalar engine: (node, g) -> gradients (or None: accumulates).
ScalarRule = Callable[[Any, Any], Any]

#: Every registered op by name (`register` adds to it; tests and viz iterate over it).
OPS: dict[str, Op] = {}


class Op:
    """One differentiable operation: `Op(name, forward, vjp=..., jvp=...)`.

    forward(*inputs, **params) -> out          raw floats/arrays in, raw out
    vjp(node, g, xs, out) -> grads             reverse mode: one gradient per input
    jvp(node, ts, xs, out) -> tangent          forward mode (None in `ts` means zero)
    partials(node, xs, out) -> factors         elementwise ops: d out/d x_i (gives both,
                                               or the one without its own rule)
    selects=True                               the partials only select (masks, a tie's
                                               share): the gradient is 0 where they are
                                               0, even an inf one (PyTorch's `where`)
    piecewise=True                             the derivative is a mask made from the
                                               inputs (relu, |x|, max-pool): under
                                               create_graph the gradient still hangs on the
                                               inputs, with zero derivative, as PyTorch's
                                               (a second grad gives zeros, not "does not
                                               require grad"; PyTorch's max, maximum and
                                               clamp do not, and neither do ours)

    In the rules, `xs` are the inputs' data and `out` the output's (nodes themselves under
    create_graph=True), and `node._saved` holds the op's params. Apply it by calling it:
    `op(x, y, **params)` records a node on Values/Tensors and just computes on raw data.
    `register(...)` adds an op to the table (where every entry must have both modes).
    """

    __slots__ = (
        "name",
        "forward",
        "vjp",
        "jvp",
        "scalar_vjp",
        "scalar_backprop",
        "values",
        "tensors",
        "saves",
        "quiet",
        "arity",
        "symbol",
        "domain",
        "kinks",
        "smooth",
        "piecewise",
        "doc",
        "micrograd",
    )

    name: str
    forward: Callable[..., Any]
    vjp: VJP
    jvp: JVP
    scalar_vjp: ScalarRule
    scalar_backprop: ScalarRule
    values: bool
    tensors: bool
    saves: bool
    quiet: bool
    arity: int | None
    symbol: str
    domain: str
    kinks: tuple[float, ...]
    smooth: bool
    piecewise: bool
    doc: str
    micrograd: str | Callable[[Any], str]

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjp: VJP | None = None,
        jvp: JVP | None = None,
        *,
        partials: Partials | None = None,
        linear: bool = False,
        scalar_vjp: ScalarRule | None = None,
        scalar_backprop: ScalarRule | None = None,
        values: bool = False,
        tensors: bool = True,
        saves: bool = False,
        quiet: bool = False,
        arity: int | None = 1,
        symbol: str | None = None,
        domain: str = "real",
        kinks: tuple[float, ...] = (),
        smooth: bool = True,
        selects: bool = False,
        piecewise: bool = False,
        doc: str = "",
        micrograd: str | Callable[[Any], str] | None = None,
    ) -> None:
        if partials is not None:  # both modes, unless one is given its own rule
            vjp, jvp = vjp or _vjp_of(partials, selects), jvp or _jvp_of(partials)
        if linear:
            jvp = _apply_to_tangents(self)
        if vjp is None:
            raise TypeError(
                f"op {name!r} needs a derivative: `partials`, or `vjp` (and `jvp` for forward mode)"
            )
        if jvp is None:
            jvp = _no_forward_mode(name)
        self.name = name
        self.forward = forward  # raw data in, raw data out (or (out, saved))
        self.vjp = vjp  # reverse mode
        self.jvp = jvp  # forward mode
        self.scalar_vjp = scalar_vjp or _general_vjp_on_floats(vjp)
        self.scalar_backprop = scalar_backprop or _accumulating(self.scalar_vjp)
        self.values = values  # does it work on Values (Python floats)?
        self.tensors = tensors  # ... and on Tensors (arrays)?
        self.saves = saves  # does forward return (out, saved)?
        self.quiet = quiet  # may give inf/nan on arrays: silence numpy's warnings
        self.arity = arity  # number of inputs, or None for n-ary ops
        self.symbol = symbol or name
        self.micrograd = micrograd or self.symbol  # Value._op: micrograd's name for it
        # where inputs are valid: "real", "positive", "nonzero", "unit" (|x| < 1), "above_one",
        # "probability" (0 < x < 1)
        self.domain = domain
        self.kinks = kinks  # points where the derivative jumps (tests avoid them)
        self.smooth = smooth  # twice differentiable almost everywhere?
        self.piecewise = piecewise  # a derivative made of masks of the inputs?
        self.doc = doc

    def __call__(self, *inputs: Any, **params: Any) -> Any:
        """`op(x, y, **params)`: on nodes, record the op like a built-in one (numbers are
        lifted to constants of the first node's type); on raw floats or arrays, compute
        the forward and return its output. Derivative rules rely on both."""
        first: Any = None
        for x in inputs:
            if isinstance(x, Node):
                first = x
                break
        if first is None:
            out = self.forward(*inputs, **params)
            return out[0] if self.saves else out
        lifted = tuple([first._lift(x) for x in inputs])
        return first._apply(self, lifted, **params)

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def register(
    name: str,
    forward: Callable[..., Any],
    vjp: VJP | None = None,
    jvp: JVP | None = None,
    **options: Any,
) -> Op:
    """Create an `Op`, add it to `OPS` and return it. Names are unique; a table op has
    both derivatives (a one-off `Op(...)` may leave out `jvp`)."""
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    if jvp is None and "partials" not in options and not options.get("linear"):
        raise TypeError(
            f"op {name!r}: a table op needs a forward-mode rule too (`jvp`, or "
            "`partials` for an elementwise op)"
        )
    op = Op(name, forward, vjp, jvp, **options)
    OPS[name] = op
    return op


# --- the two modes made from one local derivative -------------------------------------


def _vjp_of(partials: Partials, selects: bool = False) -> VJP:
    def vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any, ...]:
        times = selected if selects else multiply  # (selected: defined below the table)
        return tuple(
            [
                None
                if d is None or not p.requires_grad
                else unbroadcast(times(g, d), getattr(x, "shape", None))
                for d, x, p in zip(partials(node, xs, out), xs, node._parents)
            ]
        )

    return vjp


def _jvp_of(partials: Partials) -> JVP:
    def jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
        terms = [
            None if t is None or d is None else t * d for t, d in zip(ts, partials(node, xs, out))
        ]
        return fit_to(tangent_sum(*terms), out)

    return jvp


def _apply_to_tangents(op: Op) -> JVP:
    """The JVP of a linear op: the op itself on the tangents (zeros for missing ones)."""

    def jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
        if len(ts) == 1:
            return op(ts[0], **(node._saved or {}))
        filled = [
            namespace(x).zeros(x.shape, dtype=x.dtype) if t is None else t
            for t, x in zip(ts, (getattr(x, "_data", x) for x in xs))
        ]
        return op(*filled, **(node._saved or {}))

    return jvp


def _no_forward_mode(name: str) -> JVP:
    def jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
        raise NotImplementedError(
            f"op {name!r} has no forward-mode rule: give it `jvp=` "
            "(or `partials=`) to use jvp, jacobian(mode='forward'), "
            "hessian or hvp through it"
        )

    return jvp


def _general_vjp_on_floats(vjp: VJP) -> ScalarRule:
    def scalar_vjp(node: Any, g: Any) -> Any:
        return vjp(node, g, tuple([p.data for p in node._parents]), node.data)

    return scalar_vjp


def _accumulating(scalar_vjp: ScalarRule) -> ScalarRule:
    def scalar_backprop(node: Any, g: Any) -> None:
        for parent, pg in zip(node._parents, scalar_vjp(node, g)):
            if parent.requires_grad:
                parent.grad += pg

    return scalar_backprop


from .vjp_math import fit_to, selected, tangent_sum, unbroadcast  # noqa: E402  (they call ops)
