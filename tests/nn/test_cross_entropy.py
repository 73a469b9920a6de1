"""cross_entropy and nll_loss: labels, probabilities and one-hot targets under every
reduction, against the formula, central differences and PyTorch (values, gradients,
Hessian-vector products), stable for huge and -inf logits, float32 kept, and errors that
name bad labels, shapes and keywords."""

import numpy as np
import pytest
from helpers import close64, compare_loss, t64
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad.autograd import OPS, Tensor, grad
from scratchgrad.autograd.testing import arrays, assert_gradients_match

torch = oracle("torch")
TF = oracle("torch.nn.functional")

SETTINGS = settings(max_examples=20, deadline=None)
LOGITS = arrays(shape=(5, 4), low=-5, high=5)


@SETTINGS
@given(
    LOGITS,
    st.lists(st.integers(0, 3), min_size=5, max_size=5),
    st.sampled_from(["mean", "sum", "none"]),
)
def test_cross_entropy_labels_equal_one_hot_and_formula(z, labels, reduction):
    labels = np.array(labels)
    one_hot = np.eye(4)[labels]
    a = F.cross_entropy(z, labels, reduction=reduction).data
    b = F.cross_entropy(z, one_hot, reduction=reduction).data
    zd = z.data
    losses = np.log(np.exp(zd).sum(axis=1)) - zd[np.arange(5), labels]
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
    np.testing.assert_allclose(a, expected, rtol=1e-10)
    np.testing.assert_allclose(b, expected, rtol=1e-10)
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(z), labels, reduction=reduction).data, expected, rtol=1e-10
    )


@SETTINGS
@given(LOGITS, st.lists(st.integers(0, 3), min_size=5, max_size=5))
def test_cross_entropy_and_nll_gradcheck(z, labels):
    labels = np.array(labels)
    probs = np.random.default_rng(0).dirichlet(np.ones(4), size=5)
    assert_gradients_match(lambda t: F.cross_entropy(t, labels), [z])
    assert_gradients_match(lambda t: F.cross_entropy(t, probs, reduction="sum"), [z])
    assert_gradients_match(lambda t: F.nll_loss(F.log_softmax(t), labels), [z])


def test_cross_entropy_is_one_fused_node_and_checks_labels():
    z = Tensor(np.zeros((2, 3)), requires_grad=True)
    assert F.cross_entropy(z, np.array([0, 2])).op is OPS["cross_entropy"]
    with pytest.raises(IndexError, match=r"label 3 is out of range for 3 classes"):
        F.cross_entropy(z, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        F.cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels.astype\(int\)"):
        F.cross_entropy(z, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(z, np.array([0, 1]), reduction="avg")


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", ["labels", "probs", "unnormalised", "one_hot"])
def test_cross_entropy_matches_pytorch(rng, reduction, kind):
    z = rng.normal(size=(5, 4)) * 3
    labels = rng.integers(0, 4, size=5)
    target = {
        "labels": labels,
        "probs": rng.dirichlet(np.ones(4), size=5),
        "unnormalised": rng.dirichlet(np.ones(4), size=5) * 3,
        "one_hot": np.eye(4)[labels],
    }[kind]
    compare_loss(F.cross_entropy, TF.cross_entropy, z, target, rng, reduction)


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_of_log_softmax_matches_pytorch(rng, reduction):
    z = rng.normal(size=(5, 4)) * 3
    y = rng.integers(0, 4, size=5)
    compare_loss(
        lambda a, t, reduction: F.nll_loss(F.log_softmax(a), t, reduction=reduction),
        lambda a, t, reduction: TF.nll_loss(torch.log_softmax(a, -1), t, reduction=reduction),
        z,
        y,
        rng,
        reduction,
    )


@pytest.mark.oracle
def test_unbatched_cross_entropy_and_nll_match_pytorch(rng):
    z = rng.normal(size=4)
    compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array(2), rng)
    compare_loss(F.cross_entropy, TF.cross_entropy, z, rng.dirichlet(np.ones(4)), rng)
    compare_loss(F.nll_loss, TF.nll_loss, z, np.array(1), rng)


@pytest.mark.oracle
def test_cross_entropy_is_stable_for_huge_and_minus_inf_logits(rng):
    z = np.array([[1e4, -1e4, 0.0], [0.0, 1e300, -1e300], [0.0, 0.0, 0.0]])
    compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array([1, 1, 2]), rng)
    compare_loss(F.cross_entropy, TF.cross_entropy, z, np.array([1, 1, 2]), rng, "sum")
    z_inf = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, 0.0]])
    compare_loss(F.cross_entropy, TF.cross_entropy, z_inf, np.array([1, 0]), rng)


