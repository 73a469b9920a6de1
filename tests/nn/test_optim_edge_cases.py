"""Edge cases of nn.optim against torch.optim / torch.nn.utils (float64, tight tolerance):
hyperparameter corners, float32 parameters, groups added mid-training with unused
parameters, state_dict resumes, longer scheduler sequences, gradient clipping norms and
bad-input messages. Complements tests/nn/test_optim.py (which covers the basic cases)."""
import math

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Value

torch = pytest.importorskip("torch")

STEPS = 20
W0 = np.random.default_rng(0).normal(size=(3, 2))


def gradient(w, k):
    return np.sin(w * (k + 1)) + 0.3 * w - 0.1 * k


def torch_param(w):
    return torch.tensor(np.array(w, dtype=np.float64), requires_grad=True)


def tnp(t):
    return t.detach().numpy()


# --- trajectories at hyperparameter corners -------------------------------------------------

CORNERS = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=1.0)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=1.5)),
    ("SGD", dict(lr=0.05, momentum=0.3, nesterov=True)),
    ("SGD", dict(lr=0.0, momentum=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.5)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=2.0, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, eps=0.5, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.01, alpha=0.5)),
    ("RMSprop", dict(lr=0.01, alpha=0.0, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.2,
                     eps=1e-4)),
    ("Adam", dict(lr=0.01, betas=(0.0, 0.999))),
    ("Adam", dict(lr=0.01, betas=(0.9, 0.0))),
    ("Adam", dict(lr=0.01, betas=(0.0, 0.0))),
    ("Adam", dict(lr=0.01, eps=1.0)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=[0.5, 0.6])),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.0)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.5, betas=(0.0, 0.9))),
]


@pytest.mark.parametrize("name,kw", CORNERS,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                              for n, kw in CORNERS])
def test_corner_hyperparameters_match_torch(name, kw):
    p = nn.Parameter(W0.copy())
    opt = getattr(nn.optim, name)([p], **kw)
    tp = torch_param(W0)
    topt = getattr(torch.optim, name)([tp], **kw)
    for k in range(STEPS):
        p.grad = gradient(p.data, k)
        tp.grad = torch.tensor(gradient(tnp(tp), k))
        opt.step()
        topt.step()
        np.testing.assert_allclose(p.data, tnp(tp), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name,kw", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
])
def test_float32_parameters_stay_float32_and_track_torch(name, kw):
    p = nn.Parameter(W0.astype(np.float32))
    opt = getattr(nn.optim, name)([p], **kw)
    tp = torch.tensor(W0.astype(np.float32), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for k in range(STEPS):
        g = gradient(W0, k).astype(np.float32)
        p.grad, tp.grad = g.copy(), torch.tensor(g)
        opt.step()
        topt.step()
    assert p.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[0].values() if isinstance(v, np.ndarray))
    np.testing.assert_allclose(p.data, tnp(tp), rtol=0, atol=2e-6)


def test_momentum_is_torch_sgd_momentum_at_constant_lr_and_the_book_rule_when_lr_changes():
    p, q = nn.Parameter(W0.copy()), nn.Parameter(W0.copy())
    mom = nn.optim.Momentum([p], lr=0.1, momentum=0.9)
    tp = torch_param(W0)
    tsgd = torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    for k in range(STEPS):
        p.grad, tp.grad = gradient(p.data, k), torch.tensor(gradient(tnp(tp), k))
        mom.step()
        tsgd.step()
    np.testing.assert_allclose(p.data, tnp(tp), rtol=1e-12, atol=1e-13)

    # with a changing lr the book's velocity keeps the old lr inside v (torch's buffer does not)
    mom = nn.optim.Momentum([q], lr=0.1, momentum=0.9)
    w, v = W0.copy(), np.zeros_like(W0)
    for k in range(10):
        lr = 0.1 if k < 5 else 0.01
        mom.param_groups[0]["lr"] = lr
        q.grad = gradient(q.data, k)
        v = 0.9 * v - lr * gradient(w, k)
        w = w + v
        mom.step()
    np.testing.assert_allclose(q.data, w, rtol=1e-12, atol=1e-13)


