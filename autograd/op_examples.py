"""One example call for every op in the table, for gradient checks that iterate `OPS`.

`EXAMPLES[name](rng)` returns `(f, inputs)`: `f(*inputs)` applies the op to valid
float64 inputs (away from kinks and outside invalid domains) and reduces the result to
a scalar with fixed random weights, so every output element gets a different upstream
gradient. The test suite and `scratchgrad gradcheck` both use these; a new op without
an example fails `test_every_op_has_an_example`.
"""

import numpy as np

from .backend import namespace
from .devices import Device
from .op_table import OPS
from .tensor import Tensor
from .value import Value


def _tensor(rng, shape, low=-2.0, high=2.0, avoid=None):
    data = rng.uniform(low, high, shape)
    if avoid is not None:  # push values at least 0.05 away from a kink
        near = np.abs(data - avoid) < 0.05
        data[near] = avoid + np.where(data[near] >= avoid, 0.1, -0.1)
    return Tensor(data, requires_grad=True)


class Applied:
    """f(*xs) = sum(op(*xs, **params) * W) for a fixed random W, made on the output's
    device (tests rerun the same example on other array types with `with_params`)."""

    def __init__(self, op, params, rng, source=None):
        self.op, self.params, self.rng = op, dict(params or {}), rng
        self.source, self.w = source, None

    def weights(self, shape):
        """The fixed random W for an output of `shape` (shared with `source`, if any)."""
        if self.source is not None:
            return self.source.weights(shape)
        if self.w is None:
            self.w = self.rng.standard_normal(shape)
        return self.w

    def __call__(self, *xs):
        out = xs[0]._apply(self.op, xs, **self.params)
        w = namespace(out._data).asarray(self.weights(out.shape), dtype=out.dtype)
        return (out * out._constant_like(w)).sum()

    def with_params(self, params):
        """The same example (the same W) with other parameter values."""
        return Applied(self.op, params, self.rng, source=self)


def _weighted(op_name, shape_rng, *, params=None):
    return Applied(OPS[op_name], params, shape_rng)


def _unary(name, low=-2.0, high=2.0, avoid=None, shape=(3, 4), **params):
    """A one-input op on a (3, 4) tensor; `params` are the op's keyword arguments."""

    def make(rng):
        return _weighted(name, rng, params=params), [_tensor(rng, shape, low, high, avoid)]

    return make


def _binary(name, shapes=((3, 1), (4,)), low=-2.0, high=2.0):
    def make(rng):
        inputs = [_tensor(rng, s, low, high) for s in shapes]
        return _weighted(name, rng), inputs

    return make


def _scalar(name, low=-2.0, high=2.0, arity=1, **params):
    """Value version of an op: one example on floats."""

    def make(rng):
        op = OPS[name]
        xs = [Value(float(rng.uniform(low, high))) for _ in range(arity)]
        return (lambda *v: Value._apply(op, v, **params)), xs

    return make


def _cross_entropy(rng):
    labels = rng.integers(0, 5, size=4)
    return _weighted("cross_entropy", rng, params={"target": labels, "reduction": "mean"}), [
        _tensor(rng, (4, 5))
    ]


def _binary_cross_entropy(rng):
    target = rng.uniform(0.0, 1.0, (3, 4))
    return _weighted("binary_cross_entropy", rng, params={"target": target, "reduction": "mean"}), [
        _tensor(rng, (3, 4), 0.05, 0.95)
    ]


def _linear(rng):
    return _weighted("linear", rng), [
        _tensor(rng, (3, 4)),
        _tensor(rng, (2, 4)),
        _tensor(rng, (2,)),
    ]


def _where(rng, name="where"):
    condition = rng.uniform(size=(3, 4)) > 0.5
    return _weighted(name, rng, params={"condition": condition}), [
        _tensor(rng, (3, 4)),
        _tensor(rng, (4,)),
    ]


def _n_ary(name, **params):
    def make(rng):
        return _weighted(name, rng, params=params), [_tensor(rng, (2, 3)) for _ in range(3)]

    return make