def test_cross_entropy_float32_stays_float32(rng):
    z = Tensor(rng.normal(size=(3, 4)).astype(np.float32), requires_grad=True)
    for target in (np.array([0, 3, 1]), rng.dirichlet(np.ones(4), size=3)):
        loss = F.cross_entropy(z, target)
        assert loss.dtype == np.float32
        z.grad = None
        loss.backward()
        assert z.grad.dtype == np.float32


@pytest.mark.oracle
@pytest.mark.parametrize(
    "target",
    [
        lambda y: list(y),
        lambda y: torch.tensor(y),
        lambda y: Tensor(y, dtype=np.int64),
        lambda y: y.astype(np.uint8),
        lambda y: y.astype(np.int32),
    ],
)
def test_cross_entropy_accepts_label_containers(rng, target):
    z = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5)
    expected = TF.cross_entropy(t64(z), torch.tensor(y)).item()
    np.testing.assert_allclose(F.cross_entropy(z, target(y)).data, expected, rtol=1e-12)


@pytest.mark.oracle
def test_cross_entropy_hessian_vector_products_match_pytorch(rng):
    z = rng.normal(size=(4, 3))
    v = rng.normal(size=(4, 3))
    for target, reduction in [
        (np.array([0, 2, 1, 1]), "mean"),
        (rng.dirichlet(np.ones(3), size=4) * 2, "sum"),
        (rng.dirichlet(np.ones(3), size=4), "none"),
    ]:
        zo = Tensor(z, requires_grad=True)
        (g,) = grad(F.cross_entropy(zo, target, reduction=reduction).sum(), [zo], create_graph=True)
        (g * v).sum().backward()
        zt = t64(z, requires_grad=True)
        (gt,) = torch.autograd.grad(
            TF.cross_entropy(zt, torch.tensor(target), reduction=reduction).sum(),
            [zt],
            create_graph=True,
        )
        (gt * t64(v)).sum().backward()
        close64(g, gt)
        close64(zo.grad, zt.grad)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
@pytest.mark.parametrize(
    "options", [{}, {"label_smoothing": 0.2}, {"weight": np.array([1.0, 2.0, 0.5])}]
)
def test_a_probability_target_that_requires_grad_gets_pytorchs_gradient(rng, shape, options):
    """Distillation: the teacher's probabilities are trained too. The target's gradient
    (-log softmax / N) and the mixed second derivative d/dt of dL/dz match PyTorch."""
    z, logits_t = rng.normal(size=shape), rng.normal(size=shape)
    v = rng.normal(size=shape)
    mine = {**options, "weight": Tensor(options["weight"])} if "weight" in options else options
    zo, lo = Tensor(z, requires_grad=True), Tensor(logits_t, requires_grad=True)
    loss = F.cross_entropy(zo, lo.softmax(1), **mine)
    (gz,) = grad(loss, [zo], create_graph=True)
    (gz * v).sum().backward()
    theirs = {**options, "weight": t64(options["weight"])} if "weight" in options else options
    zt, lt = t64(z, requires_grad=True), t64(logits_t, requires_grad=True)
    loss_t = TF.cross_entropy(zt, lt.softmax(1), **theirs)
    (gzt,) = torch.autograd.grad(loss_t, [zt], create_graph=True)
    (gzt * t64(v)).sum().backward()
    close64(loss, loss_t)
    close64(gz, gzt)
    close64(zo.grad, zt.grad)
    close64(lo.grad, lt.grad)


