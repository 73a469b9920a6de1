"""Every Tensor op in the table: its backward against central differences (first and
second order), its forward against the Value engine, and the ops PyTorch has against
PyTorch."""

import numpy as np
import pytest
from oracles import oracle

from scratchgrad.autograd import OPS, Tensor
from scratchgrad.autograd.op_examples import EXAMPLES, scalar_example
from scratchgrad.autograd.testing import assert_gradients_match, assert_second_derivatives_match

torch = oracle("torch")

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


@pytest.mark.oracle
def test_every_tensor_op_example_matches_pytorch_where_torch_has_it():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    labels = np.array([0, 2, 4, 1])
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    from scratchgrad import nn

    cases = [
        (
            lambda t: nn.functional.cross_entropy(t, labels),
            lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(labels)),
        ),
        (lambda t: (t.log_softmax(-1) * 2).sum(), lambda t: (t.log_softmax(-1) * 2).sum()),
        (lambda t: t.var(axis=0).sum(), lambda t: t.var(dim=0).sum()),
        (lambda t: (t.clip(-0.5, 0.5) ** 2).sum(), lambda t: (t.clamp(-0.5, 0.5) ** 2).sum()),
        (lambda t: t.max(axis=1).sum(), lambda t: t.amax(dim=1).sum()),
        (lambda t: (t @ t.T).tanh().sum(), lambda t: (t @ t.T).tanh().sum()),
    ]
    for ours_f, torch_f in cases:
        ours.grad = None
        theirs.grad = None
        ours_f(ours).backward()
        torch_f(theirs).backward()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
