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

import bisect
import math
import numbers

import numpy as np

from .optimizer import Optimizer


def _plain(value):
    """numpy numbers and 0-d arrays (e.g. from nn.load) as Python numbers."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 else value


def _positive_int(owner, name, value):
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _number(owner, name, value):
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    return float(value)


class LRScheduler:
    _hyper = ()  # the constructor's options, saved by state_dict (as PyTorch)

    def __init__(self, optimizer, last_epoch=-1):
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

    def lr_at(self, base_lr, t):
        """The closed form: the lr at epoch t when nothing else changed it."""
        raise NotImplementedError

    def next_lr(self, lr, base_lr, t):
        """One step of PyTorch's recursion: the lr at epoch t from the lr at t - 1."""
        raise NotImplementedError

    def step(self):
        t = self.last_epoch + 1
        for i, group in enumerate(self.optimizer.param_groups):
            if i == len(self.base_lrs):  # a group added after the scheduler
                self.base_lrs.append(group.setdefault("initial_lr", group["lr"]))
        # a (re)started schedule (resumed, or after load_state_dict) takes its closed form
        lrs = [
            self.lr_at(base, t) if self._first and t > 0 else self.next_lr(group["lr"], base, t)
            for group, base in zip(self.optimizer.param_groups, self.base_lrs)
        ]
        for group, lr in zip(self.optimizer.param_groups, lrs):  # nothing changes on error
            group["lr"] = lr
        self.last_epoch, self._first = t, False

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            **{name: getattr(self, name) for name in self._hyper},
        }

    def load_state_dict(self, state):
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

    @staticmethod
    def _checked(**options):
        """The options, validated and normalised (each scheduler's rules)."""
        return options


class StepLR(LRScheduler):
    _hyper = ("step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.__dict__.update(self._checked(step_size=step_size, gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(step_size, gamma):
        return {
            "step_size": _positive_int("StepLR", "step_size", step_size),
            "gamma": _number("StepLR", "gamma", gamma),
        }

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)

    def next_lr(self, lr, base_lr, t):
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """lr times gamma at each milestone epoch (a milestone listed twice: gamma**2)."""

    _hyper = ("milestones", "gamma")

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.__dict__.update(self._checked(milestones=milestones, gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(milestones, gamma):
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

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)

    def next_lr(self, lr, base_lr, t):
        hits = self.milestones.count(t)
        return lr * self.gamma**hits if hits else lr


class ExponentialLR(LRScheduler):
    _hyper = ("gamma",)

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.__dict__.update(self._checked(gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(gamma):
        return {"gamma": _number("ExponentialLR", "gamma", gamma)}

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma**t

    def next_lr(self, lr, base_lr, t):
        return lr * self.gamma if t > 0 else lr


class CosineAnnealingLR(LRScheduler):
    _hyper = ("T_max", "eta_min")

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.__dict__.update(self._checked(T_max=T_max, eta_min=eta_min))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(T_max, eta_min):
        T_max = _plain(T_max)
        if _number("CosineAnnealingLR", "T_max", T_max) <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        return {"T_max": T_max, "eta_min": _number("CosineAnnealingLR", "eta_min", eta_min)}

    def lr_at(self, base_lr, t):
        low = self.eta_min
        return low + (base_lr - low) * (1 + math.cos(math.pi * t / self.T_max)) / 2

    def next_lr(self, lr, base_lr, t):
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
    _hyper = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1
    ):
        self.__dict__.update(
            self._checked(start_factor=start_factor, end_factor=end_factor, total_iters=total_iters)
        )
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(start_factor, end_factor, total_iters):
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

    def lr_at(self, base_lr, t):
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        return base_lr * (start + (end - start) * min(t, total) / total)

    def next_lr(self, lr, base_lr, t):
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return lr * start
        if t > total:
            return lr
        return lr * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)))


def _count(owner, name, value):
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
    _counters = ("best", "num_bad_epochs", "cooldown_counter")

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
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
    def _checked(mode, factor, patience, threshold, threshold_mode, cooldown, eps):
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

    def _min_lrs(self, min_lr):
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

    def _is_better(self, value):
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (
                self.best * (1.0 - self.threshold) if rel else self.best - self.threshold
            )
        return value > (self.best * (1.0 + self.threshold) if rel else self.best + self.threshold)

    def step(self, metrics=None):
        """One epoch's update from the watched metric (a number or a 1-element Tensor)."""
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

    def state_dict(self):
        return {
            "last_epoch": self.last_epoch,
            "min_lrs": list(self.min_lrs),
            **{name: getattr(self, name) for name in self._hyper + self._counters},
        }

    def load_state_dict(self, state):
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
