"""Optimizer state: load_state_dict refuses bad states and changes nothing, round trips
through checkpoint files, takes PyTorch's optimizer state (its extra options at values
that compute the same update, step as a tensor) and continues PyTorch's trajectory; the
constructor names a learner's slips."""

import copy

import numpy as np
import oracles
import pytest

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn.optim.optimizer import OptimizerStateError


def _adam():
    p, q = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros((2, 3)))
    opt = nn.optim.Adam([p, q], lr=0.01, amsgrad=True)
    p.grad, q.grad = np.ones(2), np.ones((2, 3))
    opt.step()
    return opt


def _set(*path, value):
    def mutate(state):
        for key in path[:-1]:
            state = state[key]
        state[path[-1]] = value

    return mutate


def _drop(*path):
    def mutate(state):
        for key in path[:-1]:
            state = state[key]
        del state[path[-1]]

    return mutate


# --- refusals: everything is checked before anything changes -----------------------------


@pytest.mark.parametrize(
    "mutate,reason",
    [
        (
            _set("param_groups", 0, "lr", value=float("nan")),
            "param_groups[0]: Adam: invalid lr=nan; it must be a number >= 0",
        ),
        (
            _set("param_groups", 0, "lr", value=-1),
            "param_groups[0]: Adam: invalid lr=-1.0; it must be a number >= 0",
        ),
        (_set("param_groups", 0, "betas", value=(0.9, 1.0)), "Adam: invalid betas[1]=1.0"),
        (_set("param_groups", 0, "betas", value=(0.9, 0.9, 0.9)), "betas must be a pair"),
        (_set("param_groups", 0, "eps", value=-1e-8), "Adam: invalid eps=-1e-08"),
        (
            _set("param_groups", 0, "lr", value="0.1"),
            "param_groups[0]['lr'] is '0.1', which is not a valid value",
        ),
        (_set("param_groups", 0, "amsgrad", value="False"), "param_groups[0]['amsgrad'] is"),
        (_drop("param_groups"), "the state_dict has no 'param_groups' entry"),
        (_drop("param_groups", 0, "lr"), "param_groups[0] has no 'lr' entry"),
        (_drop("param_groups", 0, "params"), "param_groups[0] has no 'params' entry"),
        (
            _set("param_groups", 0, "momentum", value=0.9),
            "param_groups[0] has unknown option(s) ['momentum']",
        ),
        (
            lambda s: s["param_groups"].append({"lr": 0.1}),
            "the saved state has 2 parameter group(s), this optimizer has 1",
        ),
        (
            _set("param_groups", 0, "params", value=[1, 0]),
            "param_groups[0]['params'] is [1 0]; expected the indices 0 .. 1",
        ),
        (
            _set("param_groups", 0, "params", value=[0]),
            "group 0 has 1 parameters in the saved state but 2 here",
        ),
        (_set("param_groups", value="abc"), "param_groups must be a list of dicts, got str"),
        (_set("param_groups", value={"x": {}}), "param_groups has keys ['x']; expected 0 .. 0"),
        (_set("state", 7, value={"step": 1}), "state key 7 is not the index of a parameter"),
        (_set("state", "x", value={}), "state key 'x' is not the index of a parameter"),
        (_set("state", value=[1]), "expected state to be a dict, got list"),
        (_set("state", 1, value=np.zeros(3)), "expected state[1] to be a dict, got ndarray"),
        (
            _set("state", 1, "exp_avg", value=np.zeros(5)),
            "state[1]['exp_avg'] has shape (5,), the parameter has shape (2, 3)",
        ),
        (
            _set("state", 1, "exp_avg", value=np.full((2, 3), "a")),
            "state[1]['exp_avg'] has dtype <U1; expected numbers",
        ),
        (_drop("state", 1, "max_exp_avg_sq"), "state[1] lacks ['max_exp_avg_sq']"),
        (_set("state", 1, "max_exp_avg_sq", value=None), "state[1] lacks ['max_exp_avg_sq']"),
        (
            _set("state", 1, "momentum_buffer", value=np.zeros((2, 3))),
            "state[1] has 'momentum_buffer', which Adam does not keep",
        ),
        (_set("state", 1, "step", value=-1), "state[1]['step'] is -1; expected a whole number"),
        (_set("state", 1, "step", value=1.5), "state[1]['step'] is 1.5"),
        (_set("state", 1, "step", value=np.arange(3)), "state[1]['step'] is array([0, 1, 2])"),
        (_set("extra", value=1), "unexpected key(s) ['extra']"),
        # PyTorch's extra options, at values that would change the update
        (
            _set("param_groups", 0, "maximize", value=True),
            "param_groups[0] has maximize=True, which Adam does not support; scratchgrad's "
            "optimizers minimize; to maximize f, minimize -f",
        ),
        (
            _set("param_groups", 0, "differentiable", value=True),
            "param_groups[0] has differentiable=True, which Adam does not support; scratchgrad "
            "does not backpropagate through an optimizer's step",
        ),
        (
            _set("param_groups", 0, "decoupled_weight_decay", value=True),
            "param_groups[0] has decoupled_weight_decay=True, which Adam does not support; that is "
            "AdamW's update: load this state into nn.optim.AdamW",
        ),
        (
            _set("param_groups", 0, "maximize", value="no"),
            "param_groups[0]['maximize'] is 'no', which is not a valid value for this option",
        ),
        (
            _set("param_groups", 0, "foreach", value=1),
            "param_groups[0]['foreach'] is 1, which is not a valid value",
        ),
        (
            _set("param_groups", 0, "capturable", value=None),
            "param_groups[0]['capturable'] is None",
        ),
        (
            _set("param_groups", 0, "param_names", value=["a"]),
            "param_groups[0]['param_names'] must be a list of 2 names, got ['a']",
        ),
    ],
)
def test_adam_load_state_dict_refuses_bad_states_and_changes_nothing(mutate, reason):
    opt = _adam()
    state = copy.deepcopy(opt.state_dict())
    mutate(state)
    before = opt.state_dict()
    with pytest.raises(OptimizerStateError) as err:
        opt.load_state_dict(state)
    assert reason in str(err.value) and str(err.value).startswith("Adam.load_state_dict: ")
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state[1]["step"] == 1
    np.testing.assert_array_equal(opt.state[1]["exp_avg"], before["state"][1]["exp_avg"])


