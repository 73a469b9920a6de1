"""Reading the older `.npz` checkpoints (nn.save wrote them before safetensors) and plain
`np.savez` files. Nothing writes this format any more.

An old checkpoint holds a `__scratchgrad_checkpoint__` entry (its format version) and
nested dicts under "/"-joined keys, rebuilt here; a plain np.savez file comes back as a
flat dict, its keys as numpy gives them. Each entry's zip record and .npy header are
checked before its data is read, so a small crafted file cannot make us allocate
gigabytes (a "zip bomb"), and pickled (object) arrays are never loaded.
"""

import math
import struct
import zipfile
import zlib

import numpy as np

from .checkpoint_io import CheckpointError, fail, pickle_refusal

MARKER = "__scratchgrad_checkpoint__"
FORMAT_VERSION = 1
_ALLOWED_KINDS = "biufU"
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_LOCAL_HEADER = 30  # fixed part of a zip local file header
_CORRUPT = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    struct.error,
    NotImplementedError,
)


def load(f, path, max_bytes, max_array_bytes):
    """The arrays of the zip open as `f`: a nested dict for an old nn.save checkpoint,
    a flat one for a plain np.savez file."""
    try:
        with zipfile.ZipFile(f) as zf:
            members = _array_members(path, zf, max_bytes)
            marked = members.pop(MARKER, None)
            if marked is not None:
                _check_version(path, zf, marked)
            flat = {
                key: _read_member(path, zf, key, info, max_array_bytes)
                for key, info in members.items()
            }
    except _CORRUPT as err:
        if isinstance(err, CheckpointError):
            raise
        fail(
            path,
            f"the file is truncated or corrupted ({type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else 'no details'})",
        )
    if marked is None:
        return flat
    problem = _key_problem(flat)
    if problem:
        fail(path, problem)
    return _unflatten(flat)


# --- the zip's entries -------------------------------------------------------------------


def _array_members(path, zf, max_bytes):
    """{key: ZipInfo}, after refusing every entry shape np.savez never writes."""
    infos = zf.infolist()
    if any(info.filename.endswith(".pkl") for info in infos):
        fail(path, pickle_refusal("a torch.save file (a zip holding a pickle)"))
    members = {}
    for info in infos:
        key = _check_entry(path, info)
        if key in members:
            fail(path, f"entry {info.filename!r} appears twice in the zip")
        members[key] = info
    _check_no_overlap(path, infos)
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        fail(
            path,
            f"its entries declare {total:,} bytes in all, more than the limit of "
            f"{max_bytes:,}; if you trust this file pass a larger max_bytes= to "
            "nn.load",
        )
    return members


def _check_entry(path, info):
    """The key of one zip entry, if it is a plain (stored or deflated) .npy entry."""
    name = info.filename
    if not name.endswith(".npy") or name == ".npy":
        fail(
            path, f"entry {name!r} is not a .npy array; an .npz checkpoint holds only .npy entries"
        )
    if info.flag_bits & 0x1:
        fail(path, f"entry {name!r} is encrypted; .npz files are never encrypted")
    if info.compress_type not in _COMPRESSIONS:
        fail(
            path,
            f"entry {name!r} uses zip compression method {info.compress_type}; "
            "only stored or deflated entries are read",
        )
    return name[: -len(".npy")]


def _check_no_overlap(path, infos):
    """Entries must not share bytes: overlapping entries are how a few kilobytes expand
    to terabytes (a non-recursive zip bomb); np.savez writes them one after another."""
    spans = sorted((info.header_offset, info.compress_size, info.filename) for info in infos)
    for (start, size, name), (next_start, _, next_name) in zip(spans, spans[1:]):
        if start + _LOCAL_HEADER + size > next_start:
            fail(
                path,
                f"entries {name!r} and {next_name!r} overlap in the zip; the file "
                "was crafted or corrupted",
            )


