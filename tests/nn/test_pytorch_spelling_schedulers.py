"""MultiStepLR, ReduceLROnPlateau and Adadelta against torch.optim, step for step,
including resuming from a saved state (through nn.save / nn.load)."""

import numpy as np
import oracles
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.optim import lr_scheduler  # PyTorch's path, every schedule


@pytest.fixture
def torch():
    return oracles.load("torch")


def _pair(torch, lr=0.5, groups=2):
    """An nn.optim.SGD and a torch.optim.SGD with `groups` groups (lr, lr/2, ...)."""
    ours = nn.optim.SGD([nn.Parameter([0.0])], lr=lr)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    for i in range(1, groups):
        ours.add_param_group({"params": [nn.Parameter([0.0])], "lr": lr / (i + 1)})
        theirs.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": lr / (i + 1)})
    return ours, theirs


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


# --- MultiStepLR ---------------------------------------------------------------------------

MILESTONES = [
    dict(milestones=[3, 7]),
    dict(milestones=[7, 3, 3], gamma=0.5),
    dict(milestones=[0, 2]),
    dict(milestones=[], gamma=0.5),
    dict(milestones=(1, 2, 3), gamma=2.0),
]


@pytest.mark.oracle
@pytest.mark.parametrize("kw", MILESTONES, ids=str)
def test_multistep_lr_matches_pytorch_over_15_epochs(torch, kw):
    opt, topt = _pair(torch)
    ours = nn.optim.lr_scheduler.MultiStepLR(opt, **kw)
    theirs = torch.optim.lr_scheduler.MultiStepLR(topt, **kw)
    for _ in range(15):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14)
        assert _lrs(opt) == ours.get_last_lr()
        opt.step(), topt.step()
        ours.step(), theirs.step()


@pytest.mark.oracle
def test_multistep_lr_resumes_from_a_saved_state_like_pytorch(torch, tmp_path):
    def run(lib):
        ours = lib is nn
        opt = (
            nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
            if ours
            else torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        )
        make = nn.optim.MultiStepLR if ours else torch.optim.lr_scheduler.MultiStepLR
        sched = make(opt, milestones=[2, 5, 5], gamma=0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        osd, ssd = opt.state_dict(), sched.state_dict()
        if ours:
            nn.save({"o": osd, "s": ssd}, tmp_path / "c.npz")
            loaded = nn.load(tmp_path / "c.npz")
            osd, ssd = loaded["o"], loaded["s"]
        opt2 = (
            nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
            if ours
            else torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        )
        sched2 = make(opt2, milestones=[9], gamma=0.1)  # options come from the state
        opt2.load_state_dict(osd)
        sched2.load_state_dict(ssd)
        out = []
        for _ in range(5):
            out.append(opt2.param_groups[0]["lr"])
            opt2.step()
            sched2.step()
        return out

    assert run(nn) == pytest.approx(run(torch), rel=1e-14)


def test_multistep_lr_checks_its_options():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    with pytest.raises(ValueError, match="milestones must be epoch numbers"):
        nn.optim.MultiStepLR(opt, milestones=[1.5, 3])
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        nn.optim.MultiStepLR(opt, milestones=[1], gamma=float("nan"))
    sched = nn.optim.MultiStepLR(opt, milestones=[4, 2])
    assert sched.milestones == [2, 4]
    with pytest.raises(ValueError, match="milestones must be epoch numbers"):
        sched.load_state_dict({**sched.state_dict(), "milestones": ["a"]})


# --- ReduceLROnPlateau ---------------------------------------------------------------------

PLATEAUS = [
    dict(),
    dict(mode="max", factor=0.5, patience=1),
    dict(patience=0, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(mode="max", threshold_mode="abs", patience=2, min_lr=0.04),
    dict(patience=1, factor=0.5, min_lr=[0.1, 0.01]),
    dict(patience=0, factor=0.9, eps=0.03),
]


def _metrics(n=40):
    """A loss that improves, wobbles on a plateau, improves again and then stalls."""
    rng = np.random.default_rng(5)
    noise = np.concatenate([rng.normal(scale=0.02, size=28), np.zeros(n - 28)])
    base = np.concatenate(
        [np.linspace(2.0, 1.0, 8), np.full(12, 1.0), np.linspace(1.0, 0.5, 8), np.full(n - 28, 0.5)]
    )
    return (base + noise).tolist()


@pytest.mark.oracle
@pytest.mark.parametrize("kw", PLATEAUS, ids=str)
def test_reduce_lr_on_plateau_matches_pytorch(torch, kw):
    opt, topt = _pair(torch)
    ours = nn.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    for metric in _metrics():
        ours.step(metric)
        theirs.step(metric)
        assert _lrs(opt) == pytest.approx(_lrs(topt), rel=1e-14)
        assert ours.get_last_lr() == _lrs(opt)
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter, ours.last_epoch) == (
            theirs.best,
            theirs.num_bad_epochs,
            theirs.cooldown_counter,
            theirs.last_epoch,
        )
    assert _lrs(opt) != [0.5, 0.25]  # it did reduce


@pytest.mark.oracle
def test_reduce_lr_on_plateau_resumes_from_a_saved_state(torch, tmp_path):
    metrics = _metrics()
    opt, topt = _pair(torch)
    kw = dict(mode="min", factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.02])
    ours = nn.optim.ReduceLROnPlateau(opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    for metric in metrics[:15]:
        ours.step(metric)
        theirs.step(metric)
    nn.save({"o": opt.state_dict(), "s": ours.state_dict()}, tmp_path / "c.npz")
    saved = nn.load(tmp_path / "c.npz")
    opt2, _ = _pair(torch)
    resumed = nn.optim.ReduceLROnPlateau(opt2)  # default options: all from the state
    opt2.load_state_dict(saved["o"])
    resumed.load_state_dict(saved["s"])
    for metric in metrics[15:]:
        resumed.step(Tensor(metric))  # a one-element Tensor is fine too
        theirs.step(metric)
        assert _lrs(opt2) == pytest.approx(_lrs(topt), rel=1e-14)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(factor=1.0), r"factor must be in \[0, 1\)"),
        (dict(mode="lowest"), "mode must be 'min' or 'max'"),
        (dict(threshold_mode="relative"), "threshold_mode must be 'rel' or 'abs'"),
        (dict(patience=-1), "patience must be an int >= 0"),
        (dict(cooldown=1.5), "cooldown must be an int >= 0"),
        (dict(min_lr=[0.1]), r"1 min_lr values for 2 parameter group\(s\)"),
        (dict(min_lr=-0.1), "min_lr must be finite and >= 0"),
        (dict(eps=-1.0), "eps must be >= 0"),
    ],
)
def test_reduce_lr_on_plateau_checks_its_options(torch, kw, message):
    opt, _ = _pair(torch)
    with pytest.raises(ValueError, match=message):
        nn.optim.ReduceLROnPlateau(opt, **kw)


