"""F.affine_grid and F.grid_sample: values and gradients w.r.t. the input, the grid and
theta against PyTorch over every mode, padding mode and align_corners, for images and
volumes; grids reaching outside [-1, 1], exactly onto the borders, and to NaN, inf and
1e30; identity thetas; float32; second derivatives; PyTorch's warning and errors; and
the "Spatial Transformer Networks" tutorial's model run renamed, against PyTorch's
loss, gradients and SGD steps (and a tiny spatial transformer whose localisation net is
Linear layers)."""

import warnings

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor
from scratchgrad.autograd.numerical import gradgradcheck
from scratchgrad.autograd.testing import assert_gradients_match

torch = oracle("torch")

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]
CASES = [(m, p, a) for m in MODES for p in PADDINGS for a in (False, True)]
IDS = [f"{m}-{p}-{'align' if a else 'noalign'}" for m, p, a in CASES]
# points on the borders and pixel centres of both conventions, and far outside
EDGES = [-1.0, 1.0, 0.0, -0.75, 0.5, 1.0 / 3.0, -1.5, 2.0, 3.0, -3.25, 5.5]


def _grid(rng, shape):
    """Uniform points in [-1.6, 1.6] (past the image on every side), some set to EDGES."""
    grid = rng.uniform(-1.6, 1.6, size=shape)
    flat = grid.reshape(-1)
    flat[: len(EDGES)] = EDGES
    flat[-len(EDGES) :] = EDGES[::-1]
    return grid


def _compare(x, grid, options, tol, rng, grad_tol=None):
    """Both libraries' output and gradients (input, grid) for one weighted sum."""
    ours = [Tensor(x, requires_grad=True), Tensor(grid, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, grid)]
    out = F.grid_sample(*ours, **options)
    out_t = torch.nn.functional.grid_sample(*theirs, **options)
    weights = rng.normal(size=tuple(out_t.shape)).astype(x.dtype)
    (out * Tensor(weights)).sum().backward()
    (out_t * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **tol)
    for mine, theirs_ in zip(ours, theirs):
        assert mine.grad.dtype == x.dtype
        np.testing.assert_allclose(mine.grad, theirs_.grad.numpy(), **(grad_tol or tol))
    return out


@pytest.mark.oracle
@pytest.mark.parametrize("mode, padding_mode, align_corners", CASES, ids=IDS)
def test_grid_sample_matches_pytorch(mode, padding_mode, align_corners):
    rng = np.random.default_rng(0)
    options = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    tol = dict(rtol=1e-11, atol=1e-12)
    _compare(rng.normal(size=(2, 3, 5, 7)), _grid(rng, (2, 4, 6, 2)), options, tol, rng)
    # an image one pixel high (reflection's empty span with align_corners)
    _compare(rng.normal(size=(1, 2, 1, 4)), _grid(rng, (1, 3, 5, 2)), options, tol, rng)


@pytest.mark.oracle
@pytest.mark.parametrize("mode, padding_mode, align_corners", CASES[:12], ids=IDS[:12])
def test_volumes_match_pytorch(mode, padding_mode, align_corners):
    rng = np.random.default_rng(1)
    options = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    x, grid = rng.normal(size=(2, 2, 3, 4, 5)), _grid(rng, (2, 2, 3, 4, 3))
    _compare(x, grid, options, dict(rtol=1e-11, atol=1e-12), rng)


@pytest.mark.oracle
@pytest.mark.parametrize("dims", [2, 3])
def test_nan_inf_and_far_points_read_as_in_pytorch(dims):
    """NaN reads zero (or NaN through the weights), or pixel 0 / the last pixel after
    clipping; inf and 1e30 land where PyTorch's kernels put them."""
    rng = np.random.default_rng(2)
    special = [np.nan, np.inf, -np.inf, 1e30, -1e30, 1e10, 3e9, -1.0, 1.0, 2.0, -3.0, 0.3]
    x = rng.normal(size=(1, 2, 3, 4) if dims == 2 else (1, 2, 3, 4, 2))
    axes = np.meshgrid(special, *[[-1.0, 0.2, 1.0]] * (dims - 1), indexing="ij")
    grid = np.stack(axes, -1).reshape(1, len(special), -1, dims)
    grid = np.concatenate([grid, grid[..., ::-1]], axis=1)  # the special values on y too
    if dims == 3:
        grid = grid.reshape(1, 2, len(special), -1, 3)
    for mode, padding_mode, align_corners in CASES if dims == 2 else CASES[:12]:
        for dtype in (np.float64, np.float32):
            options = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
            ours = F.grid_sample(Tensor(x.astype(dtype)), Tensor(grid.astype(dtype)), **options)
            theirs = torch.nn.functional.grid_sample(
                torch.tensor(x.astype(dtype)), torch.tensor(grid.astype(dtype)), **options
            )
            np.testing.assert_allclose(
                ours.data, theirs.numpy(), rtol=1e-5, atol=1e-6, err_msg=str(options)
            )


