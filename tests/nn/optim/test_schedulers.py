"""Learning-rate schedulers: closed forms, 30-epoch sequences against torch.optim.lr_scheduler
(several groups, groups added later, an lr changed by hand, two schedulers composed),
resuming from state_dicts (through nn.save too), and clear errors."""

import math

import numpy as np
import pytest
from helpers import W0, torch_param
from oracles import oracle

from scratchgrad import nn

torch = oracle("torch")


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

    assert lrs(lambda o: nn.optim.StepLR(o, 3, gamma=0.5)) == [
        1,
        1,
        1,
        0.5,
        0.5,
        0.5,
        0.25,
        0.25,
        0.25,
    ]
    assert lrs(lambda o: nn.optim.ExponentialLR(o, 0.9)) == pytest.approx(
        [0.9**t for t in range(9)]
    )
    assert lrs(lambda o: nn.optim.CosineAnnealingLR(o, T_max=4, eta_min=0.1)) == pytest.approx(
        [0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)]
    )
    # micrograd's demo: lr = 1.0 - 0.9 * k / 100
    micro = lrs(lambda o: nn.optim.LinearLR(o, 1.0, 0.1, total_iters=100), n=100)
    assert micro == pytest.approx([1.0 - 0.9 * k / 100 for k in range(101)])


@pytest.mark.oracle
def test_schedulers_match_torch():
    makers = [
        ("StepLR", dict(step_size=2, gamma=0.3)),
        ("ExponentialLR", dict(gamma=0.8)),
        ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
        ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=4)),
    ]
    for name, kw in makers:
        opt = nn.optim.SGD([nn.Parameter([0.0])], lr=0.5)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        ours = getattr(nn.optim, name)(opt, **kw)
        theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        for _ in range(7):
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12), name
            opt.step(), topt.step(), ours.step(), theirs.step()


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=2.0)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("ExponentialLR", dict(gamma=1.0)),
    ("CosineAnnealingLR", dict(T_max=7)),  # 30 steps: well past T_max, twice
    ("CosineAnnealingLR", dict(T_max=1)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.1)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=1.0)),  # eta_min above the base lr
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=10)),
]


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    SCHEDULES,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in SCHEDULES],
)
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


def _sgd_pair(torch, lr=1.0, groups=1):
    ours = nn.optim.SGD([{"params": [nn.Parameter([0.0])]} for _ in range(groups)], lr=lr)
    theirs = torch.optim.SGD(
        [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(groups)], lr=lr
    )
    return ours, theirs


@pytest.mark.oracle
def test_two_schedulers_on_one_optimizer_compose_like_pytorch():
    ours, theirs = _sgd_pair(torch)
    mine = [nn.optim.ExponentialLR(ours, 0.9), nn.optim.StepLR(ours, 3, 0.1)]
    torchs = [
        torch.optim.lr_scheduler.ExponentialLR(theirs, 0.9),
        torch.optim.lr_scheduler.StepLR(theirs, 3, 0.1),
    ]
    for _ in range(7):
        ours.step(), theirs.step()
        for a, b in zip(mine, torchs):
            a.step(), b.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name, kw",
    [
        ("StepLR", dict(step_size=2, gamma=0.5)),
        ("ExponentialLR", dict(gamma=0.8)),
        ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
        ("LinearLR", dict(start_factor=0.25, total_iters=4)),
    ],
)
def test_an_lr_changed_by_hand_is_scheduled_from_and_new_groups_are_scheduled(name, kw):
    ours, theirs = _sgd_pair(torch)
    a = getattr(nn.optim, name)(ours, **kw)
    b = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    for epoch in range(9):
        if epoch == 2:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 0.1
        if epoch == 3 and name != "CosineAnnealingLR":  # PyTorch's cosine cannot
            ours.add_param_group({"params": [nn.Parameter([0.0])], "lr": 4.0})
            theirs.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 4.0})
        ours.step(), theirs.step(), a.step(), b.step()
        assert a.get_last_lr() == pytest.approx(b.get_last_lr(), rel=1e-12), epoch


