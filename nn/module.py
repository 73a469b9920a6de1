"""`Module` and `Parameter`: models that find their own parameters.

A module's parameters are whatever it holds as attributes: `Parameter`s (and, for
micrograd-style models, leaf `Value`s), sub-modules, and lists / tuples / dicts of
those. Names are dotted attribute paths (`"layers.0.weight"`), as in PyTorch, and a
parameter shared by two layers is listed once. Buffers (`register_buffer`) are arrays
(or Tensors) that belong in the `state_dict` but are not trained (BatchNorm's running
statistics). `to(dtype)` / `double()` / `float()` convert a model in place, as PyTorch's;
devices go through one method, `_to_device` (numpy on the CPU, CuPy on a GPU).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

import numpy as np
from numpy.typing import DTypeLike

from ..autograd import Device, Tensor, Value, name_scope
from ..autograd.backend import DEFAULT_DEVICE, Array, ArrayLike, device_name, is_device_array
from ..autograd.devices import move_array, on_host
from ..autograd.torch_array import as_grad, zeros_grad
from .dtypes import float_dtype
from .module_views import MemberView

if TYPE_CHECKING:
    from typing_extensions import Self

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


_T = TypeVar("_T")


class Listing(list[_T]):
    """What `parameters()`, `buffers()`, `children()` and `modules()` return: a list, for
    micrograd's `len(model.parameters())` and indexing, that `next()` also walks, for
    PyTorch's generators (`next(model.parameters()).device`)."""

    _at = 0

    def __next__(self) -> _T:
        if self._at >= len(self):
            raise StopIteration
        self._at += 1
        return self[self._at - 1]


