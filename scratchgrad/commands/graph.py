"""`scratchgrad graph "tanh(x*w + b)" --set x=1 w=2 b=0.5 --out g.svg`."""
from pathlib import Path

from .. import viz
from ..expression import ExpressionError, evaluate, parse_assignments
from ..viz import renderer

# Beyond ~100 nodes a drawing is unreadable and the pure-Python renderer slows down
# sharply (400 nodes: minutes); draw_graph keeps the nodes nearest the output and says so.
MAX_NODES = 100


def run(expression, assignments, out="graph.svg", echo=print):
    """Evaluate, backpropagate, draw; reports the file actually written."""
    out = check_out_file(out)
    output, leaves = evaluate(expression, parse_assignments(assignments))
    output.label = "out"
    if output.requires_grad:
        _backward(output, expression, leaves)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = renderer.render_file(viz.draw_graph(output, max_nodes=MAX_NODES), out)
    grads = ", ".join(f"d out/d {name} = {leaf.grad:.6g}" for name, leaf in leaves.items())
    echo(f"out = {output.data:.6g}; {grads + '; ' if grads else ''}wrote {written}")
    return output, leaves


def check_out_file(out):
    """Refuse an existing folder before any work: it cannot be overwritten by a picture."""
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; name a file in it, e.g. "
                         f"--out {out / 'graph.svg'}")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ValueError(f"--out {out}: {blocking} is a file, not a folder")
    return out


def _backward(output, expression, leaves):
    """Backprop; a gradient that does not exist (sqrt at 0, 0**0 in y) is a user error."""
    try:
        output.backward()
    except (ArithmeticError, ValueError) as err:
        at = ", ".join(f"{name}={leaf.data:g}" for name, leaf in leaves.items())
        raise ExpressionError(f"the gradient of {expression.strip()[:60]!r} is undefined"
                              f"{' at ' + at if at else ''} ({err}); try other values") \
            from None
