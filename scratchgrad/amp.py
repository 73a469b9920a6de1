"""PyTorch's automatic mixed precision, `torch.amp`: `autocast` and `GradScaler`, also as
`torch.autocast`, `torch.cuda.amp` and `torch.cpu.amp` (`from torch.cuda.amp import
GradScaler` runs renamed). The AMP training loop of PyTorch's recipes runs unchanged:

    scaler = torch.amp.GradScaler("cuda")
    for x, y in loader:
        optimizer.zero_grad()
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)                   # optional: clip the true gradients
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)                       # skipped if a gradient is inf/NaN
        scaler.update()

What each does here:

- `autocast` changes nothing: scratchgrad computes every op in its tensors' own dtype
  (numpy's float16 matrix products are slow and round more than a GPU's, which adds in
  float32), so the model keeps computing in its own dtype, float32 or float64. It is a
  context manager and a decorator as in PyTorch, and warns once (a UserWarning) that it
  has no effect, as PyTorch warns when it disables autocast on a device without support.
- `GradScaler` is a real loss scaler, with PyTorch's numbers (checked against
  `torch.amp.GradScaler("cpu")`): `scale` multiplies the loss by the scale (2^16 at
  first); `unscale_` / `step` divide the gradients by it and look for inf or NaN; `step`
  skips the optimizer's step when it finds one; `update` halves the scale after a skip
  and doubles it after `growth_interval` clean steps. With full-precision gradients the
  scaling is exact (a power of two), so training takes the same steps as without a
  scaler, except the ones it skips. It scales on every device, "cuda" included, where
  PyTorch on a machine without a GPU disables it.
"""

from __future__ import annotations

import functools
import math
import sys
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, cast

import numpy as np

from .autograd import Tensor, Value
from .autograd.backend import namespace
from .autograd.devices import cuda
from .autograd.grad_mode import no_grad
from .autograd.torch_array import plain

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: device types PyTorch's autocast knows; another name is refused (a typo, as "gpu")
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hpu", "mtia", "maia", "xla", "ipu")

NO_EFFECT = (
    "autocast has no effect in scratchgrad: every op computes in its tensors' own dtype "
    "(numpy's float16 matrix products are slow and inexact), so the model keeps computing "
    "in its dtype (float32 or float64) and nothing is cast. The code runs as written, and "
    "GradScaler still scales the loss. (This warning is shown once.)"
)
_warned = False  # NO_EFFECT was shown (once per process)


