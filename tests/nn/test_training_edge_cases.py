"""Edge cases of the training utilities a learner touches: DataLoader, the data helpers,
the bundled digits, fit / evaluate / predict with callbacks, and nn.save / nn.load.

Regression tests only: every test here documents behaviour of the current code.
"""
import os
import pickle

import numpy as np
import pytest

import scratchgrad  # noqa: F401  (sets up the engine)
from scratchgrad.autograd import Tensor

from scratchgrad import nn
from scratchgrad.nn import data as D

F = nn.functional

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4))
Y = (X[:, 0] > 0).astype(np.int64)


def _setup(seed=0, lr=0.1, batch_size=8):
    nn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    loader = nn.DataLoader((X, Y), batch_size=batch_size, shuffle=True, seed=0)
    return model, opt, loader


def _same_state(a, b):
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


# --- DataLoader ------------------------------------------------------------------------

SMALL_X = np.arange(10.0).reshape(5, 2)
SMALL_Y = np.arange(5)


def test_batch_size_larger_than_data_gives_one_full_batch():
    batches = list(nn.DataLoader((SMALL_X, SMALL_Y), batch_size=100))
    assert len(batches) == 1
    x, y = batches[0]
    assert isinstance(x, Tensor) and x.shape == (5, 2)
    np.testing.assert_array_equal(y, SMALL_Y)


def test_drop_last_with_batch_larger_than_data_yields_nothing():
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=100, drop_last=True)
    assert len(loader) == 0
    assert list(loader) == []


@pytest.mark.parametrize("batch_size, expected, expected_drop", [
    (1, 5, 5), (2, 3, 2), (3, 2, 1), (5, 1, 1), (6, 1, 0)])
def test_len_matches_number_of_batches(batch_size, expected, expected_drop):
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=batch_size)
    dropping = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=batch_size, drop_last=True)
    assert len(loader) == len(list(loader)) == expected
    assert len(dropping) == len(list(dropping)) == expected_drop
    assert all(len(y) == batch_size for _, y in dropping)


def test_mismatched_lengths_are_refused_with_both_lengths():
    with pytest.raises(ValueError, match=r"\[5, 3\]"):
        nn.DataLoader((SMALL_X, SMALL_Y[:3]))


@pytest.mark.parametrize("bad", [0, -1, 2.0, None, "8"])
def test_invalid_batch_size_is_refused(bad):
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader((SMALL_X, SMALL_Y), batch_size=bad)


def test_tensor_inputs_become_tensor_x_and_numpy_y():
    x, y = next(iter(nn.DataLoader((Tensor(SMALL_X), SMALL_Y), batch_size=2)))
    assert isinstance(x, Tensor) and isinstance(y, np.ndarray)
    np.testing.assert_array_equal(x.data, SMALL_X[:2])
    assert y.dtype.kind == "i"


def test_dtypes_float32_kept_ints_become_float():
    x32, _ = next(iter(nn.DataLoader((SMALL_X.astype(np.float32), SMALL_Y))))
    xi, _ = next(iter(nn.DataLoader((np.arange(10).reshape(5, 2), SMALL_Y))))
    assert x32.dtype == np.float32
    assert xi.dtype == np.float64


def _epoch_labels(loader):
    return np.concatenate([y for _, y in loader])


def test_seeded_shuffle_is_reproducible_and_a_permutation_each_epoch():
    a = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2, shuffle=True, seed=3)
    b = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2, shuffle=True, seed=3)
    epochs_a = [_epoch_labels(a) for _ in range(4)]
    epochs_b = [_epoch_labels(b) for _ in range(4)]
    for ea, eb in zip(epochs_a, epochs_b):
        np.testing.assert_array_equal(ea, eb)
        assert sorted(ea.tolist()) == SMALL_Y.tolist()
    # iterating again reshuffles (like PyTorch), it does not replay epoch 1
    assert any(not np.array_equal(epochs_a[0], e) for e in epochs_a[1:])


def test_unseeded_shuffle_follows_manual_seed():
    def order():
        nn.manual_seed(0)
        return _epoch_labels(nn.DataLoader((np.zeros((6, 1)), np.arange(6)), batch_size=2,
                                           shuffle=True))
    np.testing.assert_array_equal(order(), order())


def test_unshuffled_loader_is_stable_across_iterations():
    loader = nn.DataLoader((SMALL_X, SMALL_Y), batch_size=2)
    for _ in range(2):
        np.testing.assert_array_equal(_epoch_labels(loader), SMALL_Y)


