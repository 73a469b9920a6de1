"""Edge cases of the non-convolution parts of `nn` (layers, Module API, activations,
losses), checked against PyTorch in float64: values and gradients.

Only behaviour that matches PyTorch (or fails loudly with a clear message) is pinned
here; known divergences are reported separately, not encoded as expectations.
"""
import numpy as np
import pytest

from scratchgrad import nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, grad

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG_SEED = 1234


@pytest.fixture
def rng():
    return np.random.default_rng(RNG_SEED)


def _t(array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def _close(ours, theirs, **kw):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.data if isinstance(ours, Tensor) else ours
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, **kw)


def _linear_pair(n_in, n_out, bias=True):
    ours = nn.Linear(n_in, n_out, bias=bias, seed=0)
    theirs = torch.nn.Linear(n_in, n_out, bias=bias, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _compare_unary(ours, theirs, x, rng):
    """Outputs and input gradients of one module pair on x (random output weights)."""
    xo, xt = Tensor(x, requires_grad=True), _t(x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    (out_t * _t(w)).sum().backward()
    _close(out, out_t)
    _close(xo.grad, xt.grad)
    return out, out_t


# --- Linear -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3), (2, 1, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_any_leading_shape_matches_pytorch(rng, shape, bias):
    ours, theirs = _linear_pair(3, 2, bias=bias)
    out, ot = _compare_unary(ours, theirs, rng.normal(size=shape), rng)
    assert out.shape == tuple(ot.shape) == shape[:-1] + (2,)
    _close(ours.weight.grad, theirs.weight.grad)
    if bias:
        _close(ours.bias.grad, theirs.bias.grad)
    else:
        assert ours.bias is None and list(ours.state_dict()) == ["weight"]


def test_linear_empty_batch_gives_empty_output_and_zero_weight_grad():
    layer = nn.Linear(3, 2, seed=0)
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    out = layer(x)
    assert out.shape == (0, 2)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    np.testing.assert_array_equal(layer.weight.grad, 0.0)


def test_linear_float32_stays_float32_for_float32_input():
    layer = nn.Linear(3, 2, dtype=np.float32, seed=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    out = layer(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_linear_rejects_bad_sizes_and_scalar_input():
    with pytest.raises(ValueError, match="positive sizes"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="last axis must have size 3"):
        nn.Linear(3, 2)(np.float64(1.0))
    with pytest.raises(ValueError, match="last axis must have size 3"):
        nn.Linear(3, 2)(np.ones((2, 3, 4)))


# --- Dropout ------------------------------------------------------------------------------

def test_dropout_scales_survivors_and_gradient_uses_the_same_mask():
    drop = nn.Dropout(0.25, seed=0)
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    out = drop(x)
    np.testing.assert_allclose(np.unique(out.data), [0.0, 1 / 0.75])
    assert abs((out.data == 0).mean() - 0.25) < 0.02
    (out * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 * out.data)


def test_dropout_eval_and_p0_are_identity_p1_zeroes_like_pytorch():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert nn.Dropout(0.0)(x) is x
    drop = nn.Dropout(0.7, seed=0).eval()
    assert drop(x) is x
    xo = Tensor(np.array([1.0, np.inf, np.nan]), requires_grad=True)
    out = nn.Dropout(1.0)(xo)
    expected = torch.nn.Dropout(1.0)(_t([1.0, np.inf, np.nan]))
    np.testing.assert_array_equal(out.data, expected.numpy())     # inf*0 and nan stay nan
    out.sum().backward()
    np.testing.assert_array_equal(xo.grad, 0.0)


def test_dropout_keeps_float32():
    out = nn.Dropout(0.5, seed=0)(Tensor(np.ones(8, np.float32)))
    assert out.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.1, float("nan")])
def test_dropout_rejects_probabilities_outside_unit_interval(p):
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        nn.Dropout(p)


def test_eval_on_a_parent_turns_off_nested_dropout():
    model = nn.Sequential(nn.Linear(3, 3, seed=0), nn.Sequential(nn.Dropout(0.9, seed=0)))
    model.eval()
    assert all(not m.training for m in model.modules())
    x = Tensor(np.ones((2, 3)))
    np.testing.assert_array_equal(model(x).data, model[0](x).data)
    model.train()
    assert all(m.training for m in model.modules())


# --- BatchNorm1d --------------------------------------------------------------------------

@pytest.mark.parametrize("shape,kwargs", [
    ((5, 3), {}),
    ((4, 3, 6), {}),
    ((5, 3), {"affine": False}),
    ((5, 3), {"momentum": None}),
    ((2, 3, 2), {"momentum": None, "eps": 1e-3}),
    ((5, 3), {"momentum": 1.0}),
])
def test_batchnorm1d_train_then_eval_matches_pytorch(rng, shape, kwargs):
    ours = nn.BatchNorm1d(shape[1], **kwargs)
    theirs = torch.nn.BatchNorm1d(shape[1], dtype=torch.float64, **kwargs)
    for _ in range(3):
        _compare_unary(ours, theirs, rng.normal(2.0, 3.0, size=shape), rng)
        if ours.weight is not None:
            _close(ours.weight.grad, theirs.weight.grad)
            _close(ours.bias.grad, theirs.bias.grad)
        ours.zero_grad()
        theirs.zero_grad()
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    for key, value in ours.state_dict().items():
        _close(value, state[key])
    ours.eval()
    theirs.eval()
    x = rng.normal(size=shape)
    xo = Tensor(x, requires_grad=True)
    out = ours(xo)
    out.sum().backward()
    xt = _t(x, requires_grad=True)
    out_t = theirs(xt)
    out_t.sum().backward()
    _close(out, out_t)
    _close(xo.grad, xt.grad)
    np.testing.assert_array_equal(ours.num_batches_tracked, 3)     # eval does not count


def test_batchnorm1d_forward_values_in_training_match_pytorch(rng):
    ours = nn.BatchNorm1d(4)
    theirs = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    x = rng.normal(size=(6, 4, 3)) * 5
    _close(ours(x), theirs(_t(x)))


def test_batchnorm1d_constant_channel_gives_zero_output_and_gradient():
    x = Tensor(np.ones((4, 2)), requires_grad=True)
    out = nn.BatchNorm1d(2)(x)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, 0.0)
    np.testing.assert_array_equal(x.grad, 0.0)


@pytest.mark.parametrize("bad_shape", [(3,), (4, 5), (4, 3, 2, 2)])
def test_batchnorm1d_rejects_bad_input_shapes(bad_shape):
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(np.ones(bad_shape))


def test_batchnorm1d_needs_two_values_per_channel_in_training_only():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(np.ones((1, 3)))
    assert bn(np.ones((1, 3, 2))).shape == (1, 3, 2)         # N*L = 2 is enough
    bn.eval()
    assert bn(np.ones((1, 3))).shape == (1, 3)


def test_batchnorm1d_dtype_and_momentum_validation():
    with pytest.raises(TypeError, match="float32 statistics but the input is float64"):
        nn.BatchNorm1d(3, dtype=np.float32)(np.ones((4, 3)))
    assert nn.BatchNorm1d(3, dtype=np.float32)(np.ones((4, 3), np.float32)).dtype == np.float32
    for momentum in (-1, 1.5, "a"):
        with pytest.raises(ValueError, match="momentum must be a number in"):
            nn.BatchNorm1d(3, momentum=momentum)


# --- Module API / state_dict --------------------------------------------------------------

def _pair_of_models():
    ours = nn.Sequential(nn.Linear(4, 5, seed=0), nn.BatchNorm1d(5), nn.ReLU(),
                         nn.Dropout(0.1), nn.Linear(5, 2, seed=1))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5),
                                 torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Linear(5, 2)).double()
    return ours, theirs


