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

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, NoReturn, TypeAlias, Union, cast

import numpy as np

from ...autograd import Tensor, Value, threads
from ...autograd.backend import Array, device_name, is_device_array, namespace
from ...autograd.devices import on_host
from ...autograd.torch_array import plain, zeros_grad
from ..module import Parameter

#: A parameter an optimizer updates: a leaf Tensor or a micrograd-style Value.
Param: TypeAlias = Union[Tensor, Value]
#: What an optimizer's constructor takes: parameters, (name, parameter) pairs as from
#: `named_parameters()`, or parameter groups `{"params": [...], "lr": ...}`.
Params: TypeAlias = Iterable[Union[Tensor, Value, tuple[str, Union[Tensor, Value]], dict[str, Any]]]
#: One parameter group: its "params" list and its options (lr, momentum, ...).
ParamGroup: TypeAlias = dict[str, Any]
#: One parameter's optimizer state: {name: array or step count}.
ParamState: TypeAlias = dict[str, Any]


class NonFiniteGradientError(FloatingPointError):
    """Raised by `Optimizer.step()` when a gradient holds NaN or inf, before any parameter
    changes, so one bad batch never silently poisons the weights. The message names the
    parameter; pass `check_finite=False` to an optimizer to skip the check."""


class OptimizerStateError(ValueError):
    """`load_state_dict` got a state this optimizer cannot use (the message says which
    key and why); nothing was changed."""


def check_range(
    owner: str,
    name: str,
    value: object,
    low: float = 0.0,
    high: float = math.inf,
    high_open: bool = False,
) -> None:
    """Raise a ValueError naming the optimizer and hyperparameter unless low <= value."""
    ok = (
        isinstance(value, (int, float, np.floating, np.integer))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value
        and (value < high if high_open else value <= high)
    )
    if not ok:
        bound = (
            f"in [{low}, {high})"
            if high_open
            else (f">= {low}" if high == math.inf else f"in [{low}, {high}]")
        )
        raise ValueError(f"{owner}: invalid {name}={value!r}; it must be a number {bound}")


def in_slices(
    rule: Callable[..., None], data: Array, grad: Array, *buffers: Any, **options: Any
) -> None:
    """rule(data, grad, *buffers, **options): an update that is elementwise in its arrays
    (it writes data and its buffers in place), run over the worker threads in matching
    flat slices where the arrays are big, each in cache-sized pieces where it is bigger
    (`autograd.threads.elementwise`), else once."""
    threads.elementwise(partial(rule, **options), data, grad, *buffers, multi_pass=True)


def lerp_(a: Array, b: Array, weight: float) -> Array:
    """a += weight * (b - a) in place, rounded like torch.lerp (exact at both ends)."""
    if weight < 0.5:
        a += weight * (b - a)
    else:
        a[...] = b - (b - a) * (1.0 - weight)
    return a


# PyTorch's options that scratchgrad's optimizers lack, as torch.optim's state_dicts
# carry them: {name: (values load_state_dict accepts, why another value is refused)}.
# foreach, fused and capturable choose torch's kernels, not what a step computes, so any
# of their values is accepted; the others would change the update.
_TORCH_ONLY: dict[str, tuple[tuple[Any, ...], str]] = {
    "maximize": ((False,), "scratchgrad's optimizers minimize; to maximize f, minimize -f"),
    "differentiable": ((False,), "scratchgrad does not backpropagate through an optimizer's step"),
    "foreach": ((None, False, True), ""),
    "fused": ((None, False, True), ""),
    "capturable": ((False, True), ""),
}


def check_torch_only(owner: str, options: Mapping[str, Any]) -> None:
    """torch.optim's kernel and mode options given to a constructor (`fused=`,
    `foreach=`, `maximize=`, ...): those that compute the same step are accepted at any
    value, the others only at their defaults; an unknown name is Python's TypeError."""
    for name, value in options.items():
        if name not in _TORCH_ONLY:
            raise TypeError(f"{owner}.__init__() got an unexpected keyword argument {name!r}")
        accepted, why = _TORCH_ONLY[name]
        if value not in accepted:
            raise NotImplementedError(f"{owner}({name}={value!r}) is not supported: {why}")


