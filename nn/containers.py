"""Containers of modules, with PyTorch's names and `state_dict` keys.

    Sequential(*modules)            children "0", "1", ...; forward runs them in order
    Sequential(OrderedDict(...))    children under your names
    ModuleList([...])               a list whose modules are registered ("layers.0.weight")
    ModuleDict({...})               a dict whose modules are registered ("heads.cls.bias")

A plain Python list or dict of modules is registered too (scratchgrad finds parameters in
any attribute), but these give PyTorch's code its own names and methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, overload

from ..autograd import Tensor
from .module import Module, Parameter

if TYPE_CHECKING:
    from typing_extensions import Self


def _checked(owner: str, module: object) -> Module:
    if not isinstance(module, Module):
        raise TypeError(
            f"{owner} holds Modules, got {type(module).__name__}; wrap functions "
            "in a Module (e.g. nn.ReLU() instead of F.relu)"
        )
    return module


def _as_parameter(owner: str, value: Any) -> Any:
    """A ParameterList's or ParameterDict's entry: a Parameter, or a tensor or array made
    one (as PyTorch wraps a plain tensor)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.data, requires_grad=value.requires_grad)
    try:
        return Parameter(value)
    except TypeError:
        raise TypeError(f"{owner} holds Parameters, got {type(value).__name__}") from None


class _Ordered(Module):
    """Children in order, each also an attribute under its name (so `_walk` finds them
    and `state_dict` names them "<name>.weight")."""

    _internal = Module._internal | {"_seq", "_names"}
    _seq: list[Any]
    _names: list[str]
    _holds: type = Module  # what the children are (ParameterList: Parameters)

    def _check(self, item: object) -> Any:
        if self._holds is Parameter:
            return _as_parameter(type(self).__name__, item)
        return _checked(type(self).__name__, item)

    def _reset(self, pairs: Iterable[tuple[object, object]]) -> None:
        """Replace every child by `pairs` (name, module), in that order."""
        checked = [(str(name), self._check(m)) for name, m in pairs]
        for name in getattr(self, "_names", ()):
            object.__delattr__(self, name)
        self._seq, self._names = [], []
        for name, module in checked:
            self._add(name, module)

    def _add(self, name: str, module: Module) -> None:
        self._check_new_name(name, "module")
        setattr(self, name, module)

    def __setattr__(self, name: str, value: Any) -> None:
        """A module set as an attribute (`add_module`, `setattr(seq, "1", m)`) is a child
        in order, as PyTorch's `_modules`: a new name goes last, a known one is replaced
        where it stands, and one set to something else leaves the order."""
        super().__setattr__(name, value)
        if name in self._internal:
            return
        if "_names" not in vars(self):
            self._seq, self._names = [], []
        if name in self._names:
            at = self._names.index(name)
            if isinstance(value, self._holds):
                self._seq[at] = value
            else:
                del self._seq[at], self._names[at]
        elif isinstance(value, self._holds):
            self._seq.append(value)
            self._names.append(name)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name in getattr(self, "_names", ()):
            at = self._names.index(name)
            del self._seq[at], self._names[at]

    def _renumbered(self, modules: Iterable[Module]) -> None:
        self._reset((str(i), m) for i, m in enumerate(modules))

    def _index(self, index: int) -> int:
        if not -len(self._seq) <= index < len(self._seq):
            raise IndexError(
                f"index {index} is out of range for a {type(self).__name__} of "
                f"{len(self._seq)} modules"
            )
        return index % len(self._seq)

    def __len__(self) -> int:
        return len(self._seq)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._seq)

    def __setitem__(self, index: int, module: Module) -> None:
        i = self._index(index)
        modules = list(self._seq)
        modules[i] = self._check(module)
        self._reset(zip(list(self._names), modules))

    def __delitem__(self, index: int | slice) -> None:
        """Remove one child (or a slice); the rest are renumbered 0, 1, ... (PyTorch)."""
        keep = list(self._seq)
        del keep[index if isinstance(index, slice) else self._index(index)]
        self._renumbered(keep)

    def append(self, module: Module) -> Self:
        """Add a module at the end, named by the next number. Returns self."""
        numbers = [int(n) for n in self._names if n.isdigit()]
        self._add(
            str(max(numbers) + 1 if numbers else len(self._seq)),
            self._check(module),
        )
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        """Append each of `modules` in turn (named by the next numbers). Returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index`; the children are renumbered 0, 1, ..."""
        modules = list(self._seq)
        modules.insert(index, self._check(module))
        self._renumbered(modules)


