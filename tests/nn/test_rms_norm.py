"""RMSNorm and F.rms_norm (PyTorch 2.4+): outputs and input and weight gradients against
PyTorch in float64 with equal weights, over normalized shapes, eps (None: the dtype's
machine epsilon), elementwise_affine and unbatched input; state_dict keys, reprs and
dtypes; second derivatives; errors."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad.nn as nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck

torch = oracle("torch")
TOL = dict(rtol=1e-12, atol=1e-13)


def _compare(ours, theirs, x, rng):
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    g = rng.normal(size=out.shape)
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, theirs.get_parameter(name).grad.numpy(), **TOL)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "normalized_shape, shape",
    [(5, (3, 5)), ((4, 5), (2, 3, 4, 5)), ([6], (2, 7, 6)), (5, (5,)), ((3, 4), (3, 4))],
    ids=str,
)
@pytest.mark.parametrize(
    "options", [{}, {"eps": 1e-3}, {"elementwise_affine": False}, {"eps": 0.5}], ids=str
)
def test_rms_norm_matches_pytorch(rng, normalized_shape, shape, options):
    ours = nn.RMSNorm(normalized_shape, **options)
    theirs = torch.nn.RMSNorm(normalized_shape, dtype=torch.float64, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).split("  #")[0] == repr(theirs)
    assert ours.normalized_shape == theirs.normalized_shape
    assert (ours.eps, ours.elementwise_affine) == (theirs.eps, theirs.elementwise_affine)
    for p in ours.parameters():
        p.data = rng.normal(size=p.shape)
    _compare(ours, theirs, rng.normal(size=shape) * 2 + 0.5, rng)


@pytest.mark.oracle
def test_the_default_eps_matters_near_zero_as_in_pytorch(rng):
    """eps=None is finfo(dtype).eps: visible on an input of tiny values."""
    x = rng.normal(size=(3, 4)) * 1e-9
    for dtype, torch_dtype, tol in [
        (np.float64, torch.float64, 1e-12),
        (np.float32, torch.float32, 1e-5),
    ]:
        got = F.rms_norm(Tensor(x.astype(dtype)), (4,))
        want = torch.nn.functional.rms_norm(torch.tensor(x, dtype=torch_dtype), (4,))
        assert got.dtype == dtype
        np.testing.assert_allclose(got.data, want.numpy(), rtol=tol)


@pytest.mark.oracle
def test_functional_with_a_weight_matches_pytorch(rng):
    x, w = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4))
    xo, wo = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.rms_norm(xo, [3, 4], wo, eps=1e-6).sum().backward()
    torch.nn.functional.rms_norm(xt, [3, 4], wt, eps=1e-6).sum().backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(wo.grad, wt.grad.numpy(), **TOL)


def test_float32_layer_and_dtype_rules():
    layer = nn.RMSNorm(4, dtype=np.float32)
    assert layer.weight.dtype == np.float32
    assert layer(np.ones((2, 4))).dtype == np.float32  # arrays are converted
    with pytest.raises(TypeError, match="RMSNorm: input is float64"):
        layer(Tensor(np.ones((2, 4))))


def test_second_derivatives(rng):
    x = Tensor(rng.normal(size=(2, 2, 3)), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    assert gradgradcheck(lambda t, v: F.rms_norm(t, (2, 3), v, 1e-2), [x, w])


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape=\(4,\).*\(2, 5\)"):
        nn.RMSNorm(4)(Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="RMSNorm needs a non-empty normalized_shape"):
        nn.RMSNorm(())
    with pytest.raises(ValueError, match="rms_norm: weight must have the shape"):
        F.rms_norm(Tensor(np.ones((2, 5))), 5, Tensor(np.ones(4)))