def test_sequential_names_match_pytorch_and_loads_its_state_dict(rng):
    ours, theirs = _pair_of_models()
    theirs.train()
    theirs(_t(rng.normal(size=(8, 4))))          # non-trivial running statistics
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert set(ours.state_dict()) == set(theirs.state_dict())
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert ours.load_state_dict(state) == ([], [])
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(3, 4))
    _close(ours(x), theirs(_t(x)))


def test_load_state_dict_casts_float32_checkpoint_into_float64_model():
    source = nn.Linear(3, 2, dtype=np.float32, seed=3)
    target = nn.Linear(3, 2, seed=0)
    target.load_state_dict(source.state_dict())
    assert target.weight.dtype == np.float64
    np.testing.assert_array_equal(target.weight.data, source.weight.data.astype(np.float64))


def test_load_state_dict_reports_missing_unexpected_and_bad_shapes():
    ours, _ = _pair_of_models()
    missing, unexpected = ours.load_state_dict({"0.weight": np.zeros((5, 4)),
                                                "extra": np.ones(2)}, strict=False)
    assert "0.bias" in missing and "1.running_mean" in missing and unexpected == ["extra"]
    np.testing.assert_array_equal(ours[0].weight.data, 0.0)
    with pytest.raises(nn.StateDictError, match=r"key '0.weight' has shape \(4, 5\)"):
        ours.load_state_dict({**ours.state_dict(), "0.weight": np.zeros((4, 5))})
    with pytest.raises(nn.StateDictError, match="missing key '0.weight'"):
        ours.load_state_dict({})


