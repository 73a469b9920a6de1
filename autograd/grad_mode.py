"""Grad mode and anomaly mode: per-thread switches that every op reads.

Thread-local (not a global flag, unlike DeZero's Config) so two threads can train two
models, one of them under `no_grad()`, without interfering.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

_F = TypeVar("_F", bound=Callable[..., Any])
_S = TypeVar("_S", bound="ThreadSwitch")


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True  # record ops for backward?
        self.anomaly = False  # check every forward/backward value for NaN/inf?
        # names of the modules being called (for drawing clusters)
        self.scopes: tuple[str, ...] = ()


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new ops are recorded for backward in this thread."""
    return STATE.enabled


class ThreadSwitch:
    """Context manager and decorator that sets one flag of this thread's `STATE` and
    restores the old value on exit (grad mode, anomaly mode)."""

    _flag = "enabled"
    _mode = True
    _previous: Any  # the flag's value before __enter__

    def __enter__(self: _S) -> _S:
        self._previous = getattr(STATE, self._flag)
        setattr(STATE, self._flag, self._mode)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        setattr(STATE, self._flag, self._previous)
        return False

    def __call__(self, func: _F) -> _F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            switch = type(self).__new__(type(self))
            switch._mode = mode
            with switch:
                return func(*args, **kwargs)

        return cast(_F, wrapper)


class _GradModeSwitch(ThreadSwitch):
    _flag = "enabled"


class no_grad(_GradModeSwitch):
    """Stop recording: results have no history, no arrays are saved. Like torch.no_grad."""

    _mode = False


class enable_grad(_GradModeSwitch):
    """Record again inside a `no_grad()` block. Like torch.enable_grad."""

    _mode = True


class set_grad_enabled(_GradModeSwitch):
    """`with set_grad_enabled(False): ...` — grad mode chosen by a flag."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)


class inference_mode(_GradModeSwitch):
    """PyTorch's `inference_mode` (evaluation loops, `@torch.inference_mode()`): here it
    is `no_grad`, and `inference_mode(False)` leaves grad mode as it is. PyTorch's
    "inference tensors", which refuse later use in a graph, have no counterpart: results
    are ordinary tensors without history."""

    _mode: bool | None  # type: ignore[assignment]  # None: leave grad mode as it is

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # the bare decorator, `@inference_mode`, as PyTorch allows
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = False if mode else None

    def __enter__(self: _S) -> _S:
        self._previous = STATE.enabled
        if self._mode is not None:
            STATE.enabled = self._mode
        return self


class name_scope:
    """Tag the nodes created inside this block with `name` (viz draws them as a cluster)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> name_scope:
        STATE.scopes = STATE.scopes + (self.name,)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        STATE.scopes = STATE.scopes[:-1]
        return False
