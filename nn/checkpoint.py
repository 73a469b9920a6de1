"""Checkpoints as `.npz` files of named arrays: safe to load, safe to write.

* Safe to load: `load` never unpickles (a pickle, torch.save's format, can run code) and
  reads each entry's .npy header *before* reading its data, so a small crafted file can
  not make it allocate gigabytes (a "zip bomb"). It refuses, with a one-line
  `CheckpointError` saying why: anything not written by `save` (a pickle, a lone .npy,
  someone else's .npz, a directory, a FIFO), truncated or corrupted zips, entries that
  are not .npy arrays, duplicate or overlapping entries, object or structured dtypes,
  an unknown format version, keys that collide ("a" and "a/b"), and arrays larger than
  the limits below.
* Limits (the declared uncompressed sizes, checked before anything is read):
  `MAX_ARRAY_BYTES` (2 GiB) per array and `MAX_TOTAL_BYTES` (4 GiB) for the whole file;
  raise them for a file you trust with `load(path, max_array_bytes=..., max_bytes=...)`.
* Safe to write: `save` writes ".<name>.scratchgrad-tmp" next to the target, fsyncs it
  and renames it over the target (an atomic replace), so a crash mid-save leaves the old
  file intact. The temp file is locked while written: a concurrent save of the same
  target waits, and a temp left by a killed process (its lock died with it) is removed
  by the next save of that target, so crashes never pile up temp files.
* File modes: a new checkpoint gets 0o666 & ~umask, like `open()`; overwriting keeps the
  existing file's permission bits. A symlink at the target is replaced by the file (the
  file it pointed to is never written through).

Nested dicts (an optimizer's state_dict) are stored with "/"-joined keys and rebuilt on
load; lists of dicts come back as dicts keyed "0", "1", ... (optimizers accept both).
"""
import errno
import math
import os
import stat
import struct
import zipfile
import zlib

import numpy as np

try:
    import fcntl
except ImportError:                 # Windows: no locking (concurrent saves may clash)
    fcntl = None

MARKER = "__scratchgrad_checkpoint__"
FORMAT_VERSION = 1
MAX_ARRAY_BYTES = 2 * 1024 ** 3
MAX_TOTAL_BYTES = 4 * 1024 ** 3
TEMP_SUFFIX = ".scratchgrad-tmp"
_ALLOWED_KINDS = "biufU"
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_CHUNK = 16 * 1024 ** 2
_LOCAL_HEADER = 30                  # fixed part of a zip local file header
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CORRUPT = (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, struct.error,
            NotImplementedError)


class CheckpointError(ValueError):
    pass


# --- keys ------------------------------------------------------------------------------

def _flatten(obj, prefix, out):
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(x, dict) for x in obj):
        obj = {str(i): x for i, x in enumerate(obj)}
    if isinstance(obj, dict):
        for key, value in obj.items():
            key = str(key)
            if "/" in key or "\x00" in key or not key:
                raise CheckpointError(f"cannot save key {key!r}: keys must be non-empty and "
                                      "must not contain '/' (it separates nested dicts) "
                                      "or NUL (zip names end there)")
            _flatten(value, f"{prefix}/{key}" if prefix else key, out)
        return
    if prefix in out:
        raise CheckpointError(f"cannot save: two keys become {prefix!r} (e.g. 1 and '1'); "
                              "make the keys distinct strings")
    array = np.asarray(obj.data if hasattr(obj, "data") and hasattr(obj, "grad") else obj)
    if array.dtype.kind not in _ALLOWED_KINDS:
        raise CheckpointError(f"cannot save {prefix!r}: {type(obj).__name__} becomes an "
                              f"array of dtype {array.dtype}, which would need pickle; "
                              "store numbers, booleans or strings")
    out[prefix] = array


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
                return f"keys {folder!r} and {key!r} collide ({folder!r} would be both an " \
                       "array and a dict)"
    return None


def _unflatten(flat):
    out = {}
    for key, array in flat.items():
        *parents, leaf = key.split("/")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = array
    return out


# --- save ------------------------------------------------------------------------------

def save(state_dict, path):
    """Write `state_dict` (a dict of arrays, possibly nested) to `path` atomically."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"save() expects a dict such as model.state_dict(), got "
                        f"{type(state_dict).__name__}")
    arrays = {}
    _flatten(state_dict, "", arrays)
    problem = _key_problem(arrays)
    if problem:
        raise CheckpointError(f"cannot save: {problem}; rename one of them")
    if MARKER in arrays:
        raise CheckpointError(f"cannot save a key named {MARKER!r}: it is reserved")
    arrays[MARKER] = np.asarray(FORMAT_VERSION)
    path = os.fspath(path)
    if os.path.isdir(path):
        raise CheckpointError(f"cannot save checkpoint to {path!r}: it is a directory; give "
                              f"a file name such as {os.path.join(path, 'model.npz')!r}")
    tmp = temp_path(path)
    if not os.path.isdir(os.path.dirname(tmp)):
        raise FileNotFoundError(f"cannot save checkpoint to {path!r}: the folder "
                                f"{os.path.dirname(tmp)!r} does not exist; create it first")
    fd = _claim_temp(tmp)
    try:
        _copy_mode(fd, path)
        with os.fdopen(fd, "wb", closefd=False) as f:
            _write_arrays(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if _is_linked_at(fd, tmp):      # not yet renamed: remove our half-written file
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)                    # releases the lock only after the rename
    _fsync_folder(path)
    return path


def temp_path(path):
    """The one temp name per target: a crash leaves at most this file, and the next save
    of the same target removes or reuses it."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    return os.path.join(folder, f".{name}{TEMP_SUFFIX}")


