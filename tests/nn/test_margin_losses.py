"""Margin, embedding and likelihood losses (margin_ranking, hinge_embedding, soft_margin,
cosine_embedding, triplet_margin, multilabel_soft_margin, multi_margin, gaussian_nll,
poisson_nll), their modules, and `scratchgrad.cdist`, against PyTorch: values and every
differentiable input's gradient in float64, second derivatives, float32, and the errors."""

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor, gradcheck, gradgradcheck

torch = oracle("torch")
RNG = np.random.default_rng(7)
REDUCTIONS = ("mean", "sum", "none")

A, B = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
B[0, 0] = A[0, 0]  # a tie: margin_ranking's hinge exactly at 0 (margin 0)
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
SIGNS_2D = RNG.choice([-1.0, 1.0], size=(4, 3))
DIST = np.abs(RNG.normal(size=(4, 3)))
DIST[1, 1] = 1.0  # hinge_embedding's corner at margin 1
HINGE_T = np.array([[1.0, -1.0, 0.0], [-1.0, -1.0, 1.0], [1.0, 1.0, -1.0], [-1.0, 2.0, 1.0]])
ROWS1, ROWS2 = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))
ROWS2[2] = -ROWS1[2]  # cos = -1
COS_T = np.array([1.0, -1.0, -1.0, 0.0, 1.0])
ANCHOR, POS, NEG = (RNG.normal(size=(5, 4)) for _ in range(3))
LABELS_01 = (RNG.random(size=(4, 3)) > 0.5).astype(float)
CLASS_W = np.array([0.5, 2.0, 1.5])
SCORES = RNG.normal(size=(5, 4))
Y = np.array([0, 3, 1, 3, 2])
SCORES[0, 1] = SCORES[0, 0] - 1.0  # multi_margin's hinge exactly at 0 (margin 1)
MEAN, SAMPLE = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
VAR = np.abs(RNG.normal(size=(4, 3))) + 0.1
VAR[0, 0] = 1e-9  # below eps: clamped, the gradient passing through
COUNTS = np.array([[0.5, 1.0, 2.0], [3.0, 0.2, 5.0], [1.5, 4.0, 0.9], [2.0, 7.0, 1.0]])
RATES = np.abs(RNG.normal(size=(4, 3))) + 0.05
P1, P2 = RNG.normal(size=(6, 3)), RNG.normal(size=(5, 3))
P2[1] = P1[3]  # zero distance: gradient 0, not NaN
P2[2] = P1[0] + np.array([1.0, -1.0, 0.5])  # an inf-norm tie
BATCH1, BATCH2 = RNG.normal(size=(2, 1, 4, 3)), RNG.normal(size=(3, 5, 3))
BATCH2[1, 0] = BATCH1[0, 0, 2]


def _case(make, arrays, grads=None):
    """make(lib, *tensors); grads[i]: whether array i requires grad (default: floats)."""
    if grads is None:
        grads = [np.asarray(a).dtype.kind == "f" for a in arrays]
    return make, arrays, grads


