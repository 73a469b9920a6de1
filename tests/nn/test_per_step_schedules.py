"""LambdaLR and OneCycleLR against torch.optim.lr_scheduler, step for step (the lr and
the momentum or Adam's beta1 they cycle)."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import nn

torch = oracle("torch")


def _trace(optim, make_opt, make_schedule, param, steps):
    opt = make_opt(optim, [param])
    schedule = make_schedule(optim.lr_scheduler, opt)
    seen = []
    for _ in range(steps):
        group = opt.param_groups[0]
        seen.append((group["lr"], group.get("momentum", group.get("betas", (0.0,))[0])))
        opt.step()
        schedule.step()
    return np.array(seen, dtype=float)


CASES = {
    "one-cycle, SGD momentum": (
        lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9),
        lambda s, opt: s.OneCycleLR(opt, max_lr=1.0, total_steps=20),
        20,
    ),
    "one-cycle, Adam's beta1, linear, epochs x steps": (
        lambda o, ps: o.Adam(ps, lr=0.1),
        lambda s, opt: s.OneCycleLR(
            opt, max_lr=0.5, epochs=3, steps_per_epoch=7, anneal_strategy="linear"
        ),
        21,
    ),
    "one-cycle, three phases": (
        lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9),
        lambda s, opt: s.OneCycleLR(
            opt, max_lr=1.0, total_steps=30, three_phase=True, pct_start=0.25
        ),
        30,
    ),
    "one-cycle, no momentum": (
        lambda o, ps: o.SGD(ps, lr=0.1),
        lambda s, opt: s.OneCycleLR(opt, max_lr=0.3, total_steps=9, cycle_momentum=False),
        9,
    ),
    "lambda": (
        lambda o, ps: o.SGD(ps, lr=0.1),
        lambda s, opt: s.LambdaLR(opt, lambda epoch: 0.95**epoch),
        10,
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_schedules_match_pytorch_step_for_step(case):
    make_opt, make_schedule, steps = CASES[case]
    ours = _trace(sg.optim, make_opt, make_schedule, nn.Parameter(np.zeros(2)), steps)
    theirs = _trace(torch.optim, make_opt, make_schedule, torch.nn.Parameter(torch.zeros(2)), steps)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_one_cycle_refuses_what_pytorch_refuses():
    opt = sg.optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    schedule = sg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    schedule.step()
    schedule.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        schedule.step()
    plain = sg.optim.Adagrad([nn.Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        sg.optim.lr_scheduler.OneCycleLR(plain, max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="needs total_steps"):
        sg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="one per parameter group"):
        sg.optim.lr_scheduler.LambdaLR(plain, [lambda e: 1.0, lambda e: 2.0])