def _outside_this_file() -> int:
    """The stacklevel that points a warning at the first caller outside this module."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level


def _check_device_type(device_type: object) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in DEVICE_TYPES:
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    return device_type


def is_autocast_available(device_type: str) -> bool:
    """PyTorch's `torch.amp.is_autocast_available`: False for every device here, because
    autocast changes no dtype in scratchgrad (the `autocast` context still runs, as a
    no-op), so code that asks before using it computes as it would without it."""
    _check_device_type(device_type)
    return False


class autocast:
    """PyTorch's `torch.autocast(device_type, dtype=None, enabled=True,
    cache_enabled=None)`, as a context manager or a decorator: here a no-op. scratchgrad
    computes every op in its tensors' own dtype (numpy's float16 matrix products are slow
    and inexact), so inside it the model keeps computing in its own dtype (float32 or
    float64) and nothing is cast. An enabled autocast warns once (a UserWarning) that it
    has no effect; `enabled=False` is silent. `device_type` must be a device type string
    ("cuda", "cpu", ...), as in PyTorch; `dtype` is recorded (`fast_dtype`), not used."""

    device: str
    fast_dtype: Any

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        global _warned
        self.device = _check_device_type(device_type)
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled
        if self._enabled and not _warned:
            _warned = True
            warnings.warn(NO_EFFECT, UserWarning, stacklevel=_outside_this_file())

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        return False

    def __call__(self, func: _F) -> _F:
        """`@autocast(...)` on a function: run it inside this context (a no-op here)."""
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)"
            )

        @functools.wraps(func)
        def run_in_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(_F, run_in_autocast)


def custom_fwd(
    fwd: Callable[..., Any] | None = None, *, device_type: str, cast_inputs: Any = None
) -> Any:
    """PyTorch's `torch.amp.custom_fwd` for an `autograd.Function`'s forward: `fwd`
    unchanged (as PyTorch's outside an enabled autocast, which is always the case here:
    `cast_inputs` has nothing to cast). Works with or without arguments."""
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Any:
    """PyTorch's `torch.amp.custom_bwd` for an `autograd.Function`'s backward: `bwd`
    unchanged (autocast changes nothing here)."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


# --- the loss scaler ---------------------------------------------------------------------

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"
_FIX = (
    "This may indicate your script did not use scaler.scale(loss or outputs) earlier "
    "in the iteration."
)


class GradScaler:
    """PyTorch's `torch.amp.GradScaler(device="cuda", init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)`: a real loss scaler, with
    PyTorch's numbers. `scale(loss)` multiplies by the scale; `unscale_(optimizer)`
    (optional, once per step: before clipping) divides the optimizer's gradients by it in
    place and notes any inf or NaN; `step(optimizer)` unscales if that was not done and
    skips the optimizer's step when a gradient was not finite; `update()` multiplies the
    scale by `backoff_factor` after a skipped step, and by `growth_factor` after
    `growth_interval` clean steps in a row. The scale is a float32 number, as PyTorch's.
    It scales on every device ("cuda" included: scratchgrad's arithmetic is the same
    there), where PyTorch disables a "cuda" scaler on a machine without a GPU."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = device
        self._enabled = bool(enabled)
        self._scale: np.float32 | None = None  # set by the first scale()
        self._growth_tracker: int | None = None
        self._per_optimizer: dict[int, dict[str, Any]] = {}
        if not self._enabled:
            return
        if not growth_factor > 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if not backoff_factor < 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0

    def _started(self, what: str) -> np.float32:
        if self._scale is None:
            raise AssertionError(f"Attempted {what} but _scale is None.  " + _FIX)
        return self._scale

    def _state_of(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def scale(self, outputs: Any) -> Any:
        """`outputs` (a loss, or a list, tuple or other iterable of them) times the scale
        (each keeps its dtype); unchanged when the scaler is disabled."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = np.float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker
        factor = float(self._scale)

        def scaled(value: Any) -> Any:
            if isinstance(value, Tensor) and value.ndim == 0 and value.dtype == np.float16:
                value = value.float()  # PyTorch's: a float16 loss times the float32 scale
            if isinstance(value, (Tensor, Value)):
                return value * factor
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes, np.ndarray)):
                parts = map(scaled, value)
                return type(value)(parts) if isinstance(value, (list, tuple)) else parts
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return scaled(outputs)

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of `optimizer`'s parameters by the scale, in place, and
        note whether any is inf or NaN (call it before clipping gradients; `step` calls it
        when you did not). Once per optimizer between two `update()`s."""
        if not self._enabled:
            return
        scale = self._started("unscale_")
        state = self._state_of(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # PyTorch's: the reciprocal in float64, rounded to float32
        inv_scale = np.float32(1.0 / np.float64(scale))
        state["found_inf"] = _unscale_grads(optimizer, inv_scale)
        state["stage"] = _UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """`optimizer.step(*args, **kwargs)` on the unscaled gradients, or nothing (None)
        when one of them is inf or NaN; returns what the step returns."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._started("step")
        state = self._state_of(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """End the iteration: set the scale to `new_scale` if given; else back it off
        (times `backoff_factor`) if any optimizer's step was skipped this iteration, or
        grow it (times `growth_factor`, if the result is finite) after `growth_interval`
        clean steps in a row."""
        if not self._enabled:
            return
        scale = self._started("update")
        if new_scale is not None:
            if isinstance(new_scale, (int, float)) and not isinstance(new_scale, bool):
                self._scale = np.float32(new_scale)
            else:
                reason = (
                    "new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                    "torch.FloatTensor with requires_grad=False."
                )
                if not isinstance(new_scale, Tensor) or new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad:
                    raise AssertionError(reason)
                self._scale = np.float32(new_scale.item())
        else:
            found = [
                s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None
            ]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            tracker = cast(int, self._growth_tracker)
            if any(found):  # PyTorch's _amp_update_scale_ (float32 scale, float64 factors)
                self._scale = np.float32(float(scale) * self._backoff_factor)
                self._growth_tracker = 0
            elif tracker + 1 == self._growth_interval:
                with np.errstate(over="ignore"):  # beyond float32: inf, refused below
                    grown = np.float32(float(scale) * self._growth_factor)
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker = tracker + 1
        self._per_optimizer = {}

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale)

    def get_growth_factor(self) -> float:
        """The factor the scale grows by after `growth_interval` clean steps."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale is multiplied by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale is multiplied by after a skipped step."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """How many clean steps in a row make the scale grow."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set how many clean steps in a row make the scale grow."""
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        if self._growth_tracker is None:
            return self._init_growth_tracker
        return self._growth_tracker

    def is_enabled(self) -> bool:
        """Whether this scaler scales (`enabled=True`)."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """{"scale", "growth_factor", "backoff_factor", "growth_interval",
        "_growth_tracker"}, PyTorch's keys and Python numbers (empty when disabled): save
        it with the model's and optimizer's, after `update()`."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()` (ours or PyTorch's GradScaler's); a no-op when disabled."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved "
                "from a disabled instance of GradScaler."
            )
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = np.float32(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker

    def __repr__(self) -> str:
        if not self._enabled:
            return f"GradScaler({self._device!r}, enabled=False)"
        return f"GradScaler({self._device!r}, scale={self.get_scale()})"


def _unscale_grads(optimizer: Any, inv_scale: np.float32) -> bool | None:
    """Multiply each gradient of the optimizer's parameters by `inv_scale` in place (in
    the gradient's dtype); True if any was inf or NaN, None if no parameter had one."""
    found: bool | None = None
    with no_grad():
        for group in optimizer.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if isinstance(p, Value):
                    finite = math.isfinite(grad)
                    p.grad = grad * float(inv_scale)
                    found = bool(found) or not finite
                    continue
                array = grad._data if isinstance(grad, Tensor) else plain(grad)
                if array.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                finite = bool(namespace(array).isfinite(array).all())
                if isinstance(grad, Tensor):
                    grad.edit_in_place(lambda a: a.__imul__(inv_scale), array)
                elif getattr(array.flags, "writeable", True):
                    array *= inv_scale
                else:  # a read-only array handed in as the gradient: replaced
                    p.grad = grad * inv_scale
                found = bool(found) or not finite
    return found


# --- torch.cuda.amp and torch.cpu.amp (PyTorch's older spellings) ------------------------


class _CudaAutocast(autocast):
    """PyTorch's `torch.cuda.amp.autocast(enabled=True, dtype=torch.float16,
    cache_enabled=True)`: `torch.autocast("cuda", ...)`, a no-op here (see `autocast`)."""

    def __init__(
        self, enabled: bool = True, dtype: Any = np.float16, cache_enabled: bool = True
    ) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CpuAutocast(autocast):
    """PyTorch's `torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16,
    cache_enabled=True)`: `torch.autocast("cpu", ...)`, a no-op here (see `autocast`)."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CudaGradScaler(GradScaler):
    """PyTorch's `torch.cuda.amp.GradScaler(init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)`: `GradScaler("cuda", ...)`."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )


class _CpuGradScaler(GradScaler):
    """PyTorch's `torch.cpu.amp.GradScaler(init_scale=2.**16, ...)`: `GradScaler("cpu",
    ...)`."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


for _class, _name in (
    (_CudaAutocast, "autocast"),
    (_CpuAutocast, "autocast"),
    (_CudaGradScaler, "GradScaler"),
    (_CpuGradScaler, "GradScaler"),
):
    _class.__name__ = _class.__qualname__ = _name


def _cuda_custom_fwd(fwd: Callable[..., Any] | None = None, *, cast_inputs: Any = None) -> Any:
    """PyTorch's `torch.cuda.amp.custom_fwd`: `custom_fwd(fwd, device_type="cuda")`."""
    return custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def _cuda_custom_bwd(bwd: Callable[..., Any]) -> Any:
    """PyTorch's `torch.cuda.amp.custom_bwd`: `custom_bwd(bwd, device_type="cuda")`."""
    return custom_bwd(bwd, device_type="cuda")


_cuda_custom_fwd.__name__ = _cuda_custom_fwd.__qualname__ = "custom_fwd"
_cuda_custom_bwd.__name__ = _cuda_custom_bwd.__qualname__ = "custom_bwd"


def _module(name: str, doc: str, **members: Any) -> types.ModuleType:
    """A module object holding `members`, registered as `name` so that `from name import
    ...` works (PyTorch's `torch.cuda.amp` is a module)."""
    module = types.ModuleType(name, doc)
    vars(module).update(members, __all__=list(members))
    sys.modules[name] = module
    return module


cuda_amp = _module(
    "scratchgrad.cuda.amp",
    "PyTorch's `torch.cuda.amp`: autocast (a no-op here) and GradScaler for the GPU.",
    autocast=_CudaAutocast,
    GradScaler=_CudaGradScaler,
    custom_fwd=_cuda_custom_fwd,
    custom_bwd=_cuda_custom_bwd,
)
cpu_amp = _module(
    "scratchgrad.cpu.amp",
    "PyTorch's `torch.cpu.amp`: autocast (a no-op here) and GradScaler for the CPU.",
    autocast=_CpuAutocast,
    GradScaler=_CpuGradScaler,
)


class cpu:
    """PyTorch's `torch.cpu`, for `torch.cpu.amp` (and the device questions scripts ask)."""

    amp = cpu_amp

    @staticmethod
    def is_available() -> bool:
        """True: there is always a CPU."""
        return True

    @staticmethod
    def device_count() -> int:
        """1, as PyTorch's (one CPU device)."""
        return 1

    @staticmethod
    def current_device() -> str:
        """'cpu', as PyTorch's."""
        return "cpu"

    @staticmethod
    def synchronize(device: Any = None) -> None:
        """Nothing to wait for: CPU work is done when the call returns."""


cuda.amp = cuda_amp
# `from scratchgrad.cuda.amp import GradScaler` in a fresh process imports the parent
# module "scratchgrad.cuda" first: a module view of the `cuda` and `cpu` namespaces
for _name, _namespace in (("cuda", cuda), ("cpu", cpu)):
    _view = types.ModuleType(f"scratchgrad.{_name}", _namespace.__doc__)
    vars(_view).update({k: getattr(_namespace, k) for k in dir(_namespace) if k[0] != "_"})
    sys.modules.setdefault(f"scratchgrad.{_name}", _view)
