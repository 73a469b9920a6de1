"""conv2d, unfold and fold as autograd ops: central differences over generated geometry, and
PyTorch as the oracle for outputs and every gradient over odd geometries (non-square
kernels, stride > kernel, stride and padding pairs, 1x1 kernels, input exactly the kernel,
many channels, no bias), float32, non-contiguous inputs and each subset of inputs."""

import numpy as np
import pytest
from helpers import close, conv_geometry, conv_tensors
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, grad
from scratchgrad.autograd.testing import assert_gradients_match, assert_jvp_matches

torch = oracle("torch")


@settings(max_examples=25, deadline=None)
@given(g=conv_geometry(), seed=st.integers(0, 1000), bias=st.booleans())
def test_conv2d_matches_central_differences(g, seed, bias):
    x, w, b = conv_tensors(g, seed, bias)
    shape = F.conv2d(x, w, b, g["stride"], g["padding"]).shape
    u = Tensor(np.random.default_rng(seed + 1).standard_normal(shape))

    def f(*t):
        return (
            F.conv2d(
                t[0],
                t[1],
                t[2] if bias else None,
                g["stride"],
                g["padding"],
            )
            * u
        ).sum()

    inputs = [x, w, b] if bias else [x, w]
    assert_gradients_match(f, inputs)
    assert_jvp_matches(
        lambda *t: F.conv2d(t[0], t[1], t[2] if bias else None, g["stride"], g["padding"]), inputs
    )


