"""micrograd's `engine` module: `from micrograd.engine import Value` becomes
`from scratchgrad.engine import Value` (micrograd's `Value`, on scratchgrad's engine:
the same numbers, `_prev`/`_op` for your own `draw_dot`, ~70x faster).

Importing it also makes sure micrograd's `draw_dot` (a plain `graphviz.Digraph`) can be
shown where no system Graphviz is installed: only then does the bundled renderer stand
in for `dot` (`viz.renderer.stand_in_for_missing_dot`; where a `dot` exists, nothing
changes).
"""

from .autograd import Value
from .viz.renderer import stand_in_for_missing_dot

stand_in_for_missing_dot()

__all__ = ["Value"]
