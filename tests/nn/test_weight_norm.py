"""Weight and spectral normalisation, in both of PyTorch's APIs, give PyTorch's numbers:
`nn.utils.parametrizations.weight_norm` / `spectral_norm` (parametrizations: original0 /
original1, original and the `_u` / `_v` buffers) and the older hook versions
`nn.utils.weight_norm` / `spectral_norm` (weight_g / weight_v, weight_orig and the
weight_u / weight_v buffers). Values, gradients, parameter and state_dict names, the
printed module, removal, and a few Adam steps match PyTorch in float64. The random
starting vectors of the power iteration differ between the frameworks, so ours are
copied into PyTorch's module first; after that both iterate alike."""

import warnings

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
from scratchgrad import nn
from scratchgrad.nn.utils import parametrize

torch = oracle("torch")
TOL = dict(rtol=1e-10, atol=1e-12)


def _repr(text):
    """Our printed model without the parameter-count comments PyTorch does not print."""
    lines = [line.split("  # ")[0] for line in text.splitlines()]
    return "\n".join(line for line in lines if not line.startswith("Total parameters"))


def _model(lib):
    n = lib.nn
    return n.Sequential(
        n.Conv2d(2, 3, 3, dtype=lib.float64) if lib is scratchgrad else n.Conv2d(2, 3, 3).double(),
        n.Tanh(),
        n.Flatten(),
        n.Linear(12, 2, dtype=lib.float64) if lib is scratchgrad else n.Linear(12, 2).double(),
    )


def _pair(norm, *args, **kwargs):
    """Our model and PyTorch's, the same weights, `norm` (a path under nn.utils, e.g.
    "parametrizations.weight_norm") applied to both layers of each."""
    ours, theirs = _model(scratchgrad), _model(torch)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for lib, model in ((scratchgrad, ours), (torch, theirs)):
        fn = lib.nn.utils
        for part in norm.split("."):
            fn = getattr(fn, part)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            for i in (0, 3):
                fn(model[i], *args, **kwargs)
    return ours, theirs


def _check_same(ours, theirs, x, what=""):
    """Same output, same gradient of every parameter, same state."""
    out, tout = ours(x), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL, err_msg=what)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    our_params, their_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(our_params) == list(their_params)
    for name, p in our_params.items():
        np.testing.assert_allclose(p.grad, their_params[name].grad.numpy(), **TOL, err_msg=name)
    _same_state(ours, theirs)


def _same_state(ours, theirs):
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    for name, value in our_state.items():
        np.testing.assert_allclose(value, their_state[name].numpy(), **TOL, err_msg=name)


def _adam_steps(model, lib, x, y, steps=4):
    optimizer = lib.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _train_both(ours, theirs):
    data = np.random.default_rng(2)
    x, y = data.standard_normal((3, 2, 4, 4)), data.standard_normal((3, 2))
    our_losses = _adam_steps(ours, scratchgrad, x, y)
    their_losses = _adam_steps(theirs, torch, torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(our_losses, their_losses, **TOL)
    assert our_losses[-1] < our_losses[0]
    _same_state(ours, theirs)


X = np.random.default_rng(0).standard_normal((3, 2, 4, 4))


# --- weight norm -------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_parametrized_weight_norm_matches_pytorch(dim):
    ours, theirs = _pair("parametrizations.weight_norm", dim=dim)
    assert list(ours.state_dict()) == [
        "0.bias",
        "0.parametrizations.weight.original0",
        "0.parametrizations.weight.original1",
        "3.bias",
        "3.parametrizations.weight.original0",
        "3.parametrizations.weight.original1",
    ]
    _same_state(ours, theirs)  # g holds the norms, v the weight
    assert type(ours[3]).__name__ == "ParametrizedLinear"
    assert isinstance(ours[3], nn.Linear) and parametrize.is_parametrized(ours[3], "weight")
    assert parametrize.type_before_parametrizations(ours[3]) is nn.Linear
    np.testing.assert_allclose(ours[3].weight.data, theirs[3].weight.detach().numpy(), **TOL)
    _check_same(ours, theirs, X)
    ours.zero_grad()
    theirs.zero_grad()
    _train_both(ours, theirs)


@pytest.mark.oracle
def test_parametrized_module_prints_as_pytorchs():
    for norm in ("parametrizations.weight_norm", "parametrizations.spectral_norm"):
        ours, theirs = _pair(norm)
        assert _repr(repr(ours)) == repr(theirs)


@pytest.mark.oracle
def test_assigning_and_removing_a_parametrization_as_pytorch():
    ours, theirs = _pair("parametrizations.weight_norm")
    new = np.random.default_rng(3).standard_normal((2, 12))
    ours[3].weight = scratchgrad.tensor(new)  # through right_inverse: g = ||new||, v = new
    with torch.no_grad():
        theirs[3].weight = torch.tensor(new)
    _same_state(ours, theirs)
    np.testing.assert_allclose(ours[3].weight.data, new, **TOL)
    for lib, model in ((parametrize, ours), (torch.nn.utils.parametrize, theirs)):
        lib.remove_parametrizations(model[3], "weight")
    assert type(ours[3]) is nn.Linear and not parametrize.is_parametrized(ours[3])
    assert "3.weight" in ours.state_dict()
    _same_state(ours, theirs)
    _check_same(ours, theirs, X)


@pytest.mark.oracle
def test_pytorchs_parametrized_checkpoint_loads_into_ours():
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4).double())
    ours = nn.utils.parametrizations.weight_norm(nn.Linear(3, 4, dtype=np.float64))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, 3))
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), **TOL)