def test_optimizers_neither_modify_the_gradient_nor_keep_it_in_their_state():
    for name, kw in [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
                     ("SGD", dict(lr=0.1, momentum=0.9)),
                     ("Adam", dict(lr=0.1, weight_decay=0.1)), ("AdamW", dict(lr=0.1)),
                     ("RMSprop", dict(lr=0.1, centered=True, momentum=0.9, weight_decay=0.1)),
                     ("Adagrad", dict(lr=0.1, weight_decay=0.1)), ("Momentum", dict(lr=0.1))]:
        p = nn.Parameter(W0.copy())
        opt = getattr(nn.optim, name)([p], **kw)
        g = gradient(W0, 1)
        p.grad = g.copy()
        opt.step()
        opt.step()
        np.testing.assert_array_equal(p.grad, g, err_msg=name)
        for v in opt.state[0].values():
            if isinstance(v, np.ndarray):
                assert not np.shares_memory(v, p.grad), name


def test_closure_loss_is_returned():
    p = nn.Parameter([2.0])
    opt = nn.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure).data) == 4.0
    np.testing.assert_allclose(p.data, [1.6])


# --- groups, unused parameters, state_dict --------------------------------------------------

def _groups_run(lib):
    ours = lib == "ours"
    make = (lambda w: nn.Parameter(w)) if ours else torch_param
    optim = nn.optim if ours else torch.optim
    P = [make(W0.copy() + i) for i in range(4)]
    opt = optim.Adam([{"params": [P[0]]}, {"params": [P[1]], "lr": 0.05, "betas": (0.5, 0.9)}],
                     lr=0.01, amsgrad=True)
    for k in range(STEPS):
        if k == 5:
            opt.add_param_group({"params": [P[2], P[3]], "weight_decay": 0.1})
        for i, p in enumerate(P):
            if (i == 3 and k % 3) or (i == 0 and k in (7, 8)):
                p.grad = None          # unused this step: no update, no step count
                continue
            g = gradient(p.data if ours else tnp(p), k)
            p.grad = g if ours else torch.tensor(g)
        opt.step()
    return [np.array(p.data if ours else tnp(p)) for p in P], opt


def test_groups_added_mid_training_with_intermittently_unused_params_match_torch():
    ours, opt = _groups_run("ours")
    theirs, topt = _groups_run("torch")
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
    assert opt.param_groups[2]["betas"] == (0.9, 0.999) and opt.param_groups[2]["amsgrad"]
    steps = [int(opt.state[i]["step"]) for i in range(4)]
    assert steps == [int(topt.state[p]["step"]) for g in topt.param_groups for p in g["params"]]


@pytest.mark.parametrize("name,kw", [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
])
def test_resuming_from_a_state_dict_mid_training_continues_like_torch(name, kw):
    p = nn.Parameter(W0.copy())
    opt = getattr(nn.optim, name)([p], **kw)
    tp = torch_param(W0)
    topt = getattr(torch.optim, name)([tp], **kw)
    for k in range(8):
        p.grad, tp.grad = gradient(p.data, k), torch.tensor(gradient(tnp(tp), k))
        opt.step()
        topt.step()
    saved = opt.state_dict()
    p2 = nn.Parameter(p.data.copy())
    opt2 = getattr(nn.optim, name)([p2], lr=123.0)   # options come from the state_dict
    opt2.load_state_dict(saved)
    for entry in saved["state"].values():              # the loaded state is a copy
        for v in entry.values():
            if isinstance(v, np.ndarray) and v.ndim:
                v[...] = 1e6
    for k in range(8, STEPS):
        p.grad, p2.grad = gradient(p.data, k), gradient(p2.data, k)
        tp.grad = torch.tensor(gradient(tnp(tp), k))
        opt.step()
        opt2.step()
        topt.step()
    np.testing.assert_allclose(p2.data, tnp(tp), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(p.data, tnp(tp), rtol=1e-12, atol=1e-13)  # state_dict() copied
    assert opt2.param_groups[0]["lr"] == kw["lr"]


def test_value_parameters_resume_from_a_state_dict():
    def fresh(ws):
        vals = [Value(float(x)) for x in ws]
        return vals, nn.optim.RMSprop(vals, lr=0.05, centered=True, momentum=0.5)

    def step(vals, opt, k):
        for v in vals:
            v.grad = float(gradient(np.array(v.data), k))
        opt.step()

    a, opt_a = fresh(W0.ravel())
    for k in range(3):
        step(a, opt_a, k)
    b, opt_b = fresh([v.data for v in a])
    opt_b.load_state_dict(opt_a.state_dict())
    for k in range(3, 10):
        step(a, opt_a, k)
        step(b, opt_b, k)
    assert [v.data for v in a] == [v.data for v in b]


# --- schedulers --------------------------------------------------------------------------

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=2.0)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("ExponentialLR", dict(gamma=1.0)),
    ("CosineAnnealingLR", dict(T_max=7)),              # 30 steps: well past T_max, twice
    ("CosineAnnealingLR", dict(T_max=1)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.1)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=1.0)),  # eta_min above the base lr
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=10)),
]


