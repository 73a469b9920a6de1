"""The optimizer base class: parameter groups, state, a safe `step()` and state_dicts.

A step never builds an autograd graph: it reads `.grad` and updates `.data` in place
with numpy. Each subclass writes its update rule once, as `_update(data, grad, state,
group)` on arrays. `Value` parameters (micrograd-style models) are gathered into one
float64 vector per group, updated with the same array code, and written back, so an
optimizer treats both node types alike and stays fast for thousands of Values.

Policy for bad gradients: a Tensor whose `.grad is None` (unused this step) is skipped.
A NaN or inf gradient raises `NonFiniteGradientError` naming the parameter *before* any
parameter is changed, so one bad batch never silently poisons the weights (pass
`check_finite=False` to skip the check).
"""
import math

import numpy as np

from autograd import Tensor, Value


class NonFiniteGradientError(FloatingPointError):
    pass


def check_range(owner, name, value, low=0.0, high=math.inf, high_open=False):
    """Raise a ValueError naming the optimizer and hyperparameter unless low <= value."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and \
        not isinstance(value, bool) and math.isfinite(value) and low <= value and \
        (value < high if high_open else value <= high)
    if not ok:
        bound = f"in [{low}, {high})" if high_open else (
            f">= {low}" if high == math.inf else f"in [{low}, {high}]")
        raise ValueError(f"{owner}: invalid {name}={value!r}; it must be a number {bound}")


def lerp_(a, b, weight):
    """a += weight * (b - a) in place, rounded like torch.lerp (exact at both ends)."""
    if weight < 0.5:
        a += weight * (b - a)
    else:
        a[...] = b - (b - a) * (1.0 - weight)
    return a


class Optimizer:
    """Base class. `params`: parameters, (name, parameter) pairs (`named_parameters()`,
    so errors name them), or dicts `{"params": [...], "lr": ...}` (parameter groups)."""

    def __init__(self, params, defaults, check_finite=True):
        self.defaults = dict(defaults)
        self.check_finite = check_finite
        self.state = {}            # param index -> {name: array}
        self.param_groups = []
        self._slots = []           # per group: [(index, tensor)], (first index, [values])
        self._names = {}
        self._count = 0
        self._seen = set()
        if isinstance(params, (Tensor, Value)):
            raise TypeError(f"{type(self).__name__} expects an iterable of parameters, "
                            "got a single one: wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; did the "
                             "model's parameters() find nothing?")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _validate(self, group):
        check_range(type(self).__name__, "lr", group["lr"])

    def add_param_group(self, group):
        group = dict(group)
        raw = group.pop("params")
        raw = [raw] if isinstance(raw, (Tensor, Value)) else list(raw)
        unknown = set(group) - set(self.defaults)
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown option(s) {sorted(unknown)} in "
                             f"a parameter group; known: {sorted(self.defaults)}")
        group = {**self.defaults, **group}
        self._validate(group)
        params, tensors, values, first_value = [], [], [], None
        for item in raw:
            name = None
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                name, item = item
            where = name or f"param_groups[{len(self.param_groups)}][{len(params)}]"
            if isinstance(item, Tensor):
                if not item.requires_grad or not item.is_leaf:
                    raise ValueError(f"{type(self).__name__}: parameter {where} must be a "
                                     "leaf Tensor with requires_grad=True (use nn.Parameter)")
            elif not isinstance(item, Value):
                raise TypeError(f"{type(self).__name__}: parameter {where} is a "
                                f"{type(item).__name__}; expected a Tensor or a Value")
            if id(item) in self._seen:
                raise ValueError(f"{type(self).__name__}: parameter {where} appears twice "
                                 "(in one group or in two); give each parameter once")
            self._seen.add(id(item))
            self._names[id(item)] = where
            if isinstance(item, Tensor):
                tensors.append((self._count + len(params), item))
            else:
                if first_value is None:
                    first_value = self._count + len(params)
                values.append(item)
            params.append(item)
        group["params"] = params
        self._count += len(params)
        self.param_groups.append(group)
        self._slots.append((tensors, (first_value, values)))

    def zero_grad(self, set_to_none=True):
        """Tensor grads to None (or zeros), Value grads to 0.0."""
        for group in self.param_groups:
            for p in group["params"]:
                if isinstance(p, Value):
                    p.grad = 0.0
                elif set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. Returns closure() if given."""
        loss = closure() if closure is not None else None
        work = []
        for group, (tensors, (first, values)) in zip(self.param_groups, self._slots):
            for index, p in tensors:
                g = p.grad
                if g is None:
                    continue
                work.append((group, index, p.data, g.data if isinstance(g, Tensor) else g, p))
            if values:
                data = np.fromiter((v.data for v in values), np.float64, len(values))
                grad = np.fromiter((float(v.grad) for v in values), np.float64, len(values))
                work.append((group, first, data, grad, values))
        if self.check_finite:
            for _, _, _, grad, owner in work:
                if not math.isfinite(np.add.reduce(grad, axis=None)) and \
                        not np.isfinite(grad).all():
                    self._raise_nonfinite(grad, owner)
        for group, index, data, grad, owner in work:
            state = self.state.get(index)
            if state is None:
                state = self.state[index] = {}
            self._update(data, grad, state, group)
            if isinstance(owner, list):
                for v, x in zip(owner, data.tolist()):
                    v.data = x
        return loss

    def _raise_nonfinite(self, grad, owner):
        if isinstance(owner, list):
            owner = owner[int(np.argmin(np.isfinite(grad)))]
        bad = np.asarray(grad)[~np.isfinite(grad)].reshape(-1)[0]
        shape = f" of shape {owner.data.shape}" if isinstance(owner, Tensor) else ""
        raise NonFiniteGradientError(
            f"{type(self).__name__}.step(): parameter {self._names[id(owner)]}{shape} has a "
            f"non-finite gradient ({bad}); nothing was updated. Lower the learning rate, "
            "clip gradients (nn.optim.clip_grad_norm_) or find the NaN with "
            "autograd.detect_anomaly()")

    def _update(self, data, grad, state, group):
        raise NotImplementedError

    # --- state -----------------------------------------------------------------------------

    def state_dict(self):
        """{"state": {index: {name: array}}, "param_groups": [{options, "params": [index]}]}
        (copies; indices count parameters across groups in order, as PyTorch)."""
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": list(range(start, start + n))})
            start += n
        state = {i: {k: np.array(v) for k, v in s.items()} for i, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by `state_dict()` (or read back by nn.load)."""
        name = type(self).__name__
        saved_groups = _as_list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has "
                             f"{len(saved_groups)} parameter group(s), this optimizer has "
                             f"{len(self.param_groups)}")
        sizes = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            n = np.asarray(saved["params"]).size
            if n != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {i} has {n} parameters in "
                                 f"the saved state but {len(group['params'])} here")
            sizes.append(n)
        shapes = {}
        for tensors, (first, values) in self._slots:
            shapes.update((i, p.data.shape) for i, p in tensors)
            if values:
                shapes[first] = (len(values),)
        new_state, problems = {}, []
        for key, entry in state_dict["state"].items():
            index = int(key)
            if index not in shapes:
                problems.append(f"state for parameter {index} which has no state slot here")
                continue
            new_state[index] = {}
            for k, v in entry.items():
                arr = np.array(v)
                if k == "step":
                    new_state[index][k] = arr.item()
                    continue
                if arr.shape != shapes[index]:
                    problems.append(f"state[{index}][{k!r}] has shape {arr.shape}, the "
                                    f"parameter has shape {shapes[index]}")
                new_state[index][k] = arr
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems))
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params" and k in group:
                    group[k] = _like(group[k], v)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            opts = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {opts}")
        return "\n".join(lines + [")"])


def _as_list(groups):
    """Groups as a list (nn.load gives nested dicts back with keys "0", "1", ...)."""
    if isinstance(groups, dict):
        return [groups[k] for k in sorted(groups, key=int)]
    return list(groups)


def _like(current, saved):
    """A saved option (maybe a numpy array after nn.load) in the type of the current one."""
    if isinstance(current, tuple):
        return tuple(float(x) for x in np.asarray(saved).reshape(-1))
    if isinstance(current, bool):
        return bool(np.asarray(saved))
    if isinstance(current, (int, float)):
        value = np.asarray(saved).item()
        return float(value) if isinstance(current, float) else value
    return saved
