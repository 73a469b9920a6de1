"""Shape ops, joins and where: reshape, transpose, permute, flatten, squeeze, unsqueeze,
expand, concatenate, stack and where against PyTorch and central differences, with errors
that name the shapes."""

import numpy as np
import pytest
from helpers import R, check
from oracles import oracle

from scratchgrad.autograd import Tensor, concatenate, stack, where
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

Y = R(2, 3, 4)
Z = R(1, 3, 1)

SHAPE_OPS = {
    "reshape -1": (lambda a: a.reshape(-1, 4), lambda t: t.reshape(-1, 4), Y),
    "reshape tuple": (lambda a: a.reshape((4, 6)), lambda t: t.reshape((4, 6)), Y),
    "reshape to 0d": (lambda a: a.reshape(()), lambda t: t.reshape(()), np.array([5.0])),
    "reshape from 0d": (lambda a: a.reshape(1, 1), lambda t: t.reshape(1, 1), np.array(5.0)),
    "T": (lambda a: a.T, lambda t: t.permute(2, 1, 0), Y),
    "mT": (lambda a: a.mT, lambda t: t.mT, Y),
    "transpose swap": (lambda a: a.transpose(0, 2), lambda t: t.transpose(0, 2), Y),
    "transpose swap neg": (lambda a: a.transpose(-1, 0), lambda t: t.transpose(-1, 0), Y),
    "transpose full neg": (lambda a: a.transpose(-1, 0, 1), lambda t: t.permute(-1, 0, 1), Y),
    "permute": (lambda a: a.permute(1, 2, 0), lambda t: t.permute(1, 2, 0), Y),
    "permute list": (lambda a: a.permute([2, 0, 1]), lambda t: t.permute([2, 0, 1]), Y),
    "flatten": (lambda a: a.flatten(), lambda t: t.flatten(), Y),
    "flatten 1": (lambda a: a.flatten(1), lambda t: t.flatten(1), Y),
    "flatten -2": (lambda a: a.flatten(-2), lambda t: t.flatten(-2), Y),
    "flatten 0d": (lambda a: a.flatten(), lambda t: t.flatten(), np.array(2.0)),
    "squeeze": (lambda a: a.squeeze(), lambda t: t.squeeze(), Z),
    "squeeze -1": (lambda a: a.squeeze(-1), lambda t: t.squeeze(-1), Z),
    "squeeze tuple": (lambda a: a.squeeze((0, 2)), lambda t: t.squeeze((0, 2)), Z),
    "unsqueeze 3": (lambda a: a.unsqueeze(3), lambda t: t.unsqueeze(3), Z),
    "unsqueeze -2": (lambda a: a.unsqueeze(-2), lambda t: t.unsqueeze(-2), R(2, 3)),
    "expand": (lambda a: a.expand(2, 3, 3), lambda t: t.expand(2, 3, 3), Z),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_ops_match_torch(name):
    ours, theirs, x = SHAPE_OPS[name]
    check(ours, theirs, x)


def test_shape_ops_move_gradients_back():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = rng.standard_normal((3, 1, 2))
    checks = [
        lambda t: (t.T.reshape(3, 1, 2) * w).sum(),
        lambda t: (t.unsqueeze(0).permute(2, 0, 1).squeeze(1) * w[:, 0, :]).sum(),
        lambda t: (t.expand(4, 2, 3)[1:] ** 2).sum(),
        lambda t: (t.flatten() * np.arange(6.0)).sum(),
    ]
    for f in checks:
        assert_gradients_match(f, [x])


def test_shape_op_errors_are_clear():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot reshape"):
        x.reshape(4, -1)
    with pytest.raises(ValueError, match="not a permutation"):
        x.transpose((0, 0))  # numpy's form (PyTorch's transpose(0, 0) leaves x as it is)
    with pytest.raises(ValueError, match="out of range"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match="out of range"):
        x.squeeze(2)


@pytest.mark.oracle
def test_squeeze_keeps_an_axis_whose_size_is_not_1_as_torch_does():
    z = np.ones((1, 3, 1, 2))
    for dims in (1, (0, 1), (1, 2), -1):
        assert Tensor(z).squeeze(dims).shape == tuple(torch.from_numpy(z).squeeze(dims).shape)


# --- joins and where ----------------------------------------------------------------------


@pytest.mark.oracle
def test_concatenate_and_stack_match_torch():
    check(
        lambda a, b: concatenate([a, b], axis=-1),
        lambda a, b: torch.cat([a, b], -1),
        R(2, 3),
        R(2, 1),
    )
    check(lambda a, b: concatenate([a, b]), lambda a, b: torch.cat([a, b]), R(0, 3), R(2, 3))
    check(
        lambda a, b: stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], -1), R(2, 3), R(2, 3)
    )
    check(
        lambda a, b: stack([a, b]), lambda a, b: torch.stack([a, b]), np.array(1.0), np.array(2.0)
    )
    check(lambda a: stack([a, a, a], axis=1), lambda t: torch.stack([t, t, t], 1), R(2, 3))
    check(lambda a: concatenate([a, a]), lambda t: torch.cat([t, t]), R(2, 3))


