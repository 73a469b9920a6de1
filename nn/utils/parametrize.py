"""`torch.nn.utils.parametrize`: a module's tensor computed from other tensors at each
use, as PyTorch lays it out, so attribute names, `state_dict` keys and the printed
model are PyTorch's.

    register_parametrization(linear, "weight", P())
    linear.weight            # P()(original), recomputed at each read (a graph node)
    linear.parametrizations.weight.original   # the trained Parameter

Registering moves the tensor into `module.parametrizations[name]` (a
`ParametrizationList`, holding `original`, or `original0`, `original1`, ... when P's
`right_inverse` returns several tensors) and makes the module's class a subclass,
`Parametrized<Class>`, whose property `name` runs the parametrizations (once per
forward: inside it the value is cached); assigning to it goes through `right_inverse`.
`weight_norm` and `spectral_norm` of `nn.utils.parametrizations` are built on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from ...autograd import Tensor, no_grad
from ..containers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "type_before_parametrizations",
]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once and reused (PyTorch's
    `parametrize.cached()`: a weight read at every step of an RNN costs one computation)."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set(dest: Tensor, src: Tensor) -> None:
    """PyTorch's `dest.set_(src)`: dest (the same object, so an optimizer holding it keeps
    working) takes src's numbers."""
    dest.data = src._data.copy() if isinstance(src, Tensor) else src


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensor(s) they start
    from: `original` (or `original0`, `original1`, ...), Parameters when the tensor was
    one."""

    original: Tensor  # (when the parametrization starts from one tensor)
    is_tensor: bool
    ntensors: int
    unsafe: bool

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        new: Any = original
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, "
                f"tuple...). Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        new = cast(Any, new)
        if self.is_tensor:
            if new.dtype != original.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype "
                    f"({original.dtype} -> {new.dtype})"
                )
            if new is not original:
                _set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, item in enumerate(new):
                if not isinstance(item, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors; "
                        f"element {i} is a {type(item).__name__}"
                    )
                wants_grad = original.requires_grad
                value: Tensor = (
                    Parameter(item._data.copy(), requires_grad=wants_grad)
                    if isinstance(original, Parameter)
                    else Tensor(item._data.copy())
                )
                _register_parameter_or_buffer(self, f"original{i}", value)
        if not self.unsafe:
            out = self()
            if not isinstance(out, Tensor):
                raise ValueError(
                    f"A parametrization must return a tensor. Got {type(out).__name__}."
                )
            if out.dtype != dtype or out.shape != shape:
                raise ValueError(
                    "Registering a parametrization may not change the dtype or shape of the "
                    f"tensor, unless `unsafe=True`: {dtype} {shape} -> {out.dtype} {out.shape}"
                )

    def right_inverse(self, value: Tensor) -> None:
        """Set the original(s) so that the parametrized tensor is `value` (what assigning
        `module.<name> = value` does)."""
        with no_grad():
            result: Any = value
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse."
                    )
                result = module.right_inverse(result)
            if self.is_tensor:
                if not isinstance(result, Tensor):
                    raise ValueError(
                        f"`right_inverse` should return a tensor. Got {type(result).__name__}"
                    )
                _set(self.original, result)
            else:
                if not isinstance(result, Sequence) or len(result) != self.ntensors:
                    raise ValueError(
                        f"'right_inverse' must return a sequence of {self.ntensors} tensors"
                    )
                for i, item in enumerate(result):
                    _set(getattr(self, f"original{i}"), item)

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization applied to the original(s),
        then each next one to the result."""
        first = self[0]
        if self.is_tensor:
            x = first(self.original)
        else:
            x = first(*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _repr_lines_of(cls: type[Module]) -> Any:
    """PyTorch's layout for a module with options and children: the options on a line
    of their own (`ParametrizedLinear(` / `  in_features=..., ...` / children)."""

    def _repr_lines(self: Module) -> list[str]:
        lines: list[str] = cls._repr_lines(self)
        extra = self.extra_repr()
        head = f"{type(self).__name__}({extra}"
        if not extra or len(lines) < 2 or not lines[0].startswith(head):
            return lines
        comment = lines[0][len(head) :]
        return (
            [f"{type(self).__name__}({comment}"]
            + ["  " + line for line in extra.split("\n")]
            + lines[1:]
        )

    return _repr_lines


def _forward_of(cls: type[Module]) -> Any:
    """The class's forward with each parametrized tensor computed once per call: a
    forward that reads `self.weight` twice (a shape check, then the product) gives
    PyTorch's numbers, and a training-mode spectral norm steps once, not twice."""

    def forward(self: Module, *args: Any, **kwargs: Any) -> Any:
        with cached():
            return cls.forward(self, *args, **kwargs)

    return forward


def _inject_new_class(module: Module) -> None:
    cls = type(module)
    parametrized = type(
        f"Parametrized{cls.__name__}",
        (cls,),
        {
            "__doc__": f"{cls.__name__} with parametrized tensors (nn.utils.parametrize).",
            "__module__": cls.__module__,
            "_repr_lines": _repr_lines_of(cls),
            "forward": _forward_of(cls),
        },
    )
    module.__class__ = parametrized


def _inject_property(module: Module, tensor_name: str) -> None:
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self: Any) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self: Any, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


def _lists(module: Module) -> Any:
    """The module's `parametrizations` (a ModuleDict of ParametrizationLists)."""
    return vars(module)["parametrizations"]


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make `module.<tensor_name>` parametrization(original), computed at each read, as
    PyTorch's (a second registration on the same name chains after the first). Returns
    the module."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        plist = _lists(module)[tensor_name]
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor) or x.dtype != y.dtype or x.shape != y.shape:
                raise ValueError(
                    "Registering a parametrization may not change the dtype or shape of "
                    "the tensor, unless `unsafe=True`"
                )
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        members = module._buffers if tensor_name in module._buffers else module._parameters
        del members[tensor_name]
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        _lists(module)[tensor_name] = plist
    else:
        raise ValueError(
            f"Module '{type(module).__name__}' does not have a parameter, a buffer, or a "
            f"parametrized element with name '{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether `module` has parametrizations (on `tensor_name`, when given)."""
    parametrizations = vars(module).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo `register_parametrization`: `module.<tensor_name>` becomes a plain Parameter
    again, holding the parametrized value (`leave_parametrized=False`: the original's).
    The last one removed gives the module back its own class. Returns the module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"Module {type(module).__name__} does not have a parametrization on {tensor_name}"
        )
    parametrizations = _lists(module)
    plist = parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set(original, getattr(module, tensor_name))
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = (
            Parameter(value._data.copy()) if value.requires_grad else Tensor(value._data.copy())
        )
    else:
        raise ValueError(
            "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
            "parametrized in terms of a sequence of tensors."
        )
    delattr(type(module), tensor_name)
    del parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations were registered (`Linear` for a
    `ParametrizedLinear`)."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
