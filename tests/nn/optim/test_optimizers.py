"""Optimizers: 25-step trajectories against the textbook formulas (written out again here,
element by element) and against torch.optim, for Tensor and Value parameters; PyTorch's
defaults; param groups; state_dict round trips."""

import math

import numpy as np
import pytest
from helpers import W0, gradient
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Value

torch = oracle("torch")

STEPS = 25


def reference(name, kw, w):
    """The update rules, written directly from the formulas for one float at a time."""
    lr, wd = kw.get("lr"), kw.get("weight_decay", 0.0)
    m = {
        "buf": None,
        "v": 0.0,
        "h": kw.get("initial_accumulator_value", 0.0),
        "s": 0.0,
        "a": 0.0,
        "b": 0.0,
        "m": 0.0,
        "vv": 0.0,
        "vmax": 0.0,
    }
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
        else:  # Adam, AdamW
            b1, b2 = kw.get("betas", (0.9, 0.999))
            m["m"] = b1 * m["m"] + (1 - b1) * g
            m["vv"] = b2 * m["vv"] + (1 - b2) * g * g
            v = m["vmax"] = max(m["vmax"], m["vv"]) if kw.get("amsgrad") else m["vv"]
            mhat, vhat = m["m"] / (1 - b1**t), v / (1 - b2**t)
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
        history.append(
            np.array([p.data for p in params])
            if isinstance(params[0], Value)
            else params[0].data.copy()
        )
    return opt, history


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_trajectory_matches_formulas_for_tensors_and_values(name, kw):
    _, tensor_path = run(name, kw, [nn.Parameter(W0.copy())])
    _, value_path = run(name, kw, [Value(x) for x in W0.ravel()])
    expected = np.array([reference(name, kw, x) for x in W0.ravel()]).T  # (steps, 6)
    np.testing.assert_allclose(
        np.array(tensor_path).reshape(STEPS, -1), expected, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(np.array(value_path), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    [c for c in CASES if c[0] != "Momentum"],
    ids=[i for i, c in zip(IDS, CASES) if c[0] != "Momentum"],
)
def test_trajectory_matches_torch(name, kw):
    _, ours = run(name, kw, [nn.Parameter(W0.copy())])
    tp = torch.tensor(W0.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for k in range(STEPS):
        tp.grad = torch.tensor(gradient(tp.detach().numpy(), k))
        topt.step()
        np.testing.assert_allclose(ours[k], tp.detach().numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.oracle
def test_defaults_match_torch():
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
    with pytest.raises(
        ValueError,
        match=r"state\[0\]\['exp_avg'\] has shape \(3, 2\), the "
        r"parameter has shape \(4,\)",
    ):
        other.load_state_dict(opt1.state_dict())


def test_zero_grad_for_both_node_types():
    t, v = nn.Parameter([1.0]), Value(1.0)
    t.grad, v.grad = np.array([2.0]), 2.0
    nn.optim.SGD([t, v], lr=0.1).zero_grad()
    assert t.grad is None and v.grad == 0.0
