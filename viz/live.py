"""`LiveView`: training curves redrawn in place in a notebook while `nn.fit` runs.

    nn.fit(model, loss_fn, opt, loader, epochs=30, callbacks=[viz.LiveView()])

One output area, updated through an IPython display handle (never one new picture per
update): loss and accuracy curves, per-layer gradient norms, and the first layer's
weights as a small image. Everything is drawn by hand as inline SVG plus one PNG data
URI (no matplotlib, no http URLs): a redraw costs about a millisecond, so the default
`every=0.2` s (up to 5 updates per second) keeps `fit` within a few percent of its
speed. It redraws after batches too (through `nn.fit`'s `on_batch_end`), so a long
epoch shows its loss per batch as it goes.

Outside a notebook kernel it draws nothing and says so once: fit's progress bar is
what a terminal shows.
"""

from __future__ import annotations

import base64
import math
import struct
import sys
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..autograd.backend import Array
from ..nn.train import Callback
from .escape import html_escape
from .plots import gradient_norms, readable_names
from .style import numbers

if TYPE_CHECKING:
    from ..nn.module import Module

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
CHART_W, CHART_H = 240, 150


def _kernel_shell() -> Any:
    """The IPython shell if this runs in a Jupyter kernel (any frontend), else None."""
    ipython = sys.modules.get("IPython")  # never import IPython in a plain script
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell if getattr(shell, "kernel", None) is not None else None


class LiveView(Callback):
    """Redraw loss/accuracy curves, gradient norms and first-layer weights in place.

    `every`: at least this many seconds between redraws (default 0.2: up to 5 per
    second). `budget`: the largest share of training time redraws may take; a slow
    frontend stretches the interval instead. `weights=False` leaves the image out.
    The last epoch is always drawn.
    """

    batch_losses: Sequence[float] = ()  # a list from `on_train_begin` on
    logs: dict[str, list[float]]  # per-epoch numbers, set by `on_train_begin`
    _epoch: int | None
    _dirty: bool
    _next: float
    _html_type: Any

    def __init__(self, every: float = 0.2, weights: bool = True, budget: float = 0.05) -> None:
        if not (isinstance(every, (int, float)) and every >= 0 and math.isfinite(every)):
            raise ValueError(f"every must be a number of seconds >= 0, got {every!r}")
        if not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"budget must be a fraction in (0, 1], got {budget!r}")
        self.every, self.weights, self.budget = float(every), bool(weights), float(budget)
        self.updates = 0  # redraws in the last fit (for measuring)
        self.draw_seconds = 0.0  # time they took
        self._said_no_kernel = False
        self._handle: Any = None

    # -- the Callback hooks --------------------------------------------------------------

    def on_train_begin(self, model: Module) -> None:
        """Start a fresh view (one display handle) for this fit, or say once that no
        notebook kernel is here to draw it."""
        self.logs, self.updates, self.draw_seconds = {}, 0, 0.0
        self.batch_losses, self._epoch = [], None
        self._handle, self._dirty, self._next = None, False, 0.0
        if _kernel_shell() is None:
            if not self._said_no_kernel:
                print(
                    "LiveView: no notebook kernel here, so nothing is drawn; "
                    "fit's progress bar shows the training instead"
                )
                self._said_no_kernel = True
            return
        from IPython.display import HTML, display

        self._html_type = HTML
        self._handle = display(HTML(self.to_html(model, None)), display_id=True)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any], model: Module) -> bool:
        """Record the epoch's numbers and redraw if `every` seconds have passed; never
        stops training (returns False)."""
        if self._handle is None:
            return False
        for key, value in logs.items():
            if key != "time" and isinstance(value, (int, float)):
                self.logs.setdefault(key, []).append(float(value))
        self._dirty, self._epoch = True, epoch
        if time.perf_counter() >= self._next:
            self._redraw(model)
        return False

    def on_batch_end(self, step: int, loss: float, model: Module) -> None:
        """Record the batch's loss and redraw if `every` seconds have passed."""
        if self._handle is None:
            return
        cast("list[float]", self.batch_losses).append(float(loss))
        self._dirty = True
        if time.perf_counter() >= self._next:
            self._redraw(model)

    def on_train_end(self, model: Module) -> None:
        """Draw the last state, if it changed since the last redraw."""
        if self._handle is not None and self._dirty:
            self._redraw(model)

    def _redraw(self, model: Module) -> None:
        start = time.perf_counter()
        self._handle.update(self._html_type(self.to_html(model, self._epoch)))
        cost = time.perf_counter() - start
        self.updates += 1
        self.draw_seconds += cost
        self._dirty = False
        self._next = time.perf_counter() + max(self.every, cost / self.budget)

    # -- the picture ---------------------------------------------------------------------

    def to_html(self, model: Module, epoch: int | None) -> str:
        """The whole view as one HTML string (inline SVG charts, a PNG data URI)."""
        panels = [line_chart({k: v for k, v in self.logs.items() if "loss" in k}, "loss")]
        batches = getattr(self, "batch_losses", None)
        if batches and len(batches) > 1:
            panels.append(
                line_chart(
                    {"batch loss": _thin(batches)},
                    "loss per batch",
                    x_label=f"batch {len(batches)}",
                )
            )
        accuracy = {k: v for k, v in self.logs.items() if "acc" in k}
        if accuracy:
            panels.append(line_chart(accuracy, "accuracy"))
        norms = gradient_norms(model) if epoch is not None or self.batch_losses else {}
        if norms:
            names = readable_names(model)
            panels.append(
                bar_chart(
                    {names.get(k, k): v for k, v in norms.items()}, "gradient norm per layer (log)"
                )
            )
        image = first_layer_image(model) if self.weights else None
        if image is not None:
            panels.append(
                f'<figure style="margin:0"><img alt="first-layer weights" '
                f'src="data:image/png;base64,{image[0]}" width="{image[1]}" '
                f'style="image-rendering:pixelated"><figcaption>first-layer '
                f"weights (red +, blue -)</figcaption></figure>"
            )
        last = ", ".join(f"{html_escape(k)} {v[-1]:.4g}" for k, v in self.logs.items() if v)
        status = (
            f"epoch {epoch}: {last}"
            if epoch is not None
            else f"epoch 1, batch {len(self.batch_losses)}"
            if self.batch_losses
            else "waiting for epoch 1"
        )
        return (
            '<div style="font:12px sans-serif"><div style="display:flex;gap:10px;'
            f'flex-wrap:wrap;align-items:flex-start">{"".join(panels)}</div>'
            f"<div>{status}</div></div>"
        )


