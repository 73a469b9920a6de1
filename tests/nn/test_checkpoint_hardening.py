"""Checkpoints under attack: crafted zips (bombs, lies, collisions, odd entries), crafted
state_dicts for models and optimizers, file modes and temp files after crashes. Every
refusal is a one-line error naming the entry or key; nothing allocates what a header
promises before checking it."""
import copy
import io
import os
import random
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn.checkpoint import MARKER, MAX_ARRAY_BYTES, MAX_TOTAL_BYTES, temp_path
from scratchgrad.nn.optim.optimizer import OptimizerStateError

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and signals")


# --- crafting helpers ------------------------------------------------------------------

def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _header(descr, shape, version=(1, 0)):
    """A bare .npy header promising `shape` of `descr`; the data is up to the caller."""
    buf = io.BytesIO()
    write = np.lib.format.write_array_header_1_0 if version == (1, 0) else \
        np.lib.format.write_array_header_2_0
    write(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _zip(path, members, marker=1, compression=zipfile.ZIP_STORED):
    """A zip with the checkpoint marker (unless marker is None) and (name, bytes) members."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        if marker is not None:
            zf.writestr(MARKER + ".npy", _npy(marker))
        for name, data in members:
            zf.writestr(name, data)
    return path


def _raw_zip(path, entries):
    """Write a zip by hand from (name, method, compressed bytes, crc, uncompressed size),
    as an attacker would: zipfile cannot store data that is already compressed."""
    body, central = b"", b""
    for name, method, data, crc, size in entries:
        name = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                               crc, len(data), size, len(name), 0, 0, 0, 0, 0, len(body)) + name
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data),
                            size, len(name), 0) + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                      len(body), 0)
    path.write_bytes(body + central + end)
    return path


def _deflate_bomb(path, mebibytes):
    """A real zip bomb: a float64 entry that inflates to `mebibytes` MiB of zeros from about
    1 KB per MiB on disk (one compressed MiB, flushed so that copies can follow it)."""
    header = _header("<f8", (mebibytes * 2 ** 20 // 8,))
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = z.compress(header) + z.flush(zlib.Z_FULL_FLUSH)
    mib = z.compress(bytes(2 ** 20)) + z.flush(zlib.Z_FULL_FLUSH)
    data = first + mib * mebibytes + z.flush()
    marker = _npy(1)
    return _raw_zip(path, [(MARKER + ".npy", 0, marker, zlib.crc32(marker), len(marker)),
                           ("w.npy", 8, data, 0, len(header) + mebibytes * 2 ** 20)])


def _refused(path, reason, **kwargs):
    with pytest.raises(nn.CheckpointError) as err:
        nn.load(path, **kwargs)
    message = str(err.value)
    assert reason in message, message
    assert "\n" not in message and message.startswith(f"cannot load checkpoint '{path}'")
    return message


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- 1. size limits: zip bombs and headers that lie ------------------------------------

def test_limits_are_documented_module_constants():
    assert MAX_ARRAY_BYTES == 2 * 1024 ** 3 and MAX_TOTAL_BYTES == 4 * 1024 ** 3
    assert "MAX_ARRAY_BYTES" in nn.checkpoint.__doc__ and "max_bytes=" in nn.checkpoint.__doc__


def test_a_3mb_zip_bomb_inflating_to_3gb_is_refused_before_allocating(tmp_path):
    path = _deflate_bomb(tmp_path / "bomb.npz", 3000)
    assert path.stat().st_size < 4 * 2 ** 20
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _refused(path, "entry 'w' would need 3,145,728,000 bytes (shape (393216000,), "
                       "float64), more than the limit of 2,147,483,648 per array")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20 and time.perf_counter() - start < 1.0


def test_a_bomb_below_the_default_limit_respects_a_lower_max_array_bytes(tmp_path):
    path = _deflate_bomb(tmp_path / "bomb.npz", 64)
    _refused(path, "more than the limit of 16,777,216 per array; if you trust this file pass "
                   "a larger max_array_bytes= to nn.load", max_array_bytes=16 * 2 ** 20)


def test_the_total_limit_counts_every_entry_and_can_be_raised(tmp_path):
    path = _zip(tmp_path / "two.npz", [("a.npy", _npy(np.zeros(2 ** 17))),
                                       ("b.npy", _npy(np.zeros(2 ** 17)))])
    _refused(path, "more than the limit of 1,500,000; if you trust this file pass a larger "
                   "max_bytes= to nn.load", max_bytes=1_500_000)
    assert nn.load(path, max_bytes=3_000_000)["a"].shape == (2 ** 17,)


def test_a_header_promising_more_than_the_zip_declares_is_refused(tmp_path):
    path = _zip(tmp_path / "lie.npz", [("w.npy", _header("<f8", (10 ** 6,)) + bytes(64))])
    _refused(path, "entry 'w' has a .npy header for 8,000,000 bytes of data but the zip "
                   "declares 64")


def test_a_header_promising_less_than_the_zip_declares_is_refused(tmp_path):
    path = _zip(tmp_path / "lie.npz", [("w.npy", _header("<f8", (2,)) + bytes(4096))])
    _refused(path, "entry 'w' has a .npy header for 16 bytes of data but the zip declares "
                   "4,096")


def test_a_zip_declaring_gigabytes_for_a_short_entry_is_refused_unread(tmp_path):
    path = tmp_path / "big.npz"
    header = _header("<f8", (10 ** 9,))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MARKER + ".npy", _npy(1))
        zf.writestr("w.npy", header)
        zf.getinfo("w.npy").file_size = len(header) + 8 * 10 ** 9   # the central directory lies
    _refused(path, "its entries declare 8,000,000,")


@pytest.mark.parametrize("descr,reason", [
    ("|O", "entry 'w' holds Python objects (dtype=object)"),
    ([("a", "<f8"), ("b", "|O")], "entry 'w' holds Python objects"),
    ([("a", "<f8")], "entry 'w' has dtype [('a', '<f8')]; checkpoints hold numbers"),
    ("<c16", "entry 'w' has dtype complex128"),
    ("<m8[s]", "entry 'w' has dtype timedelta64[s]"),
])
def test_unsafe_or_unsupported_dtypes_are_refused_from_the_header(tmp_path, descr, reason):
    path = _zip(tmp_path / "d.npz", [("w.npy", _header(descr, (3,)) + bytes(8))])
    _refused(path, reason)


@pytest.mark.parametrize("data,reason", [
    (_header("<f8", (-3,)), "entry 'w' has an invalid dimension in its shape (-3,)"),
    (_header("<f8", (True,)) + bytes(8), "entry 'w' has an invalid dimension in its shape"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr': [('a', 5)]", "entry 'w' has no valid .npy header"),
    (b"\x93NUMPY\x03\x00" + bytes(20), "entry 'w' uses .npy format version (3, 0)"),
    (b"hello world, not npy", "entry 'w' has no valid .npy header"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr': 'nope'", "entry 'w' has no valid .npy header"),
    (b"", "entry 'w' has no valid .npy header"),
])
def test_broken_npy_headers_are_refused(tmp_path, data, reason):
    _refused(_zip(tmp_path / "h.npz", [("w.npy", data)]), reason)


def test_npy_format_2_and_fortran_order_and_big_endian_still_load(tmp_path):
    data = np.arange(6.0).reshape(2, 3)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asfortranarray(data).astype(">f8"), version=(2, 0))
    path = _zip(tmp_path / "ok.npz", [("w.npy", buf.getvalue()), ("e.npy", _npy(np.zeros((0, 5)))),
                                      ("s.npy", _npy(np.array(["ab", "c"])))])
    loaded = nn.load(path)
    np.testing.assert_array_equal(loaded["w"], data)
    assert loaded["e"].shape == (0, 5) and loaded["s"].tolist() == ["ab", "c"]


# --- 4. the version entry and the keys -------------------------------------------------

@pytest.mark.parametrize("marker,reason", [
    (99, "it has format version 99, newer than this scratchgrad reads (1); upgrade"),
    (0, "it has format version 0, which never existed; this scratchgrad reads format version 1"),
    (-5, "format version -5, which never existed"),
    ("abc", "entry is not a format version (dtype <U3, shape ()); this scratchgrad reads "
            "format version 1"),
    (1.0, "entry is not a format version (dtype float64"),
    (True, "entry is not a format version (dtype bool"),
    ([1, 1], "entry is not a format version (dtype int64, shape (2,))"),
    (np.ones(1000), "entry has 8,128 bytes, too many for a format version; this scratchgrad "
                    "reads format version 1"),
])
def test_a_garbage_or_future_version_entry_is_refused(tmp_path, marker, reason):
    _refused(_zip(tmp_path / "v.npz", [("w.npy", _npy([1.0]))], marker=marker), reason)


@pytest.mark.parametrize("names,reason", [
    (["a.npy", "a/b.npy"], "keys 'a' and 'a/b' collide"),
    (["a/b/c.npy", "a/b.npy"], "keys 'a/b' and 'a/b/c' collide"),
    (["a.npy", "a.npy"], "entry 'a.npy' appears twice in the zip"),
    (["a//b.npy"], "key 'a//b' has an empty part"),
    (["/a.npy"], "key '/a' has an empty part"),
    ([".npy"], "entry '.npy' is not a .npy array"),
    (["notes.txt"], "entry 'notes.txt' is not a .npy array"),
    (["folder/"], "entry 'folder/' is not a .npy array"),
    ([MARKER + ".npy"], f"entry '{MARKER}.npy' appears twice"),
])
def test_colliding_duplicate_or_foreign_entries_are_refused(tmp_path, names, reason):
    with pytest.warns(UserWarning, match="Duplicate") if len(set(names)) < len(names) or \
            MARKER + ".npy" in names else _no_warning():
        path = _zip(tmp_path / "k.npz", [(name, _npy([1.0])) for name in names])
    _refused(path, reason)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_dotted_keys_are_plain_names_and_do_not_collide(tmp_path):
    nn.save({"a": np.ones(1), "a.b": np.zeros(1)}, tmp_path / "m.npz")
    assert sorted(nn.load(tmp_path / "m.npz")) == ["a", "a.b"]


def test_save_refuses_keys_that_would_collide_in_the_file(tmp_path):
    with pytest.raises(nn.CheckpointError, match=r"two keys become '1' \(e\.g\. 1 and '1'\)"):
        nn.save({1: np.ones(1), "1": np.zeros(1)}, tmp_path / "x.npz")
    with pytest.raises(nn.CheckpointError, match="keys '1' and '1/b' collide"):
        nn.save({1: {"b": np.ones(1)}, "1": np.zeros(1)}, tmp_path / "x.npz")
    with pytest.raises(nn.CheckpointError, match="must not contain '/'.* or NUL"):
        nn.save({"a\x00b": np.ones(1)}, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


def test_overlapping_entries_a_non_recursive_zip_bomb_are_refused(tmp_path):
    path = tmp_path / "overlap.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MARKER + ".npy", _npy(1))
        zf.writestr("a.npy", _npy(np.zeros(64)))
        zf.writestr("b.npy", _npy(np.zeros(64)))
        zf.getinfo("b.npy").header_offset = zf.getinfo("a.npy").header_offset
    _refused(path, "entries 'a.npy' and 'b.npy' overlap in the zip")


def test_encrypted_and_exotic_compression_entries_are_refused(tmp_path):
    path = _zip(tmp_path / "bz.npz", [("w.npy", _npy([1.0]))], compression=zipfile.ZIP_BZIP2)
    _refused(path, "uses zip compression method 12; only stored or deflated entries are read")
    data = bytearray(_zip(tmp_path / "enc.npz", [("w.npy", _npy([1.0]))]).read_bytes())
    central = data.rindex(b"PK\x01\x02")          # the last entry's central directory record
    data[central + 8] |= 0x1                       # general purpose flag: encrypted
    (tmp_path / "enc.npz").write_bytes(bytes(data))
    _refused(tmp_path / "enc.npz", "entry 'w.npy' is encrypted")


def test_deflated_npz_with_the_marker_still_loads(tmp_path):
    path = _zip(tmp_path / "z.npz", [("w.npy", _npy(np.arange(5.0)))],
                compression=zipfile.ZIP_DEFLATED)
    np.testing.assert_array_equal(nn.load(path)["w"], np.arange(5.0))


# --- 7. other crafted files ---------------------------------------------------------------

def test_random_corruption_only_ever_raises_checkpoint_error(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"w": np.arange(12.0).reshape(3, 4), "opt": {"state": {"0": {"step": 3}}}}, path)
    good = path.read_bytes()
    rng = random.Random(0)
    for _ in range(150):
        data = bytearray(good)
        if rng.random() < 0.7:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            del data[rng.randrange(len(data)):]
        path.write_bytes(bytes(data))
        try:
            nn.load(path)
        except nn.CheckpointError as err:
            assert "\n" not in str(err)


def test_a_directory_is_refused_on_load_and_on_save(tmp_path):
    _refused(tmp_path, "it is a directory; give the path of an .npz file")
    with pytest.raises(nn.CheckpointError, match="it is a directory; give a file name such as"):
        nn.save({"w": np.ones(1)}, tmp_path)
    assert not any(tmp_path.iterdir())


@posix_only
def test_a_fifo_or_device_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.npz")
    _refused(tmp_path / "pipe.npz", "it is not a regular file")
    _refused("/dev/zero", "it is not a regular file")


def test_a_missing_file_or_folder_is_a_plain_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="the folder '.*nope' does not exist"):
        nn.save({"w": np.ones(1)}, tmp_path / "nope" / "m.npz")


# --- 2. loading into a model ---------------------------------------------------------------

@pytest.mark.parametrize("bad", [[1, 2], (np.ones(2),), np.ones(3), "weight", None])
def test_module_load_state_dict_refuses_a_non_dict_with_a_type_error(bad):
    with pytest.raises(TypeError, match=r"Linear.load_state_dict: expected a dict of name -> "
                                        r"array \(e\.g\. nn\.load\(path\)\), got "):
        nn.Linear(2, 3).load_state_dict(bad)


def test_module_load_state_dict_names_keys_shapes_and_dtypes():
    model = nn.Linear(2, 3, seed=0)
    before = model.state_dict()
    state = {"weight": np.zeros((2, 3)), "extra": np.ones(1), "bias": np.array(["a", "b", "c"])}
    with pytest.raises(nn.StateDictError) as err:
        model.load_state_dict(state)
    msg = str(err.value)
    assert "unexpected key 'extra' (shape (1,))" in msg
    assert "key 'weight' has shape (2, 3) in the checkpoint but (3, 2) in the model" in msg
    assert "key 'bias' has dtype <U1; expected numbers" in msg
    with pytest.raises(nn.StateDictError, match=r"missing key 'bias' \(shape \(3,\)\)"):
        model.load_state_dict({"weight": np.zeros((3, 2))})
    for key, value in model.state_dict().items():                   # nothing was changed
        np.testing.assert_array_equal(value, before[key])


def test_non_finite_values_load_into_a_model_with_a_warning():
    model = nn.Linear(2, 2, seed=0)
    state = model.state_dict()
    state["weight"][0, 0] = np.nan
    with pytest.warns(RuntimeWarning, match=r"\['weight'\] hold NaN or inf"):
        model.load_state_dict(state)
    assert np.isnan(model.weight.data[0, 0])


# --- 3. optimizers -------------------------------------------------------------------------

def _adam():
    p, q = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros((2, 3)))
    opt = nn.optim.Adam([p, q], lr=0.01, amsgrad=True)
    p.grad, q.grad = np.ones(2), np.ones((2, 3))
    opt.step()
    return opt


def _set(*path, value):
    def mutate(state):
        for key in path[:-1]:
            state = state[key]
        state[path[-1]] = value
    return mutate


def _drop(*path):
    def mutate(state):
        for key in path[:-1]:
            state = state[key]
        del state[path[-1]]
    return mutate


@pytest.mark.parametrize("mutate,reason", [
    (_set("param_groups", 0, "lr", value=float("nan")),
     "param_groups[0]: Adam: invalid lr=nan; it must be a number >= 0"),
    (_set("param_groups", 0, "lr", value=-1),
     "param_groups[0]: Adam: invalid lr=-1.0; it must be a number >= 0"),
    (_set("param_groups", 0, "betas", value=(0.9, 1.0)), "Adam: invalid betas[1]=1.0"),
    (_set("param_groups", 0, "betas", value=(0.9, 0.9, 0.9)), "betas must be a pair"),
    (_set("param_groups", 0, "eps", value=-1e-8), "Adam: invalid eps=-1e-08"),
    (_set("param_groups", 0, "lr", value="0.1"), "param_groups[0]['lr'] is '0.1', which is "
                                                 "not a valid value"),
    (_set("param_groups", 0, "amsgrad", value="False"), "param_groups[0]['amsgrad'] is"),
    (_drop("param_groups"), "the state_dict has no 'param_groups' entry"),
    (_drop("param_groups", 0, "lr"), "param_groups[0] has no 'lr' entry"),
    (_drop("param_groups", 0, "params"), "param_groups[0] has no 'params' entry"),
    (_set("param_groups", 0, "momentum", value=0.9), "param_groups[0] has unknown option(s) "
                                                     "['momentum']"),
    (lambda s: s["param_groups"].append({"lr": 0.1}), "the saved state has 2 parameter "
                                                      "group(s), this optimizer has 1"),
    (_set("param_groups", 0, "params", value=[1, 0]), "param_groups[0]['params'] is [1 0]; "
                                                      "expected the indices 0 .. 1"),
    (_set("param_groups", 0, "params", value=[0]), "group 0 has 1 parameters in the saved "
                                                   "state but 2 here"),
    (_set("param_groups", value="abc"), "param_groups must be a list of dicts, got str"),
    (_set("param_groups", value={"x": {}}), "param_groups has keys ['x']; expected 0 .. 0"),
    (_set("state", 7, value={"step": 1}), "state key 7 is not the index of a parameter"),
    (_set("state", "x", value={}), "state key 'x' is not the index of a parameter"),
    (_set("state", value=[1]), "expected state to be a dict, got list"),
    (_set("state", 1, value=np.zeros(3)), "expected state[1] to be a dict, got ndarray"),
    (_set("state", 1, "exp_avg", value=np.zeros(5)),
     "state[1]['exp_avg'] has shape (5,), the parameter has shape (2, 3)"),
    (_set("state", 1, "exp_avg", value=np.full((2, 3), "a")),
     "state[1]['exp_avg'] has dtype <U1; expected numbers"),
    (_drop("state", 1, "max_exp_avg_sq"), "state[1] lacks ['max_exp_avg_sq']"),
    (_set("state", 1, "momentum_buffer", value=np.zeros((2, 3))),
     "state[1] has 'momentum_buffer', which Adam does not keep"),
    (_set("state", 1, "step", value=-1), "state[1]['step'] is -1; expected a whole number"),
    (_set("state", 1, "step", value=1.5), "state[1]['step'] is 1.5"),
    (_set("state", 1, "step", value=np.arange(3)), "state[1]['step'] is array([0, 1, 2])"),
    (_set("extra", value=1), "unexpected key(s) ['extra']"),
])
def test_adam_load_state_dict_refuses_bad_states_and_changes_nothing(mutate, reason):
    opt = _adam()
    state = copy.deepcopy(opt.state_dict())
    mutate(state)
    before = opt.state_dict()
    with pytest.raises(OptimizerStateError) as err:
        opt.load_state_dict(state)
    assert reason in str(err.value) and str(err.value).startswith("Adam.load_state_dict: ")
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state[1]["step"] == 1
    np.testing.assert_array_equal(opt.state[1]["exp_avg"], before["state"][1]["exp_avg"])


def test_a_list_is_refused_by_optimizer_load_state_dict():
    with pytest.raises(OptimizerStateError, match="expected the state_dict to be a dict, got "
                                                  "list"):
        _adam().load_state_dict([1, 2])


def test_constructor_and_load_state_dict_share_one_validation():
    opt = _adam()
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = float("nan")
    with pytest.raises(ValueError) as from_init:
        nn.optim.Adam([nn.Parameter([1.0])], lr=float("nan"))
    with pytest.raises(ValueError) as from_load:
        opt.load_state_dict(state)
    assert str(from_init.value) in str(from_load.value)


@pytest.mark.parametrize("make", [
    lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9),
    lambda p: nn.optim.Momentum(p, lr=0.1),
    lambda p: nn.optim.Adagrad(p, lr=0.1),
    lambda p: nn.optim.RMSprop(p, lr=0.1, momentum=0.5, centered=True),
    lambda p: nn.optim.AdamW(p, lr=0.1),
])
def test_every_optimizer_round_trips_and_refuses_another_optimizers_state(tmp_path, make):
    p = nn.Parameter(np.ones(3))
    opt = make([p])
    p.grad = np.ones(3)
    opt.step()
    nn.save(opt.state_dict(), tmp_path / "o.npz")
    fresh = make([nn.Parameter(np.ones(3))])
    fresh.load_state_dict(nn.load(tmp_path / "o.npz"))
    assert fresh.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    other = nn.optim.Adam([nn.Parameter(np.ones(3))]) if not isinstance(opt, nn.optim.Adam) \
        else nn.optim.SGD([nn.Parameter(np.ones(3))], lr=0.1)
    with pytest.raises(OptimizerStateError):
        other.load_state_dict(opt.state_dict())


def test_a_fresh_optimizer_round_trips_through_a_file(tmp_path):
    opt = nn.optim.Adam([nn.Parameter(np.ones(2))], lr=0.05)
    nn.save(opt.state_dict(), tmp_path / "o.npz")      # empty state: no "state" in the file
    again = nn.optim.Adam([nn.Parameter(np.ones(2))])
    again.load_state_dict(nn.load(tmp_path / "o.npz"))
    assert again.param_groups[0]["lr"] == 0.05 and again.state == {}


def test_loaded_state_arrays_take_the_parameters_dtype():
    p = nn.Parameter(np.ones(2, dtype=np.float32))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": np.array([1, 2])}},
                         "param_groups": [{**opt.state_dict()["param_groups"][0]}]})
    assert opt.state[0]["momentum_buffer"].dtype == np.float32
    p.grad = np.ones(2, dtype=np.float32)
    opt.step()


# --- 5. file modes -------------------------------------------------------------------------

@pytest.fixture
def umask():
    """Set the umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


@posix_only
@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640),
                                           (0o002, 0o664)], ids=oct)
