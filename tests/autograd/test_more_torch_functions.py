"""The fused arithmetic, rearranging and statistics methods (autograd/tensor_arithmetic.py,
tensor_rearranging.py, tensor_statistics.py) and their torch functions, against PyTorch:
values, dtypes and every input's gradient in float64, a float32 case, ties and NaN where
they matter, and the errors bad input gets."""

import warnings

import numpy as np
import pytest
from oracles import oracle
from torch_compare import compare

import scratchgrad as sg

torch = oracle("torch")
rng = np.random.default_rng(11)
X = rng.normal(size=(3, 4))
Y = rng.normal(size=(3, 4))
V3 = rng.normal(size=(4, 3))
W3 = rng.normal(size=(4, 3))
A = rng.normal(size=(3, 5))
B = rng.normal(size=(5, 4))
C = rng.normal(size=(2, 3, 4))
U = rng.normal(size=3)
P = rng.normal(size=5)
Q = rng.normal(size=4)
BIG = np.array([[1000.0, -1000.0, 3.0, 999.0], [-np.inf, -np.inf, 0.5, -np.inf]])
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 5.0], [4.0, 1.0, 4.0, 1.0, 1.0]])
WITH_NAN = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 4.0, -1.0, 7.0], [np.nan, np.nan, np.nan, 1]])
NON_FINITE = np.array([[1.0, np.nan, np.inf], [-np.inf, 2.0, -3.0]])