def test_reduce_lr_on_plateau_needs_its_metric_and_a_valid_state():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=1.0)
    sched = nn.optim.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match=r"step\(metrics\) needs the value it watches"):
        sched.step()
    with pytest.raises(ValueError, match="no 'best' entry"):
        sched.load_state_dict({"last_epoch": 0, "min_lrs": [0.0]})
    with pytest.raises(ValueError, match="factor must be in"):
        sched.load_state_dict({**sched.state_dict(), "factor": 2.0})
    assert sched.factor == 0.1  # nothing changed on error
    with pytest.raises(TypeError, match="needs an nn.optim optimizer"):
        nn.optim.ReduceLROnPlateau(object())


# --- Adadelta --------------------------------------------------------------------------------

ADADELTA = [
    dict(),
    dict(lr=0.5, rho=0.5, eps=1e-3),
    dict(weight_decay=0.1),
    dict(lr=2.0, rho=0.99, weight_decay=0.01, foreach=False),
]


def _quadratic(rng, dtype=np.float64):
    A = rng.normal(size=(4, 4)).astype(dtype)
    return A @ A.T + np.eye(4, dtype=dtype), rng.normal(size=(4, 3)).astype(dtype)


@pytest.mark.oracle
@pytest.mark.parametrize("kw", ADADELTA, ids=str)
def test_adadelta_follows_pytorchs_trajectory(torch, kw):
    rng = np.random.default_rng(2)
    A, W0 = _quadratic(rng)
    p, tp = nn.Parameter(W0.copy()), torch.tensor(W0.copy(), requires_grad=True)
    q, tq = nn.Parameter(np.ones(3)), torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = nn.optim.Adadelta([{"params": [p]}, {"params": [q], "lr": 0.3}], **kw)
    topt = torch.optim.Adadelta([{"params": [tp]}, {"params": [tq], "lr": 0.3}], **kw)
    for _ in range(25):
        for optimizer in (opt, topt):
            optimizer.zero_grad()
        loss = ((Tensor(A) @ p) * p).sum() + (q * q).sum()
        tloss = ((torch.tensor(A) @ tp) * tp).sum() + (tq * tq).sum()
        loss.backward(), tloss.backward()
        opt.step(), topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(q.data, tq.detach().numpy(), rtol=1e-12, atol=1e-14)
    state, tstate = opt.state[0], topt.state[tp]
    assert state["step"] == int(tstate["step"])
    for key in ("square_avg", "acc_delta"):
        np.testing.assert_allclose(state[key], tstate[key].numpy(), rtol=1e-12)