def test_join_errors_name_the_shapes():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 3\)"):
        concatenate([x, Tensor(np.ones((3, 3)))], axis=1)
    with pytest.raises(ValueError, match="out of range"):
        concatenate([x, x], axis=2)
    with pytest.raises(ValueError, match="same shape"):
        stack([x, Tensor(np.ones((3, 3)))])


@pytest.mark.oracle
def test_where_broadcasts_condition_and_both_branches():
    cond = R(2, 3) > 0
    tcond = torch.tensor(cond)
    check(lambda a, b: where(cond, a, b), lambda a, b: torch.where(tcond, a, b), R(1, 3), R(2, 1))
    check(lambda a: where(cond, a, 0.0), lambda t: torch.where(tcond, t, 0.0), R(2, 3))
    check(lambda a, b: where(cond, a, b), lambda a, b: torch.where(tcond, a, b), R(3), R(3))
    check(lambda a: where(a.data > 0, a, a * 2), lambda t: torch.where(t > 0, t, t * 2), R(3))


def test_where_clip_and_stacking_against_numpy():
    from scratchgrad import autograd

    a = Tensor(np.array([[-1.5, 0.5], [2.0, -0.2]]), requires_grad=True)
    b = Tensor(np.array([1.0, -3.0]), requires_grad=True)
    out = autograd.where(a.data > 0, a, b)
    np.testing.assert_allclose(out.data, np.where(a.data > 0, a.data, b.data))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, (a.data > 0).astype(float))
    np.testing.assert_array_equal(b.grad, (a.data <= 0).sum(axis=0))
    c = autograd.concatenate([a, b.reshape(1, 2)], axis=0)
    s = autograd.stack([a[0], b], axis=1)
    assert c.shape == (3, 2) and s.shape == (2, 2)
    np.testing.assert_allclose(a.clip(-1, 1).data, np.clip(a.data, -1, 1))


@pytest.mark.oracle
def test_pytorch_spellings_of_stack_where_and_pow():
    """`torch.stack(xs, dim=1)`, `x.where(cond, y)` and `torch.pow` as PyTorch has them,
    gradients included (found missing by a probe of common PyTorch calls)."""
    import scratchgrad

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    cond = a > 0
    ours = scratchgrad.stack([Tensor(a), Tensor(b)], dim=1)
    np.testing.assert_array_equal(ours.data, torch.stack([torch.tensor(a), torch.tensor(b)], dim=1))
    x = Tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    (x.where(Tensor(cond), Tensor(b)) * scratchgrad.pow(x, 2)).sum().backward()
    (tx.where(torch.tensor(cond), torch.tensor(b)) * torch.pow(tx, 2)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="both axis= and dim="):
        scratchgrad.stack([Tensor(a), Tensor(b)], dim=1, axis=1)


def test_two_axes_are_swapped_as_in_pytorch_even_on_a_matrix():
    """numpy reads x.transpose(0, 1) on a matrix as "axes in this order" (no change);
    PyTorch swaps them. Code from PyTorch must get the swap."""
    x = Tensor(np.arange(6.0).reshape(2, 3))
    for swapped in (x.transpose(0, 1), x.transpose(-2, -1), x.transpose(1, 0)):
        np.testing.assert_array_equal(swapped.data, x.data.T)
    np.testing.assert_array_equal(x.transpose(0, 0).data, x.data)
    np.testing.assert_array_equal(x.transpose((0, 1)).data, x.data)  # numpy's permutation
    y = Tensor(np.zeros((2, 3, 4)))
    assert y.transpose(0, 2).shape == (4, 3, 2) and y.transpose(1, 0, 2).shape == (3, 2, 4)
