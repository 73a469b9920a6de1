"""The common base of `Value` and `Tensor`: what the graph walker and viz rely on.

Every node has `data`, `grad`, `requires_grad`, `label` and, when an op made it,
`_fn` (an entry of the op table), `_parents` (its inputs, in order) and `_saved`
(whatever that op's forward kept for its derivative). Leaves have `_fn is None`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .op_table import Op


class Node:
    """A vertex of the recorded graph (the base class of `Value` and `Tensor`)."""

    __slots__ = ()

    if TYPE_CHECKING:  # provided by each node type (value.py, tensor.py, engine.FreedNode)
        #: The gradient: a float for a Value; an array, None, or a node under create_graph.
        grad: Any
        label: str
        requires_grad: bool
        _fn: Op | None
        _parents: tuple[Node, ...]
        _saved: Any
        _grad_init: Any
        _keeps_grad: bool
        _frees_graph: bool
        _retains: bool
        _is_scalar: bool
        _versions: tuple[int, ...] | None

        @property
        def _data(self) -> Any: ...

        def _graph_seed(self, seed: Any) -> Node: ...

        def _own_grad(self, grad: Any, upstream: Any) -> Any: ...

        def _ones_seed(self) -> Any: ...

        def _check_seed(self, gradient: Any) -> Any: ...

    @property
    def op(self) -> Op | None:
        """The op that made this node (an `autograd.Op`), or None for a leaf."""
        return self._fn

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return self._parents or ()

    @property
    def grad_fn(self) -> GradFn | None:
        """PyTorch's `grad_fn`: None for a leaf, else the recorded op seen as PyTorch's
        backward node (`loss.grad_fn`, `.next_functions`; named after our op, e.g.
        `<CrossEntropyBackward0>`, where PyTorch may name its own decomposition)."""
        return None if self._fn is None else GradFn(self)

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made (an input or a parameter), as torch's `is_leaf`."""
        return self._fn is None

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (chain rule, reverse
        order); with `inputs` (PyTorch's), into those tensors' `.grad` only."""
        from .engine import backward

        backward(
            [self],
            None if gradient is None else [gradient],
            retain_graph=retain_graph,
            create_graph=create_graph,
            inputs=inputs,
        )

    def zero_grad(self) -> None:
        """Reset `.grad` to its empty value (0.0 for a Value, None for a Tensor)."""
        self.grad = self._grad_init


class GradFn:
    """A recorded node seen as PyTorch's backward function (what `grad_fn` returns)."""

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    def name(self) -> str:
        """`MatmulBackward0` for a matmul node (PyTorch's naming)."""
        op = self._node._fn
        words = (op.name if op is not None else "leaf").split("_")
        return "".join(w.capitalize() for w in words) + "Backward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One (function, 0) per input: the input's own `grad_fn`, an `AccumulateGrad`
        for a leaf that requires grad, or None for a constant (PyTorch's layout)."""
        return tuple(
            (
                parent.grad_fn
                if parent._fn is not None
                else AccumulateGrad(parent)
                if parent.requires_grad
                else None,
                0,
            )
            for parent in self._node._parents
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GradFn) and other._node is self._node

    def __hash__(self) -> int:
        return id(self._node)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """Where a leaf's gradient lands (PyTorch's `AccumulateGrad`; `.variable` is it)."""

    __slots__ = ("variable",)

    def __init__(self, variable: Node) -> None:
        self.variable = variable

    def name(self) -> str:
        """Always "AccumulateGrad"."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"
