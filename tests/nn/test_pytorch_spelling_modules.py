"""PyTorch code runs with `torch` spelled `scratchgrad`: modules, containers, Module
methods, dtype rules and learner hints. Numbers are checked against torch in float64."""

from collections import OrderedDict

import numpy as np
import oracles
import pytest

import scratchgrad.nn.functional as F
from scratchgrad import autograd, nn
from scratchgrad.autograd import Tensor, Value

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture
def torch():
    return oracles.load("torch")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _t(torch, array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def _copy_weights(ours, theirs, torch):
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})


def _compare(torch, ours, theirs, x, rng, params=()):
    """Outputs, input gradients and the named parameters' gradients of a module pair."""
    xo, xt = Tensor(x, requires_grad=True), _t(torch, x, requires_grad=True)
    out, out_t = ours(xo), theirs(xt)
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    (out_t * _t(torch, w)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)
    for name in params:
        np.testing.assert_allclose(
            getattr(ours, name).grad, getattr(theirs, name).grad.numpy(), **TOL, err_msg=name
        )


def _repr(module):
    """Our repr without the parameter-count comments PyTorch does not print."""
    lines = [line.split("  # ")[0] for line in repr(module).splitlines()]
    return "\n".join(line for line in lines if not line.startswith("Total parameters"))


# --- containers ----------------------------------------------------------------------------


def _tower(lib):
    class Tower(lib.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib.ModuleList([lib.Linear(3, 4), lib.Linear(4, 4)])
            self.heads = lib.ModuleDict({"cls": lib.Linear(4, 2), "box": lib.Linear(4, 1)})

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).relu()
            return self.heads["cls"](x), self.heads["box"](x)

    return Tower()


@pytest.mark.oracle
def test_module_list_and_dict_register_parameters_under_pytorchs_names(torch, rng):
    ours, theirs = _tower(nn), _tower(torch.nn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(5, 3))
    for a, b in zip(ours(x), theirs(_t(torch, x))):
        np.testing.assert_allclose(a.data, b.detach().numpy(), **TOL)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()
    ]


def test_module_list_edits_renumber_like_pytorch():
    a, b, c, d = (nn.Linear(1, 1) for _ in range(4))
    layers = nn.ModuleList([a, b])
    layers.append(c).extend([d])
    assert len(layers) == 4 and list(layers) == [a, b, c, d] and layers[-1] is d
    del layers[1]
    assert list(layers) == [a, c, d]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert list(layers.state_dict()) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "2.weight",
        "2.bias",
    ]
    layers.insert(0, b)
    assert list(layers) == [b, a, c, d] and layers[0] is b
    layers[1] = nn.Identity()
    assert isinstance(layers[1], nn.Identity) and len(layers.parameters()) == 6
    part = layers[2:]
    assert isinstance(part, nn.ModuleList) and list(part) == [c, d]
    assert [n for n, _ in part.named_children()] == ["0", "1"]
    layers += [nn.ReLU()]
    assert len(layers) == 5
    with pytest.raises(IndexError, match="out of range for a ModuleList of 5"):
        layers[5]
    with pytest.raises(TypeError, match="holds Modules, got function"):
        layers.append(F.relu)
    with pytest.raises(NotImplementedError, match="loop over it"):
        layers(np.ones(1))


def test_module_dict_behaves_like_an_ordered_dict_of_modules():
    heads = nn.ModuleDict(OrderedDict([("b", nn.Linear(2, 1)), ("a", nn.ReLU())]))
    assert heads.keys() == ["b", "a"] and list(heads) == ["b", "a"] and "a" in heads
    heads["c"] = nn.Linear(2, 3)
    assert [k for k, _ in heads.items()] == ["b", "a", "c"] and len(heads) == 3
    assert list(heads.state_dict()) == ["b.weight", "b.bias", "c.weight", "c.bias"]
    popped = heads.pop("b")
    assert isinstance(popped, nn.Linear) and heads.keys() == ["a", "c"]
    with pytest.raises(KeyError, match="has no key 'b'"):
        heads["b"]
    with pytest.raises(KeyError, match="no '.'"):
        heads["x.y"] = nn.ReLU()
    with pytest.raises(KeyError, match="taken by ModuleDict.keys"):
        heads["keys"] = nn.ReLU()
    heads.clear()
    assert len(heads) == 0 and heads.parameters() == []


