"""Tensor.register_hook, as PyTorch's: hooks see each backward's whole gradient of their
tensor (intermediate, leaf, a node used twice), may replace it (what flows down, what
retain_grad() keeps, what a leaf accumulates), run in autograd.grad, backward(inputs=)
and under create_graph, come off with their handle, and a gradient a hook keeps is not
overwritten by later passes (Grad-CAM keeps the activations' gradients)."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad

torch = oracle("torch")


def _run(lib):
    seen = []
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, 0.5, 2.0], requires_grad=True)
    h = x * w
    h.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    x.register_hook(lambda g: seen.append(g.numpy().copy()))  # looks, changes nothing
    handle = w.register_hook(lambda g: g.clamp(-1, 1))
    ((h * h).sum() + (x * 3).sum()).backward()  # x reaches y twice: its hook sees the sum
    first = [x.grad.numpy().copy(), w.grad.numpy().copy()]
    handle.remove()
    (x * w * x).sum().backward()  # w's hook is gone; grads accumulate
    kept = lib.tensor([2.0, 4.0], requires_grad=True)
    mid = kept * 3
    mid.retain_grad()
    mid.register_hook(lambda g: g + 1)
    (mid * mid).sum().backward()
    return seen, first, [x.grad, w.grad, mid.grad, kept.grad]


@pytest.mark.oracle
def test_hooks_see_and_replace_gradients_as_pytorchs():
    ours, theirs = _run(scratchgrad), _run(torch)
    assert len(ours[0]) == len(theirs[0]) == 3
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True):
        np.testing.assert_allclose(a, b)
    for a, b in zip(ours[2], theirs[2], strict=True):
        np.testing.assert_allclose(np.asarray(a), b.numpy())


@pytest.mark.oracle
def test_hooks_run_in_grad_inputs_and_create_graph():
    found = []
    for lib in (scratchgrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        mid = x * 3
        mid.register_hook(lambda g: g * 100)
        out = (mid * mid).sum()
        # (PyTorch returns mid's own gradient unhooked when x is asked for too, hooked when
        # mid is asked for alone; ours is hooked both times, so only these two compare)
        by_grad = [lib.autograd.grad(out, [x, mid], retain_graph=True)[0].detach().numpy()]
        by_grad += [g.detach().numpy() for g in lib.autograd.grad(out, mid, retain_graph=True)]
        mid.retain_grad()  # (without it PyTorch's .grad of a non-leaf input skips its hooks)
        out.backward(inputs=[mid])
        y = lib.tensor([1.0, 2.0], requires_grad=True)
        sq = y**2
        sq.register_hook(lambda g: g * 3)
        (g,) = lib.autograd.grad(sq.sum() * sq.sum(), y, create_graph=True)
        g.sum().backward()
        found.append(by_grad + [mid.grad.numpy(), g.detach().numpy(), y.grad.numpy()])
    for a, b in zip(*found, strict=True):
        np.testing.assert_allclose(a, b)


def test_a_kept_gradient_is_not_overwritten_and_errors():
    kept = []
    x = scratchgrad.tensor(np.ones((64, 64)), requires_grad=True)
    for scale in (1.0, 2.0, 3.0):
        mid = (x * scale).tanh()
        mid.register_hook(kept.append)
        (mid * mid).sum().backward()
    firsts = [k.numpy()[0, 0] for k in kept]
    expected = [2 * np.tanh(s) for s in (1.0, 2.0, 3.0)]
    np.testing.assert_allclose(firsts, expected)  # the pass's pooled arrays left them alone
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        scratchgrad.tensor([1.0]).register_hook(print)
    y = scratchgrad.tensor([1.0, 2.0], requires_grad=True)
    with y.register_hook(lambda g: g[:1]):
        with pytest.raises(RuntimeError, match="changed the size of the gradient"):
            (y * 2).sum().backward()
    (y * 2).sum().backward()  # the with block took the hook off
    np.testing.assert_allclose(y.grad, [2.0, 2.0])
