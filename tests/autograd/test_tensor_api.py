"""Tensor semantics: dtypes, errors that name shapes and types, freed graphs, no_grad."""
import gc
import weakref

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, grad, no_grad


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


def test_attributes_and_repr():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="t")
    assert (t.shape, t.ndim, t.size, t.T.shape, t.is_leaf) == ((2, 3), 2, 6, (3, 2), True)
    assert t.grad is None
    assert "requires_grad=True" in repr(t) and "label='t'" in repr(t)
    assert (t * 2).is_leaf is False and t.detach().requires_grad is False
    assert Tensor(3.0).item() == 3.0


@pytest.mark.parametrize("make, error, words", [
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 2))), ValueError, r"\(2, 3\).*\(4, 2\)"),
    (lambda: Tensor(np.ones(3)) + Tensor(np.ones(4)), ValueError, r"\(3,\) and \(4,\)"),
    (lambda: Tensor(np.ones(6)).reshape(4, 2), ValueError, r"shape \(6,\).*\(4, 2\)"),
    (lambda: Tensor("abc"), TypeError, "str"),
    (lambda: Tensor(np.array([object()])), TypeError, "object"),
    (lambda: Tensor(np.array([1 + 2j])), TypeError, "complex"),
    (lambda: Tensor([1, 2], dtype=np.int64, requires_grad=True), TypeError,
     "only floating-point tensors can require grad"),
    (lambda: Tensor(np.ones(3)).expand(2, 4), ValueError, r"\(3,\) to shape \(2, 4\)"),
])
def test_errors_name_the_shapes_and_types(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_backward_needs_a_scalar_or_a_matching_gradient():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        y.backward(gradient=np.ones(3))
    y.backward(gradient=np.full((2, 2), 2.0))
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 6.0))


def test_second_backward_through_a_freed_graph_mentions_retain_graph():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad, 3 * 2 * np.e)   # three passes of d(x e^x) = 2e


def test_intermediates_are_freed_after_backward_and_when_dropped():
    gc.disable()
    try:
        x = Tensor(np.ones(1000), requires_grad=True)
        h = x.tanh()
        ref = weakref.ref(h)
        loss = (h * 2).sum()
        del h
        assert ref() is not None        # the graph holds it until backward
        loss.backward()
        assert ref() is None            # freed although `loss` is still alive
        y = (x * 3).exp()
        ref2 = weakref.ref(y)
        del y
        assert ref2() is None           # no cycles: reference counting frees it
    finally:
        gc.enable()


def test_no_grad_records_and_saves_nothing():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).exp()
    assert y.requires_grad is False and y._fn is None and y._saved is None


def test_grad_leaves_dot_grad_alone_and_supports_grad_outputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    g, = grad([y], [x], grad_outputs=[np.array([1.0, 10.0])])
    np.testing.assert_allclose(g, [2.0, 40.0])
    assert x.grad is None


def test_retain_grad_keeps_an_intermediate_gradient():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)


def test_leaf_gradients_do_not_alias_each_other():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10                         # an in-place edit (e.g. gradient clipping)
    np.testing.assert_array_equal(b.grad, np.ones(3))