def test_new_checkpoints_honour_the_umask_like_open(tmp_path, umask, mask, expected):
    umask(mask)
    nn.save({"w": np.ones(1)}, tmp_path / "m.npz")
    with open(tmp_path / "plain", "w"):
        pass
    assert _mode(tmp_path / "m.npz") == _mode(tmp_path / "plain") == expected


@posix_only
@pytest.mark.parametrize("existing", [0o644, 0o600, 0o640, 0o444], ids=oct)
def test_overwriting_keeps_the_existing_mode(tmp_path, umask, existing):
    path = tmp_path / "m.npz"
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
    (tmp_path / "m.npz").symlink_to(victim)
    nn.save({"w": np.ones(1)}, tmp_path / "m.npz")
    assert victim.read_text() == "precious" and not (tmp_path / "m.npz").is_symlink()
    assert _mode(tmp_path / "m.npz") == 0o644


# --- 6. temp files after crashes -------------------------------------------------------------

def test_a_stale_temp_file_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.npz"
    stale = temp_path(path)
    assert os.path.dirname(stale) == str(tmp_path) and os.path.basename(stale).startswith(".")
    with open(stale, "wb") as f:
        f.write(b"half a checkpoint" * 1000)
    nn.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["m.npz"] and nn.load(path)["w"].tolist() == [1.0, 1.0]