class RemovableHandle:
    """What `register_forward_pre_hook` / `register_forward_hook` return: `remove()` takes
    the hook off again (a context manager too: the hook stays for the `with` block only)."""

    _next_id = 0

    def __init__(self, module: Module, table: str = "_forward_pre_hooks") -> None:
        self.module, self.table = module, table
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Take the hook off (nothing happens if it is gone already)."""
        hooks = dict(getattr(self.module, self.table))
        hooks.pop(self.id, None)
        object.__setattr__(self.module, self.table, hooks)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class StateDictError(KeyError, RuntimeError):
    """`load_state_dict` found missing, unexpected or mis-shaped keys (all listed); a
    RuntimeError too, which is what code ported from PyTorch catches."""

    def __str__(self) -> str:
        return self.args[0]


class Parameter(Tensor):
    """A Tensor that a `Module` trains: it requires grad and is found by `parameters()`."""

    __slots__ = ()

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = True,
        dtype: DTypeLike | None = None,
        label: str = "",
    ) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, label=label)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


#: What `Module.parameters()` lists: `Parameter`s, and micrograd-style leaf `Value`s.
ParamLike: TypeAlias = "Parameter | Value"
#: What a buffer holds (`register_buffer`): an array (numpy or CuPy) or a Tensor.
BufferLike: TypeAlias = "Array | Tensor"


def _is_param(obj: object) -> bool:
    return isinstance(obj, Parameter) or (
        isinstance(obj, Value) and obj._fn is None and obj.requires_grad
    )


def _walk(prefix: str, obj: object) -> Iterator[tuple[str, str, Any]]:
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

    training: bool = True
    _scope_name: str | None = None
    _buffer_names: tuple[str, ...] = ()
    _nonpersistent: tuple[str, ...] = ()
    #: PyTorch's forward pre-hooks by handle id (`register_forward_pre_hook`); a module
    #: gets a dict of its own at its first hook
    _forward_pre_hooks: Mapping[int, Callable[..., Any]] = MappingProxyType({})
    _forward_pre_hooks_with_kwargs: frozenset[int] = frozenset()
    #: PyTorch's forward hooks (`register_forward_hook`), the same way
    _forward_hooks: Mapping[int, Callable[..., Any]] = MappingProxyType({})
    _forward_hooks_with_kwargs: frozenset[int] = frozenset()
    #: PyTorch's full backward hooks (`register_full_backward_hook`; nn/backward_hooks.py)
    _backward_hooks: Mapping[int, Callable[..., Any]] = MappingProxyType({})
    _internal: frozenset[str] = frozenset(
        {
            "training",
            "_scope_name",
            "_buffer_names",
            "_nonpersistent",
            "_forward_pre_hooks",
            "_forward_pre_hooks_with_kwargs",
            "_forward_hooks",
            "_forward_hooks_with_kwargs",
            "_backward_hooks",
        }
    )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation, which subclasses define. Call the module itself
        (`model(x)`), not `forward`, so its nodes are grouped under its name."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define "
            "forward(self, x) in your Module subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with name_scope(self._scope_name or type(self).__name__):
            if self._forward_pre_hooks:
                args, kwargs = self._run_forward_pre_hooks(args, kwargs)
            if self._backward_hooks:  # (grad_output: of what the forward hooks return)
                from .backward_hooks import call_with_backward_hooks

                return call_with_backward_hooks(self, args, kwargs, self._forward_and_hooks)
            return self._forward_and_hooks(*args, **kwargs)

    def _forward_and_hooks(self, *args: Any, **kwargs: Any) -> Any:
        output = self.forward(*args, **kwargs)
        if self._forward_hooks:
            output = self._run_forward_hooks(args, kwargs, output)
        return output

    def _run_forward_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> Any:
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """PyTorch's `model.compile(...)` (torch.compile in place): nothing is compiled
        here (`scratchgrad.compile` returns its input), so the module stays as it is."""

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """PyTorch's: `hook(module, grad_input, grad_output)` runs in backward once the
        gradients of the module's inputs are known; it may return a new grad_input.
        Returns a handle whose `remove()` drops it."""
        return self._add_hook("_backward_hooks", hook, prepend, with_kwargs=False)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """PyTorch's: `hook(module, args, output)` runs after every forward (first if
        `prepend`) and may return a new output (`with_kwargs=True`: `hook(module, args,
        kwargs, output)`). Feature extraction keeps `output` from it. Returns a handle
        whose `remove()` drops it. (`always_call`, for forwards that raise, is taken and
        has no effect.)"""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    def _add_hook(
        self, table: str, hook: Callable[..., Any], prepend: bool, with_kwargs: bool
    ) -> RemovableHandle:
        """`hook` into the module's own copy of `table` (last, or first if `prepend`),
        and into `table`_with_kwargs when it takes the keyword arguments."""
        handle = RemovableHandle(self, table)
        hooks = {**getattr(self, table), handle.id: hook}
        if prepend:
            hooks = {handle.id: hook, **hooks}
        object.__setattr__(self, table, hooks)
        if with_kwargs:
            kinds = getattr(self, table + "_with_kwargs") | {handle.id}
            object.__setattr__(self, table + "_with_kwargs", kinds)
        return handle

    def _run_forward_pre_hooks(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def register_forward_pre_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
    ) -> RemovableHandle:
        """PyTorch's: `hook(module, args)` runs before every forward (first if `prepend`)
        and may return new args (`with_kwargs=True`: `hook(module, args, kwargs)`, which
        may return (args, kwargs)). `utils.weight_norm` and `utils.spectral_norm`
        recompute the weight this way. Returns a handle whose `remove()` drops it."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._internal:
            for kind, path, obj in _walk(name, value):
                if kind == "module" and obj._scope_name is None:
                    object.__setattr__(obj, "_scope_name", f"{path}: {type(obj).__name__}")
        object.__setattr__(self, name, value)

    # --- registering (PyTorch's explicit forms of `self.name = ...`) -------------------------

    def _check_new_name(self, name: object, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a str, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name must be non-empty and contain no '.', got {name!r}")
        if name in self._internal or (hasattr(type(self), name) and name not in self._buffer_names):
            raise KeyError(
                f"{what} name {name!r} is taken by {type(self).__name__}.{name}; "
                "choose another name"
            )

    def register_buffer(
        self, name: str, tensor: ArrayLike | Tensor | None, persistent: bool = True
    ) -> None:
        """Keep `tensor` (an array, a Tensor or None) as `self.<name>`: never trained, and
        saved in `state_dict` unless `persistent=False` or it is None (as PyTorch)."""
        self._check_new_name(name, "buffer")
        if name in vars(self) and name not in self._buffer_names:
            raise KeyError(
                f"attribute {name!r} already exists on {type(self).__name__}; a "
                "buffer needs a name of its own"
            )
        if tensor is not None and not isinstance(tensor, (np.ndarray, Tensor)):
            tensor = tensor if is_device_array(tensor) else np.asarray(tensor)
        if isinstance(tensor, np.ndarray) and DEFAULT_DEVICE[0] is not None:
            tensor = move_array(tensor, DEFAULT_DEVICE[0])  # set_default_device's GPU
        if name not in self._buffer_names:
            self._buffer_names = tuple(self._buffer_names) + (name,)
        others = tuple(n for n in self._nonpersistent if n != name)
        self._nonpersistent = others if persistent else others + (name,)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """`self.<name> = module` for names that are not identifiers (e.g. "0")."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module({name!r}, ...) needs a Module or None, got {type(module).__name__}"
            )
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """`self.<name> = param` for a `Parameter` (or None: a slot with no parameter)."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter({name!r}, ...) needs an nn.Parameter or "
                f"None, got {type(param).__name__}; wrap it: nn.Parameter(x)"
            )
        setattr(self, name, param)

    # --- discovery ----------------------------------------------------------------------

    @property
    def _modules(self) -> MemberView:
        """PyTorch's `_modules`: this module's own sub-modules by name, a live dict
        (`self._modules["0"] = layer` registers it; `nn/module_views.py`)."""
        return MemberView(self, "module")

    @property
    def _parameters(self) -> MemberView:
        """PyTorch's `_parameters`: this module's own parameters by name, a live dict."""
        return MemberView(self, "param")

    @property
    def _buffers(self) -> MemberView:
        """PyTorch's `_buffers`: this module's own buffers by name, a live dict."""
        return MemberView(self, "buffer")

    def _members(self) -> Iterator[tuple[str, str, Any]]:
        for name, value in vars(self).items():
            if name not in self._internal and name not in self._buffer_names:
                yield from _walk(name, value)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(attribute name, module) for each direct sub-module, each once."""
        seen: set[int] = set()
        for kind, name, obj in self._members():
            if kind == "module" and id(obj) not in seen:
                seen.add(id(obj))
                yield name, obj

    def children(self) -> Listing[Module]:
        """The direct sub-modules, each once (`named_children` without the names)."""
        return Listing(m for _, m in self.named_children())

    def named_modules(
        self, memo: set[Any] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first, each once (a shared one under
        its first name; `remove_duplicate=False`: under each of its names)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module, tuple[int, ...]]] = [(prefix, self, ())]
        while stack:
            name, module, above = stack.pop()
            if id(module) in above or (remove_duplicate and id(module) in seen):
                continue  # (a module inside itself is never walked twice)
            seen.add(id(module))
            yield name, module
            kids = module.named_children() if remove_duplicate else module._all_children()
            path = above + (id(module),)
            stack.extend(reversed([(f"{name}.{n}" if name else n, m, path) for n, m in kids]))

    def _all_children(self) -> list[tuple[str, Module]]:
        """(name, module) for every direct sub-module name, aliases included."""
        return [(name, obj) for kind, name, obj in self._members() if kind == "module"]

    def get_parameter(self, target: str) -> ParamLike:
        """The parameter at a dotted path ("layer.0.weight"), or an AttributeError."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        found = dict(module.named_parameters(recurse=False)).get(name)
        if found is None:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return found

    def modules(self) -> Listing[Module]:
        """This module and every sub-module, depth first, each once (no names)."""
        return Listing(m for _, m in self.named_modules())

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path ("" is this module), or an AttributeError."""
        if target == "":
            return self
        found = dict(self.named_modules(remove_duplicate=False)).get(target)
        if found is None:
            raise AttributeError(
                f"{type(self).__name__} has no sub-module {target!r}; its "
                f"sub-modules are {[n for n, _ in self.named_modules()][1:]}"
            )
        return found

    def _scope(
        self, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterable[tuple[str, Module]]:
        if not recurse:
            return [(prefix, self)]
        return self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, ParamLike]]:
        """(dotted name, parameter) for every trainable parameter, once (a shared one
        under its first name; `remove_duplicate=False`: under each of its names);
        `recurse=False`: this module's own only."""
        seen: set[int] = set()
        for mname, module in self._scope(prefix, recurse, remove_duplicate):
            for kind, name, obj in module._members():
                if kind == "param" and (id(obj) not in seen or not remove_duplicate):
                    seen.add(id(obj))
                    yield (f"{mname}.{name}" if mname else name), obj

    def parameters(self, recurse: bool = True) -> Listing[ParamLike]:
        """Every trainable parameter, once: a list (micrograd) that `next()` walks (PyTorch)."""
        return Listing(p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, BufferLike]]:
        """(dotted name, buffer) for every buffer that is not None (BatchNorm's running
        statistics, ...); `recurse=False`: this module's own only."""
        for mname, module in self._scope(prefix, recurse):
            for name in module._buffer_names:
                value = getattr(module, name)
                if value is not None:
                    yield (f"{mname}.{name}" if mname else name), value

    def buffers(self, recurse: bool = True) -> Listing[BufferLike]:
        """Every buffer that is not None (`named_buffers` without the names)."""
        return Listing(b for _, b in self.named_buffers(recurse=recurse))

    def num_parameters(self) -> int:
        """How many numbers the model trains (a Value counts as one)."""
        return sum(p.data.size if isinstance(p, Tensor) else 1 for p in self.parameters())

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """fn(module) for every sub-module, children before their parent, then for this
        module (PyTorch's order; e.g. `model.apply(init_weights)`). Returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------

    def train(self, mode: bool = True) -> Self:
        """Training mode (Dropout drops, BatchNorm uses batch statistics). Returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train(mode) expects True or False, got {mode!r}")
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Self:
        """Evaluation mode (Dropout off, BatchNorm uses running statistics): `train(False)`.
        Returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Freeze (False) or unfreeze every Tensor parameter. Returns self."""
        params = self.parameters()
        if any(isinstance(p, Value) for p in params):
            raise TypeError(
                f"{type(self).__name__}.requires_grad_: this model holds "
                "micrograd-style Values, which always train; to freeze them, "
                "leave them out of the optimizer's parameter list"
            )
        for p in cast("list[Parameter]", params):  # no Values: refused above
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Tensor grads back to None (PyTorch's default; set_to_none=False: zeros), Value
        grads back to 0.0."""
        for p in self.parameters():
            if isinstance(p, Tensor) and not set_to_none and p.grad is not None:
                p.grad = zeros_grad(p._data)
            else:
                p.grad = p._grad_init

    # --- dtypes and devices ----------------------------------------------------------------

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """PyTorch's forms: to(device), to(dtype), to(device, dtype), to(tensor) (its dtype),
        and the keywords device=, dtype=, non_blocking= (no effect on the CPU). Converts
        floating-point parameters (and their grads) and floating buffers in place, so an
        optimizer made earlier keeps working; integer buffers stay. Returns self."""
        device, dtype = _to_arguments(type(self).__name__, args, kwargs)
        if device is not None:
            self._to_device(device)
        if dtype is not None:
            self._to_dtype(dtype)
        return self

    def _to_device(self, device: Any) -> Self:
        """The one place devices are handled: parameters, their gradients and buffers move
        to `device` ('cpu', 'cuda', 'cuda:N', a Device or a torch.device) in place.
        Returns self."""
        from ..autograd.devices import Device, move_array

        if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
            device = f"cuda:{device}"  # PyTorch: an int is a GPU's index
        try:
            target = Device(device)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{type(self).__name__}.to: {err}") from None
        for p in self.parameters():
            if isinstance(p, Tensor):
                p.data = move_array(p._data, target)
                if p.grad is not None and not isinstance(p.grad, Tensor):
                    p.grad = as_grad(move_array(p.grad, target))
            elif target.type != "cpu":
                raise TypeError(
                    f"{type(self).__name__}.to({target}): this model holds "
                    "micrograd-style Values (Python floats), which live on the "
                    "CPU only"
                )
        for module in self.modules():
            for name in module._buffer_names:
                buf = getattr(module, name)
                if buf is None or not hasattr(buf, "shape"):
                    continue
                if isinstance(buf, Tensor):
                    buf.data = move_array(buf._data, target)
                else:
                    object.__setattr__(module, name, move_array(buf, target))
        return self

    def cpu(self) -> Self:
        """Parameters, gradients and buffers to the CPU (numpy), in place. Returns self."""
        return self._to_device("cpu")

    def cuda(self, device: int | str | Device | None = None) -> Self:
        """Parameters, gradients and buffers to a GPU (CuPy; `device`: its index, or
        "cuda:N"), in place. Returns self."""
        return self._to_device(
            "cuda"
            if device is None
            else device
            if not isinstance(device, (int, np.integer))
            else f"cuda:{device}"
        )

    def double(self) -> Self:
        """Parameters and floating buffers to float64 (in place). Returns self."""
        return self.to(np.float64)

    def float(self) -> Self:
        """Parameters and floating buffers to float32 (in place). Returns self."""
        return self.to(np.float32)

    def _to_dtype(self, dtype: np.dtype[Any]) -> None:
        params = self.parameters()
        if dtype != np.float64 and any(isinstance(p, Value) for p in params):
            raise TypeError(
                f"{type(self).__name__}.to({dtype}): this model holds "
                "micrograd-style Values, which are Python floats (float64)"
            )
        for p in params:
            if isinstance(p, Tensor) and p.dtype.kind == "f" and p.dtype != dtype:
                p.data = p.data.astype(dtype)
                if p.grad is not None:
                    p.grad = p.grad.astype(dtype)
        for module in self.modules():
            for name in module._buffer_names:
                buf = getattr(module, name)
                if buf is None or buf.dtype.kind != "f" or buf.dtype == dtype:
                    continue
                if isinstance(buf, Tensor):
                    buf.data = buf.data.astype(dtype)
                else:
                    object.__setattr__(module, name, buf.astype(dtype))

    # --- state ---------------------------------------------------------------------------

    def _state_entries(
        self, prefix: str = "", path: tuple[int, ...] = ()
    ) -> Iterator[tuple[str, str, Any]]:
        """(kind, dotted name, object) in PyTorch's state_dict order: each module's own
        parameters, then its buffers, then its children. A module or parameter shared
        under two names appears under both (so PyTorch's state_dicts of tied models load);
        `parameters()` still lists it once."""
        if id(self) in path:  # a child pointing back at its parent: not state
            return
        members = list(self._members())
        for kind, name, obj in members:
            if kind == "param":
                yield "param", prefix + name, obj
        for name in self._buffer_names:
            if name not in self._nonpersistent and getattr(self, name) is not None:
                yield "buffer", prefix + name, getattr(self, name)
        for kind, name, obj in members:
            if kind == "module":
                yield from obj._state_entries(f"{prefix}{name}.", path + (id(self),))

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """{dotted name: ndarray copy} of parameters and buffers: a snapshot, so later
        training does not change a state you kept as "the best so far". PyTorch's
        keywords: `prefix` goes before every name, `destination` (a dict) is filled and
        returned, `keep_vars=True` gives the parameters themselves instead of copies."""
        if args:
            raise TypeError("state_dict() takes its options by keyword (prefix=, keep_vars=)")
        copies: dict[int, Array] = {}  # one copy per object, shared by its aliases
        out = {} if destination is None else destination
        for _kind, name, obj in self._state_entries(prefix):
            if keep_vars:
                out[name] = obj
            else:
                data = obj.data if isinstance(obj, (Tensor, Value)) else obj
                out[name] = copies.setdefault(id(obj), _host_copy(data))
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, ArrayLike], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays into the parameters and buffers in place (optimizers keep working).

        Raises `StateDictError` naming every missing / unexpected key (when `strict`) and
        every shape mismatch (always). Returns (missing_keys, unexpected_keys).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{type(self).__name__}.load_state_dict: expected a dict of name "
                f"-> array (e.g. nn.load(path)), got {type(state_dict).__name__}"
            )
        # the numbers on the host, wherever they come from (a GPU model's state_dict, a
        # checkpoint, a PyTorch state_dict): checked there, copied to each target's device
        arrays = {k: _on_host(v) for k, v in state_dict.items()}
        entries = list(self._state_entries())
        targets = {name: obj for kind, name, obj in entries if kind == "param"}
        buffers = {name: obj for kind, name, obj in entries if kind == "buffer"}
        # a tied parameter is loaded once, from whichever of its names the dict has (older
        # checkpoints saved it under one name only)
        given = {id(obj) for kind, name, obj in entries if name in arrays}
        # batch norm's step count is optional, as in PyTorch (older checkpoints lack it)
        missing = [
            name
            for kind, name, obj in entries
            if name not in arrays
            and id(obj) not in given
            and name.rpartition(".")[2] != "num_batches_tracked"
        ]
        unexpected = [k for k in arrays if k not in targets and k not in buffers]
        problems: list[str] = []
        if strict:
            problems += [
                f"missing key {k!r} (shape {_shape(targets.get(k, buffers.get(k)))})"
                for k in missing
            ]
            problems += [f"unexpected key {k!r} (shape {np.shape(arrays[k])})" for k in unexpected]
        for k, target in list(targets.items()) + list(buffers.items()):
            if k in arrays:
                arr = arrays[k]
                if arr.dtype.kind not in "fiub":
                    problems.append(f"key {k!r} has dtype {arr.dtype}; expected numbers")
                elif arr.shape != _shape(target):
                    problems.append(
                        f"key {k!r} has shape {arr.shape} in the checkpoint but "
                        f"{_shape(target)} in the model" + self._hint(k, arr.shape)
                    )
        first_name: dict[int, str] = {}  # aliases of one tied parameter must agree
        for _kind, name, obj in entries:
            other = first_name.setdefault(id(obj), name) if name in arrays else name
            if other != name and not problems and not np.array_equal(arrays[other], arrays[name]):
                problems.append(
                    f"keys {other!r} and {name!r} name one shared parameter but "
                    "hold different values"
                )
        if problems:
            keys_only = strict and len(problems) == len(missing) + len(unexpected)
            fix = (
                "build the model with the same layers, or pass strict=False to skip "
                "missing/unexpected keys"
                if keys_only
                else "build the model with the same layer sizes (strict=False skips missing "
                "and unexpected keys, never a wrong shape)"
            )
            raise StateDictError(
                f"cannot load state_dict into {type(self).__name__}: "
                + "; ".join(problems)
                + f". Fix: {fix}"
            )
        nonfinite = [
            k
            for k in list(targets) + list(buffers)
            if k in arrays and arrays[k].dtype.kind == "f" and not np.isfinite(arrays[k]).all()
        ]
        if nonfinite:  # allowed (a diverged run is worth inspecting)
            import warnings

            warnings.warn(
                f"{type(self).__name__}.load_state_dict: {nonfinite} hold NaN or "
                "inf; the model will output NaN. Load an earlier checkpoint to "
                "resume training",
                RuntimeWarning,
                stacklevel=2,
            )
        for k, target in targets.items():
            if k in arrays:
                if isinstance(target, Value):
                    target.data = float(arrays[k])
                else:
                    target.copy_(arrays[k])
        for k, target in buffers.items():
            if k in arrays:
                if isinstance(target, Tensor):
                    target.copy_(arrays[k])
                else:
                    target[...] = move_array(arrays[k], Device(device_name(target)))
        return IncompatibleKeys(missing, unexpected)

    def _hint(self, key: str, shape: tuple[int, ...]) -> str:
        """What the owner of `key` says about a checkpoint array of `shape` (e.g. Linear:
        "transpose it"), or ""."""
        owner, _, name = key.rpartition(".")
        try:
            module = self.get_submodule(owner)
        except AttributeError:
            return ""
        return module._load_hint(name, shape)

    def _load_hint(self, name: str, shape: tuple[int, ...]) -> str:
        """Subclasses explain a likely mistake behind a wrong shape for `name`."""
        return ""

    # --- printing ------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The options shown inside the module's repr, `Linear(in_features=2, ...)`
        (subclasses override it, as in PyTorch)."""
        return ""

    def _own_param_count(self) -> int:
        return sum(
            p.data.size if isinstance(p, Tensor) else 1
            for kind, _, p in self._members()
            if kind == "param"
        )

    def _repr_lines(self) -> list[str]:
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

    def __repr__(self) -> str:
        lines = self._repr_lines()
        if len(lines) > 1:
            lines.append(f"Total parameters: {self.num_parameters():,}")
        return "\n".join(lines)


def _host_copy(data: Any) -> Array:
    """A numpy copy (of a GPU array: copied to the host, as nn.save needs it)."""
    return on_host(data) if is_device_array(data) else np.array(data)


def _on_host(value: Any) -> Array:
    """A state_dict entry as a numpy array (a GPU array or tensor copied to the host)."""
    data = value._data if isinstance(value, Tensor) else value
    return on_host(data) if is_device_array(data) else np.asarray(value)


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(x.data) if isinstance(x, (Tensor, Value)) else np.shape(x)


def _to_arguments(
    who: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, np.dtype[Any] | None]:
    """(device, dtype) from Module.to's positional forms and keywords."""
    if "memory_format" in kwargs:
        raise NotImplementedError(
            f"{who}.to(memory_format=...) is not supported: "
            "scratchgrad's images are always contiguous (N, C, H, W)"
        )
    unknown = sorted(set(kwargs) - {"device", "dtype", "non_blocking"})
    if unknown:
        raise TypeError(
            f"{who}.to() got unexpected keyword(s) {unknown}; it takes device=, "
            "dtype= and non_blocking="
        )
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    positional = list(args)
    if positional and isinstance(positional[-1], (bool, np.bool_)):
        positional.pop()  # non_blocking: nothing to wait for on the CPU
    if len(positional) > 2:
        raise TypeError(f"{who}.to() takes a device, a dtype or both, got {len(args)} arguments")
    for arg in positional:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
            device = getattr(arg, "device", device)
        elif isinstance(arg, (str, int, np.integer)) or isinstance(getattr(arg, "type", None), str):
            device = arg
        else:
            dtype = arg
    if dtype is not None:
        try:
            dtype = float_dtype(dtype, f"{who}.to")
        except TypeError as err:
            raise TypeError(
                f"{err} (nn.Module.to only converts to floating-point dtypes)"
            ) from None
    return device, dtype