def test_empty_dataset_gives_no_batches():
    loader = nn.DataLoader((np.zeros((0, 2)), np.zeros(0, dtype=np.int64)), batch_size=4)
    assert len(loader) == 0 and list(loader) == []


def test_three_arrays_via_tensordataset():
    w = np.linspace(0, 1, 5)
    x, y, weights = next(iter(nn.DataLoader(nn.TensorDataset(SMALL_X, SMALL_Y, w),
                                            batch_size=3)))
    assert x.shape == (3, 2)
    np.testing.assert_array_equal(y, SMALL_Y[:3])
    np.testing.assert_array_equal(weights, w[:3])


def test_nested_list_inputs_work_like_arrays():
    x, y = next(iter(nn.DataLoader([[[0., 1.], [2., 3.], [4., 5.]], [0, 1, 0]], batch_size=2)))
    np.testing.assert_array_equal(x.data, [[0., 1.], [2., 3.]])
    np.testing.assert_array_equal(y, [0, 1])


def test_subset_of_subset_gathers_the_right_rows():
    inner = D.Subset(nn.TensorDataset(SMALL_X, SMALL_Y), [4, 3, 2])
    outer = D.Subset(inner, [0, 2])
    (x, y), = list(nn.DataLoader(outer, batch_size=5))
    np.testing.assert_array_equal(y, [4, 2])
    np.testing.assert_array_equal(x.data, SMALL_X[[4, 2]])


def test_random_split_fractions_are_disjoint_and_cover():
    ds = nn.TensorDataset(np.arange(10.0), np.arange(10))
    parts = nn.random_split(ds, [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    idx = np.concatenate([p.indices for p in parts])
    assert sorted(idx.tolist()) == list(range(10))
    odd = nn.random_split(nn.TensorDataset(SMALL_X, SMALL_Y), [0.5, 0.5], seed=0)
    assert [len(p) for p in odd] == [3, 2]


def test_random_split_wrong_total_is_refused():
    ds = nn.TensorDataset(SMALL_X, SMALL_Y)
    with pytest.raises(ValueError, match="add up to"):
        nn.random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="add up to"):
        nn.random_split(ds, [0.5, 0.2])


# --- data helpers ----------------------------------------------------------------------

Y20 = np.array([0] * 10 + [1] * 10)
X20 = np.random.default_rng(1).normal(size=(20, 3))


def test_train_test_split_shapes_partition_and_stratification():
    X_tr, X_te, y_tr, y_te = D.train_test_split(X20, Y20, test_size=0.2, seed=0)
    assert X_tr.shape == (16, 3) and X_te.shape == (4, 3)
    assert y_tr.shape == (16,) and y_te.shape == (4,)
    np.testing.assert_array_equal(np.bincount(y_te), [2, 2])
    ids_tr, ids_te, _, _ = D.train_test_split(np.arange(20), Y20, seed=1)
    assert sorted(np.concatenate([ids_tr, ids_te]).tolist()) == list(range(20))
    # rows stay paired with their labels
    X_tr, _, y_tr, _ = D.train_test_split(np.arange(20), Y20, seed=2)
    np.testing.assert_array_equal(Y20[X_tr], y_tr)


def test_train_test_split_is_reproducible_with_seed():
    a = D.train_test_split(X20, Y20, seed=1)
    b = D.train_test_split(X20, Y20, seed=1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))


def test_train_test_split_accepts_2d_targets_and_tensors():
    parts = D.train_test_split(Tensor(X20), np.eye(2)[Y20], seed=0)
    assert [p.shape for p in parts] == [(16, 3), (4, 3), (16, 2), (4, 2)]
    assert all(isinstance(p, np.ndarray) for p in parts)


@pytest.mark.parametrize("test_size", [0, 1, 5, -0.1, 1.5])
def test_train_test_split_bad_test_size(test_size):
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(X20, Y20, test_size=test_size)


def test_train_test_split_mismatched_lengths():
    with pytest.raises(ValueError, match="20 samples but y has 3"):
        D.train_test_split(X20, Y20[:3])