CASES = {
    # --- arithmetic
    "lerp number": (lambda m, a, b: m.lerp(a, b, 0.3), [X, Y]),
    "lerp tensor weight": (lambda m, a, b, w: a.lerp(b, w), [X, Y, rng.uniform(size=4)]),
    "lerp broadcast": (lambda m, a, b: m.lerp(a, b, 0.75), [X, Q]),
    "addcmul": (lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [X, Y, Q]),
    "addcdiv": (lambda m, a, b, c: a.addcdiv(b, c, value=-2), [X, Y, Q + 3]),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b), [rng.normal(size=(3, 4)), A, B]),
    "addmm scaled broadcast": (
        lambda m, c, a, b: c.addmm(a, b, beta=0.5, alpha=2.0),
        [rng.normal(size=4), A, B],
    ),
    "addmm beta 0": (lambda m, c, a, b: m.addmm(c, a, b, beta=0), [X, A, B]),
    "addmv": (lambda m, c, a, v: m.addmv(c, a, v, beta=2, alpha=0.5), [U, A, P]),
    "addr": (lambda m, c, u, v: m.addr(c, u, v, alpha=3), [X, U, Q]),
    "baddbmm": (
        lambda m, c, a, b: m.baddbmm(c, a, b, alpha=0.5),
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 5, 4))],
    ),
    "addbmm": (
        lambda m, c, a, b: c.addbmm(a, b, beta=0.25),
        [rng.normal(size=(3, 4)), rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 5, 4))],
    ),
    "cross -1": (lambda m, a, b: m.cross(a, b, dim=-1), [V3, W3]),
    "cross 0": (lambda m, a, b: a.t().cross(b.t(), 0), [V3, W3]),
    "cross broadcast": (lambda m, a, b: m.cross(a, b, dim=1), [V3, U[None]]),
    "kron": (lambda m, a, b: m.kron(a, b), [X[:2, :3], Y[:3, :2]]),
    "kron 1-D and 2-D": (lambda m, a, b: a.kron(b), [U, X]),
    "dist": (lambda m, a, b: m.dist(a, b), [X, Y]),
    "dist 1": (lambda m, a, b: a.dist(b, 1), [X, Y]),
    "dist 3 broadcast": (lambda m, a, b: m.dist(a, b, 3), [X, Q]),
    "dist inf": (lambda m, a, b: m.dist(a, b, float("inf")), [X, Y]),
    "renorm rows": (lambda m, a: m.renorm(a * 2, 2, 0, 1.5), [X]),
    "renorm columns p1": (lambda m, a: a.renorm(1, 1, 2.0), [X]),
    "renorm 3-D": (lambda m, a: a.renorm(3, -1, 1.0), [C]),
    "nan_to_num": (lambda m, a: m.nan_to_num(a), [NON_FINITE]),
    "nan_to_num given": (lambda m, a: a.nan_to_num(1.5, 9.0, -9.0), [NON_FINITE]),
    "true_divide": (lambda m, a, b: m.true_divide(a, b), [X, Y + 3]),
    # --- rearranging
    "rot90": (lambda m, a: m.rot90(a), [X]),
    "rot90 2": (lambda m, a: a.rot90(2), [X]),
    "rot90 -1 dims": (lambda m, a: m.rot90(a, -1, (1, 2)), [C]),
    "rot90 3": (lambda m, a: a.rot90(3, [2, 0]), [C]),
    "flipud": (lambda m, a: m.flipud(a), [X]),
    "fliplr": (lambda m, a: a.fliplr(), [C]),
    "ravel": (lambda m, a: m.ravel(a.t()), [X]),
    "tensor_split sections": (lambda m, a: m.tensor_split(a, 3, dim=1), [rng.normal(size=(2, 7))]),
    "tensor_split indices": (lambda m, a: a.tensor_split([1, 5]), [rng.normal(size=(7, 2))]),
    "tensor_split unsorted": (lambda m, a: a.tensor_split((5, 2, -1)), [rng.normal(size=7)]),
    "tensor_split tensor": (lambda m, a: m.tensor_split(a, m.tensor([2, 3]), 1), [X]),
    "tensor_split 0-d tensor": (lambda m, a: a.tensor_split(m.tensor(3), 1), [X]),
    "hsplit": (lambda m, a: m.hsplit(a, 2), [X]),
    "hsplit 1-D": (lambda m, a: a.hsplit([2, 3]), [P]),
    "vsplit": (lambda m, a: m.vsplit(a, [1]), [X]),
    "dsplit": (lambda m, a: m.dsplit(a, 2), [C]),
    "diff": (lambda m, a: m.diff(a), [X]),
    "diff n dim": (lambda m, a: a.diff(2, 0), [rng.normal(size=(5, 3))]),
    "diff prepend append": (
        lambda m, a, p, q: m.diff(a, 1, 1, prepend=p, append=q),
        [X, rng.normal(size=(3, 2)), rng.normal(size=(3, 1))],
    ),
    "diff n too large": (lambda m, a: a.diff(5), [Q]),
    "diag_embed": (lambda m, a: m.diag_embed(a), [X]),
    "diag_embed offset": (lambda m, a: a.diag_embed(1), [X]),
    "diag_embed negative dims": (lambda m, a: m.diag_embed(a, -2, 0, 2), [C]),
    "diag_embed swapped": (lambda m, a: a.diag_embed(0, -1, -2), [X]),
    # --- statistics
    "cummax": (lambda m, a: m.cummax(a, 1), [TIES]),
    "cummax dim 0": (lambda m, a: a.cummax(0), [TIES]),
    "cummin": (lambda m, a: m.cummin(a, -1), [TIES]),
    "cummin 3-D": (lambda m, a: a.cummin(1), [C]),
    "logcumsumexp": (lambda m, a: m.logcumsumexp(a, 1), [X]),
    "logcumsumexp 0": (lambda m, a: a.logcumsumexp(0), [C]),
    "logcumsumexp long": (lambda m, a: a.logcumsumexp(0), [rng.normal(size=37)]),
    "aminmax": (lambda m, a: m.aminmax(a), [X]),
    "aminmax dim": (lambda m, a: a.aminmax(dim=1, keepdim=True), [TIES]),
    "nanmean": (lambda m, a: m.nanmean(a), [WITH_NAN[:2]]),
    "nanmean dim": (lambda m, a: a.nanmean(1, keepdim=True), [WITH_NAN[:2]]),
    "kthvalue": (lambda m, a: m.kthvalue(a, 2), [X]),
    "kthvalue dim keep": (lambda m, a: a.kthvalue(3, 0, True), [X]),
    "mode": (lambda m, a: m.mode(a), [TIES]),
    "mode dim 0": (lambda m, a: a.mode(0, keepdim=True), [TIES]),
    "mode 1-D": (lambda m, a: a.mode(), [np.array([3.0, 1.0, 1.0, 3.0, 2.0])]),
    "quantile": (lambda m, a: m.quantile(a, 0.3), [X]),
    "quantile dim": (lambda m, a: a.quantile(0.5, dim=1), [X]),
    "quantile q tensor": (lambda m, a, q: m.quantile(a, q, dim=0, keepdim=True), [X, [0.1, 0.9]]),
    "quantile q tensor all keep": (lambda m, a, q: a.quantile(q, keepdim=True), [C, [0.25, 1.0]]),
    "quantile lower": (lambda m, a: a.quantile(0.4, 1, interpolation="lower"), [X]),
    "quantile higher": (lambda m, a: a.quantile(0.4, 1, interpolation="higher"), [X]),
    "quantile nearest": (lambda m, a: a.quantile(0.5, 1, interpolation="nearest"), [X]),
    "quantile midpoint": (lambda m, a: a.quantile(0.3, 0, interpolation="midpoint"), [X]),
    "quantile nan": (lambda m, a: m.quantile(a, 0.5, dim=1), [WITH_NAN]),
    "nanquantile": (lambda m, a: m.nanquantile(a, 0.5, dim=1), [WITH_NAN]),
    "nanquantile flat": (lambda m, a: a.nanquantile(0.7), [WITH_NAN]),
    "cov": (lambda m, a: m.cov(a), [X]),
    "cov correction 0": (lambda m, a: a.cov(correction=0), [X]),
    "cov 1-D": (lambda m, a: m.cov(a), [Q]),
    "cov fweights": (lambda m, a: m.cov(a, fweights=m.tensor([1, 2, 0, 3])), [X]),
    "cov aweights": (lambda m, a, w: m.cov(a, aweights=w), [X, rng.uniform(0.5, 2, 4)]),
    "cov both": (
        lambda m, a: a.cov(fweights=m.tensor([1, 2, 1, 3]), aweights=m.tensor([0.5, 1, 2, 1.5])),
        [X],
    ),
    "corrcoef": (lambda m, a: m.corrcoef(a), [X]),
    "corrcoef 1-D": (lambda m, a: a.corrcoef(), [Q]),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, arrays = CASES[case]
    compare(torch, make, [np.asarray(a, dtype=np.float64) for a in arrays])


