"""Learning-rate schedules: call `scheduler.step()` once per epoch, after `opt.step()`.

Each step updates every group's current lr by one step of a recursion (PyTorch's
"chainable" forms), so two schedulers on one optimizer compose and an lr you change by
hand is kept and scheduled from. Left alone, the lr follows these closed forms in the
epoch count t:
    StepLR:            lr0 * gamma ** (t // step_size)
    MultiStepLR:       lr0 * gamma ** (number of milestones <= t)
    ExponentialLR:     lr0 * gamma ** t
    CosineAnnealingLR: eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
    LinearLR:          lr0 * (start + (end - start) * min(t, total_iters) / total_iters)
micrograd's moons demo, lr = 1 - 0.9 * k / 100, is LinearLR(opt, 1.0, 0.1, 100) with lr=1.
Like PyTorch, constructing a scheduler applies the t = 0 value; resuming (last_epoch
given) needs the optimizer's state first, whose groups carry their "initial_lr".
`ReduceLROnPlateau` is different: it watches a metric, `scheduler.step(val_loss)`.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ...autograd import Tensor
from ...autograd.backend import Array
from .optimizer import Optimizer


def _plain(value: Any) -> Any:
    """numpy numbers and 0-d arrays (e.g. from nn.load) as Python numbers."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 else value


def _positive_int(owner: str, name: str, value: object) -> int:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _number(owner: str, name: str, value: object) -> float:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    return float(value)


class LRScheduler:
    """Base of the epoch-driven schedules, as torch.optim.lr_scheduler.LRScheduler: it
    keeps `base_lrs` (each group's "initial_lr") and the epoch count `last_epoch`, and
    each `step()` sets every group's lr by the subclass's `next_lr` (see the module doc)."""

    _hyper: tuple[str, ...] = ()  # the constructor's options, saved by state_dict (as PyTorch)
    optimizer: Optimizer
    base_lrs: list[float]  # each group's "initial_lr"
    last_epoch: int
    _first: bool  # the next step() takes the closed form (a (re)started schedule)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name} needs an nn.optim optimizer, got {type(optimizer).__name__}")
        last_epoch = _plain(last_epoch)
        if (
            isinstance(last_epoch, bool)
            or not isinstance(last_epoch, numbers.Integral)
            or last_epoch < -1
        ):
            raise ValueError(f"{name}: last_epoch must be an int >= -1, got {last_epoch!r}")
        last_epoch = int(last_epoch)
        if last_epoch != -1 and any("initial_lr" not in g for g in optimizer.param_groups):
            raise ValueError(
                f"{name}: resuming at last_epoch={last_epoch} needs the "
                "optimizer's saved state (its groups carry 'initial_lr'): call "
                "optimizer.load_state_dict(...) first"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._first = True
        self.step()

    def lr_at(self, base_lr: float, t: int) -> float:
        """The closed form: the lr at epoch t when nothing else changed it."""
        raise NotImplementedError

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        """One step of PyTorch's recursion: the lr at epoch t from the lr at t - 1."""
        raise NotImplementedError

    def step(self, *args: Any, **kwargs: Any) -> None:
        """Advance one epoch: every group's lr becomes the schedule's next value (call it
        after `optimizer.step()`, once per epoch, as in PyTorch)."""
        self._advance(*args, **kwargs)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _restart(self) -> None:
        """Start over at epoch 0 from the base lrs (SequentialLR's switch to this
        schedule; PyTorch calls `step(0)` there)."""
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base
        self.last_epoch, self._first = -1, False
        self.step()

    def _advance(self) -> None:
        """One step of the schedule (each scheduler's own rule)."""
        t = self.last_epoch + 1
        for i, group in enumerate(self.optimizer.param_groups):
            if i == len(self.base_lrs):  # a group added after the scheduler
                self.base_lrs.append(cast(float, group.setdefault("initial_lr", group["lr"])))
        # a (re)started schedule (resumed, or after load_state_dict) takes its closed form
        lrs = [
            self.lr_at(base, t) if self._first and t > 0 else self.next_lr(group["lr"], base, t)
            for group, base in zip(self.optimizer.param_groups, self.base_lrs)
        ]
        for group, lr in zip(self.optimizer.param_groups, lrs):  # nothing changes on error
            group["lr"] = lr
        self.last_epoch, self._first = t, False

    _last_lr: list[float] | None = None

    def get_last_lr(self) -> list[float]:
        """The lr of each parameter group as the last `step()` set it (for logging; an lr
        changed by hand since shows at the next step, as in PyTorch)."""
        if self._last_lr is None:  # loaded from a state_dict: the groups' lrs
            return [group["lr"] for group in self.optimizer.param_groups]
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """{"last_epoch", "base_lrs", and the constructor's options} for checkpoints;
        `load_state_dict` restores it (the lrs themselves live in the optimizer's state)."""
        return {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            **{name: getattr(self, name) for name in self._hyper},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from `state_dict()`; everything is checked before anything changes. The
        optimizer's lr is its own state (load it with the optimizer's state_dict)."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{name}: expected a dict, got {type(state).__name__}")
        for key in ("last_epoch", "base_lrs"):
            if key not in state:
                raise ValueError(f"{name}: the state has no {key!r} entry")
        epoch = state["last_epoch"]
        if isinstance(epoch, bool) or not float(epoch).is_integer() or epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an integer >= -1, got {epoch!r}")
        base_lrs = [float(x) for x in state["base_lrs"]]
        if len(base_lrs) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{name}: {len(base_lrs)} base_lrs for "
                f"{len(self.optimizer.param_groups)} parameter group(s)"
            )
        bad = [lr for lr in base_lrs if not math.isfinite(lr) or lr < 0]
        if bad:
            raise ValueError(f"{name}: base_lrs must be finite and >= 0, got {bad[0]!r}")
        options = {key: state.get(key, getattr(self, key)) for key in self._hyper}
        options = self._checked(**options)  # the constructor's own rules
        self.last_epoch = int(epoch)
        self.base_lrs = base_lrs
        self.__dict__.update(options)
        self._first = True  # the next step starts from the closed form at last_epoch, so
        #                       loading only the scheduler's state still gives the right lr
        self._last_lr = None

    @staticmethod
    def _checked(**options: Any) -> dict[str, Any]:
        """The options, validated and normalised (each scheduler's rules)."""
        return options