def test_standardize_constant_column_stays_finite_and_uses_train_stats():
    C = np.c_[np.full(4, 5.0), np.arange(4.0)]
    train, other = D.standardize(C, C + 1)
    assert np.all(np.isfinite(train))
    np.testing.assert_array_equal(train[:, 0], 0.0)
    np.testing.assert_allclose(train[:, 1].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(train[:, 1].std(), 1.0)
    np.testing.assert_array_equal(other[:, 0], 1.0)          # (6 - 5) / 1
    (alone,) = D.standardize(C)                              # always a tuple
    np.testing.assert_array_equal(alone, train)


def test_standardizer_transform_before_fit():
    with pytest.raises(RuntimeError, match="before fit"):
        D.Standardizer().transform(np.ones((2, 2)))


def test_one_hot_basics_and_errors():
    np.testing.assert_array_equal(nn.one_hot(np.array([0, 2])), [[1, 0, 0], [0, 0, 1]])
    assert nn.one_hot(np.array([0, 2]), num_classes=4).shape == (2, 4)
    assert nn.one_hot([0, 1, 2]).shape == (3, 3)
    assert nn.one_hot(np.array([[0, 1], [1, 0]])).shape == (2, 2, 2)
    assert nn.one_hot(np.array([], dtype=np.int64), num_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match="num_classes=2"):
        nn.one_hot(np.array([0, 2]), num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        nn.one_hot(np.array([0, -1]))
    with pytest.raises(TypeError, match="integer labels"):
        nn.one_hot(np.array([0.0, 1.0]))


# --- datasets --------------------------------------------------------------------------

def test_digits_shapes_dtypes_and_range():
    X, y = nn.datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y).tolist()) == set(range(10))
    raw, _ = nn.datasets.digits(scale=False)
    assert raw.max() == 16.0


def test_digits_images_and_split():
    Xi, _ = nn.datasets.digits(images=True)
    assert Xi.shape == (1797, 8, 8)
    np.testing.assert_array_equal(Xi.reshape(-1, 64), nn.datasets.digits()[0])
    parts = nn.datasets.digits(split=True, images=True)
    assert [p.shape for p in parts] == [(1438, 8, 8), (359, 8, 8), (1438,), (359,)]


def test_digits_returns_fresh_arrays():
    X, _ = nn.datasets.digits()
    X[0, 0] = 99.0
    assert nn.datasets.digits()[0][0, 0] != 99.0


# --- fit -------------------------------------------------------------------------------

def test_fit_history_contents():
    model, opt, loader = _setup()
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False)
    assert set(h.history) == {"loss", "accuracy", "time", "lr"}
    assert h.epochs == 3 and all(len(v) == 3 for v in h.history.values())
    assert h["lr"] == [0.1, 0.1, 0.1]
    assert "loss" in h and "val_loss" not in h
    assert h.as_dict() == h.history and h.as_dict() is not h.history
    assert repr(h).startswith("History(epochs=3")


def test_fit_with_val_loader_records_val_metrics():
    model, opt, loader = _setup()
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=2, val_loader=loader,
               progress=False)
    assert set(h.history) == {"loss", "accuracy", "time", "lr", "val_loss", "val_accuracy"}


def test_fit_regression_has_no_accuracy():
    nn.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    h = nn.fit(model, F.mse_loss, opt, nn.DataLoader((X, X[:, :1].copy()), batch_size=8),
               epochs=2, progress=False)
    assert set(h.history) == {"loss", "time", "lr"}


def test_fit_scheduler_lr_recorded_before_step():
    model, opt, loader = _setup()
    sched = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, scheduler=sched,
               progress=False)
    np.testing.assert_allclose(h["lr"], [0.1, 0.05, 0.025])


def test_train_loss_is_sample_weighted():
    model, opt, _ = _setup(lr=0.0)
    h = nn.fit(model, F.cross_entropy, opt, nn.DataLoader((X, Y), batch_size=7),
               progress=False)
    full = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=40), F.cross_entropy)
    assert h["loss"][0] == pytest.approx(full["loss"])


@pytest.mark.parametrize("epochs", [0, -1])
def test_fit_refuses_nonpositive_epochs(epochs):
    model, opt, loader = _setup()
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        nn.fit(model, F.cross_entropy, opt, loader, epochs=epochs, progress=False)


def test_nan_loss_stops_before_updating_weights():
    model, opt, loader = _setup()
    before = model.state_dict()
    with pytest.raises(nn.NonFiniteLossError, match="epoch 1, step 1"):
        nn.fit(model, lambda out, t: (out * Tensor(np.nan)).sum(), opt, loader, epochs=2,
               progress=False)
    assert _same_state(before, model.state_dict())
    assert issubclass(nn.NonFiniteLossError, FloatingPointError)