@pytest.mark.parametrize("name,kw", SCHEDULES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                              for n, kw in SCHEDULES])
def test_scheduler_sequences_match_torch_over_30_epochs(name, kw):
    opt = nn.optim.SGD([nn.Parameter([0.0]), nn.Parameter([0.0])], lr=0.5)
    opt.add_param_group({"params": [nn.Parameter([1.0])], "lr": 0.2})
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    topt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.2})
    ours = getattr(nn.optim, name)(opt, **kw)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for _ in range(30):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13, abs=1e-15)
        assert [g["lr"] for g in opt.param_groups] == ours.get_last_lr()
        opt.step()
        topt.step()
        ours.step()
        theirs.step()


@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=3, gamma=0.5)),
                                     ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)),
                                     ("LinearLR", dict(total_iters=6)),
                                     ("ExponentialLR", dict(gamma=0.7))])
def test_scheduler_and_optimizer_resume_like_torch(name, kw, tmp_path):
    def run(lib):
        ours = lib == "ours"
        mk = (lambda: nn.optim.Adam([nn.Parameter(W0.copy())], lr=0.5)) if ours else \
            (lambda: torch.optim.Adam([torch_param(W0)], lr=0.5))
        sched = getattr(nn.optim if ours else torch.optim.lr_scheduler, name)
        opt = mk()
        s = sched(opt, **kw)
        for _ in range(4):
            opt.step()
            s.step()
        osd, ssd = opt.state_dict(), s.state_dict()
        if ours:   # through the file format too
            nn.save(osd, tmp_path / "o.npz")
            nn.save(ssd, tmp_path / "s.npz")
            osd, ssd = nn.load(tmp_path / "o.npz"), nn.load(tmp_path / "s.npz")
        opt2 = mk()
        s2 = sched(opt2, **kw)      # scheduler first, then the two loads (the usual order)
        opt2.load_state_dict(osd)
        s2.load_state_dict(ssd)
        out = []
        for _ in range(6):
            out.append(opt2.param_groups[0]["lr"])
            opt2.step()
            s2.step()
        return out

    assert run("ours") == pytest.approx(run("torch"), rel=1e-13, abs=1e-15)


def test_scheduler_rejects_a_torch_optimizer_and_bad_sizes():
    with pytest.raises(TypeError, match="StepLR needs an nn.optim optimizer, got SGD"):
        nn.optim.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), 2)
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be a positive int, got 0.5"):
        nn.optim.StepLR(opt, 0.5)
    with pytest.raises(ValueError, match="T_max must be positive, got 0"):
        nn.optim.CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match="total_iters must be a positive int"):
        nn.optim.LinearLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="start_factor"):
        nn.optim.LinearLR(opt, start_factor=0.0)


# --- gradient clipping -------------------------------------------------------------------

GRADS = [np.random.default_rng(1).normal(size=(3, 2)) * 3,
         np.random.default_rng(2).normal(size=(4,)), np.array(0.7)]


def _clip_both(fn, arg, *extra, grads=GRADS, **kw):
    ours = [nn.Parameter(np.zeros(np.shape(g))) for g in grads]
    theirs = [torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        if g is not None:
            p.grad, t.grad = np.array(g, dtype=np.float64), torch.tensor(g)
    a = getattr(nn.optim, fn)(ours, arg, *extra, **kw)
    b = getattr(torch.nn.utils, fn)(theirs, arg, *extra, **kw)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-13, atol=1e-15)
    return a, b


