"""Helpers that several test files share (one copy each), by subject."""

import numpy as np
from hypothesis import strategies as st
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor

torch = oracle("torch")


# --- Tensor ops against PyTorch (autograd/test_tensor_*.py, test_backward.py) -------------


def R(*shape):
    """A standard-normal array of this shape, the same on every call (seed 0)."""
    return np.random.default_rng(0).standard_normal(shape)


def check(f_ours, f_torch, *arrays, rtol=1e-10, atol=1e-12):
    """Same value, shape and gradients (for a random upstream gradient) as PyTorch."""
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = f_ours(*ours), f_torch(*theirs)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    seed = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(seed)
    tout.backward(torch.tensor(seed))
    for x, t, a in zip(ours, theirs, arrays):
        expected = np.zeros(np.shape(a)) if t.grad is None else t.grad.numpy()
        got = np.zeros(np.shape(a)) if x.grad is None else x.grad
        assert np.shape(got) == expected.shape
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# --- convolution and pooling (autograd/test_conv_*.py, test_pool_ops.py, nn/test_conv_layers.py)

TOL = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


def close(ours, theirs, dtype=np.float64, what=""):
    """Assert equal shapes and values within the dtype's tolerance (NaN equals NaN); either
    side may be a Tensor, a torch tensor or an array."""
    ours = ours.data if isinstance(ours, Tensor) else ours
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    assert np.shape(ours) == tuple(np.shape(theirs)), what
    np.testing.assert_allclose(ours, theirs, equal_nan=True, err_msg=what, **TOL[dtype])


@st.composite
def conv_geometry(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 1)), draw(st.integers(0, 2))
    h = draw(st.integers(max(kh - 2 * ph, 1), 6))
    w = draw(st.integers(max(kw - 2 * pw, 1), 6))
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return dict(n=n, c=c, o=o, h=h, w=w, kernel=(kh, kw), stride=(sh, sw), padding=(ph, pw))


def conv_tensors(g, seed, bias=True):
    """Input, weight and bias (or None) of a conv_geometry, drawn from `seed`."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((g["n"], g["c"], g["h"], g["w"])), requires_grad=True)
    w = Tensor(rng.standard_normal((g["o"], g["c"]) + g["kernel"]), requires_grad=True)
    b = Tensor(rng.standard_normal(g["o"]), requires_grad=True) if bias else None
    return x, w, b


# --- layers, activations and losses against PyTorch (nn/) ---------------------------------


def t64(array, requires_grad=False):
    """A float64 torch tensor of `array`."""
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def close64(ours, theirs, **kw):
    """Assert float64-close values (rtol 1e-10); ours a Tensor or array, theirs torch's."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.data if isinstance(ours, Tensor) else ours
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, **kw)


def linear_pair(n_in, n_out, bias=True):
    """Our Linear and PyTorch's, holding the same weights."""
    ours = nn.Linear(n_in, n_out, bias=bias, seed=0)
    theirs = torch.nn.Linear(n_in, n_out, bias=bias, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def compare_unary(ours, theirs, x, rng):
    """Outputs and input gradients of one module pair on x (random output weights)."""
    xo, xt = Tensor(x, requires_grad=True), t64(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    (out_t * t64(w)).sum().backward()
    close64(out, out_t)
    close64(xo.grad, xt.grad)
    return out, out_t


def compare_loss(ours, theirs, x, target, rng, reduction="mean", torch_target=None):
    """A loss's value and input gradient against PyTorch's (random weights for "none")."""
    torch_target = torch.tensor(np.asarray(target)) if torch_target is None else torch_target
    xo = Tensor(x, requires_grad=True)
    out = ours(xo, target, reduction=reduction)
    xt = t64(x, requires_grad=True)
    out_t = theirs(xt, torch_target, reduction=reduction)
    if reduction == "none":
        w = rng.normal(size=out.shape)
        (out * w).sum().backward()
        (out_t * t64(w)).sum().backward()
    else:
        out.backward()
        out_t.backward()
    assert out.shape == tuple(out_t.shape)
    close64(out, out_t)
    close64(xo.grad, xt.grad)


# --- optimizers (nn/optim/) ---------------------------------------------------------------

W0 = np.random.default_rng(0).normal(size=(3, 2))


def gradient(w, k):
    """A deterministic, step-dependent gradient field (not a fixed constant)."""
    return np.sin(w * (k + 1)) + 0.3 * w - 0.1 * k


def torch_param(w):
    return torch.tensor(np.array(w, dtype=np.float64), requires_grad=True)


def tnp(t):
    return t.detach().numpy()


# --- a small training problem (nn/test_train.py, test_callbacks.py, test_save_load.py) ----

_RNG = np.random.default_rng(0)
POINTS = _RNG.normal(size=(40, 4))
LABELS = (POINTS[:, 0] > 0).astype(np.int64)


def training_setup(seed=0, lr=0.1, batch_size=8):
    """A seeded 4-8-2 MLP, SGD at `lr` and a shuffled loader over POINTS, LABELS."""
    nn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    loader = nn.DataLoader((POINTS, LABELS), batch_size=batch_size, shuffle=True, seed=0)
    return model, opt, loader


def same_state(a, b):
    """Two state_dicts hold the same keys and equal arrays."""
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)