@pytest.mark.oracle
def test_a_class_weight_that_requires_grad_matches_pytorch(rng):
    z, p, w = rng.normal(size=(3, 4)), rng.dirichlet(np.ones(4), size=3), rng.random(4) + 0.5
    wo, wt = Tensor(w, requires_grad=True), t64(w, requires_grad=True)
    F.cross_entropy(Tensor(z), p, weight=wo, label_smoothing=0.1).backward()
    TF.cross_entropy(t64(z), torch.tensor(p), weight=wt, label_smoothing=0.1).backward()
    close64(wo.grad, wt.grad)
    with pytest.raises(RuntimeError, match="no gradient with respect to weight.*detach"):
        F.cross_entropy(Tensor(z), np.array([0, 1, 3]), weight=wo)
    with pytest.raises(ValueError, match="ignore_index is for class-label targets"):
        F.cross_entropy(Tensor(z), p, ignore_index=1)


def test_a_probability_target_that_requires_grad_passes_central_differences(rng):
    z = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    p = Tensor(rng.dirichlet(np.ones(4), size=3), requires_grad=True)
    assert_gradients_match(lambda z, p: F.cross_entropy(z, p, label_smoothing=0.1), [z, p])
    log_probs = Tensor(np.log(p.data), requires_grad=True)
    assert_gradients_match(lambda q, p: F.nll_loss(q, p, reduction="sum"), [log_probs, p])


def test_cross_entropy_of_an_empty_batch_is_nan_with_an_empty_gradient():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    loss = F.cross_entropy(x, np.zeros(0, dtype=int))
    assert np.isnan(loss.data)
    loss.backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_bad_labels_and_targets_fail_with_clear_messages(rng, fn):
    z = rng.normal(size=(5, 4))
    name = fn.__name__
    with pytest.raises(IndexError, match=rf"{name}: label 4 is out of range for 4 classes"):
        fn(z, np.array([0, 1, 2, 3, 4]))
    with pytest.raises(IndexError, match="label -1 is out of range"):
        fn(z, np.array([0, 1, 2, 3, -1]))  # PyTorch's ignore_index is -100, not -1
    with pytest.raises(ValueError, match="for class labels pass integers"):
        fn(z, np.array([0.0, 1.0, 2.0, 3.0, 0.0]))
    with pytest.raises(ValueError, match="for class labels pass integers"):
        fn(z, Tensor(np.array([0, 1, 2, 3, 0])))  # Tensor() makes labels float64
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


def test_cross_entropy_takes_pytorchs_class_axis_for_3d_logits(rng):
    """(N, C, L) logits with (N, L) labels: classes on axis 1, as in PyTorch; labels laid
    out classes-last are refused with the permute that fixes them."""
    z = rng.normal(size=(2, 4, 3))
    per_position = F.cross_entropy(z, np.zeros((2, 3), int), reduction="none")
    assert per_position.shape == (2, 3)
    with pytest.raises(ValueError, match=r"integer labels must have shape \(2, 3\)"):
        F.cross_entropy(z, np.zeros((2, 4), int))
    with pytest.raises(ValueError, match="cross_entropy needs logits with a class axis"):
        F.cross_entropy(Tensor(1.0), np.array(0))


def test_a_reduction_passed_where_pytorch_expects_weight_is_explained(rng):
    """PyTorch's third positional argument is `weight`: a reduction there is named."""
    z, y = rng.normal(size=(3, 4)), np.array([0, 1, 2])
    for fn in (F.cross_entropy, F.nll_loss):
        with pytest.raises(TypeError, match="pass the reduction by keyword, reduction='sum'"):
            fn(z, y, "sum")
