"""Losses as PyTorch computes them: cross_entropy / nll_loss with the class axis 1,
weight, ignore_index and label_smoothing; the regression and binary losses' weights;
the loss modules. Values and gradients against torch in float64."""

import warnings

import numpy as np
import oracles
import pytest

import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import OPS, Tensor, grad

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture
def torch():
    return oracles.load("torch")


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def _t(torch, array, requires_grad=False):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def _torch_kwargs(torch, kwargs):
    return {k: _t(torch, v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def _compare(torch, ours, theirs, x, target, rng, torch_target=None, **kwargs):
    """Loss values and input gradients of ours(x, target, **kw) and theirs(...)."""
    if torch_target is None:
        torch_target = (
            torch.tensor(target) if np.asarray(target).dtype.kind in "iu" else _t(torch, target)
        )
    xo, xt = Tensor(x, requires_grad=True), _t(torch, x, requires_grad=True)
    out = ours(xo, target, **kwargs)
    out_t = theirs(xt, torch_target, **_torch_kwargs(torch, kwargs))
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    (out_t * _t(torch, w)).sum().backward()
    assert out.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)
    return out


def _labels(rng, shape, classes, ignored=0, ignore_index=-100):
    y = rng.integers(0, classes, size=shape)
    y.reshape(-1)[:ignored] = ignore_index
    return y


CE_OPTIONS = [
    dict(),
    dict(weight="w"),
    dict(label_smoothing=0.2),
    dict(weight="w", label_smoothing=0.3),
    dict(ignore_index=2),
]


def _options(options, rng, classes):
    return {k: rng.uniform(0.5, 2.0, size=classes) if v == "w" else v for k, v in options.items()}


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)])
@pytest.mark.parametrize("options", CE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll_with_labels_match_pytorch(torch, rng, shape, options, reduction):
    classes = shape[1] if len(shape) > 1 else shape[0]
    x = rng.normal(size=shape) * 2
    label_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    kw = _options(options, rng, classes)
    y = _labels(
        rng,
        label_shape,
        classes,
        ignored=2 if len(shape) > 1 else 0,
        ignore_index=kw.get("ignore_index", -100),
    )
    TF = torch.nn.functional
    _compare(torch, F.cross_entropy, TF.cross_entropy, x, y, rng, reduction=reduction, **kw)
    kw.pop("label_smoothing", None)
    log_probs = np.asarray(TF.log_softmax(_t(torch, x), dim=1 if len(shape) > 1 else 0))
    _compare(torch, F.nll_loss, TF.nll_loss, log_probs, y, rng, reduction=reduction, **kw)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)])
@pytest.mark.parametrize(
    "options",
    [o for o in CE_OPTIONS if "ignore_index" not in o],
    ids=lambda o: "-".join(o) or "plain",
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probability_targets_matches_pytorch(
    torch, rng, shape, options, reduction
):
    axis = 1 if len(shape) > 1 else 0
    probs = np.moveaxis(
        rng.dirichlet(np.ones(shape[axis]), size=shape[:axis] + shape[axis + 1 :]), -1, axis
    )
    _compare(
        torch,
        F.cross_entropy,
        torch.nn.functional.cross_entropy,
        rng.normal(size=shape),
        probs,
        rng,
        reduction=reduction,
        **_options(options, rng, shape[axis]),
    )


@pytest.mark.oracle
def test_the_class_axis_is_1_even_when_it_could_be_the_last(torch, rng):
    """(N, C, C) logits with (N, C) labels: both layouts fit, PyTorch's is meant."""
    x, y = rng.normal(size=(2, 3, 3)), rng.integers(0, 3, size=(2, 3))
    out = _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, x, y, rng)
    classes_last = F.cross_entropy(Tensor(np.moveaxis(x, 1, -1)), y).item()
    assert abs(out.item() - classes_last) > 1e-3  # the other reading differs


