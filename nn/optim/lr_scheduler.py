"""Learning-rate schedules: call `scheduler.step()` once per epoch, after `opt.step()`.

Each sets every group's lr from its initial lr and the epoch count t (closed forms):
    StepLR:            lr0 * gamma ** (t // step_size)
    ExponentialLR:     lr0 * gamma ** t
    CosineAnnealingLR: eta_min + (lr0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
    LinearLR:          lr0 * (start + (end - start) * min(t, total_iters) / total_iters)
micrograd's moons demo, lr = 1 - 0.9 * k / 100, is LinearLR(opt, 1.0, 0.1, 100) with lr=1.
Like PyTorch, constructing a scheduler applies the t = 0 value.
"""
import math

from .optimizer import Optimizer


class LRScheduler:
    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an nn.optim optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr, t):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state):
        """Restore from `state_dict()`; everything is checked before anything changes."""
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
        self.last_epoch = int(epoch)
        self.base_lrs = base_lrs
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)


class StepLR(LRScheduler):
    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if int(step_size) < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size}")
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** t


class CosineAnnealingLR(LRScheduler):
    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        return self.eta_min + (base_lr - self.eta_min) * (
            1.0 + math.cos(math.pi * t / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0.0 < start_factor <= 1.0 or not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: need 0 < start_factor <= 1 and 0 <= end_factor <= 1"
                             f", got start_factor={start_factor}, end_factor={end_factor}")
        if total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be >= 1, got {total_iters}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        frac = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)
