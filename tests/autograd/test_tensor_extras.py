"""PyTorch's less common tensor methods (autograd/tensor_extras.py) and free functions,
against PyTorch in float64: values, shapes and every input's gradient (prod and cumprod
through zeros included), and central differences for the products."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad.autograd import gradcheck, gradgradcheck

torch = oracle("torch")
rng = np.random.default_rng(3)
X = rng.normal(size=(3, 4))
X[1, 2] = 0.0
X[2, 0] = 0.0
V = rng.normal(size=5)
W = rng.normal(size=4)
CASES = {
    "reciprocal": (lambda m, a: a.reciprocal(), [X + 5]),
    "neg": (lambda m, a: m.neg(a), [X]),
    "fmod": (lambda m, a: m.fmod(a, 0.7), [X * 3]),
    "remainder": (lambda m, a: m.remainder(a, 0.7), [X * 3]),
    "clamp_min": (lambda m, a: a.clamp_min(0.1), [X]),
    "nansum": (lambda m, a: m.nansum(a, 1), [X]),
    "prod all": (lambda m, a: a.prod(), [X]),
    "prod dim": (lambda m, a: a.prod(1), [X]),
    "prod dim keep": (lambda m, a: m.prod(a, 0, keepdim=True), [X]),
    "prod no zero": (lambda m, a: a.prod(1), [X + 3]),
    "cumprod": (lambda m, a: a.cumprod(1), [X]),
    "cumprod 0": (lambda m, a: m.cumprod(a, 0), [X]),
    "outer": (lambda m, a, b: m.outer(a, b), [V, W]),
    "diagonal": (lambda m, a: a.diagonal(), [X]),
    "diagonal 1": (lambda m, a: a.diagonal(1), [X]),
    "diagonal -1": (lambda m, a: m.diagonal(a, -1), [X]),
    "diag vec": (lambda m, a: m.diag(a), [V]),
    "diag vec 2": (lambda m, a: m.diag(a, 2), [V]),
    "diag vec -1": (lambda m, a: m.diag(a, -1), [V]),
    "diag mat": (lambda m, a: m.diag(a), [X]),
    "trace": (lambda m, a: m.trace(a), [X]),
    "roll": (lambda m, a: m.roll(a, 1, 1), [X]),
    "roll flat": (lambda m, a: a.roll(2), [X]),
    "roll two": (lambda m, a: a.roll((1, -1), (0, 1)), [X]),
    "movedim": (lambda m, a: m.movedim(a.reshape(3, 2, 2), 0, -1), [X]),
    "movedim many": (lambda m, a: a.reshape(3, 2, 2).movedim((0, 1), (2, 0)), [X]),
    "swapaxes": (lambda m, a: m.swapaxes(a, 0, 1), [X]),
    "tile": (lambda m, a: m.tile(a, (2,)), [X]),
    "tile 3": (lambda m, a: a.tile((2, 1, 2)), [X]),
    "repeat_interleave": (lambda m, a: a.repeat_interleave(2, dim=0), [X]),
    "repeat_interleave flat": (lambda m, a: m.repeat_interleave(a, 3), [X]),
    "unflatten": (lambda m, a: a.unflatten(1, (2, 2)), [X]),
    "masked_select": (lambda m, a: m.masked_select(a, a > 0), [X]),
    "median": (lambda m, a: a.median(), [X]),
    "median dim": (lambda m, a: a.median(1)[0], [X]),
    "median dim keep": (lambda m, a: m.median(a, 0, keepdim=True)[0], [X]),
    "var_mean": (lambda m, a: m.var_mean(a, 1)[0] + m.var_mean(a, 1)[1], [X]),
    "std_mean": (lambda m, a: m.std_mean(a, 0)[0] * 2, [X]),
    "hstack": (lambda m, a, b: m.hstack([a, b]), [X, X]),
    "vstack": (lambda m, a, b: m.vstack([a, b]), [V, V]),
    "concat": (lambda m, a, b: m.concat([a, b], dim=1), [X, X]),
    "permute": (lambda m, a: m.permute(a, (1, 0)), [X]),
    "t": (lambda m, a: m.t(a), [X]),
    "var": (lambda m, a: m.var(a, 1), [X]),
    "masked_fill": (lambda m, a: m.masked_fill(a, a > 0, 2.0), [X]),
    "take_along_dim": (lambda m, a: m.take_along_dim(a, m.tensor([[1], [0], [3]]), 1), [X]),
    "max dim ties": (lambda m, a: a.max(dim=1)[0], [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])]),
    "sum dim ()": (lambda m, a: a.sum(dim=()), [X]),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, arrays = CASES[case]
    ours = [sg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, their_out = make(sg, *ours), make(torch, *theirs)
    weights = rng.normal(size=tuple(their_out.shape))
    (out * sg.tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    assert out.shape == tuple(their_out.shape)
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "expression",
    [
        "m.count_nonzero(x)",
        "m.count_nonzero(x, 1)",
        "m.logical_and(x > 0, x < 1)",
        "x.ceil()",
        "x.trunc()",
        "m.any(x > 1)",
        "m.all(x > -5)",
        "m.median(x, 1)[1]",
    ],
)
def test_constants_match_pytorch(expression):
    ours = eval(expression, {"m": sg, "x": sg.tensor(X)})
    theirs = eval(expression, {"m": torch, "x": torch.tensor(X)})
    np.testing.assert_array_equal(np.asarray(ours.data), theirs.numpy())


@pytest.mark.parametrize("case", ["prod dim", "cumprod", "diag vec 2", "roll two", "median dim"])
def test_gradients_pass_central_differences_to_second_order(case):
    make, arrays = CASES[case]
    tensors = [sg.tensor(a + 0.1, requires_grad=True) for a in arrays]
    gradcheck(lambda *ts: (make(sg, *ts) * 1.5).sum(), tensors)
    gradgradcheck(lambda *ts: (make(sg, *ts) ** 2).sum(), tensors)
