"""Adversarial edge cases for convolution and pooling, checked against PyTorch.

conv2d / max_pool2d / avg_pool2d / unfold / fold and the Conv2d, MaxPool2d, AvgPool2d and
BatchNorm2d layers: outputs and every gradient for odd geometries (non-square kernels,
stride > kernel, stride and padding as pairs, 1x1 kernels, input exactly the kernel,
many channels, no bias), dtypes (float32 stays float32), non-contiguous inputs, ties,
NaN and infinities in max pooling, second order, forward mode, and the error messages
for bad input. PyTorch is the oracle wherever it is installed.
"""
import numpy as np
import pytest

from scratchgrad import nn
import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, grad, gradcheck, gradgradcheck, jvp

TOL = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


def _torch():
    return pytest.importorskip("torch")


def _close(ours, theirs, dtype=np.float64, what=""):
    ours = ours.data if isinstance(ours, Tensor) else ours
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    assert np.shape(ours) == tuple(np.shape(theirs)), what
    np.testing.assert_allclose(ours, theirs, equal_nan=True, err_msg=what, **TOL[dtype])


# --- conv2d: values and all gradients ----------------------------------------------------

CONV_CASES = [
    # x shape, weight shape, bias, stride, padding
    ((2, 3, 7, 5), (4, 3, 3, 2), True, 1, 0),            # non-square kernel
    ((1, 1, 5, 5), (1, 1, 5, 5), True, 1, 0),            # input exactly the kernel
    ((2, 3, 8, 9), (2, 3, 2, 3), True, (3, 4), 0),       # stride pair > kernel
    ((2, 3, 8, 9), (2, 3, 1, 1), False, 1, 0),           # 1x1 kernel, no bias
    ((2, 3, 8, 9), (2, 3, 3, 3), True, (2, 1), (1, 2)),  # stride and padding pairs
    ((1, 2, 4, 4), (3, 2, 2, 2), True, 5, 0),            # stride larger than the input
    ((1, 2, 4, 4), (3, 2, 3, 3), True, 1, (2, 0)),       # padding on one axis only
    ((2, 64, 5, 5), (8, 64, 3, 3), True, 1, 1),          # many channels
    ((2, 3, 6, 6), (2, 3, 3, 3), True, 4, 3),            # padding as big as the kernel
    ((1, 1, 1, 1), (1, 1, 1, 1), True, 1, 0),            # 1x1 everything
    ((1, 1, 1, 1), (1, 1, 3, 3), True, 1, 1),            # kernel > input, fits with padding
    ((3, 2, 9, 9), (2, 2, 4, 4), False, 3, 2),
]


def _conv_both(torch, x, w, b, stride, padding, dtype):
    rng = np.random.default_rng(1)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    B = None if b is None else Tensor(b, requires_grad=True)
    y = F.conv2d(X, W, B, stride=stride, padding=padding)
    g = rng.standard_normal(y.shape).astype(dtype)
    (y * Tensor(g)).sum().backward()
    tx = torch.tensor(np.array(x), requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    ty.backward(torch.tensor(g))
    pairs = [(y, ty, "out"), (X.grad, tx.grad, "dx"), (W.grad, tw.grad, "dw")]
    if b is not None:
        pairs.append((B.grad, tb.grad, "db"))
    for ours, theirs, what in pairs:
        _close(ours, theirs, dtype, what)
        got = ours.data.dtype if isinstance(ours, Tensor) else ours.dtype
        assert got == dtype, f"{what} is {got}, not {dtype}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, ws, bias, stride, padding", CONV_CASES)
def test_conv2d_matches_pytorch(xs, ws, bias, stride, padding, dtype):
    torch = _torch()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype) if bias else None
    _conv_both(torch, x, w, b, stride, padding, dtype)


@pytest.mark.parametrize("make", [
    lambda r: r.standard_normal((2, 3, 5, 7)).transpose(0, 1, 3, 2),       # transposed
    lambda r: r.standard_normal((2, 6, 10, 10))[:, ::2, 1:8, ::2],         # strided slice
    lambda r: np.asfortranarray(r.standard_normal((2, 3, 7, 5))),           # F order
    lambda r: r.standard_normal((2, 3, 6, 5))[:, ::-1, ::-1, :],           # negative strides
    lambda r: np.broadcast_to(np.arange(5.0), (2, 3, 7, 5)),               # read-only view
], ids=["transpose", "slice", "fortran", "reversed", "broadcast"])
def test_conv2d_on_non_contiguous_inputs(make):
    torch = _torch()
    rng = np.random.default_rng(0)
    x = make(rng)
    assert x.shape[1] == 3
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    _conv_both(torch, x, w, b, (2, 1), 1, np.float64)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False),
                                   (False, False, True), (True, False, True)])
