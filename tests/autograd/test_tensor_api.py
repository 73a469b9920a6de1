"""Tensor basics: attributes and repr, 0-d tensors, item/numpy/detach sharing memory, and
comparisons that return boolean arrays."""

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, from_numpy


def test_attributes_and_repr():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="t")
    assert (t.shape, t.ndim, t.size, t.T.shape, t.is_leaf) == ((2, 3), 2, 6, (3, 2), True)
    assert t.grad is None
    assert "requires_grad=True" in repr(t) and "label='t'" in repr(t)
    assert (t * 2).is_leaf is False and t.detach().requires_grad is False
    assert Tensor(3.0).item() == 3.0


def test_zero_dimensional_tensors_work_like_scalars():
    x = Tensor(2.0, requires_grad=True)
    y = x * x + 1
    y.backward()
    assert x.shape == () and y.item() == 5.0 and x.grad == 4.0


def test_item_numpy_and_data():
    assert Tensor([[3.5]]).item() == 3.5
    assert type(Tensor(np.float32(3.5)).item()) is float
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()
    a = np.ones(2)
    t = Tensor(a)  # a copy, as torch.tensor: `a` is never touched
    assert not np.shares_memory(t.data, a)
    assert np.shares_memory(t.numpy(), t.data)  # numpy() and .data view the storage
    shared = from_numpy(a)  # PyTorch's from_numpy shares on purpose
    assert np.shares_memory(shared.data, a) and shared.dtype == a.dtype
    d = Tensor(a, requires_grad=True).detach()
    assert not d.requires_grad


def test_python_numbers_from_one_element_tensors():
    """int(), float() and indexing with a tensor, as in PyTorch: `int((pred == y).sum())`."""
    from scratchgrad import tensor

    hits = (tensor([1, 2, 3]) == tensor([1, 0, 3])).sum()
    assert int(hits) == 2 and type(int(hits)) is int
    assert float(tensor([2.5])) == 2.5 and int(tensor(2.9)) == 2
    assert ["a", "b", "c"][tensor(1)] == "b" and list(range(tensor(3))) == [0, 1, 2]
    with pytest.raises(ValueError, match="one element"):
        int(tensor([1, 2]))
    with pytest.raises(TypeError, match="only integer tensors"):
        ["a"][tensor(0.0)]


def test_tensor_takes_a_device():
    from scratchgrad import tensor

    t = tensor([1, 2], device="cpu")
    assert str(t.device) == "cpu" and t.dtype == np.int64
    assert tensor(np.arange(3, dtype=np.int32)).dtype == np.int32  # arrays keep theirs


def test_comparisons_return_boolean_tensors():
    """PyTorch's rule: `a == b` is a bool Tensor without a gradient, so
    `pred.eq(target).sum().item()` works as in PyTorch."""
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 3.0])
    for result, expected in [
        (a == b, [True, False]),
        (a != b, [False, True]),
        (a < 2, [True, False]),
        (2 > b, [True, False]),
        (2.0 < b, [False, True]),
        (np.array([2.0, 2.0]) < b, [False, True]),
        (a <= b, [True, True]),
        (a >= 2, [False, True]),
    ]:
        assert isinstance(result, Tensor) and result.dtype == bool
        assert not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
    assert a.eq(b).sum().item() == 1 and (a == b).any() and not (a == b).all()
    assert hash(a) != hash(b) and a in {a}
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a)
    assert bool(Tensor([1.0])) is True