@posix_only
def test_a_symlink_at_the_temp_name_is_removed_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, temp_path(tmp_path / "m.npz"))
    nn.save({"w": np.ones(2)}, tmp_path / "m.npz")
    assert victim.read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "victim.txt"]


def test_a_failed_save_removes_its_temp_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    nn.save({"w": np.ones(2)}, path)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.npz"] and nn.load(path)["w"].tolist() == [1.0, 1.0]


def test_concurrent_saves_of_one_target_never_clash(tmp_path):
    path, errors = tmp_path / "m.npz", []

    def worker(i):
        try:
            for _ in range(10):
                nn.save({"w": np.full(1000, i)}, path)
        except Exception as err:                                     # pragma: no cover
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and os.listdir(tmp_path) == ["m.npz"]
    assert len(set(nn.load(path)["w"].tolist())) == 1


@posix_only
def test_kill_9_mid_save_leaves_at_most_one_temp_which_the_next_save_removes(tmp_path):
    code = ("import sys, numpy as np\nfrom scratchgrad import nn\nw = np.ones(1_000_000)\n"
            "nn.save({'w': w}, 'm.npz')\nprint('saved', flush=True)\n"
            "while True:\n    nn.save({'w': w}, 'm.npz')\n")
    for delay in (0.0, 0.005):
        child = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path,
                                 stdout=subprocess.PIPE)
        try:
            assert child.stdout.readline() == b"saved\n"
            time.sleep(delay)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        assert set(os.listdir(tmp_path)) <= {"m.npz", ".m.npz.scratchgrad-tmp"}
        assert nn.load(tmp_path / "m.npz")["w"].shape == (1_000_000,)   # old file intact
    nn.save({"w": np.zeros(1)}, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == ["m.npz"]


def test_scheduler_load_state_dict_is_validated():
    from scratchgrad import nn
    from scratchgrad.autograd import Tensor
    opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    sched = nn.optim.StepLR(opt, step_size=2)
    for bad, match in (({"last_epoch": 1}, "base_lrs"), ([1, 2], "expected a dict"),
                       ({"last_epoch": 1, "base_lrs": [float("nan")]}, "finite"),
                       ({"last_epoch": 1, "base_lrs": [0.1, 0.2]}, "parameter group"),
                       ({"last_epoch": 1.5, "base_lrs": [0.1]}, "integer")):
        with pytest.raises((ValueError, TypeError), match=match):
            sched.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    sched.load_state_dict({"last_epoch": 2, "base_lrs": [1.0]})
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