@pytest.mark.oracle
@pytest.mark.parametrize("size", [(2, 3, 5, 7), (2, 1, 1, 4), (2, 2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_and_theta_gradients_match_pytorch(size, align_corners):
    rng = np.random.default_rng(3)
    k = len(size) - 2
    theta = np.zeros((2, k, k + 1))
    theta[:, :, :k] = np.eye(k)
    theta += 0.3 * rng.normal(size=theta.shape)
    x = rng.normal(size=size)
    ours = Tensor(theta, requires_grad=True)
    theirs = torch.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's note on unit-size grids
        grid = F.affine_grid(ours, size, align_corners=align_corners)
        grid_t = torch.nn.functional.affine_grid(theirs, size, align_corners=align_corners)
    np.testing.assert_allclose(grid.data, grid_t.detach().numpy(), rtol=1e-14, atol=1e-15)
    options = dict(padding_mode="border", align_corners=align_corners)
    out = F.grid_sample(Tensor(x), grid, **options)
    out_t = torch.nn.functional.grid_sample(torch.tensor(x), grid_t, **options)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    (out**2).sum().backward()
    (out_t**2).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_theta_reproduces_the_input(mode, align_corners):
    x = np.random.default_rng(4).normal(size=(3, 2, 6, 5))
    theta = np.tile(np.eye(2, 3), (3, 1, 1))
    grid = F.affine_grid(theta, x.shape, align_corners=align_corners)
    out = F.grid_sample(x, grid, mode=mode, align_corners=align_corners)
    np.testing.assert_allclose(out.data, x, rtol=1e-12, atol=1e-12)
    volume = np.random.default_rng(5).normal(size=(1, 2, 3, 4, 5))
    theta = np.eye(3, 4)[None]
    grid = F.affine_grid(theta, volume.shape, align_corners=align_corners)
    out = F.grid_sample(volume, grid, mode="bilinear", align_corners=align_corners)
    np.testing.assert_allclose(out.data, volume, rtol=1e-12, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", MODES)
def test_float32_stays_float32_and_matches_pytorch(mode):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 6, 5)).astype(np.float32)
    theta = (np.eye(2, 3) + 0.4 * rng.normal(size=(2, 2, 3))).astype(np.float32)
    ours = Tensor(theta, requires_grad=True)
    theirs = torch.tensor(theta, requires_grad=True)
    grid = F.affine_grid(ours, (2, 3, 4, 7), align_corners=False)
    grid_t = torch.nn.functional.affine_grid(theirs, (2, 3, 4, 7), align_corners=False)
    assert grid.dtype == np.float32
    tol, grad_tol = dict(rtol=2e-5, atol=2e-6), dict(rtol=2e-5, atol=1e-4)  # grads ~20
    out = _compare(x, grid.data, dict(mode=mode, align_corners=False), tol, rng, grad_tol)
    assert out.dtype == np.float32
    F.grid_sample(x, grid, mode=mode, align_corners=False).sum().backward()
    torch.nn.functional.grid_sample(
        torch.tensor(x), grid_t, mode=mode, align_corners=False
    ).sum().backward()
    assert ours.grad.dtype == np.float32
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-4, atol=1e-4)


def _second_derivatives(lib, grad, x, theta, mode, padding_mode, v):
    """d/d(x, theta) of (a weighted sum of the first gradients, plus their squares)."""
    TF = lib.nn.functional
    grid = TF.affine_grid(theta, tuple(x.shape[:2]) + (4, 3), align_corners=False)
    out = TF.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=False)
    first = grad((out * lib.tensor(v[0])).sum(), (x, grid, theta), create_graph=True)
    total = sum((g * lib.tensor(w)).sum() + (g * g).sum() for g, w in zip(first, v[1:]))
    return grad(total, (x, theta))


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_second_derivatives_match_pytorch(mode, padding_mode):
    """PyTorch differentiates its grid_sample backward (for every mode): d2 w.r.t. the
    input, the grid (the cross terms of the weights) and theta match."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 2, 5, 6))
    theta = np.eye(2, 3) + 0.5 * rng.normal(size=(2, 2, 3))
    v = [rng.normal(size=s) for s in [(2, 2, 4, 3), x.shape, (2, 4, 3, 2), theta.shape]]
    ours = _second_derivatives(
        scratchgrad,
        scratchgrad.autograd.grad,
        Tensor(x, requires_grad=True),
        Tensor(theta, requires_grad=True),
        mode,
        padding_mode,
        v,
    )
    theirs = _second_derivatives(
        torch,
        torch.autograd.grad,
        torch.tensor(x, requires_grad=True),
        torch.tensor(theta, requires_grad=True),
        mode,
        padding_mode,
        v,
    )
    for mine, their in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, their.numpy(), rtol=1e-10, atol=1e-11)


def test_nearest_grid_gradient_is_zeros_as_pytorchs():
    rng = np.random.default_rng(8)
    x = Tensor(rng.normal(size=(1, 2, 3, 4)), requires_grad=True)
    grid = Tensor(rng.uniform(-1, 1, size=(1, 2, 2, 2)), requires_grad=True)
    out = F.grid_sample(x, grid, mode="nearest", align_corners=False)
    gx, gg = scratchgrad.autograd.grad(out.sum(), (x, grid), create_graph=True)
    np.testing.assert_array_equal(gg.data, np.zeros(grid.shape))
    # a second derivative through it is zeros too (x unused: None), as PyTorch's
    again = scratchgrad.autograd.grad(gx.sum() + gg.sum(), (x, grid), allow_unused=True)
    assert again[0] is None
    np.testing.assert_array_equal(again[1], np.zeros(grid.shape))


def test_central_differences_and_second_order():
    """Off the kinks (borders, pixel edges) the gradients are the central differences'."""
    rng = np.random.default_rng(9)
    x = Tensor(rng.normal(size=(1, 2, 4, 5)), requires_grad=True)
    theta = Tensor(np.eye(2, 3) + 0.2 * rng.normal(size=(1, 2, 3)), requires_grad=True)
    c = rng.normal(size=(1, 2, 3, 4))

    def f(x, theta, mode="bilinear", padding_mode="reflection"):
        grid = F.affine_grid(theta, (1, 2, 3, 4), align_corners=False) * 1.3
        out = F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=False)
        return (out * c).sum()

    assert_gradients_match(f, [x, theta])
    assert_gradients_match(lambda x, t: f(x, t, "bicubic", "zeros"), [x, theta])
    gradgradcheck(lambda x, t: f(x, t) ** 2, [x, theta])