@pytest.mark.oracle
def test_against_pytorch_outputs_and_gradients():
    g = dict(n=3, c=2, o=4, h=9, w=7, kernel=(3, 2), stride=(2, 1), padding=(1, 2))
    x, w, b = conv_tensors(g, 3)
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    ours = F.max_pool2d(F.conv2d(x, w, b, (2, 1), (1, 2)).relu(), (2, 3), (1, 2), (1, 1))
    theirs = torch.nn.functional.max_pool2d(
        torch.relu(torch.nn.functional.conv2d(tx, tw, tb, (2, 1), (1, 2))), (2, 3), (1, 2), (1, 1)
    )
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    u = np.random.default_rng(0).standard_normal(ours.shape)
    (ours * Tensor(u)).sum().backward()
    (theirs * torch.tensor(u)).sum().backward()
    for a, t in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), atol=1e-10)
    avg = F.avg_pool2d(x, 3, 2, 1)
    np.testing.assert_allclose(
        avg.data, torch.nn.functional.avg_pool2d(tx, 3, 2, 1).detach().numpy(), atol=1e-12
    )
    cols = F.unfold(x, (3, 2), stride=(2, 1), padding=(1, 0))
    np.testing.assert_allclose(
        cols.data,
        torch.nn.functional.unfold(tx, (3, 2), stride=(2, 1), padding=(1, 0)).detach().numpy(),
    )
    back = F.fold(cols, (9, 7), (3, 2), stride=(2, 1), padding=(1, 0))
    np.testing.assert_allclose(
        back.data,
        torch.nn.functional.fold(
            torch.tensor(cols.data), (9, 7), (3, 2), stride=(2, 1), padding=(1, 0)
        ).numpy(),
    )

    for args in ((3, 2), (2, 1, 0, 2), ((3, 2), (1, 2), 1, (2, 1))):  # positional, PyTorch's order
        ours_cols = F.unfold(x, *args)  # kernel_size, dilation, padding, stride
        theirs_cols = torch.nn.functional.unfold(tx, *args)
        np.testing.assert_allclose(ours_cols.data, theirs_cols.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(
            F.fold(ours_cols, (9, 7), *args).data,
            torch.nn.functional.fold(theirs_cols, (9, 7), *args).detach().numpy(),
            atol=1e-12,
        )


# --- conv2d: values and all gradients, against PyTorch ------------------------------------

CONV_CASES = [
    # x shape, weight shape, bias, stride, padding
    ((2, 3, 7, 5), (4, 3, 3, 2), True, 1, 0),  # non-square kernel
    ((1, 1, 5, 5), (1, 1, 5, 5), True, 1, 0),  # input exactly the kernel
    ((2, 3, 8, 9), (2, 3, 2, 3), True, (3, 4), 0),  # stride pair > kernel
    ((2, 3, 8, 9), (2, 3, 1, 1), False, 1, 0),  # 1x1 kernel, no bias
    ((2, 3, 8, 9), (2, 3, 3, 3), True, (2, 1), (1, 2)),  # stride and padding pairs
    ((1, 2, 4, 4), (3, 2, 2, 2), True, 5, 0),  # stride larger than the input
    ((1, 2, 4, 4), (3, 2, 3, 3), True, 1, (2, 0)),  # padding on one axis only
    ((2, 64, 5, 5), (8, 64, 3, 3), True, 1, 1),  # many channels
    ((2, 3, 6, 6), (2, 3, 3, 3), True, 4, 3),  # padding as big as the kernel
    ((1, 1, 1, 1), (1, 1, 1, 1), True, 1, 0),  # 1x1 everything
    ((1, 1, 1, 1), (1, 1, 3, 3), True, 1, 1),  # kernel > input, fits with padding
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
        close(ours, theirs, dtype, what)
        got = ours.data.dtype if isinstance(ours, Tensor) else ours.dtype
        assert got == dtype, f"{what} is {got}, not {dtype}"


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, ws, bias, stride, padding", CONV_CASES)
def test_conv2d_matches_pytorch(xs, ws, bias, stride, padding, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype) if bias else None
    _conv_both(torch, x, w, b, stride, padding, dtype)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "make",
    [
        lambda r: r.standard_normal((2, 3, 5, 7)).transpose(0, 1, 3, 2),  # transposed
        lambda r: r.standard_normal((2, 6, 10, 10))[:, ::2, 1:8, ::2],  # strided slice
        lambda r: np.asfortranarray(r.standard_normal((2, 3, 7, 5))),  # F order
        lambda r: r.standard_normal((2, 3, 6, 5))[:, ::-1, ::-1, :],  # negative strides
        lambda r: np.broadcast_to(np.arange(5.0), (2, 3, 7, 5)),  # read-only view
    ],
    ids=["transpose", "slice", "fortran", "reversed", "broadcast"],
)
def test_conv2d_on_non_contiguous_inputs(make):
    rng = np.random.default_rng(0)
    x = make(rng)
    assert x.shape[1] == 3
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    _conv_both(torch, x, w, b, (2, 1), 1, np.float64)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "needs", [(True, False, False), (False, True, False), (False, False, True), (True, False, True)]
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_conv2d_gradients_for_each_subset_of_inputs(needs, create_graph):
    rng = np.random.default_rng(0)
    arrays = (
        rng.standard_normal((2, 2, 6, 5)),
        rng.standard_normal((3, 2, 3, 2)),
        rng.standard_normal(3),
    )
    ours = [Tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
    got = grad(
        (F.conv2d(*ours, 1, 1) ** 2).sum(),
        [t for t in ours if t.requires_grad],
        create_graph=create_graph,
    )
    want = torch.autograd.grad(
        (torch.nn.functional.conv2d(*theirs, 1, 1) ** 2).sum(),
        [t for t in theirs if t.requires_grad],
    )
    for g, t in zip(got, want):
        close(g.data if isinstance(g, Tensor) else g, t)


@pytest.mark.oracle
def test_conv2d_of_a_tensor_with_itself_accumulates_both_gradients():
    x = np.random.default_rng(0).standard_normal((1, 1, 3, 3))
    X = Tensor(x, requires_grad=True)
    (F.conv2d(X, X, None, 1, 1) ** 2).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.conv2d(tx, tx, None, 1, 1) ** 2).sum().backward()
    close(X.grad, tx.grad)


def test_conv2d_accepts_numpy_ints_and_lists_for_geometry():
    x, w = Tensor(np.ones((1, 1, 6, 7))), Tensor(np.ones((1, 1, 2, 2)))
    assert F.conv2d(x, w, stride=np.int64(2)).shape == (1, 1, 3, 3)
    assert F.conv2d(x, w, stride=[2, 1], padding=[0, 1]).shape == (1, 1, 3, 8)
    assert (
        F.conv_output_shape((7, 5), (3, 2), (2, 1), (1, 0))
        == F.conv2d(
            Tensor(np.zeros((1, 1, 7, 5))), Tensor(np.zeros((1, 1, 3, 2))), None, (2, 1), (1, 0)
        ).shape[2:]
    )


@pytest.mark.oracle
def test_conv2d_and_pools_on_an_empty_batch():
    X = Tensor(np.zeros((0, 2, 4, 4)), requires_grad=True)
    W = Tensor(np.ones((3, 2, 2, 2)), requires_grad=True)
    for ours, theirs in (
        (
            F.conv2d(X, W),
            torch.nn.functional.conv2d(torch.zeros(0, 2, 4, 4), torch.ones(3, 2, 2, 2)),
        ),
        (F.max_pool2d(X, 2), torch.nn.functional.max_pool2d(torch.zeros(0, 2, 4, 4), 2)),
        (F.avg_pool2d(X, 2), torch.nn.functional.avg_pool2d(torch.zeros(0, 2, 4, 4), 2)),
    ):
        assert ours.shape == tuple(theirs.shape)
        X.grad = None
        ours.sum().backward()
        assert X.grad.shape == (0, 2, 4, 4)


# --- unfold / fold ------------------------------------------------------------------------

FOLD_CASES = [
    ((2, 3, 7, 5), (3, 2), 1, 0),
    ((2, 3, 7, 5), (3, 2), (2, 3), (1, 2)),
    ((1, 1, 4, 4), 2, 3, 0),
    ((1, 2, 4, 4), 4, 1, 0),
    ((1, 2, 4, 4), 1, 1, 0),
    ((2, 2, 6, 6), 3, 1, 1),
    ((2, 2, 6, 6), 3, 4, 3),
    ((1, 1, 7, 7), 2, 3, 0),
]


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, kernel, stride, padding", FOLD_CASES)
def test_unfold_and_fold_match_pytorch(xs, kernel, stride, padding, dtype):
    tf = torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)[..., ::-1]  # non-contiguous too
    X = Tensor(x, requires_grad=True)
    cols = F.unfold(X, kernel, stride=stride, padding=padding)
    g = rng.standard_normal(cols.shape).astype(dtype)
    (cols * Tensor(g)).sum().backward()
    tx = torch.tensor(np.array(x), requires_grad=True)
    tcols = tf.unfold(tx, kernel, stride=stride, padding=padding)
    tcols.backward(torch.tensor(g))
    close(cols, tcols, dtype)
    close(X.grad, tx.grad, dtype)
    assert cols.data.dtype == dtype and X.grad.dtype == dtype

    C = Tensor(g, requires_grad=True)
    img = F.fold(C, xs[2:], kernel, stride=stride, padding=padding)
    gi = rng.standard_normal(img.shape).astype(dtype)
    (img * Tensor(gi)).sum().backward()
    tc = torch.tensor(g, requires_grad=True)
    timg = tf.fold(tc, xs[2:], kernel, stride=stride, padding=padding)
    timg.backward(torch.tensor(gi))
    close(img, timg, dtype)
    close(C.grad, tc.grad, dtype)
    assert img.data.dtype == dtype and C.grad.dtype == dtype
