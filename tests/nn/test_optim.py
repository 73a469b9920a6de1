"""Optimizers: 25-step trajectories against the textbook formulas (written out again
here, element by element) and against torch.optim; Value params; safety rules."""
import math

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value

STEPS = 25
W0 = np.random.default_rng(0).normal(size=(3, 2))


def gradient(w, k):
    """A deterministic, step-dependent gradient field (not a fixed constant)."""
    return np.sin(w * (k + 1)) + 0.3 * w - 0.1 * k


def reference(name, kw, w):
    """The update rules, written directly from the formulas for one float at a time."""
    lr, wd = kw.get("lr"), kw.get("weight_decay", 0.0)
    m = {"buf": None, "v": 0.0, "h": kw.get("initial_accumulator_value", 0.0), "s": 0.0,
         "a": 0.0, "b": 0.0, "m": 0.0, "vv": 0.0, "vmax": 0.0}
    out = []
    for k in range(STEPS):
        g = float(gradient(np.array(w), k))
        if name == "AdamW":
            w = w * (1 - lr * wd)
        elif name != "Momentum":
            g = g + wd * w
        t = k + 1
        if name == "SGD":
            mu, damp = kw.get("momentum", 0.0), kw.get("dampening", 0.0)
            if mu:
                m["buf"] = g if m["buf"] is None else mu * m["buf"] + (1 - damp) * g
                g = g + mu * m["buf"] if kw.get("nesterov") else m["buf"]
            w = w - lr * g
        elif name == "Momentum":
            m["v"] = kw["momentum"] * m["v"] - lr * g
            w = w + m["v"]
        elif name == "Adagrad":
            m["h"] += g * g
            w = w - lr / (1 + (t - 1) * kw.get("lr_decay", 0.0)) * g / (math.sqrt(m["h"]) + 1e-10)
        elif name == "RMSprop":
            alpha, mu = kw.get("alpha", 0.99), kw.get("momentum", 0.0)
            m["s"] = alpha * m["s"] + (1 - alpha) * g * g
            if kw.get("centered"):
                m["a"] = alpha * m["a"] + (1 - alpha) * g
                d = math.sqrt(m["s"] - m["a"] ** 2) + 1e-8
            else:
                d = math.sqrt(m["s"]) + 1e-8
            if mu:
                m["b"] = mu * m["b"] + g / d
                w = w - lr * m["b"]
            else:
                w = w - lr * g / d
        else:   # Adam, AdamW
            b1, b2 = kw.get("betas", (0.9, 0.999))
            m["m"] = b1 * m["m"] + (1 - b1) * g
            m["vv"] = b2 * m["vv"] + (1 - b2) * g * g
            v = m["vmax"] = max(m["vmax"], m["vv"]) if kw.get("amsgrad") else m["vv"]
            mhat, vhat = m["m"] / (1 - b1 ** t), v / (1 - b2 ** t)
            w = w - lr * mhat / (math.sqrt(vhat) + 1e-8)
        out.append(w)
    return out


CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("Momentum", dict(lr=0.05, momentum=0.9)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
]
IDS = [f"{n}-{'-'.join(k for k in kw if k != 'lr') or 'plain'}" for n, kw in CASES]


