"""Checkpoints: `nn.save(obj, path)` writes a safetensors file, `nn.load(path)` reads one.

* The format is safetensors whatever the suffix, so PyTorch code such as
  `save(model.state_dict(), "mnist_cnn.pt")` works unchanged. A flat dict of arrays with
  str keys (a model's `state_dict()`) is stored as it is: each tensor under its key, in
  PyTorch's names and layouts. PyTorch reads it with `safetensors.torch.load_file(path)`
  and `model.load_state_dict(..., strict=True)`; a file PyTorch wrote with
  `safetensors.torch.save_file(model.state_dict(), path)` loads here with `load(path)`.
* Anything else (an optimizer's `state_dict()`, `{"model": ..., "optimizer": ...,
  "epoch": 3}`) is stored as its tensors plus, in the file's `__metadata__` under
  "scratchgrad.tree", a JSON description of where each tensor goes among the dicts (str
  or int keys), lists and tuples, and the values that are not arrays: numbers, strings,
  bools and None come back as they were, arrays as numpy arrays. The tree, not the
  tensors' names ("optimizer/state/0/exp_avg", for people reading the file), places each
  tensor, so no key can clash with another.
* Never pickles, and refuses pickles (torch.save's format can run code when loaded).
* Safe to load: the whole header is checked before any data is read: its length, its
  JSON, every tensor's dtype and shape against its byte range, the ranges against the
  file (within it, no gaps, no overlaps). A refusal is one `CheckpointError` line.
* Limits (checked from the header, before anything is read): `MAX_ARRAY_BYTES` (2 GiB)
  per array and `MAX_TOTAL_BYTES` (4 GiB) in all; raise them for a file you trust with
  `load(path, max_array_bytes=..., max_bytes=...)`.
* dtypes: float16/32/64, int8..int64, uint8..uint64 and bool (what numpy and safetensors
  share); bfloat16 is refused (numpy has no such type).
* Safe to write: atomically, keeping file modes (see checkpoint_io).
* Older checkpoints (the `.npz` files nn.save wrote before) and plain `np.savez` files
  still load, with their own checks (checkpoint_npz). The format is read from the
  file's first bytes, never from its suffix.
"""

import functools
import json
import os

import numpy as np

from ..autograd import Tensor, Value
from ..autograd.backend import is_device_array
from ..autograd.devices import GPU_HINT, Device, cuda, on_host
from . import checkpoint_npz, checkpoint_safetensors
from .checkpoint_io import CheckpointError, fail, open_regular, pickle_refusal, write_atomically

__all__ = ["save", "load", "CheckpointError", "MAX_ARRAY_BYTES", "MAX_TOTAL_BYTES"]

MAX_ARRAY_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 4 * 1024**3
TREE_KEY = "scratchgrad.tree"
TENSORS_KEY = "scratchgrad.tensors"  # in a flat file: the keys saved from Tensors
TREE_VERSION = 2  # 2: a root that is not a dict, and "Tensor" nodes (saved from Tensors)
MAX_DEPTH = 100
_KINDS = "an array, a number, a string, a bool, None, a list, a tuple or a dict"


# --- save ------------------------------------------------------------------------------


def save(obj, path):
    """Write `obj` (a dict: a state_dict, an optimizer's state_dict, or a dict of those
    and plain values; or, as PyTorch's `torch.save(x, path)`, one tensor or a list of
    them) to `path` as safetensors, atomically. Returns the path."""
    if not isinstance(obj, (dict, list, tuple)) and not _is_array(obj):
        raise TypeError(
            f"save() expects a dict such as model.state_dict(), a tensor or a list of "
            f"them, got {type(obj).__name__}"
        )
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(
            f"save() writes to a file path (a str or pathlib.Path), got {type(path).__name__}"
        )
    tensors, metadata = _layout(obj)
    return write_atomically(path, lambda f: checkpoint_safetensors.write(f, tensors, metadata))


def _layout(obj):
    """([(name, array)], metadata): a flat dict of arrays keeps its keys as the names;
    anything else gets a tree in the metadata (see the module's notes)."""
    if (
        isinstance(obj, dict)
        and all(isinstance(k, str) for k in obj)
        and all(map(_is_array, obj.values()))
    ):
        for key in obj:
            _check_name(key)
        metadata = {"format": "pt"}
        named = [key for key, value in obj.items() if isinstance(value, Tensor)]
        if named:  # a dict of Tensors (not a state_dict's arrays) loads as Tensors
            metadata[TENSORS_KEY] = json.dumps(named)
        return [(key, _array(key, value)) for key, value in obj.items()], metadata
    tensors, used = [], set()
    root = _encode(obj, (), tensors, used)
    # version 2 only where it is needed, so older scratchgrads still read the rest
    version = 2 if not isinstance(obj, dict) or '{"Tensor":' in json.dumps(root) else 1
    tree = json.dumps({"version": version, "root": root}, separators=(",", ":"))
    return tensors, {TREE_KEY: tree}


def _is_array(value):
    """numpy arrays and scalars, Tensors and Values, and anything numpy converts (a
    torch tensor): stored as tensors."""
    return isinstance(value, (np.ndarray, np.generic, Tensor, Value)) or hasattr(value, "__array__")