# --- hand-made SVG charts (a millisecond each, no matplotlib) -------------------------


def _svg_open(title: str) -> str:
    return (
        f'<svg width="{CHART_W}" height="{CHART_H}" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'font-family="sans-serif" font-size="10"><text x="{CHART_W / 2}" y="12" '
        f'text-anchor="middle" font-weight="bold">{html_escape(title)}</text>'
    )


def _thin(values: Sequence[float], most: int = 400) -> Sequence[float]:
    """At most `most` points (evenly spaced): a chart needs no more, and stays small."""
    if len(values) <= most:
        return values
    step = len(values) / most
    return [values[int(i * step)] for i in range(most)] + [values[-1]]


def line_chart(
    series: Mapping[str, Sequence[float]], title: str, x_label: str | None = None
) -> str:
    """Curves over epochs, one polyline each, with the y range written at the axis."""
    left, top, right, bottom = 38, 18, CHART_W - 6, CHART_H - 30
    parts = [
        _svg_open(title),
        f'<rect x="{left}" y="{top}" width="{right - left}" '
        f'height="{bottom - top}" fill="none" stroke="#bbb"/>',
    ]
    values = [v for vs in series.values() for v in vs if math.isfinite(v)]
    if values:
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        n = max(len(vs) for vs in series.values())
        for vs, color in zip(series.values(), COLORS):
            points = " ".join(
                f"{left + (right - left) * (i / max(n - 1, 1)):.1f},"
                f"{bottom - (bottom - top) * ((v - low) / span):.1f}"
                for i, v in enumerate(vs)
                if math.isfinite(v)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>'
            )
        parts.append(
            f'<text x="{left - 3}" y="{top + 8}" text-anchor="end">{high:.3g}</text>'
            f'<text x="{left - 3}" y="{bottom}" text-anchor="end">{low:.3g}</text>'
            f'<text x="{right}" y="{bottom + 12}" text-anchor="end">'
            f"{html_escape(x_label or f'epoch {n}')}</text>"
        )
        for j, (name, color) in enumerate(zip(series, COLORS)):
            parts.append(
                f'<text x="{left + 4 + 80 * j}" y="{CHART_H - 4}" fill="{color}">'
                f"{html_escape(name)}</text>"
            )
    return "".join(parts) + "</svg>"