def test_cosine_with_a_fractional_period_never_divides_by_zero():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    sched = nn.optim.CosineAnnealingLR(opt, T_max=2 / 3)
    for t in range(1, 13):
        opt.step()
        sched.step()
        closed = (1 + math.cos(math.pi * t / (2 / 3))) / 2
        assert opt.param_groups[0]["lr"] == pytest.approx(closed, abs=1e-9), t


def test_schedulers_take_numpy_numbers_and_loaded_zero_d_arrays():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    nn.optim.StepLR(opt, np.int64(3), gamma=np.float32(0.5))
    nn.optim.CosineAnnealingLR(opt, T_max=np.int64(5))
    nn.optim.LinearLR(opt, total_iters=np.int64(5))
    nn.optim.StepLR(opt, 3, last_epoch=np.array(0))


# --- resuming -----------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name,kw",
    [
        ("StepLR", dict(step_size=3, gamma=0.5)),
        ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)),
        ("LinearLR", dict(total_iters=6)),
        ("ExponentialLR", dict(gamma=0.7)),
    ],
)
def test_scheduler_and_optimizer_resume_like_torch(name, kw, tmp_path):
    def run(lib):
        ours = lib == "ours"
        mk = (
            (lambda: nn.optim.Adam([nn.Parameter(W0.copy())], lr=0.5))
            if ours
            else (lambda: torch.optim.Adam([torch_param(W0)], lr=0.5))
        )
        sched = getattr(nn.optim if ours else torch.optim.lr_scheduler, name)
        opt = mk()
        s = sched(opt, **kw)
        for _ in range(4):
            opt.step()
            s.step()
        osd, ssd = opt.state_dict(), s.state_dict()
        if ours:  # through the file format too
            nn.save(osd, tmp_path / "o.npz")
            nn.save(ssd, tmp_path / "s.npz")
            osd, ssd = nn.load(tmp_path / "o.npz"), nn.load(tmp_path / "s.npz")
        opt2 = mk()
        s2 = sched(opt2, **kw)  # scheduler first, then the two loads (the usual order)
        opt2.load_state_dict(osd)
        s2.load_state_dict(ssd)
        out = []
        for _ in range(6):
            out.append(opt2.param_groups[0]["lr"])
            opt2.step()
            s2.step()
        return out

    assert run("ours") == pytest.approx(run("torch"), rel=1e-13, abs=1e-15)


def test_optimizer_state_loads_with_or_without_a_schedulers_initial_lr():
    scheduled = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    nn.optim.StepLR(scheduled, 2)
    plain = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    plain.load_state_dict(scheduled.state_dict())  # optimizer, then scheduler
    assert plain.param_groups[0]["initial_lr"] == 0.1
    nn.optim.StepLR(plain, 2, last_epoch=0)  # resuming works now
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
    with pytest.raises(ValueError, match="step_size must be a positive int, got '2'"):
        nn.optim.StepLR(opt, "2")
    assert nn.optim.StepLR(opt, 2.5).step_size == 2.5  # as PyTorch: a float is taken


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


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.oracle
def test_scheduler_rejects_a_torch_optimizer_and_bad_sizes():
    with pytest.raises(TypeError, match="StepLR needs an nn.optim optimizer, got SGD"):
        nn.optim.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), 2)
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    with pytest.raises(ValueError, match="step_size must be a positive int, got -0.5"):
        nn.optim.StepLR(opt, -0.5)
    with pytest.raises(ValueError, match="T_max must be positive, got 0"):
        nn.optim.CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match="total_iters must be a positive int"):
        nn.optim.LinearLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="start_factor"):
        nn.optim.LinearLR(opt, start_factor=0.0)


def test_scheduler_state_is_checked_by_the_constructors_rules():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    cosine = nn.optim.CosineAnnealingLR(opt, T_max=4)
    with pytest.raises(ValueError, match="T_max must be positive"):
        cosine.load_state_dict({**cosine.state_dict(), "T_max": 0})
    linear = nn.optim.LinearLR(opt)
    with pytest.raises(ValueError, match="start_factor"):
        linear.load_state_dict({**linear.state_dict(), "start_factor": 0.0})
