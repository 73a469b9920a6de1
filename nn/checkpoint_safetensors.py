"""The safetensors format, read and written with numpy (no torch, no pickle).

A file is: 8 bytes (little-endian u64) giving the header's length N; N bytes of JSON,
{"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [2, 3],
"data_offsets": [begin, end]}, ...}; then the tensors' bytes, C order, little-endian,
back to back (offsets count from the end of the header). `read` checks all of the header
(sizes, dtypes, every byte range against the file's length) before it reads any data, so
a crafted header cannot make it allocate what the file does not hold.

safetensors has no checksum, so `write` adds one: the CRC-32 of the tensor data, in the
metadata under "scratchgrad.crc32" (other readers ignore it). `read` checks it when a file
has one, so a flipped bit in a file nn.save wrote is an error, not a silently wrong weight.
"""

import json
import math
import struct
import zlib

import numpy as np

from .checkpoint_io import CheckpointError

# the dtypes numpy and safetensors share (complex numbers aside: scratchgrad is real)
DTYPES = {
    "F16": np.float16,
    "F32": np.float32,
    "F64": np.float64,
    "I8": np.int8,
    "I16": np.int16,
    "I32": np.int32,
    "I64": np.int64,
    "U8": np.uint8,
    "U16": np.uint16,
    "U32": np.uint32,
    "U64": np.uint64,
    "BOOL": np.bool_,
}
_CODES = {np.dtype(t): code for code, t in DTYPES.items()}
_NO_NUMPY = {
    "BF16": "bfloat16",
    "F8_E4M3": "float8",
    "F8_E5M2": "float8",
    "F8_E8M0": "float8",
    "F4": "float4",
    "F6_E2M3": "float6",
    "F6_E3M2": "float6",
}
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit on the JSON header
CRC_KEY = "scratchgrad.crc32"


def dtype_code(dtype):
    """safetensors' name for a numpy dtype (in either byte order), or None."""
    return _CODES.get(np.dtype(dtype).newbyteorder("="))


# --- writing ---------------------------------------------------------------------------