@pytest.mark.oracle
@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm_matches_pytorch(dim):
    ours, theirs = _pair("weight_norm", dim=dim)
    assert [k for k in ours.state_dict() if k.startswith("3.")] == [
        "3.bias",
        "3.weight_g",
        "3.weight_v",
    ]
    _same_state(ours, theirs)
    _check_same(ours, theirs, X)
    ours.zero_grad()
    theirs.zero_grad()
    _train_both(ours, theirs)
    # the computed weight is an attribute, not a parameter, recomputed at each forward
    assert "3.weight" not in dict(ours.named_parameters())
    np.testing.assert_allclose(ours[3].weight.data, theirs[3].weight.detach().numpy(), **TOL)
    assert _repr(repr(ours)) == repr(theirs)
    for lib, model in ((nn.utils, ours), (torch.nn.utils, theirs)):
        for i in (0, 3):
            lib.remove_weight_norm(model[i])
    assert list(ours.state_dict()) == ["0.bias", "0.weight", "3.bias", "3.weight"]
    _same_state(ours, theirs)
    assert not ours[3]._forward_pre_hooks


def test_old_weight_norm_warns_and_refuses_twice():
    layer = nn.Linear(3, 2)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(layer)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            nn.utils.weight_norm(layer)
    nn.utils.remove_weight_norm(layer)
    with pytest.raises(ValueError, match="not found"):
        nn.utils.remove_weight_norm(layer)


# --- spectral norm -----------------------------------------------------------------------


@pytest.mark.oracle
def test_old_spectral_norm_matches_pytorch_in_training_and_eval():
    ours, theirs = _pair("spectral_norm")
    assert [k for k in ours.state_dict() if k.startswith("3.")] == [
        "3.bias",
        "3.weight_orig",
        "3.weight_u",
        "3.weight_v",
    ]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    vectors = {k: torch.tensor(v) for k, v in ours.state_dict().items() if k.endswith(("_u", "_v"))}
    theirs.load_state_dict({**theirs.state_dict(), **vectors})
    _same_state(ours, theirs)
    # before any forward, module.weight is the raw weight (PyTorch's weight.data)
    np.testing.assert_allclose(ours[3].weight.data, theirs[3].weight.numpy(), **TOL)
    _check_same(ours, theirs, X, "training: one power iteration")
    ours.eval()
    theirs.eval()
    before = ours.state_dict()["3.weight_u"].copy()
    _check_same(ours, theirs, X, "eval: no power iteration")
    np.testing.assert_array_equal(ours.state_dict()["3.weight_u"], before)
    ours.train()
    theirs.train()
    ours.zero_grad()
    theirs.zero_grad()
    _train_both(ours, theirs)
    assert _repr(repr(ours)) == repr(theirs)
    for lib, model in ((nn.utils, ours), (torch.nn.utils, theirs)):
        for i in (0, 3):
            lib.remove_spectral_norm(model[i])
    _same_state(ours, theirs)
    assert "3.weight" in ours.state_dict()


@pytest.mark.oracle
def test_parametrized_spectral_norm_matches_pytorch():
    ours, theirs = _pair("parametrizations.spectral_norm", n_power_iterations=2)
    assert [k for k in ours.state_dict() if k.startswith("3.")] == [
        "3.bias",
        "3.parametrizations.weight.original",
        "3.parametrizations.weight.0._u",
        "3.parametrizations.weight.0._v",
    ]
    vectors = {k: torch.tensor(v) for k, v in ours.state_dict().items() if k.endswith(("_u", "_v"))}
    theirs.load_state_dict({**theirs.state_dict(), **vectors})
    _check_same(ours, theirs, X, "training")
    ours.eval()
    theirs.eval()
    _check_same(ours, theirs, X, "eval")
    ours.train()
    theirs.train()
    ours.zero_grad()
    theirs.zero_grad()
    _train_both(ours, theirs)
    # the spectral norm of the weight is about 1 after the iterations
    weight = ours[3].weight.data
    assert abs(np.linalg.norm(weight, 2) - 1) < 1e-3


@pytest.mark.oracle
def test_spectral_norm_of_a_transposed_convolution_uses_dim_1():
    ours = nn.utils.spectral_norm(nn.ConvTranspose2d(2, 3, 3, dtype=np.float64))
    theirs = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose2d(2, 3, 3).double())
    assert ours.weight_u.shape == tuple(theirs.weight_u.shape) == (3,)
    assert ours.weight_v.shape == tuple(theirs.weight_v.shape) == (18,)
    ours = nn.utils.parametrizations.spectral_norm(nn.ConvTranspose2d(2, 3, 3, dtype=np.float64))
    assert ours.parametrizations.weight[0]._u.shape == (3,)


def test_forward_pre_hooks_run_before_forward_and_can_be_removed():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append("hook") or (args[0] * 0,))
    layer.register_forward_pre_hook(lambda m, args: seen.append("first"), prepend=True)
    out = layer(np.ones((1, 2)))
    assert seen == ["first", "hook"]
    np.testing.assert_allclose(out.data, layer.bias.data[None])  # the hook zeroed the input
    handle.remove()
    assert len(layer._forward_pre_hooks) == 1
    assert "_forward_pre_hooks" not in dict(layer.named_parameters())