def _check_name(key):
    if key == "__metadata__":
        raise CheckpointError(
            "cannot save a key named '__metadata__': safetensors keeps "
            "the file's metadata under that name; rename it"
        )
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise CheckpointError(f"cannot save key {key!r}: it is not valid UTF-8 text") from None


def _array(where, value):
    """`value` as a numpy array of a dtype safetensors stores, or an error naming it."""
    if isinstance(value, (Tensor, Value)):
        value = value.data
    if is_device_array(value):  # a GPU tensor's numbers are written from the host
        value = on_host(value)
    try:
        array = np.asarray(value)
    except Exception as err:  # e.g. a bfloat16 or requires_grad torch tensor
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CheckpointError(
            f"cannot save {where!r}: {type(value).__name__} does not "
            f"convert to a numpy array ({detail})"
        ) from None
    if checkpoint_safetensors.dtype_code(array.dtype) is None:
        if array.dtype.hasobject:
            why = "it holds Python objects (dtype object), which would need pickle"
        elif array.dtype.kind in "US":
            why = (
                f"numpy strings (dtype {array.dtype}) have no safetensors dtype; store "
                "a Python str or a list of str instead"
            )
        else:
            why = (
                f"dtype {array.dtype} has no safetensors equivalent; convert it, e.g. "
                "with .astype(np.float64)"
            )
        raise CheckpointError(f"cannot save {where!r}: {why}")
    return array


def _encode(obj, path, tensors, used):
    """The JSON node of `obj`; its arrays go to `tensors` under readable, unique names."""
    where = "/".join(map(str, path))
    if len(path) > MAX_DEPTH:
        raise CheckpointError(
            f"cannot save {where[:80]!r}...: nested more than "
            f"{MAX_DEPTH} levels deep (does a dict contain itself?)"
        )
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if _is_array(obj):
        name = _unique_name(where or "tensor", used)
        tensors.append((name, _array(where, obj)))
        return {"Tensor" if isinstance(obj, Tensor) else "tensor": name}
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, dict):
        pairs = []
        for key, value in obj.items():
            key = _key(where, key)
            pairs.append([key, _encode(value, path + (key,), tensors, used)])
        return {"dict": pairs}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, path + (i,), tensors, used) for i, v in enumerate(obj)]
        return {"tuple" if isinstance(obj, tuple) else "list": items}
    raise CheckpointError(
        f"cannot save {where!r}: a {type(obj).__name__} is not {_KINDS} (nn.save never pickles)"
    )


def _key(where, key):
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    raise CheckpointError(
        f"cannot save {where or 'the dict'!r}: its key {key!r} is a "
        f"{type(key).__name__}; keys must be str or int"
    )


def _unique_name(where, used):
    """`where` made valid UTF-8 and unique (a "/" inside a key, or keys 1 and "1", give
    equal paths; the tree, not the name, says where a tensor goes)."""
    base = where.encode("utf-8", "backslashreplace").decode("utf-8")
    name, n = base, 1
    while name in used or name == "__metadata__":
        name, n = f"{base}~{n}", n + 1
    used.add(name)
    return name


# --- load ------------------------------------------------------------------------------


def load(
    path,
    *,
    max_bytes=MAX_TOTAL_BYTES,
    max_array_bytes=MAX_ARRAY_BYTES,
    map_location=None,
    weights_only=True,
):
    """Read a checkpoint (safetensors; older .npz) into a dict of numpy arrays (nested,
    with plain values, if it was saved so). Never unpickles.

    `max_bytes` / `max_array_bytes` bound the memory a file may claim in all / per array;
    raise them only for files you trust. `weights_only` (nothing is ever unpickled, so it
    changes nothing) is accepted so that PyTorch's `torch.load(path, ...)` calls work.

    `map_location` ("cuda", "cuda:1", a device; None or "cpu" for the host) is where the
    Tensors the file holds are put, as in PyTorch. Plain arrays (a `state_dict()`'s) stay
    numpy arrays: `load_state_dict` copies them to the model's device. PyTorch's callable
    and dict forms remap the devices tensors were saved on; a file here always holds
    them on the host, so they keep them there."""
    target = _map_location(map_location)
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(9)
        f.seek(0)
        if _sniff(path, head, size) == "npz":
            return checkpoint_npz.load(f, path, max_bytes, max_array_bytes)
        metadata, arrays = checkpoint_safetensors.read(
            f, size, functools.partial(fail, path), max_bytes, max_array_bytes
        )
    if TREE_KEY not in metadata:
        loaded = _with_tensors(path, arrays, metadata.get(TENSORS_KEY))
    else:
        loaded = _decode_tree(path, metadata[TREE_KEY], arrays)
    return loaded if target is None else _tensors_to(loaded, target)


