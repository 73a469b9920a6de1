"""PyTorch's `module._modules`, `_parameters` and `_buffers`: dicts of a module's own
sub-modules, parameters and buffers by name.

A scratchgrad module keeps these as plain attributes (`self.fc = Linear(...)` is the whole
registration), so these are live views of the attributes, not copies: code written
against PyTorch's internals reads them (`for block in self._modules.values()`) and writes
through them (d2l's `MySequential`: `self._modules[str(i)] = module` registers module i).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .module import Module


class MemberView(MutableMapping[str, Any]):
    """A module's own members of one kind ("module", "param" or "buffer"), by name."""

    def __init__(self, owner: Module, kind: str) -> None:
        self._owner, self._kind = owner, kind

    def _names(self) -> list[str]:
        from .module import Module, _is_param

        owner = self._owner
        if self._kind == "buffer":
            return list(owner._buffer_names)
        wanted = (lambda v: isinstance(v, Module)) if self._kind == "module" else _is_param
        return [
            name
            for name, value in vars(owner).items()
            if name not in owner._internal and name not in owner._buffer_names and wanted(value)
        ]

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        return getattr(self._owner, name)

    def __setitem__(self, name: str, value: Any) -> None:
        owner = self._owner
        if self._kind == "buffer":
            owner.register_buffer(name, value)
        elif name in vars(owner):  # replacing one (PyTorch allows it): checked, then set
            self._check(value)
            setattr(owner, name, value)
        elif self._kind == "module":
            owner.add_module(name, value)
        else:
            owner.register_parameter(name, value)

    def _check(self, value: Any) -> None:
        from .module import Module, Parameter

        kind = Module if self._kind == "module" else Parameter
        if value is not None and not isinstance(value, kind):
            raise TypeError(
                f"_{self._kind}s[...] takes a {kind.__name__} or None, got {type(value).__name__}"
            )

    def __delitem__(self, name: str) -> None:
        if name not in self._names():
            raise KeyError(name)
        owner = self._owner
        if self._kind == "buffer":
            owner._buffer_names = tuple(n for n in owner._buffer_names if n != name)
            owner._nonpersistent = tuple(n for n in owner._nonpersistent if n != name)
        delattr(owner, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return repr(dict(self.items()))