CASES = {
    **{
        f"margin_ranking {r} margin {m}": _case(
            lambda f, a, b, t, r=r, m=m: f.F.margin_ranking_loss(a, b, t, margin=m, reduction=r),
            (A, B, SIGNS_2D),
        )
        for r in REDUCTIONS
        for m in (0.0, 0.5)
    },
    "margin_ranking broadcast": _case(
        lambda f, a, b, t: f.F.margin_ranking_loss(a, b, t, 0.2, reduction="none"),
        (A, B[:1], SIGNS[:, None]),
    ),
    "margin_ranking 1-D": _case(
        lambda f, a, b, t: f.F.margin_ranking_loss(a, b, t), (A[:, 0], B[:, 0], SIGNS)
    ),
    "margin_ranking 0-d": _case(
        lambda f, a, b, t: f.F.margin_ranking_loss(a, b, t, reduction="none"),
        (A[1, 1], B[1, 1], np.array(-1.0)),
    ),
    **{
        f"hinge_embedding {r} margin {m}": _case(
            lambda f, x, t, r=r, m=m: f.F.hinge_embedding_loss(x, t, margin=m, reduction=r),
            (DIST, HINGE_T),
        )
        for r in REDUCTIONS
        for m in (1.0, 0.5)
    },
    "hinge_embedding broadcast target": _case(
        lambda f, x, t: f.F.hinge_embedding_loss(x, t, reduction="none"),
        (DIST, np.array([1.0, -1.0, -1.0])),
    ),
    "hinge_embedding target wider": _case(
        lambda f, x, t: f.F.hinge_embedding_loss(x, t, reduction="sum"), (DIST[0], HINGE_T)
    ),
    "hinge_embedding int64 target": _case(
        lambda f, x, t: f.F.hinge_embedding_loss(x, t), (DIST, HINGE_T.astype(np.int64))
    ),
    **{
        f"soft_margin {r}": _case(
            lambda f, x, t, r=r: f.F.soft_margin_loss(x, t, reduction=r),
            (A * 3, SIGNS_2D),
            [True, False],  # PyTorch has no gradient for the target
        )
        for r in REDUCTIONS
    },
    "soft_margin broadcast": _case(
        lambda f, x, t: f.F.soft_margin_loss(x, t, reduction="none"), (A, SIGNS[:, None]), [1, 0]
    ),
    "soft_margin int64 target": _case(
        lambda f, x, t: f.F.soft_margin_loss(x, t), (A, SIGNS_2D.astype(np.int64))
    ),
    **{
        f"cosine_embedding {r} margin {m}": _case(
            lambda f, a, b, t, r=r, m=m: f.F.cosine_embedding_loss(a, b, t, margin=m, reduction=r),
            (ROWS1, ROWS2, COS_T),
        )
        for r in REDUCTIONS
        for m in (0.0, 0.3, -0.5)
    },
    "cosine_embedding 1-D, 0-d target": _case(
        lambda f, a, b, t: f.F.cosine_embedding_loss(a, b, t, 0.1, reduction="none"),
        (ROWS1[0], ROWS2[0], np.array(-1.0)),
    ),
    "cosine_embedding broadcast": _case(
        lambda f, a, b, t: f.F.cosine_embedding_loss(a, b, t, reduction="none"),
        (ROWS1, ROWS2[:1], np.array([-1.0])),
    ),
    "cosine_embedding int64 target": _case(
        lambda f, a, b, t: f.F.cosine_embedding_loss(a, b, t),
        (ROWS1, ROWS2, COS_T.astype(np.int64)),
    ),
    **{
        f"triplet {r} p {p} swap {s}": _case(
            lambda f, a, b, c, r=r, p=p, s=s: f.F.triplet_margin_loss(
                a, b, c, margin=1.5, p=p, swap=s, reduction=r
            ),
            (ANCHOR, POS, NEG),
        )
        for r in REDUCTIONS
        for p in (1, 2, 3.0)
        for s in (False, True)
    },
    "triplet 1-D": _case(
        lambda f, a, b, c: f.F.triplet_margin_loss(a, b, c, 3.0, reduction="none"),
        (ANCHOR[0], POS[0], NEG[0]),
    ),
    "triplet 3-D eps": _case(
        lambda f, a, b, c: f.F.triplet_margin_loss(a, b, c, 2.0, eps=0.1, reduction="none"),
        tuple(x.reshape(2, 2, 4) for x in (ANCHOR[:4], POS[:4], NEG[:4])),
    ),
    "triplet broadcast": _case(
        lambda f, a, b, c: f.F.triplet_margin_loss(a, b, c, 2.0, swap=True, reduction="none"),
        (ANCHOR, POS[:1], NEG),
    ),
    **{
        f"multilabel_soft_margin {r} weight {w}": _case(
            lambda f, x, t, *ws, r=r: f.F.multilabel_soft_margin_loss(x, t, *ws, reduction=r),
            (A * 2, LABELS_01) + ((CLASS_W,) if w else ()),
        )
        for r in REDUCTIONS
        for w in (False, True)
    },
    "multilabel_soft_margin 1-D": _case(
        lambda f, x, t: f.F.multilabel_soft_margin_loss(x, t, reduction="none"),
        (A[0], LABELS_01[0]),
    ),
    "multilabel_soft_margin 3-D soft targets": _case(
        lambda f, x, t: f.F.multilabel_soft_margin_loss(x, t, reduction="none"),
        (A.reshape(2, 2, 3), RNG.random(size=(2, 2, 3))),
    ),
    **{
        f"multi_margin {r} p {p} margin {m} weight {w}": _case(
            lambda f, x, y, *ws, r=r, p=p, m=m: f.F.multi_margin_loss(
                x, y, p=p, margin=m, weight=ws[0] if ws else None, reduction=r
            ),
            (SCORES, Y) + ((np.array([0.5, 2.0, 1.0, 3.0]),) if w else ()),
            [True, False, False],  # PyTorch has no gradient for the weight
        )
        for r in REDUCTIONS
        for p in (1, 2)
        for m in (1.0, 0.3)
        for w in (False, True)
    },
    "multi_margin 1-D, (1,) target": _case(
        lambda f, x, y: f.F.multi_margin_loss(x, y, reduction="none"), (SCORES[1], Y[1:2])
    ),
    "multi_margin 1-D, 0-d target": _case(
        lambda f, x, y: f.F.multi_margin_loss(x, y, p=2, reduction="none"),
        (SCORES[1], np.array(0)),
    ),
    "multi_margin 1-D, 0-d target sum": _case(
        lambda f, x, y: f.F.multi_margin_loss(x, y, reduction="sum"), (SCORES[1], np.array(2))
    ),
    **{
        f"gaussian_nll {r} full {full}": _case(
            lambda f, x, t, v, r=r, full=full: f.F.gaussian_nll_loss(
                x, t, v, full=full, reduction=r
            ),
            (MEAN, SAMPLE, VAR),
        )
        for r in REDUCTIONS
        for full in (False, True)
    },
    **{
        f"gaussian_nll var shape {shape}": _case(
            lambda f, x, t, v: f.F.gaussian_nll_loss(x, t, v, eps=0.2, reduction="none"),
            (MEAN, SAMPLE, VAR[tuple(slice(None) if n > 1 else slice(0, 1) for n in shape)]),
        )
        for shape in [(4, 1), (1, 3)]
    },
    "gaussian_nll var one per row": _case(
        lambda f, x, t, v: f.F.gaussian_nll_loss(x, t, v, reduction="none"),
        (MEAN, SAMPLE, VAR[:, 1]),
    ),
    "gaussian_nll var a number": _case(
        lambda f, x, t: f.F.gaussian_nll_loss(x, t, 0.7, full=True), (MEAN, SAMPLE)
    ),
    "gaussian_nll target broadcast": _case(
        lambda f, x, t, v: f.F.gaussian_nll_loss(x, t, v, reduction="none"), (MEAN, SAMPLE[0], VAR)
    ),
    "gaussian_nll 1-D, 0-d var": _case(
        lambda f, x, t, v: f.F.gaussian_nll_loss(x, t, v, reduction="sum"),
        (MEAN[0], SAMPLE[0], np.array(0.3)),
    ),
    **{
        f"poisson_nll {r} log_input {li} full {full}": _case(
            lambda f, x, t, r=r, li=li, full=full: f.F.poisson_nll_loss(
                x, t, log_input=li, full=full, reduction=r
            ),
            (MEAN if li else RATES, COUNTS),
        )
        for r in REDUCTIONS
        for li in (True, False)
        for full in (False, True)
    },
    "poisson_nll eps, broadcast": _case(
        lambda f, x, t: f.F.poisson_nll_loss(x, t, False, eps=0.1, reduction="none"),
        (RATES, COUNTS[:1]),
    ),
    "poisson_nll full, zero counts": _case(
        lambda f, x, t: f.F.poisson_nll_loss(x, t, full=True, reduction="none"),
        (MEAN, np.where(COUNTS < 1, 0.0, COUNTS)),
        [True, False],  # (PyTorch's target gradient is NaN at 0; ours is 0)
    ),
    "poisson_nll full, counts off the corner": _case(  # (the term jumps at target 1)
        lambda f, x, t: f.F.poisson_nll_loss(x, t, full=True, reduction="sum"),
        (MEAN, COUNTS + 0.25),
    ),
    **{
        f"cdist p {p}": _case(lambda f, a, b, p=p: f.cdist(a, b, p=p), (P1, P2))
        for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf)
    },
    **{
        f"cdist batched p {p}": _case(lambda f, a, b, p=p: f.cdist(a, b, p), (BATCH1, BATCH2))
        for p in (1.0, 2.0, math.inf)
    },
    "cdist apart p 3": _case(
        lambda f, a, b: f.cdist(a, b, 3.0), (RNG.normal(size=(2, 4, 3)), RNG.normal(size=(5, 3)))
    ),
    "cdist apart p 2": _case(lambda f, a, b: f.cdist(a, b), (P1, RNG.normal(size=(1, 4, 3)))),
    "cdist a point with itself": _case(lambda f, a: f.cdist(a, a), (P1,)),
    "cdist 30 rows": _case(
        lambda f, a, b: f.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
        (RNG.normal(size=(30, 4)), RNG.normal(size=(27, 4))),
    ),
}


