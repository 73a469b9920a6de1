"""Optimizers at the corners, against torch.optim (float64, tight tolerance): hyperparameter
corners, float32 parameters, groups added mid-training with intermittently unused
parameters, resuming from a state_dict, Momentum and Nesterov against the book's update
rules, closures, and gradients left untouched."""

import numpy as np
import pytest
from helpers import W0, gradient, tnp, torch_param
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value

torch = oracle("torch")

STEPS = 20

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
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.2, eps=1e-4)),
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


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    CORNERS,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CORNERS],
)
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


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
    ],
)
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


@pytest.mark.oracle
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


def test_nesterov_follows_the_books_update_step_for_step():
    """v = m v - lr g;  p += m^2 v - (1 + m) lr g, on a quadratic bowl, from scratch."""
    rng = np.random.default_rng(4)
    p = nn.Parameter(rng.standard_normal(5))
    opt = nn.optim.Nesterov([p], lr=0.05, momentum=0.9)
    mine, v = p.data.copy(), np.zeros(5)
    for _ in range(20):
        p.grad = 2 * p.data  # d/dp of |p|^2
        opt.step()
        g = 2 * mine
        v = 0.9 * v - 0.05 * g
        mine = mine + 0.9 * 0.9 * v - (1 + 0.9) * 0.05 * g
        np.testing.assert_allclose(p.data, mine, rtol=1e-12, atol=1e-15)
    assert np.abs(p.data).max() < 0.1  # and it converges


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


def test_optimizers_neither_modify_the_gradient_nor_keep_it_in_their_state():
    for name, kw in [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adam", dict(lr=0.1, weight_decay=0.1)),
        ("AdamW", dict(lr=0.1)),
        ("RMSprop", dict(lr=0.1, centered=True, momentum=0.9, weight_decay=0.1)),
        ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
        ("Momentum", dict(lr=0.1)),
    ]:
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


# --- groups, unused parameters, state_dict ------------------------------------------------


def _groups_run(lib):
    ours = lib == "ours"
    make = (lambda w: nn.Parameter(w)) if ours else torch_param
    optim = nn.optim if ours else torch.optim
    P = [make(W0.copy() + i) for i in range(4)]
    opt = optim.Adam(
        [{"params": [P[0]]}, {"params": [P[1]], "lr": 0.05, "betas": (0.5, 0.9)}],
        lr=0.01,
        amsgrad=True,
    )
    for k in range(STEPS):
        if k == 5:
            opt.add_param_group({"params": [P[2], P[3]], "weight_decay": 0.1})
        for i, p in enumerate(P):
            if (i == 3 and k % 3) or (i == 0 and k in (7, 8)):
                p.grad = None  # unused this step: no update, no step count
                continue
            g = gradient(p.data if ours else tnp(p), k)
            p.grad = g if ours else torch.tensor(g)
        opt.step()
    return [np.array(p.data if ours else tnp(p)) for p in P], opt


@pytest.mark.oracle
def test_groups_added_mid_training_with_intermittently_unused_params_match_torch():
    ours, opt = _groups_run("ours")
    theirs, topt = _groups_run("torch")
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
    assert opt.param_groups[2]["betas"] == (0.9, 0.999) and opt.param_groups[2]["amsgrad"]
    steps = [int(opt.state[i]["step"]) for i in range(4)]
    assert steps == [int(topt.state[p]["step"]) for g in topt.param_groups for p in g["params"]]


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.05)),
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
        ("Adam", dict(lr=0.01, weight_decay=0.1)),
        ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ],
)
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
    opt2 = getattr(nn.optim, name)([p2], lr=123.0)  # options come from the state_dict
    opt2.load_state_dict(saved)
    for entry in saved["state"].values():  # the loaded state is a copy
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


@pytest.mark.oracle
def test_fine_tuning_with_frozen_parameters_given_to_the_optimizer_as_pytorch():
    """`optim.SGD(model.parameters())` after freezing a layer: the frozen one is kept
    and skipped (its grad stays None); unfrozen later, it trains from then on."""
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    theirs.double().load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    ours[0].requires_grad_(False)
    theirs[0].requires_grad_(False)
    opt = nn.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x = np.random.default_rng(0).normal(size=(5, 3))
    for step in range(4):
        if step == 2:
            ours[0].requires_grad_(True)
            theirs[0].requires_grad_(True)
        opt.zero_grad()
        topt.zero_grad()
        (ours(x) ** 2).mean().backward()
        (theirs(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
        topt.step()
    for (name, ours_value), theirs_value in zip(
        ours.state_dict().items(), theirs.state_dict().values()
    ):
        np.testing.assert_allclose(ours_value, theirs_value.numpy(), rtol=1e-13, err_msg=name)
    with pytest.raises(ValueError, match="requires_grad=True"):  # a forgotten requires_grad
        nn.optim.SGD([nn.Parameter([1.0]), Tensor([2.0])], lr=0.1)


def test_state_takes_the_parameter_and_groups_keep_labels_as_pytorch():
    model = nn.Linear(2, 1)
    opt = nn.optim.Adam([{"params": model.parameters(), "name": "head"}], lr=0.1)
    model(np.ones((3, 2))).sum().backward()
    opt.step()
    assert sorted(opt.state[model.weight]) == ["exp_avg", "exp_avg_sq", "step"]
    assert model.bias in opt.state and opt.state.get(model.weight) is opt.state[0]
    assert opt.param_groups[0]["name"] == opt.state_dict()["param_groups"][0]["name"] == "head"
    with pytest.raises(ValueError, match=r"\['weight_decy'\].*did you mean 'weight_decay'"):
        opt.add_param_group({"params": [nn.Parameter([1.0])], "weight_decy": 0.1})
    with pytest.raises(KeyError, match="not one of the optimizer's parameters"):
        opt.state[nn.Parameter([1.0])]
