"""`scratchgrad graph "tanh(x*w + b)" --set x=1 w=2 b=0.5 --out g.svg`."""

import os
from pathlib import Path

from .. import viz
from ..expression import ExpressionError, evaluate, parse_assignments
from ..viz import renderer
from . import UsageError, refuse_file_in_the_way
from .options import GRAPH_FILE

# Beyond ~100 nodes a drawing is unreadable and the pure-Python renderer slows down
# sharply (400 nodes: minutes); draw_graph keeps the nodes nearest the output and says so.
MAX_NODES = 100
SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def run(args, echo=print):
    """Evaluate, backpropagate, draw; reports the file actually written. Exit status 0."""
    out = out_file(args.out)
    output, leaves = evaluate(args.expression, parse_assignments(args.set))
    output.label = "out"
    if output.requires_grad:
        _backward(output, args.expression, leaves)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = renderer.render_file(viz.draw_graph(output, max_nodes=MAX_NODES), out)
    grads = ", ".join(f"d out/d {name} = {leaf.grad:.6g}" for name, leaf in leaves.items())
    echo(f"out = {output.data:.6g}; {grads + '; ' if grads else ''}wrote {written}")
    return 0


def out_file(out):
    """The file --out names. A folder (one that exists, or a path ending in "/", like
    `cp`'s target) gets GRAPH_FILE inside it; a file in the way is refused up front."""
    text = os.fspath(out)
    path = Path(text).expanduser()
    if text.endswith(SEPARATORS) or path.is_dir():
        path = path / GRAPH_FILE
    refuse_file_in_the_way("--out", path, "choose a path inside a folder", folder=False)
    if path.is_dir():
        raise UsageError(f"--out {path} is a folder; name a file, e.g. --out {path / GRAPH_FILE}")
    return path


def _backward(output, expression, leaves):
    """Backprop; a gradient that does not exist (sqrt at 0, 0**0 in y) is a user error."""
    try:
        output.backward()
    except (ArithmeticError, ValueError) as err:
        at = ", ".join(f"{name}={leaf.data:g}" for name, leaf in leaves.items())
        raise ExpressionError(
            f"the gradient of {expression.strip()[:60]!r} is undefined"
            f"{' at ' + at if at else ''} ({err}); try other values"
        ) from None