@pytest.mark.parametrize("create_graph", [False, True])
def test_conv2d_gradients_for_each_subset_of_inputs(needs, create_graph):
    torch = _torch()
    rng = np.random.default_rng(0)
    arrays = (rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)),
              rng.standard_normal(3))
    ours = [Tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
    got = grad((F.conv2d(*ours, 1, 1) ** 2).sum(), [t for t in ours if t.requires_grad],
               create_graph=create_graph)
    want = torch.autograd.grad((torch.nn.functional.conv2d(*theirs, 1, 1) ** 2).sum(),
                               [t for t in theirs if t.requires_grad])
    for g, t in zip(got, want):
        _close(g.data if isinstance(g, Tensor) else g, t)


def test_conv2d_of_a_tensor_with_itself_accumulates_both_gradients():
    torch = _torch()
    x = np.random.default_rng(0).standard_normal((1, 1, 3, 3))
    X = Tensor(x, requires_grad=True)
    (F.conv2d(X, X, None, 1, 1) ** 2).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.conv2d(tx, tx, None, 1, 1) ** 2).sum().backward()
    _close(X.grad, tx.grad)


def test_conv2d_accepts_numpy_ints_and_lists_for_geometry():
    x, w = Tensor(np.ones((1, 1, 6, 7))), Tensor(np.ones((1, 1, 2, 2)))
    assert F.conv2d(x, w, stride=np.int64(2)).shape == (1, 1, 3, 3)
    assert F.conv2d(x, w, stride=[2, 1], padding=[0, 1]).shape == (1, 1, 3, 8)
    assert F.conv_output_shape((7, 5), (3, 2), (2, 1), (1, 0)) == \
        F.conv2d(Tensor(np.zeros((1, 1, 7, 5))), Tensor(np.zeros((1, 1, 3, 2))), None,
                 (2, 1), (1, 0)).shape[2:]


def test_conv2d_and_pools_on_an_empty_batch():
    torch = _torch()
    X = Tensor(np.zeros((0, 2, 4, 4)), requires_grad=True)
    W = Tensor(np.ones((3, 2, 2, 2)), requires_grad=True)
    for ours, theirs in ((F.conv2d(X, W), torch.nn.functional.conv2d(
                             torch.zeros(0, 2, 4, 4), torch.ones(3, 2, 2, 2))),
                         (F.max_pool2d(X, 2), torch.nn.functional.max_pool2d(
                             torch.zeros(0, 2, 4, 4), 2)),
                         (F.avg_pool2d(X, 2), torch.nn.functional.avg_pool2d(
                             torch.zeros(0, 2, 4, 4), 2))):
        assert ours.shape == tuple(theirs.shape)
        X.grad = None
        ours.sum().backward()
        assert X.grad.shape == (0, 2, 4, 4)


# --- pooling: values and gradients --------------------------------------------------------

POOL_CASES = [
    # x shape, kernel, stride, padding
    ((2, 3, 7, 5), (3, 2), None, 0),
    ((2, 3, 7, 5), (3, 2), (1, 2), (1, 1)),    # overlapping rows, padding pair
    ((1, 1, 4, 4), 2, 3, 0),                   # stride > kernel: gaps
    ((1, 1, 4, 4), 4, None, 0),                # input exactly the kernel
    ((1, 2, 4, 5), 1, None, 0),                # 1x1 kernel
    ((2, 2, 6, 6), 3, 1, 1),                   # overlapping with padding
    ((2, 2, 6, 6), 3, 2, 1),
    ((2, 2, 7, 7), (4, 2), (1, 3), (2, 1)),
    ((2, 2, 7, 7), 2, 5, 1),
    ((1, 1, 3, 3), 3, 1, 1),
    ((1, 1, 1, 1), 2, 1, 1),                   # kernel > input, fits with padding
    ((1, 1, 17, 17), 16, 1, 0),                # 256 kernel offsets
]


def _pool_both(torch, kind, x, kernel, stride, padding, dtype=np.float64):
    ours_f = F.max_pool2d if kind == "max" else F.avg_pool2d
    theirs_f = getattr(torch.nn.functional, f"{kind}_pool2d")
    X = Tensor(x, requires_grad=True)
    y = ours_f(X, kernel, stride, padding)
    g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    (y * Tensor(g)).sum().backward()
    tx = torch.tensor(np.array(x), requires_grad=True)
    ty = theirs_f(tx, kernel, stride, padding)
    ty.backward(torch.tensor(g))
    _close(y, ty, dtype, "out")
    _close(X.grad, tx.grad, dtype, "dx")
    assert y.data.dtype == dtype and X.grad.dtype == dtype
    return y, X.grad


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, kernel, stride, padding", POOL_CASES)
def test_pooling_matches_pytorch(kind, dtype, xs, kernel, stride, padding):
    torch = _torch()
    x = np.random.default_rng(0).standard_normal(xs).astype(dtype)
    _pool_both(torch, kind, x, kernel, stride, padding, dtype)