def _dot(rng):
    ws = [Value(float(v)) for v in rng.uniform(-1, 1, 3)]
    xs = [Value(float(v)) for v in rng.uniform(-1, 1, 3)]
    b = Value(0.3)
    return (lambda *v: Value._apply(OPS["dot"], v)), ws + xs + [b]


def _extreme(name):
    def make(rng):  # distinct values: no ties, so the max is differentiable
        data = rng.permutation(12).reshape(3, 4) * 0.37 - 2.0
        return _weighted(name, rng, params={"axis": (1,), "keepdims": False}), [
            Tensor(data, requires_grad=True)
        ]

    return make


def _conv2d(rng):
    """Non-square kernel, stride and padding that differ per axis, a bias."""
    return _weighted("conv2d", rng, params={"stride": (2, 1), "padding": (1, 2)}), [
        _tensor(rng, (2, 3, 5, 4)),
        _tensor(rng, (4, 3, 3, 2)),
        _tensor(rng, (4,)),
    ]


def _max_pool(rng):  # distinct values: no ties, so each window's max is unique
    data = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) * 0.05 - 3.0
    return _weighted(
        "max_pool2d", rng, params={"kernel": (2, 3), "stride": (2, 2), "padding": (1, 1)}
    ), [Tensor(data, requires_grad=True)]


def _max_unpool(rng):
    """(2, 2, 2, 3) values put back into 4x6 planes, at one position per 2x2 window."""
    rows = np.arange(2)[:, None] * 2 + rng.integers(0, 2, (2, 2, 2, 3))
    cols = np.arange(3)[None, :] * 2 + rng.integers(0, 2, (2, 2, 2, 3))
    params = {"indices": rows * 6 + cols, "size": (4, 6)}
    return _weighted("max_unpool2d", rng, params=params), [_tensor(rng, (2, 2, 2, 3))]


def _depthwise(rng):
    """Three channels of (2, 3, 5, 6) under 3x2 filters, padding (1, 0), dilation (1, 2)."""
    params = {"padding": (1, 0), "dilation": (1, 2)}
    inputs = [_tensor(rng, (2, 3, 5, 6)), _tensor(rng, (3, 1, 3, 2))]
    return _weighted("depthwise_conv2d", rng, params=params), inputs


def _away_from_zero(name, shapes=((3, 1), (4,)), second_low=-2.0):
    """A two-input op whose inputs stay 0.1 away from 0 (xlogy's y > 0: second_low)."""

    def make(rng):
        first = _tensor(rng, shapes[0], avoid=0.0)
        second = _tensor(rng, shapes[1], low=second_low, avoid=0.0)
        return _weighted(name, rng), [first, second]

    return make


def _einsum(rng):
    """A diagonal, a label summed in one operand only, and a product: "iij,jk->ik"."""
    inputs = [_tensor(rng, (3, 3, 2)), _tensor(rng, (2, 4))]
    return _weighted("einsum", rng, params={"equation": "iij,jk->ik"}), inputs


def _spread_spectrum(rng, shape):
    """Matrices whose singular values (eigenvalues, when square: symmetric) are 1, 2, 3...
    apart, so that the vectors' derivatives, with 1 / (s_j^2 - s_i^2) in them, stay
    small: Q1 diag(1..k) Q2^T for random orthonormal Q1, Q2."""
    *batch, m, n = shape
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal((*batch, m, m)))[0][..., :k]
    q2 = np.linalg.qr(rng.standard_normal((*batch, n, n)))[0][..., :k]
    if m == n:
        q2 = q1  # symmetric: eigh's input
    values = (
        np.arange(1.0, k + 1.0) * np.where(np.arange(k) % 2, -1.0, 1.0)
        if m == n
        else (np.arange(1.0, k + 1.0))
    )
    data = (q1 * values) @ np.swapaxes(q2, -1, -2)
    return Tensor(data, requires_grad=True)