class Sequential(_Ordered):
    """Modules applied in order; children are named "0", "1", ... like PyTorch (or by the
    keys of an OrderedDict / dict given as the only argument)."""

    def __init__(self, *modules: Any) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            self._reset(modules[0].items())
            return
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        self._renumbered(modules)

    def forward(self, x: Any) -> Any:
        """Each child applied to the previous one's output, in order."""
        for module in self._seq:
            x = module(x)
        return x

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module | Sequential:
        """One child, or a Sequential of a slice that keeps the children's names (as
        PyTorch: model[2:]'s first child is still "2", so state_dict keys still match)."""
        if isinstance(index, slice):
            return Sequential(dict(zip(self._names[index], self._seq[index])))
        return self._seq[self._index(index)]

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of this one's modules, then `other`'s (renumbered from 0)."""
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential + {type(other).__name__}: add another Sequential")
        return Sequential(*self._seq, *other._seq)

    def pop(self, index: int = -1) -> Module:
        """Remove the module at `index` (the last by default) and return it."""
        module = self._seq[self._index(index)]
        del self[index]
        return module


class ModuleList(_Ordered):
    """A list of modules whose parameters the owner finds, named "<attr>.0.weight", ...;
    it has no forward: loop over it in yours (`for layer in self.layers: x = layer(x)`)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._renumbered(() if modules is None else modules)

    def _repr_lines(self) -> list[str]:
        """PyTorch's printed form: a run of children that print the same is one entry,
        `(0-5): 6 x Layer(...)` (a stack of copied transformer layers stays short)."""
        runs: list[list[Any]] = []  # [first name, last name, the child's lines]
        for name, child in self.named_children():
            lines = child._repr_lines()
            if runs and runs[-1][2] == lines:
                runs[-1][1] = name
            else:
                runs.append([name, name, lines])
        if not runs:
            return super()._repr_lines()
        shown = [f"{type(self).__name__}("]
        for first, last, lines in runs:
            count = int(last) - int(first) + 1
            label = f"({first}-{last}): {count} x " if count > 1 else f"({first}): "
            shown.append("  " + label + lines[0])
            shown.extend("  " + line for line in lines[1:])
        return shown + [")"]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: a ModuleList only holds modules; call them in your own forward."""
        raise NotImplementedError(
            "ModuleList has no forward(); loop over it in your "
            "module's forward, or use nn.Sequential to chain modules"
        )

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...
    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        """One module, or a ModuleList of a slice (renumbered from 0)."""
        if isinstance(index, slice):
            return ModuleList(self._seq[index])
        return self._seq[self._index(index)]

    def __iadd__(self, modules: Iterable[Module]) -> Self:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self._seq) + list(other))


class ModuleDict(Module):
    """A dict of modules (keys are strings without "."), in insertion order, registered
    like attributes: `self.heads = nn.ModuleDict({"cls": ..., "box": ...})` gives
    state_dict keys "heads.cls.weight", ..."""

    _internal = Module._internal | {"_keys"}

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        self._keys: list[str] = []
        if modules is not None:
            self.update(modules)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: a ModuleDict only holds modules; call them in your own forward."""
        raise NotImplementedError(
            "ModuleDict has no forward(); call its modules in your "
            "module's forward (self.heads['cls'](x))"
        )

    def __getitem__(self, key: str) -> Module:
        if key not in self._keys:
            raise KeyError(f"ModuleDict has no key {key!r}; its keys are {self._keys}")
        return getattr(self, key)

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _checked("ModuleDict", module))
        if key not in self._keys:
            self._keys.append(key)

    def __delitem__(self, key: str) -> None:
        self[key]  # the KeyError for a missing key
        object.__delattr__(self, key)
        self._keys.remove(key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._keys)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return [getattr(self, k) for k in self._keys]

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs, in insertion order."""
        return [(k, getattr(self, k)) for k in self._keys]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) the modules of a dict or of (key, module) pairs, as dict.update."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key: str) -> Module:
        """Remove the module under `key` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._keys):
            del self[key]


class ParameterList(_Ordered):
    """A list of parameters the owner trains and saves ("<attr>.0", "<attr>.1", ...); a
    tensor or array put in becomes a Parameter, as in PyTorch."""

    _holds = Parameter

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        self._renumbered(() if values is None else values)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: a ParameterList only holds parameters; use them in your forward."""
        raise NotImplementedError("ParameterList has no forward(); use its parameters in yours")

    def __getitem__(self, index: int | slice) -> Any:
        """One parameter, or a ParameterList of a slice (renumbered from 0)."""
        if isinstance(index, slice):
            return ParameterList(self._seq[index])
        return self._seq[self._index(index)]

    def __iadd__(self, values: Iterable[Any]) -> Self:
        return self.extend(values)


class ParameterDict(ModuleDict):
    """A dict of parameters the owner trains and saves ("<attr>.<key>")."""

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter("ParameterDict", value))
        if key not in self._keys:
            self._keys.append(key)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: a ParameterDict only holds parameters; use them in your forward."""
        raise NotImplementedError("ParameterDict has no forward(); use its parameters in yours")
