"""Module.register_forward_hook, as PyTorch's: a hook sees (module, args, output) after
each forward, may replace the output (with_kwargs: also the keyword arguments), runs
in registration order unless prepended, and comes off with its handle (feature
extraction and activation statistics keep what it sees)."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad

torch = oracle("torch")


def _net(lib):
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    return net if lib is scratchgrad else net.double()


@pytest.mark.oracle
def test_hooks_see_and_replace_outputs_as_pytorchs():
    ours, theirs = _net(scratchgrad), _net(torch)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 3))
    found = []
    for lib, net in ((scratchgrad, ours), (torch, theirs)):
        seen, order = {}, []
        handle = net[1].register_forward_hook(
            lambda m, args, out: seen.__setitem__("relu", out.detach().numpy().copy())
        )
        net[2].register_forward_hook(lambda m, args, out: order.append("second") or out * 2)
        net[2].register_forward_hook(lambda m, args, out: order.append("first"), prepend=True)
        net[0].register_forward_hook(lambda m, args, kwargs, out: out + 1, with_kwargs=True)
        first = net(lib.tensor(x)).detach().numpy()
        captured = seen.pop("relu")
        handle.remove()
        second = net(lib.tensor(x)).detach().numpy()
        found.append((first, second, seen, order, captured))
    (a1, a2, a_seen, a_order, a_kept), (b1, b2, b_seen, b_order, b_kept) = found
    np.testing.assert_allclose(a_kept, b_kept)  # the ReLU's output, seen by the hook
    assert a_kept.shape == (5, 4)
    np.testing.assert_allclose(a1, b1)
    np.testing.assert_allclose(a2, b2)
    assert a_seen == b_seen == {} and a_order == b_order == ["first", "second"] * 2


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # PyTorch's note
def test_full_backward_hooks_as_pytorchs():
    """grad_input and grad_output as PyTorch's (Grad-CAM reads them), a returned
    grad_input flows on, a first layer whose input needs no gradient gets (None,)."""
    x = np.random.default_rng(1).normal(size=(2, 1, 6, 6))
    found, state = [], None
    for lib in (scratchgrad, torch):
        net = lib.nn.Sequential(
            lib.nn.Conv2d(1, 3, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(48, 4)
        )
        if lib is torch:
            net = net.double()
            net.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        else:
            state = net.state_dict()
        seen = []
        net[1].register_full_backward_hook(
            lambda m, gi, go: seen.append((gi[0].numpy().copy(), go[0].numpy().copy()))
        )
        net[0].register_full_backward_hook(lambda m, gi, go: seen.append(gi))
        handle = net[3].register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,))
        net(lib.tensor(x)).sum().backward()
        grads = [p.grad.numpy().copy() for p in net.parameters()]
        handle.remove()
        net.zero_grad()
        net(lib.tensor(x)).sum().backward()
        found.append((seen, grads, [p.grad.numpy() for p in net.parameters()]))
    (ours, our_grads, our_after), (theirs, their_grads, their_after) = found
    for a, b in zip(ours[0], theirs[0], strict=True):
        np.testing.assert_allclose(a, b)
    assert ours[1] == theirs[1] == (None,)
    for a, b in zip(our_grads + our_after, their_grads + their_after, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