def _write_arrays(f, arrays):
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, array in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _claim_temp(tmp):
    """Create `tmp` afresh (so the umask applies) and lock it. Waits while another save
    of the same target holds it; removes one whose writer died (its lock died too)."""
    while True:
        created = True
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
        except FileExistsError:
            created = False
            fd = _open_existing_temp(tmp)
            if fd is None:
                continue
        try:
            _lock(fd)
            if _is_linked_at(fd, tmp):
                if created:
                    return fd
                os.unlink(tmp)          # a stale temp: nobody holds its lock
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)                    # renamed or removed meanwhile: start over


def _lock(fd):
    """Wait for an exclusive lock; where the file system has none (some network mounts),
    go on without one, as before locking existed."""
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as err:
        if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise


def _open_existing_temp(tmp):
    """An fd on the regular file at `tmp`, or None if it vanished; a symlink planted at
    the temp name is removed, never followed."""
    try:
        info = os.lstat(tmp)
        if stat.S_ISLNK(info.st_mode):
            os.unlink(tmp)
            return None
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(f"cannot save: {tmp!r} (the temp file name this save "
                                  "needs) is taken by something that is not a file; "
                                  "remove it")
        return os.open(tmp, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC)
    except FileNotFoundError:
        return None


def _is_linked_at(fd, path):
    """True if `path` still names the file open as `fd` (a concurrent save may have
    renamed it over its target, or removed it as stale, while we waited for the lock)."""
    try:
        here = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


def _copy_mode(fd, path):
    """Overwriting keeps the target's permission bits; a new file keeps the umask mode
    that os.open gave it (like open() would)."""
    try:
        target = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(target.st_mode) and hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(target.st_mode) & 0o777)


