"""In-place edits of arrays a graph saved: an edit that would make a gradient silently wrong
fails at once (read-only arrays) or at backward (PyTorch's version counter); edits outside
a graph stay allowed."""
import numpy as np
import pytest

from scratchgrad.autograd import Tensor


def test_in_place_edit_of_a_saved_tensor_is_detected():
    w = Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    w.data = w.data - 0.1                    # a new array: counted by the version
    with pytest.raises(RuntimeError, match=r"modified in place.*version 0 to 1"):
        loss.backward()


def test_writing_into_a_saved_leaf_array_fails_at_once():
    """The silent wrong gradient ([200, 4] for [2, 4]) cannot happen: while a graph holds
    a leaf, its array (and the array it was made from) is read-only."""
    data = np.array([1.0, 2.0])
    x = Tensor(data, requires_grad=True)
    loss = (x * x).sum()
    for write in (lambda: x.data.__setitem__(0, 100.0), lambda: data.__setitem__(0, 100.0),
                  lambda: np.multiply(x.data, 2, out=x.data)):
        with pytest.raises(ValueError, match="read-only"):
            write()
    with pytest.raises(ValueError, match="read-only"):
        x.data -= 0.1
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    x.data[0] = 100.0                        # the graph is freed: writable again
    assert data[0] == 100.0


def test_in_place_edits_are_guarded():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 5.0
    x.copy_([5.0, 5.0, 5.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    z = Tensor([1.0], requires_grad=True)
    alias = z
    alias += 1                                  # no __iadd__: rebinds to a new node
    assert alias is not z and alias._fn is not None and z.data[0] == 1.0
    with pytest.raises(TypeError):
        z[0] = 2.0                              # no __setitem__


def test_optimizer_step_before_backward_is_counted():
    from scratchgrad import nn
    layer = nn.Linear(2, 1, seed=0)
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)
    loss = layer(Tensor([[1.0, 2.0]])).sum()
    for p in layer.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()                               # allowed, and counted
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_dropped_graph_releases_its_leaves():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2).sum()
    del y
    x.data[0] = 5.0                          # no graph holds x any more


def test_editing_after_backward_is_fine():
    w = Tensor(np.ones(3), requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1
    (w * w).sum().backward()                 # a fresh graph records the new version


def test_leaf_gradients_do_not_alias_each_other():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10                         # an in-place edit (e.g. gradient clipping)
    np.testing.assert_array_equal(b.grad, np.ones(3))