@pytest.mark.oracle
def test_sequential_from_an_ordered_dict_keeps_the_names(torch):
    ours = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU())]))
    theirs = torch.nn.Sequential(
        OrderedDict([("conv", torch.nn.Conv2d(1, 2, 3)), ("act", torch.nn.ReLU())])
    )
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["conv.weight", "conv.bias"]
    assert ours[0] is ours.conv and list(ours[1:].named_children())[0][0] == "act"
    ours.append(nn.Flatten())
    assert [n for n, _ in ours.named_children()] == ["conv", "act", "2"]
    del ours[0]
    assert [n for n, _ in ours.named_children()] == ["0", "1"]


@pytest.mark.oracle
def test_sequential_runs_children_added_by_add_module_and_setattr(torch):
    """Building a Sequential in a loop with add_module: every child runs, in order; a
    child set again under its name is replaced where it stands."""
    ours, theirs = nn.Sequential(nn.Identity()), torch.nn.Sequential(torch.nn.Identity())
    for seq, m in ((ours, nn), (theirs, torch.nn)):
        seq.add_module("act", m.ReLU())
        seq.add_module("neg", m.Tanh())
        seq.neg = m.Sigmoid()
    x = np.array([-1.0, 0.25, 2.0])
    assert len(ours) == len(theirs) == 3
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(_t(torch, x)).numpy(), **TOL)
    del ours.act
    assert len(ours) == 2 and isinstance(ours[1], nn.Sigmoid)
    ours.note = "not a module"  # other attributes are not children
    assert len(ours) == 2


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_takes_pytorchs_implicit_dim(torch, rng, shape, cls):
    """Up to 2-D that is the last axis (the book's too); beyond, PyTorch's legacy choice
    (0 for 3-D, 1 for 4-D), with a warning naming it."""
    import warnings

    x = rng.normal(size=shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = getattr(nn, cls)()(Tensor(x)).data
        function = getattr(F, cls.lower().replace("logs", "log_s"))(Tensor(x)).data
        theirs = getattr(torch.nn, cls)()(_t(torch, x)).numpy()
    np.testing.assert_allclose(ours, theirs, **TOL)
    np.testing.assert_allclose(function, theirs, **TOL)
    ours_warned = [w for w in caught if "PyTorch's implicit" in str(w.message)]
    assert len(ours_warned) == (2 if len(shape) > 2 else 0)
    assert repr(getattr(nn, cls)()) == f"{cls}(dim=None)"


# --- activations, normalisation, dropout ------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("slope", [0.01, 0.2, 1.5])
def test_leaky_relu_matches_pytorch_including_the_slope_at_zero(torch, rng, slope):
    x = np.concatenate([rng.normal(size=7), [0.0, -0.0]])
    _compare(torch, nn.LeakyReLU(slope), torch.nn.LeakyReLU(slope), x, rng)
    xo, xt = Tensor(x, requires_grad=True), _t(torch, x, requires_grad=True)
    F.leaky_relu(xo, negative_slope=slope).sum().backward()
    torch.nn.functional.leaky_relu(xt, negative_slope=slope).sum().backward()
    np.testing.assert_array_equal(xo.grad, xt.grad.numpy())
    v = Value(-2.0)
    out = F.leaky_relu(v, slope)
    out.backward()
    assert out.data == pytest.approx(-2.0 * slope) and v.grad == pytest.approx(slope)


@pytest.mark.oracle
@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_modules_take_pytorchs_dim(torch, rng, cls, dim):
    _compare(
        torch,
        getattr(nn, cls)(dim=dim),
        getattr(torch.nn, cls)(dim=dim),
        rng.normal(size=(3, 4, 2)),
        rng,
    )
    x, function = rng.normal(size=(3, 4)), {"Softmax": "softmax", "LogSoftmax": "log_softmax"}[cls]
    np.testing.assert_allclose(
        getattr(F, function)(x, dim).data,
        getattr(torch.nn.functional, function)(_t(torch, x), dim).numpy(),
        **TOL,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((1, 6), [6])])
