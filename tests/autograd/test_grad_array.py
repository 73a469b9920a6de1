"""`.grad` and `.data` are numpy arrays that also take PyTorch's tensor methods: d2l's
`param.grad.zero_()`, older clipping code's `p.grad.data.norm(2).item()`, the DQN
tutorial's `param.grad.data.clamp_(-1, 1)`, makemore's update-to-data ratio."""

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn
from tests.oracles import oracle

torch = oracle("torch")


def _pair(numbers):
    ours = sg.tensor(numbers, requires_grad=True)
    theirs = torch.tensor(numbers, dtype=torch.float64, requires_grad=True)
    ((ours * ours).sum() * 3).backward()
    ((theirs * theirs).sum() * 3).backward()
    return ours, theirs


NUMBERS = [[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]]


def test_grad_is_an_ndarray_that_prints_as_one():
    x, _ = _pair(NUMBERS)
    assert isinstance(x.grad, np.ndarray)
    assert repr(x.grad).startswith("array(")
    np.testing.assert_array_equal(x.grad, 6 * np.array(NUMBERS))


def test_zero_grad_in_place_writes_the_gradient():
    """d2l's `sgd`: update under no_grad, then `param.grad.zero_()`; the next backward
    starts from zero."""
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    with sg.no_grad():
        x -= 0.1 * x.grad
        x.grad.zero_()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [1.6, 3.2])


@pytest.mark.oracle
def test_methods_numpy_lacks_answer_as_pytorch():
    x, t = _pair(NUMBERS)
    assert x.grad.data.norm(2).item() == pytest.approx(t.grad.data.norm(2).item(), rel=1e-14)
    assert x.grad.abs().max().item() == t.grad.abs().max().item()
    assert x.grad.numel() == t.grad.numel() and x.grad.dim() == t.grad.dim()
    np.testing.assert_array_equal(x.grad.clone().numpy(), t.grad.clone().numpy())
    np.testing.assert_array_equal(x.grad.detach().cpu().numpy(), t.grad.detach().cpu().numpy())
    x.grad.data.clamp_(-1, 1)
    t.grad.data.clamp_(-1, 1)
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
    x.grad.mul_(0.5).add_(1.0)
    t.grad.mul_(0.5).add_(1.0)
    np.testing.assert_array_equal(x.grad, t.grad.numpy())


@pytest.mark.oracle
def test_makemore_update_to_data_ratio():
    """`((lr*p.grad).std() / p.data.std()).log10().item()`: numpy's std (ddof 0) on both
    sides of the ratio, so the ratio is PyTorch's (ddof 1 on both)."""
    x, t = _pair(NUMBERS)
    lr = 0.1
    ours = ((lr * x.grad).std() / x.data.std()).log10().item()
    theirs = ((lr * t.grad).std() / t.data.std()).log10().item()
    assert ours == pytest.approx(theirs, rel=1e-13)


def test_arithmetic_keeps_the_methods_but_optimizers_use_plain_arrays():
    x, _ = _pair(NUMBERS)
    scaled = 0.5 * x.grad
    assert hasattr(scaled, "zero_") and isinstance(scaled, np.ndarray)
    assert np.asarray(x.grad).__class__ is np.ndarray
    model = nn.Linear(3, 2)
    opt = sg.optim.Adam(model.parameters(), lr=0.1)
    model(sg.randn(4, 3)).sum().backward()
    opt.step()
    arrays = [v for s in opt.state.values() for v in s.values() if hasattr(v, "shape")]
    assert arrays and all(type(v) is np.ndarray for v in arrays)


def test_gradient_accumulation_and_zero_grad_keep_the_methods():
    x = sg.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    x.grad.zero_()
    model = nn.Linear(2, 1)
    model(sg.randn(3, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    model.weight.grad.add_(1.0)
    np.testing.assert_array_equal(model.weight.grad, [[1.0, 1.0]])


def test_a_name_neither_has_says_so():
    x, _ = _pair(NUMBERS)
    with pytest.raises(AttributeError, match="has no attribute 'foo', and neither has a Tensor"):
        x.grad.foo  # noqa: B018


def test_in_place_methods_through_data_count_as_edits():
    """`p.data.div_(2)` between forward and backward changes numbers the graph saved: the
    backward refuses, as for every write through `.data`."""
    w = sg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data.div_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    np.testing.assert_array_equal(w.data, [0.5, 1.0])


@pytest.mark.oracle
def test_clip_grad_norm_returns_a_number_with_item():
    model = nn.Linear(3, 2)
    model(sg.randn(4, 3)).sum().backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    assert isinstance(total, float) and total.item() == float(total)


def test_a_reduction_of_a_gradient_rounds_and_prints_as_a_number():
    x, _ = _pair(NUMBERS)
    assert round(x.grad.sum(), 6) == round(float(np.asarray(x.grad).sum()), 6)
    assert str(x.grad.sum()) == str(np.asarray(x.grad).sum())
    with pytest.raises(TypeError, match="np.round"):
        round(x.grad)