@pytest.mark.parametrize("max_norm,norm_type", [
    (1.0, 2.0), (1.0, math.inf), (1.0, 1.0), (0.5, 3.0), (1.0, 0.5), (100.0, 2.0),
    (0.0, 2.0), (1e6, math.inf)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    total, ttotal = _clip_both("clip_grad_norm_", max_norm, norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(float(ttotal), rel=1e-13)


def test_clip_grad_norm_skips_none_grads_and_takes_generators_and_single_tensors():
    grads = [GRADS[0], None, GRADS[1]]
    total, ttotal = _clip_both("clip_grad_norm_", 1.0, grads=grads)
    assert total == pytest.approx(float(ttotal), rel=1e-13)
    a = nn.Parameter([0.0, 0.0])
    a.grad = np.array([3.0, 4.0])
    assert nn.optim.clip_grad_norm_((p for p in [a]), 1.0) == 5.0
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-6)
    b = nn.Parameter([0.0, 0.0])
    b.grad = np.array([3.0, 4.0])
    assert nn.optim.clip_grad_norm_(b, 1.0) == 5.0
    np.testing.assert_allclose(b.grad, [0.6, 0.8], rtol=1e-6)
    assert nn.optim.clip_grad_norm_([], 1.0) == 0.0 == float(torch.nn.utils.clip_grad_norm_([], 1.0))


def test_clip_grad_norm_inf_norm_on_values_and_nonfinite_check():
    vs = [Value(0.0), Value(0.0)]
    vs[0].grad, vs[1].grad = 3.0, -4.0
    assert nn.optim.clip_grad_norm_(vs, 1.0, math.inf) == 4.0
    assert [v.grad for v in vs] == pytest.approx([0.75, -1.0], rel=1e-6)
    p = nn.Parameter([0.0, 0.0])
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(FloatingPointError, match="total gradient norm is inf"):
        nn.optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad, [np.inf, 1.0])


def test_clip_grad_norm_handles_graph_gradients_and_float32():
    p = nn.Parameter(np.array([3.0, 4.0]))
    (p * p).sum().backward(create_graph=True)       # p.grad is a Tensor here
    assert nn.optim.clip_grad_norm_([p], 1.0) == pytest.approx(10.0)
    np.testing.assert_allclose(np.asarray(p.grad.data), [0.6, 0.8], rtol=1e-6)
    q = nn.Parameter(np.zeros(3, dtype=np.float32))
    q.grad = np.array([3.0, 4.0, 0.0], dtype=np.float32)
    assert nn.optim.clip_grad_norm_([q], 1.0) == pytest.approx(5.0)
    assert q.grad.dtype == np.float32
    np.testing.assert_allclose(q.grad, [0.6, 0.8, 0.0], rtol=1e-6)


@pytest.mark.parametrize("clip_value", [0.5, 0.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    _clip_both("clip_grad_value_", clip_value, grads=[GRADS[0], None, GRADS[1]])


def test_clipping_the_gradients_of_a_real_backward_in_place():
    x = nn.Parameter(np.zeros(3))
    (x + nn.Parameter(np.ones((4, 3)))).sum().backward()   # a broadcast gradient
    nn.optim.clip_grad_value_([x], 0.1)
    np.testing.assert_array_equal(x.grad, [0.1, 0.1, 0.1])
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        nn.optim.clip_grad_value_([x], -1.0)
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        nn.optim.clip_grad_norm_([x], -1.0)


# --- bad inputs: clear errors ------------------------------------------------------------

def P():
    return [nn.Parameter([1.0])]


@pytest.mark.parametrize("make,error,message", [
    (lambda: nn.optim.Adam(P(), lr="0.01"), ValueError, r"Adam: invalid lr='0.01'; it must be a number >= 0"),
    (lambda: nn.optim.Adam(P(), lr=None), ValueError, r"Adam: invalid lr=None"),
    (lambda: nn.optim.SGD(P(), lr=float("inf")), ValueError, r"SGD: invalid lr=inf"),
    (lambda: nn.optim.SGD(P(), lr=True), ValueError, r"SGD: invalid lr=True"),
    (lambda: nn.optim.Adam(P(), lr=torch.tensor(0.01)), ValueError, r"Adam: invalid lr=tensor"),
    (lambda: nn.optim.Adam(P(), betas=(-0.1, 0.99)), ValueError, r"invalid betas\[0\]=-0.1"),
    (lambda: nn.optim.Adam(P(), betas=(1.0, 0.99)), ValueError, r"invalid betas\[0\]=1.0.*\[0.0, 1.0\)"),
    (lambda: nn.optim.AdamW(P(), betas=(0.9, 0.99, 0.9)), ValueError, r"AdamW: betas must be a pair"),
    (lambda: nn.optim.Adam(P(), betas="ab"), ValueError, r"betas must be a pair.*got 'ab'"),
    (lambda: nn.optim.Adam(P(), eps="1e-8"), ValueError, r"Adam: invalid eps='1e-8'"),
    (lambda: nn.optim.SGD(P(), lr=0.1, momentum=-0.5), ValueError, r"SGD: invalid momentum=-0.5"),
    (lambda: nn.optim.SGD(P(), lr=0.1, momentum=0.5, dampening=1.5), ValueError, r"invalid dampening=1.5"),
    (lambda: nn.optim.SGD(P(), lr=0.1, momentum=0.5, dampening=0.1, nesterov=True), ValueError,
     r"nesterov=True needs momentum > 0 and dampening = 0"),
    (lambda: nn.optim.AdamW(P(), weight_decay=-1), ValueError, r"AdamW: invalid weight_decay=-1"),
    (lambda: nn.optim.Adagrad(P(), lr_decay=-1), ValueError, r"Adagrad: invalid lr_decay=-1"),
    (lambda: nn.optim.Adagrad(P(), initial_accumulator_value=-1), ValueError,
     r"invalid initial_accumulator_value=-1"),
    (lambda: nn.optim.RMSprop(P(), momentum=-1), ValueError, r"RMSprop: invalid momentum=-1"),
    (lambda: nn.optim.RMSprop(P(), alpha=-0.1), ValueError, r"RMSprop: invalid alpha=-0.1"),
    (lambda: nn.optim.Momentum(P(), momentum=-0.1), ValueError, r"Momentum: invalid momentum=-0.1"),
    (lambda: nn.optim.Momentum(P(), lr=-1.0), ValueError, r"Momentum: invalid lr=-1.0"),
    (lambda: nn.optim.SGD((p for p in []), lr=0.1), ValueError, r"empty parameter list"),
    (lambda: nn.optim.SGD(nn.Parameter([2.0]), lr=0.1), TypeError, r"got a single one: wrap it in a list"),
    (lambda: nn.optim.SGD([1.0], lr=0.1), TypeError, r"param_groups\[0\]\[0\] is a float"),
    (lambda: nn.optim.SGD([np.zeros(2)], lr=0.1), TypeError, r"is a ndarray; expected a Tensor or a Value"),
    (lambda: nn.optim.SGD([nn.Parameter([2.0]), {"params": P()}], lr=0.1), TypeError,
     r"param_groups\[0\]\[1\] is a dict"),
    (lambda: nn.optim.SGD([nn.Parameter([1.0]) * 2], lr=0.1), ValueError, r"must be a leaf Tensor"),
    (lambda: nn.optim.SGD(P(), lr=0.1, maximize=True), TypeError, r"maximize"),   # not silently ignored
    (lambda: nn.optim.Adam(P(), foreach=False), TypeError, r"foreach"),
])
def test_bad_inputs_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_add_param_group_validates_like_the_constructor():
    p = nn.Parameter([1.0])
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"param_groups\[1\]\[0\] appears twice"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match=r"SGD: invalid lr=-1"):
        opt.add_param_group({"params": P(), "lr": -1})
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['betas'\]"):
        opt.add_param_group({"params": P(), "betas": (0.9, 0.9)})
    assert len(opt.param_groups) == 1
    q = nn.Parameter([1.0])
    opt.add_param_group({"params": q, "momentum": 0.0})     # a bare tensor is accepted
    assert opt.param_groups[1]["params"] == [q] and opt.param_groups[1]["lr"] == 0.1


# --- regressions for the bugs this file's first version reported --------------------------

def _sgd_pair(torch, lr=1.0, groups=1):
    ours = nn.optim.SGD([{"params": [nn.Parameter([0.0])]} for _ in range(groups)], lr=lr)
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]}
                              for _ in range(groups)], lr=lr)
    return ours, theirs