def test_model_without_parameters_is_refused_by_the_optimizer():
    model = nn.Sequential(nn.ReLU())
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize("progress", [False, True])  # True: stderr is not a terminal
def test_fit_prints_nothing_when_not_interactive(capsys, progress):
    model, opt, loader = _setup()
    nn.fit(model, F.cross_entropy, opt, loader, epochs=2, val_loader=loader,
           progress=progress)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


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

    model, opt, _ = _setup()
    nn.fit(model, F.cross_entropy, opt, nn.DataLoader((X[:16], Y[:16]), batch_size=8),
           epochs=2, progress=False, callbacks=[Recorder()])
    assert calls == ["begin", ("batch", 1, float), ("batch", 2, float), ("epoch", 1),
                     ("batch", 1, float), ("batch", 2, float), ("epoch", 2), "end"]


def test_early_stopping_stops_on_a_plateau():
    model, opt, loader = _setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=1)
    h = nn.fit(model, lambda out, t: F.cross_entropy(out, t) * 0 + 1.0, opt, loader,
               epochs=10, progress=False, callbacks=[stopper])
    assert h.epochs == 2 and stopper.stopped_epoch == 2


def test_early_stopping_mode_max():
    model, opt, loader = _setup()
    stopper = nn.EarlyStopping(monitor="accuracy", mode="max", patience=1)
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=20, progress=False,
               callbacks=[stopper])
    assert stopper.best == max(h["accuracy"])
    assert h.epochs < 20


def test_early_stopping_missing_monitor_names_the_logs():
    model, opt, loader = _setup()
    with pytest.raises(KeyError, match="pass val_loader="):
        nn.fit(model, F.cross_entropy, opt, loader, epochs=2, progress=False,
               callbacks=[nn.EarlyStopping()])


def test_monitor_bad_mode():
    with pytest.raises(ValueError, match="mode must be"):
        nn.EarlyStopping(mode="auto")
    with pytest.raises(ValueError, match="mode must be"):
        nn.ModelCheckpoint("x.npz", mode="auto")


def test_early_stopping_best_state_is_a_snapshot():
    model, opt, loader = _setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=100)
    nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False,
           callbacks=[stopper])
    snap = {k: v.copy() for k, v in stopper.best_state.items()}
    nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False)
    assert _same_state(snap, stopper.best_state)


def test_early_stopping_restores_best_even_when_training_diverges():
    model, opt, loader = _setup()
    stopper = nn.EarlyStopping(monitor="loss", patience=5)
    calls = {"n": 0}

    def loss(out, target):
        calls["n"] += 1
        value = F.cross_entropy(out, target)
        return value * np.nan if calls["n"] > 12 else value   # epoch 3 diverges

    with pytest.raises(nn.NonFiniteLossError):
        nn.fit(model, loss, opt, loader, epochs=5, progress=False, callbacks=[stopper])
    assert _same_state(model.state_dict(), stopper.best_state)


def test_model_checkpoint_saves_the_best_epoch(tmp_path):
    path = tmp_path / "best.npz"
    model, opt, loader = _setup()
    ckpt = nn.ModelCheckpoint(path, monitor="loss")
    h = nn.fit(model, F.cross_entropy, opt, loader, epochs=3, progress=False,
               callbacks=[ckpt])
    assert ckpt.best == min(h["loss"])
    assert os.listdir(tmp_path) == ["best.npz"]          # no temp files left
    saved = nn.load(path)
    if h["loss"][-1] == min(h["loss"]):
        assert _same_state(saved, model.state_dict())
    fresh, _, _ = _setup(seed=7)
    fresh.load_state_dict(saved)


def test_model_checkpoint_missing_folder_fails_clearly(tmp_path):
    model, opt, loader = _setup()
    ckpt = nn.ModelCheckpoint(tmp_path / "nope" / "best.npz", monitor="loss")
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False,
               callbacks=[ckpt])


# --- evaluate / predict ----------------------------------------------------------------

def test_evaluate_is_batch_size_independent_and_restores_mode():
    model, _, _ = _setup()
    model.train()
    a = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=40), F.cross_entropy)
    b = nn.evaluate(model, nn.DataLoader((X, Y), batch_size=7), F.cross_entropy)
    assert set(a) == {"loss", "accuracy"}
    assert a["loss"] == pytest.approx(b["loss"]) and a["accuracy"] == b["accuracy"]
    assert model.training
    assert set(nn.evaluate(model, nn.DataLoader((X, Y)))) == {"accuracy"}   # no loss_fn


