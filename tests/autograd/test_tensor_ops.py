"""Every Tensor op against central differences: broadcasting, axes, second order."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchgrad.autograd import OPS, Tensor
from scratchgrad.autograd.op_examples import EXAMPLES, scalar_example
from scratchgrad.autograd.testing import (arrays, assert_gradients_match,
                              assert_second_derivatives_match, broadcastable_shapes,
                              floats_for)

TENSOR_OPS = [name for name, op in OPS.items() if op.tensors]
SMOOTH_TENSOR_OPS = [name for name in TENSOR_OPS if OPS[name].smooth]


def test_every_op_has_an_example():
    assert set(EXAMPLES) == set(OPS)


@pytest.mark.parametrize("name", TENSOR_OPS)
@pytest.mark.parametrize("seed", [0, 1])
def test_each_tensor_op_matches_central_difference(name, seed):
    f, inputs = EXAMPLES[name](np.random.default_rng(seed))
    assert_gradients_match(f, inputs)


@pytest.mark.parametrize("name", SMOOTH_TENSOR_OPS)
def test_second_derivative_of_each_smooth_op(name):
    f, inputs = EXAMPLES[name](np.random.default_rng(2))
    assert_second_derivatives_match(f, inputs)


@pytest.mark.parametrize("name", [n for n, op in OPS.items() if op.values])
def test_value_and_tensor_forward_agree(name):
    f, values = scalar_example(name, np.random.default_rng(3))
    op = OPS[name]
    if not op.tensors or op.arity is None:
        pytest.skip("n-ary or Value-only op")
    scalar = f(*values).data
    tensors = [Tensor(v.data, requires_grad=True) for v in values]
    params = {"exponent": 2.5} if name == "pow_const" else {}
    assert float(Tensor._apply(op, tuple(tensors), **params).data) == pytest.approx(scalar)


BROADCASTING = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
                "mul": lambda a, b: a * b, "div": lambda a, b: a / (b * b + 0.5),
                "maximum": lambda a, b: a.maximum(b), "minimum": lambda a, b: a.minimum(b),
                "pow": lambda a, b: (a * a + 0.5) ** b}


@pytest.mark.parametrize("name", sorted(BROADCASTING))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_binary_ops_broadcast_and_sum_gradients_back(name, data):
    shape_a, shape_b = data.draw(broadcastable_shapes())
    a = data.draw(arrays(shape_a))
    b = data.draw(arrays(shape_b))
    if name in ("maximum", "minimum"):   # keep clear of ties, where the max has a kink
        gap = np.abs(np.broadcast_to(a.data, np.broadcast_shapes(shape_a, shape_b))
                     - np.broadcast_to(b.data, np.broadcast_shapes(shape_a, shape_b)))
        if gap.size and gap.min() < 1e-3:
            return
    fn = BROADCASTING[name]
    out = fn(a, b)
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    assert_gradients_match(lambda x, y: (fn(x, y) * weights).sum(), [a, b])
    out.sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b


def all_axes(ndim):
    yield None
    for r in range(1, ndim + 1):
        for combo in itertools.combinations(range(ndim), r):
            yield combo if r > 1 else combo[0]
    if ndim:
        yield -1


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "var"])
@settings(max_examples=15, deadline=None)
@given(x=arrays(shape=(2, 3, 2)), keepdims=st.booleans())
def test_reductions_over_every_axis_combination(method, x, keepdims):
    if method in ("max", "min"):   # distinct values: the extremum is differentiable
        x = Tensor(np.random.default_rng(0).permutation(x.size).reshape(x.shape) * 0.3,
                   requires_grad=True)
    for axis in all_axes(x.ndim):
        expected = getattr(np, method)(x.data, axis=axis, keepdims=keepdims,
                                       **({"ddof": 1} if method == "var" else {}))
        out = getattr(x, method)(axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.data, expected)
        w = np.random.default_rng(1).standard_normal(out.shape)
        assert_gradients_match(lambda t: (getattr(t, method)(axis=axis, keepdims=keepdims)
                                          * w).sum(), [x])


def test_matmul_shapes_one_two_and_batched():
    rng = np.random.default_rng(0)
    cases = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
             ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2))]
    for sa, sb in cases:
        a = Tensor(rng.standard_normal(sa), requires_grad=True)
        b = Tensor(rng.standard_normal(sb), requires_grad=True)
        out = a @ b
        np.testing.assert_allclose(out.data, np.matmul(a.data, b.data))
        w = rng.standard_normal(out.shape)
        assert_gradients_match(lambda x, y: ((x @ y) * w).sum(), [a, b])


def test_indexing_slices_int_arrays_with_repeats_and_masks():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    x[np.array([0, 2, 0]), 1:3].sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1:3] = 2.0                     # row 0 picked twice: gradients accumulate
    expected[2, 1:3] = 1.0
    np.testing.assert_array_equal(x.grad, expected)
    y = Tensor(np.arange(6.0) - 2.5, requires_grad=True)
    mask = y.data > 0
    (y[mask] ** 2).sum().backward()
    np.testing.assert_allclose(y.grad, np.where(mask, 2 * y.data, 0.0))
    z = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert_gradients_match(lambda t: (t[::-2, None, 1] * 3.0).sum() + t[-1].tanh().sum(), [z])


def test_shape_ops_move_gradients_back():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = rng.standard_normal((3, 1, 2))
    checks = [
        lambda t: (t.T.reshape(3, 1, 2) * w).sum(),
        lambda t: (t.unsqueeze(0).permute(2, 0, 1).squeeze(1) * w[:, 0, :]).sum(),
        lambda t: (t.expand(4, 2, 3)[1:] ** 2).sum(),
        lambda t: (t.flatten() * np.arange(6.0)).sum(),
    ]
    for f in checks:
        assert_gradients_match(f, [x])


def test_where_clip_and_stacking_against_numpy():
    from scratchgrad import autograd
    a = Tensor(np.array([[-1.5, 0.5], [2.0, -0.2]]), requires_grad=True)
    b = Tensor(np.array([1.0, -3.0]), requires_grad=True)
    out = autograd.where(a.data > 0, a, b)
    np.testing.assert_allclose(out.data, np.where(a.data > 0, a.data, b.data))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, (a.data > 0).astype(float))
    np.testing.assert_array_equal(b.grad, (a.data <= 0).sum(axis=0))
    c = autograd.concatenate([a, b.reshape(1, 2)], axis=0)
    s = autograd.stack([a[0], b], axis=1)
    assert c.shape == (3, 2) and s.shape == (2, 2)
    np.testing.assert_allclose(a.clip(-1, 1).data, np.clip(a.data, -1, 1))


@settings(max_examples=20, deadline=None)
@given(x=arrays(shape=(3, 5), low=-50, high=50))
def test_softmax_family_is_stable_and_consistent(x):
    from scratchgrad import nn
    big = Tensor(x.data * 100, requires_grad=True)     # logits up to ±5000
    p = big.softmax(axis=-1)
    assert np.all(np.isfinite(p.data)) and np.allclose(p.data.sum(-1), 1)
    log_p = big.log_softmax(-1).data
    assert np.all(np.isfinite(log_p))
    np.testing.assert_allclose(np.exp(log_p), p.data, atol=1e-12)
    labels = np.array([0, 3, 4])
    by_label = nn.functional.cross_entropy(x, labels)
    by_onehot = nn.functional.cross_entropy(x, np.eye(5)[labels])
    assert by_label.item() == pytest.approx(by_onehot.item())


@settings(max_examples=25, deadline=None)
@given(st.lists(floats_for("real"), min_size=2, max_size=5))
def test_shared_subexpression_gets_both_paths(values):
    x = Tensor(np.array(values), requires_grad=True)
    h = x.tanh()
    out = (h * h + h).sum()          # h is used three times
    out.backward()
    t = np.tanh(np.array(values))
    np.testing.assert_allclose(x.grad, (2 * t + 1) * (1 - t * t), rtol=1e-10)
