"""The house's layers (ARCHITECTURE.md): autograd <- nn <- viz <- the command line and the
top level. Every import in the package is read from the source (relative ones resolved
as the wheel lays them out) and none may point up a layer."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {
    "autograd": "scratchgrad.autograd",
    "nn": "scratchgrad.nn",
    "viz": "scratchgrad.viz",
    "scratchgrad": "scratchgrad",
}
LAYER = {"scratchgrad.autograd": 0, "scratchgrad.nn": 1, "scratchgrad.viz": 2}


def layer_of(module):
    for prefix, level in LAYER.items():
        if module == prefix or module.startswith(prefix + "."):
            return level
    return 3 if module.startswith("scratchgrad") else None  # the CLI and top level


def modules():
    for folder, package in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package,) + parts)
            yield name.removesuffix(".__init__"), path, path.name == "__init__.py"


def imports(name, path, is_package):
    """Absolute names of the scratchgrad modules `path` imports."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or node.level:  # `from .. import nn`: the names count
                for alias in node.names:
                    yield target if node.module else f"{target}.{alias.name}"
            else:
                yield target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


def test_no_import_points_up_a_layer():
    upward = []
    for name, path, is_package in modules():
        here = layer_of(name)
        for target in imports(name, path, is_package):
            there = layer_of(target)
            if there is not None and there > here:
                upward.append(f"{path.relative_to(REPO)} imports {target}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_the_layer_check_sees_relative_imports():
    """The reader must resolve `from ..autograd import Tensor` to scratchgrad.autograd, or
    the check above could pass by seeing nothing."""
    name, path, is_package = next(m for m in modules() if m[0] == "scratchgrad.nn.layers")
    assert any(t.startswith("scratchgrad.autograd") for t in imports(name, path, is_package))