def _square(rng, shape=(2, 3, 3), positive_definite=False):
    """A batch of well-conditioned square matrices (symmetric positive-definite ones for
    cholesky): I * 3 plus small random entries."""
    data = rng.uniform(-0.5, 0.5, shape)
    if positive_definite:
        data = data @ np.swapaxes(data, -1, -2)
    return Tensor(data + 3.0 * np.eye(shape[-1]), requires_grad=True)


def _batch_norm(rng):
    """Three channels of a (4, 3, 2, 2) batch, a weight and a bias."""
    return _weighted("batch_norm", rng, params={"eps": 1e-3}), [
        _tensor(rng, (4, 3, 2, 2)),
        _tensor(rng, (3,)),
        _tensor(rng, (3,)),
    ]


EXAMPLES = {
    "add": _binary("add"),
    "sub": _binary("sub"),
    "mul": _binary("mul"),
    "div": _binary("div", shapes=((3, 1), (4,)), low=0.5, high=2.0),
    "neg": _unary("neg"),
    "pow": _binary("pow", shapes=((3, 4), (4,)), low=0.5, high=2.0),
    "pow_const": _unary("pow_const", 0.5, 2.0, exponent=2.5),
    "exp": _unary("exp"),
    "log": _unary("log", 0.2, 3.0),
    "log10": _unary("log10", 0.2, 3.0),
    "log2": _unary("log2", 0.2, 3.0),
    "erf": _unary("erf", -3.0, 3.0),
    "expm1": _unary("expm1"),
    "log1p": _unary("log1p", 0.2, 3.0),
    "cumsum": _unary("cumsum", axis=1),
    "sqrt": _unary("sqrt", 0.2, 3.0),
    "tanh": _unary("tanh"),
    "sigmoid": _unary("sigmoid"),
    "sin": _unary("sin"),
    "tan": _unary("tan", -1.2, 1.2),
    "asin": _unary("asin", -0.9, 0.9),
    "acos": _unary("acos", -0.9, 0.9),
    "atan": _unary("atan"),
    "sinh": _unary("sinh"),
    "cosh": _unary("cosh"),
    "asinh": _unary("asinh"),
    "acosh": _unary("acosh", 1.1, 3.0),
    "atanh": _unary("atanh", -0.9, 0.9),
    "exp2": _unary("exp2"),
    "sinc": _unary("sinc"),
    "atan2": _away_from_zero("atan2"),
    "hypot": _away_from_zero("hypot"),
    "logaddexp": _binary("logaddexp"),
    "xlogy": _away_from_zero("xlogy", second_low=0.2),
    "copysign": _away_from_zero("copysign"),
    "lgamma": _unary("lgamma", 0.3, 4.0),
    "digamma": _unary("digamma", 0.3, 4.0),
    "polygamma": _unary("polygamma", 0.3, 4.0, n=2),
    "erfinv": _unary("erfinv", -0.9, 0.9),
    "ndtri": _unary("ndtri", 0.05, 0.95),
    "cos": _unary("cos"),
    "softsign": _unary("softsign"),
    "relu": _unary("relu", avoid=0.0),
    "abs": _unary("abs", avoid=0.0),
    "maximum": _binary("maximum", shapes=((3, 4), (3, 4))),
    "minimum": _binary("minimum", shapes=((3, 4), (3, 4))),
    "where": _where,
    "piecewise_where": lambda rng: _where(rng, "piecewise_where"),
    "sum": _unary("sum", axis=(0,), keepdims=False),
    "max": _extreme("max"),
    "min": _extreme("min"),
    "std": _unary("std", axis=(1,), keepdims=True, correction=1),
    "sum_n": _n_ary("sum_n"),
    "dot": _dot,
    "reshape": (
        lambda rng: (_weighted("reshape", rng, params={"shape": (2, 6)}), [_tensor(rng, (3, 4))])
    ),
    "transpose": _unary("transpose", axes=(1, 0)),
    "expand": (
        lambda rng: (_weighted("expand", rng, params={"shape": (2, 3, 4)}), [_tensor(rng, (3, 1))])
    ),
    "sum_to": (
        lambda rng: (_weighted("sum_to", rng, params={"shape": (3, 1)}), [_tensor(rng, (2, 3, 4))])
    ),
    "getitem": _unary("getitem", index=(np.array([0, 2, 0]), slice(1, 3))),
    "scatter_add": (
        lambda rng: (
            _weighted(
                "scatter_add",
                rng,
                params={"shape": (3, 4), "index": (np.array([0, 2, 0]), slice(1, 3))},
            ),
            [_tensor(rng, (3, 2))],
        )
    ),
    "concatenate": _n_ary("concatenate", axis=1),
    "stack": _n_ary("stack", axis=0),
    "cast": _unary("cast", dtype=np.dtype(np.float64)),
    "matmul": _binary("matmul", shapes=((2, 3, 4), (4, 5))),
    "einsum": _einsum,
    "inv": lambda rng: (_weighted("inv", rng), [_square(rng)]),
    "det": lambda rng: (_weighted("det", rng), [_square(rng)]),
    "logabsdet": lambda rng: (_weighted("logabsdet", rng), [_square(rng)]),
    "cholesky": lambda rng: (_weighted("cholesky", rng), [_square(rng, positive_definite=True)]),
    "eigvalsh": lambda rng: (_weighted("eigvalsh", rng), [_spread_spectrum(rng, (2, 3, 3))]),
    "eigh_vectors": lambda rng: (
        _weighted("eigh_vectors", rng),
        [_spread_spectrum(rng, (2, 3, 3))],
    ),
    "svdvals": lambda rng: (_weighted("svdvals", rng), [_spread_spectrum(rng, (2, 4, 3))]),
    "svd_u": lambda rng: (_weighted("svd_u", rng), [_spread_spectrum(rng, (2, 4, 3))]),
    "svd_vh": lambda rng: (_weighted("svd_vh", rng), [_spread_spectrum(rng, (2, 3, 4))]),
    "qr_q": lambda rng: (_weighted("qr_q", rng), [_spread_spectrum(rng, (2, 4, 3))]),
    "qr_r": lambda rng: (_weighted("qr_r", rng), [_spread_spectrum(rng, (2, 4, 3))]),
    "pinv": lambda rng: (_weighted("pinv", rng), [_spread_spectrum(rng, (2, 3, 4))]),
    "linear": _linear,
    "cross_entropy": _cross_entropy,
    "binary_cross_entropy": _binary_cross_entropy,
    "step": _unary("step", avoid=0.0),
    "softplus": _unary("softplus"),
    "unfold": _unary("unfold", shape=(2, 2, 5, 4), kernel=(3, 2), stride=(2, 1), padding=(1, 0)),
    "fold": (
        lambda rng: (
            _weighted(
                "fold",
                rng,
                params={
                    "shape": (2, 2, 5, 4),
                    "kernel": (3, 2),
                    "stride": (2, 1),
                    "padding": (1, 0),
                },
            ),
            [_tensor(rng, (2, 2 * 3 * 2, 3 * 3))],
        )
    ),
    "conv2d": _conv2d,
    "max_pool2d": _max_pool,
    "max_unpool2d": _max_unpool,
    "depthwise_conv2d": _depthwise,
    "batch_norm": _batch_norm,
    "to_device": _unary("to_device", device=Device("cpu")),
}


def scalar_example(name, rng):
    """The Value version of an op with a scalar forward (floats in, float out)."""
    op = OPS[name]
    low, high = (0.2, 3.0) if op.domain == "positive" else (-2.0, 2.0)
    if name == "pow_const":
        return _scalar(name, low, high, exponent=2.5)(rng)
    if name in ("sum_n", "dot"):
        return (
            EXAMPLES[name](rng)
            if name == "dot"
            else (
                (lambda *v: Value._apply(op, v)),
                [Value(float(x)) for x in rng.uniform(-2, 2, 3)],
            )
        )
    f, xs = _scalar(name, low, high, arity=op.arity)(rng)
    for x in xs:  # keep away from kinks
        for kink in op.kinks:
            if abs(x.data - kink) < 0.05:
                x.data = kink + 0.1
    if name == "div":
        xs[1].data = abs(xs[1].data) + 0.5
    return f, xs
