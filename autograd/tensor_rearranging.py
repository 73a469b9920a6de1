"""PyTorch's rearranging Tensor methods, each indexing, flips, reshapes and concatenation
(compositions of table ops: their gradients move entries back to where they came from):

    rot90, flipud, fliplr, ravel                            turns and flips
    tensor_split, hsplit, vsplit, dsplit                    pieces (numpy's array_split)
    diff                                                    n-th forward differences
    diag_embed                                              the last axis made diagonals
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .backend import namespace
from .errors import ShapeError
from .ops_reduce import normalize_axis
from .tensor_methods import _raw

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_methods import Operand


def _me(x: Any) -> Tensor:
    return cast("Tensor", x)


def _along(x: Tensor, axis: int, index: Any) -> Tensor:
    """x indexed by `index` (a slice or positions) on `axis` only."""
    return x[(slice(None),) * axis + (index,)]


class TensorRearranging:
    """Mixed into `Tensor`: see the module docstring."""

    __slots__ = ()

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        """Turned k quarter turns in the plane of `dims`, from the first axis toward the
        second (numpy's and PyTorch's direction)."""
        x = _me(self)
        if len(dims) != 2:
            raise ValueError(f"rot90: dims must name 2 axes, got {tuple(dims)}")
        if x.ndim < 2:
            raise ShapeError(f"rot90 needs at least 2 dimensions, got shape {x.shape}")
        a, b = (normalize_axis(d, x.ndim)[0] for d in dims)
        if a == b:
            raise ValueError(f"rot90: the two dims must differ, got {a} and {b}")
        k %= 4
        if k == 1:
            return x.flip(b).transpose(a, b)
        if k == 2:
            return x.flip((a, b))
        if k == 3:
            return x.flip(a).transpose(a, b)
        return x.clone()

    def flipud(self) -> Tensor:
        """The first axis reversed (rows upside down)."""
        x = _me(self)
        if x.ndim < 1:
            raise ValueError("flipud needs at least 1 dimension, got a 0-d tensor")
        return x.flip(0)

    def fliplr(self) -> Tensor:
        """The second axis reversed (columns left to right)."""
        x = _me(self)
        if x.ndim < 2:
            raise ShapeError(f"fliplr needs at least 2 dimensions, got shape {x.shape}")
        return x.flip(1)

    def ravel(self) -> Tensor:
        """The entries as a 1-D tensor, in order (`reshape(-1)`)."""
        return _me(self).reshape(-1)

    def tensor_split(
        self,
        indices_or_sections: Any = None,
        dim: int = 0,
        *,
        indices: Any = None,
        sections: Any = None,
    ) -> tuple[Tensor, ...]:
        """Pieces along `dim`: a number n of near-equal sections (the first n % size get
        one more), or the positions to cut at (numpy's `array_split`, PyTorch's
        `tensor_split`, also with `sections=` or `indices=`); a tensor may hold either."""
        given_forms = [v for v in (indices_or_sections, indices, sections) if v is not None]
        if len(given_forms) != 1:
            raise TypeError("tensor_split takes one of indices_or_sections, indices, sections")
        indices_or_sections = given_forms[0]
        x = _me(self)
        axis = normalize_axis(dim, x.ndim)[0]
        size = x.shape[axis]
        given = _raw(indices_or_sections)
        if hasattr(given, "ndim"):
            if given.dtype.kind not in "iu":
                raise TypeError(
                    f"tensor_split: indices_or_sections must hold integers, got {given.dtype}"
                )
            if given.ndim > 1:
                raise ValueError("tensor_split: indices_or_sections must be 0-D or 1-D")
            given = int(given) if given.ndim == 0 else [int(v) for v in given.tolist()]
        if isinstance(given, (int, np.integer)):
            sections = int(given)
            if sections < 1:
                raise ValueError(f"tensor_split: sections must be at least 1, got {sections}")
            small, extra = divmod(size, sections)
            sizes = [small + 1] * extra + [small] * (sections - extra)
            bounds = np.cumsum([0, *sizes]).tolist()
        else:
            bounds = [0, *[int(i) for i in given], size]
        return tuple(_along(x, axis, slice(a, b)) for a, b in zip(bounds, bounds[1:]))

    def _split_at(self, sections: Any, axis: int, what: str) -> tuple[Tensor, ...]:
        x = _me(self)
        if isinstance(sections, (int, np.integer)):
            size = x.shape[axis]
            if sections < 1 or size % sections:
                raise ValueError(
                    f"{what} attempted to split along dimension {axis}, but its size {size} "
                    f"is not divisible by the split_size {sections}"
                )
        return x.tensor_split(sections, axis)

    def hsplit(self, sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """`tensor_split` along axis 1 (axis 0 of a 1-D tensor); a number of sections
        must divide that axis."""
        x = _me(self)
        if x.ndim < 1:
            raise ValueError("hsplit needs at least 1 dimension, got a 0-d tensor")
        return self._split_at(sections, 0 if x.ndim == 1 else 1, "hsplit")

    def vsplit(self, sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """`tensor_split` along axis 0 of a tensor of 2 or more dimensions."""
        x = _me(self)
        if x.ndim < 2:
            raise ShapeError(f"vsplit needs at least 2 dimensions, got shape {x.shape}")
        return self._split_at(sections, 0, "vsplit")

    def dsplit(self, sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """`tensor_split` along axis 2 of a tensor of 3 or more dimensions."""
        x = _me(self)
        if x.ndim < 3:
            raise ShapeError(f"dsplit needs at least 3 dimensions, got shape {x.shape}")
        return self._split_at(sections, 2, "dsplit")

    def diff(
        self,
        n: int = 1,
        dim: int = -1,
        prepend: Operand | None = None,
        append: Operand | None = None,
    ) -> Tensor:
        """The n-th forward difference along `dim` (x[i+1] - x[i], n times), after joining
        `prepend` and `append` on that axis; for bools, whether neighbours differ."""
        x = _me(self)
        if x.ndim == 0:
            raise ValueError("diff needs at least 1 dimension, got a 0-d tensor")
        if n < 0:
            raise ValueError(f"diff: n must be non-negative, got {n}")
        if n == 0:  # PyTorch's: the input itself, prepend and append left out
            return x
        axis = normalize_axis(dim, x.ndim)[0]
        parts = []
        for name, extra in (("prepend", prepend), (None, x), ("append", append)):
            if extra is None:
                continue
            part = x._lift(extra)
            if part.ndim != x.ndim:
                raise ShapeError(
                    f"diff: {name} must have as many dimensions as the input ({x.ndim}), "
                    f"got shape {part.shape}"
                )
            parts.append(part)
        if len(parts) > 1:
            from .tensor import concatenate

            x = concatenate(parts, axis)
        for _ in range(n):
            m = x.shape[axis]
            after, before = _along(x, axis, slice(1, m)), _along(x, axis, slice(0, max(m - 1, 0)))
            x = after.logical_xor(before) if x.dtype.kind == "b" else after - before
        return x

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """Each vector along the last axis laid on the `offset` diagonal of a matrix over
        new axes dim1 and dim2 (of the result), zeros elsewhere: batched `diag`."""
        x = _me(self)
        if x.ndim == 0:
            raise ValueError("diag_embed needs at least 1 dimension, got a 0-d tensor")
        a, b = (normalize_axis(d, x.ndim + 1)[0] for d in (dim1, dim2))
        if a == b:
            raise ValueError(f"diag_embed: dim1 and dim2 are both axis {a}")
        n = x.shape[-1]
        m = n + abs(offset)
        rows, cols = np.indices((m, m))
        on = (cols - rows) == offset
        where = np.where(on, np.minimum(rows, cols), n)  # the entry, or the padding zero
        xp = namespace(x._data)
        from .tensor import concatenate

        pad = x._constant_like(xp.zeros(x.shape[:-1] + (1,), dtype=x.dtype))
        padded = concatenate([x, pad], -1)
        out = padded[..., xp.asarray(where)]
        return out.movedim((-2, -1), (a, b))