def run(name, kw, params):
    opt = getattr(nn.optim, name)(params, **kw)
    history = []
    for k in range(STEPS):
        for p in params:
            g = gradient(np.asarray(p.data), k)
            p.grad = float(g) if isinstance(p, Value) else g
        opt.step()
        history.append(np.array([p.data for p in params]) if isinstance(params[0], Value)
                       else params[0].data.copy())
    return opt, history


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_trajectory_matches_formulas_for_tensors_and_values(name, kw):
    _, tensor_path = run(name, kw, [nn.Parameter(W0.copy())])
    _, value_path = run(name, kw, [Value(x) for x in W0.ravel()])
    expected = np.array([reference(name, kw, x) for x in W0.ravel()]).T   # (steps, 6)
    np.testing.assert_allclose(np.array(tensor_path).reshape(STEPS, -1), expected,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.array(value_path), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kw", [c for c in CASES if c[0] != "Momentum"],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] != "Momentum"])
def test_trajectory_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    _, ours = run(name, kw, [nn.Parameter(W0.copy())])
    tp = torch.tensor(W0.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for k in range(STEPS):
        tp.grad = torch.tensor(gradient(tp.detach().numpy(), k))
        topt.step()
        np.testing.assert_allclose(ours[k], tp.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW"):
        ours = getattr(nn.optim, name)([nn.Parameter([1.0])]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_param_groups_have_their_own_lr_and_none_grads_are_skipped():
    a, b, unused = nn.Parameter([1.0]), nn.Parameter([1.0]), nn.Parameter([5.0])
    opt = nn.optim.SGD([{"params": [a]}, {"params": [b, unused], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    assert unused.data[0] == 5.0 and 2 not in opt.state


def test_nan_gradient_raises_naming_the_parameter_and_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Linear(2, 1, seed=1))
    opt = nn.optim.Adam(model.named_parameters(), lr=0.1)
    before = model.state_dict()
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    model[1].bias.grad = np.array([np.nan])
    with pytest.raises(nn.optim.NonFiniteGradientError,
                       match=r"parameter 1\.bias of shape \(1,\) has a non-finite gradient "
                             r"\(nan\); nothing was updated"):
        opt.step()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    values = [Value(1.0), Value(2.0, label="w")]
    values[1].grad = math.inf
    with pytest.raises(nn.optim.NonFiniteGradientError, match=r"param_groups\[0\]\[1\].*inf"):
        nn.optim.SGD(values, lr=0.1).step()


@pytest.mark.parametrize("make,message", [
    (lambda p: nn.optim.SGD(p, lr=-0.1), r"SGD: invalid lr=-0.1; it must be a number >= 0"),
    (lambda p: nn.optim.Adam(p, betas=(0.9, 1.0)), r"Adam: invalid betas\[1\]=1.0.*\[0.0, 1.0\)"),
    (lambda p: nn.optim.AdamW(p, eps=-1e-8), r"AdamW: invalid eps=-1e-08"),
    (lambda p: nn.optim.RMSprop(p, alpha=1.5), r"RMSprop: invalid alpha=1.5"),
    (lambda p: nn.optim.SGD(p, lr=float("nan")), r"SGD: invalid lr=nan"),
    (lambda p: nn.optim.SGD(p, lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
    (lambda p: nn.optim.SGD(p + p, lr=0.1), r"appears twice"),
    (lambda p: nn.optim.Adam([], lr=0.1), r"empty parameter list"),
    (lambda p: nn.optim.Adam([Tensor([1.0])]), r"requires_grad=True"),
    (lambda p: nn.optim.Adam([{"params": p, "momentum": 0.9}]), r"unknown option"),
])
def test_bad_hyperparameters_are_rejected_at_construction(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make([nn.Parameter([1.0])])


def test_state_dict_round_trip_continues_the_same_trajectory(tmp_path):
    def fresh():
        p = nn.Parameter(W0.copy())
        return p, nn.optim.Adam([p], lr=0.05, amsgrad=True)

    p1, opt1 = fresh()
    for k in range(5):
        p1.grad = gradient(p1.data, k)
        opt1.step()
    nn.save(opt1.state_dict(), tmp_path / "opt.npz")
    p2, opt2 = fresh()
    p2.data[...] = p1.data
    opt2.load_state_dict(nn.load(tmp_path / "opt.npz"))
    for k in range(5, 10):
        for p, opt in ((p1, opt1), (p2, opt2)):
            p.grad = gradient(p.data, k)
            opt.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    other = nn.optim.Adam([nn.Parameter(np.zeros(4))])
    with pytest.raises(ValueError, match=r"state\[0\]\['exp_avg'\] has shape \(3, 2\), the "
                                         r"parameter has shape \(4,\)"):
        other.load_state_dict(opt1.state_dict())


def test_zero_grad_for_both_node_types():
    t, v = nn.Parameter([1.0]), Value(1.0)
    t.grad, v.grad = np.array([2.0]), 2.0
    nn.optim.SGD([t, v], lr=0.1).zero_grad()
    assert t.grad is None and v.grad == 0.0


def test_schedulers_follow_their_closed_forms():
    def lrs(make, n=8):
        opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
        sched = make(opt)
        out = [sched.get_last_lr()[0]]
        for _ in range(n):
            opt.step()
            sched.step()
            out.append(opt.param_groups[0]["lr"])
        return out

    assert lrs(lambda o: nn.optim.StepLR(o, 3, gamma=0.5)) == \
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert lrs(lambda o: nn.optim.ExponentialLR(o, 0.9)) == pytest.approx(
        [0.9 ** t for t in range(9)])
    assert lrs(lambda o: nn.optim.CosineAnnealingLR(o, T_max=4, eta_min=0.1)) == \
        pytest.approx([0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)])
    # micrograd's demo: lr = 1.0 - 0.9 * k / 100
    micro = lrs(lambda o: nn.optim.LinearLR(o, 1.0, 0.1, total_iters=100), n=100)
    assert micro == pytest.approx([1.0 - 0.9 * k / 100 for k in range(101)])


def test_schedulers_match_torch():
    torch = pytest.importorskip("torch")
    makers = [("StepLR", dict(step_size=2, gamma=0.3)), ("ExponentialLR", dict(gamma=0.8)),
              ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
              ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=4))]
    for name, kw in makers:
        opt = nn.optim.SGD([nn.Parameter([0.0])], lr=0.5)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        ours = getattr(nn.optim, name)(opt, **kw)
        theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        for _ in range(7):
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12), name
            opt.step(), topt.step(), ours.step(), theirs.step()


def test_clip_grad_norm_and_value():
    a, b, v = nn.Parameter([0.0, 0.0]), nn.Parameter([0.0]), Value(0.0)
    a.grad, b.grad, v.grad = np.array([3.0, 0.0]), np.array([0.0]), 4.0
    total = nn.optim.clip_grad_norm_([a, b, v], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    assert v.grad == pytest.approx(0.8, rel=1e-6)
    assert nn.optim.clip_grad_norm_([a, v], max_norm=10.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)      # under the cap: unchanged
    a.grad = np.array([-3.0, 0.2])
    v.grad = 7.0
    nn.optim.clip_grad_value_([a, v], 0.5)
    np.testing.assert_array_equal(a.grad, [-0.5, 0.2])
    assert v.grad == 0.5