def _param_list(owner: str, params: Any) -> list[Any]:
    """The constructor's `params` as a list, refusing the common slips by name."""
    if isinstance(params, (Tensor, Value)):
        raise TypeError(
            f"{owner} expects an iterable of parameters, got a single one: wrap it in a list"
        )
    if callable(params) and not hasattr(params, "__iter__"):
        name = getattr(params, "__name__", "it")
        if hasattr(params, "__self__"):
            raise TypeError(
                f"{owner}: you passed the method model.{name} (of a "
                f"{type(params.__self__).__name__}); call it: model.{name}()"
            )
        raise TypeError(f"{owner}: you passed the function {name}; call it: {name}()")
    if isinstance(params, Mapping):
        if "params" in params:
            raise TypeError(
                f"{owner}: a parameter group goes in a list: "
                f"{owner}([{{'params': ..., 'lr': ...}}])"
            )
        raise TypeError(
            f"{owner} expects parameters, got a dict with keys "
            f"{sorted(map(str, params))[:4]} (a state_dict?); pass "
            "model.parameters()"
        )
    try:
        return list(params)
    except TypeError:
        raise TypeError(
            f"{owner} expects an iterable of parameters such as "
            f"model.parameters(), got {type(params).__name__}"
        ) from None


# the options of PyTorch's optimizers: one given to an optimizer without it is a slip
_OPTION_NAMES = frozenset(
    "lr momentum dampening nesterov weight_decay betas eps amsgrad alpha centered "
    "lr_decay initial_accumulator_value rho momentum_decay decoupled_weight_decay "
    "etas step_sizes lambd t0 max_iter history_size".split()
)


class ParamStates(dict[int, "ParamState"]):
    """The optimizer's state, {parameter index: {name: array}} as its state_dict counts
    them, that also takes the parameter itself as PyTorch's does (`opt.state[p]`: a
    parameter that has no state yet gets an empty dict, as from PyTorch's defaultdict)."""

    def __init__(self) -> None:
        super().__init__()
        self.index_of: dict[int, int] = {}  # id(tensor) -> its index

    def _key(self, key: Any) -> Any:
        return self.index_of.get(id(key), -1) if isinstance(key, Tensor) else key

    def __getitem__(self, key: Any) -> ParamState:
        if isinstance(key, Tensor):
            if id(key) not in self.index_of:
                raise KeyError("this tensor is not one of the optimizer's parameters")
            return self.setdefault(self.index_of[id(key)], {})
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)


