"""Forward mode: every op's jvp rule against central differences, jvp and vjp as
transposes, forward and reverse Jacobians equal, Hessians, errors, and torch.func."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

from scratchgrad import autograd
from scratchgrad.autograd import OPS, Tensor, Value, hessian, hvp, jacobian, jvp, vjp
from scratchgrad.autograd.op_examples import EXAMPLES, scalar_example
from scratchgrad.autograd.testing import (
    arrays,
    assert_jvp_matches,
    broadcastable_shapes,
    expressions,
)

torch = oracle("torch")


def test_every_op_has_a_jvp_rule():
    missing = sorted(name for name, op in OPS.items() if op.jvp is None)
    assert not missing, f"ops without a forward-mode (jvp) rule: {missing}"


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_each_op_jvp_matches_central_difference(name, seed):
    f, inputs = EXAMPLES[name](np.random.default_rng(seed))
    assert_jvp_matches(f, inputs, seed=seed)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.values))
def test_each_scalar_op_jvp_on_values(name):
    f, values = scalar_example(name, np.random.default_rng(5))
    assert_jvp_matches(f, values)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_broadcasting_binary_jvps(data):
    shape_a, shape_b = data.draw(broadcastable_shapes())
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    for f in (
        lambda x, y: x * y + x,
        lambda x, y: x / (y * y + 1.0),
        lambda x, y: x - y,
        lambda x, y: (x * y).tanh() + y,
    ):
        assert_jvp_matches(f, [a, b])


@settings(max_examples=40, deadline=None)
@given(expr=expressions(kind="tensor"), seed=st.integers(0, 1000))
def test_jvp_and_vjp_are_transposes(expr, seed):
    """<J v, u> == <v, J^T u> on random expression graphs (shared sub-expressions too)."""
    rng = np.random.default_rng(seed)
    leaves = expr.leaves()
    vs = [rng.standard_normal(x.shape) for x in leaves]
    out, jv = jvp(expr.build, tuple(leaves), tuple(vs))
    u = rng.standard_normal(out.shape)
    _, pullback = vjp(expr.build, *leaves)
    ju = pullback(u)
    lhs = float(np.sum(jv.data * u))
    rhs = sum(float(np.sum(v * g.data)) for v, g in zip(vs, ju))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000))
def test_forward_and_reverse_jacobians_agree(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 2))
    w = Tensor(rng.standard_normal((2, 4)))

    def f(t):
        return ((t @ w).tanh() * t.sum(axis=1, keepdims=True)).softmax(axis=-1)

    forward = jacobian(f, x, mode="forward")
    reverse = jacobian(f, x, mode="reverse")
    assert forward.shape == (3, 4, 3, 2)
    np.testing.assert_allclose(forward.data, reverse.data, atol=1e-10, rtol=0)


def test_jacobian_of_tuples_gives_nested_blocks():
    a, b = np.array([1.0, 2.0]), np.array(3.0)
    J = jacobian(lambda x, y: (x * y, (x * x).sum()), (a, b), mode="forward")
    assert len(J) == 2 and len(J[0]) == 2
    np.testing.assert_allclose(J[0][0].data, np.diag([3.0, 3.0]))
    np.testing.assert_allclose(J[0][1].data, [1.0, 2.0])
    np.testing.assert_allclose(J[1][0].data, [2.0, 4.0])
    np.testing.assert_allclose(J[1][1].data, 0.0)
    R = jacobian(lambda x, y: (x * y, (x * x).sum()), (a, b), mode="reverse")
    for row_f, row_r in zip(J, R):
        for block_f, block_r in zip(row_f, row_r):
            np.testing.assert_allclose(block_f.data, block_r.data)


def test_dual_numbers_on_values():
    """Forward mode on scalars is dual-number arithmetic: f(a + b ε) = f(a) + f'(a) b ε."""
    f = lambda x, y: (x * y + x.sin()).exp()  # noqa: E731
    out, tangent = jvp(f, (Value(0.5), Value(2.0)), (1.0, 0.0))
    expected = math.exp(1.0 + math.sin(0.5)) * (2.0 + math.cos(0.5))
    assert tangent.data == pytest.approx(expected, rel=1e-12)
    assert out.data == pytest.approx(math.exp(1.0 + math.sin(0.5)))
    out, tangent = jvp(lambda x: x**3, (2.0,), (1.0,))  # plain floats become Values
    assert tangent.data == pytest.approx(12.0)