@pytest.mark.oracle
def test_align_corners_none_warns_as_pytorch_and_means_false():
    x, theta = np.ones((1, 1, 3, 4)), np.eye(2, 3)[None]
    with pytest.warns(UserWarning) as ours:
        grid = F.affine_grid(theta, (1, 1, 3, 4))
        out = F.grid_sample(x, grid)
    with pytest.warns(UserWarning) as theirs:
        torch.nn.functional.affine_grid(torch.tensor(theta), (1, 1, 3, 4))
        torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid.data))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert all(w.filename == __file__ for w in ours)  # pointing at the caller
    expected = F.grid_sample(x, F.affine_grid(theta, (1, 1, 3, 4), False), align_corners=False)
    np.testing.assert_array_equal(out.data, expected.data)


@pytest.mark.oracle
def test_errors_are_pytorchs():
    def message(call, *args, **kwargs):
        with pytest.raises(Exception) as caught:
            call(*args, **kwargs)
        return caught.type, str(caught.value)

    x, grid = np.zeros((1, 1, 3, 4)), np.zeros((1, 2, 2, 2))
    checks = [
        (dict(mode="area"), x, grid),
        (dict(padding_mode="circular"), x, grid),
        ({}, x, np.zeros((2, 2, 2, 2))),
        ({}, x, np.zeros((1, 2, 2, 3))),
        ({}, np.zeros((1, 1, 0, 3)), grid),
    ]
    for options, a, b in checks:
        kind, ours = message(F.grid_sample, a, b, align_corners=False, **options)
        their_kind, theirs = message(
            torch.nn.functional.grid_sample,
            torch.tensor(a),
            torch.tensor(b),
            align_corners=False,
            **options,
        )
        assert ours == theirs and issubclass(kind, their_kind), (ours, theirs)
    with pytest.raises(RuntimeError, match="with same number of dimensions"):
        F.grid_sample(x, np.zeros((1, 2, 2)), align_corners=False)
    with pytest.raises(NotImplementedError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(
            np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3)), "bicubic", "zeros", False
        )
    with pytest.raises(TypeError, match="input is float32 but grid is float64"):
        F.grid_sample(Tensor(x, dtype=np.float32), Tensor(grid), align_corners=False)
    theta = np.zeros((1, 2, 3))
    for call_args in [
        (theta, (1, 1, 3)),
        (theta, (1, 1, 3, 4, 5)),
        (np.zeros((1, 3, 4)), (1, 1, 3, 4)),
        (theta, (1, 1, 0, 4)),
        (np.zeros((1, 2, 3), dtype=np.int64), (1, 1, 3, 4)),
    ]:
        ours = message(
            F.affine_grid, scratchgrad.tensor(call_args[0]), call_args[1], align_corners=False
        )
        theirs = message(
            torch.nn.functional.affine_grid,
            torch.tensor(call_args[0]),
            call_args[1],
            align_corners=False,
        )
        shape = str(tuple(call_args[0].shape))  # PyTorch prints torch.Size([...])
        expected = theirs[1].replace(f"torch.Size({list(call_args[0].shape)})", shape)
        expected = expected.replace("torch.int64", "int64")
        assert ours[1] == expected and issubclass(ours[0], theirs[0]), (ours, theirs)
    with pytest.raises(RuntimeError, match="one theta per image"):
        F.affine_grid(theta, (2, 1, 3, 4), align_corners=False)


