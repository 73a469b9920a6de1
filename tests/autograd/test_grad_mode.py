"""Grad mode: no_grad records and saves nothing, the mode belongs to one thread (two threads
train side by side), and anomaly mode names the op, the shape and the line that made the
tensor, at no cost when it is off."""

import threading

import numpy as np
import pytest

from scratchgrad import autograd
from scratchgrad.autograd import Tensor, no_grad


def test_no_grad_records_and_saves_nothing():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).exp()
    assert y.requires_grad is False and y._fn is None and y._saved is None


def test_grad_mode_is_thread_local():
    seen = []
    with autograd.no_grad():
        thread = threading.Thread(target=lambda: seen.append(autograd.is_grad_enabled()))
        thread.start()
        thread.join()
        assert autograd.is_grad_enabled() is False
    assert seen == [True]


def test_two_threads_training_do_not_interfere():
    results = {}

    def train(name, use_no_grad):
        w = Tensor(np.ones(4), requires_grad=True)
        for _ in range(200):
            if use_no_grad:
                with autograd.no_grad():
                    (w * 3).sum()
            loss = ((w - 0.5) ** 2).sum()
            w.grad = None
            loss.backward()
            w.data -= 0.1 * w.grad
        results[name] = w.data.copy()

    threads = [threading.Thread(target=train, args=(n, n == "a")) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_allclose(results["a"], 0.5, atol=1e-6)
    np.testing.assert_allclose(results["b"], results["a"])


def test_anomaly_mode_names_op_shape_and_creation_site():
    x = Tensor(np.array([1.0, 0.0]), requires_grad=True)
    with autograd.detect_anomaly():
        y = x.sqrt().sum()  # d sqrt/dx at 0 is inf
        with (
            pytest.raises(
                autograd.AnomalyError,
                match=r"backward of 'sqrt'.*input 0 \(shape \(2,\)\)"
                r"(.|\n)*test_grad_mode\.py",
            ),
            np.errstate(divide="ignore"),
        ):
            y.backward()
    with pytest.raises(autograd.AnomalyError, match=r"forward of 'log'.*NaN or inf"):
        with autograd.detect_anomaly(), np.errstate(divide="ignore"):
            Tensor(np.array([0.0]), requires_grad=True).log()


def test_anomaly_mode_costs_nothing_when_off():
    assert autograd.grad_mode.STATE.anomaly is False
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    from scratchgrad.autograd import anomaly

    assert id(y) not in anomaly._created_at