@pytest.mark.parametrize(
    "options", [{}, {"eps": 1e-2}, {"elementwise_affine": False}, {"bias": False}]
)
def test_layer_norm_matches_pytorch(torch, rng, shape, normalized, options):
    ours = nn.LayerNorm(normalized, **options)
    theirs = torch.nn.LayerNorm(normalized, dtype=torch.float64, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for p in ours.parameters():  # not the trivial 1 and 0
        p.data = rng.normal(size=p.shape)
    _copy_weights(ours, theirs, torch)
    params = [n for n, _ in ours.named_parameters()]
    _compare(torch, ours, theirs, rng.normal(size=shape) * 3 + 1, rng, params)
    assert _repr(ours) == repr(theirs)


@pytest.mark.oracle
def test_functional_layer_norm_and_linear_match_pytorch(torch, rng):
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=4), rng.normal(size=4)
    TF = torch.nn.functional
    np.testing.assert_allclose(
        F.layer_norm(x, (4,), Tensor(w), Tensor(b), eps=1e-3).data,
        TF.layer_norm(_t(torch, x), (4,), _t(torch, w), _t(torch, b), eps=1e-3).numpy(),
        **TOL,
    )
    W, bias = rng.normal(size=(5, 4)), rng.normal(size=5)
    np.testing.assert_allclose(
        F.linear(x, Tensor(W), Tensor(bias)).data,
        TF.linear(_t(torch, x), _t(torch, W), _t(torch, bias)).numpy(),
        **TOL,
    )
    np.testing.assert_allclose(F.linear(x, W).data, TF.linear(_t(torch, x), _t(torch, W)), **TOL)
    with pytest.raises(ValueError, match=r"normalized_shape=\(5,\) must be the last axes"):
        F.layer_norm(x, 5)
    with pytest.raises(ValueError, match=r"book's \(in, out\) layout.*weight.T"):
        F.linear(x, W.T)
    with pytest.raises(nn.DtypeMismatchError, match="input is float32 but weight is float64"):
        F.linear(Tensor(x.astype(np.float32)), Tensor(W))


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    x = Tensor(np.ones((40, 8, 3, 3)), requires_grad=True)
    out = nn.Dropout2d(0.25, seed=0)(x)
    per_channel = out.data.reshape(40, 8, 9)
    assert set(np.unique(per_channel)) == {0.0, 1 / 0.75}
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # all or nothing
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.25) < 0.06
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)
    assert nn.Dropout2d(0.5).eval()(x) is x
    with pytest.raises(ValueError, match=r"Dropout2d expects input of shape \(N, C, H, W\)"):
        nn.Dropout2d()(np.ones((4, 3)))


def test_functional_dropout_follows_training_flag_and_manual_seed():
    x = Tensor(np.ones((50, 50)))
    assert F.dropout(x, 0.5, training=False) is x
    nn.manual_seed(3)
    a = F.dropout(x, 0.3).data
    nn.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout(x, 0.3).data)
    assert set(np.unique(a)) == {0.0, 1 / 0.7}
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        F.dropout(x, 1.5)