def test_state_dict_is_a_snapshot():
    layer = nn.Linear(2, 2, seed=0)
    state = layer.state_dict()
    layer.weight.data[0, 0] = 99.0
    assert state["weight"][0, 0] != 99.0


def test_shared_parameters_are_listed_once_like_pytorch():
    class Ours(nn.Module):
        def __init__(self):
            self.a = nn.Linear(3, 3, seed=0)
            self.b = nn.Linear(3, 3, seed=1)
            self.b.weight = self.a.weight

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(3, 3)
            self.b = torch.nn.Linear(3, 3)
            self.b.weight = self.a.weight

    assert [n for n, _ in Ours().named_parameters()] == \
        [n for n, _ in Theirs().named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    shared = nn.Linear(3, 3, seed=0)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(seq.parameters()) == 2 and len(seq.modules()) == 3


def test_zero_grad_sets_none_and_gradients_accumulate_until_then():
    layer = nn.Linear(3, 2, seed=0)
    layer(np.ones((2, 3))).sum().backward()
    layer(np.ones((2, 3))).sum().backward()
    np.testing.assert_array_equal(layer.bias.grad, [4.0, 4.0])
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_train_and_eval_return_self_and_sequential_slicing():
    ours, _ = _pair_of_models()
    assert ours.train() is ours and ours.eval() is ours
    assert isinstance(ours[1:3], nn.Sequential) and len(ours[1:3]) == 2
    assert ours[-1] is ours[4]
    assert len(nn.Sequential([nn.ReLU(), nn.Tanh()])) == 2
    x = Tensor(np.ones(2))
    assert nn.Sequential()(x) is x
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(lambda v: v)


# --- activations --------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_along_any_dim(rng, dim):
    x = rng.normal(size=(2, 3, 4)) * 3
    _compare_unary(nn.Softmax(dim=dim), torch.nn.Softmax(dim=dim), x, rng)
    _compare_unary(lambda t: F.softmax(t, dim=dim), lambda t: torch.softmax(t, dim), x, rng)
    _compare_unary(lambda t: F.log_softmax(t, dim=dim), lambda t: torch.log_softmax(t, dim),
                   x, rng)


def test_softmax_positional_axis_and_bad_dim(rng):
    _compare_unary(nn.Softmax(1), torch.nn.Softmax(1), rng.normal(size=(3, 4)), rng)
    with pytest.raises(ValueError, match="out of bounds"):
        nn.Softmax(dim=5)(np.ones((2, 3)))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softplus", "softmax",
                                  "log_softmax"])
def test_activations_match_pytorch_including_huge_inputs(rng, name):
    ours = {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
            "softplus": F.softplus, "softmax": nn.Softmax(-1),
            "log_softmax": lambda t: F.log_softmax(t, -1)}[name]
    theirs = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
              "softplus": TF.softplus, "softmax": lambda t: torch.softmax(t, -1),
              "log_softmax": lambda t: torch.log_softmax(t, -1)}[name]
    _compare_unary(ours, theirs, rng.normal(size=(3, 4)) * 4, rng)
    huge = np.array([[-1000.0, -50.0, 0.0, 50.0], [1000.0, 0.0, -0.0, 1e-300]])
    _compare_unary(ours, theirs, huge, rng)


def test_softmax_with_minus_inf_logit_matches_pytorch(rng):
    x = np.array([[-np.inf, 0.0, 1.0, 2.0], [3.0, -np.inf, 0.0, 1.0]])
    _compare_unary(nn.Softmax(-1), torch.nn.Softmax(-1), x, rng)