@pytest.mark.oracle
def test_adadelta_float32_and_resume_match_pytorch(torch, tmp_path):
    rng = np.random.default_rng(3)
    A, W0 = _quadratic(rng, np.float32)

    def run(lib, steps_before, steps_after):
        ours = lib is nn
        p = (
            nn.Parameter(W0.copy(), dtype=np.float32)
            if ours
            else torch.tensor(W0.copy(), requires_grad=True)
        )
        make = (
            (lambda: nn.optim.Adadelta([p], lr=1.0))
            if ours
            else (lambda: torch.optim.Adadelta([p], lr=1.0))
        )
        opt = make()

        def step():
            opt.zero_grad()
            loss = ((Tensor(A) @ p) * p).sum() if ours else ((torch.tensor(A) @ p) * p).sum()
            loss.backward()
            opt.step()

        for _ in range(steps_before):
            step()
        if ours:
            nn.save(opt.state_dict(), tmp_path / "o.npz")
            opt = make()
            opt.load_state_dict(nn.load(tmp_path / "o.npz"))
        for _ in range(steps_after):
            step()
        return np.array(p.data if ours else p.detach().numpy())

    ours, theirs = run(nn, 4, 6), run(torch, 4, 6)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kw, error, message",
    [
        (dict(lr=-1.0), ValueError, "invalid lr=-1.0"),
        (dict(rho=1.5), ValueError, r"invalid rho=1.5; it must be a number in \[0.0, 1.0\]"),
        (dict(eps=-1e-6), ValueError, "invalid eps"),
        (dict(weight_decay=-0.1), ValueError, "invalid weight_decay"),
        (dict(maximize=True), NotImplementedError, r"Adadelta\(maximize=True\).*minimize -f"),
        (dict(differentiable=True), NotImplementedError, r"Adadelta\(differentiable=True\)"),
        (dict(foreach="yes"), NotImplementedError, r"Adadelta\(foreach='yes'\)"),
    ],
)
def test_adadelta_checks_its_options(kw, error, message):
    with pytest.raises(error, match=message):
        nn.optim.Adadelta([nn.Parameter([0.0])], **kw)


@pytest.mark.oracle
def test_adadelta_continues_from_torchs_own_state_dict(torch):
    rng = np.random.default_rng(4)
    A, W0 = _quadratic(rng)
    tp = torch.tensor(W0.copy(), requires_grad=True)
    topt = torch.optim.Adadelta([tp], lr=0.7, weight_decay=0.05)

    def torch_step():
        topt.zero_grad()
        ((torch.tensor(A) @ tp) * tp).sum().backward()
        topt.step()

    for _ in range(3):
        torch_step()
    p = nn.Parameter(tp.detach().numpy().copy())
    opt = nn.optim.Adadelta([p], lr=0.7, weight_decay=0.05, capturable=True)
    opt.load_state_dict(topt.state_dict())
    for _ in range(4):
        torch_step()
        opt.zero_grad()
        ((Tensor(A) @ p) * p).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adadelta_refuses_another_optimizers_state():
    p = nn.Parameter(np.zeros(2))
    adam = nn.optim.Adam([p])
    p.grad = np.ones(2)
    adam.step()
    with pytest.raises(
        nn.optim.OptimizerStateError,
        match=r"unknown option\(s\) "
        r"\['amsgrad', 'betas'\]",
    ):
        nn.optim.Adadelta([p]).load_state_dict(adam.state_dict())


