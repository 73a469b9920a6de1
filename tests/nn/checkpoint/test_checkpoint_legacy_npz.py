"""Older checkpoints still load: the .npz files nn.save wrote before safetensors (a marker
entry, nested dicts under "/"-joined keys) and plain np.savez files. Crafted zips (bombs,
headers that lie, collisions, odd entries) are refused before their data is read."""

import io
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from scratchgrad import nn
from scratchgrad.nn.checkpoint_npz import MARKER

# --- crafting helpers ------------------------------------------------------------------


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _header(descr, shape, version=(1, 0)):
    """A bare .npy header promising `shape` of `descr`; the data is up to the caller."""
    buf = io.BytesIO()
    write = (
        np.lib.format.write_array_header_1_0
        if version == (1, 0)
        else np.lib.format.write_array_header_2_0
    )
    write(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _zip(path, members, marker=1, compression=zipfile.ZIP_STORED):
    """A zip with the old checkpoint marker (unless marker is None) and (name, bytes)
    members; with the marker and .npy members it is what the old nn.save wrote."""
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
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                len(body),
            )
            + name
        )
        body += (
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(name), 0
            )
            + name
            + data
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0
    )
    path.write_bytes(body + central + end)
    return path


def _deflate_bomb(path, mebibytes):
    """A real zip bomb: a float64 entry that inflates to `mebibytes` MiB of zeros from about
    1 KB per MiB on disk (one compressed MiB, flushed so that copies can follow it)."""
    header = _header("<f8", (mebibytes * 2**20 // 8,))
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = z.compress(header) + z.flush(zlib.Z_FULL_FLUSH)
    mib = z.compress(bytes(2**20)) + z.flush(zlib.Z_FULL_FLUSH)
    data = first + mib * mebibytes + z.flush()
    marker = _npy(1)
    return _raw_zip(
        path,
        [
            (MARKER + ".npy", 0, marker, zlib.crc32(marker), len(marker)),
            ("w.npy", 8, data, 0, len(header) + mebibytes * 2**20),
        ],
    )


# --- what still loads --------------------------------------------------------------------------


def test_an_old_nn_save_checkpoint_loads_into_a_model_and_an_optimizer(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4))
    opt = nn.optim.Adam(m.parameters(), lr=0.01)
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    flat = {f"model/{k}": v for k, v in m.state_dict().items()}
    for i, state in opt.state.items():  # the old writer's layout of a state_dict
        flat.update({f"opt/state/{i}/{k}": np.asarray(v) for k, v in state.items()})
    flat.update(
        {
            f"opt/param_groups/0/{k}": np.asarray(v)
            for k, v in opt.state_dict()["param_groups"][0].items()
        }
    )
    flat["epoch"] = np.asarray(3)
    path = _zip(tmp_path / "old.npz", [(k + ".npy", _npy(v)) for k, v in flat.items()])
    ck = nn.load(path)
    assert int(ck["epoch"]) == 3 and sorted(ck["opt"]["state"]) == ["0", "1", "2", "3"]
    m2 = nn.Sequential(nn.Linear(3, 4, seed=1), nn.BatchNorm1d(4))
    m2.load_state_dict(ck["model"])
    opt2 = nn.optim.Adam(m2.parameters(), lr=0.5)
    opt2.load_state_dict(ck["opt"])
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(opt2.state[0]["exp_avg"], opt.state[0]["exp_avg"])
    np.testing.assert_array_equal(m2.state_dict()["0.weight"], m.state_dict()["0.weight"])


def test_plain_np_savez_files_load_with_numpys_keys(tmp_path):
    np.savez(tmp_path / "p.npz", w=np.arange(3.0), **{"a/b": np.ones(2), "0.bias": np.zeros(1)})
    np.savez_compressed(tmp_path / "c.npz", w=np.arange(4))
    back = nn.load(tmp_path / "p.npz")
    assert sorted(back) == ["0.bias", "a/b", "w"] and back["w"].tolist() == [0.0, 1.0, 2.0]
    assert nn.load(tmp_path / "c.npz")["w"].tolist() == [0, 1, 2, 3]


def test_npy_format_2_and_fortran_order_and_big_endian_and_strings_load(tmp_path):
    data = np.arange(6.0).reshape(2, 3)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asfortranarray(data).astype(">f8"), version=(2, 0))
    path = _zip(
        tmp_path / "ok.npz",
        [
            ("w.npy", buf.getvalue()),
            ("e.npy", _npy(np.zeros((0, 5)))),
            ("s.npy", _npy(np.array(["ab", "c"]))),
        ],
    )
    loaded = nn.load(path)
    np.testing.assert_array_equal(loaded["w"], data)
    assert loaded["e"].shape == (0, 5) and loaded["s"].tolist() == ["ab", "c"]