def test_two_schedulers_on_one_optimizer_compose_like_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _sgd_pair(torch)
    mine = [nn.optim.ExponentialLR(ours, 0.9), nn.optim.StepLR(ours, 3, 0.1)]
    torchs = [torch.optim.lr_scheduler.ExponentialLR(theirs, 0.9),
              torch.optim.lr_scheduler.StepLR(theirs, 3, 0.1)]
    for _ in range(7):
        ours.step(), theirs.step()
        for a, b in zip(mine, torchs):
            a.step(), b.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"],
                                                           rel=1e-12)


@pytest.mark.parametrize("name, kw", [("StepLR", dict(step_size=2, gamma=0.5)),
                                      ("ExponentialLR", dict(gamma=0.8)),
                                      ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
                                      ("LinearLR", dict(start_factor=0.25, total_iters=4))])
def test_an_lr_changed_by_hand_is_scheduled_from_and_new_groups_are_scheduled(name, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = _sgd_pair(torch)
    a = getattr(nn.optim, name)(ours, **kw)
    b = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    for epoch in range(9):
        if epoch == 2:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 0.1
        if epoch == 3 and name != "CosineAnnealingLR":     # PyTorch's cosine cannot
            ours.add_param_group({"params": [nn.Parameter([0.0])], "lr": 4.0})
            theirs.add_param_group({"params": [torch.zeros(1, requires_grad=True)],
                                    "lr": 4.0})
        ours.step(), theirs.step(), a.step(), b.step()
        assert a.get_last_lr() == pytest.approx(b.get_last_lr(), rel=1e-12), epoch


def test_optimizer_state_loads_with_or_without_a_schedulers_initial_lr():
    scheduled = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    nn.optim.StepLR(scheduled, 2)
    plain = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    plain.load_state_dict(scheduled.state_dict())                 # optimizer, then scheduler
    assert plain.param_groups[0]["initial_lr"] == 0.1
    nn.optim.StepLR(plain, 2, last_epoch=0)                       # resuming works now
    scheduled.load_state_dict(nn.optim.SGD([nn.Parameter([0.0])], lr=0.2).state_dict())
    assert scheduled.param_groups[0]["lr"] == 0.2
    with pytest.raises(ValueError, match="load_state_dict"):
        nn.optim.StepLR(nn.optim.SGD([nn.Parameter([0.0])], lr=0.1), 2, last_epoch=3)


def test_scheduler_state_keeps_its_options():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    saved = nn.optim.StepLR(opt, 3, gamma=0.5).state_dict()
    fresh = nn.optim.StepLR(nn.optim.SGD([nn.Parameter([0.0])], lr=1.0), 2, gamma=0.1)
    fresh.load_state_dict(saved)
    assert (fresh.step_size, fresh.gamma) == (3, 0.5)
    with pytest.raises(ValueError, match="step_size must be a positive int, got 2.5"):
        nn.optim.StepLR(opt, 2.5)


@pytest.mark.parametrize("grad", [np.ones(2), [1.0]])
def test_a_gradient_of_the_wrong_shape_is_refused_not_broadcast(grad):
    p = nn.Parameter(np.zeros((3, 2)))
    for opt in (nn.optim.SGD([p], lr=0.1), nn.optim.Adam([p])):
        p.grad = grad
        with pytest.raises(ValueError, match=r"has shape \(3, 2\) but its gradient"):
            opt.step()
        np.testing.assert_array_equal(p.data, 0.0)


@pytest.mark.parametrize("norm_type", ["inf", 0, -math.inf, math.inf, 1.5])
def test_clip_grad_norm_types_match_pytorch(norm_type):
    torch = pytest.importorskip("torch")
    p, tp = nn.Parameter([0.0, 0.0]), torch.zeros(2, dtype=torch.float64, requires_grad=True)
    p.grad, tp.grad = np.array([3.0, 0.5]), torch.tensor([3.0, 0.5], dtype=torch.float64)
    ours = nn.optim.clip_grad_norm_([p], 1.0, norm_type=norm_type)
    theirs = torch.nn.utils.clip_grad_norm_([tp], 1.0, norm_type=norm_type)
    assert ours == pytest.approx(theirs.item())
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_of_a_create_graph_gradient_and_norm_of_integer_grads():
    p = nn.Parameter([3.0, 4.0])
    (p * p).sum().backward(create_graph=True)
    nn.optim.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(np.asarray(p.grad.data), [1.0, 1.0])
    q = nn.Parameter([0.0, 0.0])
    q.grad = np.array([3, 4])
    nn.optim.clip_grad_norm_([q], 1.0)
    np.testing.assert_allclose(q.grad, [0.6, 0.8], rtol=1e-5)


@pytest.mark.parametrize("make, error, message", [
    (lambda p: nn.optim.Adam([p], betas=0.9), ValueError, r"betas must be a pair"),
    (lambda p: nn.optim.Adam([{"params": [p], "betas": 0.9}]), ValueError,
     r"betas must be a pair"),
    (lambda p: nn.optim.SGD([{"lr": 0.1}]), ValueError, r"needs a 'params' entry"),
    (lambda p: nn.optim.SGD([p], lr=0.1).add_param_group(nn.Parameter([1.0])), TypeError,
     r"a parameter group is a dict"),
])
def test_malformed_options_and_groups_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make(nn.Parameter([0.0]))


def test_a_value_with_grad_none_is_named():
    v = Value(1.0)
    opt = nn.optim.SGD([v], lr=0.1)
    v.grad = None
    with pytest.raises(ValueError, match="has grad None"):
        opt.step()
    assert v.data == 1.0


def test_schedulers_take_numpy_numbers_and_loaded_zero_d_arrays():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    nn.optim.StepLR(opt, np.int64(3), gamma=np.float32(0.5))
    nn.optim.CosineAnnealingLR(opt, T_max=np.int64(5))
    nn.optim.LinearLR(opt, total_iters=np.int64(5))
    nn.optim.StepLR(opt, 3, last_epoch=np.array(0))


def test_loading_only_a_schedulers_state_restores_the_lr():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    sched = nn.optim.StepLR(opt, 3, gamma=0.1)
    for _ in range(5):
        opt.step()
        sched.step()
    fresh_opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    fresh = nn.optim.StepLR(fresh_opt, 3, gamma=0.1)
    fresh.load_state_dict(sched.state_dict())
    fresh.step()
    sched.step()
    assert fresh_opt.param_groups[0]["lr"] == pytest.approx(opt.param_groups[0]["lr"])


def test_scheduler_state_is_checked_by_the_constructors_rules():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    cosine = nn.optim.CosineAnnealingLR(opt, T_max=4)
    with pytest.raises(ValueError, match="T_max must be positive"):
        cosine.load_state_dict({**cosine.state_dict(), "T_max": 0})
    linear = nn.optim.LinearLR(opt)
    with pytest.raises(ValueError, match="start_factor"):
        linear.load_state_dict({**linear.state_dict(), "start_factor": 0.0})


def test_cosine_with_a_fractional_period_never_divides_by_zero():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=2 / 3)
    for t in range(1, 13):
        opt.step()
        sched.step()
        closed = (1 + math.cos(math.pi * t / (2 / 3))) / 2
        assert opt.param_groups[0]["lr"] == pytest.approx(closed, abs=1e-9), t