@pytest.mark.parametrize("mode", MODES)
def test_empty_batches_channels_and_grids_give_empty_outputs(mode):
    cases = [
        ((0, 1, 3, 4), (0, 2, 2, 2)),
        ((1, 0, 3, 4), (1, 2, 2, 2)),
        ((1, 2, 3, 4), (1, 0, 2, 2)),
    ]
    if mode != "bicubic":
        cases.append(((2, 1, 3, 4, 2), (2, 0, 1, 1, 3)))
    for x_shape, grid_shape in cases:
        x = Tensor(np.ones(x_shape), requires_grad=True)
        grid = Tensor(np.zeros(grid_shape), requires_grad=True)
        out = F.grid_sample(x, grid, mode, align_corners=False)
        assert out.shape == x_shape[:2] + grid_shape[1:-1]
        out.sum().backward()
        assert x.grad.shape == x_shape and grid.grad.shape == grid_shape


def test_stays_on_the_inputs_device():
    """Indices and weights are made with the input's array module (CuPy on a GPU)."""
    from device_arrays import host, on_device, strict

    rng = np.random.default_rng(10)
    data, theta_data = (
        rng.normal(size=(2, 3, 4, 5)),
        np.eye(2, 3) + 0.3 * rng.normal(size=(2, 2, 3)),
    )
    for mode in MODES:
        for padding_mode in PADDINGS:
            x = Tensor(strict(data), requires_grad=True)
            theta = Tensor(strict(theta_data), requires_grad=True)
            grid = F.affine_grid(theta, (2, 3, 3, 4), align_corners=False)
            options = dict(mode=mode, padding_mode=padding_mode, align_corners=True)
            out = F.grid_sample(x, grid, **options)
            out.sum().backward()
            assert on_device(out) and on_device(x.grad) and on_device(theta.grad)
            plain = F.grid_sample(data, F.affine_grid(theta_data, (2, 3, 3, 4), False), **options)
            np.testing.assert_allclose(host(out), plain.data, rtol=1e-12, atol=1e-12)


# --- the Spatial Transformer Networks tutorial, renamed ------------------------------


def tutorial_net(torch, nn, F):
    """The tutorial's Net, as pytorch.org prints it, written against `torch`, `nn`, `F`."""

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)

            # Spatial transformer localization-network
            self.localization = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(8, 10, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
            )

            # Regressor for the 3 * 2 affine matrix
            self.fc_loc = nn.Sequential(
                nn.Linear(10 * 3 * 3, 32), nn.ReLU(True), nn.Linear(32, 3 * 2)
            )

            # Initialize the weights/bias with identity transformation
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

        # Spatial transformer network forward function
        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 10 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)

            grid = F.affine_grid(theta, x.size())
            x = F.grid_sample(x, grid)
            return x

        def forward(self, x):
            # transform the input
            x = self.stn(x)

            # Perform the usual forward pass
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net


