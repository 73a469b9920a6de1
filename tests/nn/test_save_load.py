"""nn.save / nn.load as a learner uses them: nested dicts and dtypes round-trip, Python
values come back as they were, optimizer state resumes identically, tied weights survive, an
overwrite leaves no temp file, and truncated, corrupted or pickled files are refused."""

import os
import pickle

import numpy as np
import pytest
from helpers import LABELS as Y
from helpers import POINTS as X
from helpers import same_state, training_setup

from scratchgrad import nn
from scratchgrad.autograd import Tensor

F = nn.functional


def test_nested_dict_round_trip_keeps_dtypes(tmp_path):
    state = {
        "a": np.arange(3),
        "b": {"c": np.ones((2, 2), np.float32), "d": {"e": np.array(1.5)}},
        "f16": np.ones(2, np.float16),
        "flag": np.array([True]),
        "u8": np.arange(2, dtype=np.uint8),
        "s": "hi",
        "fortran": np.arange(12.0).reshape(3, 4).T,
    }
    path = tmp_path / "n.npz"
    assert nn.save(state, path) == os.fspath(path)
    back = nn.load(path)
    assert back["b"]["d"]["e"] == 1.5
    for key in ("a", "f16", "flag", "u8", "fortran"):
        assert back[key].dtype == state[key].dtype
        np.testing.assert_array_equal(back[key], state[key])
    assert back["b"]["c"].dtype == np.float32
    assert back["s"] == "hi"


def test_python_values_come_back_as_python_values(tmp_path):
    path = tmp_path / "p.npz"
    nn.save({"lr": 0.1, "n": 3, 1: np.ones(1), "w": Tensor(np.ones(2)), "l": [1.0, 2.0]}, path)
    back = nn.load(path)
    assert back["lr"] == 0.1 and type(back["lr"]) is float
    assert back["n"] == 3
    assert set(back) == {"lr", "n", 1, "w", "l"}  # int keys stay ints
    assert back["l"] == [1.0, 2.0]
    np.testing.assert_array_equal(back["w"], [1.0, 1.0])


def test_empty_dict_round_trip(tmp_path):
    nn.save({}, tmp_path / "e.npz")
    assert nn.load(tmp_path / "e.npz") == {}


@pytest.mark.parametrize("value", [np.array([None]), {"x": object()}, {1, 2}])
def test_unpicklable_free_values_are_refused_on_save(tmp_path, value):
    with pytest.raises(nn.CheckpointError, match="pickle"):
        nn.save({"a": value}, tmp_path / "bad.npz")
    assert os.listdir(tmp_path) == []


def test_optimizer_state_round_trip_resumes_identically(tmp_path):
    model, _, loader = training_setup()
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    nn.fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False)
    path = tmp_path / "ck.npz"
    nn.save({"model": model.state_dict(), "opt": opt.state_dict()}, path)
    ck = nn.load(path)
    model2, _, _ = training_setup(seed=5)
    opt2 = nn.optim.Adam(model2.parameters(), lr=0.5)
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["opt"])
    assert opt2.param_groups[0]["lr"] == 0.01
    for m, o in ((model, opt), (model2, opt2)):
        nn.fit(
            m,
            F.cross_entropy,
            o,
            nn.DataLoader((X, Y), batch_size=8, shuffle=True, seed=9),
            epochs=2,
            progress=False,
        )
    assert same_state(model.state_dict(), model2.state_dict())


def test_fresh_optimizer_state_round_trip(tmp_path):
    model, _, _ = training_setup()
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


# --- refused ------------------------------------------------------------------------------


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
    np.savez(
        path, a=np.array([{"x": 1}], dtype=object), **{"__scratchgrad_checkpoint__": np.asarray(1)}
    )
    with pytest.raises(nn.CheckpointError, match="dtype=object"):
        nn.load(path)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.arange(3))
    assert nn.load(plain)["a"].tolist() == [0, 1, 2]  # a plain np.savez file loads


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(nn.CheckpointError, match="pickle"):
        nn.load(path)
    assert issubclass(nn.CheckpointError, ValueError)
