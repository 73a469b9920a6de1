"""scratchgrad's neural-network layer: modules, losses, optimizers, data and training."""
from ._engine_check import require_scratchgrad_autograd

require_scratchgrad_autograd("nn")
