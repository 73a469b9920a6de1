"""The training loop: learning works, NaN stops it, callbacks behave."""
import numpy as np
import pytest

from scratchgrad import nn


def test_xor_is_learned_by_a_two_layer_net():
    X, y = nn.datasets.gates("XOR")
    model = nn.mlp([2, 8, 2], "tanh", seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(model, nn.functional.cross_entropy, opt, nn.DataLoader((X, y), 4), epochs=200,
           progress=False)
    assert nn.predict(model, X).argmax(1).tolist() == [0, 1, 1, 0]


def test_digits_reach_97_percent_test_accuracy():
    from scratchgrad.commands.demo import train_digits
    _, history, accuracy = train_digits(epochs=30, progress=False)
    assert accuracy >= 0.97
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # numpy's overflow warnings, on purpose
def test_diverging_loss_stops_with_epoch_step_and_advice():
    X, y = nn.datasets.moons(64, seed=0)
    model = nn.mlp([2, 16, 2], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=1e6, check_finite=False)
    with pytest.raises(nn.NonFiniteLossError, match=r"epoch \d+, step \d+.*lower learning rate"):
        nn.fit(model, nn.functional.cross_entropy, opt, nn.DataLoader((X * 1e3, y), 8),
               epochs=5, progress=False)


def test_early_stopping_restores_the_best_and_checkpoint_saves(tmp_path):
    X_tr, X_te, y_tr, y_te = nn.datasets.digits(split=True)
    model = nn.mlp([64, 32, 10], seed=0)
    opt = nn.optim.SGD(model.parameters(), lr=3.0)        # too high: val loss bounces
    stopper = nn.EarlyStopping(patience=2)
    path = tmp_path / "best.npz"
    history = nn.fit(model, nn.functional.cross_entropy, opt,
                     nn.DataLoader((X_tr, y_tr), 64, shuffle=True, seed=0), epochs=40,
                     val_loader=nn.DataLoader((X_te, y_te), 512), progress=False,
                     callbacks=[stopper, nn.ModelCheckpoint(path)])
    assert history.epochs < 40 and stopper.stopped_epoch == history.epochs
    best = min(history["val_loss"])
    restored = nn.evaluate(model, nn.DataLoader((X_te, y_te), 512),
                           nn.functional.cross_entropy)["loss"]
    assert restored == pytest.approx(best)
    model2 = nn.mlp([64, 32, 10], seed=5)
    model2.load_state_dict(nn.load(path))
    assert nn.evaluate(model2, nn.DataLoader((X_te, y_te), 512),
                       nn.functional.cross_entropy)["loss"] == pytest.approx(best)


def test_history_records_each_epoch():
    X, y = nn.datasets.moons(40, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    history = nn.fit(model, nn.functional.cross_entropy,
                     nn.optim.Adam(model.parameters(), lr=0.01), nn.DataLoader((X, y), 10),
                     epochs=3, progress=False)
    assert history.epochs == 3
    assert set(history.as_dict()) >= {"loss", "accuracy", "time", "lr"}


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
    nn.fit(model, nn.functional.cross_entropy, nn.optim.SGD(model.parameters(), lr=0.1),
           nn.DataLoader((X, y), batch_size=10), epochs=2, progress=False,
           callbacks=[Recorder()])
    assert [s for s, _ in seen] == [1, 2, 3, 4] * 2
    assert all(isinstance(loss, float) for _, loss in seen)
