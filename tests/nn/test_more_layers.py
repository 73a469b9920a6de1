"""nn.Unfold and nn.Fold (with dilation), nn.LocalResponseNorm / F.local_response_norm
and nn.Bilinear / F.bilinear: outputs and input and parameter gradients against PyTorch
in float64 with equal weights, over shapes and options, unbatched input; reprs,
attributes, state_dict keys, init bounds; second derivatives; errors."""

import math

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")
TOL = dict(rtol=1e-12, atol=1e-13)


def _check(ours, theirs, inputs, rng, params=()):
    """Output and every input's (and the named parameters') gradient, ours vs PyTorch's."""
    xs = [Tensor(x, requires_grad=True) for x in inputs]
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    out, out_t = ours(*xs), theirs(*ts)
    assert out.shape == tuple(out_t.shape)
    g = rng.normal(size=out.shape)
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOL)
    for p, q in params:
        np.testing.assert_allclose(p.grad, q.grad.numpy(), **TOL)


# --- Unfold and Fold ----------------------------------------------------------------------

GEOMETRIES = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=1),
    dict(kernel_size=2, dilation=2),
    dict(kernel_size=(3, 2), dilation=(2, 3), padding=(2, 1), stride=2),
    dict(kernel_size=[2, 2], dilation=(1, 2), stride=[2, 1]),
]


@pytest.mark.oracle
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 7)], ids=["batched", "unbatched"])
def test_unfold_matches_pytorch(rng, geometry, shape):
    ours, theirs = nn.Unfold(**geometry), torch.nn.Unfold(**geometry)
    assert repr(ours) == repr(theirs)
    for name in ("kernel_size", "dilation", "padding", "stride"):
        assert getattr(ours, name) == getattr(theirs, name)
    _check(ours, theirs, [rng.normal(size=shape)], rng)


@pytest.mark.oracle
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
@pytest.mark.parametrize("output_size", [(7, 8), 9], ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_fold_matches_pytorch_and_undoes_unfolds_layout(rng, geometry, output_size, batched):
    ours, theirs = nn.Fold(output_size, **geometry), torch.nn.Fold(output_size, **geometry)
    assert repr(ours) == repr(theirs)
    assert ours.output_size == theirs.output_size
    size = output_size if isinstance(output_size, tuple) else (output_size,) * 2
    columns = torch.nn.Unfold(**geometry)(torch.zeros((2, 3) + size)).shape[1:]
    shape = ((2,) if batched else ()) + tuple(columns)
    _check(ours, theirs, [rng.normal(size=shape)], rng)


def test_unfold_and_fold_second_derivatives(rng):
    unfold, fold = nn.Unfold(2, dilation=2, padding=1), nn.Fold((4, 5), 2, dilation=2, padding=1)
    x = Tensor(rng.normal(size=(1, 2, 4, 5)), requires_grad=True)
    assert gradgradcheck(lambda t: fold(unfold(t.tanh()) ** 2), [x])


def test_unfold_and_fold_refuse_bad_input():
    with pytest.raises(ValueError, match=r"Unfold expects a 4-D .* or 3-D"):
        nn.Unfold(2)(Tensor(np.ones((4, 4))))
    with pytest.raises(ValueError, match=r"Fold expects a 3-D .* or 2-D"):
        nn.Fold(4, 2)(Tensor(np.ones((1, 1, 4, 9))))
    with pytest.raises(ValueError, match="Unfold: dilation must be >= 1"):
        nn.Unfold(2, dilation=0)(Tensor(np.ones((1, 1, 4, 4))))
    with pytest.raises(ValueError, match=r"Fold: columns of shape \(1, 5, 4\)"):
        nn.Fold(4, 2, dilation=2)(Tensor(np.ones((1, 5, 4))))
    with pytest.raises(ValueError, match="fold: columns of shape"):
        nn.Fold(4, 2)(Tensor(np.ones((1, 4, 5))))
    with pytest.raises(ValueError, match="smaller than the 5x5 kernel"):
        nn.Unfold(3, dilation=2)(Tensor(np.ones((1, 1, 4, 4))))


# --- LocalResponseNorm -----------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize(
    "args", [(2,), (3,), (5, 1e-2, 0.5, 2.0), (1, 1e-3), (8, 0.1, 1.25, 0.5)], ids=str
)
@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 6, 4, 3), (1, 3, 2, 2, 2)], ids=str)
def test_local_response_norm_matches_pytorch(rng, args, shape):
    ours, theirs = nn.LocalResponseNorm(*args), torch.nn.LocalResponseNorm(*args)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    for name in ("size", "alpha", "beta", "k"):
        assert getattr(ours, name) == getattr(theirs, name)
    _check(ours, theirs, [rng.normal(size=shape) * 3], rng)
    _check(
        lambda t: F.local_response_norm(t, *args),
        lambda t: torch.nn.functional.local_response_norm(t, *args),
        [rng.normal(size=shape)],
        rng,
    )