FLOAT32 = [
    "lerp number",
    "addmm scaled broadcast",
    "baddbmm",
    "cross -1",
    "kron",
    "renorm rows",
    "nan_to_num",
    "diff prepend append",
    "diag_embed offset",
    "cummax",
    "logcumsumexp",
    "quantile q tensor",
    "nanquantile",
    "cov aweights",
    "corrcoef",
]


@pytest.mark.oracle
@pytest.mark.parametrize("case", FLOAT32)
def test_float32_matches_pytorch(case):
    make, arrays = CASES[case]
    compare(torch, make, [np.asarray(a, np.float32) for a in arrays], rtol=2e-5, atol=2e-6)


@pytest.mark.oracle
def test_logcumsumexp_stays_finite_where_exp_would_overflow():
    compare(torch, lambda m, a: m.logcumsumexp(a, 1), [BIG], grad=False)
    compare(torch, lambda m, a: m.logcumsumexp(a, 1), [BIG[:1]])


@pytest.mark.oracle
def test_cummax_and_cummin_indices_with_nan_follow_pytorch():
    data = np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 0.0])
    for name in ("cummax", "cummin"):
        ours = getattr(sg.tensor(data), name)(0)
        theirs = getattr(torch.tensor(data), name)(0)
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        assert ours.indices.dtype == np.int64


INTEGER_CASES = {
    "cummax": lambda m, a: m.cummax(a, 1),
    "mode": lambda m, a: m.mode(a, 1),
    "kthvalue": lambda m, a: m.kthvalue(a, 1, 0),
    "diff": lambda m, a: m.diff(a, dim=0),
    "rot90": lambda m, a: m.rot90(a),
    "kron": lambda m, a: m.kron(a, a),
    "floor_divide": lambda m, a: m.floor_divide(a, 2),
    "true_divide": lambda m, a: m.true_divide(a, 2),
    "nan_to_num": lambda m, a: m.nan_to_num(a),
    "aminmax": lambda m, a: m.aminmax(a, dim=0),
    "cov": lambda m, a: m.cov(a),
    "diff bool": lambda m, a: m.diff(a > 1),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(INTEGER_CASES))
def test_integer_inputs_keep_pytorch_dtypes(case):
    ints = np.array([[3, 1, 2], [1, 1, 4]])
    compare(torch, INTEGER_CASES[case], [ints], grad=False)


