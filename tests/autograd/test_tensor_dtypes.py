"""Dtypes as documented (PyTorch's promotion rules): float32 stays float32 through every op
and its gradient, float64 operands promote, integer data and the requires_grad rule."""

import numpy as np
import pytest

from scratchgrad import autograd as ag
from scratchgrad.autograd import Tensor, stack, where


def test_dtypes_are_kept_or_promoted_as_documented():
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor(np.ones(2)).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert (Tensor(np.ones(2, np.float32)) * 2.5).dtype == np.float32


def test_float32_model_keeps_float32_gradients():
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    x = Tensor(np.ones((4, 3), np.float32))
    ((x @ w).tanh() * 0.5 + 1).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.shape == (3, 2)


F32_OPS = {
    "add int": lambda a: a + 1,
    "mul float": lambda a: a * 2.5,
    "rdiv": lambda a: 1 / a,
    "pow": lambda a: a**2,
    "pow frac": lambda a: a**0.5,
    "rpow": lambda a: 2**a,
    "numpy f64 scalar": lambda a: a * np.float64(2),
    "int list": lambda a: a + [1, 2, 3],
    "bool array": lambda a: a * np.array([True, False, True]),
    "int array": lambda a: a * np.arange(3),
    "mean": lambda a: a.mean(),
    "var": lambda a: a.var(),
    "std": lambda a: a.std(),
    "max": lambda a: a.max(),
    "clip": lambda a: a.clip(0, 1),
    "maximum": lambda a: a.maximum(0.5),
    "where": lambda a: where(a.data > 0, a, 0.0),
    "matmul": lambda a: a @ a,
    "softmax": lambda a: a.softmax(),
    "sigmoid": lambda a: a.sigmoid(),
    "stack list": lambda a: stack([a, [1.0, 2.0, 3.0]]),
    "ag.sum": lambda a: ag.sum([a, a]),
    "fancy index": lambda a: a[[0, 0]],
}


@pytest.mark.parametrize("name", list(F32_OPS))
def test_float32_stays_float32(name):
    x = Tensor(np.array([1.0, 2.0, 3.0], np.float32), requires_grad=True)
    out = F32_OPS[name](x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_float64_operands_promote_but_gradients_keep_the_leaf_dtype():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for other in (np.ones(3), Tensor(np.ones(3))):
        x.grad = None
        out = x * other
        assert out.dtype == np.float64
        out.sum().backward()
        assert x.grad.dtype == np.float32
    x.grad = None
    x.astype(np.float64).sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_data_and_grad_rules():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor([True]).dtype == np.float64
    assert Tensor(np.array([1, 2]), requires_grad=True).dtype == np.float64
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)
    i = Tensor([1, 2], dtype=np.int64)
    with pytest.raises(TypeError, match="floating-point"):
        i.requires_grad_()
    np.testing.assert_allclose((i / 2).data, [0.5, 1.0])
    np.testing.assert_allclose((i * Tensor([1.5, 1.5])).data, [1.5, 3.0])
    assert i.mean().item() == 1.5


def test_a_float_number_with_an_integer_tensor_promotes_as_pytorch():
    from scratchgrad.autograd import concatenate, where

    i = Tensor([1, 2], dtype=np.int64)
    for result, expected in (
        (i * 0.5, [0.5, 1.0]),
        (i + 0.5, [1.5, 2.5]),
        (i + np.float64(0.5), [1.5, 2.5]),
        (i + [0.5, 0.5], [1.5, 2.5]),
        (i.maximum(1.5), [1.5, 2.0]),
        (where([True, False], i, 0.5), [1.0, 0.5]),
        (concatenate([i, [0.5]]), [1.0, 2.0, 0.5]),
    ):
        assert result.dtype.kind == "f"
        np.testing.assert_array_equal(result.data, expected)
    assert (i * 2).dtype == np.int64 and (i * [2, 3]).dtype == np.int64


def test_a_gradient_has_its_inputs_dtype_as_in_pytorch():
    """A float32 leaf used with a float64 tensor: the op computes in float64, and the
    gradient flowing back to the leaf is cast to float32 (PyTorch's engine casts each
    edge's gradient to its input's dtype), in backward, grad() and create_graph."""
    import scratchgrad as sg

    def loss():
        x = sg.ones(3, dtype=sg.float32, requires_grad=True)
        mid = x * 2.0
        mid.retain_grad()
        return x, mid, (mid * sg.ones(3, dtype=sg.float64) * x).sum()

    x, mid, y = loss()
    y.backward()
    assert x.grad.dtype == np.float32 and mid.grad.dtype == np.float32
    x, _, y = loss()
    assert sg.autograd.grad(y, [x])[0].dtype == np.float32
    x, _, y = loss()
    (g,) = sg.autograd.grad(y, [x], create_graph=True)
    assert g.dtype == np.float32
    g.sum().backward()
    assert x.grad.dtype == np.float32


def test_sign_and_square_of_bools_are_pytorchs():
    import scratchgrad as sg

    b = sg.tensor([True, False])
    assert b.sign().dtype == np.bool_ and b.sign().tolist() == [True, False]
    assert b.square().dtype == np.int64 and b.square().tolist() == [1, 0]


def test_flip_is_a_contiguous_copy_as_in_pytorch():
    import scratchgrad as sg

    x = sg.arange(6.0).reshape(2, 3)
    flipped = x.flip(1)
    assert flipped.is_contiguous() and flipped.stride() == (3, 1)
    flipped[0, 0] = 100.0
    assert x[0, 2].item() == 2.0  # not a view of x


def test_a_0d_float64_tensor_does_not_raise_a_float32_tensors_dtype():
    """PyTorch's promotion: dimensioned tensors decide within a category; a 0-d one
    only when it is of a higher category (float with int) or all are 0-d."""
    import scratchgrad as sg

    w = sg.ones(3, dtype=sg.float32, requires_grad=True)
    s = sg.tensor(2.0, dtype=sg.float64)
    for out in (w * s, s * w, w + s, sg.maximum(w, s), sg.where(w > 0, w, s), w**s):
        assert out.dtype == np.float32
    assert (sg.ones(3, dtype=sg.int64) * s).dtype == np.float64
    assert (s * sg.tensor(3.0, dtype=sg.float32)).dtype == np.float64
    (w * s).sum().backward()
    assert w.grad.dtype == np.float32


def test_a_retained_gradient_is_a_grad_array_and_flip_takes_dims_as_arguments():
    import scratchgrad as sg

    x = sg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.numpy().tolist() == [4.0, 8.0]  # a tensor method, as on a leaf's .grad
    y = sg.arange(8.0).reshape(2, 2, 2)
    assert y.flip(0, 2).tolist() == y.flip((0, 2)).tolist() == y.flip([0, 2]).tolist()
