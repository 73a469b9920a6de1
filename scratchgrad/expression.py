"""A safe parser for small arithmetic expressions: "tanh(x*w + b)" -> a Value graph.

Python's `ast` module parses the text (parsing runs no code); we then interpret only a
whitelist — numbers, variable names, + - * / **, unary minus, and calls to the
functions below. Anything else (attributes, subscripts, lambdas, strings...) is
rejected with a message that names it. Never `eval`.

The interpreter walks the tree with an explicit stack, so a long flat chain such as
x+x+...+x (1,000 terms) costs no Python recursion; real nesting (brackets, calls,
unary signs, right-hand operands) is capped at MAX_DEPTH levels.
"""

import ast
import keyword
import math
import unicodedata

from .autograd import Value

FUNCTIONS = {
    name: (lambda n: lambda v: getattr(v, n)())(name)
    for name in ("tanh", "exp", "log", "relu", "sigmoid", "sin", "cos", "sqrt", "abs")
}
BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
MAX_LENGTH = 2000
MAX_DEPTH = 100
ALLOWED = "use numbers, names, + - * / **, and functions like tanh(...)"


class ExpressionError(ValueError):
    """A user's expression (or `--set name=value`) that cannot be parsed, is not allowed
    or cannot be computed; the CLI prints its message, which says why and what to write."""


def normalize_name(name):
    """NFKC, as Python does for identifiers: a full-width 'ｘ' names the same 'x'."""
    return unicodedata.normalize("NFKC", name.strip())


def parse_assignments(items):
    """["x=1", "w=2"] -> {"x": 1.0, "w": 2.0}; each name once, each value finite."""
    values = {}
    for item in items or ():
        raw, sep, number = item.partition("=")
        name = normalize_name(raw)
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--set expects name=number like x=1.5, got {_short(item)}")
        if keyword.iskeyword(name):
            raise ExpressionError(
                f"--set {name}: {name!r} is a Python keyword and cannot be "
                "a variable; pick another name"
            )
        if name in values:
            raise ExpressionError(f"--set gives {name} twice; keep one value")
        values[name] = _finite(name, number)
    return values


def _finite(name, text):
    """A --set value; nan and inf (also '1e999') make every gradient meaningless."""
    try:
        value = float(text)
    except ValueError:
        raise ExpressionError(f"--set {name}: {_short(text)} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(
            f"--set {name}: {_short(text)} is not a finite number; give "
            "a value between about -1.8e308 and 1.8e308"
        )
    return value


def _short(text, limit=60):
    """repr(text), cut so an error message stays one readable line."""
    text = repr(text)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def _clip(text, limit=40):
    """Source text cut to `limit` characters, for messages."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def evaluate(text, variables):
    """Build the graph of `text`; each variable is one labelled `Value` leaf.

    Returns (output Value, {name: leaf Value}).
    """
    source, tree = parse(text)
    leaves = {name: Value(v, label=name) for name, v in variables.items()}
    used = {}
    out = _interpret(source, tree.body, leaves, used)
    if not isinstance(out, Value):
        out = Value(out)
    unused = sorted(set(leaves) - set(used))
    if unused:
        raise ExpressionError(f"--set gives {', '.join(unused)}, which the expression does not use")
    return out, used


def parse(text):
    """(stripped source, ast.Expression); every parser failure becomes ExpressionError."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters; the limit is {MAX_LENGTH}")
    source = text.strip()
    if not source:
        raise ExpressionError('the expression is empty; give one like "tanh(x*w + b)"')
    try:
        return source, ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"cannot parse {_short(source)}: {err.msg} at column {err.offset}"
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is nested too deeply to parse") from None


def _interpret(source, root, leaves, used):
    """Post-order walk with an explicit stack; each node's operands are on `results`."""
    results = []
    stack = [(root, 1, False)]
    while stack:
        node, depth, ready = stack.pop()
        if ready:
            results.append(_apply(source, node, results, leaves, used))
            continue
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"expression is nested more than {MAX_DEPTH} levels deep "
                "(a flat chain like x+x+...+x is fine)"
            )
        stack.append((node, depth, True))
        for child, extra in reversed(_children(node)):
            stack.append((child, depth + extra, False))
    return results.pop()


def _children(node):
    """Operands of an allowed node, each with how much nesting it adds; refuses the rest.

    The left operand of a binary operator adds none, so x+x+...+x stays flat.
    """
    if isinstance(node, (ast.Constant, ast.Name)):
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return [(node.left, 0), (node.right, 1)]
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return [(node.operand, 1)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function {node.func.id!r}; available: {', '.join(FUNCTIONS)}"
            )
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        return [(node.args[0], 1)]
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression; {ALLOWED}")


def _apply(source, node, results, leaves, used):
    """The value of `node` from its operands (popped off `results`)."""
    if isinstance(node, ast.Constant):
        return _constant(node.value, ast.get_source_segment(source, node))
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            raise ExpressionError(f"variable {node.id!r} has no value: add --set {node.id}=...")
        used[node.id] = leaves[node.id]
        return leaves[node.id]
    try:
        if isinstance(node, ast.BinOp):
            right, left = results.pop(), results.pop()
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = Value(left, requires_grad=False)
            return BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](results.pop())
        arg = results.pop()
        if not isinstance(arg, Value):
            arg = Value(arg, requires_grad=False)
        return FUNCTIONS[node.func.id](arg)
    except (ArithmeticError, ValueError) as err:  # 1/0, overflow, log(-1), (-1)**0.5
        part = ast.get_source_segment(source, node) or source
        raise ExpressionError(f"cannot compute {_short(part)}: {err}") from None


def _constant(value, text):
    """A literal as a float; refuses bools, strings, complex, and floats that overflow."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(
            f"the literal {_clip(text)} is not allowed in an expression; {ALLOWED}"
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(
            f"the number {_clip(text)} is too large for a float (the limit is about 1.8e308)"
        )
    return number