def test_the_plain_case_stays_one_fused_node(rng):
    for shape, labels in (((4, 3), (4,)), ((2, 3, 5), (2, 5))):
        z = Tensor(rng.normal(size=shape), requires_grad=True)
        assert F.cross_entropy(z, rng.integers(0, 3, size=labels)).op is OPS["cross_entropy"]
    z = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    assert F.cross_entropy(z, np.array([0, 1, 2, -100])).op is not OPS["cross_entropy"]


@pytest.mark.oracle
def test_every_label_ignored_gives_nan_and_a_zero_gradient_like_pytorch(torch):
    x = np.random.default_rng(0).normal(size=(3, 4))
    for kw in ({}, {"weight": np.ones(4)}, {"label_smoothing": 0.1}):
        xo, xt = Tensor(x, requires_grad=True), _t(torch, x, requires_grad=True)
        ours = F.cross_entropy(xo, np.full(3, -100), **kw)
        theirs = torch.nn.functional.cross_entropy(
            xt, torch.full((3,), -100), **_torch_kwargs(torch, kw)
        )
        ours.backward()
        theirs.backward()
        assert np.isnan(ours.item()) and np.isnan(theirs.item())
        np.testing.assert_array_equal(xo.grad, xt.grad.numpy())


@pytest.mark.oracle
def test_weighted_smoothed_cross_entropy_has_pytorchs_second_derivatives(torch, rng):
    x, v = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    y, w = np.array([[0, 2], [1, -100], [2, 2], [0, 1]]), np.array([0.5, 1.0, 2.0])
    xo = Tensor(x, requires_grad=True)
    (g,) = grad(F.cross_entropy(xo, y, weight=w, label_smoothing=0.1), [xo], create_graph=True)
    (g * v).sum().backward()
    xt = _t(torch, x, requires_grad=True)
    (gt,) = torch.autograd.grad(
        torch.nn.functional.cross_entropy(
            xt, torch.tensor(y), weight=_t(torch, w), label_smoothing=0.1
        ),
        [xt],
        create_graph=True,
    )
    (gt * _t(torch, v)).sum().backward()
    np.testing.assert_allclose(g.data, gt.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOL)


def test_float32_stays_float32_on_the_composed_path(rng):
    z = Tensor(rng.normal(size=(3, 4, 2)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(
        z, np.array([[0, 1], [2, -100], [3, 3]]), weight=np.ones(4), label_smoothing=0.1
    )
    assert loss.dtype == np.float32
    loss.backward()
    assert z.grad.dtype == np.float32


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda z: F.cross_entropy(z, np.zeros((2, 5), int)),
            ValueError,
            r"labels must have shape \(2, 4\) \(the input \(2, 3, 4\) without its class axis 1\), "
            r"got \(2, 5\)",
        ),
        (
            lambda z: F.cross_entropy(z, np.zeros((2, 3), int)),
            ValueError,
            r"classes go on axis 1.*x.permute\(0, 2, 1\)",
        ),
        (
            lambda z: F.nll_loss(z, np.full((2, 4), 3)),
            IndexError,
            r"nll_loss: label 3 is out of range for 3 classes",
        ),
        (
            lambda z: F.cross_entropy(z, np.zeros((2, 4), int), weight=np.ones(4)),
            ValueError,
            r"weight must hold one number per class, shape \(3,\)",
        ),
        (
            lambda z: F.cross_entropy(z, np.zeros((2, 4), int), "sum"),
            TypeError,
            r"pass the reduction by keyword, reduction='sum'",
        ),
        (
            lambda z: F.cross_entropy(z, np.zeros((2, 4), int), label_smoothing=1.5),
            ValueError,
            r"label_smoothing must be in \[0, 1\]",
        ),
        (
            lambda z: F.binary_cross_entropy(F.sigmoid(z), np.ones((2, 3, 4)), "sum"),
            TypeError,
            r"reduction='sum'",
        ),
        (
            lambda z: F.mse_loss(z, np.ones((2, 3, 4)), weight=np.ones(4)),
            ValueError,
            r"mse_loss: weight must have the input's shape \(2, 3, 4\)",
        ),
        (
            lambda z: F.mse_loss(z, np.ones((2, 3, 4)), "sum"),
            TypeError,
            r"size_average must be True, False or None, got 'sum'; pass the reduction by keyword",
        ),
    ],
)
def test_loss_errors_name_the_problem(rng, call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(rng.normal(size=(2, 3, 4))))


