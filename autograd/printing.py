"""How a Tensor prints: PyTorch's `torch.set_printoptions`, for scratchgrad's Tensors only.

    torch.set_printoptions(precision=2)        # Tensor([0.12 3.46])
    torch.set_printoptions(sci_mode=False)     # never 1.0000e-05
    torch.set_printoptions(profile="default")  # back to the start

The options are kept here and handed to `np.array2string` for each repr, never set in
numpy: numpy's own printing (and your arrays') stays as you set it. Options not given
here (the line width until one is set) follow numpy's current ones, as before.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

#: scratchgrad's start (PyTorch's precision, threshold and edge items); linewidth None
#: is numpy's line width, sci_mode None numpy's choice of notation
_START: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": None,
    "sci_mode": None,
}
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": None},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": None},
}
_options: dict[str, Any] = dict(_START)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """PyTorch's `torch.set_printoptions`: how scratchgrad Tensors print (numpy's own
    options are left alone). `precision` digits after the point; more than `threshold`
    numbers are summarised as `edgeitems` at each edge and `...`; `linewidth` characters
    a line; `profile` "default", "short" (2 digits, 2 edge items) or "full" (nothing
    summarised) sets those four first; `sci_mode` True or False forces or forbids
    scientific notation, None lets numpy choose (and, as in PyTorch, every call sets it)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"Invalid profile: {profile}. the profile must be one of 'default', 'short', 'full'"
            )
        _options.update(_PROFILES[profile])
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise TypeError(f"set_printoptions({name}=...) takes a number >= 0, got {value!r}")
        _options[name] = value
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise TypeError(
            f"set_printoptions(sci_mode=...) takes True, False or None, got {sci_mode!r}"
        )
    _options["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options (a copy), as `set_printoptions` takes them."""
    return dict(_options)


def array_text(data: Any, prefix: str = "") -> str:
    """`data` (a numpy array) formatted by the current options (Tensor.__repr__'s body)."""
    threshold = _options["threshold"]
    precision = int(_options["precision"])
    options: dict[str, Any] = {
        "precision": precision,
        "threshold": sys.maxsize if threshold == math.inf else int(threshold),
        "edgeitems": int(_options["edgeitems"]),
        "prefix": prefix,
    }
    if _options["linewidth"] is not None:
        options["max_line_width"] = int(_options["linewidth"])
    if _options["sci_mode"] is False:
        options["suppress_small"] = True
    elif _options["sci_mode"] is True and data.dtype.kind == "f":
        options["formatter"] = {
            "float_kind": lambda v: np.format_float_scientific(v, precision=precision, unique=False)
        }
    return np.array2string(data, **options)
