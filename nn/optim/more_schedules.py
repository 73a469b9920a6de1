"""The rest of PyTorch's epoch schedules, and the two that combine others.

    ConstantLR:      lr0 * factor for t < total_iters, then lr0 (a short warm-up)
    PolynomialLR:    lr0 * (1 - min(t, total_iters) / total_iters) ** power
    MultiplicativeLR lr_{t} = lr_{t-1} * lr_lambda(t)
    CosineAnnealingWarmRestarts: the cosine of CosineAnnealingLR over T_i epochs, then a
                     restart at lr0 with T_i *= T_mult; `step(epoch + i / n)` steps
                     within an epoch, as PyTorch's does
    SequentialLR:    schedules one after another, switching at `milestones` (a warm-up
                     then a decay); each starts from its own t = 0
    ChainedScheduler: every step steps them all (their factors multiply)

Each follows PyTorch's recursion step for step (see lr_scheduler.py for the scheme).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from .lr_scheduler import LRScheduler, _number, _positive_int
from .optimizer import Optimizer
from .per_step_schedules import lambdas_per_group


class ConstantLR(LRScheduler):
    """lr0 * factor until epoch total_iters, then lr0."""

    _hyper = ("factor", "total_iters")
    factor: float
    total_iters: int

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.__dict__.update(self._checked(factor=factor, total_iters=total_iters))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(factor: float, total_iters: int) -> dict[str, Any]:  # type: ignore[override]
        value = _number("ConstantLR", "factor", factor)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        return {
            "factor": value,
            "total_iters": _positive_int("ConstantLR", "total_iters", total_iters),
        }

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (self.factor if t < self.total_iters else 1.0)

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        if t == 0:
            return lr * self.factor
        return lr / self.factor if t == self.total_iters else lr


class PolynomialLR(LRScheduler):
    """lr0 * (1 - t / total_iters) ** power, reaching 0 at total_iters and staying."""

    _hyper = ("total_iters", "power")
    total_iters: int
    power: float

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.__dict__.update(self._checked(total_iters=total_iters, power=power))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(total_iters: int, power: float) -> dict[str, Any]:  # type: ignore[override]
        return {
            "total_iters": _positive_int("PolynomialLR", "total_iters", total_iters),
            "power": _number("PolynomialLR", "power", power),
        }

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power

    def next_lr(self, lr: float, base_lr: float, t: int) -> float:
        if t == 0 or t > self.total_iters:
            return lr
        n = self.total_iters
        return lr * ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power


class MultiplicativeLR(LRScheduler):
    """Each epoch multiplies the lr by lr_lambda(epoch) (one function, or one per group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = lambdas_per_group("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _advance(self) -> None:
        t = self.last_epoch + 1
        if t > 0:
            for group, factor in zip(self.optimizer.param_groups, self.lr_lambdas):
                group["lr"] = group["lr"] * factor(t)
        self.last_epoch, self._first = t, False


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): lr = eta_min + (lr0 - eta_min)(1 + cos(pi T_cur/T_i))/2,
    restarting at lr0 every T_i epochs, with T_i multiplied by T_mult at each restart."""

    _hyper = ("T_0", "T_mult", "eta_min")
    T_0: int
    T_mult: int
    eta_min: float

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.__dict__.update(self._checked(T_0=T_0, T_mult=T_mult, eta_min=eta_min))
        self.T_i, self.T_cur = self.T_0, float(last_epoch)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(T_0: int, T_mult: int, eta_min: float) -> dict[str, Any]:  # type: ignore[override]
        name = "CosineAnnealingWarmRestarts"
        return {
            "T_0": _positive_int(name, "T_0", T_0),
            "T_mult": _positive_int(name, "T_mult", T_mult),
            "eta_min": _number(name, "eta_min", eta_min),
        }

    def _advance(self, epoch: float | None = None) -> None:
        """One epoch on; or, as PyTorch's `step(epoch)`, to `epoch` (a float steps within
        an epoch: `scheduler.step(epoch + i / iters)` once per batch)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            epoch = _number(type(self).__name__, "epoch", epoch)
            if epoch < 0:
                raise ValueError(f"{type(self).__name__}.step: epoch must be >= 0, got {epoch}")
            self.T_i, self.T_cur = self._position(epoch)
        self.last_epoch = math.floor(epoch)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = (
                self.eta_min
                + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            )
        self._first = False

    def _position(self, epoch: float) -> tuple[int, float]:
        """(T_i, T_cur) at `epoch`: the length of the period it falls in, and how far in."""
        if epoch < self.T_0:
            return self.T_0, epoch
        if self.T_mult == 1:
            return self.T_0, epoch % self.T_0
        n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
        return self.T_0 * self.T_mult**n, epoch - self.T_0 * (self.T_mult**n - 1) / (
            self.T_mult - 1
        )

    def state_dict(self) -> dict[str, Any]:
        """The base state, the options and where in its period the schedule is."""
        return {**super().state_dict(), "T_i": self.T_i, "T_cur": self.T_cur}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.T_i, self.T_cur = self._position(self.last_epoch)
        self.T_i = int(state.get("T_i", self.T_i))
        self.T_cur = float(state.get("T_cur", self.T_cur))


