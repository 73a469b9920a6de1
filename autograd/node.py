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
    def is_leaf(self) -> bool:
        """True for a node no op made (an input or a parameter), as torch's `is_leaf`."""
        return self._fn is None

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (chain rule, reverse order)."""
        from .engine import backward

        backward(
            [self],
            None if gradient is None else [gradient],
            retain_graph=retain_graph,
            create_graph=create_graph,
        )

    def zero_grad(self) -> None:
        """Reset `.grad` to its empty value (0.0 for a Value, None for a Tensor)."""
        self.grad = self._grad_init