def test_hessian_and_hvp_forward_over_reverse():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    A = A + A.T
    f = lambda x: 0.5 * (x * (Tensor(A) @ x)).sum() + (x**3).sum()  # noqa: E731
    x = rng.standard_normal(4)
    H = hessian(f, x)
    np.testing.assert_allclose(H.data, A + np.diag(6 * x), atol=1e-10)
    v = rng.standard_normal(4)
    value, Hv = hvp(f, x, v)
    np.testing.assert_allclose(Hv.data, (A + np.diag(6 * x)) @ v, atol=1e-10)
    assert value.data == pytest.approx(f(Tensor(x)).data)
    assert hessian(lambda x: x * x * x, Value(2.0)).data == pytest.approx(12.0)


def test_hessian_of_a_model_loss_is_symmetric():
    from scratchgrad import nn

    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor(np.random.default_rng(1).standard_normal((5, 3)))
    labels = np.array([0, 1, 1, 0, 1])
    w = model[0].weight

    def loss(weight):
        h = (x @ weight.T + model[0].bias).tanh()
        return nn.functional.cross_entropy(model[2](h), labels)

    H = hessian(loss, w.data.copy())
    flat = H.data.reshape(w.data.size, w.data.size)
    np.testing.assert_allclose(flat, flat.T, atol=1e-10)


def test_zero_tangent_for_an_unused_input():
    out, tangent = jvp(lambda x, y: x * 2.0, (np.ones(3), np.ones(2)), (np.zeros(3), np.ones(2)))
    np.testing.assert_array_equal(tangent.data, np.zeros(3))
    out, tangent = jvp(lambda x, y: y * 1.0, (np.ones(3), np.ones(2)), (np.ones(3), np.zeros(2)))
    np.testing.assert_array_equal(tangent.data, np.zeros(2))


def test_errors_name_what_is_wrong():
    with pytest.raises(
        ValueError, match=r"tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"
    ):
        jvp(lambda x: x * 2, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="dtype float32 but primal 0 has dtype float64"):
        jvp(lambda x: x * 2, (np.ones(3),), (np.ones(3, dtype=np.float32),))
    with pytest.raises(TypeError, match="must return a Tensor or Value"):
        jvp(lambda x: 3.0, (np.ones(3),), (np.ones(3),))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        jvp(lambda x: x, (np.ones(3),), (np.ones(3), np.ones(3)))
    with pytest.raises(ValueError, match="mode must be"):
        jacobian(lambda x: x, np.ones(2), mode="sideways")
    with pytest.raises(ValueError, match="one scalar"):
        hessian(lambda x: x * x, np.ones(3))


def test_gradcheck_check_forward_catches_a_wrong_jvp_rule():
    from scratchgrad.autograd.op_table import Op

    wrong = Op(
        "bad_square",
        lambda x: x * x,
        vjp=lambda node, g, xs, out: (g * 2 * xs[0],),
        jvp=lambda node, ts, xs, out: ts[0] * 3 * xs[0],
    )  # should be 2 x
    x = Tensor(np.array([0.5, 1.5, -2.0]), requires_grad=True)
    f = lambda t: Tensor._apply(wrong, (t,)).sum()  # noqa: E731
    assert autograd.gradcheck(f, [x], raise_exception=False)  # reverse is right
    report = autograd.gradcheck(f, [x], raise_exception=False, check_forward=True)
    assert not report.ok and "forward mode" in str(report)


@pytest.mark.oracle
def test_against_torch_func():
    t_hessian, jacfwd, jacrev, t_jvp = (
        torch.func.hessian,
        torch.func.jacfwd,
        torch.func.jacrev,
        torch.func.jvp,
    )
    rng = np.random.default_rng(3)
    x, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def ours(t):
        return (t.tanh() * t.exp()).sum(axis=0) / (t * t + 1.0).sum(axis=0)

    def theirs(t):
        return (t.tanh() * t.exp()).sum(dim=0) / (t * t + 1.0).sum(dim=0)

    tx, tv = torch.tensor(x), torch.tensor(v)
    np.testing.assert_allclose(
        jvp(ours, (x,), (v,))[1].data, t_jvp(theirs, (tx,), (tv,))[1].numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        jacobian(ours, x, mode="forward").data, jacfwd(theirs)(tx).numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        jacobian(ours, x, mode="reverse").data, jacrev(theirs)(tx).numpy(), atol=1e-12
    )
    scalar_ours = lambda t: ours(t).sum()  # noqa: E731
    scalar_theirs = lambda t: theirs(t).sum()  # noqa: E731
    np.testing.assert_allclose(
        hessian(scalar_ours, x).data, t_hessian(scalar_theirs)(tx).numpy(), atol=1e-10
    )
    u = rng.standard_normal(4)
    _, pullback = vjp(ours, x)
    _, t_pull = torch.func.vjp(theirs, tx)
    np.testing.assert_allclose(pullback(u)[0].data, t_pull(torch.tensor(u))[0].numpy(), atol=1e-12)
