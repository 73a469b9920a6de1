"""One comparison with PyTorch for the tests of the newer Tensor methods and torch
functions: the same call on scratchgrad and on torch, values (and dtypes) equal, and,
for float inputs, every input's gradient of a random weighting of the outputs."""

import numpy as np

import scratchgrad as sg


def _outputs(out):
    """The tensors of a result: itself, or the tensors of a tuple (namedtuples too)."""
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _outputs(item)]
    return [out]


def _kind(dtype):
    return np.dtype(str(dtype).replace("torch.", "")).kind


def compare(torch, make, arrays, *, grad=True, rtol=1e-7, atol=1e-10, seed=0):
    """make(module, *tensors) on scratchgrad and on torch from the same `arrays`: the
    outputs' values, shapes and dtype kinds agree, and, with grad=True, the gradients of
    Σ weights * outputs for every float input (a missing gradient counts as zeros)."""
    rng = np.random.default_rng(seed)
    arrays = [np.array(a, order="C") for a in arrays]
    floats = [np.asarray(a).dtype.kind == "f" for a in arrays]
    ours = [sg.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    theirs = [torch.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    got, want = _outputs(make(sg, *ours)), _outputs(make(torch, *theirs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        expected = w.detach().numpy()
        assert tuple(g.shape) == tuple(expected.shape), (g.shape, expected.shape)
        assert g.dtype.kind == _kind(w.dtype), (g.dtype, w.dtype)
        np.testing.assert_allclose(g.data, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not grad or not any(floats):
        return
    loss_ours, loss_theirs = 0, 0
    for g, w in zip(got, want):
        if g.dtype.kind != "f" or not w.requires_grad:
            continue
        weights = rng.normal(size=tuple(w.shape))
        loss_ours = loss_ours + (g * sg.tensor(weights, dtype=g.dtype)).sum()
        loss_theirs = loss_theirs + (w * torch.tensor(weights, dtype=w.dtype)).sum()
    if isinstance(loss_theirs, int):
        return
    loss_theirs.backward()
    if isinstance(loss_ours, sg.Tensor) and loss_ours.requires_grad:
        loss_ours.backward()
    for ours_in, theirs_in, f in zip(ours, theirs, floats):
        if not f:
            continue
        want_grad = theirs_in.grad
        want_grad = np.zeros(theirs_in.shape) if want_grad is None else want_grad.numpy()
        got_grad = np.zeros(ours_in.shape) if ours_in.grad is None else np.asarray(ours_in.grad)
        np.testing.assert_allclose(got_grad, want_grad, rtol=rtol, atol=atol, equal_nan=True)
