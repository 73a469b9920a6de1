"""PyTorch's switch for reproducible kernels, `torch.use_deterministic_algorithms(True)`:
every scratchgrad op is already deterministic (numpy on the CPU, the same arithmetic on a
GPU; random draws come from the seeded generator), so the flag is recorded and answered
and changes nothing, like `torch.backends.cudnn.deterministic`.
"""

from __future__ import annotations

__all__ = [
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_deterministic_debug_mode",
    "get_deterministic_debug_mode",
]

_mode = False
_warn_only = False
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's `torch.use_deterministic_algorithms`: records the flag (scratchgrad's ops
    are deterministic whatever it says; PyTorch's would then refuse its few
    nondeterministic kernels)."""
    global _mode, _warn_only
    if not isinstance(mode, bool):
        raise TypeError(
            f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}"
        )
    if not isinstance(warn_only, bool):
        raise TypeError(
            f"use_deterministic_algorithms expects warn_only to be a bool, but got "
            f"{type(warn_only).__name__}"
        )
    _mode, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """What `use_deterministic_algorithms` was last given (False at first)."""
    return _mode


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The `warn_only` that `use_deterministic_algorithms` was last given."""
    return _warn_only


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """PyTorch's other spelling: "default" (0) off, "warn" (1) and "error" (2) on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        debug_mode = _DEBUG_MODES[debug_mode]
    if isinstance(debug_mode, bool) or debug_mode not in (0, 1, 2):
        raise RuntimeError(
            f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode!r}"
        )
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0 when off, 1 when on with warn_only, 2 when on (PyTorch's numbers)."""
    return 0 if not _mode else 1 if _warn_only else 2
