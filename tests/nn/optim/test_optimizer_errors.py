"""Bad optimizer input fails at once with a message that names the option, the group and
the parameter: hyperparameters, parameter lists, groups, and gradients that are NaN,
missing or of the wrong shape (nothing is updated)."""

import math

import numpy as np
import pytest
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import Tensor, Value

torch = oracle("torch")


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: nn.optim.SGD(p, lr=-0.1), r"SGD: invalid lr=-0.1; it must be a number >= 0"),
        (
            lambda p: nn.optim.Adam(p, betas=(0.9, 1.0)),
            r"Adam: invalid betas\[1\]=1.0.*\[0.0, 1.0\)",
        ),
        (lambda p: nn.optim.AdamW(p, eps=-1e-8), r"AdamW: invalid eps=-1e-08"),
        (lambda p: nn.optim.RMSprop(p, alpha=1.5), r"RMSprop: invalid alpha=1.5"),
        (lambda p: nn.optim.SGD(p, lr=float("nan")), r"SGD: invalid lr=nan"),
        (lambda p: nn.optim.SGD(p, lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda p: nn.optim.SGD(p + p, lr=0.1), r"appears twice"),
        (lambda p: nn.optim.Adam([], lr=0.1), r"empty parameter list"),
        (lambda p: nn.optim.Adam([Tensor([1.0])]), r"requires_grad=True"),
        (lambda p: nn.optim.Adam([{"params": p, "momentum": 0.9}]), r"unknown option"),
    ],
)
def test_bad_hyperparameters_are_rejected_at_construction(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make([nn.Parameter([1.0])])


def P():
    return [nn.Parameter([1.0])]


@pytest.mark.parametrize(
    "make,error,message",
    [
        (
            lambda: nn.optim.Adam(P(), lr="0.01"),
            ValueError,
            r"Adam: invalid lr='0.01'; it must be a number >= 0",
        ),
        (lambda: nn.optim.Adam(P(), lr=None), ValueError, r"Adam: invalid lr=None"),
        (lambda: nn.optim.SGD(P(), lr=float("inf")), ValueError, r"SGD: invalid lr=inf"),
        (lambda: nn.optim.SGD(P(), lr=True), ValueError, r"SGD: invalid lr=True"),
        pytest.param(
            lambda: nn.optim.Adam(P(), lr=torch.tensor(0.01)),
            ValueError,
            r"Adam: invalid lr=tensor",
            marks=pytest.mark.oracle,
        ),
        (lambda: nn.optim.Adam(P(), betas=(-0.1, 0.99)), ValueError, r"invalid betas\[0\]=-0.1"),
        (
            lambda: nn.optim.Adam(P(), betas=(1.0, 0.99)),
            ValueError,
            r"invalid betas\[0\]=1.0.*\[0.0, 1.0\)",
        ),
        (
            lambda: nn.optim.AdamW(P(), betas=(0.9, 0.99, 0.9)),
            ValueError,
            r"AdamW: betas must be a pair",
        ),
        (lambda: nn.optim.Adam(P(), betas="ab"), ValueError, r"betas must be a pair.*got 'ab'"),
        (lambda: nn.optim.Adam(P(), eps="1e-8"), ValueError, r"Adam: invalid eps='1e-8'"),
        (
            lambda: nn.optim.SGD(P(), lr=0.1, momentum=-0.5),
            ValueError,
            r"SGD: invalid momentum=-0.5",
        ),
        (
            lambda: nn.optim.SGD(P(), lr=0.1, momentum=0.5, dampening=1.5),
            ValueError,
            r"invalid dampening=1.5",
        ),
        (
            lambda: nn.optim.SGD(P(), lr=0.1, momentum=0.5, dampening=0.1, nesterov=True),
            ValueError,
            r"nesterov=True needs momentum > 0 and dampening = 0",
        ),
        (
            lambda: nn.optim.AdamW(P(), weight_decay=-1),
            ValueError,
            r"AdamW: invalid weight_decay=-1",
        ),
        (lambda: nn.optim.Adagrad(P(), lr_decay=-1), ValueError, r"Adagrad: invalid lr_decay=-1"),
        (
            lambda: nn.optim.Adagrad(P(), initial_accumulator_value=-1),
            ValueError,
            r"invalid initial_accumulator_value=-1",
        ),
        (lambda: nn.optim.RMSprop(P(), momentum=-1), ValueError, r"RMSprop: invalid momentum=-1"),
        (lambda: nn.optim.RMSprop(P(), alpha=-0.1), ValueError, r"RMSprop: invalid alpha=-0.1"),
        (
            lambda: nn.optim.Momentum(P(), momentum=-0.1),
            ValueError,
            r"Momentum: invalid momentum=-0.1",
        ),
        (lambda: nn.optim.Momentum(P(), lr=-1.0), ValueError, r"Momentum: invalid lr=-1.0"),
        (lambda: nn.optim.SGD((p for p in []), lr=0.1), ValueError, r"empty parameter list"),
        (
            lambda: nn.optim.SGD(nn.Parameter([2.0]), lr=0.1),
            TypeError,
            r"got a single one: wrap it in a list",
        ),
        (lambda: nn.optim.SGD([1.0], lr=0.1), TypeError, r"param_groups\[0\]\[0\] is a float"),
        (
            lambda: nn.optim.SGD([np.zeros(2)], lr=0.1),
            TypeError,
            r"is a ndarray; expected a Tensor or a Value",
        ),
        (
            lambda: nn.optim.SGD([nn.Parameter([2.0]), {"params": P()}], lr=0.1),
            TypeError,
            r"param_groups\[0\]\[1\] is a dict",
        ),
        (
            lambda: nn.optim.SGD([nn.Parameter([1.0]) * 2], lr=0.1),
            ValueError,
            r"must be a leaf Tensor",
        ),
        (
            lambda: nn.optim.SGD(P(), lr=0.1, maximize=True),
            NotImplementedError,
            r"maximize=True\) is not supported.*minimize -f",
        ),  # not silently ignored
        (lambda: nn.optim.Adam(P(), foreach=False, fusd=True), TypeError, r"'fusd'"),
    ],
)
def test_bad_inputs_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda p: nn.optim.Adam([p], betas=0.9), ValueError, r"betas must be a pair"),
        (
            lambda p: nn.optim.Adam([{"params": [p], "betas": 0.9}]),
            ValueError,
            r"betas must be a pair",
        ),
        (lambda p: nn.optim.SGD([{"lr": 0.1}]), ValueError, r"needs a 'params' entry"),
        (
            lambda p: nn.optim.SGD([p], lr=0.1).add_param_group(nn.Parameter([1.0])),
            TypeError,
            r"a parameter group is a dict",
        ),
    ],
)
def test_malformed_options_and_groups_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make(nn.Parameter([0.0]))


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
    opt.add_param_group({"params": q, "momentum": 0.0})  # a bare tensor is accepted
    assert opt.param_groups[1]["params"] == [q] and opt.param_groups[1]["lr"] == 0.1


