"""`Module` and `Parameter`: models that find their own parameters.

A module's parameters are whatever it holds as attributes: `Parameter`s (and, for
micrograd-style models, leaf `Value`s), sub-modules, and lists / tuples / dicts of
those. Names are dotted attribute paths (`"layers.0.weight"`), as in PyTorch, and a
parameter shared by two layers is listed once. Buffers (`register_buffer`) are arrays
that belong in the `state_dict` but are not trained (BatchNorm's running statistics).
"""
from collections import namedtuple

import numpy as np

from ..autograd import Tensor, Value, name_scope

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(KeyError):
    """`load_state_dict` found missing, unexpected or mis-shaped keys (all listed)."""

    def __str__(self):
        return self.args[0]


class Parameter(Tensor):
    """A Tensor that a `Module` trains: it requires grad and is found by `parameters()`."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None, label=""):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, label=label)

    def __repr__(self):
        return "Parameter" + super().__repr__()[len("Tensor"):]


def _is_param(obj):
    return isinstance(obj, Parameter) or (isinstance(obj, Value) and obj._fn is None
                                          and obj.requires_grad)


def _walk(prefix, obj):
    """(kind, name, object) for parameters and modules inside one attribute."""
    if _is_param(obj):
        yield "param", prefix, obj
    elif isinstance(obj, Module):
        yield "module", prefix, obj
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(f"{prefix}.{i}", item)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk(f"{prefix}.{key}", item)


class Module:
    """Base class: subclasses set attributes in `__init__` and define `forward`.

    `module(x)` runs `forward(x)` inside `autograd.name_scope(name)`, where name is
    "<attribute path>: <class>" (e.g. "fc1: Linear", "0: Linear") for a sub-module and
    the class name for the root, so drawings group each module's nodes into a cluster.
    """

    training = True
    _scope_name = None
    _buffer_names = ()
    _internal = frozenset({"training", "_scope_name", "_buffer_names"})

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define "
                                  "forward(self, x) in your Module subclass")

    def __call__(self, *args, **kwargs):
        with name_scope(self._scope_name or type(self).__name__):
            return self.forward(*args, **kwargs)

    def __setattr__(self, name, value):
        if name not in self._internal:
            for kind, path, obj in _walk(name, value):
                if kind == "module" and obj._scope_name is None:
                    object.__setattr__(obj, "_scope_name", f"{path}: {type(obj).__name__}")
        object.__setattr__(self, name, value)

    def register_buffer(self, name, array):
        """Keep `array` as `self.<name>`: saved in `state_dict`, never trained."""
        self._buffer_names = tuple(self._buffer_names) + (name,)
        object.__setattr__(self, name, array)

    # --- discovery ----------------------------------------------------------------------

    def _members(self):
        for name, value in vars(self).items():
            if name not in self._internal and name not in self._buffer_names:
                yield from _walk(name, value)

    def named_children(self):
        seen = set()
        for kind, name, obj in self._members():
            if kind == "module" and id(obj) not in seen:
                seen.add(id(obj))
                yield name, obj

    def children(self):
        return [m for _, m in self.named_children()]

    def named_modules(self, prefix=""):
        """This module and every sub-module, depth first, each once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self):
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix=""):
        seen = set()
        for mname, module in self.named_modules(prefix):
            for kind, name, obj in module._members():
                if kind == "param" and id(obj) not in seen:
                    seen.add(id(obj))
                    yield (f"{mname}.{name}" if mname else name), obj

    def parameters(self):
        """Every trainable parameter, once, as a list (micrograd and PyTorch style)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        for mname, module in self.named_modules():
            for name in module._buffer_names:
                yield (f"{mname}.{name}" if mname else name), getattr(module, name)

    def num_parameters(self):
        return sum(p.data.size if isinstance(p, Tensor) else 1 for p in self.parameters())

    # --- modes and gradients --------------------------------------------------------------

    def train(self, mode=True):
        """Training mode (Dropout drops, BatchNorm uses batch statistics). Returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train(mode) expects True or False, got {mode!r}")
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        """Tensor grads back to None (PyTorch's default), Value grads back to 0.0."""
        for p in self.parameters():
            p.grad = p._grad_init

    # --- state ---------------------------------------------------------------------------

    def _state_entries(self, prefix="", path=()):
        """(kind, dotted name, object) in PyTorch's state_dict order: each module's own
        parameters, then its buffers, then its children. A module or parameter shared
        under two names appears under both (so PyTorch's state_dicts of tied models load);
        `parameters()` still lists it once."""
        if id(self) in path:           # a child pointing back at its parent: not state
            return
        members = list(self._members())
        for kind, name, obj in members:
            if kind == "param":
                yield "param", prefix + name, obj
        for name in self._buffer_names:
            yield "buffer", prefix + name, getattr(self, name)
        for kind, name, obj in members:
            if kind == "module":
                yield from obj._state_entries(f"{prefix}{name}.", path + (id(self),))

    def state_dict(self):
        """{dotted name: ndarray copy} of parameters and buffers: a snapshot, so later
        training does not change a state you kept as "the best so far"."""
        copies = {}                    # one copy per object, shared by its aliases
        return {name: copies.setdefault(id(obj), np.array(obj.data if kind == "param"
                                                          else obj))
                for kind, name, obj in self._state_entries()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into the parameters and buffers in place (optimizers keep working).

        Raises `StateDictError` naming every missing / unexpected key (when `strict`) and
        every shape mismatch (always). Returns (missing_keys, unexpected_keys).
        """
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict of name "
                            f"-> array (e.g. nn.load(path)), got {type(state_dict).__name__}")
        entries = list(self._state_entries())
        targets = {name: obj for kind, name, obj in entries if kind == "param"}
        buffers = {name: obj for kind, name, obj in entries if kind == "buffer"}
        # a tied parameter is loaded once, from whichever of its names the dict has (older
        # checkpoints saved it under one name only)
        given = {id(obj) for kind, name, obj in entries if name in state_dict}
        missing = [name for kind, name, obj in entries
                   if name not in state_dict and id(obj) not in given]
        unexpected = [k for k in state_dict if k not in targets and k not in buffers]
        problems = []
        if strict:
            problems += [f"missing key {k!r} (shape {_shape(targets.get(k, buffers.get(k)))})"
                         for k in missing]
            problems += [f"unexpected key {k!r} (shape {np.shape(state_dict[k])})"
                         for k in unexpected]
        for k, target in list(targets.items()) + list(buffers.items()):
            if k in state_dict:
                arr = np.asarray(state_dict[k])
                if arr.dtype.kind not in "fiub":
                    problems.append(f"key {k!r} has dtype {arr.dtype}; expected numbers")
                elif arr.shape != _shape(target):
                    problems.append(f"key {k!r} has shape {arr.shape} in the checkpoint but "
                                    f"{_shape(target)} in the model")
        first_name = {}                 # aliases of one tied parameter must agree
        for kind, name, obj in entries:
            other = first_name.setdefault(id(obj), name) if name in state_dict else name
            if other != name and not problems and not np.array_equal(
                    np.asarray(state_dict[other]), np.asarray(state_dict[name])):
                problems.append(f"keys {other!r} and {name!r} name one shared parameter but "
                                "hold different values")
        if problems:
            raise StateDictError(f"cannot load state_dict into {type(self).__name__}: "
                                 + "; ".join(problems) + ". Fix: build the model with the "
                                 "same layer sizes, or pass strict=False to skip "
                                 "missing/unexpected keys")
        nonfinite = [k for k in list(targets) + list(buffers) if k in state_dict and
                     np.asarray(state_dict[k]).dtype.kind == "f" and
                     not np.isfinite(np.asarray(state_dict[k])).all()]
        if nonfinite:                   # allowed (a diverged run is worth inspecting)
            import warnings
            warnings.warn(f"{type(self).__name__}.load_state_dict: {nonfinite} hold NaN or "
                          "inf; the model will output NaN. Load an earlier checkpoint to "
                          "resume training", RuntimeWarning, stacklevel=2)
        for k, target in targets.items():
            if k in state_dict:
                if isinstance(target, Value):
                    target.data = float(np.asarray(state_dict[k]))
                else:
                    target.copy_(state_dict[k])
        for k, target in buffers.items():
            if k in state_dict:
                target[...] = state_dict[k]
        return IncompatibleKeys(missing, unexpected)

    # --- printing ------------------------------------------------------------------------

    def extra_repr(self):
        return ""

    def _own_param_count(self):
        return sum(p.data.size if isinstance(p, Tensor) else 1
                   for kind, _, p in self._members() if kind == "param")

    def _repr_lines(self):
        kids = list(self.named_children())
        own = self._own_param_count()
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not kids:
            return [head + ")" + (f"  # {own:,} params" if own else "")]
        lines = [head + (f"  # {own:,} own params" if own else "")]
        for name, child in kids:
            sub = child._repr_lines()
            lines.append(f"  ({name}): {sub[0]}")
            lines.extend("  " + line for line in sub[1:])
        lines.append(")")
        return lines

    def __repr__(self):
        lines = self._repr_lines()
        if len(lines) > 1:
            lines.append(f"Total parameters: {self.num_parameters():,}")
        return "\n".join(lines)


def _shape(x):
    return np.shape(x.data) if isinstance(x, (Tensor, Value)) else np.shape(x)
