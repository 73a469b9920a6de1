"""Second order and forward mode through conv2d, pooling, unfold and fold: gradgradcheck,
double backward and Hessians against PyTorch, and jvp against torch.func."""

import numpy as np
import pytest
from helpers import close, conv_tensors
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, grad, gradcheck, gradgradcheck, jvp

torch = oracle("torch")


def test_second_order_through_conv2d_and_avg_pool2d():
    g = dict(n=2, c=2, o=3, h=5, w=4, kernel=(3, 2), stride=(2, 1), padding=(1, 1))
    x, w, b = conv_tensors(g, 0)
    f = lambda x, w, b: (F.conv2d(x, w, b, (2, 1), (1, 1)).tanh() ** 2).sum()  # noqa: E731
    assert gradgradcheck(f, [x, w, b])
    assert gradgradcheck(lambda x: (F.avg_pool2d(x.tanh(), 2, 1) ** 2).sum(), [x])


def _x(shape=(2, 2, 5, 4), seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_gradgradcheck_through_conv2d_with_pairs():
    rng = np.random.default_rng(1)
    w = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    f = lambda x, w, b: (F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)) ** 2).sum()  # noqa
    assert gradcheck(f, [_x(), w, b]).ok
    assert gradgradcheck(f, [_x(), w, b]).ok


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: (F.avg_pool2d(x, (3, 2), (1, 2), 1) ** 3).sum(),
        lambda x: (F.max_pool2d(x, 3, 1, 1) ** 3).sum(),
        lambda x: (F.unfold(x, 2, 1, 1) ** 3).sum(),
    ],
    ids=["avg_pool2d", "max_pool2d", "unfold"],
)
def test_gradgradcheck_through_pooling_and_unfold(fn):
    assert gradcheck(fn, [_x()]).ok
    assert gradgradcheck(fn, [_x()]).ok


def test_gradgradcheck_through_fold():
    cols = _x((2, 8, 30))
    assert gradgradcheck(lambda c: (F.fold(c, (5, 4), 2, 1, 1) ** 3).sum(), [cols]).ok


@pytest.mark.oracle
@pytest.mark.parametrize("pool", ["max-pad", "avg-pad", "max-overlap"])
def test_double_backward_through_conv_and_pool_matches_pytorch(pool):
    tf = torch.nn.functional
    kind, args = {
        "max-pad": ("max", (3, 2, 1)),
        "avg-pad": ("avg", (3, 2, 1)),
        "max-overlap": ("max", (2, 1)),
    }[pool]
    rng = np.random.default_rng(0)
    arrays = (
        rng.standard_normal((2, 2, 6, 6)),
        rng.standard_normal((3, 2, 3, 3)),
        rng.standard_normal(3),
    )

    X, W, B = (Tensor(a, requires_grad=True) for a in arrays)
    y = getattr(F, f"{kind}_pool2d")(F.conv2d(X, W, B, 1, 1).tanh(), *args)
    gx, gw = grad((y**2).sum(), [X, W], create_graph=True)
    ((gx**2).sum() + (gw**2).sum()).backward()

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in arrays)
    ty = getattr(tf, f"{kind}_pool2d")(tf.conv2d(tx, tw, tb, 1, 1).tanh(), *args)
    tgx, tgw = torch.autograd.grad((ty**2).sum(), [tx, tw], create_graph=True)
    ((tgx**2).sum() + (tgw**2).sum()).backward()
    for ours, theirs in ((X.grad, tx.grad), (W.grad, tw.grad), (B.grad, tb.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.oracle
def test_hessian_through_overlapping_max_pool_matches_pytorch():
    from scratchgrad.autograd import hessian

    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4))
    ours = hessian(lambda a: (F.max_pool2d(a, 2, 1) ** 2).sum(), Tensor(x))
    theirs = torch.autograd.functional.hessian(
        lambda a: (torch.nn.functional.max_pool2d(a, 2, 1) ** 2).sum(), torch.tensor(x)
    )
    np.testing.assert_allclose(
        np.asarray(getattr(ours, "data", ours)).reshape(16, 16),
        theirs.numpy().reshape(16, 16),
        atol=1e-12,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["conv", "max", "avg"])
def test_forward_mode_matches_torch_func_jvp(name):
    tf = torch.nn.functional
    fns = {
        "conv": (
            lambda x, w, b: F.conv2d(x, w, b, (2, 1), (1, 0)),
            lambda x, w, b: tf.conv2d(x, w, b, (2, 1), (1, 0)),
        ),
        "max": (
            lambda x, w, b: F.max_pool2d(x, 3, 2, 1),
            lambda x, w, b: tf.max_pool2d(x, 3, 2, 1),
        ),
        "avg": (
            lambda x, w, b: F.avg_pool2d(x, (3, 2), 1, 1),
            lambda x, w, b: tf.avg_pool2d(x, (3, 2), 1, 1),
        ),
    }
    ours_f, theirs_f = fns[name]
    rng = np.random.default_rng(0)
    primals = (
        rng.standard_normal((2, 2, 6, 5)),
        rng.standard_normal((3, 2, 3, 2)),
        rng.standard_normal(3),
    )
    tangents = tuple(rng.standard_normal(p.shape) for p in primals)
    out, tan = jvp(ours_f, [Tensor(p) for p in primals], tangents)
    tout, ttan = torch.func.jvp(
        theirs_f, tuple(torch.tensor(p) for p in primals), tuple(torch.tensor(t) for t in tangents)
    )
    close(out, tout)
    close(tan, ttan)