def test_local_response_norm_second_derivatives_and_errors(rng):
    x = Tensor(rng.normal(size=(1, 4, 3)), requires_grad=True)
    assert gradgradcheck(lambda t: F.local_response_norm(t, 3, alpha=0.5), [x])
    with pytest.raises(ValueError, match="local_response_norm expects a 3-D or higher"):
        nn.LocalResponseNorm(2)(Tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="size must be an int >= 1"):
        F.local_response_norm(Tensor(np.ones((1, 2, 3))), 0)
    empty = Tensor(np.ones((0, 3, 4)))
    assert F.local_response_norm(empty, 2).shape == (0, 3, 4)


# --- Bilinear --------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize(
    "leading", [(4,), (), (2, 3), (1,)], ids=["batch", "unbatched", "two axes", "one"]
)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_pytorch(rng, leading, bias):
    ours = nn.Bilinear(3, 4, 5, bias=bias)
    theirs = torch.nn.Bilinear(3, 4, 5, bias=bias, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (5, 3, 4)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    params = [(p, theirs.get_parameter(name)) for name, p in ours.named_parameters()]
    inputs = [rng.normal(size=leading + (3,)), rng.normal(size=leading + (4,))]
    _check(ours, theirs, inputs, rng, params)


@pytest.mark.oracle
def test_functional_bilinear_matches_pytorch(rng):
    w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=2)
    x1, x2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    got = F.bilinear(Tensor(x1), Tensor(x2), Tensor(w), Tensor(b))
    want = torch.nn.functional.bilinear(*(torch.tensor(a) for a in (x1, x2, w, b)))
    np.testing.assert_allclose(got.data, want.numpy(), **TOL)


def test_bilinear_init_is_pytorchs_bound():
    layer = nn.Bilinear(16, 3, 200, seed=0)
    bound = 1 / math.sqrt(16)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.9 * bound
    assert layer.weight.dtype == np.float64
    assert nn.Bilinear(2, 3, 4, dtype=np.float32).bias.dtype == np.float32


def test_bilinear_second_derivatives(rng):
    x1 = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    x2 = Tensor(rng.normal(size=(2, 2)), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 3, 2)), requires_grad=True)
    assert gradgradcheck(lambda a, b, v: F.bilinear(a.tanh(), b, v) ** 2, [x1, x2, w])


def test_bilinear_errors_name_the_shapes():
    layer = nn.Bilinear(3, 4, 5)
    with pytest.raises(ValueError, match="leading axes differ"):
        layer(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"takes inputs \(\.\.\., 3\) and \(\.\.\., 4\)"):
        layer(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="same number of axes"):
        layer(Tensor(np.ones(3)), Tensor(np.ones((1, 4))))
    with pytest.raises(ValueError, match="Bilinear needs positive sizes"):
        nn.Bilinear(0, 4, 5)
    with pytest.raises(TypeError, match="Bilinear: input is float32"):
        layer(Tensor(np.ones((2, 3), dtype=np.float32)), np.ones((2, 4)))


@pytest.mark.oracle
def test_flatten_unflatten_identity_already_exist_with_pytorchs_reprs():
    for ours, theirs in [
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
        (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))),
        (nn.Unflatten(1, [2, 3]), torch.nn.Unflatten(1, [2, 3])),  # kept as given
        (nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x")),
    ]:
        assert repr(ours) == repr(theirs)
