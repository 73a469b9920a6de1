"""`einsum` (torch.einsum): Einstein summation as one table op.

    einsum("bij,bjk->bik", a, b)      # batched matmul
    einsum("ii->i", a)                 # the diagonal;  einsum("ij->", a): the sum

Its forward is numpy's (or CuPy's) einsum. Its VJP is einsum again: the gradient of
operand i is the output's gradient summed against every other operand onto i's
labels,

    d/dA of einsum("ij,jk->ik", A, B) = einsum("ik,jk->ij", G, B),

with two fix-ups: a label only operand i has (summed away in the forward) comes back as
a row of ones, and a label repeated in operand i (a diagonal) is put back on the
diagonal by an identity matrix. Since the VJP and the JVP (multilinear: one einsum per
tangent) are this op, it differentiates to any order. `einsum()` below makes the
equation explicit first: "..." becomes letters of its own, the output is written out
(numpy's rule: the labels used once, in order), and dimensions of size 1 are expanded
to their label's size (PyTorch broadcasts them), so the op never broadcasts.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import Any, cast

from .backend import namespace
from .errors import ArgumentError, ShapeError
from .node import Node
from .op_table import register
from .vjp_math import data_of, fit_to, tangent_sum


def _parse(equation: str) -> tuple[list[str], str]:
    inputs, output = equation.split("->")
    return inputs.split(","), output


def _einsum(*operands: Any, equation: str) -> Any:
    xp = namespace(operands[0])
    return xp.einsum(equation, *operands, optimize=len(operands) > 2)


def _constant(like: Any, array: Any) -> Any:
    """`array` as a constant beside `like` (a node under create_graph)."""
    return cast(Any, like)._lift(array) if isinstance(like, Node) else array


def _operand_grad(g: Any, xs: Any, subs: list[str], output: str, i: int) -> Any:
    """d/d operand i: g summed against the other operands onto operand i's labels."""
    target = subs[i]
    xp = namespace(data_of(g))
    sizes = {label: n for sub, x in zip(subs, xs) for label, n in zip(sub, x.shape)}
    terms, operands = [output], [g]
    for j, (sub, x) in enumerate(zip(subs, xs)):
        if j != i:
            terms.append(sub)
            operands.append(x)
    unique = "".join(dict.fromkeys(target))  # each label once, in order
    seen = set("".join(terms))
    for label in unique:
        if label not in seen:  # summed away in the forward: it comes back as ones
            terms.append(label)
            operands.append(_constant(g, xp.ones(sizes[label], dtype=g.dtype)))
    grad = EINSUM(*operands, equation=",".join(terms) + "->" + unique)
    if unique == target:
        return grad
    free = iter(label for label in string.ascii_letters if label not in sizes)
    renamed, pairs = [], []
    for label in target:  # a repeated label: a new one, tied to the first by an identity
        if label in renamed:
            other = next(free)
            pairs.append((label, other))
            label = other
        renamed.append(label)
    terms, operands = [unique], [grad]
    for label, other in pairs:
        terms.append(label + other)
        operands.append(_constant(g, xp.eye(sizes[label], dtype=g.dtype)))
    return EINSUM(*operands, equation=",".join(terms) + "->" + "".join(renamed))


def _vjp(node: Any, g: Any, xs: Any, out: Any) -> tuple[Any, ...]:
    subs, output = _parse(node._saved["equation"])
    needs = [p.requires_grad for p in node._parents]
    return tuple(
        _operand_grad(g, xs, subs, output, i) if needed else None for i, needed in enumerate(needs)
    )


def _jvp(node: Any, ts: Any, xs: Any, out: Any) -> Any:
    equation = node._saved["equation"]
    terms = [
        EINSUM(*[t if j == i else x for j, x in enumerate(xs)], equation=equation)
        for i, t in enumerate(ts)
        if t is not None
    ]
    return fit_to(tangent_sum(*terms), out)


EINSUM = register(
    "einsum",
    _einsum,
    _vjp,
    _jvp,
    arity=None,
    symbol="einsum",
    doc="Einstein summation over an explicit equation;  d/d operand = einsum of the "
    "gradient with the other operands onto its labels (ones for its own summed labels, "
    "an identity for a repeated one)",
)


def explicit(equation: str, shapes: list[tuple[int, ...]]) -> tuple[str, dict[str, int]]:
    """The equation with "..." as letters of its own and the output written out, and
    each label's size; errors name what does not fit (PyTorch's rules)."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) != len(shapes):
        raise ArgumentError(
            f"einsum(): the equation {equation!r} names {len(subs)} operands, but "
            f"{len(shapes)} were given"
        )
    letters = set(equation) - set(".,->")
    bad = sorted(c for c in letters if c not in string.ascii_letters)
    if bad:
        raise ValueError(f"einsum(): labels must be letters a-z or A-Z, got {bad}")
    free = iter(c for c in reversed(string.ascii_letters) if c not in letters)
    widest = 0
    for sub, shape in zip(subs, shapes):
        named = len(sub.replace("...", ""))
        if "..." not in sub and named != len(shape):
            raise ShapeError(
                f"einsum(): operand {sub!r} has {len(shape)} dimensions but its "
                f"subscript names {named}"
            )
        widest = max(widest, len(shape) - named)
    ellipsis = "".join(next(free) for _ in range(widest))
    subs = [
        sub.replace("...", ellipsis[widest - (len(shape) - len(sub) + 3) :])
        if "..." in sub
        else sub
        for sub, shape in zip(subs, shapes)
    ]
    if not arrow:  # numpy's implicit output: "..." first, then labels used once, sorted
        counts = Counter("".join(subs))
        output = ellipsis + "".join(
            sorted(c for c, k in counts.items() if k == 1 and c not in ellipsis)
        )
    else:
        output = output.replace("...", ellipsis)
    sizes: dict[str, int] = {}
    for sub, shape in zip(subs, shapes):
        for label, n in zip(sub, shape):
            known = sizes.get(label, n)
            if known != n and 1 not in (known, n):
                raise ShapeError(
                    f"einsum(): label {label!r} has size {n} in one operand and {known} in "
                    f"another (they must match, or one be 1); equation {equation!r}, shapes "
                    f"{shapes}"
                )
            sizes[label] = n if known == 1 else known  # (a 1 broadcasts; a 0 stays)
    unknown = sorted(set(output) - set(sizes))
    if unknown or len(set(output)) != len(output):
        raise ValueError(
            f"einsum(): the output {output!r} must name each label once, and only labels "
            f"of the operands (equation {equation!r})"
        )
    return ",".join(subs) + "->" + output, sizes


def einsum(equation: str, *operands: Any) -> Any:
    """As torch.einsum(equation, *operands) (or one list of operands): the sum over the
    labels not in the output of the operands' products, e.g. "bij,bjk->bik"."""
    from .tensor import Tensor, tensor

    if not isinstance(equation, str):
        raise NotImplementedError(
            "einsum(operand, [labels], ...): the sublist form is not supported; write the "
            "equation as a string"
        )
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): give at least one operand")
    first = next((x for x in operands if isinstance(x, Tensor)), None)
    leaves = [
        x if isinstance(x, Tensor) else (first._lift(x) if first is not None else tensor(x))
        for x in operands
    ]
    full, sizes = explicit(equation, [tuple(x.shape) for x in leaves])
    subs, _ = _parse(full)
    expanded = []
    for sub, x in zip(subs, leaves):
        shape = tuple(sizes[label] for label in sub)
        expanded.append(x if tuple(x.shape) == shape else x.expand(*shape))
    return Tensor._apply(EINSUM, tuple(expanded), equation=full)