class Optimizer:
    """Base class. `params`: parameters, (name, parameter) pairs (`named_parameters()`,
    so errors name them), or dicts `{"params": [...], "lr": ...}` (parameter groups)."""

    def __init__(
        self,
        params: Params,
        defaults: Mapping[str, Any],
        check_finite: bool = True,
        torch_options: Mapping[str, Any] | None = None,
    ) -> None:
        check_torch_only(type(self).__name__, torch_options or {})
        self.defaults = dict(defaults)
        self.check_finite = check_finite
        self.state = ParamStates()  # param index -> {name: array}; also takes the param
        self.param_groups: list[ParamGroup] = []
        # per group: [(index, tensor)], (first index, [values]); the first index is None
        # only when the group has no Values
        self._slots: list[tuple[list[tuple[int, Tensor]], tuple[int | None, list[Value]]]] = []
        self._names: dict[int, str] = {}
        self._count = 0
        self._seen: set[int] = set()
        groups = _param_list(type(self).__name__, params)
        if not groups:
            raise ValueError(
                f"{type(self).__name__} got an empty parameter list; did the "
                "model's parameters() find nothing?"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _validate(self, group: ParamGroup) -> None:
        check_range(type(self).__name__, "lr", group["lr"])

    def add_param_group(self, group: ParamGroup) -> None:
        """Add parameters with their own options, as torch.optim: `{"params": [...],
        "lr": ...}`; options it omits take the constructor's values (`defaults`). Useful
        to train a new layer (unfrozen, appended) at its own learning rate."""
        owner = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(
                f"{owner}: a parameter group is a dict like {{'params': [...], "
                f"'lr': 0.01}}, got {type(group).__name__}; pass either "
                "parameters or groups, not a mix"
            )
        if "params" not in group:
            raise ValueError(
                f"{owner}: a parameter group needs a 'params' entry, got keys "
                f"{sorted(map(str, group))}"
            )
        group = dict(group)
        raw = group.pop("params")
        raw = [raw] if isinstance(raw, (Tensor, Value)) else list(raw)
        for key in sorted(map(str, set(group) - set(self.defaults))):
            # another optimizer's option, or a near miss of ours, is a slip; any other
            # key is a label of yours (e.g. "name"), kept in the group as PyTorch keeps it
            typo = difflib.get_close_matches(key, list(self.defaults), n=1, cutoff=0.8)
            if key in _OPTION_NAMES or typo:
                hint = f"; did you mean {typo[0]!r}?" if typo else ""
                raise ValueError(
                    f"{type(self).__name__}: unknown option(s) [{key!r}] in a parameter "
                    f"group{hint} (known: {sorted(self.defaults)})"
                )
        group = {**self.defaults, **group}
        self._validate(group)
        params: list[Param] = []
        tensors: list[tuple[int, Tensor]] = []
        values: list[Value] = []
        first_value: int | None = None
        for item in raw:
            name = None
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                name, item = item
            where = name or f"param_groups[{len(self.param_groups)}][{len(params)}]"
            if isinstance(item, Tensor):
                # a frozen Parameter (requires_grad_(False)) is kept, as in PyTorch, and
                # skipped while its grad is None; a plain tensor without requires_grad
                # is a forgotten requires_grad=True, which would silently never train
                frozen = isinstance(item, Parameter) and not item.requires_grad
                if not item.is_leaf or not (item.requires_grad or frozen):
                    raise ValueError(
                        f"{type(self).__name__}: parameter {where} must be a "
                        "leaf Tensor with requires_grad=True (use nn.Parameter)"
                    )
            elif not isinstance(item, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {where} is a "
                    f"{type(item).__name__}; expected a Tensor or a Value"
                )
            if id(item) in self._seen:
                raise ValueError(
                    f"{type(self).__name__}: parameter {where} appears twice "
                    "(in one group or in two); give each parameter once"
                )
            self._seen.add(id(item))
            self._names[id(item)] = where
            if isinstance(item, Tensor):
                tensors.append((self._count + len(params), item))
                self.state.index_of[id(item)] = self._count + len(params)
            else:
                if first_value is None:
                    first_value = self._count + len(params)
                values.append(item)
            params.append(item)
        group["params"] = params
        self._count += len(params)
        self.param_groups.append(group)
        self._slots.append((tensors, (first_value, values)))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Tensor grads to None (or zeros), Value grads to 0.0."""
        for group in self.param_groups:
            for p in group["params"]:
                if isinstance(p, Value):
                    p.grad = 0.0
                elif set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = zeros_grad(p._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. Returns closure() if given."""
        loss = closure() if closure is not None else None
        work: list[tuple[ParamGroup, int, Array, Array, Tensor | list[Value]]] = []
        for group, (tensors, (first, values)) in zip(self.param_groups, self._slots):
            for index, p in tensors:
                g = p.grad
                if g is None:
                    continue
                work.append((group, index, p._data, self._checked_grad(p, g), p))
            if values:
                data = np.fromiter((v.data for v in values), np.float64, len(values))
                try:
                    grad = np.fromiter((float(v.grad) for v in values), np.float64, len(values))
                except TypeError:
                    missing = next(v for v in values if v.grad is None)
                    raise ValueError(
                        f"{type(self).__name__}.step(): parameter "
                        f"{self._names[id(missing)]} has grad None; a Value's "
                        "gradient is a number (zero_grad() sets 0.0)"
                    ) from None
                work.append((group, cast(int, first), data, grad, values))
        if self.check_finite:
            self._check_finite([(grad, owner) for _, _, _, grad, owner in work])
        for group, index, data, grad, owner in work:
            state = self.state.get(index)
            if state is None:
                state = self.state[index] = {}
            if isinstance(owner, Tensor):
                owner.edit_in_place(self._update, data, grad, state, group)
                continue
            self._update(data, grad, state, group)
            if isinstance(owner, list):
                for v, x in zip(owner, data.tolist()):
                    v.data = x
        return loss

    def _checked_grad(self, p: Tensor, g: Any) -> Array:
        """The gradient as an array of the parameter's shape: a gradient of another shape
        would broadcast into every row of the update without an error."""
        g = g._data if isinstance(g, Tensor) else plain(g)
        if not hasattr(g, "shape"):  # a number or a list: an array where p lives
            g = namespace(p._data).asarray(g, dtype=p._data.dtype)
        if g.shape != p._data.shape:
            raise ValueError(
                f"{type(self).__name__}.step(): parameter {self._names[id(p)]} "
                f"has shape {p._data.shape} but its gradient {g.shape}; nothing "
                "was updated. Assign a gradient of the parameter's shape"
            )
        return g

    def _check_finite(self, grads: list[tuple[Array, Tensor | list[Value]]]) -> None:
        """Raise before any update if a gradient holds NaN or inf. A sum per gradient is
        the cheap test (a huge but finite sum that overflows is looked at again); on a
        GPU the sums are added there and come back as one number, so the host waits for
        the device once per step, not once per parameter."""
        on_device = [(g, owner) for g, owner in grads if is_device_array(g)]
        if on_device:
            xp = namespace(on_device[0][0])
            total = xp.stack([xp.sum(g, dtype=xp.float64) for g, _ in on_device]).sum()
            if math.isfinite(float(total)):
                grads = [(g, owner) for g, owner in grads if not is_device_array(g)]
        with np.errstate(over="ignore", invalid="ignore"):  # huge but finite is fine
            for grad, owner in grads:
                xp = namespace(grad) if is_device_array(grad) else np
                if not math.isfinite(xp.add.reduce(grad, axis=None)) and not bool(
                    xp.isfinite(grad).all()
                ):
                    self._raise_nonfinite(grad, owner)

    def _raise_nonfinite(self, grad: Array, owner: Tensor | Value | list[Value]) -> NoReturn:
        if isinstance(owner, list):
            owner = owner[int(np.argmin(np.isfinite(grad)))]
        bad = np.asarray(on_host(grad))[~np.isfinite(on_host(grad))].reshape(-1)[0]
        shape = f" of shape {owner._data.shape}" if isinstance(owner, Tensor) else ""
        raise NonFiniteGradientError(
            f"{type(self).__name__}.step(): parameter {self._names[id(owner)]}{shape} has a "
            f"non-finite gradient ({bad}); nothing was updated. Lower the learning rate, "
            "clip gradients (nn.optim.clip_grad_norm_) or find the NaN with "
            "autograd.detect_anomaly()"
        )

    def _update(self, data: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        """The update rule: change `data` in place from `grad`, keeping what it needs
        between steps in `state` (each subclass writes its own)."""
        raise NotImplementedError

    # --- state -----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: array}}, "param_groups": [{options, "params": [index]}]}
        (copies; indices count parameters across groups in order, as PyTorch)."""
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append(
                {
                    **{k: v for k, v in group.items() if k != "params"},
                    "params": list(range(start, start + n)),
                }
            )
            start += n
        state = {i: {k: _host(v) for k, v in s.items()} for i, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore options and state saved by `state_dict()` (or read back by nn.load),
        or by the same torch.optim optimizer (its tensors as they are or as numpy arrays;
        its extra options, such as maximize or foreach, at values that compute the same
        update, see `_torch_only_options`).

        Everything is checked before anything changes: the options go through the same
        `_validate` as the constructor's, so a crafted or mismatched state cannot set
        lr=nan or leave half-loaded state; problems raise `OptimizerStateError`."""
        where = f"{type(self).__name__}.load_state_dict"
        state_dict = _mapping(where, "the state_dict", state_dict)
        extra = sorted(map(str, set(state_dict) - {"state", "param_groups"}))
        if extra:
            raise OptimizerStateError(
                f"{where}: unexpected key(s) {extra}; an optimizer "
                "state_dict has only 'state' and 'param_groups'"
            )
        options = self._loaded_options(where, _entry(where, state_dict, "param_groups"))
        # no "state" is no state yet: older .npz checkpoints could not store an empty dict
        state = self._loaded_state(where, state_dict.get("state", {}), options)
        for group, loaded in zip(self.param_groups, options):
            group.update(loaded)
        self.state.clear()
        self.state.update(self._on_parameter_devices(state))

    def _on_parameter_devices(self, state: dict[int, ParamState]) -> dict[int, ParamState]:
        """Loaded state (numpy arrays) moved to the device of the parameter it belongs
        to, as PyTorch's load_state_dict casts it to the parameter's device."""
        from ...autograd.devices import Device, move_array

        for tensors, _ in self._slots:
            for i, p in tensors:
                if i in state and is_device_array(p._data):
                    target = Device(device_name(p._data))
                    state[i] = {
                        k: move_array(v, target) if isinstance(v, np.ndarray) else v
                        for k, v in state[i].items()
                    }
        return state

    def _torch_only_options(self) -> dict[str, tuple[tuple[Any, ...], str]]:
        """{option: (accepted values, why others are refused)} for the options torch.optim
        keeps and this optimizer does not. Adam and AdamW (which set `_decoupled`) also
        get torch's decoupled_weight_decay, which tells their two updates apart."""
        options = dict(_TORCH_ONLY)
        decoupled = getattr(self, "_decoupled", None)
        if decoupled is not None:
            other = "Adam" if decoupled else "AdamW"
            options["decoupled_weight_decay"] = (
                (decoupled,),
                f"that is {other}'s update: load this state into nn.optim.{other}"
                + ("" if decoupled else " (or Adam(..., decoupled_weight_decay=True))"),
            )
        return options

    def _state_keys(self, group: ParamGroup) -> tuple[set[str], set[str] | None]:
        """(required, allowed) names of a parameter's non-empty state under `group`'s
        options; allowed=None accepts any name (subclasses that do not say)."""
        return set(), None

    def _loaded_options(self, where: str, saved: object) -> list[dict[str, Any]]:
        """One validated options dict per group, in the current options' types."""
        saved = _as_list(where, saved)
        if len(saved) != len(self.param_groups):
            raise OptimizerStateError(
                f"{where}: the saved state has {len(saved)} parameter "
                f"group(s), this optimizer has {len(self.param_groups)}"
            )
        out: list[dict[str, Any]] = []
        start = 0
        for i, (entry, group) in enumerate(zip(saved, self.param_groups)):
            here = f"param_groups[{i}]"
            entry = _mapping(where, here, entry)
            n = len(group["params"])
            _check_indices(where, i, _entry(where, entry, "params", here), start, n)
            # initial_lr is what a scheduler adds to its groups: either side may lack it
            torch_only = self._torch_only_options()
            unknown = sorted(
                map(str, set(entry) - set(group) - set(torch_only) - {"initial_lr", "param_names"})
            )
            if unknown:
                raise OptimizerStateError(
                    f"{where}: {here} has unknown option(s) {unknown}; "
                    f"{type(self).__name__} knows {sorted(self.defaults)}"
                )
            options = {
                k: _like(where, f"{here}[{k!r}]", v, _entry(where, entry, k, here))
                for k, v in group.items()
                if k != "params" and (k != "initial_lr" or k in entry)
            }
            if "initial_lr" in entry and "initial_lr" not in group:
                options["initial_lr"] = _like(
                    where, f"{here}['initial_lr']", group["lr"], entry["initial_lr"]
                )
            if "initial_lr" in options and not (
                math.isfinite(options["initial_lr"]) and options["initial_lr"] >= 0
            ):
                _bad(where, f"{here}['initial_lr']", options["initial_lr"])
            _check_torch_only(where, here, entry, torch_only, type(self).__name__)
            if "param_names" in entry:
                _check_param_names(where, here, entry["param_names"], n)
            try:
                self._validate({**group, **options})
            except ValueError as err:
                raise OptimizerStateError(f"{where}: {here}: {err}") from None
            out.append(options)
            start += n
        return out

    def _slot_specs(self) -> dict[int, tuple[tuple[int, ...], np.dtype[Any], int]]:
        """param index -> (shape, dtype, group number) of the state it may hold."""
        specs: dict[int, tuple[tuple[int, ...], np.dtype[Any], int]] = {}
        for g, (tensors, (first, values)) in enumerate(self._slots):
            specs.update((i, (p._data.shape, p._data.dtype, g)) for i, p in tensors)
            if values:
                specs[cast(int, first)] = ((len(values),), np.dtype(np.float64), g)
        return specs

    def _loaded_state(
        self, where: str, saved: object, options: list[dict[str, Any]]
    ) -> dict[int, ParamState]:
        """{index: {name: array}} checked against this optimizer's parameters."""
        saved = _mapping(where, "state", saved)
        specs = self._slot_specs()
        new: dict[int, ParamState] = {}
        problems: list[str] = []
        for key, entry in saved.items():
            index = _index(key)
            if index is None or index not in specs:
                problems.append(
                    f"state key {key!r} is not the index of a parameter with a "
                    f"state slot here (those are {sorted(specs)})"
                )
                continue
            shape, dtype, g = specs[index]
            group = {**self.param_groups[g], **options[g]}
            loaded = self._loaded_entry(
                index, _mapping(where, f"state[{key!r}]", entry), shape, dtype, group, problems
            )
            if loaded:
                new[index] = loaded
        if problems:
            raise OptimizerStateError(f"{where}: " + "; ".join(problems))
        return new

    def _loaded_entry(
        self,
        index: int,
        entry: Mapping[Any, Any],
        shape: tuple[int, ...],
        dtype: np.dtype[Any],
        group: ParamGroup,
        problems: list[str],
    ) -> ParamState:
        required, allowed = self._state_keys(group)
        here, name = f"state[{index}]", type(self).__name__
        out: ParamState = {}
        # None is a buffer not made yet (older torch SGD saved momentum_buffer=None)
        entry = {k: v for k, v in entry.items() if v is not None}
        for k, v in entry.items():
            if allowed is not None and k not in allowed:
                problems.append(
                    f"{here} has {k!r}, which {name} does not keep (it keeps "
                    f"{sorted(allowed)}); was it saved from another optimizer?"
                )
            elif k == "step":
                out[k] = _step(here, v, problems)
            else:
                out[k] = _state_array(f"{here}[{k!r}]", v, shape, dtype, problems)
        lacking = sorted(required - set(entry)) if entry else []
        if lacking:
            problems.append(
                f"{here} lacks {lacking} (with these options {name} keeps {sorted(required)})"
            )
        return out

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            opts = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {opts}")
        return "\n".join(lines + [")"])


def _mapping(where: str, what: str, obj: object) -> Mapping[Any, Any]:
    if not isinstance(obj, Mapping):
        raise OptimizerStateError(
            f"{where}: expected {what} to be a dict, got {type(obj).__name__}"
        )
    return obj


def _entry(where: str, mapping: Mapping[Any, Any], key: str, what: str = "the state_dict") -> Any:
    """mapping[key], or an error naming the missing key (not a bare KeyError)."""
    if key not in mapping:
        raise OptimizerStateError(
            f"{where}: {what} has no {key!r} entry; pass a dict made "
            "by optimizer.state_dict() (or read back by nn.load)"
        )
    return mapping[key]


def _as_list(where: str, groups: object) -> list[Any]:
    """Groups as a list (older .npz checkpoints gave lists back as dicts keyed "0", "1",
    ...)."""
    if isinstance(groups, Mapping):
        indices = {_index(k): k for k in groups}
        if sorted(indices, key=lambda i: -1 if i is None else i) != list(range(len(groups))):
            raise OptimizerStateError(
                f"{where}: param_groups has keys {list(groups)}; expected 0 .. {len(groups) - 1}"
            )
        return [groups[indices[i]] for i in range(len(groups))]
    if not isinstance(groups, (list, tuple)):
        raise OptimizerStateError(
            f"{where}: param_groups must be a list of dicts, got {type(groups).__name__}"
        )
    return list(groups)


def _index(key: object) -> int | None:
    """A parameter index from a state key (an int, or its str from an older .npz
    checkpoint), else None."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    if isinstance(key, str) and key.isdigit() and key.isascii() and str(int(key)) == key:
        return int(key)
    return None


def _check_indices(where: str, i: int, saved: object, start: int, n: int) -> None:
    """A group's saved "params" must be the indices state_dict() wrote for it."""
    indices = np.asarray(saved)
    if indices.size != n:
        raise OptimizerStateError(
            f"{where}: group {i} has {indices.size} parameters in the saved state but {n} here"
        )
    if n and (
        indices.dtype.kind not in "iu"
        or indices.ndim != 1
        or indices.tolist() != list(range(start, start + n))
    ):
        raise OptimizerStateError(
            f"{where}: param_groups[{i}]['params'] is "
            f"{np.array2string(indices, threshold=8)}; expected the "
            f"indices {start} .. {start + n - 1}"
        )


def _check_torch_only(
    where: str,
    here: str,
    entry: Mapping[Any, Any],
    torch_only: dict[str, tuple[tuple[Any, ...], str]],
    name: str,
) -> None:
    """PyTorch's extra options in a saved group: accepted where they change nothing."""
    for option, (accepted, why) in torch_only.items():
        if option not in entry:
            continue
        value = entry[option]
        arr = None if value is None else np.asarray(value)
        if arr is not None and (arr.shape != () or arr.dtype.kind != "b"):
            _bad(where, f"{here}[{option!r}]", value)
        value = None if arr is None else bool(arr)
        if value not in accepted and not why:
            _bad(where, f"{here}[{option!r}]", value)
        if value not in accepted:
            raise OptimizerStateError(
                f"{where}: {here} has {option}={value!r}, which {name} does not support; {why}"
            )


def _check_param_names(where: str, here: str, names: object, n: int) -> None:
    """torch.optim keeps the parameters' names when given named_parameters()."""
    if (
        not isinstance(names, (list, tuple))
        or len(names) != n
        or not all(isinstance(x, str) for x in names)
    ):
        raise OptimizerStateError(
            f"{where}: {here}['param_names'] must be a list of {n} names, got {names!r}"[:300]
        )


def _step(here: str, value: object, problems: list[str]) -> int:
    """A step count: a whole number >= 0 (it is an exponent in the bias corrections)."""
    arr = np.asarray(value)
    ok = (
        arr.shape == ()
        and arr.dtype.kind in "iuf"
        and np.isfinite(arr)
        and arr >= 0
        and float(arr).is_integer()
    )
    if not ok:
        problems.append(f"{here}['step'] is {value!r}; expected a whole number >= 0")
        return 0
    return int(arr)


def _state_array(
    here: str, value: object, shape: tuple[int, ...], dtype: np.dtype[Any], problems: list[str]
) -> Array:
    """A copy in the parameter's dtype (in-place updates need it), if the shape fits."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        problems.append(f"{here} has dtype {arr.dtype}; expected numbers")
        return arr
    if arr.shape != shape:
        problems.append(f"{here} has shape {arr.shape}, the parameter has shape {shape}")
        return arr
    return np.array(arr, dtype=dtype)


def _like(where: str, here: str, current: object, saved: object) -> Any:
    """A saved option (maybe a 0-d array from an older .npz checkpoint, or a torch
    tensor) in the type of the current one; its value is checked afterwards by the
    optimizer's `_validate`."""
    arr = np.asarray(saved)
    if isinstance(current, tuple):
        ok = arr.dtype.kind in "iuf" and arr.ndim <= 1
        return tuple(float(x) for x in arr.reshape(-1)) if ok else _bad(where, here, saved)
    if isinstance(current, bool):
        ok = arr.shape == () and arr.dtype.kind in "biu" and arr.item() in (0, 1)
        return bool(arr) if ok else _bad(where, here, saved)
    if isinstance(current, (int, float)):
        if arr.shape != () or arr.dtype.kind not in "iuf":
            return _bad(where, here, saved)
        return float(arr) if isinstance(current, float) else arr.item()
    return saved


def _bad(where: str, here: str, saved: object) -> NoReturn:
    raise OptimizerStateError(
        f"{where}: {here} is {saved!r}, which is not a valid value for this option"
    )


def _host(value: Any) -> Array:
    """A copy of an optimizer-state entry on the host (a state_dict is for saving)."""
    if is_device_array(value):
        from ...autograd.devices import Device, move_array

        return np.array(move_array(value, Device("cpu")))
    return np.array(value)
