"""Indexing: ints, negative steps, repeated fancy indices (gradients accumulate), masks,
None and Ellipsis, against PyTorch and central differences, and to second order."""

import numpy as np
import pytest
from helpers import R, check
from oracles import oracle

from scratchgrad import autograd as ag
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

X45 = R(4, 5)

INDICES = {
    "int and slice": (1, slice(None)),
    "negative ints": (-1, -2),
    "repeated fancy": ([0, 0, 2, 0],),
    "repeated fancy 2d": ([0, 0, 1], [2, 2, 3]),
    "fancy array 2d": (np.array([[0, 1], [1, 1]]),),
    "bool rows": (X45[:, 0] > 0,),
    "bool full": (X45 > 0,),
    "newaxis": (None, slice(None), None),
    "ellipsis": (Ellipsis, 1),
    "ellipsis newaxis": (Ellipsis, None),
    "slice and fancy": (slice(1, 3), [0, 0, 4]),
    "empty slice": (slice(2, 2),),
    "numpy int": (np.int64(2),),
    "None ellipsis fancy": (None, Ellipsis, [2, 2]),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(INDICES))
def test_getitem_matches_torch(name):
    ix = INDICES[name]
    tix = tuple(torch.tensor(i) if isinstance(i, (list, np.ndarray)) else i for i in ix)
    check(lambda a: a[ix], lambda t: t[tix], X45)


def test_negative_step_slices_match_numpy():
    x = Tensor(X45, requires_grad=True)
    y = x[::-1, 4:0:-2]
    np.testing.assert_array_equal(y.data, X45[::-1, 4:0:-2])
    y.backward(np.ones(y.shape))
    expected = np.zeros_like(X45)
    expected[::-1, 4:0:-2] += 1
    np.testing.assert_array_equal(x.grad, expected)


def test_repeated_indices_accumulate_gradients():
    x = Tensor(np.zeros(3), requires_grad=True)
    y = x[np.array([[0, 0], [0, 2]])]
    (y * Tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 0.0, 4.0])
    x = Tensor(np.zeros((3, 3)), requires_grad=True)
    x[[0, 0, 0], [1, 1, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad[0], [0.0, 2.0, 1.0])


def test_indexing_slices_int_arrays_with_repeats_and_masks():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    x[np.array([0, 2, 0]), 1:3].sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 1:3] = 2.0  # row 0 picked twice: gradients accumulate
    expected[2, 1:3] = 1.0
    np.testing.assert_array_equal(x.grad, expected)
    y = Tensor(np.arange(6.0) - 2.5, requires_grad=True)
    mask = y.data > 0
    (y[mask] ** 2).sum().backward()
    np.testing.assert_allclose(y.grad, np.where(mask, 2 * y.data, 0.0))
    z = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert_gradients_match(lambda t: (t[::-2, None, 1] * 3.0).sum() + t[-1].tanh().sum(), [z])


def test_second_order_through_repeated_index():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = ag.grad((x[[0, 0, 1]] ** 3).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, [6.0, 12.0, 0.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad, [12.0, 12.0, 0.0])


@pytest.mark.oracle
def test_index_with_tensor_and_zero_dim():
    check(
        lambda a: a[Tensor(np.array([1, 1]), dtype=np.int64)],
        lambda t: t[torch.tensor([1, 1])],
        X45,
    )
    check(lambda a: a[...], lambda t: t[...], np.array(3.0))
    check(lambda a: a[None], lambda t: t[None], np.array(3.0))
    with pytest.raises(IndexError, match="integer"):  # Tensor([0, 1]) is float64
        Tensor(X45)[Tensor([0, 1])]
