"""`torch.nn.utils`' gradient clipping under its PyTorch path (`nn.utils.clip_grad_norm_`);
the functions live with the optimizers (`nn.optim.clip`)."""

from .optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