def _special(name):
    rng = np.random.default_rng(3)
    if name == "all-ties":
        return np.ones((1, 1, 5, 5))
    if name == "integer-ties":
        return np.round(rng.standard_normal((2, 2, 6, 6)))
    x = rng.standard_normal((1, 2, 5, 5))
    if name == "nan":
        x[0, 0, 1, 1] = x[0, 0, 1, 2] = x[0, 1, 4, 4] = np.nan    # two NaNs in one window
    elif name == "-inf":
        x[0, 0, 0, 0] = -np.inf
        x[0, 0, 2:4, 2:4] = -np.inf                                # a whole window of -inf
    elif name == "+inf":
        x[0, 0, 1, 1] = x[0, 1, 2, 3] = np.inf
    return x


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", ["all-ties", "integer-ties", "nan", "-inf", "+inf"])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 1, 1), (2, 1, 1),
                                                     ((3, 2), (2, 1), (1, 0))])
def test_pooling_of_ties_nan_and_infinities_matches_pytorch(kind, name, kernel, stride,
                                                            padding):
    torch = _torch()
    x = _special(name)
    if kind == "max" and name == "-inf" and padding != 0:
        # a window of nothing but -inf and padding is a known difference (the gradient
        # goes to the padding, PyTorch's to the first real element): keep -inf isolated
        x[0, 0, 0, 0] = 0.0
        x[0, 0, 2:4, 2:4] = 0.0
        x[0, 0, 2, 2] = x[0, 1, 1, 3] = -np.inf
    _pool_both(torch, kind, x, kernel, stride, padding)


def test_max_pool_ties_send_the_whole_gradient_to_the_first_maximum():
    X = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(X, 2).sum().backward()
    want = np.zeros((4, 4))
    want[::2, ::2] = 1.0
    np.testing.assert_array_equal(X.grad[0, 0], want)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
def test_max_pool_of_an_all_minus_inf_window_without_padding():
    torch = _torch()
    x = np.full((1, 1, 4, 4), -np.inf)
    for stride in (1, 2):
        _pool_both(torch, "max", x, 2, stride, 0)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("make", [
    lambda r: r.standard_normal((2, 3, 6, 8)).transpose(0, 1, 3, 2),
    lambda r: r.standard_normal((2, 6, 10, 10))[:, ::2, 1:9, ::3],
    lambda r: r.standard_normal((2, 3, 6, 6))[:, :, ::-1, ::-1],
    lambda r: np.broadcast_to(np.arange(6.0), (2, 3, 6, 6)),
], ids=["transpose", "slice", "reversed", "broadcast"])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 1), 1, 0)])
def test_pooling_on_non_contiguous_inputs(kind, make, kernel, stride, padding):
    torch = _torch()
    _pool_both(torch, kind, make(np.random.default_rng(0)), kernel, stride, padding)


def test_avg_pool_counts_zero_padding_like_pytorch_count_include_pad():
    x = np.ones((1, 1, 2, 2))
    out = F.avg_pool2d(Tensor(x), 2, 1, 1).data[0, 0]
    # corners see one real 1 and three padded zeros; edges two; the kernel is always 4
    np.testing.assert_allclose(out, [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])
    torch = pytest.importorskip("torch")
    theirs = torch.nn.functional.avg_pool2d(torch.ones(1, 1, 2, 2, dtype=torch.float64), 2,
                                            1, 1, count_include_pad=True)
    np.testing.assert_allclose(out, theirs[0, 0].numpy())


def test_max_pool_padding_is_minus_infinity_not_zero():
    x = -np.ones((1, 1, 2, 2))
    out = F.max_pool2d(Tensor(x), 2, 1, 1).data
    np.testing.assert_array_equal(out, -np.ones((1, 1, 3, 3)))


def test_integer_max_pool_without_padding_keeps_its_dtype():
    x = Tensor(np.arange(16).reshape(1, 1, 4, 4), dtype=np.int64)
    out = F.max_pool2d(x, 2)
    assert out.data.dtype == np.int64
    np.testing.assert_array_equal(out.data[0, 0], [[5, 7], [13, 15]])


# --- unfold / fold ------------------------------------------------------------------------

