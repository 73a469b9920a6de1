"""Checkpoints: round trips, atomic writes, and every kind of bad file rejected with a
one-line reason (the message is asserted, not just the type)."""
import os
import pickle

import numpy as np
import pytest

from scratchgrad import nn


def model():
    return nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.Linear(4, 2, seed=1))


def test_round_trip_restores_parameters_and_buffers(tmp_path):
    a = model()
    a(np.random.default_rng(0).normal(size=(5, 3)))          # move the running stats
    path = nn.save(a.state_dict(), tmp_path / "m.npz")
    b = model()
    for p in b.parameters():
        p.data[...] = 0.0
    b.load_state_dict(nn.load(path))
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key], value)


def test_scalar_mlp_round_trip(tmp_path):
    a, b = nn.scalar.MLP(2, [3, 1], seed=0), nn.scalar.MLP(2, [3, 1], seed=1)
    nn.save(a.state_dict(), tmp_path / "mlp.npz")
    b.load_state_dict(nn.load(tmp_path / "mlp.npz"))
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


def test_mismatched_checkpoint_names_keys_and_shapes(tmp_path):
    nn.save(nn.Sequential(nn.Linear(3, 5)).state_dict(), tmp_path / "small.npz")
    with pytest.raises(nn.StateDictError) as err:
        model().load_state_dict(nn.load(tmp_path / "small.npz"))
    msg = str(err.value)
    assert "'0.weight' has shape (5, 3) in the checkpoint but (4, 3) in the model" in msg
    assert "missing key '2.weight' (shape (2, 4))" in msg and "missing key '1.running_var'" in msg


def test_save_is_atomic_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    good = model().state_dict()
    nn.save(good, path)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(model().state_dict(), path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.npz"]                 # no temp files left behind
    np.testing.assert_array_equal(nn.load(path)["0.weight"], good["0.weight"])


@pytest.mark.parametrize("make,reason", [
    (lambda p: p.write_bytes(pickle.dumps({"w": np.ones(2)})), "it is a pickle file"),
    (lambda p: np.save(p, np.ones(3)), "it is a single .npy array"),
    (lambda p: p.write_bytes(b"hello world"), "wrong magic bytes b'hell'"),
    (lambda p: p.write_bytes(b""), "wrong magic bytes b''"),
    (lambda p: np.savez(p, w=np.ones(2)), "was not written by nn.save"),
    (lambda p: np.savez(p, w=np.array([{"a": 1}], dtype=object),
                        __scratchgrad_checkpoint__=1), "entry 'w' holds Python objects"),
])
def test_bad_files_are_rejected_with_a_reason(tmp_path, make, reason):
    path = tmp_path / "bad.npz"
    make(path)
    if not path.exists():            # np.save / np.savez may add an extension
        os.replace(next(tmp_path.iterdir()), path)
    with pytest.raises(nn.CheckpointError) as err:
        nn.load(path)
    assert reason in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(f"cannot load checkpoint '{path}'")


def test_truncated_and_corrupted_files_are_rejected(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(model().state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(nn.CheckpointError, match="truncated or corrupted"):
        nn.load(path)
    corrupted = bytearray(data)
    corrupted[len(data) // 3] ^= 0xFF                         # flip a byte inside an array
    path.write_bytes(bytes(corrupted))
    with pytest.raises(nn.CheckpointError, match="truncated or corrupted"):
        nn.load(path)


def test_save_refuses_objects_that_would_need_pickle(tmp_path):
    with pytest.raises(nn.CheckpointError, match=r"cannot save 'meta'.*dtype object"):
        nn.save({"meta": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(nn.CheckpointError, match="must not contain '/'"):
        nn.save({"a/b": np.ones(1)}, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


def test_torch_checkpoint_is_rejected_without_unpickling(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(nn.CheckpointError, match="looks like a torch.save file"):
        nn.load(path)
