"""Public testing kit: hypothesis strategies and derivative checks for Value and Tensor.

Our own test suite uses exactly these helpers, and so can yours:

    from hypothesis import given
    from scratchgrad.autograd.testing import arrays, assert_gradients_match
    @given(arrays(shape=(3,)))
    def test_my_op(x):
        assert_gradients_match(lambda t: my_op(t).sum(), [x])
"""

import math

import numpy as np

try:  # the strategies need hypothesis; the assert_* checks do not
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    st = hnp = None  # type: ignore[assignment]

from .numerical import gradcheck, gradgradcheck
from .tensor import Tensor
from .value import Value

KINK_MARGIN = 1e-3  # stay this far from a kink so central differences do not straddle it


def _need_hypothesis():
    if st is None:
        raise ImportError(
            "the hypothesis strategies of scratchgrad.autograd.testing need "
            "hypothesis: pip install hypothesis (the assert_* checks do not)"
        )


def _composite(function):
    """hypothesis's @st.composite, or a stand-in that says what to install."""
    if st is not None:
        return st.composite(function)

    def missing(*args, **kwargs):
        _need_hypothesis()

    return missing


def _away_from(kinks, margin=KINK_MARGIN):
    return lambda x: all(abs(x - k) > margin for k in kinks)


def floats_for(domain="real", low=-3.0, high=3.0, kinks=()):
    """Floats in a range where an op with this `domain` is defined and smooth."""
    _need_hypothesis()
    if domain == "positive":
        low = max(low, 0.1)
    elif domain == "unit":  # asin, acos, atanh: inside (-1, 1)
        low, high = max(low, -0.9), min(high, 0.9)
    elif domain == "above_one":  # acosh
        low = max(low, 1.1)
    elif domain == "probability":  # ndtri: inside (0, 1)
        low, high = max(low, 0.05), min(high, 0.95)
    strategy = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if domain == "nonzero":
        kinks = tuple(kinks) + (0.0,)
    if kinks:
        strategy = strategy.filter(_away_from(kinks))
    return strategy


def values(domain="real", low=-3.0, high=3.0, kinks=()):
    """`Value` leaves with data from `floats_for(...)`."""
    _need_hypothesis()
    return floats_for(domain, low, high, kinks).map(Value)


def arrays(
    shape=None, dtype=np.float64, domain="real", low=-3.0, high=3.0, kinks=(), requires_grad=True
):
    """`Tensor` leaves of `shape` (or a small random shape) with elements away from kinks."""
    _need_hypothesis()
    shapes = (
        st.just(tuple(shape))
        if shape is not None
        else hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
    )
    elements = floats_for(domain, low, high, kinks)
    return shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements)).map(
        lambda a: Tensor(a, requires_grad=requires_grad)
    )


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """Tuples of shapes that broadcast together (sizes match or are 1, ranks differ)."""
    _need_hypothesis()
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda bs: bs.input_shapes)


def op_operands(op, shapes=None):
    """Valid operands for a Value-or-Tensor op from its table entry (domain, kinks)."""
    lo, hi = (0.1, 3.0) if op.domain == "positive" else (-3.0, 3.0)
    return floats_for(op.domain, lo, hi, op.kinks)


def assert_gradients_match(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """gradcheck that raises an AssertionError with a readable report on mismatch."""
    return gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=True)


def assert_jvp_matches(f, inputs, tangents=None, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Forward mode of `f` (any output shape) against the directional central difference;
    raises an AssertionError naming the worst output element on mismatch."""
    from .numerical import GradcheckError, GradcheckReport, jvp_check

    report = GradcheckReport(forward=[jvp_check(f, inputs, tangents, eps, atol, rtol, seed)])
    if not report.ok:
        raise GradcheckError(str(report))
    return report


def is_finite(x):
    """True when a float or every element of an array is finite (no NaN, no inf)."""
    return math.isfinite(x) if isinstance(x, float) else bool(np.all(np.isfinite(x)))


# --- random expression graphs ---------------------------------------------------------
#
# Each step applies one op of the table to nodes made earlier, so later steps reuse
# earlier results: shared sub-expressions (a node used twice) come naturally. Ops with
# a restricted domain get a guard that keeps them valid and smooth (log(x² + 1),
# a / (b² + 1), exp(tanh x)); kinked ops (relu, abs, ...) are left to per-op tests,
# because a random point can land next to a kink where central differences lie.

UNARY = {
    "neg": lambda x: -x,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x + 1.0).sqrt(),
    "pow_const": lambda x: x**2,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b.tanh(),
}


class Expression:
    """A random program over the op table: leaves' data plus a list of steps.

    `build(*leaves)` replays it on nodes and returns a scalar output; `leaves()` makes
    fresh leaf nodes with the drawn data.
    """

    def __init__(self, kind, leaf_data, steps):
        self.kind, self.leaf_data, self.steps = kind, leaf_data, steps

    def leaves(self):
        """Fresh leaf nodes (Values or Tensors requiring grad) holding the drawn data."""
        if self.kind == "value":
            return [Value(float(d)) for d in self.leaf_data]
        return [Tensor(np.array(d, dtype=np.float64), requires_grad=True) for d in self.leaf_data]

    def build(self, *leaves):
        """Replay the steps on `leaves` and return the scalar output node."""
        from .. import autograd

        nodes = list(leaves)
        for name, operands in self.steps:
            args = [nodes[i] for i in operands]
            if name == "sum_n":
                nodes.append(autograd.sum(args))
            elif name in UNARY:
                nodes.append(UNARY[name](*args))
            else:
                nodes.append(BINARY[name](*args))
        out = nodes[-1]
        return out.sum() if isinstance(out, Tensor) else out

    def __repr__(self):
        names = [f"x{i}" for i in range(len(self.leaf_data))]
        for name, operands in self.steps:
            names.append(f"{name}({', '.join(names[i] for i in operands)})")
        return f"Expression({self.kind}: {names[-1]})"


@_composite
def expressions(draw, kind="value", max_leaves=3, max_steps=6):
    """Random expression graphs (`Expression`) over the table's smooth ops.

    kind="value": scalar `Value` leaves; kind="tensor": `Tensor` leaves of mutually
    broadcastable shapes. Use with `@given(expressions())`, then
    `assert_gradients_match(expr.build, expr.leaves())`.
    """
    n_leaves = draw(st.integers(1, max_leaves))
    if kind == "value":
        leaf_data = [draw(floats_for("real", -2.0, 2.0)) for _ in range(n_leaves)]
    else:
        shapes = draw(broadcastable_shapes(num_shapes=n_leaves, max_dims=2, max_side=3))
        leaf_data = [
            draw(hnp.arrays(np.float64, s, elements=floats_for("real", -2.0, 2.0))) for s in shapes
        ]
    steps = []
    count = n_leaves
    for _ in range(draw(st.integers(1, max_steps))):
        family = draw(st.sampled_from(["unary", "binary", "sum_n"]))
        pick = st.integers(0, count - 1)
        if family == "unary":
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(pick),)))
        elif family == "binary":
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(pick), draw(pick))))
        else:
            steps.append(("sum_n", tuple(draw(pick) for _ in range(3))))
        count += 1
    return Expression(kind, leaf_data, steps)


def assert_second_derivatives_match(f, inputs, **kwargs):
    """gradgradcheck with a readable AssertionError on mismatch."""
    return gradgradcheck(f, inputs, raise_exception=True, **kwargs)
