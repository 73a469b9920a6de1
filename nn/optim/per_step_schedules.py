"""Schedules set by a function or stepped once per batch: `LambdaLR` and `OneCycleLR`
(torch.optim.lr_scheduler's, with its numbers).

    LambdaLR:   lr = base_lr * lr_lambda(t)           (t: the number of step() calls)
    OneCycleLR: lr rises from max_lr / div_factor to max_lr over pct_start of
                total_steps, then falls to that / final_div_factor (cosine or linear),
                and the momentum (or Adam's beta1) moves the other way. Call step()
                after every batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .lr_scheduler import LRScheduler, _number, _positive_int
from .optimizer import Optimizer


def lambdas_per_group(owner: str, optimizer: Optimizer, given: Any) -> list[Callable[[int], float]]:
    """One function for every parameter group, or one per group (LambdaLR's and
    MultiplicativeLR's `lr_lambda`)."""
    groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
    lambdas = list(given) if isinstance(given, (list, tuple)) else [given] * groups
    if len(lambdas) != groups or not all(callable(f) for f in lambdas):
        raise ValueError(
            f"{owner} needs a function, or one per parameter group ({groups}), got {given!r}"
        )
    return lambdas


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch): a function of yours (or one per group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = lambdas_per_group("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _advance(self) -> None:
        """Advance one epoch: each group's lr is its base lr times its function's value."""
        t = self.last_epoch + 1
        lrs = [base * f(t) for base, f in zip(self.base_lrs, self.lr_lambdas)]
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self.last_epoch, self._first = t, False


def _cosine(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """Leslie Smith's one-cycle policy, as torch.optim.lr_scheduler.OneCycleLR: give
    `max_lr` and `total_steps` (or `epochs` and `steps_per_epoch`), step every batch."""

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
            total_steps = _positive_int("OneCycleLR", "epochs", epochs) * _positive_int(
                "OneCycleLR", "steps_per_epoch", steps_per_epoch
            )
        self.total_steps = _positive_int("OneCycleLR", "total_steps", total_steps)
        pct = _number("OneCycleLR", "pct_start", pct_start)
        if not 0 <= pct <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self._anneal = _cosine if anneal_strategy == "cos" else _linear
        groups = optimizer.param_groups if isinstance(optimizer, Optimizer) else []
        max_lrs: list[float] = (
            list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)  # type: ignore[list-item]
        )
        if len(max_lrs) != len(groups):
            raise ValueError(f"OneCycleLR: {len(max_lrs)} max_lr for {len(groups)} group(s)")
        self.cycle_momentum = cycle_momentum
        self._beta1 = False
        if cycle_momentum:
            self._beta1 = all("betas" in g for g in groups)
            if not self._beta1 and not all("momentum" in g for g in groups):
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    "enabled (give cycle_momentum=False)"
                )
        if last_epoch == -1:  # a fresh cycle: the groups carry its lr and momentum range
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = float(top) / div_factor
                group["max_lr"] = float(top)
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if cycle_momentum:
                    group["base_momentum"], group["max_momentum"] = base_momentum, max_momentum
        end = float(pct * self.total_steps)
        # (end step, lr from, lr to, momentum from, momentum to) of each phase
        self._phases = (
            [
                (end - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * end - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
            if three_phase
            else [
                (end - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        )
        super().__init__(optimizer, last_epoch)

    def _at(self, group: dict[str, Any], t: int) -> tuple[float, float | None]:
        """(lr, momentum) of this group at step t."""
        start = 0.0
        for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
            if t <= end or i == len(self._phases) - 1:
                pct = (t - start) / (end - start)
                lr = self._anneal(group[lr0], group[lr1], pct)
                momentum = self._anneal(group[m0], group[m1], pct) if self.cycle_momentum else None
                return lr, momentum
            start = end
        raise AssertionError("unreachable: the last phase always answers")

    def _advance(self) -> None:
        """Advance one batch: every group's lr (and momentum) by the cycle."""
        t = self.last_epoch + 1
        if t > self.total_steps:
            raise ValueError(
                f"Tried to step {t} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        for group in self.optimizer.param_groups:
            lr, momentum = self._at(group, t)
            group["lr"] = lr
            if momentum is not None:
                if self._beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        self.last_epoch, self._first = t, False
