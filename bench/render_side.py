"""Graph rendering, in its own process: build a graph, draw it, render SVG.

python -m bench.render_side chain N     -> a chain of ~N nodes (binary ops)
python -m bench.render_side demo        -> one demo sample's loss with the L2 term
"""

import sys
import time

from bench.harness import emit


def chain_graph(n):
    from scratchgrad.autograd import Value

    x = Value(0.5, label="x")
    y = x
    for i in range(n // 2):  # each step adds an op node and a constant
        y = (y * 0.999).tanh() if i % 2 else y + 0.001
    return y


def demo_sample_graph():
    from scratchgrad import autograd, nn

    model = nn.scalar.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    score = model([0.5, -0.25])
    return (1.0 - score).relu() + 1e-4 * autograd.sum(p * p for p in params)


def main():
    from scratchgrad import autograd, viz

    root = chain_graph(int(sys.argv[2])) if sys.argv[1] == "chain" else demo_sample_graph()
    root.backward()
    nodes = len(autograd.topological_order([root], every_node=True))
    start = time.perf_counter()
    svg = viz.render_svg(viz.draw_graph(root, max_nodes=10_000))
    emit(seconds=time.perf_counter() - start, nodes=nodes, svg_bytes=len(svg))


if __name__ == "__main__":
    main()