def test_nan_gradient_raises_naming_the_parameter_and_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Linear(2, 1, seed=1))
    opt = nn.optim.Adam(model.named_parameters(), lr=0.1)
    before = model.state_dict()
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    model[1].bias.grad = np.array([np.nan])
    with pytest.raises(
        nn.optim.NonFiniteGradientError,
        match=r"parameter 1\.bias of shape \(1,\) has a non-finite gradient "
        r"\(nan\); nothing was updated",
    ):
        opt.step()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    values = [Value(1.0), Value(2.0, label="w")]
    values[1].grad = math.inf
    with pytest.raises(nn.optim.NonFiniteGradientError, match=r"param_groups\[0\]\[1\].*inf"):
        nn.optim.SGD(values, lr=0.1).step()


@pytest.mark.parametrize("grad", [np.ones(2), [1.0]])
def test_a_gradient_of_the_wrong_shape_is_refused_not_broadcast(grad):
    p = nn.Parameter(np.zeros((3, 2)))
    for opt in (nn.optim.SGD([p], lr=0.1), nn.optim.Adam([p])):
        p.grad = grad
        with pytest.raises(ValueError, match=r"has shape \(3, 2\) but its gradient"):
            opt.step()
        np.testing.assert_array_equal(p.data, 0.0)


def test_a_value_with_grad_none_is_named():
    v = Value(1.0)
    opt = nn.optim.SGD([v], lr=0.1)
    v.grad = None
    with pytest.raises(ValueError, match="has grad None"):
        opt.step()
    assert v.data == 1.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_torchs_kernel_choices_are_accepted_at_any_value(name):
    """nanoGPT passes fused=use_fused; foreach and fused change no number of a step."""
    for options in (dict(fused=None), dict(fused=False), dict(fused=True), dict(foreach=True)):
        getattr(nn.optim, name)([nn.Parameter([1.0])], lr=0.1, **options)