def _inplace_semantics(lib):
    """PyTorch's inplace=True as a tutorial uses it: outside a graph the input is
    overwritten and returned; inside one the returned tensor carries the gradient."""
    F_, seen = lib.nn.functional, []
    x = lib.tensor([-1.0, 0.5, 2.0])
    seen.append(F_.relu(x, inplace=True) is x)
    seen.append(x.tolist())
    F_.leaky_relu(x - 1.0, 0.1, inplace=True)  # a temporary: nothing to see
    with lib.no_grad():
        w = lib.tensor([-1.0, 2.0], requires_grad=True)
        lib.nn.LeakyReLU(0.1, inplace=True)(w)
    seen.append([round(v, 6) for v in w.tolist()])  # (PyTorch's float32 default)
    w = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    net = lib.nn.Sequential(lib.nn.Identity(), lib.nn.ReLU(inplace=True))
    out = net(w * 2.0)
    (out * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    seen += [out.tolist(), w.grad.tolist()]
    lib.manual_seed(0)
    kept = lib.nn.Dropout(0.5, inplace=True)(lib.ones(4)).tolist()
    seen.append(all(v in (0.0, 2.0) for v in kept))
    return seen


def test_inplace_writes_outside_a_graph_and_returns_the_node_inside():
    import scratchgrad

    seen = _inplace_semantics(scratchgrad)
    assert seen[0] and seen[1] == [0.0, 0.5, 2.0] and seen[2] == [-0.1, 2.0]
    assert seen[3] == [0.0, 1.0, 4.0] and seen[4] == [0.0, 4.0, 6.0] and seen[5]


@pytest.mark.oracle
def test_inplace_matches_pytorch(torch):
    import scratchgrad

    assert _inplace_semantics(scratchgrad) == _inplace_semantics(torch)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "options", [dict(track_running_stats=False), dict(bias=False), dict(affine=False)]
)
def test_batchnorm_options_match_pytorch(torch, rng, options):
    ours, theirs = (
        nn.BatchNorm1d(3, **options),
        torch.nn.BatchNorm1d(3, dtype=torch.float64, **options),
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert _repr(ours) == repr(theirs)
    params = [n for n, _ in ours.named_parameters()]
    _compare(torch, ours, theirs, rng.normal(size=(6, 3)) * 2 + 1, rng, params)
    ours.eval(), theirs.eval()
    _compare(torch, ours, theirs, rng.normal(size=(4, 3)), rng, params)


@pytest.mark.oracle
@pytest.mark.parametrize("start, end", [(1, -1), (0, 1), (1, 2), (-2, -1)])
def test_flatten_end_dim_matches_pytorch(torch, start, end):
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(
        nn.Flatten(start, end)(x).data, torch.nn.Flatten(start, end)(_t(torch, x)).numpy()
    )
    assert _repr(nn.Flatten(start, end)) == repr(torch.nn.Flatten(start, end))


def test_gradient_clipping_is_where_pytorch_keeps_it():
    p = nn.Parameter([3.0, 4.0])
    p.grad = np.array([3.0, 4.0])
    assert nn.utils.clip_grad_norm_([p], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, np.array([3.0, 4.0]) / (5.0 + 1e-6))  # PyTorch's
    nn.utils.clip_grad_value_([p], 0.7)
    np.testing.assert_allclose(p.grad, [3.0 / (5.0 + 1e-6), 0.7])


def test_identity_takes_any_arguments_like_pytorchs():
    x = Tensor([1.0])
    assert nn.Identity(54, unused="x")(x) is x


# --- convolution and pooling ---------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("padding", ["same", "valid", 1, (2, 0)])
def test_conv2d_padding_forms_match_pytorch(torch, rng, padding):
    ours = nn.Conv2d(2, 3, (3, 5), padding=padding, seed=0)
    theirs = torch.nn.Conv2d(2, 3, (3, 5), padding=padding, dtype=torch.float64)
    _copy_weights(ours, theirs, torch)
    _compare(torch, ours, theirs, rng.normal(size=(2, 2, 6, 7)), rng, ["weight", "bias"])
    assert _repr(ours) == repr(theirs)


@pytest.mark.oracle
def test_functional_conv_and_pools_match_pytorch(torch, rng):
    x, w, b = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    TF, xt = torch.nn.functional, _t(torch, x)
    np.testing.assert_allclose(
        F.conv2d(x, Tensor(w), Tensor(b), stride=2, padding=1).data,
        TF.conv2d(xt, _t(torch, w), _t(torch, b), stride=2, padding=1).numpy(),
        **TOL,
    )
    np.testing.assert_allclose(
        F.max_pool2d(x, 3, stride=2, padding=1).data,
        TF.max_pool2d(xt, 3, stride=2, padding=1).numpy(),
        **TOL,
    )
    np.testing.assert_allclose(F.avg_pool2d(x, 2).data, TF.avg_pool2d(xt, 2).numpy(), **TOL)
    for ours, theirs in (
        (
            nn.MaxPool2d((2, 3), stride=1, padding=1),
            torch.nn.MaxPool2d((2, 3), stride=1, padding=1),
        ),
        (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
    ):
        _compare(torch, ours, theirs, x, rng)
        assert _repr(ours) == repr(theirs)


def test_unsupported_layer_options_say_so():
    with pytest.raises(ValueError, match="padding='same' needs stride=1"):
        nn.Conv2d(1, 2, 3, stride=2, padding="same")


# --- learner hints (issue 23) ---------------------------------------------------------------


def test_conv2d_on_images_without_a_channel_axis_says_add_it():
    with pytest.raises(
        ValueError,
        match=r"got shape \(5, 8, 8\): images without a channel "
        r"axis\? add it: x\[:, None\] or "
        r"x.reshape\(5, 1, 8, 8\)",
    ):
        nn.Conv2d(1, 4, 3)(np.zeros((5, 8, 8)))
    assert nn.Conv2d(3, 4, 3)(np.zeros((3, 8, 8))).shape == (4, 6, 6)  # one image, as PyTorch
    with pytest.raises(ValueError, match=r"channels-last images.*x.permute\(0, 3, 1, 2\)"):
        nn.Conv2d(3, 4, 3)(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"flattened images\? .*x.reshape\(2, 1, 8, 8\)"):
        nn.Conv2d(1, 4, 3)(np.zeros((2, 64)))


def test_a_book_layout_linear_weight_says_transpose_it():
    layer = nn.Linear(784, 10)
    W = np.zeros((784, 10))  # the book's (in, out) layout
    layer.weight.data = W
    with pytest.raises(
        ValueError,
        match=r"Linear stores its weight as \(out_features, "
        r"in_features\) = \(10, 784\).*transpose it",
    ):
        layer(np.zeros((2, 784)))
    fresh = nn.Linear(784, 10)
    state = {"weight": W, "bias": np.zeros(10)}
    with pytest.raises(
        nn.StateDictError,
        match=r"\(784, 10\) in the checkpoint but "
        r"\(10, 784\) in the model: Linear stores",
    ):
        fresh.load_state_dict(state)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(nn.StateDictError, match=r"'2.weight'.*transpose it \(W.T\)"):
        model.load_state_dict({**model.state_dict(), "2.weight": np.zeros((3, 2))})
    fresh.load_state_dict({"weight": W.T, "bias": np.zeros(10)})  # the fix works


# --- dtypes ------------------------------------------------------------------------------

LAYERS = {
    "Linear": (lambda dtype: nn.Linear(4, 3, dtype=dtype), (2, 4)),
    "Conv2d": (lambda dtype: nn.Conv2d(2, 3, 3, dtype=dtype), (2, 2, 5, 5)),
    "BatchNorm1d": (lambda dtype: nn.BatchNorm1d(4, dtype=dtype), (3, 4)),
    "BatchNorm2d": (lambda dtype: nn.BatchNorm2d(2, dtype=dtype), (3, 2, 4, 4)),
    "LayerNorm": (lambda dtype: nn.LayerNorm(4, dtype=dtype), (3, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_refuses_a_tensor_of_another_dtype_and_converts_arrays(name):
    make, shape = LAYERS[name]
    layer = make(np.float32)
    data = np.random.default_rng(0).normal(size=shape)
    assert layer(data).dtype == np.float32  # float64 numpy: converted
    assert layer(data.tolist()).dtype == np.float32  # a list too
    assert layer(Tensor(data.astype(np.float32))).dtype == np.float32
    for dtype, fix in (
        (np.float64, r"x.to\(np.float32\) / x.float\(\).*model.double\(\)"),
        (np.int64, r"x.to\(np.float32\) / x.float\(\)"),
    ):
        with pytest.raises(
            nn.DtypeMismatchError,
            match=rf"{name}: input is {np.dtype(dtype)} but \w+ is float32.*"
            rf"{fix}",
        ):
            layer(Tensor(data.astype(dtype), dtype=dtype))
    with pytest.raises(RuntimeError):  # PyTorch's error class
        make(np.float64)(Tensor(data.astype(np.float32)))
    with pytest.raises(TypeError):  # and Python's
        make(np.float64)(Tensor(data.astype(np.float32)))


@pytest.mark.parametrize("name", LAYERS)
def test_layers_take_the_default_dtype_through_one_switch(monkeypatch, name):
    make, shape = LAYERS[name]
    assert all(p.dtype == np.float64 for p in make(None).parameters())
    monkeypatch.setattr(autograd, "get_default_dtype", lambda: np.float32, raising=False)
    layer = make(None)
    assert all(p.dtype == np.float32 for p in layer.parameters())
    assert layer(np.ones(shape)).dtype == np.float32


def test_a_non_float_layer_dtype_is_refused():
    with pytest.raises(TypeError, match="floating dtype.*got int64"):
        nn.Linear(2, 2, dtype=np.int64)


# --- Module methods ------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, seed=0)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8, 3, seed=1))

    def forward(self, x):
        return self.head(self.bn(self.conv(x)).relu())


def test_to_dtype_converts_parameters_grads_and_float_buffers_in_place():
    net = Net()
    weight = net.conv.weight
    opt = nn.optim.SGD(net.parameters(), lr=0.1)
    net(np.ones((2, 1, 4, 4))).sum().backward()
    assert net.to(np.float32) is net
    assert net.conv.weight is weight and weight.dtype == np.float32
    assert weight.grad.dtype == np.float32
    assert net.bn.running_mean.dtype == np.float32
    assert net.bn.num_batches_tracked.dtype == np.int64  # integer buffers stay
    opt.step()  # the optimizer still works
    assert weight.dtype == np.float32
    assert net(np.ones((2, 1, 4, 4))).dtype == np.float32
    assert net.double() is net and all(p.dtype == np.float64 for p in net.parameters())
    assert net.float().bn.running_var.dtype == np.float32
    net.to(Tensor(np.ones(1)))  # to(tensor): its dtype
    assert net.head[1].weight.dtype == np.float64
    net.to("cpu", np.float32)
    assert net.head[1].bias.dtype == np.float32
    net.to(device="cpu", dtype=np.float64, non_blocking=True)
    assert net.conv.bias.dtype == np.float64


def test_devices_other_than_the_cpu_need_cupy_and_a_gpu():
    net = Net()

    class Device:  # what torch.device("cpu") looks like
        def __init__(self, kind):
            self.type = kind

    assert net.to("cpu") is net and net.to(Device("cpu")) is net and net.cpu() is net
    assert net.to("cpu:0") is net
    from scratchgrad import cuda

    if cuda.is_available():
        pytest.skip("a GPU is here: moving to it works (bench/gpu_check.py checks that)")
    for call in (
        lambda: net.to("cuda"),
        lambda: net.to(Device("cuda")),
        lambda: net.cuda(),
        lambda: net.to(0),
        lambda: nn.Linear(2, 2, device="cuda"),
    ):
        with pytest.raises(RuntimeError, match="CUDA is not available.*CuPy"):
            call()
    with pytest.raises(ValueError, match="unknown device 'mps'"):
        net.to("mps")
    assert nn.Linear(2, 2, device="cpu").weight.shape == (2, 2)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((np.int64,), {}, TypeError, r"floating dtype.*nn.Module.to only converts"),
        ((), {"memory_format": 1}, NotImplementedError, "memory_format"),
        ((), {"devcie": "cpu"}, TypeError, r"unexpected keyword\(s\) \['devcie'\]"),
        (("cpu", np.float32, np.float64), {}, TypeError, "takes a device, a dtype or both"),
        ((object(),), {}, TypeError, "dtype must be a numpy float type"),
    ],
)
def test_to_rejects_what_it_cannot_do(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Net().to(*args, **kwargs)


@pytest.mark.oracle
def test_apply_visits_children_before_parents_like_pytorch(torch):
    def build(lib):
        return lib.Sequential(lib.Linear(2, 3), lib.Sequential(lib.ReLU(), lib.Linear(3, 1)))

    ours, theirs = [], []
    assert build(nn).apply(lambda m: ours.append(type(m).__name__)) is not None
    build(torch.nn).apply(lambda m: theirs.append(type(m).__name__))
    assert ours == theirs


def test_apply_initialises_weights_the_pytorch_way():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
            nn.init.constant_(m.bias, 0.5)

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).apply(init_weights)
    np.testing.assert_array_equal(model(np.ones((1, 2))).data, [[0.5]])


def test_requires_grad_freezes_and_zero_grad_can_keep_zeros():
    net = Net()
    assert net.head.requires_grad_(False) is net.head
    net(np.ones((2, 1, 4, 4))).sum().backward()
    assert net.head[1].weight.grad is None and net.conv.weight.grad is not None
    net.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(net.conv.weight.grad, 0.0)
    net.zero_grad()
    assert net.conv.weight.grad is None
    with pytest.raises(TypeError, match="micrograd-style Values"):
        nn.micrograd.MLP(2, [2]).requires_grad_(False)


def test_register_buffer_parameter_and_module_follow_pytorch():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", np.tril(np.ones((2, 2))))
            self.register_buffer("cache", Tensor(np.zeros(2)), persistent=False)
            self.register_buffer("unused", None)
            self.register_parameter("scale", nn.Parameter(np.ones(2)))
            self.register_parameter("shift", None)
            self.add_module("0", nn.Linear(2, 2))

    block = Block()
    assert list(block.state_dict()) == ["scale", "mask", "0.weight", "0.bias"]
    assert [n for n, _ in block.named_buffers()] == ["mask", "cache"]
    assert [n for n, _ in block.named_parameters()] == ["scale", "0.weight", "0.bias"]
    assert block.get_submodule("0") is getattr(block, "0")
    block.load_state_dict({**block.state_dict(), "mask": np.full((2, 2), 3.0)})
    np.testing.assert_array_equal(block.mask, 3.0)
    assert block.double().cache.dtype == np.float64
    assert block.parameters(recurse=False) == [block.scale]
    assert len(block.buffers()) == 2
    with pytest.raises(KeyError, match="taken by Block.forward"):
        block.register_buffer("forward", np.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        block.register_buffer("scale", np.zeros(1))
    with pytest.raises(TypeError, match=r"wrap it: nn.Parameter\(x\)"):
        block.register_parameter("w", np.ones(2))
    with pytest.raises(TypeError, match="needs a Module or None"):
        block.add_module("f", F.relu)
    with pytest.raises(KeyError, match="taken by Sequential._seq"):
        nn.Sequential().add_module("_seq", nn.ReLU())
    with pytest.raises(AttributeError, match="no sub-module 'nope'"):
        block.get_submodule("nope")


@pytest.mark.oracle
def test_reprs_read_like_pytorchs(torch):
    def build(lib):
        return lib.Sequential(
            lib.Conv2d(1, 2, 3),
            lib.Conv2d(1, 2, 3, stride=2, padding=1, bias=False),
            lib.BatchNorm2d(2),
            lib.MaxPool2d(2),
            lib.AvgPool2d(2),
            lib.Dropout(0.25),
            lib.Dropout2d(),
            lib.Flatten(),
            lib.LayerNorm(5),
            lib.LeakyReLU(0.2),
            lib.Softmax(dim=1),
            lib.LogSoftmax(dim=1),
            lib.Linear(784, 10),
            lib.ReLU(),
            lib.Sigmoid(),
            lib.Tanh(),
            lib.Identity(),
            lib.CrossEntropyLoss(),
            lib.NLLLoss(),
            lib.MSELoss(),
            lib.L1Loss(),
            lib.BCELoss(),
            lib.BCEWithLogitsLoss(),
        )

    assert _repr(build(nn)) == repr(build(torch.nn))


# --- PyTorch's MNIST example, spelled scratchgrad ------------------------------------------


def _mnist_net(lib, F_, side):
    class Net(lib.Module):  # pytorch/examples mnist/main.py, on side x side images
        def __init__(self):
            super().__init__()
            self.conv1 = lib.Conv2d(1, 4, 3, 1)
            self.conv2 = lib.Conv2d(4, 8, 3, 1)
            self.dropout1 = lib.Dropout(0.25)
            self.dropout2 = lib.Dropout(0.5)
            self.fc1 = lib.Linear(8 * ((side - 4) // 2) ** 2, 16)
            self.fc2 = lib.Linear(16, 10)

        def forward(self, x):
            x = F_.relu(self.conv1(x))
            x = F_.relu(self.conv2(x))
            x = F_.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = x.reshape(x.shape[0], -1)
            x = F_.relu(self.fc1(x))
            x = self.dropout2(x)
            return F_.log_softmax(self.fc2(x), dim=1)

    return Net()


@pytest.mark.oracle
def test_pytorchs_mnist_example_trains_step_for_step_like_pytorch(torch, rng):
    ours, theirs = _mnist_net(nn, F, 10), _mnist_net(torch.nn, torch.nn.functional, 10)
    theirs.double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval(), theirs.eval()  # dropout off: the same arithmetic on both sides
    opt = nn.optim.Adadelta(ours.parameters(), lr=1.0)
    topt = torch.optim.Adadelta(theirs.parameters(), lr=1.0)
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=1, gamma=0.7)
    for _epoch in range(3):
        x, y = rng.normal(size=(6, 1, 10, 10)), rng.integers(0, 10, size=6)
        for model, optimizer, xs, ys in (
            (ours, opt, x, y),
            (theirs, topt, _t(torch, x), torch.tensor(y)),
        ):
            optimizer.zero_grad()
            loss = (
                F.nll_loss(model(xs), ys)
                if model is ours
                else torch.nn.functional.nll_loss(model(xs), ys)
            )
            loss.backward()
            optimizer.step()
            (sched if model is ours else tsched).step()
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(
            ours.state_dict()[name], value.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )
    test_x = rng.normal(size=(4, 1, 10, 10))
    np.testing.assert_allclose(
        F.nll_loss(ours(test_x), np.arange(4), reduction="sum").item(),
        torch.nn.functional.nll_loss(
            theirs(_t(torch, test_x)), torch.arange(4), reduction="sum"
        ).item(),
        rtol=1e-9,
    )


@pytest.mark.oracle
def test_modules_parameters_and_buffers_dicts_read_and_register_as_pytorchs(torch, rng):
    """d2l's MySequential registers through `self._modules[str(i)] = module`."""

    def my_sequential(base, *layers):
        class MySequential(base.Module):
            def __init__(self, *args):
                super().__init__()
                for idx, module in enumerate(args):
                    self._modules[str(idx)] = module

            def forward(self, x):
                for block in self._modules.values():
                    x = block(x)
                return x

        return MySequential(*layers)

    ours = my_sequential(nn, nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    theirs = my_sequential(torch.nn, torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.double()
    _copy_weights(ours, theirs, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare(torch, ours, theirs, rng.normal(size=(3, 5)), rng)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), **TOL, err_msg=name)
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    assert list(bn._buffers) == list(tbn._buffers) and list(bn._parameters) == list(tbn._parameters)
    assert dict(bn._modules) == dict(tbn._modules) == {}
    lin = nn.Linear(2, 2)
    lin._parameters["weight"] = nn.Parameter(np.zeros((2, 2)))
    assert lin.weight.data.sum() == 0 and lin._parameters["weight"] is lin.weight
    with pytest.raises(TypeError, match="takes a Parameter"):
        lin._parameters["weight"] = np.zeros((2, 2))


@pytest.mark.oracle
def test_an_old_checkpoint_without_num_batches_tracked_loads_as_in_pytorch(torch):
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    state = {k: v for k, v in ours.state_dict().items() if k != "num_batches_tracked"}
    result = ours.load_state_dict(state)
    their_result = theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    assert result.missing_keys == their_result.missing_keys == []
    assert nn.Dropout().inplace is torch.nn.Dropout().inplace is False


@pytest.mark.oracle
def test_adam_with_decoupled_weight_decay_is_pytorchs(torch):
    w0, grads = np.array([1.0, -2.0, 3.0]), np.array([0.3, -0.1, 0.2])
    ours, theirs = nn.Parameter(w0.copy()), torch.tensor(w0.copy(), requires_grad=True)
    options = dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
    opt, topt = nn.optim.Adam([ours], **options), torch.optim.Adam([theirs], **options)
    for i in range(5):
        ours.grad, theirs.grad = grads * (i + 1), torch.tensor(grads * (i + 1))
        opt.step()
        topt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-14)
    again = nn.optim.Adam([nn.Parameter(w0.copy())], **options)
    again.load_state_dict(topt.state_dict())
    with pytest.raises(nn.optim.OptimizerStateError, match="decoupled_weight_decay=True"):
        nn.optim.Adam([nn.Parameter(w0.copy())]).load_state_dict(topt.state_dict())


@pytest.mark.oracle
def test_module_walks_take_pytorchs_keywords_including_aliases(torch):
    def build(lib):
        shared = lib.Linear(2, 2)

        class Tied(lib.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b = shared, shared
                self.seq = lib.Sequential(lib.ReLU(), shared)

        return Tied()

    ours, theirs = build(nn), build(torch.nn)
    for unique in (True, False):
        assert [n for n, _ in ours.named_modules(remove_duplicate=unique)] == [
            n for n, _ in theirs.named_modules(remove_duplicate=unique)
        ]
        assert [n for n, _ in ours.named_parameters(remove_duplicate=unique)] == [
            n for n, _ in theirs.named_parameters(remove_duplicate=unique)
        ]
    assert list(ours.state_dict(prefix="model.")) == list(theirs.state_dict(prefix="model."))
    assert ours.state_dict(keep_vars=True)["b.weight"] is ours.a.weight
    filled = {}
    assert ours.state_dict(destination=filled) is filled and "seq.1.bias" in filled
    assert ours.get_parameter("seq.1.bias") is ours.a.bias
    joined = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh(), nn.Sigmoid())
    their_joined = torch.nn.Sequential(torch.nn.ReLU()) + torch.nn.Sequential(
        torch.nn.Tanh(), torch.nn.Sigmoid()
    )
    assert _repr(joined) == repr(their_joined)
    assert isinstance(joined.pop(1), nn.Tanh) and isinstance(their_joined.pop(1), torch.nn.Tanh)
    assert _repr(joined) == repr(their_joined)


@pytest.mark.oracle
@pytest.mark.parametrize("padding", ["same", "valid", 1])
def test_one_unbatched_image_and_named_padding_as_pytorchs(torch, rng, padding):
    """F.conv2d, the pools and Conv2d take one (C, H, W) image, and F.conv2d takes
    padding="same" / "valid", as PyTorch's do."""
    x, w = rng.normal(size=(3, 8, 8)), rng.normal(size=(4, 3, 3, 3))
    ours = F.conv2d(Tensor(x), Tensor(w), padding=padding)
    theirs = torch.nn.functional.conv2d(_t(torch, x), _t(torch, w), padding=padding)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.numpy(), **TOL)
    for name in ("max_pool2d", "avg_pool2d"):
        np.testing.assert_allclose(
            getattr(F, name)(Tensor(x), 2).data,
            getattr(torch.nn.functional, name)(_t(torch, x), 2).numpy(),
            **TOL,
        )
    layer = nn.Conv2d(3, 4, 3, padding=padding)
    assert layer(Tensor(x)).shape == ours.shape
