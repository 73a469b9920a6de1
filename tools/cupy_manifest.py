"""Write tests/cupy_api.json: what CuPy's API accepts, read from an installed CuPy.

The CPU stand-in for a GPU array (tests/strict_array.py) offers numpy's functions and
methods; numpy has more of them, and more keyword arguments, than CuPy. With this
manifest the stand-in refuses a function, method or keyword that CuPy lacks, so the
device tests fail on the CPU where a real GPU run would fail. No GPU is needed to write
it (`import cupy` works without one):

    python -m venv /tmp/cupy && /tmp/cupy/bin/pip install numpy cupy-cuda12x
    /tmp/cupy/bin/python tools/cupy_manifest.py > tests/cupy_api.json

Each callable is recorded as a parameter list, [name, kind, has_default] per parameter
(inspect's kinds), or null where CuPy does not say (the stand-in then checks nothing).
"""

import inspect
import json
import re
import sys

import cupy

NAMESPACES = {"": cupy, "linalg": cupy.linalg, "lib.stride_tricks": cupy.lib.stride_tricks}
UFUNC_METHODS = ("at", "reduce", "accumulate", "outer", "reduceat")
#: keywords that CuPy's code takes out of a `**kwargs` (anything else raises TypeError)
KEYWORDS_TAKEN = {
    "ufunc.__call__": ("out", "dtype", "casting"),  # cupy/_core/_kernel.pyx
    "einsum": ("dtype", "optimize"),  # cupy/linalg/_einsum.py
}
#: a Cython argument's type before its name in a docstring's signature line
CYTHON_TYPE = re.compile(r"^(?:[A-Za-z_][\w.]*\s+)+(?=[*]{0,2}[A-Za-z_]\w*(?:=|$))")


def parameters(signature):
    return [[p.name, p.kind.name, p.default is not p.empty] for p in signature.parameters.values()]


def from_docstring(fn):
    """The parameters of a Cython method, read from its docstring's first line
    (`_ndarray_base.max(self, axis=None, out=None, keepdims=False) -> _ndarray_base`)."""
    first = (fn.__doc__ or "").strip().splitlines()[:1]
    match = re.match(r"^[\w.]+\((.*)\)", first[0]) if first else None
    if match is None:
        return None
    text = ", ".join(CYTHON_TYPE.sub("", part.strip()) for part in match.group(1).split(","))
    try:
        signature = inspect.signature(eval(f"lambda {text}: None", {"_ndarray_base": None}))
    except SyntaxError:
        return None
    found = parameters(signature)
    return found[1:] if found and found[0][0] == "self" else found


def describe(fn):
    if isinstance(fn, cupy.ufunc):
        methods = {m: from_docstring(getattr(type(fn), m)) for m in UFUNC_METHODS}
        return {"ufunc": {"nin": fn.nin, **methods}}
    try:
        return {"parameters": parameters(inspect.signature(fn))}
    except (TypeError, ValueError):
        return {"parameters": from_docstring(fn)}


def namespace(module):
    entries = {}
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, type) or not callable(value):
            entries[name] = {"value": True}
        else:
            entries[name] = describe(value)
    return entries


def main():
    manifest = {
        "cupy": cupy.__version__,
        "namespaces": {path: namespace(module) for path, module in NAMESPACES.items()},
        "ndarray": {
            name: (
                {"value": True}
                if not callable(getattr(cupy.ndarray, name))
                else {"parameters": from_docstring(getattr(cupy.ndarray, name))}
            )
            for name in dir(cupy.ndarray)
            if not name.startswith("_")
        },
    }
    manifest["keywords_taken"] = KEYWORDS_TAKEN
    write(manifest)


def write(manifest):
    """JSON with one line per function, so that a new CuPy's changes read as a diff."""
    out = sys.stdout
    out.write("{\n")
    for i, (key, value) in enumerate(sorted(manifest.items())):
        comma = "," if i < len(manifest) - 1 else ""
        if not isinstance(value, dict):
            out.write(f"{json.dumps(key)}: {json.dumps(value)}{comma}\n")
            continue
        out.write(f"{json.dumps(key)}: {{\n")
        nested = isinstance(next(iter(value.values()), None), dict) and key == "namespaces"
        items = sorted(value.items())
        for j, (name, entry) in enumerate(items):
            inner = "," if j < len(items) - 1 else ""
            if nested:
                out.write(f"{json.dumps(name)}: {{\n")
                lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(entry.items())]
                out.write(",\n".join(lines) + f"\n}}{inner}\n")
            else:
                out.write(f"{json.dumps(name)}: {json.dumps(entry)}{inner}\n")
        out.write(f"}}{comma}\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
