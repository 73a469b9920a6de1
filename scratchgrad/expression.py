"""A safe parser for small arithmetic expressions: "tanh(x*w + b)" -> a Value graph.

Python's `ast` module parses the text (parsing runs no code); we then interpret only a
whitelist — numbers, variable names, + - * / **, unary minus, and calls to the
functions below. Anything else (attributes, subscripts, lambdas, strings...) is
rejected with a message that names it. Never `eval`.
"""
import ast

from autograd import Value

FUNCTIONS = {name: (lambda n: lambda v: getattr(v, n)())(name)
             for name in ("tanh", "exp", "log", "relu", "sigmoid", "sin", "cos", "sqrt",
                          "abs")}
BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
          ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
          ast.Pow: lambda a, b: a ** b}
MAX_LENGTH = 2000


class ExpressionError(ValueError):
    pass


def parse_assignments(items):
    """["x=1", "w=2"] -> {"x": 1.0, "w": 2.0}."""
    values = {}
    for item in items or ():
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--set expects name=number, got {item!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise ExpressionError(f"--set {name}: {number!r} is not a number") from None
    return values


def evaluate(text, variables):
    """Build the graph of `text`; each variable is one labelled `Value` leaf.

    Returns (output Value, {name: leaf Value}).
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"cannot parse {text!r}: {err.msg} at column {err.offset}") from None
    leaves = {name: Value(v, label=name) for name, v in variables.items()}
    used = {}
    try:
        out = _interpret(tree.body, leaves, used)
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    if not isinstance(out, Value):
        out = Value(out)
    unused = sorted(set(leaves) - set(used))
    if unused:
        raise ExpressionError(f"--set gives {', '.join(unused)}, which the expression does "
                              "not use")
    return out, used


def _interpret(node, leaves, used):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            raise ExpressionError(f"variable {node.id!r} has no value: add --set {node.id}=...")
        used[node.id] = leaves[node.id]
        return leaves[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left = _interpret(node.left, leaves, used)
        right = _interpret(node.right, leaves, used)
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = Value(left, requires_grad=False)
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _interpret(node.operand, leaves, used)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"unknown function {node.func.id!r}; available: "
                                  f"{', '.join(FUNCTIONS)}")
        if len(node.args) != 1:
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        arg = _interpret(node.args[0], leaves, used)
        if not isinstance(arg, Value):
            arg = Value(arg, requires_grad=False)
        return FUNCTIONS[node.func.id](arg)
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression; use "
                          "numbers, names, + - * / **, and functions like tanh(...)")