def test_evaluate_empty_loader_is_refused():
    model, _, _ = _setup()
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
    np.testing.assert_array_equal(a, b)                  # dropout off
    assert model.training
    np.testing.assert_allclose(nn.predict(model, Tensor(X)), b)
    np.testing.assert_allclose(nn.predict(model, X.tolist()), b)


# --- save / load -----------------------------------------------------------------------

def test_nested_dict_round_trip_keeps_dtypes(tmp_path):
    state = {"a": np.arange(3), "b": {"c": np.ones((2, 2), np.float32),
                                      "d": {"e": np.array(1.5)}},
             "f16": np.ones(2, np.float16), "flag": np.array([True]),
             "u8": np.arange(2, dtype=np.uint8), "s": np.array("hi"),
             "fortran": np.arange(12.0).reshape(3, 4).T}
    path = tmp_path / "n.npz"
    assert nn.save(state, path) == os.fspath(path)
    back = nn.load(path)
    assert back["b"]["d"]["e"] == 1.5
    for key in ("a", "f16", "flag", "u8", "s", "fortran"):
        assert back[key].dtype == state[key].dtype
        np.testing.assert_array_equal(back[key], state[key])
    assert back["b"]["c"].dtype == np.float32


def test_python_values_come_back_as_arrays(tmp_path):
    path = tmp_path / "p.npz"
    nn.save({"lr": 0.1, "n": 3, 1: np.ones(1), "w": Tensor(np.ones(2)), "l": [1.0, 2.0]},
            path)
    back = nn.load(path)
    assert back["lr"].shape == () and float(back["lr"]) == 0.1
    assert int(back["n"]) == 3
    assert set(back) == {"lr", "n", "1", "w", "l"}        # int keys become strings
    np.testing.assert_array_equal(back["w"], [1.0, 1.0])


def test_empty_dict_round_trip(tmp_path):
    nn.save({}, tmp_path / "e.npz")
    assert nn.load(tmp_path / "e.npz") == {}


@pytest.mark.parametrize("value", [None, np.array([None]), {"x": object()}])
def test_unpicklable_free_values_are_refused_on_save(tmp_path, value):
    with pytest.raises(nn.CheckpointError, match="pickle"):
        nn.save({"a": value}, tmp_path / "bad.npz")
    assert os.listdir(tmp_path) == []


def test_optimizer_state_round_trip_resumes_identically(tmp_path):
    model, _, loader = _setup()
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False)
    path = tmp_path / "ck.npz"
    nn.save({"model": model.state_dict(), "opt": opt.state_dict()}, path)
    ck = nn.load(path)
    model2, _, _ = _setup(seed=5)
    opt2 = nn.optim.Adam(model2.parameters(), lr=0.5)
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["opt"])
    assert opt2.param_groups[0]["lr"] == 0.01
    for m, o in ((model, opt), (model2, opt2)):
        nn.fit(m, F.cross_entropy, o, nn.DataLoader((X, Y), batch_size=8, shuffle=True,
                                                    seed=9), epochs=2, progress=False)
    assert _same_state(model.state_dict(), model2.state_dict())


def test_fresh_optimizer_state_round_trip(tmp_path):
    model, _, _ = _setup()
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    nn.save(opt.state_dict(), tmp_path / "o.npz")
    opt2 = nn.optim.Adam(model.parameters(), lr=0.3)
    opt2.load_state_dict(nn.load(tmp_path / "o.npz"))
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.state == {}


class _Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


def test_tied_weights_survive_a_round_trip(tmp_path):
    nn.manual_seed(0)
    model = _Tied()
    nn.save(model.state_dict(), tmp_path / "t.npz")
    nn.manual_seed(1)
    other = _Tied()
    other.load_state_dict(nn.load(tmp_path / "t.npz"))
    assert other.a.weight is other.b.weight
    np.testing.assert_array_equal(other.a.weight.data, model.a.weight.data)
    np.testing.assert_array_equal(other.b.bias.data, model.b.bias.data)


def test_overwrite_replaces_contents_and_leaves_no_temp(tmp_path):
    path = tmp_path / "ow.npz"
    nn.save({"a": np.zeros(1000)}, path)
    nn.save({"b": np.ones(2)}, path)
    back = nn.load(path)
    assert set(back) == {"b"}
    assert os.listdir(tmp_path) == ["ow.npz"]


def test_save_without_extension_writes_exactly_that_path(tmp_path):
    nn.save({"a": np.ones(1)}, tmp_path / "noext")
    assert os.listdir(tmp_path) == ["noext"]


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        nn.save({"a": np.zeros(2)}, tmp_path / "nope" / "x.npz")
    assert not (tmp_path / "nope").exists()


