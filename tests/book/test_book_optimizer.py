"""scratchgrad.book.common.optimizer against the book's update rules written out here
step by step: 50 steps must land on the same numbers (bit for bit), in place."""

import numpy as np
import pytest

from scratchgrad.book.common import optimizer as O

STEPS = 50


def book_sgd(p, g, s, lr=0.01):
    p -= lr * g


def book_momentum(p, g, s, lr=0.01, momentum=0.9):
    v = s.get("v", np.zeros_like(p))
    s["v"] = momentum * v - lr * g  # a new array: the book rebinds v
    p += s["v"]


def book_nesterov(p, g, s, lr=0.01, momentum=0.9):
    v = s.setdefault("v", np.zeros_like(p))
    v *= momentum
    v -= lr * g
    p += momentum * momentum * v
    p -= (1 + momentum) * lr * g


def book_adagrad(p, g, s, lr=0.01):
    h = s.setdefault("h", np.zeros_like(p))
    h += g * g
    p -= lr * g / (np.sqrt(h) + 1e-7)


def book_rmsprop(p, g, s, lr=0.01, decay_rate=0.99):
    h = s.setdefault("h", np.zeros_like(p))
    h *= decay_rate
    h += (1 - decay_rate) * g * g
    p -= lr * g / (np.sqrt(h) + 1e-7)


def book_adam(p, g, s, lr=0.001, beta1=0.9, beta2=0.999):
    m, v = s.setdefault("m", np.zeros_like(p)), s.setdefault("v", np.zeros_like(p))
    t = s["t"] = s.get("t", 0) + 1
    lr_t = lr * np.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
    m += (1 - beta1) * (g - m)
    v += (1 - beta2) * (g**2 - v)
    p -= lr_t * m / (np.sqrt(v) + 1e-7)


RULES = {
    "SGD": book_sgd,
    "Momentum": book_momentum,
    "Nesterov": book_nesterov,
    "AdaGrad": book_adagrad,
    "RMSprop": book_rmsprop,
    "Adam": book_adam,
}
OPTIONS = {  # not the defaults, so a default taken by mistake shows
    "SGD": dict(lr=0.05),
    "Momentum": dict(lr=0.02, momentum=0.8),
    "Nesterov": dict(lr=0.02, momentum=0.7),
    "AdaGrad": dict(lr=0.1),
    "RMSprop": dict(lr=0.02, decay_rate=0.9),
    "Adam": dict(lr=0.01, beta1=0.8, beta2=0.99),
}
SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (600, 500)}  # W2 big enough to split over threads


def run(name, options, param_dtype=np.float64, grad_dtype=np.float64):
    """(the optimizer's params, the book loop's params), after STEPS steps from the same
    start with the same gradients (those of 0.5 * |p - target|^2 plus noise)."""
    rng = np.random.default_rng(1)
    start = {k: rng.standard_normal(s).astype(param_dtype) for k, s in SHAPES.items()}
    target = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    ours = {k: v.copy() for k, v in start.items()}
    theirs = {k: v.copy() for k, v in start.items()}
    arrays = dict(ours)  # what a layer holds
    optimizer = getattr(O, name)(**options)
    state = {k: {} for k in SHAPES}
    for _ in range(STEPS):
        noise = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
        for params, update in (
            (ours, optimizer.update),
            (theirs, lambda p, g: [RULES[name](p[k], g[k], state[k], **options) for k in p]),
        ):
            grads = {k: (params[k] - target[k] + noise[k]).astype(grad_dtype) for k in SHAPES}
            update(params, grads)
    assert all(ours[k] is arrays[k] for k in SHAPES)  # written in place, never replaced
    return ours, theirs, start


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("defaults", [True, False])
def test_fifty_steps_are_the_books(name, defaults):
    ours, theirs, start = run(name, {} if defaults else OPTIONS[name])
    for k in SHAPES:
        assert not np.array_equal(ours[k], start[k])
        np.testing.assert_allclose(ours[k], theirs[k], rtol=0, atol=1e-12)
        assert np.array_equal(ours[k], theirs[k])  # and in fact bit for bit


@pytest.mark.parametrize("name", sorted(RULES))
def test_float32_weights_with_float64_gradients_round_as_the_books(name):
    ours, theirs, _ = run(name, OPTIONS[name], np.float32, np.float64)
    for k in SHAPES:
        assert ours[k].dtype == np.float32
        assert np.array_equal(ours[k], theirs[k])


def test_the_books_defaults_and_state_names():
    assert O.SGD().lr == 0.01
    assert (O.Momentum().lr, O.Momentum().momentum, O.Momentum().v) == (0.01, 0.9, None)
    assert (O.Nesterov().lr, O.Nesterov().momentum, O.Nesterov().v) == (0.01, 0.9, None)
    assert (O.AdaGrad().lr, O.AdaGrad().h) == (0.01, None)
    assert (O.RMSprop().lr, O.RMSprop().decay_rate, O.RMSprop().h) == (0.01, 0.99, None)
    adam = O.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.iter, adam.m, adam.v) == (
        0.001,
        0.9,
        0.999,
        0,
        None,
        None,
    )


def test_state_is_per_key_and_adam_counts_its_steps():
    W = np.ones((2, 3))
    params, grads = {"W": W}, {"W": np.full((2, 3), 0.5)}
    adam = O.Adam()
    adam.update(params, grads)
    adam.update(params, grads)
    assert params["W"] is W and adam.iter == 2
    assert set(adam.m) == set(adam.v) == {"W"}
    np.testing.assert_allclose(adam.m["W"], 0.5 * (1 - 0.9**2))
    momentum = O.Momentum(lr=0.1)
    momentum.update(params, grads)
    np.testing.assert_allclose(momentum.v["W"], -0.05)


def test_a_changed_learning_rate_is_used_from_the_next_step():
    params, grads = {"W": np.zeros(3)}, {"W": np.ones(3)}
    sgd = O.SGD(lr=0.1)
    sgd.update(params, grads)
    sgd.lr = 1.0
    sgd.update(params, grads)
    np.testing.assert_allclose(params["W"], -1.1)