def write(f, tensors, metadata):
    """Write [(name, array)] (dtypes already checked by `dtype_code`) to the binary file
    `f`. Data goes in order of decreasing item size, so that every tensor is aligned to
    its item size (as safetensors' own writer does); the header keeps the given order."""
    arrays = [
        (name, np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")) for name, a in tensors
    ]
    order = sorted(range(len(arrays)), key=lambda i: -arrays[i][1].dtype.itemsize)
    spans, start = {}, 0
    for i in order:
        spans[i] = [start, start + arrays[i][1].nbytes]
        start += arrays[i][1].nbytes
    metadata = {**metadata, CRC_KEY: f"{_crc32(arrays[i][1] for i in order):08x}"}
    header = {"__metadata__": metadata}
    for i, (name, a) in enumerate(arrays):
        header[name] = {
            "dtype": dtype_code(a.dtype),
            "shape": list(a.shape),
            "data_offsets": spans[i],
        }
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned
    f.write(struct.pack("<Q", len(raw)))
    f.write(raw)
    for i in order:
        f.write(_bytes(arrays[i][1]))


def _bytes(array):
    """The bytes of a C-contiguous array, without a copy."""
    return array.reshape(-1).view(np.uint8)


def _crc32(arrays):
    crc = 0
    for array in arrays:
        crc = zlib.crc32(_bytes(array), crc)
    return crc


# --- reading ---------------------------------------------------------------------------


def read(f, size, fail, max_bytes, max_array_bytes):
    """(metadata dict, {name: array} in the header's order) from the binary file `f` of
    `size` bytes; `fail(reason)` raises the caller's error."""
    head = f.read(8)
    if len(head) < 8:
        fail(
            f"it is truncated: {len(head)} bytes, fewer than the 8 that give a "
            "safetensors header's length"
        )
    n = struct.unpack("<Q", head)[0]
    if n > MAX_HEADER_BYTES:
        fail(
            f"its header claims {n:,} bytes, more than safetensors allows "
            f"({MAX_HEADER_BYTES:,}); the file is corrupted"
        )
    if 8 + n > size:
        fail(f"it is truncated: its header claims {n:,} bytes but only {size - 8:,} follow")
    header = _parse_header(f.read(n), fail)
    metadata = header.pop("__metadata__", None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        fail("its header's __metadata__ is not a map of strings to strings")
    specs = {name: _spec(name, entry, fail, max_array_bytes) for name, entry in header.items()}
    total = _check_spans(specs, fail)
    if total > max_bytes:
        fail(
            f"its tensors declare {total:,} bytes in all, more than the limit of "
            f"{max_bytes:,}; if you trust this file pass a larger max_bytes= to nn.load"
        )
    data = size - 8 - n
    if total > data:
        fail(
            f"it is truncated: its header declares {total:,} bytes of tensor data but "
            f"only {data:,} follow"
        )
    if total < data:
        fail(
            f"it has {data - total:,} bytes after its last tensor; the file was crafted "
            "or corrupted"
        )
    arrays = {}
    for name, (dtype, shape, _, _) in sorted(specs.items(), key=lambda s: s[1][2]):
        arrays[name] = _read_array(f, name, dtype, shape, fail)
    if CRC_KEY in metadata and metadata[CRC_KEY] != f"{_crc32(arrays.values()):08x}":
        fail(
            f"the file is truncated or corrupted: its tensor data does not match the "
            f"CRC-32 nn.save recorded ({metadata[CRC_KEY][:16]!r})"
        )
    return metadata, {name: _native(arrays[name]) for name in specs}


def _parse_header(raw, fail):
    """The header as a dict, refusing invalid JSON and names given twice (JSON would
    silently keep the last)."""

    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                fail(f"its header names {key!r} twice")
            out[key] = value
        return out

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=pairs)
    except CheckpointError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        fail(f"its header is not valid JSON ({detail}); the file is corrupted or not a checkpoint")
    if not isinstance(header, dict):  # unreachable from nn.load, which reads "{" first
        fail(f"its header is a JSON {type(header).__name__}, not an object of tensors")
    return header


def _spec(name, entry, fail, max_array_bytes):
    """(dtype, shape, begin, end) of one header entry, checked."""
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= set(entry):
        fail(f"tensor {name!r} in the header lacks dtype, shape or data_offsets")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code in _NO_NUMPY:
        fail(
            f"tensor {name!r} has dtype {code} ({_NO_NUMPY[code]}), which numpy cannot "
            "hold; in PyTorch convert it before saving, e.g. "
            "save_file({k: v.float() for k, v in state_dict.items()}, path)"
        )
    if code not in DTYPES:
        fail(
            f"tensor {name!r} has dtype {code!r}, which nn.load does not read (it reads "
            f"{', '.join(DTYPES)})"
        )
    if not _whole_numbers(shape):
        fail(f"tensor {name!r} has an invalid shape {shape!r}")
    if not _whole_numbers(offsets) or len(offsets) != 2 or offsets[0] > offsets[1]:
        fail(f"tensor {name!r} has invalid data_offsets {offsets!r}")
    dtype = np.dtype(DTYPES[code]).newbyteorder("<")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > max_array_bytes:
        fail(
            f"tensor {name!r} would need {nbytes:,} bytes (shape {tuple(shape)}, {code}), "
            f"more than the limit of {max_array_bytes:,} per array; if you trust this file "
            "pass a larger max_array_bytes= to nn.load"
        )
    if offsets[1] - offsets[0] != nbytes:
        fail(
            f"tensor {name!r} has shape {tuple(shape)} of {code} ({nbytes:,} bytes) but "
            f"its data_offsets span {offsets[1] - offsets[0]:,} bytes; the file was "
            "crafted or corrupted"
        )
    return dtype, tuple(shape), offsets[0], offsets[1]


def _whole_numbers(values):
    return isinstance(values, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    )


def _check_spans(specs, fail):
    """The tensors' bytes must follow one another from 0 with no gap and no overlap (as
    safetensors requires); returns where the last one ends."""
    end, last = 0, None
    for name, (_, _, begin, stop) in sorted(specs.items(), key=lambda s: (s[1][2], s[1][3])):
        if begin < end:
            fail(
                f"tensors {last!r} and {name!r} overlap in the file; the file was crafted "
                "or corrupted"
            )
        if begin > end:
            fail(
                f"{begin - end:,} bytes before tensor {name!r} belong to no tensor; the "
                "file was crafted or corrupted"
            )
        end, last = stop, name
    return end


def _read_array(f, name, dtype, shape, fail):
    """Read straight into the array's memory (no second copy)."""
    array = np.empty(shape, dtype)
    view = array.reshape(-1).view(np.uint8)
    done = 0
    while done < view.size:
        got = f.readinto(memoryview(view)[done:])
        if not got:
            fail(f"it is truncated: tensor {name!r} ends early (the file shrank while being read?)")
        done += got
    if dtype.kind == "b" and view.size and view.max() > 1:
        fail(
            f"tensor {name!r} is BOOL but holds bytes other than 0 and 1; the file was "
            "crafted or corrupted"
        )
    return array


def _native(array):
    """The array in this machine's byte order (a no-op on little-endian machines)."""
    native = np.dtype(array.dtype.type)
    return array.view(native) if array.dtype == native else array.astype(native)