@pytest.mark.oracle
def test_get_last_lr_is_what_the_last_step_set_not_a_later_hand_edit(torch):
    ours, theirs = _pair(torch, groups=1)
    s_ours = nn.optim.StepLR(ours, 2, gamma=0.5)
    s_theirs = torch.optim.lr_scheduler.StepLR(theirs, 2, gamma=0.5)
    for step in range(5):
        if step == 2:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 5.0
            assert s_ours.get_last_lr() == s_theirs.get_last_lr()
        ours.step()
        theirs.step()
        s_ours.step()
        s_theirs.step()
        assert s_ours.get_last_lr() == pytest.approx(s_theirs.get_last_lr(), rel=1e-15)
    plateau = nn.optim.ReduceLROnPlateau(ours, patience=0)
    plateau.step(1.0)
    plateau.step(2.0)
    assert plateau.get_last_lr() == _lrs(ours)


# --- the rest of PyTorch's schedules, and SequentialLR / ChainedScheduler -------------------

MORE = {
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.0),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda epoch: 0.95),
    "WarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.01),
    "WarmRestarts T_mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, 1.0, 5), m.CosineAnnealingLR(o, 20)], milestones=[5]
    ),
    "SequentialLR of 3": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, 0.1, 2), m.ExponentialLR(o, 0.9), m.StepLR(o, 3, 0.5)], [4, 10]
    ),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, 0.1, 3), m.ExponentialLR(o, 0.9)]
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(MORE))
def test_more_schedules_match_pytorch_step_for_step(torch, case):
    import warnings

    ours, theirs = _pair(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's SequentialLR warns on a deprecated path
        s_ours = MORE[case](lr_scheduler, ours)
        s_theirs = MORE[case](torch.optim.lr_scheduler, theirs)
        for _ in range(40):
            assert _lrs(ours) == pytest.approx(_lrs(theirs), rel=1e-12, abs=1e-15)
            assert s_ours.get_last_lr() == pytest.approx(s_theirs.get_last_lr(), rel=1e-12)
            ours.step()
            theirs.step()
            s_ours.step()
            s_theirs.step()


@pytest.mark.oracle
def test_warm_restarts_step_within_an_epoch_and_resume_from_a_checkpoint(torch, tmp_path):
    """`scheduler.step(epoch + i / iters)` once per batch, as PyTorch's docs show."""
    ours, theirs = _pair(torch)
    make = MORE["WarmRestarts T_mult"]
    s_ours = make(lr_scheduler, ours)
    s_theirs = make(torch.optim.lr_scheduler, theirs)
    for k in range(30):
        ours.step()
        theirs.step()
        s_ours.step(k / 4)
        s_theirs.step(k / 4)
        assert _lrs(ours) == pytest.approx(_lrs(theirs), rel=1e-12, abs=1e-15)
    nn.save({"o": ours.state_dict(), "s": s_ours.state_dict()}, tmp_path / "c")
    again, _ = _pair(torch)
    resumed = make(lr_scheduler, again)
    saved = nn.load(tmp_path / "c")
    again.load_state_dict(saved["o"])
    resumed.load_state_dict(saved["s"])
    for _ in range(10):
        s_ours.step()
        resumed.step()
        assert _lrs(again) == pytest.approx(_lrs(ours), rel=1e-12)


def test_sequential_lr_checks_its_parts():
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    other = nn.optim.SGD([nn.Parameter([0.0])], lr=0.1)
    first = nn.optim.ConstantLR(opt, 0.5, 2)
    with pytest.raises(ValueError, match="2 schedulers need 1 milestones"):
        nn.optim.SequentialLR(opt, [first, nn.optim.ExponentialLR(opt, 0.9)], milestones=[])
    with pytest.raises(ValueError, match="same optimizer"):
        nn.optim.SequentialLR(opt, [first, nn.optim.ExponentialLR(other, 0.9)], milestones=[2])
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\]"):
        nn.optim.ConstantLR(opt, factor=2.0)


@pytest.mark.oracle
@pytest.mark.parametrize("step_size", [1.0, 1.5, 2])
def test_step_lr_takes_a_float_step_size_as_pytorch(torch, step_size):
    """PyTorch's text-classification tutorial passes StepLR(optimizer, 1.0, gamma=0.1)."""
    opt, topt = _pair(torch, lr=5.0, groups=1)
    ours = lr_scheduler.StepLR(opt, step_size, gamma=0.1)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size, gamma=0.1)
    for _ in range(7):
        opt.step(), topt.step()
        ours.step(), theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14)
    with pytest.raises(ValueError, match="step_size must be a positive"):
        lr_scheduler.StepLR(opt, 0.0)
