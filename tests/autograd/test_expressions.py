"""Random expression graphs (with shared sub-expressions) against central differences, and
against PyTorch in float64 (first and second derivatives)."""

import numpy as np
import pytest
from hypothesis import given, settings
from oracles import oracle

from scratchgrad import autograd
from scratchgrad.autograd import Tensor, Value, grad
from scratchgrad.autograd.testing import assert_gradients_match, expressions

torch = oracle("torch")

TORCH_OPS = {
    "neg": lambda x: -x,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "sqrt": lambda x: (x * x + 1.0).sqrt(),
    "pow_const": lambda x: x**2,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b.tanh(),
}


@settings(max_examples=60, deadline=None)
@given(expressions("value"))
def test_value_expressions_match_central_differences(expr):
    assert_gradients_match(expr.build, expr.leaves())


@settings(max_examples=40, deadline=None)
@given(expressions("tensor"))
def test_tensor_expressions_match_central_differences(expr):
    assert_gradients_match(expr.build, expr.leaves())


@settings(max_examples=30, deadline=None)
@given(expressions("value", max_steps=4))
def test_value_and_tensor_engines_agree(expr):
    values = expr.leaves()
    out = expr.build(*values)
    out.backward()
    tensors = [Tensor(np.array(v.data), requires_grad=True) for v in values]
    expr.build(*tensors).backward()
    for v, t in zip(values, tensors):
        assert float(t.grad if t.grad is not None else 0.0) == pytest.approx(
            v.grad, rel=1e-9, abs=1e-12
        )


def _torch_build(torch, expr, leaves):
    nodes = list(leaves)
    for name, operands in expr.steps:
        args = [nodes[i] for i in operands]
        nodes.append(sum(args[1:], args[0]) if name == "sum_n" else TORCH_OPS[name](*args))
    return nodes[-1].sum()


@pytest.mark.oracle
@settings(max_examples=40, deadline=None)
@given(expressions("tensor"))
def test_tensor_expressions_match_pytorch(expr):
    ours = expr.leaves()
    expr.build(*ours).backward()
    theirs = [
        torch.tensor(np.array(d), dtype=torch.float64, requires_grad=True) for d in expr.leaf_data
    ]
    _torch_build(torch, expr, theirs).backward()
    for a, b in zip(ours, theirs):
        expected = b.grad.numpy() if b.grad is not None else np.zeros(a.shape)
        got = a.grad if a.grad is not None else np.zeros(a.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
@settings(max_examples=25, deadline=None)
@given(expressions("value", max_steps=4))
def test_second_derivatives_match_pytorch(expr):
    ours = expr.leaves()
    first = grad(expr.build(*ours), ours, create_graph=True, allow_unused=True)
    terms = [g for g in first if isinstance(g, Value) and g.requires_grad]
    if not terms:  # every first derivative is constant: nothing to compare
        return
    total = terms[0] if len(terms) == 1 else autograd.sum(terms)
    second = grad(total, ours, allow_unused=True)
    theirs = [
        torch.tensor(float(d), dtype=torch.float64, requires_grad=True) for d in expr.leaf_data
    ]
    t_first = torch.autograd.grad(
        _torch_build(torch, expr, theirs), theirs, create_graph=True, allow_unused=True
    )
    t_total = sum(g for g in t_first if g is not None and g.requires_grad)
    t_second = torch.autograd.grad(t_total, theirs, allow_unused=True)
    for a, b in zip(second, t_second):
        assert (a or 0.0) == pytest.approx(float(b) if b is not None else 0.0, rel=1e-8, abs=1e-10)
