"""The training loop: fit learns (XOR, the digits), records its history (validation, a
scheduler's lr, sample-weighted loss), stops on a non-finite loss before updating, and
refuses bad arguments; evaluate and predict are batch-size independent and leave the
model's mode alone."""

import numpy as np
import pytest
from helpers import LABELS as Y
from helpers import POINTS as X
from helpers import same_state, training_setup

from scratchgrad import nn
from scratchgrad.autograd import Tensor

F = nn.functional


def test_xor_is_learned_by_a_two_layer_net():
    X, y = nn.datasets.gates("XOR")
    model = nn.mlp([2, 8, 2], "tanh", seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(
        model,
        nn.functional.cross_entropy,
        opt,
        nn.DataLoader((X, y), 4),
        epochs=200,
        progress=False,
    )
    assert nn.predict(model, X).argmax(1).tolist() == [0, 1, 1, 0]


def test_digits_reach_97_percent_test_accuracy():
    from scratchgrad.commands.demo import train_digits

    _, history, accuracy = train_digits(epochs=30, progress=False)
    assert accuracy >= 0.97
    assert history["loss"][-1] < history["loss"][0]


def test_history_records_each_epoch():
    X, y = nn.datasets.moons(40, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    history = nn.fit(
        model,
        nn.functional.cross_entropy,
        nn.optim.Adam(model.parameters(), lr=0.01),
        nn.DataLoader((X, y), 10),
        epochs=3,
        progress=False,
    )
    assert history.epochs == 3
    assert set(history.as_dict()) >= {"loss", "accuracy", "time", "lr"}


def test_fit_history_contents():
    model, opt, loader = training_setup()
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False)
    assert set(h.history) == {"loss", "accuracy", "time", "lr"}
    assert h.epochs == 3 and all(len(v) == 3 for v in h.history.values())
    assert h["lr"] == [0.1, 0.1, 0.1]
    assert "loss" in h and "val_loss" not in h
    assert h.as_dict() == h.history and h.as_dict() is not h.history
    assert repr(h).startswith("History(epochs=3")


def test_fit_with_val_loader_records_val_metrics():
    model, opt, loader = training_setup()
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=2, val_loader=loader, progress=False)
    assert set(h.history) == {"loss", "accuracy", "time", "lr", "val_loss", "val_accuracy"}


def test_fit_regression_has_no_accuracy():
    nn.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    h = nn.fit(
        model,
        F.mse_loss,
        opt,
        nn.DataLoader((X, X[:, :1].copy()), batch_size=8),
        epochs=2,
        progress=False,
    )
    assert set(h.history) == {"loss", "time", "lr"}


def test_regression_with_several_outputs_logs_no_accuracy():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    model = nn.Linear(4, 3)
    history = nn.fit(
        model,
        nn.functional.mse_loss,
        nn.optim.SGD(model.parameters(), lr=0.01),
        nn.DataLoader((X, Y), batch_size=5),
        epochs=1,
        progress=False,
    )
    assert "accuracy" not in history.history


def test_fit_scheduler_lr_recorded_before_step():
    model, opt, loader = training_setup()
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, scheduler=sched, progress=False)
    np.testing.assert_allclose(h["lr"], [0.1, 0.05, 0.025])


def test_train_loss_is_sample_weighted():
    model, opt, _ = training_setup(lr=0.0)
    h = nn.fit(model, F.cross_entropy, opt, nn.DataLoader((X, Y), batch_size=7), progress=False)
    full = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=40), F.cross_entropy)
    assert h["loss"][0] == pytest.approx(full["loss"])


@pytest.mark.parametrize("progress", [False, True])  # True: stderr is not a terminal
def test_fit_prints_nothing_when_not_interactive(capsys, progress):
    model, opt, loader = training_setup()
    nn.fit(model, F.cross_entropy, opt, loader, epochs=2, val_loader=loader, progress=progress)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


# --- stopping and refusing ----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's overflow warnings, on purpose
def test_diverging_loss_stops_with_epoch_step_and_advice():
    X, y = nn.datasets.moons(64, seed=0)
    model = nn.mlp([2, 16, 2], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=1e6, check_finite=False)
    with pytest.raises(nn.NonFiniteLossError, match=r"epoch \d+, step \d+.*lower learning rate"):
        nn.fit(
            model,
            nn.functional.cross_entropy,
            opt,
            nn.DataLoader((X * 1e3, y), 8),
            epochs=5,
            progress=False,
        )


def test_nan_loss_stops_before_updating_weights():
    model, opt, loader = training_setup()
    before = model.state_dict()
    with pytest.raises(nn.NonFiniteLossError, match="epoch 1, step 1"):
        nn.fit(
            model,
            lambda out, t: (out * Tensor(np.nan)).sum(),
            opt,
            loader,
            epochs=2,
            progress=False,
        )
    assert same_state(before, model.state_dict())
    assert issubclass(nn.NonFiniteLossError, FloatingPointError)


@pytest.mark.parametrize("epochs", [0, -1])
def test_fit_refuses_nonpositive_epochs(epochs):
    model, opt, loader = training_setup()
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        nn.fit(model, F.cross_entropy, opt, loader, epochs=epochs, progress=False)


def test_fit_refuses_a_loader_without_batches_and_nan_is_never_best():
    model, opt, _ = training_setup()
    with pytest.raises(ValueError, match="yields no batches"):
        nn.fit(
            model,
            F.cross_entropy,
            opt,
            nn.DataLoader((X, Y), batch_size=64, drop_last=True),
            progress=False,
        )
    stop = nn.EarlyStopping(monitor="val_loss")
    assert not stop._improved({"val_loss": float("nan")}) and stop.best is None


def test_model_without_parameters_is_refused_by_the_optimizer():
    model = nn.Sequential(nn.ReLU())
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.SGD(model.parameters(), lr=0.1)


# --- evaluate / predict -------------------------------------------------------------------


def test_evaluate_is_batch_size_independent_and_restores_mode():
    model, _, _ = training_setup()
    model.train()
    a = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=40), F.cross_entropy)
    b = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=7), F.cross_entropy)
    assert set(a) == {"loss", "accuracy"}
    assert a["loss"] == pytest.approx(b["loss"]) and a["accuracy"] == b["accuracy"]
    assert model.training
    assert set(nn.evaluate(model, nn.DataLoader((X, Y)))) == {"accuracy"}  # no loss_fn


def test_evaluate_empty_loader_is_refused():
    model, _, _ = training_setup()
    empty = nn.DataLoader((X, Y), batch_size=100, drop_last=True)
    with pytest.raises(ValueError, match="no samples"):
        nn.evaluate(model, empty)


def test_predict_batches_match_and_use_eval_mode():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5))
    model.train()
    a = nn.predict(model, X, batch_size=7)
    b = nn.predict(model, X)
    assert a.shape == (40, 2) and isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, b)  # dropout off
    assert model.training
    np.testing.assert_allclose(nn.predict(model, Tensor(X)), b)
    np.testing.assert_allclose(nn.predict(model, X.tolist()), b)
