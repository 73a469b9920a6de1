"""Module backward hooks (PyTorch's `register_full_backward_hook`): `hook(module,
grad_input, grad_output)` once the gradients with respect to the module's inputs are
known, as Grad-CAM reads a layer's output gradient.

How: the call routes each input that requires grad, and each output, through an
identity node (`x[...]`) whose Tensor hook (autograd/hooks.py) sees the gradient
flowing through it: the outputs' hooks collect grad_output, and the last input's hook
calls the module's hooks, whose returned grad_input replaces that input's gradient
(PyTorch's rule for what a hook may return). A module whose inputs need no gradient
gets grad_input of Nones, once its grad_output is in, as PyTorch's.

Where this differs from PyTorch (whose hook sits on one node joining all inputs): with
several inputs only the last to get its gradient takes a replaced grad_input (the
others have flowed on already), a hook does not run in a backward that gives some
input requiring grad no gradient, and an input that needs no gradient shows None where
PyTorch shows zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd import Tensor


def call_with_backward_hooks(
    module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], forward: Callable[..., Any]
) -> Any:
    """forward(*args, **kwargs), wired so the module's backward hooks run in backward."""
    wrapped = list(args)
    needs = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    for i in needs:
        wrapped[i] = args[i][...]
    output = forward(*wrapped, **kwargs)
    outs = output if isinstance(output, tuple) else (output,)
    watched = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
    if not watched:
        return output
    grad_output: list[Any] = [None] * len(outs)
    grad_input: list[Any] = [None] * len(args)
    waiting = {"outputs": set(watched), "inputs": set(needs)}

    def fire() -> tuple[Any, ...]:
        given = tuple(grad_input)
        for hook in list(module._backward_hooks.values()):
            result = hook(module, given, tuple(grad_output))
            if result is not None:
                given = tuple(result)
        waiting["outputs"], waiting["inputs"] = set(watched), set(needs)  # the next backward
        grad_output[:] = [None] * len(outs)
        return given

    def output_seen(k: int) -> Callable[[Any], None]:
        def hook(grad: Any) -> None:
            grad_output[k] = grad
            waiting["outputs"].discard(k)
            if not needs and not waiting["outputs"]:
                fire()

        return hook

    def input_seen(i: int) -> Callable[[Any], Any]:
        def hook(grad: Any) -> Any:
            grad_input[i] = grad
            waiting["inputs"].discard(i)
            if waiting["inputs"]:
                return None
            return fire()[i]

        return hook

    for i in needs:
        wrapped[i].register_hook(input_seen(i))
    results = list(outs)
    for k in watched:
        results[k] = outs[k][...]
        results[k].register_hook(output_seen(k))
    return tuple(results) if isinstance(output, tuple) else results[0]