def test_a_list_is_refused_by_optimizer_load_state_dict():
    with pytest.raises(OptimizerStateError, match="expected the state_dict to be a dict, got list"):
        _adam().load_state_dict([1, 2])


def test_constructor_and_load_state_dict_share_one_validation():
    opt = _adam()
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = float("nan")
    with pytest.raises(ValueError) as from_init:
        nn.optim.Adam([nn.Parameter([1.0])], lr=float("nan"))
    with pytest.raises(ValueError) as from_load:
        opt.load_state_dict(state)
    assert str(from_init.value) in str(from_load.value)


# --- PyTorch's extra options, in constructed state_dicts ---------------------------------------


def _sgd():
    return nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1, momentum=0.9)


@pytest.mark.parametrize(
    "make,extra",
    [
        (_sgd, dict(maximize=False, foreach=None, differentiable=False, fused=None)),
        (_sgd, dict(foreach=True, fused=False)),
        (
            lambda: nn.optim.Adam([nn.Parameter(np.ones(2))]),
            dict(
                maximize=False,
                foreach=None,
                capturable=False,
                differentiable=False,
                fused=None,
                decoupled_weight_decay=False,
            ),
        ),
        (lambda: nn.optim.Adam([nn.Parameter(np.ones(2))]), dict(fused=True, capturable=True)),
        (lambda: nn.optim.AdamW([nn.Parameter(np.ones(2))]), dict(decoupled_weight_decay=True)),
        (
            lambda: nn.optim.RMSprop([nn.Parameter(np.ones(2))]),
            dict(capturable=False, foreach=None, maximize=False, differentiable=False),
        ),
        (
            lambda: nn.optim.Adagrad([nn.Parameter(np.ones(2))]),
            dict(foreach=None, maximize=False, differentiable=False, fused=None),
        ),
        (_sgd, dict(param_names=["w"], initial_lr=0.1, maximize=np.array(False))),
    ],
)
def test_pytorchs_extra_options_load_at_values_that_compute_the_same_update(make, extra):
    opt = make()
    state = opt.state_dict()
    state["param_groups"][0].update(extra, lr=0.05)
    opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.05
    assert not (set(extra) - {"initial_lr"}) & set(opt.param_groups[0])  # none is kept


