"""Optimizers with torch.optim's update rules and defaults, for Tensor and Value params.

opt = nn.optim.Adam(model.parameters(), lr=1e-3)
opt.zero_grad(); loss.backward(); opt.step()
"""

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)
from .more_schedules import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    MultiplicativeLR,
    PolynomialLR,
    SequentialLR,
)
from .optimizer import NonFiniteGradientError, Optimizer, OptimizerStateError
from .per_step_schedules import LambdaLR, OneCycleLR
from .rmsprop import RMSprop
from .sgd import SGD, Momentum, Nesterov

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "NonFiniteGradientError",
    "OptimizerStateError",
    "clip_grad_norm_",
    "clip_grad_value_",
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "ReduceLROnPlateau",
    "LambdaLR",
    "OneCycleLR",
    "ConstantLR",
    "PolynomialLR",
    "MultiplicativeLR",
    "CosineAnnealingWarmRestarts",
    "SequentialLR",
    "ChainedScheduler",
]
