"""What CuPy's API accepts (tests/cupy_api.json, written by tools/cupy_manifest.py from a
real CuPy), for the CPU stand-in of a GPU array: numpy has functions, methods and keywords
that CuPy lacks, and code that reaches for one would fail only on a real GPU."""

import inspect
import json
from functools import cache
from pathlib import Path

MANIFEST = json.loads((Path(__file__).with_name("cupy_api.json")).read_text())
VERSION = MANIFEST["cupy"]


class NotInCupy(TypeError):
    """Code used a numpy function, method or keyword that CuPy does not have."""


@cache
def _signature(parameters):
    return inspect.Signature(
        [
            inspect.Parameter(name, getattr(inspect.Parameter, kind), default=None)
            if has_default
            else inspect.Parameter(name, getattr(inspect.Parameter, kind))
            for name, kind, has_default in parameters
        ]
    )


def _frozen(parameters):
    return None if parameters is None else tuple(tuple(p) for p in parameters)


def _bind(what, parameters, args, kwargs, taken=None):
    if taken is not None:
        extra = set(kwargs) - set(taken)
        if extra:
            raise NotInCupy(f"{what} takes no keyword {sorted(extra)} in CuPy {VERSION}")
        return
    if parameters is None:
        return
    try:
        _signature(_frozen(parameters)).bind(*args, **kwargs)
    except TypeError as error:
        raise NotInCupy(f"{what} in CuPy {VERSION}: {error}") from None


def is_namespace(path):
    return path in MANIFEST["namespaces"] or any(
        known.startswith(path + ".") for known in MANIFEST["namespaces"]
    )


def entry(path, name):
    """CuPy's entry for `cupy.<path>.<name>`; NotInCupy (an AttributeError too) if none."""
    found = MANIFEST["namespaces"].get(path, {}).get(name)
    if found is None and not is_namespace(f"{path}.{name}".strip(".")):
        where = f"cupy.{path}." if path else "cupy."
        raise _Missing(f"{where}{name} does not exist in CuPy {VERSION}")
    return found


class _Missing(NotInCupy, AttributeError):
    pass


def check_call(path, name, args, kwargs):
    """Raise NotInCupy where `cupy.<path>.<name>(*args, **kwargs)` would be refused."""
    found = entry(path, name)
    qualified = f"{path}.{name}".strip(".")
    _bind(
        f"cupy.{qualified}",
        found.get("parameters"),
        args,
        kwargs,
        MANIFEST["keywords_taken"].get(qualified),
    )


def check_ufunc(name, method, args, kwargs):
    """The same for `cupy.<name>(...)` (method "__call__") or `cupy.<name>.<method>(...)`."""
    found = entry("", name)
    if "ufunc" not in found:  # a ufunc in numpy, a function in CuPy (matmul, isposinf)
        if method != "__call__":
            raise _Missing(f"cupy.{name} is not a ufunc in CuPy {VERSION}: no .{method}")
        return check_call("", name, args, kwargs)
    ufunc = found["ufunc"]
    if method == "__call__":
        if len(args) not in (ufunc["nin"], ufunc["nin"] + 1):
            raise NotInCupy(f"cupy.{name} takes {ufunc['nin']} arrays (and an out)")
        _bind(f"cupy.{name}", None, args, kwargs, MANIFEST["keywords_taken"]["ufunc.__call__"])
        return
    if method not in ufunc:
        raise _Missing(f"cupy.{name}.{method} does not exist in CuPy {VERSION}")
    _bind(f"cupy.{name}.{method}", ufunc[method], args, kwargs)


def check_method(name, args, kwargs):
    """The same for the array method `cupy_array.<name>(...)`."""
    found = MANIFEST["ndarray"].get(name)
    if found is None:
        raise _Missing(f"cupy.ndarray has no attribute {name!r} in CuPy {VERSION}")
    if args is not None:  # None: an attribute read, not a call
        _bind(f"cupy.ndarray.{name}", found.get("parameters"), args, kwargs)
