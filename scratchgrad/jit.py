"""PyTorch's `torch.jit` (TorchScript), for the lines scripts write about it: here every
model and function runs as the Python it is, so `script` and `trace` return what they are
given, and the decorators (`ignore`, `unused`, `export`) leave functions as they are.

    model = torch.jit.script(model)              # the same model object
    traced = torch.jit.trace(model, example)     # the same model object (not run)
    torch.jit.is_scripting()                     # False

No TorchScript program is made, so there is none to write: `jit.save` and `jit.load`
raise NotImplementedError and name what to use instead, scratchgrad's checkpoints
(`scratchgrad.save(model.state_dict(), path)`, nn.save: a safetensors file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "script",
    "trace",
    "trace_module",
    "ignore",
    "unused",
    "export",
    "is_scripting",
    "is_tracing",
    "freeze",
    "optimize_for_inference",
    "save",
    "load",
]

_T = TypeVar("_T")

NO_TORCHSCRIPT = (
    "scratchgrad makes no TorchScript: jit.script and jit.trace return the model unchanged, "
    "so there is no program to {what}. Save the weights with "
    "scratchgrad.save(model.state_dict(), path) (nn.save, a safetensors file) and load them "
    "into the model's class with model.load_state_dict(scratchgrad.load(path))"
)


def script(
    obj: _T, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None, example_inputs: Any = None
) -> _T:
    """PyTorch's `torch.jit.script`: `obj` (a module or function) itself, run as Python."""
    return obj


def trace(func: _T, example_inputs: Any = None, *args: Any, **kwargs: Any) -> _T:
    """PyTorch's `torch.jit.trace`: `func` (a module or function) itself. It is not run on
    `example_inputs` and no TorchScript is recorded (nor written: see `save`)."""
    return func


def trace_module(mod: _T, inputs: Any = None, *args: Any, **kwargs: Any) -> _T:
    """PyTorch's `torch.jit.trace_module`: the module itself."""
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """PyTorch's `@torch.jit.ignore` and `@torch.jit.ignore(drop=True)`: the function
    unchanged (nothing is compiled, so nothing needs leaving out)."""
    if callable(drop):  # @ignore without arguments
        return drop
    return lambda fn: fn


def unused(fn: _T) -> _T:
    """PyTorch's `@torch.jit.unused`: the function unchanged."""
    return fn


def export(fn: _T) -> _T:
    """PyTorch's `@torch.jit.export`: the method unchanged."""
    return fn


def is_scripting() -> bool:
    """False: code here never runs as TorchScript (PyTorch's answer in eager mode)."""
    return False


def is_tracing() -> bool:
    """False: nothing here is traced (PyTorch's answer in eager mode)."""
    return False


def freeze(mod: _T, preserved_attrs: Any = None, optimize_numerics: bool = True) -> _T:
    """PyTorch's `torch.jit.freeze`: the module itself."""
    return mod


def optimize_for_inference(mod: _T, other_methods: Any = None) -> _T:
    """PyTorch's `torch.jit.optimize_for_inference`: the module itself."""
    return mod


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Not supported: there is no TorchScript program to save (the error names
    scratchgrad.save, for the weights)."""
    raise NotImplementedError("jit.save: " + NO_TORCHSCRIPT.format(what="save"))


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Callable[..., Any]:
    """Not supported: scratchgrad reads no TorchScript file (the error names
    scratchgrad.load, for saved weights)."""
    raise NotImplementedError("jit.load: " + NO_TORCHSCRIPT.format(what="load"))