def _ours():
    return SimpleNamespace(F=F, cdist=scratchgrad.cdist)


def _theirs():
    return SimpleNamespace(F=torch.nn.functional, cdist=torch.cdist)


def _run(case, ours_dtype=np.float64):
    make, arrays, grads = CASES[case]
    ours, theirs = [], []
    for a, g in zip(arrays, grads):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(ours_dtype)
        ours.append(scratchgrad.tensor(a, requires_grad=bool(g)))
        theirs.append(torch.tensor(a, requires_grad=bool(g)))
    return make, ours, theirs


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, ours, theirs = _run(case)
    out, their_out = make(_ours(), *ours), make(_theirs(), *theirs)
    assert out.shape == tuple(their_out.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    weights = RNG.normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad), f"input {i}"
        else:
            np.testing.assert_allclose(
                a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}"
            )


SECOND = [  # (PyTorch has no second derivative of multi_margin_loss or cdist: see below)
    "margin_ranking mean margin 0.5",
    "soft_margin sum",
    "cosine_embedding none margin 0.3",
    "triplet mean p 3.0 swap True",
    "multilabel_soft_margin mean weight True",
    "gaussian_nll mean full False",
    "poisson_nll mean log_input False full True",
]


@pytest.mark.oracle
@pytest.mark.parametrize("case", SECOND)
def test_second_derivatives_match_pytorch(case):
    """A Hessian-vector product through create_graph, against PyTorch's."""
    make, ours, theirs = _run(case)
    v = [RNG.normal(size=np.shape(t.data)) for t in ours]
    for lib, tensors, wrap, autograd in (
        (_ours(), ours, Tensor, scratchgrad.autograd),
        (_theirs(), theirs, torch.tensor, torch.autograd),
    ):
        leaves = [t for t in tensors if t.requires_grad]
        out = make(lib, *tensors)
        gs = autograd.grad((out * out).sum(), leaves, create_graph=True, allow_unused=True)
        vs = [wrap(vi) for vi, t in zip(v, tensors) if t.requires_grad]
        total = sum((g * vi).sum() for g, vi in zip(gs, vs) if g is not None)
        hvp = autograd.grad(total, leaves, allow_unused=True)
        found = [
            None if h is None else np.array(h.data if isinstance(h, Tensor) else h.numpy())
            for h in hvp
        ]
        if lib.F is F:
            ours_hvp = found
        else:
            their_hvp = found
    for a, b in zip(ours_hvp, their_hvp):
        if b is None:
            assert a is None or not np.any(a)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    "case",
    [
        "margin_ranking mean margin 0.5",
        "cosine_embedding sum margin 0.3",
        "triplet sum p 2 swap True",
        "multilabel_soft_margin sum weight True",
        "multi_margin sum p 2 margin 0.3 weight True",
        "gaussian_nll var one per row",
        "poisson_nll full, counts off the corner",
        "cdist apart p 2",
        "cdist apart p 3",
    ],
)
def test_gradients_pass_central_differences(case):
    make, arrays, grads = CASES[case]
    fixed = [np.asarray(a) for a in arrays]
    learned = [i for i, g in enumerate(grads) if g]

    def loss(*ts):
        args = list(fixed)
        for i, t in zip(learned, ts):
            args[i] = t
        return (make(_ours(), *args) * 1.5).sum()

    fixed = [scratchgrad.tensor(a) for a in fixed]
    leaves = [Tensor(fixed[i].data, requires_grad=True) for i in learned]
    gradcheck(loss, leaves)
    if case.startswith(("cosine", "multilabel", "gaussian", "multi_margin", "cdist")):
        gradgradcheck(loss, leaves)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "case",
    [
        "margin_ranking mean margin 0.5",
        "hinge_embedding int64 target",
        "soft_margin int64 target",
        "cosine_embedding int64 target",
        "triplet mean p 2 swap True",
        "multilabel_soft_margin mean weight True",
        "multi_margin mean p 2 margin 1.0 weight True",
        "gaussian_nll var a number",
        "poisson_nll mean log_input False full True",
        "cdist p 2.0",
    ],
)
def test_float32_stays_float32_and_matches(case):
    make, ours, theirs = _run(case, np.float32)
    out, their_out = make(_ours(), *ours), make(_theirs(), *theirs)
    assert out.dtype == np.float32 and their_out.dtype == torch.float32
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    their_out.sum().backward()
    for a, b in zip(ours, theirs):
        if b.grad is not None:
            assert a.grad.dtype == np.float32
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_poisson_full_target_gradient_is_finite_at_zero():
    t = Tensor(np.array([0.0, 0.5, 1.0, 3.0]), requires_grad=True)
    F.poisson_nll_loss(Tensor(np.zeros(4)), t, full=True, reduction="sum").backward()
    np.testing.assert_allclose(t.grad[:3], 0.0)  # the Stirling term is 0 up to 1
    np.testing.assert_allclose(t.grad[3], math.log(3.0) + 0.5 / 3.0)  # + d(-t x)/dt = 0


