"""autograd.Function, PyTorch's way of writing an op with its own backward: central
differences, PyTorch's numbers, the tutorial's Legendre polynomial, several and
non-Tensor arguments, shared inputs, second order through a backward written with
Tensor ops, forward mode through a `jvp`, and the errors that name the mistake."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from oracles import oracle

import scratchgrad
from scratchgrad import autograd
from scratchgrad.autograd import Tensor, gradcheck, gradgradcheck, jvp


def legendre(base):
    """P3(x) = (5x^3 - 3x) / 2 from "Learning PyTorch with Examples", on either
    library's Function."""

    class Legendre3(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x**3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x**2 - 1)

    return Legendre3


Legendre3 = legendre(autograd.Function)


class ScaledProduct(autograd.Function):
    """x * y * scale, with a number among the arguments (its gradient: None)."""

    @staticmethod
    def forward(ctx, x, scale, y):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad
        return x * y * scale

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.scale if ctx.needs_input_grad[2] else None
        return gx, None, gy


class Exp(autograd.Function):
    """Saves its output; has a forward-mode rule too."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * y


finite = arrays(np.float64, (3, 4), elements=st.floats(-2, 2))


@settings(max_examples=30, deadline=None)
@given(finite)
def test_a_function_gives_central_differences(x0):
    x = Tensor(x0, requires_grad=True)
    assert gradcheck(
        lambda t: (Legendre3.apply(t) * Tensor(np.arange(12.0).reshape(3, 4))).sum(), [x]
    )


@settings(max_examples=20, deadline=None)
@given(finite, arrays(np.float64, (4,), elements=st.floats(-2, 2)))
def test_several_arguments_a_number_among_them_and_a_broadcast_gradient_summed(x0, y0):
    """y (4,) broadcasts against x (3, 4): backward returns a (3, 4) gradient for it,
    which is summed back to (4,), as PyTorch does."""
    x, y = Tensor(x0, requires_grad=True), Tensor(y0, requires_grad=True)
    assert gradcheck(lambda a, b: (ScaledProduct.apply(a, 3.0, b) ** 2).sum(), [x, y])


def test_needs_input_grad_and_an_input_without_grad():
    x, y = Tensor(np.ones(3), requires_grad=True), Tensor(np.full(3, 2.0))
    out = ScaledProduct.apply(x, 0.5, y)
    assert out._saved.ctx.seen_needs == (True, False, False)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 1.0))
    assert y.grad is None


def test_an_input_used_twice_and_a_function_applied_twice():
    x = Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    (Legendre3.apply(x) * Legendre3.apply(x) + ScaledProduct.apply(x, 2.0, x)).sum().backward()
    p, dp = 0.5 * (5 * x.data**3 - 3 * x.data), 1.5 * (5 * x.data**2 - 1)
    np.testing.assert_allclose(x.grad, 2 * p * dp + 4 * x.data, rtol=1e-12)


def test_second_order_through_a_backward_written_with_tensor_ops():
    x = Tensor(np.array([[0.3, -1.2], [0.7, 1.5]]), requires_grad=True)
    assert gradgradcheck(lambda t: (Legendre3.apply(t.tanh()) ** 2).sum(), [x])
    (g,) = autograd.grad(Legendre3.apply(x).sum(), [x], create_graph=True)
    g.sum().backward()  # d/dx of 1.5 (5x^2 - 1) is 15x
    np.testing.assert_allclose(x.grad, 15 * x.data, rtol=1e-12)


def test_forward_mode_through_its_jvp_and_a_clear_error_without_one():
    x0 = np.array([0.1, -0.5, 2.0])
    out, tangent = jvp(Exp.apply, (x0,), (np.ones(3),))
    np.testing.assert_allclose(tangent, np.exp(x0), rtol=1e-12)
    with pytest.raises(NotImplementedError, match=r"Legendre3 has no forward-mode rule.*jvp\(ctx"):
        jvp(Legendre3.apply, (x0,), (np.ones(3),))


def test_under_no_grad_or_without_grad_inputs_nothing_is_recorded():
    x = Tensor(np.ones(2), requires_grad=True)
    with scratchgrad.no_grad():
        assert not Legendre3.apply(x).requires_grad
    out = Legendre3.apply(Tensor(np.ones(2)))
    assert not out.requires_grad and out._fn is None


def test_the_node_names_the_function_and_its_saved_state_goes_after_backward():
    x = Tensor(np.ones(2), requires_grad=True)
    y = Exp.apply(x)
    assert y._fn.name == "Exp (autograd.Function)" and y._fn.symbol == "Exp"
    y.sum().backward()
    with pytest.raises(autograd.GraphFreedError):
        y.sum().backward()
    z = Exp.apply(x)
    z.sum().backward(retain_graph=True)
    z.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * np.e * np.ones(2))


def test_an_input_changed_in_place_after_the_forward_is_refused():
    x = Tensor(np.ones(2), requires_grad=True)
    w = Tensor(np.ones(2))
    y = ScaledProduct.apply(x, 1.0, w)
    w.data[0] = 5.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


class TooFew(Legendre3):
    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(Legendre3):
    @staticmethod
    def backward(ctx, g):
        return g.sum()


class GradForANumber(ScaledProduct):
    @staticmethod
    def backward(ctx, g):
        return g, g, g


class TwoOutputs(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x, x


class ArrayOut(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return np.ones(2)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: TooFew.apply(x).sum().backward(), RuntimeError, r"returned 2 gradient.*took 1"),
        (lambda x: WrongShape.apply(x).sum().backward(), RuntimeError, r"shape \(\).*\(2,\)"),
        (
            lambda x: GradForANumber.apply(x, 2.0, x).sum().backward(),
            RuntimeError,
            "argument 1, which was not a Tensor",
        ),
        (lambda x: TwoOutputs.apply(x), NotImplementedError, "returned 2 outputs"),
        (lambda x: ArrayOut.apply(x), TypeError, "must return a Tensor, got ndarray"),
        (lambda x: autograd.Function.apply(x), NotImplementedError, "static forward"),
    ],
    ids=["too few", "wrong shape", "grad for a number", "two outputs", "array", "no forward"],
)
def test_mistakes_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.ones(2), requires_grad=True))


def test_save_for_backward_takes_tensors():
    class SavesArray(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.numpy())
            return x

    with pytest.raises(TypeError, match="save_for_backward takes Tensors"):
        SavesArray.apply(Tensor(np.ones(2), requires_grad=True))


@pytest.mark.oracle
def test_the_same_code_gives_pytorchs_numbers():
    torch = oracle("torch")

    x0 = np.linspace(-1.5, 1.5, 7)
    want_x = torch.tensor(x0, requires_grad=True)
    want = legendre(torch.autograd.Function).apply(want_x)
    (want**2).sum().backward()
    got_x = Tensor(x0, requires_grad=True)
    got = legendre(autograd.Function).apply(got_x)
    (got**2).sum().backward()
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(got_x.grad, want_x.grad.numpy(), rtol=1e-13)


def test_a_functions_forward_chooses_its_own_dtype():
    """The rule that floats made from integers take the default dtype is the table's:
    a Function that returns float64 from float32 keeps float64, as in PyTorch."""
    from scratchgrad.autograd import Function, Tensor

    class Widen(Function):
        @staticmethod
        def forward(ctx, x):
            return x.astype(np.float64) * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    assert Widen.apply(x).dtype == np.float64
