"""Learning-rate schedules: call `scheduler.step()` once per epoch, after `opt.step()`.

Each step updates every group's current lr by one step of a recursion (PyTorch's
"chainable" forms), so two schedulers on one optimizer compose and an lr you change by
hand is kept and scheduled from. Left alone, the lr follows these closed forms in the
epoch count t:
    StepLR:            lr0 * gamma ** (t // step_size)
    ExponentialLR:     lr0 * gamma ** t
    CosineAnnealingLR: eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
    LinearLR:          lr0 * (start + (end - start) * min(t, total_iters) / total_iters)
micrograd's moons demo, lr = 1 - 0.9 * k / 100, is LinearLR(opt, 1.0, 0.1, 100) with lr=1.
Like PyTorch, constructing a scheduler applies the t = 0 value; resuming (last_epoch
given) needs the optimizer's state first, whose groups carry their "initial_lr".
"""
import math
import numbers

from .optimizer import Optimizer


def _plain(value):
    """numpy numbers and 0-d arrays (e.g. from nn.load) as Python numbers."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 \
        else value


def _positive_int(owner, name, value):
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _number(owner, name, value):
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    return float(value)


class LRScheduler:
    _hyper = ()          # the constructor's options, saved by state_dict (as PyTorch)

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name} needs an nn.optim optimizer, got "
                            f"{type(optimizer).__name__}")
        last_epoch = _plain(last_epoch)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or \
                last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an int >= -1, got {last_epoch!r}")
        last_epoch = int(last_epoch)
        if last_epoch != -1 and any("initial_lr" not in g for g in optimizer.param_groups):
            raise ValueError(f"{name}: resuming at last_epoch={last_epoch} needs the "
                             "optimizer's saved state (its groups carry 'initial_lr'): call "
                             "optimizer.load_state_dict(...) first")
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
            if i == len(self.base_lrs):             # a group added after the scheduler
                self.base_lrs.append(group.setdefault("initial_lr", group["lr"]))
        # a (re)started schedule (resumed, or after load_state_dict) takes its closed form
        lrs = [self.lr_at(base, t) if self._first and t > 0 else
               self.next_lr(group["lr"], base, t)
               for group, base in zip(self.optimizer.param_groups, self.base_lrs)]
        for group, lr in zip(self.optimizer.param_groups, lrs):   # nothing changes on error
            group["lr"] = lr
        self.last_epoch, self._first = t, False

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs),
                **{name: getattr(self, name) for name in self._hyper}}

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
            raise ValueError(f"{name}: {len(base_lrs)} base_lrs for "
                             f"{len(self.optimizer.param_groups)} parameter group(s)")
        bad = [lr for lr in base_lrs if not math.isfinite(lr) or lr < 0]
        if bad:
            raise ValueError(f"{name}: base_lrs must be finite and >= 0, got {bad[0]!r}")
        options = {key: state.get(key, getattr(self, key)) for key in self._hyper}
        options = self._checked(**options)           # the constructor's own rules
        self.last_epoch = int(epoch)
        self.base_lrs = base_lrs
        self.__dict__.update(options)
        self._first = True    # the next step starts from the closed form at last_epoch, so
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
        return {"step_size": _positive_int("StepLR", "step_size", step_size),
                "gamma": _number("StepLR", "gamma", gamma)}

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)

    def next_lr(self, lr, base_lr, t):
        return lr * self.gamma if t > 0 and t % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    _hyper = ("gamma",)

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.__dict__.update(self._checked(gamma=gamma))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(gamma):
        return {"gamma": _number("ExponentialLR", "gamma", gamma)}

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t

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

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        self.__dict__.update(self._checked(start_factor=start_factor, end_factor=end_factor,
                                           total_iters=total_iters))
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _checked(start_factor, end_factor, total_iters):
        start = _number("LinearLR", "start_factor", start_factor)
        end = _number("LinearLR", "end_factor", end_factor)
        if not 0.0 < start <= 1.0 or not 0.0 <= end <= 1.0:
            raise ValueError(f"LinearLR: need 0 < start_factor <= 1 and 0 <= end_factor <= 1"
                             f", got start_factor={start_factor}, end_factor={end_factor}")
        return {"start_factor": start, "end_factor": end,
                "total_iters": _positive_int("LinearLR", "total_iters", total_iters)}

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
