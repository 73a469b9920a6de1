"""Every public name has a docstring that says why it exists.

Walks every module of the installed package (`scratchgrad`, `scratchgrad.autograd`,
`scratchgrad.nn`, `scratchgrad.viz`, ...). A public name is one in the module's
`__all__`, or, without `__all__`, one not starting with `_` that the module itself
defines. A class needs its own docstring (`help(nn.optim.SGD)` must not show the base
class's text); its public methods and properties need one, their own or the method's
they override.
"""

import importlib
import inspect
import pkgutil

import scratchgrad

SKIP_MODULES = ("scratchgrad.__main__",)


def _modules():
    """Every module of the package. autograd/, nn/ and viz/ are mapped into `scratchgrad`
    from the repository's root (pyproject's package-dir), so each is walked from its own
    path: walking `scratchgrad.__path__` alone would not find them."""
    seen = set()
    for root in (scratchgrad, scratchgrad.autograd, scratchgrad.nn, scratchgrad.viz):
        yield root
        for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
            if info.name not in SKIP_MODULES and info.name not in seen:
                seen.add(info.name)
                yield importlib.import_module(info.name)


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield obj


def _method_docs_missing(cls):
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        function = getattr(function, "__func__", function)  # static and class methods
        if not inspect.isfunction(function):
            continue
        if inspect.getdoc(getattr(cls, name)) or function.__doc__:
            continue
        yield name


def undocumented():
    """Qualified names of public functions, classes and methods without a docstring."""
    missing = set()
    for module in _modules():
        for obj in _public(module):
            where = f"{obj.__module__}.{obj.__qualname__}"
            if inspect.isclass(obj):
                if not (obj.__dict__.get("__doc__") or "").strip():
                    missing.add(where)
                missing.update(f"{where}.{m}" for m in _method_docs_missing(obj))
            elif not (obj.__doc__ or "").strip():
                missing.add(where)
    return sorted(missing)


def test_every_public_name_has_a_docstring():
    missing = undocumented()
    assert not missing, (
        f"{len(missing)} public names have no docstring; write one that "
        "says why each exists:\n  " + "\n  ".join(missing)
    )
