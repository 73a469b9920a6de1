"""In-place edits of arrays a graph saved: an edit that would make a gradient silently wrong
is counted by PyTorch's version counter and refused at backward, naming the tensor and the
fix; edits outside a graph stay allowed, and nothing is ever made read-only."""

import numpy as np
import pytest

from scratchgrad.autograd import Tensor, no_grad


def test_in_place_edit_of_a_saved_tensor_is_detected():
    w = Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    w.data = w.data - 0.1  # a new array: counted by the version
    with pytest.raises(RuntimeError, match=r"modified in place.*version 0 to 1"):
        loss.backward()


def test_writing_through_data_is_allowed_and_counted():
    """The silent wrong gradient ([200, 4] for [2, 4]) cannot happen: writes through
    `.data` (item assignment, in-place operators, `out=`) bump the version counter, and
    the backward that would have used the new numbers raises."""
    for write in (
        lambda x: x.data.__setitem__(0, 100.0),
        lambda x: np.multiply(x.data, 2, out=x.data),
        lambda x: x.data.fill(3.0),
    ):
        x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        loss = (x * x).sum()
        write(x)
        with pytest.raises(RuntimeError, match=r"modified in place.*x.data.copy\(\)"):
            loss.backward()
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    x.data -= 0.1  # after backward: a plain update
    assert x._version == 1


def test_your_arrays_are_copied_never_locked():
    """`Tensor(X)` copies (as torch.tensor): X stays yours, writable, while any output of a
    model of it is alive; editing X changes nothing the graph saw."""
    data = np.array([1.0, 2.0])
    x = Tensor(data, requires_grad=True)
    loss = (x * x).sum()
    data[0] = 100.0  # allowed, and not seen by the graph
    data /= data.max()
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_a_shared_constant_array_cannot_change_a_pending_gradient():
    """Issue 24's first case: `a` used by two graphs, written between their backwards."""
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    a = np.ones(3)
    y1, y2 = (x * a).sum(), (x * a).sum()
    y1.backward()
    x.grad = None
    a[:] = 100  # each op copied `a` when it was recorded
    y2.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