def test_save_to_a_directory_is_refused(tmp_path):
    with pytest.raises(nn.CheckpointError, match="is a directory"):
        nn.save({"a": np.zeros(2)}, tmp_path)


def test_load_missing_file():
    with pytest.raises(FileNotFoundError):
        nn.load("/nonexistent-dir-scratchgrad/none.npz")


def test_truncated_files_are_refused(tmp_path):
    path = tmp_path / "tr.npz"
    nn.save({"a": np.arange(1000.0)}, path)
    blob = path.read_bytes()
    for n in (0, 3, 10, 100, len(blob) // 2, len(blob) - 10, len(blob) - 1):
        path.write_bytes(blob[:n])
        with pytest.raises(nn.CheckpointError):
            nn.load(path)


def test_bit_flip_in_data_is_detected(tmp_path):
    path = tmp_path / "co.npz"
    nn.save({"a": np.arange(1000.0)}, path)
    blob = bytearray(path.read_bytes())
    blob[400] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(nn.CheckpointError, match="truncated or corrupted"):
        nn.load(path)


def test_np_savez_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "pk.npz"
    # even with the marker entry forged, an object array is never unpickled
    np.savez(path, a=np.array([{"x": 1}], dtype=object),
             **{"__scratchgrad_checkpoint__": np.asarray(1)})
    with pytest.raises(nn.CheckpointError, match="dtype=object"):
        nn.load(path)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.arange(3))
    with pytest.raises(nn.CheckpointError, match="not written by nn.save"):
        nn.load(plain)


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(nn.CheckpointError, match="pickle"):
        nn.load(path)
    assert issubclass(nn.CheckpointError, ValueError)


# --- regressions for the bugs this file's first version reported --------------------------

def test_a_reused_early_stopping_starts_afresh_and_keeps_the_new_models_weights():
    stop = nn.EarlyStopping(monitor="loss", patience=1)
    first, opt, loader = _setup(seed=0)
    nn.fit(first, F.cross_entropy, opt, loader, epochs=3, progress=False, callbacks=[stop])
    second, opt, loader = _setup(seed=1)
    history = nn.fit(second, F.cross_entropy, opt, loader, epochs=5, progress=False,
                     callbacks=[stop])
    assert history.epochs > 1
    assert not np.array_equal(second[0].weight.data, first[0].weight.data)


def test_fit_refuses_a_loader_without_batches_and_nan_is_never_best():
    model, opt, _ = _setup()
    with pytest.raises(ValueError, match="yields no batches"):
        nn.fit(model, F.cross_entropy, opt, nn.DataLoader((X, Y), batch_size=64,
                                                          drop_last=True), progress=False)
    stop = nn.EarlyStopping(monitor="val_loss")
    assert not stop._improved({"val_loss": float("nan")}) and stop.best is None


def test_regression_with_several_outputs_logs_no_accuracy():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
    model = nn.Linear(4, 3)
    history = nn.fit(model, nn.functional.mse_loss, nn.optim.SGD(model.parameters(), lr=0.01),
                     nn.DataLoader((X, Y), batch_size=5), epochs=1, progress=False)
    assert "accuracy" not in history.history


def test_loader_batches_every_array_of_a_tuple_and_rows_of_a_bare_array():
    batches = list(nn.DataLoader((np.arange(5.0), np.arange(5.0) * 10, np.ones(5)),
                                 batch_size=2))
    assert len(batches) == 3 and len(batches[0]) == 3
    np.testing.assert_array_equal(batches[0][1], [0.0, 10.0])
    rows = list(nn.DataLoader(np.arange(12.0).reshape(3, 4), batch_size=2))
    assert [r.shape for r in rows] == [(2, 4), (1, 4)]


def test_splits_refuse_empty_sides_and_negative_lengths():
    with pytest.raises(ValueError, match="leaves the test set empty"):
        nn.data.train_test_split(np.arange(15), np.repeat([0, 1, 2], 5), test_size=0.1)
    with pytest.raises(ValueError, match="leaves the training set empty"):
        nn.data.train_test_split(np.arange(3), np.arange(3), test_size=0.9)
    with pytest.raises(ValueError, match="must not be negative"):
        nn.random_split(nn.TensorDataset(np.zeros(5)), [-1, 6])
    with pytest.raises(ValueError, match="patience"):
        nn.EarlyStopping(patience=-1)