FOLD_CASES = [((2, 3, 7, 5), (3, 2), 1, 0), ((2, 3, 7, 5), (3, 2), (2, 3), (1, 2)),
              ((1, 1, 4, 4), 2, 3, 0), ((1, 2, 4, 4), 4, 1, 0), ((1, 2, 4, 4), 1, 1, 0),
              ((2, 2, 6, 6), 3, 1, 1), ((2, 2, 6, 6), 3, 4, 3), ((1, 1, 7, 7), 2, 3, 0)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, kernel, stride, padding", FOLD_CASES)
def test_unfold_and_fold_match_pytorch(xs, kernel, stride, padding, dtype):
    torch = _torch()
    tf = torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)[..., ::-1]      # non-contiguous too
    X = Tensor(x, requires_grad=True)
    cols = F.unfold(X, kernel, stride=stride, padding=padding)
    g = rng.standard_normal(cols.shape).astype(dtype)
    (cols * Tensor(g)).sum().backward()
    tx = torch.tensor(np.array(x), requires_grad=True)
    tcols = tf.unfold(tx, kernel, stride=stride, padding=padding)
    tcols.backward(torch.tensor(g))
    _close(cols, tcols, dtype)
    _close(X.grad, tx.grad, dtype)
    assert cols.data.dtype == dtype and X.grad.dtype == dtype

    C = Tensor(g, requires_grad=True)
    img = F.fold(C, xs[2:], kernel, stride=stride, padding=padding)
    gi = rng.standard_normal(img.shape).astype(dtype)
    (img * Tensor(gi)).sum().backward()
    tc = torch.tensor(g, requires_grad=True)
    timg = tf.fold(tc, xs[2:], kernel, stride=stride, padding=padding)
    timg.backward(torch.tensor(gi))
    _close(img, timg, dtype)
    _close(C.grad, tc.grad, dtype)
    assert img.data.dtype == dtype and C.grad.dtype == dtype


# --- layers -------------------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_bn_pool_stack_loads_pytorch_state_and_matches_it(bias, dtype):
    torch = _torch()
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    tnn = torch.nn
    theirs = tnn.Sequential(
        tnn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 2), bias=bias), tnn.BatchNorm2d(5),
        tnn.ReLU(), tnn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
        tnn.AvgPool2d(2, 1, 1)).to(tdtype)
    ours = nn.Sequential(
        nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=(1, 2), bias=bias, dtype=dtype),
        nn.BatchNorm2d(5, dtype=dtype), nn.ReLU(),
        nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1)), nn.AvgPool2d(2, 1, 1))
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    for _ in range(2):
        x = rng.standard_normal((2, 3, 7, 6)).astype(dtype)
        X = Tensor(x, requires_grad=True)
        y = ours(X)
        (y ** 2).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        ty = theirs(tx)
        (ty ** 2).sum().backward()
        _close(y, ty, dtype)
        _close(X.grad, tx.grad, dtype)
        assert y.data.dtype == dtype and X.grad.dtype == dtype
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, params[name].grad, dtype, name)    # accumulated over two steps
        assert p.grad.dtype == dtype
    for name, value in theirs.state_dict().items():
        _close(ours.state_dict()[name], value.numpy(), dtype, name)


def test_conv2d_layer_keys_repr_and_init():
    layer = nn.Conv2d(16, 8, (3, 5), seed=0)
    bound = 1 / np.sqrt(16 * 15)
    assert layer.weight.shape == (8, 16, 3, 5) and layer.bias.shape == (8,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert sorted(nn.Conv2d(3, 4, 3, bias=False).state_dict()) == ["weight"]
    assert "bias=False" in repr(nn.Conv2d(3, 4, 3, bias=False))
    assert nn.MaxPool2d(3).stride == (3, 3) and nn.AvgPool2d(3, 1).stride == (1, 1)


def test_float32_conv_layer_casts_numpy_input_to_its_dtype():
    layer = nn.Conv2d(3, 4, 3, dtype=np.float32, seed=0)
    out = layer(np.random.default_rng(0).standard_normal((1, 3, 5, 5)))
    assert out.data.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum", [0.1, 0.0, 1.0, 0.3])
def test_batchnorm2d_train_then_eval_matches_pytorch(momentum, dtype):
    torch = _torch()
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    rng = np.random.default_rng(0)
    theirs = torch.nn.BatchNorm2d(3, eps=1e-3, momentum=momentum).to(tdtype)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.standard_normal(3)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    ours = nn.BatchNorm2d(3, eps=1e-3, momentum=momentum, dtype=dtype)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    # batch 1 with many pixels, a 1x1 map with batch 2: both legal in training
    for shape in [(4, 3, 5, 2), (1, 3, 3, 3), (2, 3, 1, 1), (3, 3, 4, 4)]:
        x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
        X = Tensor(x, requires_grad=True)
        y = ours(X)
        g = rng.standard_normal(y.shape).astype(dtype)
        (y * Tensor(g)).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        ty = theirs(tx)
        ty.backward(torch.tensor(g))
        _close(y, ty, dtype)
        _close(X.grad, tx.grad, dtype)
        _close(ours.weight.grad, theirs.weight.grad, dtype)
        _close(ours.bias.grad, theirs.bias.grad, dtype)
        assert y.data.dtype == X.grad.dtype == ours.weight.grad.dtype == dtype
        ours.weight.grad = ours.bias.grad = None
        theirs.zero_grad()
    state = ours.state_dict()
    for name, value in theirs.state_dict().items():
        _close(state[name], value.numpy(), dtype, name)
        assert state[name].dtype == value.numpy().dtype, name
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 3, 3)).astype(dtype)
    X = Tensor(x, requires_grad=True)
    y = ours(X)
    (y ** 2).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (theirs(tx) ** 2).sum().backward()
    _close(y, theirs(tx), dtype)
    _close(X.grad, tx.grad, dtype)
    assert ours(Tensor(x[:1, :, :1, :1])).shape == (1, 3, 1, 1)    # eval: any batch size
    np.testing.assert_array_equal(ours.state_dict()["running_mean"], state["running_mean"])


