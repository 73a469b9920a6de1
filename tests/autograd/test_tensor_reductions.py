"""Reductions (sum, mean, max, min, var, std) over every axis combination: against PyTorch
(axis tuples, negative axes, keepdims, ties, empty and 0-d inputs) and central
differences, with clear errors for bad axes."""

import itertools

import numpy as np
import pytest
from helpers import R, check
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

from scratchgrad.autograd import Tensor
from scratchgrad.autograd.testing import arrays, assert_gradients_match

torch = oracle("torch")


def _torch_reduce(fn, t, axis, keepdims):
    dim = tuple(range(t.ndim)) if axis is None else axis
    if fn in ("max", "min"):
        return getattr(torch, "a" + fn)(t, dim=dim, keepdim=keepdims)
    return getattr(t, fn)(dim=dim, keepdim=keepdims)


@pytest.mark.oracle
@pytest.mark.parametrize("fn", ["sum", "mean", "max", "min", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (-1, -3), (1,), [2, 0]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_torch(fn, axis, keepdims):
    check(
        lambda a: getattr(a, fn)(axis=axis, keepdims=keepdims),
        lambda t: _torch_reduce(fn, t, tuple(axis) if isinstance(axis, list) else axis, keepdims),
        R(2, 3, 4),
    )


@pytest.mark.oracle
def test_max_min_ties_split_the_gradient_like_torch_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check(lambda a: a.max(axis=1), lambda t: t.amax(dim=1), x)
    check(lambda a: a.min(axis=0, keepdims=True), lambda t: t.amin(dim=0, keepdim=True), x)
    check(lambda a: a.max(), lambda t: t.amax(), x)
    check(
        lambda a: a.max(axis=(0, 2), keepdims=True),
        lambda t: t.amax(dim=(0, 2), keepdim=True),
        np.ones((2, 2, 2)),
    )


@pytest.mark.oracle
def test_var_std_corrections_and_constant_input():
    check(lambda a: a.var(axis=1, correction=2), lambda t: t.var(dim=1, correction=2), R(2, 4))
    check(lambda a: a.var(correction=0), lambda t: t.var(correction=0), np.array([2.0]))
    check(lambda a: a.std(axis=1), lambda t: t.std(dim=1), np.ones((2, 3)))  # grad 0, not nan


@pytest.mark.oracle
def test_reductions_of_empty_and_zero_dim_tensors():
    check(lambda a: a.sum(), lambda t: t.sum(), np.zeros((0, 3)))
    check(lambda a: a.sum(axis=0), lambda t: t.sum(dim=0), np.zeros((0, 3)))
    check(lambda a: a.max(axis=1), lambda t: t.amax(dim=1), np.zeros((0, 3)))
    check(lambda a: a.sum(), lambda t: t.sum(), np.array(2.0))
    check(lambda a: a.max(), lambda t: t.amax(), np.array(2.0))
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0, 3))).mean()  # torch gives nan; we refuse clearly
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.zeros((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="divides by zero"):
        Tensor([1.0]).var()


def test_sum_over_no_axes_is_the_identity_like_numpy():
    x = Tensor(R(2, 3), requires_grad=True)
    out = x.sum(axis=())
    assert out.shape == (2, 3)
    out.backward(np.full((2, 3), 2.0))
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_reduction_axis_errors_are_clear():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same axis twice"):
        x.sum(axis=(0, -2))
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=2)
    assert x.sum(axis=np.int64(1)).shape == (2,)


def test_max_with_nan_and_inf():
    x = Tensor([1.0, np.inf, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    y = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    out = y.max()
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(y.grad, [0.0, 1.0, 0.0])  # the NaN gets the gradient


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
    if method in ("max", "min"):  # distinct values: the extremum is differentiable
        x = Tensor(
            np.random.default_rng(0).permutation(x.size).reshape(x.shape) * 0.3, requires_grad=True
        )
    for axis in all_axes(x.ndim):
        expected = getattr(np, method)(
            x.data, axis=axis, keepdims=keepdims, **({"ddof": 1} if method == "var" else {})
        )
        out = getattr(x, method)(axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.data, expected)
        w = np.random.default_rng(1).standard_normal(out.shape)
        assert_gradients_match(
            lambda t: (getattr(t, method)(axis=axis, keepdims=keepdims) * w).sum(), [x]
        )