def test_cdist_gradient_at_zero_distance_is_zero():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    for p in (0.5, 1.0, 2.0, 3.0, math.inf):
        x.grad = None
        d = scratchgrad.cdist(x, x, p=p)
        np.testing.assert_allclose(np.diag(d.data), 0.0)
        d.sum().backward()
        assert np.all(np.isfinite(x.grad)), p
    x.grad = None
    scratchgrad.cdist(x, x.detach()).sum().backward()
    np.testing.assert_allclose(x.grad, np.sqrt(0.5) * np.array([[-1.0, -1.0], [1.0, 1.0]]))


X2 = np.ones((4, 3))
ERRORS = [
    # (call on lib, exception, message in ours)
    (
        lambda f, T: f.F.margin_ranking_loss(T(X2), T(X2[0]), T(X2)),
        RuntimeError,
        "same dimension",
    ),
    (lambda f, T: f.F.margin_ranking_loss(T(X2), T(X2[:2]), T(X2)), RuntimeError, "must match"),
    (lambda f, T: f.F.hinge_embedding_loss(T(X2), T(X2[:, 0])), RuntimeError, "must match"),
    (lambda f, T: f.F.soft_margin_loss(T(X2), T(X2[:, 0])), RuntimeError, "must match"),
    (lambda f, T: f.F.soft_margin_loss(T(X2), T(X2), reduction="avg"), ValueError, "reduction"),
    (
        lambda f, T: f.F.cosine_embedding_loss(T(X2), T(X2), T(X2)),
        RuntimeError,
        "multi-target not supported",
    ),
    (
        lambda f, T: f.F.cosine_embedding_loss(T(X2), T(X2), T(np.array(1.0))),
        RuntimeError,
        "0D target tensor expects 1D input",
    ),
    (
        lambda f, T: f.F.cosine_embedding_loss(T(X2[0]), T(X2[0]), T(X2[:, 0])),
        RuntimeError,
        "1D target tensor expects 2D input",
    ),
    (
        lambda f, T: f.F.cosine_embedding_loss(T(X2), T(X2), T(np.ones(3))),
        RuntimeError,
        "must match",
    ),
    (
        lambda f, T: f.F.triplet_margin_loss(T(X2), T(X2[0]), T(X2)),
        RuntimeError,
        "same number of dimensions",
    ),
    (lambda f, T: f.F.triplet_margin_loss(T(X2), T(X2), T(X2), 0.0), ValueError, "margin"),
    (lambda f, T: f.F.triplet_margin_loss(T(X2), T(X2[:2]), T(X2)), RuntimeError, "must match"),
    (
        lambda f, T: f.F.multilabel_soft_margin_loss(T(np.array(1.0)), T(np.array(1.0))),
        IndexError,
        "no dimensions",
    ),
    (
        lambda f, T: f.F.multilabel_soft_margin_loss(T(X2), T(X2), reduction="x"),
        ValueError,
        None,
    ),
    (lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros(4, int)), p=3), ValueError, "p == 1"),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros(4, int)), weight=T(np.ones((1, 3)))),
        ValueError,
        "one-dimensional",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros(4, int)), weight=T(np.ones(4))),
        RuntimeError,
        "inconsistent weight size, expected 3",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros(3, int))),
        RuntimeError,
        "Expected target size \\[4\\], but got \\[3\\]",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros((4, 1), int))),
        RuntimeError,
        "target tensor should be 1-D",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.array([0, 3, 1, 2]))),
        RuntimeError,
        "target out of range",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(X2), T(np.array([0, -1, 1, 2]))),
        RuntimeError,
        "target out of range",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(np.ones((2, 2, 3))), T(np.zeros(2, int))),
        RuntimeError,
        "non-empty vector or matrix",
    ),
    (
        lambda f, T: f.F.multi_margin_loss(T(np.ones((2, 0))), T(np.zeros(2, int))),
        RuntimeError,
        "non-empty vector or matrix",
    ),
    (lambda f, T: f.F.multi_margin_loss(T(X2), T(np.zeros(4))), RuntimeError, None),
    (lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), T(-X2)), ValueError, "negative"),
    (lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), -1.0), ValueError, "negative"),
    (
        lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), T(np.ones((1, 1)))),
        ValueError,
        "incorrect size",
    ),
    (lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), T(np.ones(3))), ValueError, "incorrect"),
    (
        lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), T(np.array(1.0))),
        ValueError,
        "incorrect size",
    ),
    (
        lambda f, T: f.F.gaussian_nll_loss(T(X2), T(X2), T(X2), reduction="avg"),
        ValueError,
        "not valid",
    ),
    (lambda f, T: f.F.poisson_nll_loss(T(X2), T(X2[:, 0])), RuntimeError, "must match"),
    (lambda f, T: f.F.poisson_nll_loss(T(X2), T(X2), reduction="avg"), ValueError, None),
    (lambda f, T: f.cdist(T(X2[0]), T(X2)), RuntimeError, "at least 2D tensors, X1 got: 1D"),
    (lambda f, T: f.cdist(T(X2), T(X2[:, :2])), RuntimeError, "same number of columns"),
    (lambda f, T: f.cdist(T(X2), T(X2), p=-1.0), RuntimeError, "non-negative p"),
    (lambda f, T: f.cdist(T(np.ones((2, 4, 3))), T(np.ones((3, 2, 3)))), RuntimeError, "match"),
    (lambda f, T: f.cdist(T(np.ones((2, 3), int)), T(np.ones((2, 3), int))), RuntimeError, "float"),
    (lambda f, T: f.cdist(T(X2), T(X2), compute_mode="fast"), ValueError, "compute_mode"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_are_pytorchs(index):
    call, exception, message = ERRORS[index]
    with pytest.raises(exception):
        call(_theirs(), torch.tensor)
    with pytest.raises(exception, match=message):
        call(_ours(), scratchgrad.tensor)


MODULES = [
    ("MarginRankingLoss", {"margin": 0.3}, (A, B, SIGNS_2D)),
    ("MarginRankingLoss", {"reduction": "none"}, (A, B, SIGNS_2D)),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, (DIST, HINGE_T)),
    ("SoftMarginLoss", {}, (A, SIGNS_2D)),
    ("SoftMarginLoss", {"size_average": False}, (A, SIGNS_2D)),
    ("CosineEmbeddingLoss", {"margin": 0.2}, (ROWS1, ROWS2, COS_T)),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True}, (ANCHOR, POS, NEG)),
    ("TripletMarginLoss", {"reduce": False}, (ANCHOR, POS, NEG)),
    ("MultiLabelSoftMarginLoss", {"weight": CLASS_W}, (A, LABELS_01)),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": np.arange(1.0, 5.0)}, (SCORES, Y)),
    ("MultiMarginLoss", {"reduction": "sum"}, (SCORES, Y)),
    ("GaussianNLLLoss", {"full": True, "eps": 0.3}, (MEAN, SAMPLE, VAR)),
    ("GaussianNLLLoss", {"reduction": "none"}, (MEAN, SAMPLE, VAR[:, :1])),
    ("PoissonNLLLoss", {}, (MEAN, COUNTS)),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 0.01}, (RATES, COUNTS)),
]