def test_adamw_refuses_adams_state_and_sgd_does_not_know_decoupled_weight_decay():
    state = nn.optim.AdamW([nn.Parameter(np.ones(2))]).state_dict()
    state["param_groups"][0]["decoupled_weight_decay"] = False
    with pytest.raises(
        OptimizerStateError,
        match="decoupled_weight_decay=False, which AdamW "
        "does not support; that is Adam's update: "
        "load this state into nn.optim.Adam",
    ):
        nn.optim.AdamW([nn.Parameter(np.ones(2))]).load_state_dict(state)
    state = _sgd().state_dict()
    state["param_groups"][0]["decoupled_weight_decay"] = False
    with pytest.raises(
        OptimizerStateError,
        match=r"unknown option\(s\) "
        r"\['decoupled_weight_decay'\]",
    ):
        _sgd().load_state_dict(state)


def test_a_none_buffer_is_a_buffer_not_made_yet():
    """Older torch.optim.SGD saved momentum_buffer=None before its first step."""
    opt = _sgd()
    state = opt.state_dict()
    state["state"] = {0: {"momentum_buffer": None}}
    opt.load_state_dict(state)
    assert opt.state == {}


def test_a_step_stored_as_a_float32_scalar_array_is_a_whole_number():
    opt = _adam()
    state = opt.state_dict()
    state["state"][0]["step"] = np.array(7.0, np.float32)
    opt.load_state_dict(state)
    assert opt.state[0]["step"] == 7 and type(opt.state[0]["step"]) is int


# --- round trips through files ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: nn.optim.Momentum(p, lr=0.1),
        lambda p: nn.optim.Adagrad(p, lr=0.1),
        lambda p: nn.optim.RMSprop(p, lr=0.1, momentum=0.5, centered=True),
        lambda p: nn.optim.AdamW(p, lr=0.1),
    ],
)
def test_every_optimizer_round_trips_and_refuses_another_optimizers_state(tmp_path, make):
    p = nn.Parameter(np.ones(3))
    opt = make([p])
    p.grad = np.ones(3)
    opt.step()
    nn.save(opt.state_dict(), tmp_path / "o.safetensors")
    fresh = make([nn.Parameter(np.ones(3))])
    fresh.load_state_dict(nn.load(tmp_path / "o.safetensors"))
    assert fresh.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    for name, value in opt.state[0].items():
        np.testing.assert_array_equal(fresh.state[0][name], value)
    other = (
        nn.optim.Adam([nn.Parameter(np.ones(3))])
        if not isinstance(opt, nn.optim.Adam)
        else nn.optim.SGD([nn.Parameter(np.ones(3))], lr=0.1)
    )
    with pytest.raises(OptimizerStateError):
        other.load_state_dict(opt.state_dict())


def test_a_fresh_optimizer_round_trips_through_a_file(tmp_path):
    opt = nn.optim.Adam([nn.Parameter(np.ones(2))], lr=0.05)
    nn.save(opt.state_dict(), tmp_path / "o.safetensors")
    again = nn.optim.Adam([nn.Parameter(np.ones(2))])
    again.load_state_dict(nn.load(tmp_path / "o.safetensors"))
    assert again.param_groups[0]["lr"] == 0.05 and again.state == {}


def test_loaded_state_arrays_take_the_parameters_dtype():
    p = nn.Parameter(np.ones(2, dtype=np.float32))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict(
        {
            "state": {0: {"momentum_buffer": np.array([1, 2])}},
            "param_groups": [{**opt.state_dict()["param_groups"][0]}],
        }
    )
    assert opt.state[0]["momentum_buffer"].dtype == np.float32
    p.grad = np.ones(2, dtype=np.float32)
    opt.step()


