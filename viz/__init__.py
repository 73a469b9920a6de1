"""scratchgrad's drawings: computational graphs (graphviz) and training plots (matplotlib).

    viz.draw_graph(loss)              # graphviz.Digraph: inline in Jupyter, .render() to file
    viz.backprop_steps(loss)          # the backward pass, one drawing per step
    viz.plot_optimizer_paths()        # SGD/Momentum/AdaGrad/RMSProp/Adam on x²/20 + y²
"""
import nn  # noqa: F401  (checks that `autograd` is scratchgrad's engine, not HIPS autograd)

from .graph import draw_graph  # noqa: E402
from .plots import (default_optimizers, gradient_norms, optimizer_path,  # noqa: E402
                    plot_decision_boundary, plot_function_and_derivative, plot_gradient_flow,
                    plot_history, plot_optimizer_paths)
from .renderer import RendererNotFoundError, find_renderer, render_svg  # noqa: E402
from .steps import BackpropSteps, backprop_steps  # noqa: E402

__all__ = ["draw_graph", "backprop_steps", "BackpropSteps", "render_svg", "find_renderer",
           "RendererNotFoundError", "plot_history", "plot_optimizer_paths", "optimizer_path",
           "default_optimizers", "plot_decision_boundary", "plot_function_and_derivative",
           "plot_gradient_flow", "gradient_norms"]
