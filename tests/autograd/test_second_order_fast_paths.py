"""Second order through the fast paths: with the split sizes lowered so that every
big-array path (worker slices, pieces, kept buffers) runs on the small examples, the
create_graph gradient of every table op is still a graph. A path that handed back raw
data there would drop the mixed derivatives (d/dw of dL/dx), which only a reference that
does not share the create_graph path can see: gradgradcheck's numeric side takes
differences of plain first-order gradients."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad.autograd import OPS, Tensor, buffers, ops_elementwise, threads
from scratchgrad.autograd.numerical import GradcheckError, gradgradcheck
from scratchgrad.autograd.op_examples import EXAMPLES
from scratchgrad.autograd.op_table import Op
from scratchgrad.autograd.vjp_math import data_of

torch = oracle("torch")

FLOAT_TENSOR_OPS = [name for name, op in OPS.items() if op.tensors]


@pytest.fixture
def every_fast_path(split, monkeypatch):
    """The `split` fixture (3 workers from 8 elements), multi-pass pieces from 4
    elements and kept buffers from 8 bytes."""
    monkeypatch.setattr(threads, "PIECES_FROM", 4)
    monkeypatch.setattr(threads, "PIECE", 8)
    monkeypatch.setattr(buffers, "MIN_BYTES", 8)
    return split


def _weighted_by_a_leaf(example):
    """f(*xs, w) = sum(op(*xs) * w) with w a leaf too: d/dw of df/dx is op'(x), so a
    first derivative that is not a graph loses it."""

    def f(*xs):
        *inputs, w = xs
        out = inputs[0]._apply(example.op, tuple(inputs), **example.params)
        return (out * w).sum()

    return f


@pytest.mark.parametrize("name", FLOAT_TENSOR_OPS)
def test_mixed_second_derivatives_of_each_op_on_the_fast_paths(name, every_fast_path):
    example, inputs = EXAMPLES[name](np.random.default_rng(4))
    out = inputs[0]._apply(example.op, tuple(inputs), **example.params)
    if out.dtype.kind != "f":
        pytest.skip("an integer output (argmax): nothing to differentiate")
    w = Tensor(np.random.default_rng(5).standard_normal(out.shape), requires_grad=True)
    gradgradcheck(_weighted_by_a_leaf(example), [*inputs, w])


def test_relu_on_the_fast_path_keeps_the_graph_under_create_graph(every_fast_path, monkeypatch):
    slices = []
    original = ops_elementwise._passed_part
    monkeypatch.setattr(
        ops_elementwise, "_passed_part", lambda *a: slices.append(1) or original(*a)
    )
    x = Tensor(np.linspace(-2, 2, 64), requires_grad=True)
    w = Tensor(np.random.default_rng(0).standard_normal(64), requires_grad=True)
    (scratchgrad.relu(x) * w).sum().backward()  # the plain backward takes the fast path
    assert len(slices) >= 3

    (gx,) = scratchgrad.autograd.grad((scratchgrad.relu(x) * w).sum(), x, create_graph=True)
    assert isinstance(gx, Tensor) and gx.requires_grad
    (mixed,) = scratchgrad.autograd.grad(gx.sum(), w)
    np.testing.assert_array_equal(mixed, (x.data > 0).astype(float))


def test_gradgradcheck_catches_a_backward_that_drops_the_graph():
    """A rule that returns raw data under create_graph: its second derivatives look
    like zero to the graph; the check must not agree with itself."""
    square_dropping = Op(
        "square_dropping",
        lambda x: x * x,
        lambda node, g, xs, out: (2.0 * data_of(g) * data_of(xs[0]),),
    )
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match="second-order|FAILED"):
        gradgradcheck(lambda t: t._apply(square_dropping, (t,)).sum(), [x])
    with pytest.raises(GradcheckError, match="second-order|FAILED"):  # non-scalar, as PyTorch
        gradgradcheck(lambda t: (t._apply(square_dropping, (t,)), t.sin()), [x])
    assert gradgradcheck(lambda t: (t * t, t.sin()), [x]).ok


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: lib.relu(x).sum(),
        lambda lib, x: x.abs().sum(),
        lambda lib, x: lib.nn.functional.l1_loss(x, lib.zeros(2, 2)),
        lambda lib, x: lib.nn.functional.max_pool2d(x.reshape(1, 1, 2, 2), 2).sum(),
    ],
    ids=["relu", "abs", "l1_loss", "max_pool2d"],
)
def test_piecewise_ops_second_grad_is_zero_not_an_error(make):
    """PyTorch's backward of relu, |x| and max-pool reads the input, so the first
    derivative requires grad and a second grad is zeros (the Hessian of a ReLU net in
    its input); ours ties the mask to the input the same way."""
    x = scratchgrad.tensor([[-1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    (g,) = scratchgrad.autograd.grad(make(scratchgrad, x), x, create_graph=True)
    assert g.requires_grad
    (h,) = scratchgrad.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(h, np.zeros((2, 2)))


def test_a_gradient_that_does_not_read_its_input_stays_constant():
    """(2x)' = 2 and max's mask do not depend on x with a graph in PyTorch: the first
    derivative does not require grad, and a second grad raises, in both."""
    x = scratchgrad.tensor([[-1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    for y in ((x * 2).sum(), x.max()):
        (g,) = scratchgrad.autograd.grad(y, x, create_graph=True)
        assert not g.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            scratchgrad.autograd.grad(g.sum(), x)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "make",
    [
        lambda lib, x: lib.relu(x).sum(),
        lambda lib, x: x.abs().sum(),
        lambda lib, x: lib.nn.functional.max_pool2d(x.reshape(1, 1, 2, 2), 2).sum(),
        lambda lib, x: (x * 2).sum(),
        lambda lib, x: x.max(),
        lambda lib, x: lib.maximum(x, lib.zeros(2, 2)).sum(),
        lambda lib, x: x.clamp(-0.5, 0.5).sum(),
        lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1).sum(),
        lambda lib, x: lib.where(x > 0, x, x * 0.1).sum(),
    ],
    ids=["relu", "abs", "max_pool2d", "scale", "max", "maximum", "clamp", "leaky", "where"],
)
def test_which_first_derivatives_require_grad_matches_pytorch(make):
    rows = [[-1.0, 2.0], [3.0, 0.5]]
    x = scratchgrad.tensor(rows, requires_grad=True)
    t = torch.tensor(rows, requires_grad=True)
    (ours,) = scratchgrad.autograd.grad(make(scratchgrad, x), x, create_graph=True)
    (theirs,) = torch.autograd.grad(make(torch, t), t, create_graph=True)
    assert ours.requires_grad == theirs.requires_grad


ACTIVATIONS = {
    "relu": lambda lib, h: h.relu(),
    "abs": lambda lib, h: h.abs(),
    "leaky_relu": lambda lib, h: lib.nn.functional.leaky_relu(h, 0.1),
    "hardtanh": lambda lib, h: lib.nn.functional.hardtanh(h),
    "relu6": lambda lib, h: lib.nn.functional.relu6(h * 4),
    "prelu": lambda lib, h: lib.nn.functional.prelu(h, lib.tensor([0.2], dtype=h.dtype)),
}  # (hardsigmoid too, but PyTorch has no second derivative of it to compare with)


@pytest.mark.oracle
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_a_gradient_penalty_gives_the_hidden_bias_pytorchs_zero_gradient(activation):
    """A loss made of the input-gradient penalty alone (WGAN-GP's critic term): the first
    layer's bias reaches it only through ReLU's mask, so its gradient is zeros in PyTorch
    (not None), and an optimizer keeps stepping it with its momentum. The same here."""
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in [(5, 3), (5,), (1, 5), (1,), (4, 3)]]

    def grads(lib):
        w1, b1, w2, b2, x = [lib.tensor(a, requires_grad=True) for a in arrays]
        hidden = ACTIVATIONS[activation](lib, x @ w1.T + b1)
        (g,) = lib.autograd.grad((hidden @ w2.T + b2).sum(), x, create_graph=True)
        (((g**2).sum(1) - 1) ** 2).mean().backward()
        return [None if p.grad is None else np.asarray(p.grad) for p in (w1, b1, w2, b2)]

    for ours, theirs in zip(grads(scratchgrad), grads(torch)):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, atol=1e-12)