def test_batchnorm2d_loads_a_trained_pytorch_state_and_affine_false_keys():
    torch = _torch()
    theirs = torch.nn.BatchNorm2d(2).double()
    for _ in range(3):
        theirs(torch.randn(4, 2, 3, 3, dtype=torch.float64))
    ours = nn.BatchNorm2d(2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert int(ours.num_batches_tracked) == 3
    np.testing.assert_array_equal(ours.running_var, theirs.running_var.numpy())
    assert sorted(nn.BatchNorm2d(2, affine=False).state_dict()) == \
        sorted(torch.nn.BatchNorm2d(2, affine=False).state_dict())


# --- second order and forward mode --------------------------------------------------------

def _x(shape=(2, 2, 5, 4), seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_gradgradcheck_through_conv2d_with_pairs():
    rng = np.random.default_rng(1)
    w = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    f = lambda x, w, b: (F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)) ** 2).sum()  # noqa
    assert gradcheck(f, [_x(), w, b]).ok
    assert gradgradcheck(f, [_x(), w, b]).ok


@pytest.mark.parametrize("fn", [
    lambda x: (F.avg_pool2d(x, (3, 2), (1, 2), 1) ** 3).sum(),
    lambda x: (F.max_pool2d(x, 3, 1, 1) ** 3).sum(),
    lambda x: (F.unfold(x, 2, 1, 1) ** 3).sum(),
], ids=["avg_pool2d", "max_pool2d", "unfold"])
def test_gradgradcheck_through_pooling_and_unfold(fn):
    assert gradcheck(fn, [_x()]).ok
    assert gradgradcheck(fn, [_x()]).ok


def test_gradgradcheck_through_fold():
    cols = _x((2, 8, 30))
    assert gradgradcheck(lambda c: (F.fold(c, (5, 4), 2, 1, 1) ** 3).sum(), [cols]).ok


@pytest.mark.parametrize("pool", ["max-pad", "avg-pad", "max-overlap"])
def test_double_backward_through_conv_and_pool_matches_pytorch(pool):
    torch = _torch()
    tf = torch.nn.functional
    kind, args = {"max-pad": ("max", (3, 2, 1)), "avg-pad": ("avg", (3, 2, 1)),
                  "max-overlap": ("max", (2, 1))}[pool]
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3)), \
        rng.standard_normal(3)

    X, W, B = (Tensor(a, requires_grad=True) for a in arrays)
    y = getattr(F, f"{kind}_pool2d")(F.conv2d(X, W, B, 1, 1).tanh(), *args)
    gx, gw = grad((y ** 2).sum(), [X, W], create_graph=True)
    ((gx ** 2).sum() + (gw ** 2).sum()).backward()

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in arrays)
    ty = getattr(tf, f"{kind}_pool2d")(tf.conv2d(tx, tw, tb, 1, 1).tanh(), *args)
    tgx, tgw = torch.autograd.grad((ty ** 2).sum(), [tx, tw], create_graph=True)
    ((tgx ** 2).sum() + (tgw ** 2).sum()).backward()
    for ours, theirs in ((X.grad, tx.grad), (W.grad, tw.grad), (B.grad, tb.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-9)


def test_hessian_through_overlapping_max_pool_matches_pytorch():
    torch = _torch()
    from scratchgrad.autograd import hessian
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4))
    ours = hessian(lambda a: (F.max_pool2d(a, 2, 1) ** 2).sum(), Tensor(x))
    theirs = torch.autograd.functional.hessian(
        lambda a: (torch.nn.functional.max_pool2d(a, 2, 1) ** 2).sum(), torch.tensor(x))
    np.testing.assert_allclose(np.asarray(getattr(ours, "data", ours)).reshape(16, 16),
                               theirs.numpy().reshape(16, 16), atol=1e-12)


