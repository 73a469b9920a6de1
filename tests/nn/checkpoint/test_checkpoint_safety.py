"""Loading untrusted files: crafted safetensors headers (sizes that lie, overlapping or
missing bytes, odd dtypes, broken trees), pickles, truncation and random corruption.
Every refusal is one CheckpointError line naming the file, raised from the header
before any data is read."""

import json
import os
import pickle
import random
import tracemalloc

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn.checkpoint import MAX_ARRAY_BYTES, MAX_TOTAL_BYTES, TREE_KEY

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero")


def tensor(dtype="F64", shape=(2,), begin=0, end=16):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


def with_tree(root, tensors=None, version=1):
    """A header whose metadata carries the tree `root` (any JSON), plus `tensors`."""
    tree = json.dumps({"version": version, "root": root})
    return {"__metadata__": {TREE_KEY: tree}, **(tensors or {})}


def test_limits_are_documented_module_constants():
    assert MAX_ARRAY_BYTES == 2 * 1024**3 and MAX_TOTAL_BYTES == 4 * 1024**3
    assert "MAX_ARRAY_BYTES" in nn.checkpoint.__doc__ and "max_bytes=" in nn.checkpoint.__doc__


# --- headers that lie about sizes --------------------------------------------------------------


def test_a_header_declaring_3gb_is_refused_before_allocating(tmp_path, craft, refused):
    path = craft(
        tmp_path / "big.safetensors",
        {"w": tensor(shape=(393_216_000,), end=3_145_728_000)},
        bytes(64),
    )
    tracemalloc.start()
    try:
        refused(
            path,
            "tensor 'w' would need 3,145,728,000 bytes (shape (393216000,), F64), "
            "more than the limit of 2,147,483,648 per array; if you trust this file "
            "pass a larger max_array_bytes= to nn.load",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20


def test_a_header_declaring_more_than_the_file_holds_is_refused_unread(tmp_path, craft, refused):
    path = craft(
        tmp_path / "lie.safetensors", {"w": tensor(shape=(10**8,), end=8 * 10**8)}, bytes(64)
    )
    tracemalloc.start()
    try:
        refused(
            path,
            "it is truncated: its header declares 800,000,000 bytes of tensor data "
            "but only 64 follow",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20


def test_the_limits_can_be_lowered_and_raised(tmp_path, refused):
    path = tmp_path / "two.safetensors"
    nn.save({"a": np.zeros(2**17), "b": np.zeros(2**17)}, path)
    refused(
        path,
        "tensor 'a' would need 1,048,576 bytes (shape (131072,), F64), more than the "
        "limit of 1,000,000 per array",
        max_array_bytes=1_000_000,
    )
    refused(
        path,
        "its tensors declare 2,097,152 bytes in all, more than the limit of "
        "1,500,000; if you trust this file pass a larger max_bytes= to nn.load",
        max_bytes=1_500_000,
    )
    assert nn.load(path, max_bytes=3_000_000)["a"].shape == (2**17,)


@pytest.mark.parametrize(
    "length,reason",
    [
        (
            10**9,
            "its header claims 1,000,000,000 bytes, more than safetensors allows (100,000,000)",
        ),
        (5000, "it is truncated: its header claims 5,000 bytes but only 30 follow"),
    ],
)
def test_a_header_length_that_lies_is_refused(tmp_path, craft, refused, length, reason):
    refused(craft(tmp_path / "h.safetensors", b'{"w":{}}', bytes(22), length=length), reason)


@pytest.mark.parametrize(
    "tensors,data,reason",
    [
        (
            {"w": tensor(end=8)},
            bytes(8),
            "tensor 'w' has shape (2,) of F64 (16 bytes) but its data_offsets span 8 bytes",
        ),
        (
            {"w": tensor(begin=8, end=24)},
            bytes(24),
            "8 bytes before tensor 'w' belong to no tensor",
        ),
        (
            {"a": tensor(), "b": tensor(begin=8, end=24)},
            bytes(24),
            "tensors 'a' and 'b' overlap in the file",
        ),
        (
            {"a": tensor(), "b": tensor(begin=0, end=16)},
            bytes(16),
            "tensors 'a' and 'b' overlap in the file",
        ),
        ({"w": tensor()}, bytes(20), "it has 4 bytes after its last tensor"),
        (
            {"w": tensor()},
            bytes(10),
            "it is truncated: its header declares 16 bytes of tensor data but only 10 follow",
        ),
        ({"w": tensor(shape=(-2,))}, bytes(16), "tensor 'w' has an invalid shape [-2]"),
        ({"w": tensor(shape=(1.5,))}, bytes(16), "tensor 'w' has an invalid shape [1.5]"),
        ({"w": tensor(shape=(True,), end=8)}, bytes(8), "tensor 'w' has an invalid shape [True]"),
        (
            {"w": {"dtype": "F64", "shape": "2", "data_offsets": [0, 16]}},
            bytes(16),
            "tensor 'w' has an invalid shape '2'",
        ),
        ({"w": tensor(begin=16, end=0)}, bytes(16), "tensor 'w' has invalid data_offsets [16, 0]"),
        (
            {"w": {"dtype": "F64", "shape": [2], "data_offsets": [0]}},
            bytes(16),
            "tensor 'w' has invalid data_offsets [0]",
        ),
        (
            {"w": {"dtype": "F64", "shape": [2]}},
            bytes(16),
            "tensor 'w' in the header lacks dtype, shape or data_offsets",
        ),
        ({"w": [1, 2]}, bytes(16), "tensor 'w' in the header lacks dtype"),
    ],
)
def test_inconsistent_byte_ranges_and_shapes_are_refused(
    tmp_path, craft, refused, tensors, data, reason
):
    refused(craft(tmp_path / "r.safetensors", tensors, data), reason)


@pytest.mark.parametrize(
    "code,reason",
    [
        (
            "BF16",
            "tensor 'w' has dtype BF16 (bfloat16), which numpy cannot hold; in PyTorch "
            "convert it before saving, e.g. save_file({k: v.float() for k, v in "
            "state_dict.items()}, path)",
        ),
        ("F8_E4M3", "has dtype F8_E4M3 (float8), which numpy cannot hold"),
        (
            "C64",
            "tensor 'w' has dtype 'C64', which nn.load does not read (it reads F16, F32, "
            "F64, I8, I16, I32, I64, U8, U16, U32, U64, BOOL)",
        ),
        ("float32", "has dtype 'float32', which nn.load does not read"),
        (7, "has dtype 7, which nn.load does not read"),
    ],
)
def test_unsupported_dtypes_are_refused_by_name(tmp_path, craft, refused, code, reason):
    refused(craft(tmp_path / "d.safetensors", {"w": tensor(code, (4,), 0, 8)}, bytes(8)), reason)


def test_a_bool_tensor_holding_other_bytes_is_refused(tmp_path, craft, refused):
    path = craft(
        tmp_path / "b.safetensors", {"w": tensor("BOOL", (3,), 0, 3)}, b"\x00\x01\x02" + bytes(5)
    )
    path.write_bytes(path.read_bytes()[:-5])
    refused(path, "tensor 'w' is BOOL but holds bytes other than 0 and 1")


# --- broken JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,reason",
    [
        (b'{"w": ', "its header is not valid JSON"),
        (b'{"w": {}}\xff', "its header is not valid JSON"),
        (b"{" + b'"a":[' * 100_000 + b"]" * 100_000 + b"}", "its header is not valid JSON"),
        (b'{"w": 1, "w": 2}', "its header names 'w' twice"),
        (b'{"__metadata__": {"a": 1}}', "its header's __metadata__ is not a map of strings"),
        (b'{"__metadata__": [1]}', "its header's __metadata__ is not a map of strings"),
        (b'{"__metadata__": []}', "its header's __metadata__ is not a map of strings"),
    ],
)
def test_a_corrupt_header_is_refused(tmp_path, craft, refused, header, reason):
    refused(craft(tmp_path / "j.safetensors", header), reason)


# --- the tree of a nested checkpoint -------------------------------------------------------------

W = {"w": tensor()}


@pytest.mark.parametrize(
    "header,reason",
    [
        ({"__metadata__": {TREE_KEY: "{nope"}}, f"its {TREE_KEY!r} metadata is not valid JSON"),
        ({"__metadata__": {TREE_KEY: "[" * 100_000}}, "metadata is not valid JSON"),
        ({"__metadata__": {TREE_KEY: '{"root": {"dict": []}}'}}, "lacks 'version' or 'root'"),
        ({"__metadata__": {TREE_KEY: "[1]"}}, "lacks 'version' or 'root'"),
        (
            with_tree({"dict": []}, version=3),
            "it was written by a newer scratchgrad (layout "
            "version 3; this one reads 2); upgrade scratchgrad",
        ),
        (with_tree({"dict": []}, version=0), "metadata has version 0, which never existed"),
        (with_tree({"dict": []}, version=True), "metadata has version True, which never existed"),
        (with_tree({"list": []}), "its layout's root is a list, not a dict"),
        (with_tree(3), "its layout's root is a int, not a dict"),
        (
            with_tree({"dict": [["a", {"tensor": "w"}], ["b", {"tensor": "w"}]]}, W),
            "its layout places tensor 'w' twice",
        ),
        (
            with_tree({"dict": [["a", {"tensor": "x"}]]}, W),
            "its layout places tensor 'x' but the file holds no such tensor",
        ),
        (
            with_tree({"dict": [["a", {"tensor": 5}]]}, W),
            "its layout places tensor 5 but the file holds no such tensor",
        ),
        (with_tree({"dict": []}, W), "tensor 'w' is in the file but not in its layout"),
        (with_tree({"dict": [["a", {"set": [1]}]]}), 'a node it does not understand: {"set": [1]}'),
        (with_tree({"dict": [["a", {"list": 1}]]}), "a node it does not understand"),
        (with_tree({"dict": [["a", {"list": [], "tuple": []}]]}), "a node it does not understand"),
        (with_tree({"dict": [["a", [1, 2]]]}), "a node it does not understand: [1, 2]"),
        (with_tree({"dict": [["a", 1, 2]]}), "a dict entry that is not a [key, value] pair"),
        (with_tree({"dict": [[1.5, 1]]}), "a dict entry that is not a [key, value] pair"),
        (with_tree({"dict": [[True, 1]]}), "a dict entry that is not a [key, value] pair"),
        (with_tree({"dict": [["a", 1], ["a", 2]]}), "its layout has the key 'a' twice in one dict"),
        (
            with_tree({"dict": [["a", json.loads('{"list": [' * 150 + "]}" * 150)]]}),
            "its layout is nested more than 100 levels deep",
        ),
    ],
)
def test_a_broken_tree_is_refused(tmp_path, craft, refused, header, reason):
    data = bytes(16) if "w" in header else b""
    refused(craft(tmp_path / "t.safetensors", header, data), reason)


def test_a_tree_of_plain_values_only_loads(tmp_path, craft):
    path = craft(tmp_path / "v.safetensors", with_tree({"dict": [["lr", 0.5], [3, None]]}))
    assert nn.load(path) == {"lr": 0.5, 3: None}


# --- files that are not checkpoints ---------------------------------------------------------


@pytest.mark.parametrize(
    "make,reason",
    [
        (
            lambda p: p.write_bytes(pickle.dumps({"w": np.ones(2)})),
            "it is a pickle (torch.save's older format, or pickle.dump); nn.load never unpickles, "
            "because unpickling can run any code. Re-save the weights from PyTorch as safetensors: "
            "from safetensors.torch import save_file; save_file(model.state_dict(), "
            "'model.safetensors')",
        ),
        (lambda p: p.write_bytes(pickle.dumps([1], protocol=2)), "it is a pickle"),
        (
            lambda p: np.save(p, np.ones(3)),
            "it is a single .npy array (np.save), not a checkpoint; "
            "read it with np.load(path, allow_pickle=False)",
        ),
        (
            lambda p: p.write_bytes(b"hello world"),
            "it is not a checkpoint: nn.load reads "
            "safetensors files (and older .npz checkpoints), "
            "and its first bytes b'hello wo' begin neither",
        ),
        (lambda p: p.write_bytes(b""), "it is empty (0 bytes)"),
        (lambda p: p.write_bytes(b"\x02\x00\x00"), "it is too short (3 bytes) to be a checkpoint"),
    ],
)
def test_other_files_are_refused_with_a_reason(tmp_path, refused, make, reason):
    path = tmp_path / "bad.pt"
    make(path)
    if not path.exists():  # np.save adds an extension
        os.replace(next(tmp_path.iterdir()), path)
    refused(path, reason)


def test_a_header_length_whose_low_byte_is_0x80_is_not_taken_for_a_pickle(tmp_path):
    for n in range(1, 40):  # header lengths 128 + 8k start with the byte 0x80
        path = tmp_path / "h.safetensors"
        nn.save({"k" * n: np.ones(1)}, path)
        if path.read_bytes()[0] == 0x80:
            assert nn.load(path)["k" * n][0] == 1.0
            return
    pytest.fail("no header length with low byte 0x80 was produced")


def test_a_directory_is_refused_on_load_and_on_save(tmp_path, refused):
    refused(
        tmp_path,
        "it is a directory; give the path of a checkpoint file written by "
        "nn.save (or by safetensors' save_file)",
    )
    with pytest.raises(nn.CheckpointError, match="it is a directory; give a file name such as"):
        nn.save({"w": np.ones(1)}, tmp_path)
    assert not any(tmp_path.iterdir())


@posix_only
def test_a_fifo_or_device_is_refused_without_blocking(tmp_path, refused):
    os.mkfifo(tmp_path / "pipe.safetensors")
    refused(tmp_path / "pipe.safetensors", "it is not a regular file")
    refused("/dev/zero", "it is not a regular file")


def test_a_missing_file_or_folder_is_a_plain_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.safetensors")
    with pytest.raises(FileNotFoundError, match="the folder '.*nope' does not exist"):
        nn.save({"w": np.ones(1)}, tmp_path / "nope" / "m.safetensors")


# --- truncation and random corruption --------------------------------------------------------


def checkpoint_bytes(tmp_path):
    path = tmp_path / "m.safetensors"
    m = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4))
    opt = nn.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    nn.save({"model": m.state_dict(), "opt": opt.state_dict(), "epoch": 2}, path)
    return path, path.read_bytes()


def test_every_truncation_is_refused(tmp_path):
    path, good = checkpoint_bytes(tmp_path)
    for n in list(range(64)) + list(range(64, len(good), 7)):
        path.write_bytes(good[:n])
        with pytest.raises(nn.CheckpointError) as err:
            nn.load(path)
        assert "\n" not in str(err.value)


def test_random_corruption_only_ever_raises_checkpoint_error(tmp_path):
    path, good = checkpoint_bytes(tmp_path)
    rng, loaded = random.Random(0), 0
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            nn.load(path)
            loaded += 1  # a flip in the header's padding changes nothing
        except nn.CheckpointError as err:
            assert "\n" not in str(err)
    assert loaded < 30
