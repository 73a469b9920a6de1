"""`scratchgrad graph "tanh(x*w + b)" --set x=1 w=2 b=0.5 --out g.svg`."""
from pathlib import Path

import viz
from scratchgrad.expression import evaluate, parse_assignments


def run(expression, assignments, out="graph.svg", echo=print):
    output, leaves = evaluate(expression, parse_assignments(assignments))
    output.label = "out"
    if output.requires_grad:
        output.backward()
    out = Path(out)
    fmt = out.suffix.lstrip(".").lower() or "svg"
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"--out must end in .svg, .png or .pdf, got {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    viz.draw_graph(output).render(out.with_suffix(""), format=fmt, cleanup=True)
    grads = ", ".join(f"d out/d {name} = {leaf.grad:.6g}" for name, leaf in leaves.items())
    echo(f"out = {output.data:.6g}; {grads}; wrote {out}")
    return output, leaves