def bar_chart(values: Mapping[str, float], title: str) -> str:
    """Horizontal bars on a log scale: a vanishing layer is a visibly short bar."""
    rows = list(values.items())[:12]
    parts = [_svg_open(title)]
    logs = [math.log10(v) for _, v in rows if v > 0 and math.isfinite(v)]
    low, high = (min(logs) - 1, max(logs)) if logs else (-1.0, 0.0)
    span = (high - low) or 1.0
    height = (CHART_H - 22) / max(len(rows), 1)
    for i, (name, v) in enumerate(rows):
        y = 18 + i * height
        frac = (math.log10(v) - low) / span if v > 0 and math.isfinite(v) else 0.0
        parts.append(
            f'<rect x="110" y="{y:.1f}" width="{max(frac, 0) * 90:.1f}" '
            f'height="{height * 0.7:.1f}" fill="{COLORS[0]}"/>'
            f'<text x="106" y="{y + height * 0.6:.1f}" text-anchor="end">'
            f"{html_escape(str(name)[:18])}</text>"
            f'<text x="204" y="{y + height * 0.6:.1f}">{v:.2g}</text>'
        )
    return "".join(parts) + "</svg>"


# --- the first layer's weights as a PNG (numpy + zlib, no imaging library) -------------


def first_layer_image(model: Module, max_side: int = 256) -> tuple[str, int] | None:
    """(base64 PNG, display width) of the first 2-D or 4-D parameter, or None.

    Linear weights whose inputs make a square image (64 = 8x8) become one tile per unit;
    conv filters one tile per output channel (first input channel); else the matrix."""
    params: list[Any] = model.parameters()  # Parameters, Values (or plain arrays)
    weight = next(
        (numbers(p, np.float64) for p in params if len(getattr(p, "shape", ())) in (2, 4)),
        None,
    )
    if weight is None:
        return None
    side = math.isqrt(weight.shape[1]) if weight.ndim == 2 else 0
    if weight.ndim == 4:
        tiles = weight[:, 0]
    elif side * side == weight.shape[1] and side > 1:
        tiles = weight.reshape(weight.shape[0], side, side)
    else:
        tiles = None
    grid = _tile(tiles) if tiles is not None else weight[:max_side, :max_side]
    rgb = _diverging(grid)
    scale = max(1, min(8, 160 // max(rgb.shape[:2])))
    return base64.b64encode(png_bytes(rgb)).decode("ascii"), rgb.shape[1] * scale


def _tile(tiles: Array, limit: int = 64) -> Array:
    """Tiles (n, h, w) on a square grid with a 1-pixel NaN gap (drawn grey)."""
    tiles = tiles[:limit]
    n, h, w = tiles.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        grid[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tile
    return grid


def _diverging(grid: Array) -> Array:
    """Blue (negative) - white (0) - red (positive), scaled by the largest |weight|."""
    finite = np.isfinite(grid)
    top = np.abs(grid[finite]).max() if finite.any() else 1.0
    v = np.where(finite, grid / (top or 1.0), 0.0)
    pos, neg = np.clip(v, 0, 1), np.clip(-v, 0, 1)
    rgb = np.stack([1 - neg, 1 - pos - neg, 1 - pos], axis=-1)
    rgb[~finite] = 0.75
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def png_bytes(rgb: Array) -> bytes:
    """An 8-bit RGB PNG of an (h, w, 3) uint8 array."""
    h, w, _ = rgb.shape
    raw = np.hstack([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)]).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