def test_a_detached_tensor_shares_the_version_counter():
    """`y.detach().data[0] = 9` was a silent wrong gradient; PyTorch raises, so do we."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.exp()
    y.detach().data[0] = 9.0
    with pytest.raises(RuntimeError, match=r"output of a 'exp' node.*modified in place"):
        y.sum().backward()


def test_views_taken_before_or_during_a_forward_are_counted():
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    early = w.data.T  # a view taken before the forward
    z = (w.T * 2).sum()
    late = w.data[:2]  # ... and one taken after it
    late[0, 0] = 5.0
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()
    early[0, 0] = 7.0  # writable: nothing was ever locked
    assert w.data[0, 0] == 7.0


def test_a_vjp_gradient_descent_loop_runs():
    """torch.func-style: the primal is your array; vjp never locks it."""
    from scratchgrad.autograd import vjp

    x = np.array([1.0, 2.0])
    for _ in range(3):
        _, pullback = vjp(lambda t: (t * t).sum(), x)
        (g,) = pullback(1.0)
        x -= 0.1 * g.data
    np.testing.assert_allclose(x, [0.512, 1.024])


def test_in_place_edits_are_guarded():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    x.copy_([5.0, 5.0, 5.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    z = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"in-place addition.*leaf.*no_grad"):
        z += 1  # PyTorch refuses this on a leaf too
    with no_grad():
        z -= 0.5  # ... and allows it here (an update)
    assert z.data[0] == 0.5 and z._version == 1
    with pytest.raises(RuntimeError, match=r"indexed assignment.*leaf.*no_grad"):
        z[0] = 2.0  # PyTorch refuses this on a leaf that requires grad too
    y = (z * z).sum()
    with no_grad():
        z[0] = 2.0  # allowed, and counted: the graph that saved z refuses its backward
    assert z.data[0] == 2.0 and z._version == 2
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_optimizer_step_before_backward_is_counted():
    from scratchgrad import nn

    layer = nn.Linear(2, 1, seed=0)
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)
    loss = layer(Tensor([[1.0, 2.0]])).sum()
    for p in layer.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()  # allowed, and counted
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_dropped_graph_leaves_nothing_behind():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2).sum()
    del y
    x.data[0] = 5.0  # nothing holds x's old numbers any more
    (x * 2).sum().backward()


def test_editing_after_backward_is_fine():
    w = Tensor(np.ones(3), requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1
    (w * w).sum().backward()  # a fresh graph records the new version


def test_leaf_gradients_do_not_alias_each_other():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10  # an in-place edit (e.g. gradient clipping)
    np.testing.assert_array_equal(b.grad, np.ones(3))


# --- a fresh adversarial round's cases ---------------------------------------------------


def _fresh():
    x = Tensor([1.0, 2.0, 3.0])
    w = Tensor([1.0, 1.0, 1.0], requires_grad=True)
    return x, w, (x * w).sum()


@pytest.mark.parametrize(
    "write",
    [
        lambda d: d.flat.__setitem__(0, 9.0),
        lambda d: d.flat.__setitem__(slice(1, 3), 0.0),
        lambda d: setattr(d, "flat", 3.0),
        lambda d: np.copyto(dst=d, src=np.zeros(3)),
        lambda d: np.place(arr=d, mask=[True] * 3, vals=[0.0]),
        lambda d: d.setfield(9.0, np.float64),
    ],
    ids=[
        "flat[i]",
        "flat[slice]",
        "flat =",
        "copyto(dst=)",
        "place(arr=)",
        "setfield",
    ],
)
def test_every_spelling_of_a_write_through_data_is_counted(write):
    x, w, y = _fresh()
    write(x.data)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_reading_through_flat_is_not_a_write():
    x, w, y = _fresh()
    assert list(x.data.flat) == [1.0, 2.0, 3.0] and x.data.flat[1] == 2.0
    assert np.array_equal(np.asarray(x.data.flat), [1.0, 2.0, 3.0])
    y.backward()
    assert np.array_equal(w.grad, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("make", [list, np.array, lambda i: (np.array(i),)])
def test_an_index_changed_after_the_forward_does_not_move_the_gradient(make):
    x = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    index = make([0, 1])
    y = (x[index] * Tensor([1.0, 10.0])).sum()
    (index[0] if isinstance(index, tuple) else index)[0] = 3
    y.backward()
    assert np.array_equal(x.grad, [1.0, 10.0, 0.0, 0.0])


def test_a_leafs_gradient_is_never_the_callers_seed():
    """`x.backward(a)` then clipping `x.grad` in place must not edit `a` (or a Tensor
    seed's storage, which another graph may still use)."""
    from scratchgrad import nn

    x = Tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, -4.0])
    x.backward(a)
    nn.utils.clip_grad_value_([x], 1.0)
    assert np.array_equal(a, [3.0, -4.0])
    w = Tensor([1.0, 1.0], requires_grad=True)
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = Tensor([3.0, 4.0])
    other = (seed * w).sum()
    x.backward(seed)
    nn.utils.clip_grad_norm_([x], 1.0)
    other.backward()
    assert np.array_equal(w.grad, [3.0, 4.0])


def test_assigning_a_tensor_to_data_copies_it():
    """`x.data = o` takes o's numbers, not o's memory: o's later edits (counted on o's
    own counter) cannot reach a graph that used x."""
    o = Tensor([1.0, 2.0])
    x = Tensor([0.0, 0.0])
    w = Tensor([1.0, 1.0], requires_grad=True)
    x.data = o
    y = (x * w).sum()
    o.data[0] = 100.0
    y.backward()
    assert np.array_equal(w.grad, [1.0, 2.0])