@pytest.mark.parametrize("fn", [F.relu, F.sigmoid, F.tanh, F.softplus, F.softmax,
                                F.log_softmax])
def test_activations_keep_float32(fn):
    assert fn(Tensor(np.ones((2, 3), np.float32))).dtype == np.float32


# --- cross_entropy / nll_loss -------------------------------------------------------------

def _compare_loss(ours, theirs, x, target, rng, reduction="mean", torch_target=None):
    torch_target = torch.tensor(np.asarray(target)) if torch_target is None else torch_target
    xo = Tensor(x, requires_grad=True)
    out = ours(xo, target, reduction=reduction)
    xt = _t(x, requires_grad=True)
    out_t = theirs(xt, torch_target, reduction=reduction)
    if reduction == "none":
        w = rng.normal(size=out.shape)
        (out * w).sum().backward()
        (out_t * _t(w)).sum().backward()
    else:
        out.backward()
        out_t.backward()
    assert out.shape == tuple(out_t.shape)
    _close(out, out_t)
    _close(xo.grad, xt.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", ["labels", "probs", "unnormalised", "one_hot"])
def test_cross_entropy_matches_pytorch(rng, reduction, kind):
    z = rng.normal(size=(5, 4)) * 3
    labels = rng.integers(0, 4, size=5)
    target = {"labels": labels,
              "probs": rng.dirichlet(np.ones(4), size=5),
              "unnormalised": rng.dirichlet(np.ones(4), size=5) * 3,
              "one_hot": np.eye(4)[labels]}[kind]
    _compare_loss(F.cross_entropy, TF.cross_entropy, z, target, rng, reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_of_log_softmax_matches_pytorch(rng, reduction):
    z = rng.normal(size=(5, 4)) * 3
    y = rng.integers(0, 4, size=5)
    _compare_loss(lambda a, t, reduction: F.nll_loss(F.log_softmax(a), t, reduction=reduction),
                  lambda a, t, reduction: TF.nll_loss(torch.log_softmax(a, -1), t,
                                                      reduction=reduction),
                  z, y, rng, reduction)


def test_unbatched_cross_entropy_and_nll_match_pytorch(rng):
    z = rng.normal(size=4)
    _compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array(2), rng)
    _compare_loss(F.cross_entropy, TF.cross_entropy, z, rng.dirichlet(np.ones(4)), rng)
    _compare_loss(F.nll_loss, TF.nll_loss, z, np.array(1), rng)


def test_cross_entropy_is_stable_for_huge_and_minus_inf_logits(rng):
    z = np.array([[1e4, -1e4, 0.0], [0.0, 1e300, -1e300], [0.0, 0.0, 0.0]])
    _compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array([1, 1, 2]), rng)
    _compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array([1, 1, 2]), rng, "sum")
    z_inf = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, 0.0]])
    _compare_loss(F.cross_entropy, TF.cross_entropy, z_inf, np.array([1, 0]), rng)


def test_cross_entropy_float32_stays_float32(rng):
    z = Tensor(rng.normal(size=(3, 4)).astype(np.float32), requires_grad=True)
    for target in (np.array([0, 3, 1]), rng.dirichlet(np.ones(4), size=3)):
        loss = F.cross_entropy(z, target)
        assert loss.dtype == np.float32
        z.grad = None
        loss.backward()
        assert z.grad.dtype == np.float32


@pytest.mark.parametrize("target", [
    lambda y: list(y), lambda y: torch.tensor(y), lambda y: Tensor(y, dtype=np.int64),
    lambda y: y.astype(np.uint8), lambda y: y.astype(np.int32)])
def test_cross_entropy_accepts_label_containers(rng, target):
    z = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5)
    expected = TF.cross_entropy(_t(z), torch.tensor(y)).item()
    np.testing.assert_allclose(F.cross_entropy(z, target(y)).data, expected, rtol=1e-12)