@pytest.mark.parametrize("name", ["conv", "max", "avg"])
def test_forward_mode_matches_torch_func_jvp(name):
    torch = _torch()
    tf = torch.nn.functional
    fns = {"conv": (lambda x, w, b: F.conv2d(x, w, b, (2, 1), (1, 0)),
                    lambda x, w, b: tf.conv2d(x, w, b, (2, 1), (1, 0))),
           "max": (lambda x, w, b: F.max_pool2d(x, 3, 2, 1),
                   lambda x, w, b: tf.max_pool2d(x, 3, 2, 1)),
           "avg": (lambda x, w, b: F.avg_pool2d(x, (3, 2), 1, 1),
                   lambda x, w, b: tf.avg_pool2d(x, (3, 2), 1, 1))}
    ours_f, theirs_f = fns[name]
    rng = np.random.default_rng(0)
    primals = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), \
        rng.standard_normal(3)
    tangents = tuple(rng.standard_normal(p.shape) for p in primals)
    out, tan = jvp(ours_f, [Tensor(p) for p in primals], tangents)
    tout, ttan = torch.func.jvp(theirs_f, tuple(torch.tensor(p) for p in primals),
                                tuple(torch.tensor(t) for t in tangents))
    _close(out, tout)
    _close(tan, ttan)


# --- errors: clear exceptions that name what was wrong ------------------------------------

_RNG = np.random.default_rng(0)
_X4, _W = _RNG.standard_normal((2, 3, 5, 5)), _RNG.standard_normal((4, 3, 3, 3))
T = Tensor