def test_deflated_entries_load(tmp_path):
    path = _zip(
        tmp_path / "z.npz", [("w.npy", _npy(np.arange(5.0)))], compression=zipfile.ZIP_DEFLATED
    )
    np.testing.assert_array_equal(nn.load(path)["w"], np.arange(5.0))


def test_dotted_keys_are_plain_names(tmp_path):
    path = _zip(tmp_path / "d.npz", [("a.npy", _npy(np.ones(1))), ("a.b.npy", _npy(np.zeros(1)))])
    assert sorted(nn.load(path)) == ["a", "a.b"]


# --- size limits: zip bombs and headers that lie ----------------------------------------------


def test_a_3mb_zip_bomb_inflating_to_3gb_is_refused_before_allocating(tmp_path, refused):
    path = _deflate_bomb(tmp_path / "bomb.npz", 3000)
    assert path.stat().st_size < 4 * 2**20
    tracemalloc.start()
    try:
        refused(
            path,
            "entry 'w' would need 3,145,728,000 bytes (shape (393216000,), "
            "float64), more than the limit of 2,147,483,648 per array",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_a_bomb_below_the_default_limit_respects_a_lower_max_array_bytes(tmp_path, refused):
    path = _deflate_bomb(tmp_path / "bomb.npz", 64)
    refused(
        path,
        "more than the limit of 16,777,216 per array; if you trust this file pass "
        "a larger max_array_bytes= to nn.load",
        max_array_bytes=16 * 2**20,
    )


def test_the_total_limit_counts_every_entry_and_can_be_raised(tmp_path, refused):
    path = _zip(
        tmp_path / "two.npz", [("a.npy", _npy(np.zeros(2**17))), ("b.npy", _npy(np.zeros(2**17)))]
    )
    refused(
        path,
        "more than the limit of 1,500,000; if you trust this file pass a larger "
        "max_bytes= to nn.load",
        max_bytes=1_500_000,
    )
    assert nn.load(path, max_bytes=3_000_000)["a"].shape == (2**17,)


@pytest.mark.parametrize(
    "data,reason",
    [
        (
            _header("<f8", (10**6,)) + bytes(64),
            "entry 'w' has a .npy header for 8,000,000 bytes of data but the zip declares 64",
        ),
        (
            _header("<f8", (2,)) + bytes(4096),
            "entry 'w' has a .npy header for 16 bytes of data but the zip declares 4,096",
        ),
    ],
)
def test_a_header_disagreeing_with_the_zip_is_refused(tmp_path, refused, data, reason):
    refused(_zip(tmp_path / "lie.npz", [("w.npy", data)]), reason)


def test_a_zip_declaring_gigabytes_for_a_short_entry_is_refused_unread(tmp_path, refused):
    path = tmp_path / "big.npz"
    header = _header("<f8", (10**9,))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MARKER + ".npy", _npy(1))
        zf.writestr("w.npy", header)
        zf.getinfo("w.npy").file_size = len(header) + 8 * 10**9  # the central directory lies
    refused(path, "its entries declare 8,000,000,")


# --- dtypes and .npy headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "descr,reason",
    [
        ("|O", "entry 'w' holds Python objects (dtype=object)"),
        ([("a", "<f8"), ("b", "|O")], "entry 'w' holds Python objects"),
        ([("a", "<f8")], "entry 'w' has dtype [('a', '<f8')]; checkpoints hold numbers"),
        ("<c16", "entry 'w' has dtype complex128"),
        ("<m8[s]", "entry 'w' has dtype timedelta64[s]"),
    ],
)
def test_unsafe_or_unsupported_dtypes_are_refused_from_the_header(tmp_path, refused, descr, reason):
    refused(_zip(tmp_path / "d.npz", [("w.npy", _header(descr, (3,)) + bytes(8))]), reason)


def test_np_savez_with_pickled_objects_is_refused(tmp_path, refused):
    np.savez(tmp_path / "pk.npz", a=np.array([{"x": 1}], dtype=object))
    refused(
        tmp_path / "pk.npz",
        "entry 'a' holds Python objects (dtype=object), which cannot be loaded without pickle",
    )


@pytest.mark.parametrize(
    "data,reason",
    [
        (_header("<f8", (-3,)), "entry 'w' has an invalid dimension in its shape (-3,)"),
        (_header("<f8", (True,)) + bytes(8), "entry 'w' has an invalid dimension in its shape"),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': [('a', 5)]", "entry 'w' has no valid .npy header"),
        (b"\x93NUMPY\x03\x00" + bytes(20), "entry 'w' uses .npy format version (3, 0)"),
        (b"hello world, not npy", "entry 'w' has no valid .npy header"),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': 'nope'", "entry 'w' has no valid .npy header"),
        (b"", "entry 'w' has no valid .npy header"),
    ],
)
def test_broken_npy_headers_are_refused(tmp_path, refused, data, reason):
    refused(_zip(tmp_path / "h.npz", [("w.npy", data)]), reason)


