"""Bad input fails loudly and helpfully: each test asserts the message."""
import threading

import numpy as np
import pytest

from scratchgrad import autograd
from scratchgrad.autograd import Tensor, Value


def test_mixing_value_and_tensor_is_a_clear_type_error():
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        Tensor(np.ones(2)) + Value(1.0)
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) * Tensor(np.ones(2))


@pytest.mark.parametrize("data, words", [
    ("3", "str"), ([1.0, "a"], "numbers"), (None, "NoneType"), ([[1, 2], [3]], "numbers"),
    (np.array([True, False]), None),
])
def test_wrong_data_types(data, words):
    if words is None:                        # bools are numbers: they become float64
        assert Tensor(data).dtype == np.float64
        return
    with pytest.raises(TypeError, match=words):
        Tensor(data) if not isinstance(data, (type(None),)) else Value(data)


def test_empty_tensors_and_zero_size_batches():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    out = x.sum()
    out.backward()
    assert out.item() == 0.0 and x.grad.shape == (0, 3)
    with pytest.raises(ValueError, match="empty axis"):
        Tensor(np.ones((0, 3))).max(axis=0)
    with pytest.raises(ValueError, match="mean over an empty axis"):
        Tensor(np.ones((0, 3))).mean(axis=0)


def test_zero_dimensional_tensors_work_like_scalars():
    x = Tensor(2.0, requires_grad=True)
    y = x * x + 1
    y.backward()
    assert x.shape == () and y.item() == 5.0 and x.grad == 4.0


def test_in_place_edit_of_a_saved_tensor_is_detected():
    w = Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    w.data = w.data - 0.1                    # a new array: counted by the version
    with pytest.raises(RuntimeError, match=r"modified in place.*version 0 to 1"):
        loss.backward()


def test_writing_into_a_saved_leaf_array_fails_at_once():
    """The silent wrong gradient ([200, 4] for [2, 4]) cannot happen: while a graph holds
    a leaf, its array (and the array it was made from) is read-only."""
    data = np.array([1.0, 2.0])
    x = Tensor(data, requires_grad=True)
    loss = (x * x).sum()
    for write in (lambda: x.data.__setitem__(0, 100.0), lambda: data.__setitem__(0, 100.0),
                  lambda: np.multiply(x.data, 2, out=x.data)):
        with pytest.raises(ValueError, match="read-only"):
            write()
    with pytest.raises(ValueError, match="read-only"):
        x.data -= 0.1
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    x.data[0] = 100.0                        # the graph is freed: writable again
    assert data[0] == 100.0


def test_optimizer_step_before_backward_is_counted():
    from scratchgrad import nn
    layer = nn.Linear(2, 1, seed=0)
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)
    loss = layer(Tensor([[1.0, 2.0]])).sum()
    for p in layer.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()                               # allowed, and counted
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_a_dropped_graph_releases_its_leaves():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2).sum()
    del y
    x.data[0] = 5.0                          # no graph holds x any more


def test_editing_after_backward_is_fine():
    w = Tensor(np.ones(3), requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1
    (w * w).sum().backward()                 # a fresh graph records the new version


def test_anomaly_mode_names_op_shape_and_creation_site():
    x = Tensor(np.array([1.0, 0.0]), requires_grad=True)
    with autograd.detect_anomaly():
        y = x.sqrt().sum()                   # d sqrt/dx at 0 is inf
        with pytest.raises(autograd.AnomalyError,
                           match=r"backward of 'sqrt'.*input 0 \(shape \(2,\)\)"
                                 r"(.|\n)*test_hardening\.py"), \
                np.errstate(divide="ignore"):
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


def test_grad_mode_is_thread_local():
    seen = []
    with autograd.no_grad():
        thread = threading.Thread(target=lambda: seen.append(autograd.is_grad_enabled()))
        thread.start()
        thread.join()
        assert autograd.is_grad_enabled() is False
    assert seen == [True]