ERRORS = [
    ("conv wrong channels", lambda: F.conv2d(T(np.ones((2, 2, 5, 5))), T(_W)),
     ValueError, r"expected 3 input channels, got 2"),
    ("conv 3-D input", lambda: F.conv2d(T(_X4[0]), T(_W)),
     ValueError, r"4-D input \(N, C, H, W\), got shape \(3, 5, 5\).*unsqueeze\(0\)"),
    ("conv 5-D input", lambda: F.conv2d(T(_X4[None]), T(_W)), ValueError, r"4-D input"),
    ("conv 3-D weight", lambda: F.conv2d(T(_X4), T(_W[0])), ValueError, r"weight must be 4-D"),
    ("conv kernel > input", lambda: F.conv2d(T(_X4), T(np.ones((4, 3, 6, 6)))),
     ValueError, r"5x5.*smaller than the 6x6 kernel"),
    ("conv kernel > input on one axis", lambda: F.conv2d(T(_X4), T(np.ones((4, 3, 1, 6)))),
     ValueError, r"smaller than the 1x6 kernel"),
    ("conv stride 0", lambda: F.conv2d(T(_X4), T(_W), stride=0), ValueError, r"stride=\(0, 0\)"),
    ("conv stride -1", lambda: F.conv2d(T(_X4), T(_W), stride=-1), ValueError, r"stride"),
    ("conv stride (1, 0)", lambda: F.conv2d(T(_X4), T(_W), stride=(1, 0)),
     ValueError, r"stride=\(1, 0\)"),
    ("conv padding -1", lambda: F.conv2d(T(_X4), T(_W), padding=-1),
     ValueError, r"padding=\(-1, -1\)"),
    ("conv stride triple", lambda: F.conv2d(T(_X4), T(_W), stride=(1, 1, 1)),
     TypeError, r"stride must be an int or a pair of ints"),
    ("conv padding 'same'", lambda: F.conv2d(T(_X4), T(_W), padding="same"),
     TypeError, r"padding must be an int or a pair of ints, got 'same'"),
    ("conv bias wrong length", lambda: F.conv2d(T(_X4), T(_W), T(np.zeros(3))),
     ValueError, r"bias must have shape \(4,\), got \(3,\)"),
    ("conv bias 2-D", lambda: F.conv2d(T(_X4), T(_W), T(np.zeros((4, 1)))),
     ValueError, r"bias must have shape \(4,\)"),
    ("conv int Tensor input", lambda: F.conv2d(T(np.ones((1, 3, 5, 5), np.int64),
                                                 dtype=np.int64), T(_W)),
     TypeError, r"input is int64 but weight is float64"),
    ("conv f32 input f64 weight", lambda: F.conv2d(T(_X4.astype(np.float32)), T(_W)),
     TypeError, r"input is float32 but weight is float64"),
    ("conv f64 input f32 weight", lambda: F.conv2d(T(_X4), _W.astype(np.float32)),
     TypeError, r"input is float64 but weight is float32"),
    ("conv groups", lambda: F.conv2d(T(_X4), T(_W), groups=1), TypeError, r"groups"),
    ("max_pool 3-D", lambda: F.max_pool2d(T(_X4[0]), 2), ValueError, r"max_pool2d.*4-D"),
    ("max_pool padding > half", lambda: F.max_pool2d(T(_X4), 2, 1, 2),
     ValueError, r"padding \(2, 2\) must be at most half the kernel \(2, 2\)"),
    ("max_pool padding > half of 3", lambda: F.max_pool2d(T(_X4), 3, 1, 2),
     ValueError, r"at most half"),
    ("max_pool kernel > input", lambda: F.max_pool2d(T(_X4), 6),
     ValueError, r"smaller than the 6x6 kernel"),
    ("max_pool kernel 0", lambda: F.max_pool2d(T(_X4), 0), ValueError, r"kernel_size=\(0, 0\)"),
    ("max_pool stride 0", lambda: F.max_pool2d(T(_X4), 2, 0), ValueError, r"stride=\(0, 0\)"),
    ("max_pool kernel (2,)", lambda: F.max_pool2d(T(_X4), (2,)),
     TypeError, r"kernel_size must be an int or a pair"),
    ("MaxPool2d padding > half at call", lambda: nn.MaxPool2d(2, padding=2)(T(_X4)),
     ValueError, r"at most half"),
    ("avg_pool 3-D", lambda: F.avg_pool2d(T(_X4[0]), 2), ValueError, r"avg_pool2d.*4-D"),
    ("avg_pool count_include_pad", lambda: F.avg_pool2d(T(_X4), 2, count_include_pad=False),
     TypeError, r"count_include_pad"),
    ("unfold negative padding", lambda: F.unfold(T(_X4), 2, padding=-1), ValueError, r"padding"),
    ("fold wrong L", lambda: F.fold(T(np.zeros((1, 4, 15))), (5, 5), 2),
     ValueError, r"\(1, 4, 15\) do not fit output_size \(5, 5\).*expected \(N, C\*4, 16\)"),
    ("fold 2-D columns", lambda: F.fold(T(np.zeros((4, 16))), (5, 5), 2),
     ValueError, r"columns of shape \(4, 16\)"),
    ("Conv2d wrong channels", lambda: nn.Conv2d(3, 4, 3)(T(np.ones((2, 2, 5, 5)))),
     ValueError, r"Conv2d expected 3 input channels, got 2"),
    ("Conv2d 3-D input", lambda: nn.Conv2d(3, 4, 3)(T(_X4[0])), ValueError, r"unsqueeze"),
    ("Conv2d zero channels", lambda: nn.Conv2d(0, 4, 3), ValueError, r"positive channel"),
    ("Conv2d stride 0 at call", lambda: nn.Conv2d(3, 4, 3, stride=0)(T(_X4)),
     ValueError, r"stride"),
    ("Conv2d f32 model f64 Tensor", lambda: nn.Conv2d(3, 4, 3, dtype=np.float32)(T(_X4)),
     TypeError, r"input is float64 but weight is float32"),
    ("BatchNorm2d wrong channels", lambda: nn.BatchNorm2d(4)(T(_X4)),
     ValueError, r"BatchNorm2d\(4\) expects input of shape \(N, 4, H, W\), got \(2, 3, 5, 5\)"),
    ("BatchNorm2d 3-D", lambda: nn.BatchNorm2d(3)(T(_X4[0])), ValueError, r"BatchNorm2d\(3\)"),
    ("BatchNorm2d one value per channel", lambda: nn.BatchNorm2d(3)(T(np.ones((1, 3, 1, 1)))),
     ValueError, r"more than one value per channel.*eval\(\)"),
    ("BatchNorm2d momentum < 0", lambda: nn.BatchNorm2d(3, momentum=-0.1),
     ValueError, r"BatchNorm2d momentum must be a number in \[0, 1\]"),
]