@pytest.mark.oracle
@pytest.mark.parametrize("index", range(len(MODULES)))
def test_modules_match_pytorchs(index):
    name, options, arrays = MODULES[index]

    def built(lib, wrap):
        given = {k: wrap(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # size_average / reduce, both sides
            return getattr(lib, name)(**given)

    ours, theirs = built(nn, Tensor), built(torch.nn, torch.tensor)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    assert list(ours.state_dict()) == list(theirs.state_dict())
    out = ours(*[scratchgrad.tensor(a) for a in arrays])
    their_out = theirs(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.data, their_out.numpy(), rtol=1e-12, err_msg=name)


@pytest.mark.oracle
def test_module_option_errors_are_pytorchs():
    for lib, wrap in ((nn, Tensor), (torch.nn, torch.tensor)):
        with pytest.raises(ValueError, match="margin to be greater than 0"):
            lib.TripletMarginLoss(margin=0.0)
        with pytest.raises(ValueError, match="only p == 1 and p == 2"):
            lib.MultiMarginLoss(p=3)
        with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D"):
            lib.MultiMarginLoss(weight=wrap(np.ones((2, 2))))
        with pytest.raises(TypeError):
            lib.GaussianNLLLoss(True)  # keyword-only options


@pytest.mark.oracle
def test_legacy_size_average_and_reduce_warn_and_match():
    for size_average, reduce in ((False, None), (None, False), (True, True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = F.margin_ranking_loss(
                Tensor(A), Tensor(B), Tensor(SIGNS_2D), 0.1, size_average, reduce
            )
            theirs = torch.nn.functional.margin_ranking_loss(
                torch.tensor(A), torch.tensor(B), torch.tensor(SIGNS_2D), 0.1, size_average, reduce
            )
        assert any("deprecated" in str(w.message) for w in caught)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist"])
def test_cdist_by_matrix_products_as_pytorchs(mode):
    """p = 2 on more than 25 rows (or when asked): |a|^2 + |b|^2 - 2ab^T, as PyTorch, so
    memory stays (P, R); a repeated point's gradient is finite (0), not NaN."""
    a, b = RNG.normal(size=(2, 40, 6)), RNG.normal(size=(2, 30, 6))
    b[:, 3] = a[:, 5]
    ours = [scratchgrad.tensor(x, requires_grad=True) for x in (a, b)]
    theirs = [torch.tensor(x, requires_grad=True) for x in (a, b)]
    out, their_out = (
        scratchgrad.cdist(*ours, compute_mode=mode),
        torch.cdist(*theirs, compute_mode=mode),
    )
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), atol=1e-6)
    weights = RNG.normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()
    (their_out * torch.tensor(weights)).sum().backward()
    exact = scratchgrad.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").data
    np.testing.assert_allclose(out.data, exact, atol=1e-6)
    for x, y in zip(ours, theirs):
        assert np.isfinite(x.grad).all()
        np.testing.assert_allclose(x.grad, y.grad.numpy(), atol=1e-5)