def test_a_requires_grad_tensor_seed_is_not_a_leafs_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = Tensor([1.0, 1.0], requires_grad=True)
    x.backward(seed)
    assert x.grad is not seed
    x.grad *= 0
    assert np.array_equal(seed.data, [1.0, 1.0])


def test_flat_still_compares_and_iterates_like_numpys():
    d = Tensor([1.0, 3.0, 3.0]).data
    assert (d.flat == 3).tolist() == [False, True, True] and next(d.flat) == 1.0


def test_a_write_through_tensordataset_tensors_is_counted():
    from scratchgrad import nn

    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with no_grad():
        nn.TensorDataset(x).tensors[0].mul_(10)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_augmented_assignment_in_a_graph_records_a_new_node():
    """makemore's Linear does `self.out += self.bias`: PyTorch records the in-place op;
    here `+=` gives the new node `out + bias`, bound to the same name."""
    x = Tensor(np.arange(6.0).reshape(3, 2))
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    out = x @ W
    before = out
    out += b
    out *= 2.0
    out -= 1.0
    out /= 4.0
    assert out is not before and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(b.grad, [1.5, 1.5])  # three rows, each * 2 / 4
    total = Tensor(0.0)  # a constant accumulating a loss joins the graph too
    for k in range(3):
        total += (W * k).sum()
    W.grad = None
    total.backward()
    np.testing.assert_allclose(W.grad, np.full((2, 2), 3.0))
    with pytest.raises(RuntimeError, match="cannot broadcast the tensor it writes"):
        small = W[:1] * 1.0
        small += Tensor(np.ones((3, 2)))
    narrow = (W * 1.0).astype(np.float32)
    narrow += Tensor(np.ones((2, 2)))  # float64 added: the tensor keeps its dtype
    assert narrow.dtype == np.float32


def test_augmented_assignment_refuses_what_it_cannot_record():
    """A view or a Parameter cannot become the new node (PyTorch writes through the view,
    and refuses to turn a parameter into a non-leaf); an integer tensor cannot hold a
    float result. Refused with the fix, never written silently."""
    from scratchgrad import nn

    x = Tensor(np.ones(3), requires_grad=True)
    out = Tensor(np.zeros((2, 3)))
    row = out[0]
    with pytest.raises(RuntimeError, match="a view of another tensor"):
        row += x * 2
    frozen = nn.Parameter(np.ones(3), requires_grad=False)
    with pytest.raises(RuntimeError, match="Parameter"):
        frozen += x
    counts = Tensor(np.array([1, 2, 3]), dtype=np.int64)
    with pytest.raises(TypeError, match="cannot hold"):
        counts += x * 0.5
    kept = (x * 1.0).retain_grad()
    kept += 1.0
    kept.sum().backward()
    np.testing.assert_array_equal(kept.grad, np.ones(3))  # retain_grad carries over


def test_pytorchs_in_place_methods_on_data_are_counted_writes():
    """DCGAN-style initialisation, `m.weight.data.normal_(0.0, 0.02)`, `m.bias.data.zero_()`,
    `p.data.copy_(q.data)`, writes the parameter and counts the edit."""
    from scratchgrad import nn

    layer, twin = nn.Linear(3, 2, seed=0), nn.Linear(3, 2, seed=1)
    before = layer.weight._version
    assert layer.weight.data.normal_(0.0, 0.02) is not None
    layer.bias.data.zero_()
    assert layer.weight._version == before + 1 and not layer.bias.data.any()
    twin.weight.data.copy_(layer.weight.data)
    np.testing.assert_array_equal(twin.weight.data, layer.weight.data)
    layer.bias.data.fill_(0.5).add_(1.0, alpha=2).mul_(2).clamp_(max=4.0)
    np.testing.assert_array_equal(layer.bias.data, [4.0, 4.0])
    x = Tensor(np.ones(2), requires_grad=True)
    loss = (x * x).sum()
    x.data.uniform_(-1, 1)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