@pytest.mark.oracle
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True)])
def test_deprecated_size_average_and_reduce_still_work_like_pytorch(
    torch, rng, size_average, reduce
):
    x, y = rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.cross_entropy(
            _t(torch, x), torch.tensor(y), size_average=size_average, reduce=reduce
        )
    with pytest.warns(UserWarning, match="deprecated"):
        ours = F.cross_entropy(x, y, size_average=size_average, reduce=reduce)
    np.testing.assert_allclose(ours.data, theirs.numpy(), **TOL)


# --- regression and binary losses ------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_mse_and_l1_match_pytorch(torch, rng, reduction, weighted):
    x, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    t[0, 0] = x[0, 0]  # |x - t|' at 0 is 0 in both
    kw = {"weight": rng.uniform(0.1, 2.0, size=(4, 3))} if weighted else {}
    for ours, theirs in (
        (F.mse_loss, torch.nn.functional.mse_loss),
        (F.l1_loss, torch.nn.functional.l1_loss),
    ):
        _compare(torch, ours, theirs, x, t, rng, reduction=reduction, **kw)


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_weights_and_pos_weight_match_pytorch(torch, rng, reduction):
    z, t = rng.normal(size=(5, 3)) * 4, rng.integers(0, 2, size=(5, 3)).astype(float)
    TF = torch.nn.functional
    for kw in (
        {"weight": rng.uniform(0.1, 2, size=(5, 3))},
        {"weight": rng.uniform(0.1, 2, size=3)},
        {"pos_weight": rng.uniform(0.1, 3, size=3)},
        {"weight": rng.uniform(0.1, 2, size=(5, 1)), "pos_weight": np.array([2.0])},
    ):
        _compare(
            torch,
            F.binary_cross_entropy_with_logits,
            TF.binary_cross_entropy_with_logits,
            z,
            t,
            rng,
            reduction=reduction,
            **kw,
        )
        if "pos_weight" not in kw:
            p = 1 / (1 + np.exp(-z))
            _compare(
                torch,
                F.binary_cross_entropy,
                TF.binary_cross_entropy,
                p,
                t,
                rng,
                reduction=reduction,
                **kw,
            )


# --- loss modules --------------------------------------------------------------------------


def _modules(lib, w, pw):
    return {
        "CrossEntropyLoss": lib.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1),
        "CrossEntropyLoss-sum": lib.CrossEntropyLoss(reduction="sum"),
        "NLLLoss": lib.NLLLoss(weight=w, reduction="none"),
        "MSELoss": lib.MSELoss(),
        "L1Loss": lib.L1Loss(reduction="sum"),
        "BCELoss": lib.BCELoss(),
        "BCEWithLogitsLoss": lib.BCEWithLogitsLoss(pos_weight=pw),
    }


@pytest.mark.oracle
def test_loss_modules_match_pytorchs(torch, rng):
    w, pw = rng.uniform(0.5, 2, size=4), rng.uniform(0.5, 2, size=(4, 1))
    ours, theirs = _modules(nn, w, pw), _modules(torch.nn, _t(torch, w), _t(torch, pw))
    x = rng.normal(size=(6, 4, 2))
    labels, real = rng.integers(0, 4, size=(6, 2)), rng.normal(size=(6, 4, 2))
    for name in ours:
        if name.startswith(("CrossEntropy", "NLL")):
            inputs, target = x, labels
        elif name == "BCELoss":
            inputs, target = 1 / (1 + np.exp(-x)), (real > 0).astype(float)
        else:
            inputs, target = x, (real > 0).astype(float) if "BCE" in name else real
        _compare(torch, ours[name], theirs[name], inputs, target, rng)
        assert list(ours[name].state_dict()) == list(theirs[name].state_dict()), name
        assert repr(ours[name]) == repr(theirs[name])