def test_cross_entropy_hessian_vector_products_match_pytorch(rng):
    z = rng.normal(size=(4, 3))
    v = rng.normal(size=(4, 3))
    for target, reduction in [(np.array([0, 2, 1, 1]), "mean"),
                              (rng.dirichlet(np.ones(3), size=4) * 2, "sum"),
                              (rng.dirichlet(np.ones(3), size=4), "none")]:
        zo = Tensor(z, requires_grad=True)
        g, = grad(F.cross_entropy(zo, target, reduction=reduction).sum(), [zo],
                  create_graph=True)
        (g * v).sum().backward()
        zt = _t(z, requires_grad=True)
        gt, = torch.autograd.grad(TF.cross_entropy(zt, torch.tensor(target),
                                                   reduction=reduction).sum(),
                                  [zt], create_graph=True)
        (gt * _t(v)).sum().backward()
        _close(g, gt)
        _close(zo.grad, zt.grad)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_bad_labels_and_targets_fail_with_clear_messages(rng, fn):
    z = rng.normal(size=(5, 4))
    name = fn.__name__
    with pytest.raises(IndexError, match=rf"{name}: label 4 is out of range for 4 classes"):
        fn(z, np.array([0, 1, 2, 3, 4]))
    with pytest.raises(IndexError, match="label -1 is out of range"):
        fn(z, np.array([0, 1, 2, 3, -1]))          # PyTorch's ignore_index is -100, not -1
    with pytest.raises(ValueError, match="for class labels pass integers"):
        fn(z, np.array([0.0, 1.0, 2.0, 3.0, 0.0]))
    with pytest.raises(ValueError, match="for class labels pass integers"):
        fn(z, Tensor(np.array([0, 1, 2, 3, 0])))      # Tensor() makes labels float64
    with pytest.raises(TypeError, match="integer labels or float probabilities"):
        fn(z, np.array([True, False, True, False, True]))
    with pytest.raises(ValueError, match=r"integer labels must have shape \(5,\)"):
        fn(z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"integer labels must have shape \(5,\)"):
        fn(z, np.zeros((5, 1), int))
    with pytest.raises(ValueError, match=r"of the logits' shape \(5, 4\), got \(4, 4\)"):
        fn(z, np.full((4, 4), 0.25))
    with pytest.raises(ValueError, match=r"of the logits' shape \(5, 4\), got \(5, 1\)"):
        fn(z, np.ones((5, 1)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        fn(z, np.zeros(5, int), reduction="avg")


def test_cross_entropy_rejects_pytorch_layout_labels_for_3d_logits(rng):
    """(N, C, L) logits with (N, L) labels: we put classes last, so this must not pass
    silently when L != C."""
    with pytest.raises(ValueError, match=r"integer labels must have shape \(2, 4\)"):
        F.cross_entropy(rng.normal(size=(2, 4, 3)), np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="cross_entropy needs logits with a class axis"):
        F.cross_entropy(Tensor(1.0), np.array(0))


@pytest.mark.parametrize("keyword", ["ignore_index", "weight", "label_smoothing", "reduce",
                                     "size_average"])
def test_unsupported_pytorch_keywords_raise_instead_of_being_ignored(rng, keyword):
    z, y = rng.normal(size=(3, 4)), np.array([0, 1, 2])
    for fn in (F.cross_entropy, F.nll_loss):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
            fn(z, y, **{keyword: 1})


@pytest.mark.parametrize("fn,keyword", [
    (F.binary_cross_entropy_with_logits, "weight"),
    (F.binary_cross_entropy_with_logits, "pos_weight"),
    (F.binary_cross_entropy, "weight"),
    (F.mse_loss, "size_average"),
])
def test_unsupported_binary_loss_keywords_raise(fn, keyword):
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
        fn(np.full((3, 4), 0.5), np.ones((3, 4)), **{keyword: np.ones(4)})


# --- mse / binary cross-entropy -----------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_bce_losses_match_pytorch(rng, reduction):
    x = rng.normal(size=(5, 3))
    _compare_loss(F.mse_loss, TF.mse_loss, x, rng.normal(size=(5, 3)), rng, reduction)
    p = rng.uniform(0.01, 0.99, size=(5, 3))
    hard = rng.integers(0, 2, size=(5, 3)).astype(float)
    soft = rng.uniform(size=(5, 3))
    for target in (hard, soft):
        _compare_loss(F.binary_cross_entropy, TF.binary_cross_entropy, p, target, rng,
                      reduction)
        _compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                      3 * x, target, rng, reduction)


def test_mse_gradient_also_flows_into_a_tensor_target(rng):
    a = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    b = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    F.mse_loss(a, b).backward()
    np.testing.assert_allclose(b.grad, -a.grad)


def test_bce_with_logits_is_stable_for_huge_logits_and_int_targets(rng):
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    _compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                  z, t, rng)
    _compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                  z, t.astype(int), rng, torch_target=_t(t))