def test_scheduler_load_state_dict_is_validated():
    opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    sched = nn.optim.StepLR(opt, step_size=2)
    for bad, match in (
        ({"last_epoch": 1}, "base_lrs"),
        ([1, 2], "expected a dict"),
        ({"last_epoch": 1, "base_lrs": [float("nan")]}, "finite"),
        ({"last_epoch": 1, "base_lrs": [0.1, 0.2]}, "parameter group"),
        ({"last_epoch": 1.5, "base_lrs": [0.1]}, "integer"),
    ):
        with pytest.raises((ValueError, TypeError), match=match):
            sched.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    sched.load_state_dict({"last_epoch": 2, "base_lrs": [1.0]})
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


# --- a learner's slips in the constructor -------------------------------------------------------


def test_passing_the_parameters_method_says_call_it():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(TypeError) as err:
        nn.optim.SGD(model.parameters, lr=0.1)
    assert str(err.value) == (
        "SGD: you passed the method model.parameters (of a Sequential); call it: model.parameters()"
    )
    with pytest.raises(
        TypeError,
        match=r"you passed the method model.named_parameters \(of a "
        r"Sequential\); call it: model.named_parameters\(\)",
    ):
        nn.optim.Adam(model.named_parameters)


def params_fn():
    return []


@pytest.mark.parametrize(
    "params,reason",
    [
        (params_fn, "Adagrad: you passed the function params_fn; call it: params_fn()"),
        (
            {"0.weight": np.ones(2)},
            "Adagrad expects parameters, got a dict with keys ['0.weight'] "
            "(a state_dict?); pass model.parameters()",
        ),
        (
            {"params": [nn.Parameter(np.ones(1))]},
            "Adagrad: a parameter group goes in a list: Adagrad([{'params': ..., 'lr': ...}])",
        ),
        (3, "Adagrad expects an iterable of parameters such as model.parameters(), got int"),
        (
            nn.Parameter(np.ones(1)),
            "Adagrad expects an iterable of parameters, got a single one: wrap it in a list",
        ),
    ],
)
def test_other_slips_are_named(params, reason):
    with pytest.raises(TypeError) as err:
        nn.optim.Adagrad(params)
    assert str(err.value) == reason


# --- PyTorch's optimizer state continues PyTorch's trajectory here ------------------------------

OPTIMIZERS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd-momentum": ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd-nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adam": ("Adam", dict(lr=0.05)),
    "adam-amsgrad": ("Adam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True)),
    "adamw": ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop-centered": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    "adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
}


def _torch_step(torch, model, opt, x, y):
    opt.zero_grad()
    ((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean().backward()
    opt.step()


def _our_step(model, opt, x, y):
    opt.zero_grad()
    ((model(Tensor(x)) - Tensor(y)) ** 2).mean().backward()
    opt.step()


@pytest.mark.oracle
@pytest.mark.parametrize("how", ["files", "numpy", "tensors"])
@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_pytorchs_optimizer_state_continues_pytorchs_trajectory(tmp_path, kind, how):
    torch = oracles.load("torch")
    from safetensors.torch import save_file

    name, options = OPTIMIZERS[kind]
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    their_opt = getattr(torch.optim, name)(theirs.parameters(), **options)
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(8, 3)), rng.normal(size=(8, 2))) for _ in range(8)]
    for x, y in data[:3]:  # PyTorch trains a few steps
        _torch_step(torch, theirs, their_opt, x, y)

    if how == "files":
        save_file(theirs.state_dict(), tmp_path / "model.safetensors")
        nn.save(their_opt.state_dict(), tmp_path / "optimizer.safetensors")
        weights = nn.load(tmp_path / "model.safetensors")
        state = nn.load(tmp_path / "optimizer.safetensors")
    else:
        convert = (lambda t: t.numpy()) if how == "numpy" else (lambda t: t)
        weights = {k: v.numpy() for k, v in theirs.state_dict().items()}
        state = their_opt.state_dict()
        state["state"] = {
            i: {k: convert(v) if torch.is_tensor(v) else v for k, v in s.items()}
            for i, s in state["state"].items()
        }
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    ours.load_state_dict(weights)
    opt = getattr(nn.optim, name)(ours.parameters(), lr=0.5)
    opt.load_state_dict(state)

    for x, y in data[3:]:  # both continue
        _torch_step(torch, theirs, their_opt, x, y)
        _our_step(ours, opt, x, y)
        mine = ours.state_dict()
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(
                mine[key], value.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"{kind}: {key}"
            )