class StepLR(LRScheduler):
    """As torch.optim.lr_scheduler.StepLR: multiply the lr by gamma every `step_size`
    epochs, lr0 * gamma ** (t // step_size)."""

    _hyper = ("step_size", "gamma")
    step_size: int | float
    gamma: float

    def __init__(
        self,
        optimizer: Optimizer,
        step_size: int | float,
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.__dict__.update(self._checked(step_size=step_size, gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(step_size: int | float, gamma: float) -> dict[str, Any]:  # type: ignore[override]
        step = _plain(step_size)  # an int, or a float as PyTorch takes (1.0 in its tutorials)
        if isinstance(step, float) and math.isfinite(step) and step > 0:
            step_size = step
        else:
            step_size = _positive_int("StepLR", "step_size", step_size)
        return {
            "step_size": step_size,
            "gamma": _number("StepLR", "gamma", gamma),
        }

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """lr times gamma at each milestone epoch (a milestone listed twice: gamma**2)."""

    _hyper = ("milestones", "gamma")
    milestones: list[int]
    gamma: float

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int] | set[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.__dict__.update(self._checked(milestones=milestones, gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(  # type: ignore[override]
        milestones: Sequence[int] | set[int], gamma: float
    ) -> dict[str, Any]:
        values = (
            np.asarray(milestones).reshape(-1)
            if not isinstance(milestones, set)
            else np.asarray(sorted(milestones))
        )
        if values.dtype.kind not in "iu" and values.size:
            raise ValueError(
                f"MultiStepLR: milestones must be epoch numbers (ints), got {milestones!r}"
            )
        return {
            "milestones": sorted(int(m) for m in values),
            "gamma": _number("MultiStepLR", "gamma", gamma),
        }

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        hits = self.milestones.count(t)
        return lr * self.gamma**hits if hits else lr


class ExponentialLR(LRScheduler):
    """As torch.optim.lr_scheduler.ExponentialLR: multiply the lr by gamma every epoch,
    lr0 * gamma ** t."""

    _hyper = ("gamma",)
    gamma: float

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.__dict__.update(self._checked(gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(gamma: float) -> dict[str, Any]:  # type: ignore[override]
        return {"gamma": _number("ExponentialLR", "gamma", gamma)}

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        return lr * self.gamma if t > 0 else lr


class CosineAnnealingLR(LRScheduler):
    """As torch.optim.lr_scheduler.CosineAnnealingLR: the lr follows half a cosine from
    lr0 down to eta_min over T_max epochs (and back up over the next T_max)."""

    _hyper = ("T_max", "eta_min")
    T_max: float
    eta_min: float

    def __init__(
        self, optimizer: Optimizer, T_max: float, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.__dict__.update(self._checked(T_max=T_max, eta_min=eta_min))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(T_max: float, eta_min: float) -> dict[str, Any]:  # type: ignore[override]
        T_max = _plain(T_max)
        if _number("CosineAnnealingLR", "T_max", T_max) <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        return {"T_max": T_max, "eta_min": _number("CosineAnnealingLR", "eta_min", eta_min)}

    def lr_at(self, base_lr: float, t: int) -> float:
        low = self.eta_min
        return low + (base_lr - low) * (1 + math.cos(math.pi * t / self.T_max)) / 2

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        """PyTorch's recursion: the ratio of consecutive closed-form values, applied to
        the current lr (at the period's turning point, the closed-form increment). Where
        the previous value is the minimum (ratio 0/0), the closed form itself."""
        cos, T, low = math.cos, self.T_max, self.eta_min
        if t == 0:
            return lr
        previous = 1 + cos(math.pi * (t - 1) / T)
        if abs(previous) < 1e-12:
            return self.lr_at(base_lr, t)
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (base_lr - low) * (1 - cos(math.pi / T)) / 2
        return (1 + cos(math.pi * t / T)) / previous * (lr - low) + low


class LinearLR(LRScheduler):
    """As torch.optim.lr_scheduler.LinearLR: scale the lr by a factor going linearly from
    start_factor to end_factor over total_iters epochs (a warm-up, or a linear decay)."""

    _hyper = ("start_factor", "end_factor", "total_iters")
    start_factor: float
    end_factor: float
    total_iters: int

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.__dict__.update(
            self._checked(start_factor=start_factor, end_factor=end_factor, total_iters=total_iters)
        )
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(  # type: ignore[override]
        start_factor: float, end_factor: float, total_iters: int
    ) -> dict[str, Any]:
        start = _number("LinearLR", "start_factor", start_factor)
        end = _number("LinearLR", "end_factor", end_factor)
        if not 0.0 < start <= 1.0 or not 0.0 <= end <= 1.0:
            raise ValueError(
                f"LinearLR: need 0 < start_factor <= 1 and 0 <= end_factor <= 1"
                f", got start_factor={start_factor}, end_factor={end_factor}"
            )
        return {
            "start_factor": start,
            "end_factor": end,
            "total_iters": _positive_int("LinearLR", "total_iters", total_iters),
        }

    def lr_at(self, base_lr: float, t: int) -> float:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        return base_lr * (start + (end - start) * min(t, total) / total)

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return lr * start
        if t > total:
            return lr
        return lr * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)))


def _count(owner: str, name: str, value: object) -> int:
    """A whole number >= 0 (patience, cooldown)."""
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be an int >= 0, got {value!r}")
    return int(value)


class ReduceLROnPlateau(LRScheduler):
    """Divide the lr by 1/factor when a watched metric stops improving: call
    `scheduler.step(val_loss)` once per epoch (PyTorch's rules, below).

    Improving (mode "min"): metric < best * (1 - threshold) ("rel") or best - threshold
    ("abs"); "max" mirrors it. After more than `patience` epochs without improvement
    each group's lr becomes max(lr * factor, min_lr) (unchanged unless it falls by more
    than eps), then `cooldown` epochs pass in which bad epochs are not counted.
    """

    _hyper = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps")
    _counters: tuple[str, ...] = ("best", "num_bad_epochs", "cooldown_counter")
    mode: str
    factor: float
    patience: int
    threshold: float
    threshold_mode: str
    cooldown: int
    eps: float
    best: float
    num_bad_epochs: int
    cooldown_counter: int

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] | Array = 0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ReduceLROnPlateau needs an nn.optim optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.__dict__.update(
            self._checked(
                mode=mode,
                factor=factor,
                patience=patience,
                threshold=threshold,
                threshold_mode=threshold_mode,
                cooldown=cooldown,
                eps=eps,
            )
        )
        self.min_lrs = self._min_lrs(min_lr)
        self.last_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0

    @staticmethod
    def _checked(  # type: ignore[override]
        mode: str,
        factor: float,
        patience: int,
        threshold: float,
        threshold_mode: str,
        cooldown: int,
        eps: float,
    ) -> dict[str, Any]:
        name = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        factor = _number(name, "factor", factor)
        if not 0.0 <= factor < 1.0:
            raise ValueError(
                f"{name}: factor must be in [0, 1) (the lr is multiplied by it), got {factor}"
            )
        eps = _number(name, "eps", eps)
        if eps < 0:
            raise ValueError(f"{name}: eps must be >= 0, got {eps}")
        return {
            "mode": str(mode),
            "factor": factor,
            "patience": _count(name, "patience", patience),
            "threshold": _number(name, "threshold", threshold),
            "threshold_mode": str(threshold_mode),
            "cooldown": _count(name, "cooldown", cooldown),
            "eps": eps,
        }

    def _min_lrs(self, min_lr: float | Sequence[float] | Array) -> list[float]:
        groups = len(self.optimizer.param_groups)
        values = (
            np.asarray(min_lr, dtype=float).reshape(-1)
            if isinstance(min_lr, (list, tuple, np.ndarray))
            else np.full(groups, _number("ReduceLROnPlateau", "min_lr", min_lr))
        )
        if values.size != groups:
            raise ValueError(
                f"ReduceLROnPlateau: {values.size} min_lr values for {groups} parameter group(s)"
            )
        if not np.all(np.isfinite(values) & (values >= 0)):
            raise ValueError(f"ReduceLROnPlateau: min_lr must be finite and >= 0, got {min_lr!r}")
        return values.tolist()

    def _is_better(self, value: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (
                self.best * (1.0 - self.threshold) if rel else self.best - self.threshold
            )
        return value > (self.best * (1.0 + self.threshold) if rel else self.best + self.threshold)

    def _advance(self, metrics: float | Tensor | None = None) -> None:
        """One epoch's update from the watched metric (a number or a 1-element Tensor):
        `scheduler.step(val_loss)`."""
        if metrics is None:
            raise TypeError(
                "ReduceLROnPlateau.step(metrics) needs the value it watches, "
                "e.g. scheduler.step(val_loss); nn.fit's scheduler= calls "
                "step() with none, so call this one yourself each epoch"
            )
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            if len(self.min_lrs) != len(self.optimizer.param_groups):
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer now has "
                    f"{len(self.optimizer.param_groups)} parameter groups, "
                    f"min_lrs has {len(self.min_lrs)} values; set "
                    "scheduler.min_lrs to one per group"
                )
            for group, low in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(group["lr"] * self.factor, low)
                if group["lr"] - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def state_dict(self) -> dict[str, Any]:
        """{"last_epoch", "min_lrs", the options and the counters (best, num_bad_epochs,
        cooldown_counter)}, so a resumed run reduces the lr when the original would."""
        return {
            "last_epoch": self.last_epoch,
            "min_lrs": list(self.min_lrs),
            **{name: getattr(self, name) for name in self._hyper + self._counters},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from `state_dict()`; checked by the constructor's rules first."""
        name = "ReduceLROnPlateau.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{name}: expected a dict, got {type(state).__name__}")
        lacking = [k for k in ("last_epoch", "min_lrs") + self._counters if k not in state]
        if lacking:
            raise ValueError(f"{name}: the state has no {lacking[0]!r} entry")
        options = self._checked(**{k: _plain(state.get(k, getattr(self, k))) for k in self._hyper})
        best = float(_plain(state["best"]))
        if math.isnan(best):
            raise ValueError(f"{name}: best must be a number, got {state['best']!r}")
        counters = {
            "last_epoch": _count(name, "last_epoch", state["last_epoch"]),
            "num_bad_epochs": _count(name, "num_bad_epochs", state["num_bad_epochs"]),
            "cooldown_counter": _count(name, "cooldown_counter", state["cooldown_counter"]),
        }
        min_lrs = self._min_lrs(list(np.asarray(state["min_lrs"], dtype=float).reshape(-1)))
        self.__dict__.update(options, **counters, best=best, min_lrs=min_lrs)
        self._last_lr = None
