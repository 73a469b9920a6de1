"""PyTorch's `torch.compile` and `torch.compiler`: scratchgrad compiles nothing (every op is
a numpy call, run as it comes), so `compile` returns the model or function it is given,
unchanged, and `torch.compiler.disable` leaves a function as it is.

    model = torch.compile(model)                 # the same model object
    @torch.compile                               # or @torch.compile(mode="max-autotune")
    def step(x): ...

Unlike PyTorch's, a compiled module is the module itself (not an `OptimizedModule`
wrapper), so its `state_dict()` keys have no `_orig_mod.` prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["compile", "disable", "is_compiling", "is_dynamo_compiling", "reset"]

_T = TypeVar("_T")

#: PyTorch's `mode=` values (torch._inductor.list_mode_options)
MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(
    model: Any = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable[..., Any] = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Any:
    """PyTorch's `torch.compile`: `model` (a module or function) itself, unchanged, as
    scratchgrad compiles nothing. As a decorator with or without arguments
    (`@torch.compile`, `@torch.compile(mode=...)`). `mode` and `options` are checked as
    PyTorch checks them (one or the other, a known mode), and otherwise unused."""
    if mode is not None and options is not None:
        raise RuntimeError(
            "Either mode or options can be specified, but both can't be specified at the same time."
        )
    if mode is not None and mode not in MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(MODES)}")
    if model is None:
        return _decorator
    if not callable(model):
        raise TypeError(f"A callable function is expected, but {type(model)} is provided.")
    return model


def _decorator(model: _T) -> _T:
    if model is None:
        raise RuntimeError("Model can't be None")
    return compile(model)


def disable(fn: Any = None, recursive: bool = True, *, reason: str | None = None) -> Any:
    """PyTorch's `@torch.compiler.disable` (with or without arguments): the function
    unchanged (nothing is compiled to leave it out of)."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    """False: no code here runs inside a compiled graph."""
    return False


def is_dynamo_compiling() -> bool:
    """False, as `is_compiling`."""
    return False


def reset() -> None:
    """PyTorch's `torch.compiler.reset`: there are no compiled caches to clear."""