# --- the version entry and the keys -------------------------------------------------------------


@pytest.mark.parametrize(
    "marker,reason",
    [
        (99, "it has .npz format version 99, newer than this scratchgrad reads (1); upgrade"),
        (
            0,
            "it has .npz format version 0, which never existed; this scratchgrad reads format "
            "version 1",
        ),
        (-5, "format version -5, which never existed"),
        (
            "abc",
            "entry is not a format version (dtype <U3, shape ()); this scratchgrad reads "
            "format version 1",
        ),
        (1.0, "entry is not a format version (dtype float64"),
        (True, "entry is not a format version (dtype bool"),
        ([1, 1], "entry is not a format version (dtype int64, shape (2,))"),
        (
            np.ones(1000),
            "entry has 8,128 bytes, too many for a format version; this scratchgrad "
            "reads format version 1",
        ),
    ],
)
def test_a_garbage_or_future_version_entry_is_refused(tmp_path, refused, marker, reason):
    refused(_zip(tmp_path / "v.npz", [("w.npy", _npy([1.0]))], marker=marker), reason)


@pytest.mark.parametrize(
    "names,reason",
    [
        (["a.npy", "a/b.npy"], "keys 'a' and 'a/b' collide"),
        (["a/b/c.npy", "a/b.npy"], "keys 'a/b' and 'a/b/c' collide"),
        (["a.npy", "a.npy"], "entry 'a.npy' appears twice in the zip"),
        (["a//b.npy"], "key 'a//b' has an empty part"),
        (["/a.npy"], "key '/a' has an empty part"),
        ([".npy"], "entry '.npy' is not a .npy array"),
        (["notes.txt"], "entry 'notes.txt' is not a .npy array"),
        (["folder/"], "entry 'folder/' is not a .npy array"),
        ([MARKER + ".npy"], f"entry '{MARKER}.npy' appears twice"),
    ],
)
def test_colliding_duplicate_or_foreign_entries_are_refused(tmp_path, refused, names, reason):
    if len(set(names)) < len(names) or MARKER + ".npy" in names:
        with pytest.warns(UserWarning, match="Duplicate"):
            path = _zip(tmp_path / "k.npz", [(name, _npy([1.0])) for name in names])
    else:
        path = _zip(tmp_path / "k.npz", [(name, _npy([1.0])) for name in names])
    refused(path, reason)


def test_a_plain_npz_with_foreign_entries_is_refused(tmp_path, refused):
    refused(
        _zip(tmp_path / "f.npz", [("w.npy", _npy([1.0])), ("readme.md", b"hi")], marker=None),
        "entry 'readme.md' is not a .npy array; an .npz checkpoint holds only .npy entries",
    )


def test_a_torch_save_zip_is_refused_as_a_pickle(tmp_path, refused):
    path = _zip(
        tmp_path / "t.pt",
        [("archive/data.pkl", b"\x80\x02}q\x00."), ("archive/version", b"3\n")],
        marker=None,
    )
    refused(path, "it is a torch.save file (a zip holding a pickle); nn.load never unpickles")


# --- the zip itself ------------------------------------------------------------------------------


def test_overlapping_entries_are_refused(tmp_path, refused):
    path = tmp_path / "o.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MARKER + ".npy", _npy(1))
        zf.writestr("a.npy", _npy(np.zeros(64)))
        zf.writestr("b.npy", _npy(np.zeros(64)))
        zf.getinfo("b.npy").header_offset = zf.getinfo("a.npy").header_offset
    refused(path, "entries 'a.npy' and 'b.npy' overlap in the zip")


def test_encrypted_and_exotic_compression_entries_are_refused(tmp_path, refused):
    path = _zip(tmp_path / "bz.npz", [("w.npy", _npy([1.0]))], compression=zipfile.ZIP_BZIP2)
    refused(path, "uses zip compression method 12; only stored or deflated entries are read")
    data = bytearray(_zip(tmp_path / "enc.npz", [("w.npy", _npy([1.0]))]).read_bytes())
    central = data.rindex(b"PK\x01\x02")  # the last entry's central directory record
    data[central + 8] |= 0x1  # general purpose flag: encrypted
    (tmp_path / "enc.npz").write_bytes(bytes(data))
    refused(tmp_path / "enc.npz", "entry 'w.npy' is encrypted")


def test_truncated_and_corrupted_zips_are_refused(tmp_path, refused):
    path = _zip(tmp_path / "m.npz", [("w.npy", _npy(np.arange(100.0)))])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refused(path, "truncated or corrupted")
    corrupted = bytearray(data)
    corrupted[len(data) // 3] ^= 0xFF  # flip a byte inside the array
    path.write_bytes(bytes(corrupted))
    refused(path, "the file is truncated or corrupted (BadZipFile: Bad CRC-32")