def test_bce_value_is_clamped_like_pytorch_at_zero_and_one():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), t).data,
                               TF.binary_cross_entropy(_t(p), _t(t)).item())
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), t, reduction="none").data,
                               [0.0, 0.0, 100.0, 100.0])


def test_bce_rejects_inputs_outside_unit_interval():
    with pytest.raises(ValueError, match="needs probabilities in"):
        F.binary_cross_entropy(Tensor([1.5, 0.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="needs probabilities in"):
        F.binary_cross_entropy(Tensor([-1e-9]), np.array([0.0]))


@pytest.mark.parametrize("fn", [F.mse_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits])
def test_losses_reject_incompatible_batch_sizes(fn):
    with pytest.raises(ValueError, match=r"input has shape \(5, 3\) but target \(4, 3\)"):
        fn(Tensor(np.full((5, 3), 0.5)), np.ones((4, 3)))


@pytest.mark.parametrize("fn", [F.mse_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits])
def test_losses_refuse_an_n_by_1_output_against_n_targets(fn):
    """(N, 1) against (N,) would broadcast to (N, N): a wrong loss with no error."""
    with pytest.raises(ValueError, match=r"output.reshape\(-1\)"):
        fn(Tensor([[0.9], [0.2], [0.7]]), np.array([1.0, 0.0, 1.0]))


@pytest.mark.parametrize("z", [40.0, -40.0, 20.0])
def test_bce_of_a_saturated_sigmoid_has_pytorchs_finite_gradient(z):
    torch = pytest.importorskip("torch")
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        x = Tensor(np.array([z, -3.0], dtype=dtype), requires_grad=True)
        tx = torch.tensor([z, -3.0], dtype=tdtype, requires_grad=True)
        F.binary_cross_entropy(F.sigmoid(x), np.array([1.0, 0.0])).backward()
        torch.nn.functional.binary_cross_entropy(torch.sigmoid(tx),
                                                 torch.tensor([1.0, 0.0], dtype=tdtype)).backward()
        assert np.isfinite(x.grad).all() and x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_bce_below_the_clamp_follows_pytorchs_gradient_rule():
    torch = pytest.importorskip("torch")
    p, tp = Tensor([1e-50, 0.3], requires_grad=True), torch.tensor([1e-50, 0.3],
                                                                   dtype=torch.float64,
                                                                   requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0]), reduction="sum")
    theirs = torch.nn.functional.binary_cross_entropy(tp, torch.tensor([1.0, 0.0],
                                                      dtype=torch.float64), reduction="sum")
    loss.backward()
    theirs.backward()
    np.testing.assert_allclose(loss.data, theirs.item())
    np.testing.assert_allclose(p.grad, tp.grad.numpy())


# --- regressions for the bugs this file's first version reported --------------------------

def test_cross_entropy_of_an_empty_batch_is_nan_with_an_empty_gradient():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    loss = F.cross_entropy(x, np.zeros(0, dtype=int))
    assert np.isnan(loss.data)
    loss.backward()
    assert x.grad.shape == (0, 3)


def test_dropout_and_flatten_take_numpy_arrays():
    out = nn.Dropout(0.2, seed=0)(np.ones((3, 4)))
    assert isinstance(out, Tensor) and out.shape == (3, 4)
    assert nn.Flatten()(np.ones((0, 3, 4))).shape == (0, 12)
    assert nn.Flatten(-2)(np.ones((2, 3, 4))).shape == (2, 12)
    with pytest.raises(ValueError, match="Flatten"):
        nn.Flatten()(Tensor(np.ones(3)))


def test_integer_arrays_take_the_models_dtype():
    assert nn.Linear(4, 3, dtype=np.float32)(np.ones((2, 4), np.uint8)).dtype == np.float32
    assert (Tensor(np.ones(2, np.float32)) * np.array([1, 2])).dtype == np.float32
    assert (Tensor(np.ones(2, np.float32)) * np.array([1.0, 2.0])).dtype == np.float64


