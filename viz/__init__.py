"""scratchgrad's drawings: computational graphs (graphviz) and training plots (matplotlib)."""
import nn  # noqa: F401  (checks that `autograd` is scratchgrad's engine, not HIPS autograd)