def _fsync_folder(path):
    """Make the rename itself durable (POSIX); skipped where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- load ------------------------------------------------------------------------------

def _fail(path, reason):
    raise CheckpointError(f"cannot load checkpoint {os.fspath(path)!r}: {reason}")


def load(path, *, max_bytes=MAX_TOTAL_BYTES, max_array_bytes=MAX_ARRAY_BYTES):
    """Read a checkpoint written by `save`; never unpickles. Returns a (nested) dict.

    `max_bytes` / `max_array_bytes` bound the memory a file may claim in all / per array
    (defaults MAX_TOTAL_BYTES, MAX_ARRAY_BYTES); raise them only for files you trust."""
    with _open_regular(path) as f:
        _check_magic(path, f.read(6))
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as zf:
                members = _array_members(path, zf, max_bytes)
                _check_version(path, zf, members.pop(MARKER))
                flat = {key: _read_member(path, zf, key, info, max_array_bytes)
                        for key, info in members.items()}
        except _CORRUPT as err:
            if isinstance(err, CheckpointError):
                raise
            _fail(path, f"the file is truncated or corrupted ({type(err).__name__}: "
                        f"{str(err).splitlines()[0] if str(err) else 'no details'})")
    problem = _key_problem(flat)
    if problem:
        _fail(path, problem)
    return _unflatten(flat)


def _open_regular(path):
    """Open for reading, refusing anything but a regular file (a FIFO would block
    forever, /dev/zero never ends, a directory is a likely slip)."""
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        _fail(path, f"it is {kind}; give the path of an .npz file written by nn.save")
    return os.fdopen(fd, "rb")


def _check_magic(path, head):
    if head[:1] == b"\x80":
        _fail(path, "it is a pickle file (e.g. from torch.save or pickle.dump); pickles can "
                    "run code, so they are refused. Re-save the arrays with nn.save")
    if head.startswith(b"\x93NUMPY"):
        _fail(path, "it is a single .npy array, not a checkpoint; write one with nn.save")
    if head[:4] != b"PK\x03\x04":
        _fail(path, f"it is not an .npz checkpoint (wrong magic bytes {head[:4]!r}, "
                    "expected b'PK\\x03\\x04'); it may be empty or another format")


def _array_members(path, zf, max_bytes):
    """{key: ZipInfo}, after refusing every entry shape `save` never writes."""
    infos = zf.infolist()
    names = [info.filename for info in infos]
    if MARKER + ".npy" not in names:
        hint = " (it looks like a torch.save file)" if any(
            n.endswith(".pkl") for n in names) else ""
        _fail(path, f"it is an .npz/zip file but was not written by nn.save{hint}: "
                    f"the {MARKER!r} entry is missing")
    members = {}
    for info in infos:
        key = _check_entry(path, info)
        if key in members:
            _fail(path, f"entry {info.filename!r} appears twice in the zip")
        members[key] = info
    _check_no_overlap(path, infos)
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        _fail(path, f"its entries declare {total:,} bytes in all, more than the limit of "
                    f"{max_bytes:,}; if you trust this file pass a larger max_bytes= to "
                    "nn.load")
    return members


def _check_entry(path, info):
    """The key of one zip entry, if it is a plain (stored or deflated) .npy entry."""
    name = info.filename
    if not name.endswith(".npy") or name == ".npy":
        _fail(path, f"entry {name!r} is not a .npy array; nn.save writes only .npy entries")
    if info.flag_bits & 0x1:
        _fail(path, f"entry {name!r} is encrypted; nn.save never encrypts")
    if info.compress_type not in _COMPRESSIONS:
        _fail(path, f"entry {name!r} uses zip compression method {info.compress_type}; "
                    "only stored or deflated entries are read")
    return name[:-len(".npy")]


def _check_no_overlap(path, infos):
    """Entries must not share bytes: overlapping entries are how a few kilobytes expand
    to terabytes (a non-recursive zip bomb); `save` writes them one after another."""
    spans = sorted((info.header_offset, info.compress_size, info.filename) for info in infos)
    for (start, size, name), (next_start, _, next_name) in zip(spans, spans[1:]):
        if start + _LOCAL_HEADER + size > next_start:
            _fail(path, f"entries {name!r} and {next_name!r} overlap in the zip; the file "
                        "was crafted or corrupted")


def _read_member(path, zf, key, info, max_array_bytes):
    """One array, its .npy header checked (dtype, size, agreement with the zip's declared
    size) before any data is read, so the header cannot make us allocate a lie."""
    with zf.open(info) as stream:
        shape, fortran, dtype = _read_header(path, key, stream)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > max_array_bytes:
            _fail(path, f"entry {key!r} would need {nbytes:,} bytes (shape {shape}, "
                        f"{dtype}), more than the limit of {max_array_bytes:,} per array; "
                        "if you trust this file pass a larger max_array_bytes= to nn.load")
        if stream.tell() + nbytes != info.file_size:
            _fail(path, f"entry {key!r} has a .npy header for {nbytes:,} bytes of data but "
                        f"the zip declares {info.file_size - stream.tell():,}; the file was "
                        "crafted or corrupted")
        return _read_data(stream, shape, fortran, dtype, nbytes)


def _read_header(path, key, stream):
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            _fail(path, f"entry {key!r} uses .npy format version {version}; nn.save "
                        "writes 1.0 or 2.0")
    except CheckpointError:
        raise
    except Exception as err:            # numpy's parser of untrusted text also raises
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        _fail(path, f"entry {key!r} has no valid .npy header ({detail})")
    if dtype.hasobject:
        _fail(path, f"entry {key!r} holds Python objects (dtype=object), which cannot be "
                    "loaded without pickle")
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None:
        _fail(path, f"entry {key!r} has dtype {dtype}; checkpoints hold numbers, booleans "
                    "or strings")
    if any(isinstance(n, bool) or n < 0 for n in shape):
        _fail(path, f"entry {key!r} has an invalid dimension in its shape {shape}")
    return shape, fortran, dtype


def _read_data(stream, shape, fortran, dtype, nbytes):
    """Read straight into the array's memory, a chunk at a time (no second copy)."""
    order = "F" if fortran else "C"
    if nbytes == 0:
        return np.empty(shape, dtype, order=order)
    buf = np.empty(nbytes, np.uint8)
    view = memoryview(buf)
    done = 0
    while done < nbytes:
        n = stream.readinto(view[done:done + _CHUNK])
        if not n:
            raise EOFError(f"array data ends after {done:,} of {nbytes:,} bytes")
        done += n
    stream.read(1)                      # reach the end, so zipfile checks the CRC
    return buf.view(dtype).reshape(shape, order=order)


def _check_version(path, zf, info):
    """The marker must be a scalar integer this library can read."""
    if info.file_size > 1024:
        _fail(path, f"its {MARKER!r} entry has {info.file_size:,} bytes, too many for a "
                    f"format version; this scratchgrad reads format version {FORMAT_VERSION}")
    marker = _read_member(path, zf, MARKER, info, 1024)
    if marker.shape != () or marker.dtype.kind not in "iu":
        _fail(path, f"its {MARKER!r} entry is not a format version (dtype {marker.dtype}, "
                    f"shape {marker.shape}); this scratchgrad reads format version "
                    f"{FORMAT_VERSION}")
    version = int(marker)
    if version > FORMAT_VERSION:
        _fail(path, f"it has format version {version}, newer than this scratchgrad "
                    f"reads ({FORMAT_VERSION}); upgrade scratchgrad")
    if version < 1:
        _fail(path, f"it has format version {version}, which never existed; this "
                    f"scratchgrad reads format version {FORMAT_VERSION}")