# --- one entry ---------------------------------------------------------------------------


def _read_member(path, zf, key, info, max_array_bytes):
    """One array. Its .npy header is read and checked (dtype, size, agreement with the
    zip's declared size) before numpy reads the data, so the header cannot make numpy
    allocate a lie."""
    with zf.open(info) as stream:
        shape, dtype = _read_header(path, key, stream)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > max_array_bytes:
            fail(
                path,
                f"entry {key!r} would need {nbytes:,} bytes (shape {shape}, "
                f"{dtype}), more than the limit of {max_array_bytes:,} per array; "
                "if you trust this file pass a larger max_array_bytes= to nn.load",
            )
        if stream.tell() + nbytes != info.file_size:
            fail(
                path,
                f"entry {key!r} has a .npy header for {nbytes:,} bytes of data but "
                f"the zip declares {info.file_size - stream.tell():,}; the file was "
                "crafted or corrupted",
            )
    with zf.open(info) as stream:
        array = np.lib.format.read_array(stream, allow_pickle=False)
        stream.read(1)  # reach the end, so zipfile checks the CRC
    return array


def _read_header(path, key, stream):
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            fail(path, f"entry {key!r} uses .npy format version {version}; numpy writes 1.0 or 2.0")
    except (CheckpointError, zipfile.BadZipFile, zlib.error):  # a bad CRC: the caller's
        raise
    except Exception as err:  # numpy's parser of untrusted text also raises
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        fail(path, f"entry {key!r} has no valid .npy header ({detail})")
    if dtype.hasobject:
        fail(
            path,
            f"entry {key!r} holds Python objects (dtype=object), which cannot be "
            "loaded without pickle",
        )
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None:
        fail(
            path, f"entry {key!r} has dtype {dtype}; checkpoints hold numbers, booleans or strings"
        )
    if any(isinstance(n, bool) or n < 0 for n in shape):
        fail(path, f"entry {key!r} has an invalid dimension in its shape {shape}")
    return shape, dtype


def _check_version(path, zf, info):
    """The marker must be a scalar integer this library can read."""
    if info.file_size > 1024:
        fail(
            path,
            f"its {MARKER!r} entry has {info.file_size:,} bytes, too many for a "
            f"format version; this scratchgrad reads format version {FORMAT_VERSION}",
        )
    marker = _read_member(path, zf, MARKER, info, 1024)
    if marker.shape != () or marker.dtype.kind not in "iu":
        fail(
            path,
            f"its {MARKER!r} entry is not a format version (dtype {marker.dtype}, "
            f"shape {marker.shape}); this scratchgrad reads format version "
            f"{FORMAT_VERSION}",
        )
    version = int(marker)
    if version > FORMAT_VERSION:
        fail(
            path,
            f"it has .npz format version {version}, newer than this scratchgrad "
            f"reads ({FORMAT_VERSION}); upgrade scratchgrad",
        )
    if version < 1:
        fail(
            path,
            f"it has .npz format version {version}, which never existed; this "
            f"scratchgrad reads format version {FORMAT_VERSION}",
        )


# --- "/"-joined keys ---------------------------------------------------------------------


def _key_problem(keys):
    """Why these "/"-joined keys cannot be rebuilt into one nested dict, or None: a key
    with an empty part, or a key that is also the folder of another ("a" and "a/b")."""
    keys = set(keys)
    for key in sorted(keys):
        parts = key.split("/")
        if not all(parts):
            return f"key {key!r} has an empty part"
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder in keys:
                return (
                    f"keys {folder!r} and {key!r} collide ({folder!r} would be both an "
                    "array and a dict)"
                )
    return None


def _unflatten(flat):
    """Nested dicts from "/"-joined keys (lists of dicts were saved keyed "0", "1", ...;
    optimizers accept both)."""
    out = {}
    for key, array in flat.items():
        *parents, leaf = key.split("/")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = array
    return out