def _map_location(map_location):
    """The Device a `load(map_location=...)` puts Tensors on, or None for the host."""
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return None
    try:
        target = Device(map_location)
    except (TypeError, ValueError) as err:
        raise ValueError(f"load(): map_location={map_location!r}: {err}") from None
    if target.type == "cpu":
        return None
    if not cuda.is_available():  # PyTorch's check, before anything is read
        raise RuntimeError(
            f"load(): map_location={map_location!r} asks for a GPU, but "
            f"scratchgrad.cuda.is_available() is False; pass map_location='cpu' ({GPU_HINT})"
        )
    return target


def _tensors_to(obj, target):
    """`obj` with every Tensor in it (in dicts, lists, tuples) moved to `target`."""
    if isinstance(obj, Tensor):
        return obj.to(target)
    if isinstance(obj, dict):
        return {k: _tensors_to(v, target) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_tensors_to(v, target) for v in obj)
    return obj


def _with_tensors(path, arrays, named):
    """A flat file's arrays, those saved from Tensors (listed in its metadata) as Tensors."""
    if named is None:
        return arrays
    try:
        keys = json.loads(named)
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not all(isinstance(k, str) and k in arrays for k in keys):
        fail(path, f"its {TENSORS_KEY!r} metadata does not list tensors of the file")
    return {k: Tensor(v) if k in keys else v for k, v in arrays.items()}


def _sniff(path, head, size):
    """ "safetensors" or "npz", from the first bytes; refuses everything else. A
    safetensors file starts with its header's length (8 bytes, little-endian), then "{";
    a pickle starts with 0x80, which can also be the low byte of such a length."""
    if head.startswith(b"PK\x03\x04"):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        fail(
            path,
            "it is a single .npy array (np.save), not a checkpoint; read it with "
            "np.load(path, allow_pickle=False)",
        )
    if size == 0:
        fail(path, "it is empty (0 bytes)")
    safetensors = len(head) == 9 and head[8:9] == b"{"
    if (
        safetensors
        and int.from_bytes(head[:8], "little") <= checkpoint_safetensors.MAX_HEADER_BYTES
    ):
        return "safetensors"
    if head[:1] == b"\x80":
        fail(path, pickle_refusal("a pickle (torch.save's older format, or pickle.dump)"))
    if safetensors:
        return "safetensors"  # whose reader refuses the header's length
    if size < 9:
        fail(path, f"it is too short ({size} bytes) to be a checkpoint")
    fail(
        path,
        f"it is not a checkpoint: nn.load reads safetensors files (and older .npz "
        f"checkpoints), and its first bytes {head[:8]!r} begin neither",
    )


def _decode_tree(path, text, arrays):
    """The saved object, rebuilt from its JSON tree; each tensor placed exactly once."""
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError) as err:
        fail(
            path,
            f"its {TREE_KEY!r} metadata is not valid JSON "
            f"({str(err).splitlines()[0][:200] if str(err) else type(err).__name__})",
        )
    if not isinstance(tree, dict) or "version" not in tree or "root" not in tree:
        fail(path, f"its {TREE_KEY!r} metadata lacks 'version' or 'root'")
    version = tree["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        fail(
            path,
            f"its {TREE_KEY!r} metadata has version {version!r}, which never "
            f"existed; this scratchgrad reads version {TREE_VERSION}",
        )
    if version > TREE_VERSION:
        fail(
            path,
            f"it was written by a newer scratchgrad (layout version {version}; this "
            f"one reads {TREE_VERSION}); upgrade scratchgrad",
        )
    unused = dict(arrays)
    root = _decode(path, tree["root"], arrays, unused, 0)
    if version == 1 and not isinstance(root, dict):
        fail(path, f"its layout's root is a {type(root).__name__}, not a dict")
    if unused:
        fail(
            path,
            f"tensor {next(iter(unused))!r} is in the file but not in its layout; "
            "the file was crafted or corrupted",
        )
    return root


def _decode(path, node, arrays, unused, depth):
    if depth > MAX_DEPTH:
        fail(path, f"its layout is nested more than {MAX_DEPTH} levels deep")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or len(node) != 1:
        fail(path, f"its layout has a node it does not understand: {json.dumps(node)[:80]}")
    ((tag, body),) = node.items()
    if tag in ("tensor", "Tensor"):
        if isinstance(body, str) and body in unused:
            array = unused.pop(body)
            return Tensor(array) if tag == "Tensor" else array
        why = (
            "twice"
            if isinstance(body, str) and body in arrays
            else "but the file holds no such tensor"
        )
        fail(path, f"its layout places tensor {body!r} {why}; the file was crafted or corrupted")
    if tag in ("list", "tuple") and isinstance(body, list):
        items = [_decode(path, item, arrays, unused, depth + 1) for item in body]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and isinstance(pair[0], (str, int))
                and not isinstance(pair[0], bool)
            ):
                fail(
                    path,
                    f"its layout has a dict entry that is not a [key, value] pair "
                    f"with a str or int key: {json.dumps(pair)[:80]}",
                )
            if pair[0] in out:
                fail(path, f"its layout has the key {pair[0]!r} twice in one dict")
            out[pair[0]] = _decode(path, pair[1], arrays, unused, depth + 1)
        return out
    fail(path, f"its layout has a node it does not understand: {json.dumps(node)[:80]}")