def tutorial_steps(torch, F, optim, model, batches):
    """The tutorial's train() body, in eval mode (the frameworks' dropout masks differ):
    each step's loss, and the gradients of the first."""
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    losses, first_grads = [], None
    for data, target in batches:
        data, target = torch.tensor(data), torch.tensor(target)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if first_grads is None:
            first_grads = [np.array(p.grad) for p in model.parameters()]
    return losses, first_grads


@pytest.fixture
def precision(request):
    """Both libraries' default dtype set to request.param, restored afterwards."""
    ours, theirs = scratchgrad.get_default_dtype(), torch.get_default_dtype()
    scratchgrad.set_default_dtype(np.dtype(request.param))
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    scratchgrad.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("precision", ["float32", "float64"], indirect=True)
def test_spatial_transformer_tutorial_gives_pytorchs_numbers(precision):
    scratchgrad.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tutorial leaves align_corners out
        models = [tutorial_net(lib, lib.nn, lib.nn.functional)() for lib in (scratchgrad, torch)]
        ours, theirs = models
        rng = np.random.default_rng(11)
        state = {k: np.array(v) for k, v in ours.state_dict().items()}
        # away from the identity start, so theta differs per image and the gradient
        # reaches the localisation net
        state["fc_loc.2.weight"] = 0.05 * rng.normal(size=(6, 32)).astype(precision)
        for model in models:
            model.load_state_dict({k: model_lib(model).tensor(v) for k, v in state.items()})
            model.eval()
        batches = [
            (rng.uniform(0, 1, (6, 1, 28, 28)).astype(precision), rng.integers(0, 10, 6))
            for _ in range(2)
        ]
        results = [
            tutorial_steps(lib, lib.nn.functional, lib.optim, model, batches)
            for lib, model in ((scratchgrad, ours), (torch, theirs))
        ]
    tol = dict(rtol=2e-5, atol=1e-6) if precision == "float32" else dict(rtol=1e-10, atol=1e-13)
    (our_losses, our_grads), (their_losses, their_grads) = results
    np.testing.assert_allclose(our_losses, their_losses, **tol)
    names = [name for name, _ in theirs.named_parameters()]
    assert [name for name, _ in ours.named_parameters()] == names
    for name, mine, their in zip(names, our_grads, their_grads):
        assert mine.dtype == np.dtype(precision), name
        assert np.abs(their).max() > 0, name  # every layer learns, the localisation too
        np.testing.assert_allclose(mine, their, **tol, err_msg=name)
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs.state_dict()[name].numpy(), **tol, err_msg=name)


def model_lib(model):
    """The library a model was built with (scratchgrad or torch)."""
    return scratchgrad if isinstance(model, scratchgrad.nn.Module) else torch


def tiny_transformer(torch, nn, F):
    """A spatial transformer whose localisation net is two Linear layers."""

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.loc = nn.Sequential(
                nn.Flatten(), nn.Linear(28 * 28, 16), nn.Tanh(), nn.Linear(16, 6)
            )
            self.head = nn.Linear(28 * 28, 10)

        def forward(self, x):
            theta = self.loc(x).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
            return F.log_softmax(self.head(x.flatten(1)), dim=1)

    return Tiny


@pytest.mark.oracle
def test_tiny_linear_spatial_transformer_gives_pytorchs_gradients():
    rng = np.random.default_rng(12)
    ours = tiny_transformer(scratchgrad, scratchgrad.nn, F)()
    theirs = tiny_transformer(torch, torch.nn, torch.nn.functional)().double()
    state = {k: np.array(v) for k, v in ours.state_dict().items()}
    state["loc.3.bias"] = np.array([1.0, 0.1, 0.0, -0.1, 1.0, 0.0]) + 0.1 * rng.normal(size=6)
    for model in (ours, theirs):
        model.load_state_dict({k: model_lib(model).tensor(v) for k, v in state.items()})
    images, labels = rng.uniform(0, 1, (5, 1, 28, 28)), rng.integers(0, 10, 5)
    loss = F.nll_loss(ours(Tensor(images)), scratchgrad.tensor(labels))
    loss_t = torch.nn.functional.nll_loss(theirs(torch.tensor(images)), torch.tensor(labels))
    loss.backward()
    loss_t.backward()
    assert loss.item() == pytest.approx(loss_t.item(), rel=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert np.abs(q.grad.numpy()).max() > 0, name
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
