"""Saving is all or nothing: a failed or killed save keeps the old file and leaves at most
one temp file (removed by the next save), concurrent saves never clash, and file modes
and symlinks behave like open()."""

import os
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn import checkpoint_safetensors
from scratchgrad.nn.checkpoint_io import temp_path

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- failures ---------------------------------------------------------------------------------


def test_a_save_failing_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    nn.save({"w": np.ones(2)}, path)
    real = checkpoint_safetensors.write

    def half_then_crash(f, tensors, metadata):
        real(f, tensors, metadata)
        f.truncate(20)
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_safetensors, "write", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temp file left behind
    assert nn.load(path)["w"].tolist() == [1.0, 1.0]


def test_a_failed_fsync_removes_its_temp_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    nn.save({"w": np.ones(2)}, path)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert nn.load(path)["w"].tolist() == [1.0, 1.0]


def test_overwriting_replaces_the_contents(tmp_path):
    path = tmp_path / "ow.safetensors"
    nn.save({"a": np.zeros(1000)}, path)
    nn.save({"b": np.ones(2)}, path)
    assert set(nn.load(path)) == {"b"} and os.listdir(tmp_path) == ["ow.safetensors"]


# --- file modes --------------------------------------------------------------------------------


@pytest.fixture
def umask():
    """Set the umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


@posix_only
@pytest.mark.parametrize(
    "mask,expected", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640), (0o002, 0o664)], ids=oct
)
def test_new_checkpoints_honour_the_umask_like_open(tmp_path, umask, mask, expected):
    umask(mask)
    nn.save({"w": np.ones(1)}, tmp_path / "m.safetensors")
    with open(tmp_path / "plain", "w"):
        pass
    assert _mode(tmp_path / "m.safetensors") == _mode(tmp_path / "plain") == expected


@posix_only
@pytest.mark.parametrize("existing", [0o644, 0o600, 0o640, 0o444], ids=oct)
def test_overwriting_keeps_the_existing_mode(tmp_path, umask, existing):
    path = tmp_path / "m.safetensors"
    nn.save({"w": np.ones(1)}, path)
    os.chmod(path, existing)
    umask(0o077)
    nn.save({"w": np.zeros(1)}, path)
    assert _mode(path) == existing and nn.load(path)["w"][0] == 0.0


@posix_only
def test_a_symlink_target_is_replaced_never_written_through(tmp_path, umask):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.chmod(victim, 0o666)
    (tmp_path / "m.safetensors").symlink_to(victim)
    nn.save({"w": np.ones(1)}, tmp_path / "m.safetensors")
    assert victim.read_text() == "precious" and not (tmp_path / "m.safetensors").is_symlink()
    assert _mode(tmp_path / "m.safetensors") == 0o644


# --- temp files after crashes, concurrent saves ------------------------------------------------


def test_a_stale_temp_file_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.safetensors"
    stale = temp_path(path)
    assert os.path.dirname(stale) == str(tmp_path) and os.path.basename(stale).startswith(".")
    with open(stale, "wb") as f:
        f.write(b"half a checkpoint" * 1000)
    nn.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert nn.load(path)["w"].tolist() == [1.0, 1.0]


@posix_only
def test_a_symlink_at_the_temp_name_is_removed_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, temp_path(tmp_path / "m.safetensors"))
    nn.save({"w": np.ones(2)}, tmp_path / "m.safetensors")
    assert victim.read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors", "victim.txt"]


def test_a_folder_at_the_temp_name_is_refused(tmp_path):
    os.mkdir(temp_path(tmp_path / "m.safetensors"))
    with pytest.raises(
        nn.CheckpointError, match="is taken by something that is not a file; remove it"
    ):
        nn.save({"w": np.ones(2)}, tmp_path / "m.safetensors")


def test_concurrent_saves_of_one_target_never_clash(tmp_path):
    path, errors = tmp_path / "m.safetensors", []

    def worker(i):
        try:
            for _ in range(10):
                nn.save({"w": np.full(1000, i)}, path)
        except Exception as err:  # pragma: no cover
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and os.listdir(tmp_path) == ["m.safetensors"]
    assert len(set(nn.load(path)["w"].tolist())) == 1


@posix_only
def test_kill_9_mid_save_leaves_at_most_one_temp_which_the_next_save_removes(tmp_path):
    code = (
        "import numpy as np\nfrom scratchgrad import nn\nw = np.ones(1_000_000)\n"
        "nn.save({'w': w}, 'm.safetensors')\nprint('saved', flush=True)\n"
        "while True:\n    nn.save({'w': w}, 'm.safetensors')\n"
    )
    for delay in (0.0, 0.005):
        child = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE)
        try:
            assert child.stdout.readline() == b"saved\n"
            time.sleep(delay)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        assert set(os.listdir(tmp_path)) <= {"m.safetensors", ".m.safetensors.scratchgrad-tmp"}
        assert nn.load(tmp_path / "m.safetensors")["w"].shape == (1_000_000,)  # old file intact
    nn.save({"w": np.zeros(1)}, tmp_path / "m.safetensors")
    assert os.listdir(tmp_path) == ["m.safetensors"]