def _schedulers(owner: str, optimizer: Optimizer | None, schedulers: Any) -> list[LRScheduler]:
    schedulers = list(schedulers)
    if not schedulers or not all(isinstance(s, LRScheduler) for s in schedulers):
        raise TypeError(f"{owner} needs a list of lr schedulers, got {schedulers!r}")
    optimizer = schedulers[0].optimizer if optimizer is None else optimizer
    if any(s.optimizer is not optimizer for s in schedulers):
        raise ValueError(f"{owner}: every scheduler must drive the same optimizer")
    return schedulers


class SequentialLR(LRScheduler):
    """`schedulers[i]` runs from `milestones[i - 1]` to `milestones[i]`: e.g. a LinearLR
    warm-up for 5 epochs, then CosineAnnealingLR. Each starts at its own epoch 0."""

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        self._schedulers = _schedulers("SequentialLR", optimizer, schedulers)
        self._milestones = [int(m) for m in milestones]
        if len(self._milestones) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(self._schedulers)} schedulers need "
                f"{len(self._schedulers) - 1} milestones, got {self._milestones}"
            )
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo the schedulers' own first steps
            group["lr"] = group["initial_lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self._schedulers[0]._restart()
        self._last_lr = self._schedulers[0].get_last_lr()

    def _advance(self) -> None:
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        current = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            current._restart()
        else:
            current.step()

    def state_dict(self) -> dict[str, Any]:
        """Its epoch and milestones, and each scheduler's own state."""
        return {
            "last_epoch": self.last_epoch,
            "_milestones": list(self._milestones),
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for scheduler, saved in zip(self._schedulers, state["_schedulers"]):
            scheduler.load_state_dict(saved)
        self.last_epoch = int(state["last_epoch"])
        self._milestones = [int(m) for m in state["_milestones"]]
        self._last_lr = None


class ChainedScheduler(LRScheduler):
    """Every step steps each scheduler in turn, so their effects compose (e.g. a
    ConstantLR warm-up over an ExponentialLR decay)."""

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        self._schedulers = _schedulers("ChainedScheduler", optimizer, schedulers)
        self.optimizer = self._schedulers[0].optimizer
        self.last_epoch = 0
        self.base_lrs = list(self._schedulers[0].base_lrs)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _advance(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self.last_epoch += 1

    def state_dict(self) -> dict[str, Any]:
        """Each scheduler's own state."""
        return {
            "last_epoch": self.last_epoch,
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for scheduler, saved in zip(self._schedulers, state["_schedulers"]):
            scheduler.load_state_dict(saved)
        self.last_epoch = int(state["last_epoch"])
        self._last_lr = None