def test_train_mode_must_be_a_bool_and_axis_or_dim_not_both():
    with pytest.raises(TypeError, match="True or False"):
        nn.Linear(2, 2).train("no")
    with pytest.raises(TypeError, match="axis or dim, not both"):
        F.softmax(Tensor(np.ones((2, 3))), 1, dim=0)
    with pytest.raises(TypeError, match="axis or dim, not both"):
        nn.Softmax(1, dim=0)
    np.testing.assert_allclose(F.softmax(Tensor(np.eye(2)), dim=0).data.sum(axis=0), 1.0)


def test_state_dict_of_shared_and_tied_modules_matches_pytorchs_keys_and_loads_it():
    torch = pytest.importorskip("torch")
    shared = nn.Linear(2, 2)
    ours = nn.Sequential(shared, nn.ReLU(), shared, nn.BatchNorm1d(2))
    t_shared = torch.nn.Linear(2, 2).double()
    theirs = torch.nn.Sequential(t_shared, torch.nn.ReLU(), t_shared,
                                 torch.nn.BatchNorm1d(2).double())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert len(ours.parameters()) == 4                     # still listed once
    x = np.random.default_rng(0).standard_normal((3, 2))
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(Tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_a_sequential_slice_keeps_its_childrens_names_as_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.ReLU(),
                         nn.Linear(4, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                                 torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 1))
    assert list(ours[2:].state_dict()) == list(theirs[2:].state_dict())
    tail = ours[2:].append(nn.ReLU())
    assert list(dict(tail.named_children())) == ["2", "3", "4", "5"]


def test_bce_passes_a_gradient_to_a_learned_target_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    p_data, t_data = rng.uniform(0.1, 0.9, 3), rng.uniform(0.0, 1.0, 3)
    p, t = Tensor(p_data, requires_grad=True), Tensor(t_data, requires_grad=True)
    tp = torch.tensor(p_data, requires_grad=True)
    tt = torch.tensor(t_data, requires_grad=True)
    F.binary_cross_entropy(p, t).backward()
    torch.nn.functional.binary_cross_entropy(tp, tt).backward()
    _close(p.grad, tp.grad)
    _close(t.grad, tt.grad)


def test_a_single_number_target_and_softmax_over_everything():
    x = Tensor(np.full((2, 2), 0.5))
    assert F.mse_loss(x, 0.0).data == pytest.approx(0.25)
    assert F.binary_cross_entropy(x, 1.0).data == pytest.approx(-np.log(0.5))
    assert F.softmax(Tensor(np.zeros((2, 2))), None).data.sum() == pytest.approx(1.0)
    assert F.softmax(Tensor(np.zeros((2, 2)))).data.sum() == pytest.approx(2.0)


def test_dropout_passes_values_through_in_eval():
    from scratchgrad.autograd import Value
    v = Value(2.0)
    assert nn.Dropout(0.5).eval()(v) is v


def test_tied_checkpoints_old_and_new_load_and_disagreeing_aliases_are_named():
    class Tied(nn.Module):
        def __init__(self):
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
            self.b.weight = self.a.weight
            self.b.owner = self                       # a back-reference is not state
    state = Tied().state_dict()
    assert state["a.weight"] is state["b.weight"]     # one copy for both names
    old = {k: v for k, v in state.items() if k != "b.weight"}   # saved under one name
    Tied().load_state_dict(old)
    state["b.weight"] = state["b.weight"] + 1.0
    with pytest.raises(nn.module.StateDictError, match="hold different values"):
        Tied().load_state_dict(state)


def test_linear_casts_data_to_its_dtype_and_refuses_a_mismatched_graph():
    layer = nn.Linear(4, 3, dtype=np.float32)
    assert layer(np.ones((2, 4))).dtype == np.float32                 # float64 numpy data
    assert layer(Tensor(np.ones((2, 4)))).dtype == np.float32         # a float64 data Tensor
    hidden = Tensor(np.ones((2, 4)), requires_grad=True) * 2.0        # float64 inside a graph
    with pytest.raises(TypeError, match="Linear holds float32 weights but the input is float64"):
        layer(hidden)


def test_bce_with_logits_gradient_in_the_far_tail_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([-40.0, 0.0, 40.0, -1000.0])
    z, tz = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.binary_cross_entropy_with_logits(z, np.zeros(4), reduction="sum").backward()
    torch.nn.functional.binary_cross_entropy_with_logits(
        tz, torch.zeros(4, dtype=torch.float64), reduction="sum").backward()
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-12)
