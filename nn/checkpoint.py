"""Checkpoints as `.npz` files of named arrays: safe to load, safe to write.

* Safe to load: `load` reads with `allow_pickle=False`, so a checkpoint can never run
  code (a pickle, torch.save's format, can). Anything that is not a checkpoint written by
  `save` — a truncated or corrupted zip, a pickle, a lone .npy, someone else's .npz,
  object arrays — is rejected with a one-line `CheckpointError` saying why.
* Safe to write: `save` writes a temporary file in the same folder, fsyncs it and renames
  it over the target (an atomic replace), so a crash mid-save leaves the old file intact.

Nested dicts (an optimizer's state_dict) are stored with "/"-joined keys and rebuilt on
load; lists of dicts come back as dicts keyed "0", "1", ... (optimizers accept both).
"""
import os
import tempfile
import zipfile

import numpy as np

MARKER = "__scratchgrad_checkpoint__"
FORMAT_VERSION = 1
_ALLOWED_KINDS = "biufU"


class CheckpointError(ValueError):
    pass


def _flatten(obj, prefix, out):
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(x, dict) for x in obj):
        obj = {str(i): x for i, x in enumerate(obj)}
    if isinstance(obj, dict):
        for key, value in obj.items():
            key = str(key)
            if "/" in key or not key:
                raise CheckpointError(f"cannot save key {key!r}: keys must be non-empty and "
                                      "must not contain '/' (it separates nested dicts)")
            _flatten(value, f"{prefix}/{key}" if prefix else key, out)
        return
    array = np.asarray(obj.data if hasattr(obj, "data") and hasattr(obj, "grad") else obj)
    if array.dtype.kind not in _ALLOWED_KINDS:
        raise CheckpointError(f"cannot save {prefix!r}: {type(obj).__name__} becomes an "
                              f"array of dtype {array.dtype}, which would need pickle; "
                              "store numbers, booleans or strings")
    out[prefix] = array


def save(state_dict, path):
    """Write `state_dict` (a dict of arrays, possibly nested) to `path` atomically."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"save() expects a dict such as model.state_dict(), got "
                        f"{type(state_dict).__name__}")
    arrays = {}
    _flatten(state_dict, "", arrays)
    if MARKER in arrays:
        raise CheckpointError(f"cannot save a key named {MARKER!r}: it is reserved")
    arrays[MARKER] = np.asarray(FORMAT_VERSION)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for key, array in arrays.items():
                    with zf.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _fail(path, reason):
    raise CheckpointError(f"cannot load checkpoint {os.fspath(path)!r}: {reason}")


def load(path):
    """Read a checkpoint written by `save`; never unpickles. Returns a (nested) dict."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head[:1] == b"\x80":
        _fail(path, "it is a pickle file (e.g. from torch.save or pickle.dump); pickles can "
                    "run code, so they are refused. Re-save the arrays with nn.save")
    if head.startswith(b"\x93NUMPY"):
        _fail(path, "it is a single .npy array, not a checkpoint; write one with nn.save")
    if head[:4] != b"PK\x03\x04":
        _fail(path, f"it is not an .npz checkpoint (wrong magic bytes {head[:4]!r}, "
                    "expected b'PK\\x03\\x04'); it may be empty or another format")
    flat = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = archive.files
            if MARKER not in names:
                hint = " (it looks like a torch.save file)" if any(
                    n.endswith(".pkl") for n in names) else ""
                _fail(path, f"it is an .npz/zip file but was not written by nn.save{hint}: "
                            f"the {MARKER!r} entry is missing")
            for name in names:
                try:
                    array = archive[name]
                except ValueError as err:
                    if "allow_pickle" in str(err):
                        _fail(path, f"entry {name!r} holds Python objects (dtype=object), "
                                    "which cannot be loaded without pickle")
                    raise
                if not isinstance(array, np.ndarray) or array.dtype.kind not in \
                        _ALLOWED_KINDS:
                    _fail(path, f"entry {name!r} is not an array of numbers or strings")
                flat[name] = array
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        if isinstance(err, CheckpointError):
            raise
        _fail(path, f"the file is truncated or corrupted ({type(err).__name__}: "
                    f"{str(err).splitlines()[0] if str(err) else 'no details'})")
    version = int(flat.pop(MARKER))
    if version > FORMAT_VERSION:
        _fail(path, f"it has format version {version}, newer than this scratchgrad "
                    f"({FORMAT_VERSION}); upgrade scratchgrad")
    return _unflatten(flat)


def _unflatten(flat):
    out = {}
    for key, array in flat.items():
        *parents, leaf = key.split("/")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = array
    return out