def test_nesterov_follows_the_books_update_step_for_step():
    """v = m v - lr g;  p += m^2 v - (1 + m) lr g, on a quadratic bowl, from scratch."""
    rng = np.random.default_rng(4)
    p = nn.Parameter(rng.standard_normal(5))
    opt = nn.optim.Nesterov([p], lr=0.05, momentum=0.9)
    mine, v = p.data.copy(), np.zeros(5)
    for _ in range(20):
        p.grad = 2 * p.data                     # d/dp of |p|^2
        opt.step()
        g = 2 * mine
        v = 0.9 * v - 0.05 * g
        mine = mine + 0.9 * 0.9 * v - (1 + 0.9) * 0.05 * g
        np.testing.assert_allclose(p.data, mine, rtol=1e-12, atol=1e-15)
    assert np.abs(p.data).max() < 0.1                # and it converges


def test_nesterov_validates_like_momentum_and_resumes():
    with pytest.raises(ValueError, match="Nesterov: invalid momentum"):
        nn.optim.Nesterov([nn.Parameter([0.0])], momentum=-1)
    p = nn.Parameter([1.0, 2.0])
    opt = nn.optim.Nesterov([p], lr=0.1)
    p.grad = np.array([1.0, 1.0])
    opt.step()
    again = nn.optim.Nesterov([p], lr=0.1)
    again.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(again.state[0]["velocity"], opt.state[0]["velocity"])
