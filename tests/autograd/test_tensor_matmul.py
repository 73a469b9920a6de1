"""Matmul with 1-D, 2-D and batched operands (and ndarrays on either side): values and
gradients against numpy, central differences and PyTorch."""

import numpy as np
import pytest
from helpers import R, check
from oracles import oracle

from scratchgrad.autograd import Tensor
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")


def test_matmul_shapes_one_two_and_batched():
    rng = np.random.default_rng(0)
    cases = [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((5, 1, 2, 3), (4, 3, 2)),
    ]
    for sa, sb in cases:
        a = Tensor(rng.standard_normal(sa), requires_grad=True)
        b = Tensor(rng.standard_normal(sb), requires_grad=True)
        out = a @ b
        np.testing.assert_allclose(out.data, np.matmul(a.data, b.data))
        w = rng.standard_normal(out.shape)
        assert_gradients_match(lambda x, y: ((x @ y) * w).sum(), [a, b])


@pytest.mark.oracle
@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((5, 2, 3), (3,)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((5, 1, 2, 3), (4, 3, 2)),
        ((1, 2, 3), (5, 3, 4)),
    ],
)
def test_matmul_shapes_match_torch(sa, sb):
    check(lambda a, b: a @ b, lambda a, b: a @ b, R(*sa), R(*sb) + 1.0)


@pytest.mark.oracle
def test_matmul_with_ndarrays_and_itself():
    f64 = torch.float64
    check(lambda a: a @ np.ones((3, 2)), lambda t: t @ torch.ones(3, 2, dtype=f64), R(2, 3))
    check(lambda a: np.ones((2, 2)) @ a, lambda t: torch.ones(2, 2, dtype=f64) @ t, R(2, 3))
    check(lambda a: np.ones(2) @ a, lambda t: torch.ones(2, dtype=f64) @ t, R(2, 3))
    check(lambda a: a @ a, lambda t: t @ t, R(3, 3))
    check(lambda a: a @ a, lambda t: t @ t, R(3))
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor([1.0])


@pytest.mark.oracle
@pytest.mark.parametrize(
    "a_shape, b_shape", [((3,), (5, 3, 4)), ((3,), (2, 5, 3, 4)), ((2, 5, 3, 4), (4,))]
)
def test_matmul_of_a_vector_and_a_batch_backpropagates_as_pytorch(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a_data, b_data = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    a, b = Tensor(a_data, requires_grad=True), Tensor(b_data, requires_grad=True)
    ta, tb = torch.tensor(a_data, requires_grad=True), torch.tensor(b_data, requires_grad=True)
    (a @ b).sum().backward()
    (ta @ tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)
