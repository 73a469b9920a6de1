"""Callbacks: the hook order, EarlyStopping (plateaus, mode max, the best weights restored
even after divergence, a snapshot, reuse starts afresh) and ModelCheckpoint (the best
epoch, no temp files, a missing folder named)."""

import os

import numpy as np
import pytest
from helpers import LABELS as Y
from helpers import POINTS as X
from helpers import same_state, training_setup

from scratchgrad import nn

F = nn.functional


def test_callbacks_hear_every_batch():
    from scratchgrad import nn

    seen = []

    class Recorder(nn.Callback):
        def on_batch_end(self, step, loss, model):
            seen.append((step, loss))

    nn.manual_seed(0)
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.mlp([3, 4, 2])
    nn.fit(
        model,
        nn.functional.cross_entropy,
        nn.optim.SGD(model.parameters(), lr=0.1),
        nn.DataLoader((X, y), batch_size=10),
        epochs=2,
        progress=False,
        callbacks=[Recorder()],
    )
    assert [s for s, _ in seen] == [1, 2, 3, 4] * 2
    assert all(isinstance(loss, float) for _, loss in seen)


def test_callback_hook_order():
    calls = []

    class Recorder(nn.Callback):
        def on_train_begin(self, model):
            calls.append("begin")

        def on_batch_end(self, step, loss, model):
            calls.append(("batch", step, type(loss)))

        def on_epoch_end(self, epoch, logs, model):
            calls.append(("epoch", epoch))

        def on_train_end(self, model):
            calls.append("end")

    model, opt, _ = training_setup()
    nn.fit(
        model,
        F.cross_entropy,
        opt,
        nn.DataLoader((X[:16], Y[:16]), batch_size=8),
        epochs=2,
        progress=False,
        callbacks=[Recorder()],
    )
    assert calls == [
        "begin",
        ("batch", 1, float),
        ("batch", 2, float),
        ("epoch", 1),
        ("batch", 1, float),
        ("batch", 2, float),
        ("epoch", 2),
        "end",
    ]


def test_early_stopping_restores_the_best_and_checkpoint_saves(tmp_path):
    X_tr, X_te, y_tr, y_te = nn.datasets.digits(split=True)
    model = nn.mlp([64, 32, 10], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=3.0)  # too high: val loss bounces
    stopper = nn.EarlyStopping(patience=2)
    path = tmp_path / "best.npz"
    history = nn.fit(
        model,
        nn.functional.cross_entropy,
        opt,
        nn.DataLoader((X_tr, y_tr), 64, shuffle=True, seed=0),
        epochs=40,
        val_loader=nn.DataLoader((X_te, y_te), 512),
        progress=False,
        callbacks=[stopper, nn.ModelCheckpoint(path)],
    )
    assert history.epochs < 40 and stopper.stopped_epoch == history.epochs
    best = min(history["val_loss"])
    restored = nn.evaluate(model, nn.DataLoader((X_te, y_te), 512), nn.functional.cross_entropy)[
        "loss"
    ]
    assert restored == pytest.approx(best)
    model2 = nn.mlp([64, 32, 10], seed=5)
    model2.load_state_dict(nn.load(path))
    assert nn.evaluate(model2, nn.DataLoader((X_te, y_te), 512), nn.functional.cross_entropy)[
        "loss"
    ] == pytest.approx(best)


def test_early_stopping_stops_on_a_plateau():
    model, opt, loader = training_setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=1)
    h = nn.fit(
        model,
        lambda out, t: F.cross_entropy(out, t) * 0 + 1.0,
        opt,
        loader,
        epochs=10,
        progress=False,
        callbacks=[stopper],
    )
    assert h.epochs == 2 and stopper.stopped_epoch == 2


def test_early_stopping_mode_max():
    model, opt, loader = training_setup()
    stopper = nn.EarlyStopping(monitor="accuracy", mode="max", patience=1)
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=20, progress=False, callbacks=[stopper])
    assert stopper.best == max(h["accuracy"])
    assert h.epochs < 20


def test_early_stopping_missing_monitor_names_the_logs():
    model, opt, loader = training_setup()
    with pytest.raises(KeyError, match="pass val_loader="):
        nn.fit(
            model,
            F.cross_entropy,
            opt,
            loader,
            epochs=2,
            progress=False,
            callbacks=[nn.EarlyStopping()],
        )


def test_monitor_bad_mode():
    with pytest.raises(ValueError, match="mode must be"):
        nn.EarlyStopping(mode="auto")
    with pytest.raises(ValueError, match="mode must be"):
        nn.ModelCheckpoint("x.npz", mode="auto")


def test_early_stopping_best_state_is_a_snapshot():
    model, opt, loader = training_setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=100)
    nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False, callbacks=[stopper])
    snap = {k: v.copy() for k, v in stopper.best_state.items()}
    nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False)
    assert same_state(snap, stopper.best_state)


def test_early_stopping_restores_best_even_when_training_diverges():
    model, opt, loader = training_setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=5)
    calls = {"n": 0}

    def loss(out, target):
        calls["n"] += 1
        value = F.cross_entropy(out, target)
        return value * np.nan if calls["n"] > 12 else value  # epoch 3 diverges

    with pytest.raises(nn.NonFiniteLossError):
        nn.fit(model, loss, opt, loader, epochs=5, progress=False, callbacks=[stopper])
    assert same_state(model.state_dict(), stopper.best_state)


def test_a_reused_early_stopping_starts_afresh_and_keeps_the_new_models_weights():
    stop = nn.EarlyStopping(monitor="loss", patience=1)
    first, opt, loader = training_setup(seed=0)
    nn.fit(first, F.cross_entropy, opt, loader, epochs=3, progress=False, callbacks=[stop])
    second, opt, loader = training_setup(seed=1)
    history = nn.fit(
        second, F.cross_entropy, opt, loader, epochs=5, progress=False, callbacks=[stop]
    )
    assert history.epochs > 1
    assert not np.array_equal(second[0].weight.data, first[0].weight.data)


def test_model_checkpoint_saves_the_best_epoch(tmp_path):
    path = tmp_path / "best.npz"
    model, opt, loader = training_setup()
    ckpt = nn.ModelCheckpoint(path, monitor="loss")
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False, callbacks=[ckpt])
    assert ckpt.best == min(h["loss"])
    assert os.listdir(tmp_path) == ["best.npz"]  # no temp files left
    saved = nn.load(path)
    if h["loss"][-1] == min(h["loss"]):
        assert same_state(saved, model.state_dict())
    fresh, _, _ = training_setup(seed=7)
    fresh.load_state_dict(saved)


def test_model_checkpoint_missing_folder_fails_clearly(tmp_path):
    model, opt, loader = training_setup()
    ckpt = nn.ModelCheckpoint(tmp_path / "nope" / "best.npz", monitor="loss")
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False, callbacks=[ckpt])