@pytest.mark.oracle
def test_floor_divide_has_no_gradient_and_floors():
    a = np.array([-7.5, 7.5, -3.0])
    compare(torch, lambda m, x: m.floor_divide(x, 2), [a], grad=False)
    assert not sg.floor_divide(sg.tensor(a, requires_grad=True), 2).requires_grad


@pytest.mark.oracle
def test_cross_without_dim_warns_and_takes_the_first_axis_of_size_3():
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ours = sg.cross(sg.tensor(a), sg.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.data, theirs.numpy())


def test_addmm_beta_0_ignores_nan_in_the_input():
    out = sg.addmm(sg.tensor([[np.nan, np.inf]]), sg.ones(1, 2), sg.ones(2, 2), beta=0)
    np.testing.assert_array_equal(out.data, [[2.0, 2.0]])


ERRORS = [
    (lambda: sg.addmm(sg.ones(2, 2), sg.ones(2, 3), sg.ones(2, 2)), ValueError, "shapes"),
    (lambda: sg.addmm(sg.ones(2, 2, 2), sg.ones(2, 3), sg.ones(3, 2)), ValueError, "broadcast"),
    (lambda: sg.addmv(sg.ones(2), sg.ones(2, 3), sg.ones(3, 1)), ValueError, "vec must be 1-D"),
    (lambda: sg.baddbmm(sg.ones(2), sg.ones(2, 3), sg.ones(3, 2)), ValueError, "3-D"),
    (lambda: sg.addcdiv(sg.tensor([1]), sg.tensor([1]), sg.tensor([2])), TypeError, "integer"),
    (lambda: sg.cross(sg.ones(3, 2), sg.ones(3, 2), dim=1), ValueError, "length 3"),
    (lambda: sg.renorm(sg.ones(2, 2), 0, 0, 1.0), ValueError, "p must be positive"),
    (lambda: sg.rot90(sg.ones(2, 2), 1, (0, 0)), ValueError, "must differ"),
    (lambda: sg.rot90(sg.ones(2), 1), ValueError, "at least 2 dimensions"),
    (lambda: sg.fliplr(sg.ones(2)), ValueError, "at least 2"),
    (lambda: sg.hsplit(sg.ones(2, 3), 2), ValueError, "not divisible"),
    (lambda: sg.tensor_split(sg.ones(3), 0), ValueError, "at least 1"),
    (lambda: sg.tensor_split(sg.ones(3), sg.tensor([1.5])), TypeError, "integers"),
    (lambda: sg.diff(sg.ones(2, 2), prepend=sg.ones(2)), ValueError, "as many dimensions"),
    (lambda: sg.diff(sg.tensor(1.0)), ValueError, "0-d"),
    (lambda: sg.diag_embed(sg.ones(2), 0, 0, 0), ValueError, "both axis"),
    (lambda: sg.kthvalue(sg.ones(2), 3), ValueError, "out of range"),
    (lambda: sg.quantile(sg.ones(2), 1.5), ValueError, r"range \[0, 1\]"),
    (lambda: sg.quantile(sg.tensor([1, 2]), 0.5), TypeError, "float"),
    (lambda: sg.quantile(sg.ones(2), 0.5, interpolation="foo"), ValueError, "interpolation"),
    (
        lambda: sg.quantile(sg.ones(2), sg.tensor([0.5], dtype=np.float32)),
        TypeError,
        "dtype",
    ),
    (lambda: sg.nanmean(sg.tensor([1, 2])), TypeError, "float"),
    (lambda: sg.aminmax(sg.ones(0)), ValueError, "empty"),
    (lambda: sg.cov(sg.ones(2, 2, 2)), ValueError, "1-D or 2-D"),
    (lambda: sg.cov(sg.ones(2, 3), fweights=sg.tensor([1.0, 2, 3])), TypeError, "integers"),
    (lambda: sg.cov(sg.ones(2, 3), fweights=sg.tensor([1, 2])), ValueError, "one entry"),
    (lambda: sg.cov(sg.ones(2, 3), fweights=sg.tensor([1, -2, 1])), ValueError, "non-negative"),
    (lambda: sg.logcumsumexp(sg.tensor([1, 2]), 0), TypeError, "float"),
]


@pytest.mark.parametrize("make, error, words", ERRORS)
def test_bad_input_is_refused_with_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_cov_with_too_few_observations_warns_like_pytorch():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        out = sg.cov(sg.ones(1, 1))
    assert np.isnan(out.item()) or np.isinf(out.item())