@pytest.mark.parametrize("call, error, message", [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_batchnorm2d_in_training_accepts_one_sample_with_many_pixels():
    bn = nn.BatchNorm2d(3)
    out = bn(Tensor(np.random.default_rng(0).standard_normal((1, 3, 2, 2))))
    np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)


# --- regressions for bugs this file's first version found ---------------------------------

@pytest.mark.parametrize("side, kernel", [(17, 17), (28, 28), (20, (16, 17))])
def test_max_pool_with_more_than_256_kernel_positions(side, kernel):
    """The winning offset no longer fits a byte: global pooling over 17x17 and up."""
    torch = _torch()
    data = np.random.default_rng(0).standard_normal((2, 3, side, side))
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, theirs = F.max_pool2d(x, kernel), torch.nn.functional.max_pool2d(tx, kernel)
    _close(out, theirs)
    out.sum().backward()
    theirs.sum().backward()
    _close(x.grad, tx.grad)


@pytest.mark.parametrize("data, kernel, stride, padding", [
    (np.full((1, 1, 2, 2), -np.inf), 2, 2, 1),
    (np.full((1, 1, 2, 2), -np.inf), 2, 1, 1),
    (np.full((1, 1, 4, 4), -np.inf), 2, 2, 1),
    (np.where(np.arange(25).reshape(1, 1, 5, 5) % 3, -np.inf, 1.0), 3, 1, 1)])
def test_max_pool_window_of_minus_inf_beside_padding_follows_pytorch(data, kernel, stride,
                                                                       padding):
    """No strict maximum in the window: the gradient goes to its first real element."""
    torch = _torch()
    x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.max_pool2d(x, kernel, stride, padding).sum().backward()
    torch.nn.functional.max_pool2d(tx, kernel, stride, padding).sum().backward()
    _close(x.grad, tx.grad)


def test_max_pool_of_integers_with_padding():
    torch = _torch()
    data = np.arange(-8, 8).reshape(1, 1, 4, 4)
    ours = F.max_pool2d(Tensor(data, dtype=np.int64), 2, 1, 1)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(data, dtype=torch.float64), 2, 1, 1)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_batchnorm2d_momentum_none_is_a_cumulative_average_as_pytorch():
    torch = _torch()
    rng = np.random.default_rng(1)
    ours, theirs = nn.BatchNorm2d(3, momentum=None), torch.nn.BatchNorm2d(3, momentum=None)
    theirs = theirs.double()
    for batch in range(4):
        data = rng.standard_normal((2 + batch, 3, 3, 4)) * (batch + 1) + batch
        ours(Tensor(data))
        theirs(torch.tensor(data))
    _close(ours.running_mean, theirs.running_mean)
    _close(ours.running_var, theirs.running_var)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(T1, W1, stride=None), TypeError, "stride must be an int or a pair"),
    (lambda: F.conv2d(T1, W1, stride=1.0), TypeError, "stride must be an int or a pair"),
    (lambda: nn.MaxPool2d(2.0), TypeError, "kernel_size must be an int or a pair"),
    (lambda: nn.Conv2d(1, 1, 2, stride=None), TypeError, "stride must be an int or a pair"),
    (lambda: nn.Conv2d(3, 4, (3, 0)), ValueError, "Conv2d: kernel_size and stride must be"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 3, 3), np.float32)),
                      Tensor(np.ones((2, 1, 2, 2), np.float32)), Tensor(np.zeros(2))),
     TypeError, "input is float32 but bias is float64"),
    (lambda: F.conv2d(T1, Tensor(np.ones((0, 1, 2, 2)))), ValueError, "no empty axis"),
    (lambda: nn.BatchNorm2d(3)(Tensor(np.ones((2, 3, 2, 2), np.float32))), TypeError,
     r"BatchNorm2d holds float64 statistics but the input is float32; build it with "
     r"dtype=np.float32"),
    (lambda: nn.BatchNorm2d(3, momentum=2), ValueError, "BatchNorm2d momentum"),
    (lambda: nn.BatchNorm2d(3)(Tensor(np.ones((1, 3, 1, 1)))), ValueError,
     r"BatchNorm2d in training mode .* shape \(1, 3, 1, 1\)"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 16))), (5, 5), 2, stride=0), ValueError,
     "fold: kernel_size and stride must be >= 1"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 16))), (5, 5), 0), ValueError,
     "fold: kernel_size and stride must be >= 1"),
    (lambda: F.fold(Tensor(np.zeros((1, 4, 1))), (0, 0), 2, padding=1), ValueError,
     "fold: a 0x0 input"),
    (lambda: F.conv_output_shape((2, 2), 5), ValueError, "has no 5x5 window"),
    (lambda: F.conv_output_shape((4, 4), 2, 0), ValueError, "stride must be >= 1"),
    (lambda: F.avg_pool2d(Tensor(np.ones((1, 1, 2, 2))), 2, 1, 2), ValueError,
     "at most half the kernel"),
])
def test_bad_geometry_and_dtypes_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


T1 = Tensor(np.ones((1, 1, 6, 6)))
W1 = Tensor(np.ones((1, 1, 2, 2)))
