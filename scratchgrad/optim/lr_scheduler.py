"""PyTorch's `torch.optim.lr_scheduler` path for `scratchgrad.nn.optim.lr_scheduler`."""

from ..nn.optim.lr_scheduler import *  # noqa: F403
from ..nn.optim.more_schedules import (  # noqa: F401
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    MultiplicativeLR,
    PolynomialLR,
    SequentialLR,
)
from ..nn.optim.per_step_schedules import LambdaLR, OneCycleLR  # noqa: F401
