"""scratchgrad's drawings: computational graphs (graphviz) and training plots (matplotlib).

viz.draw_graph(loss)              # a graphviz Digraph: inline in Jupyter
viz.render_file(drawing, "g.svg") # writes only g.svg; bounded in nodes and time
viz.backprop_steps(loss)          # the backward pass, one drawing per step
                                  # (in Jupyter both show as a step-by-step player)
nn.fit(..., callbacks=[viz.LiveView()])   # curves redrawn in place in a notebook
viz.plot_optimizer_paths()        # SGD/Momentum/AdaGrad/RMSProp/Adam on x²/20 + y²
"""

from .activations import plot_activation_histograms, record_activations
from .conv_plots import feature_maps, plot_feature_maps, plot_filters
from .graph import GraphDrawing, draw_graph, draw_jvp
from .live import LiveView
from .plots import (
    default_optimizers,
    gradient_norms,
    hyperparameters,
    optimizer_path,
    plot_decision_boundary,
    plot_function_and_derivative,
    plot_gradient_flow,
    plot_history,
    plot_optimizer_paths,
    readable_names,
)
from .renderer import (
    MAX_RENDER_NODES,
    Drawing,
    RendererNotFoundError,
    RenderError,
    find_renderer,
    render_file,
    render_svg,
)
from .steps import BackpropSteps, backprop_steps

__all__ = [
    "draw_graph",
    "draw_jvp",
    "GraphDrawing",
    "backprop_steps",
    "BackpropSteps",
    "LiveView",
    "render_file",
    "render_svg",
    "find_renderer",
    "RenderError",
    "RendererNotFoundError",
    "MAX_RENDER_NODES",
    "Drawing",
    "plot_history",
    "plot_optimizer_paths",
    "optimizer_path",
    "default_optimizers",
    "plot_decision_boundary",
    "plot_function_and_derivative",
    "plot_gradient_flow",
    "gradient_norms",
    "hyperparameters",
    "readable_names",
    "plot_filters",
    "plot_feature_maps",
    "feature_maps",
    "plot_activation_histograms",
    "record_activations",
]
