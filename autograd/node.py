"""The common base of `Value` and `Tensor`: what the graph walker and viz rely on.

Every node has `data`, `grad`, `requires_grad`, `label` and, when an op made it,
`_fn` (an entry of the op table), `_parents` (its inputs, in order) and `_saved`
(whatever that op's forward kept for its derivative). Leaves have `_fn is None`.
"""


class Node:
    __slots__ = ()

    @property
    def op(self):
        """The op that made this node (an `autograd.Op`), or None for a leaf."""
        return self._fn

    @property
    def parents(self):
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return self._parents or ()

    @property
    def is_leaf(self):
        return self._fn is None

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (chain rule, reverse order)."""
        from .engine import backward

        backward(
            [self],
            None if gradient is None else [gradient],
            retain_graph=retain_graph,
            create_graph=create_graph,
        )

    def zero_grad(self):
        self.grad = self._grad_init
