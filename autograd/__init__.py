"""scratchgrad's autograd engine: `Value` (scalars) and `Tensor` (arrays) on one op table.

from scratchgrad.autograd import Value, Tensor, no_grad, grad
a = Value(-4.0); b = Value(2.0)
c = (a * b + b ** 3).tanh(); c.backward(); a.grad
"""

from . import (
    functional,
    ops_conv,
    ops_decompositions,
    ops_depthwise,
    ops_einsum,
    ops_elementwise,
    ops_linalg,
    ops_matrix,
    ops_nn,
    ops_norm,
    ops_reduce,
    ops_shape,
    ops_special,
    ops_trigonometric,
)
from .anomaly import AnomalyError, detect_anomaly
from .custom_function import Function, FunctionCtx
from .devices import Device, cuda, device
from .dtypes import get_default_dtype, set_default_dtype
from .engine import GraphFreedError, backward, grad, topological_order
from .functions import dot
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_grad_enabled,
)
from .node import Node
from .numerical import (
    GradcheckError,
    GradcheckReport,
    gradcheck,
    gradgradcheck,
    numerical_derivative,
    numerical_grad,
)
from .op_table import OPS, Op
from .tensor import Tensor, concatenate, from_numpy, maximum, minimum, stack, tensor, where
from .transforms import hessian, hvp, jacobian, jvp, trace_jvp, vjp
from .value import Value, value_sum


def sum(items, start=None):
    """Σ items as one n-ary node (`Value`s or broadcastable `Tensor`s)."""
    from .tensor import tensor_sum

    items = list(items)
    if any(isinstance(x, Tensor) for x in items):
        if start is not None:
            items.append(start)
        return tensor_sum(items)
    return value_sum(items, start)


__all__ = [
    "Value",
    "Tensor",
    "Node",
    "Op",
    "Function",
    "FunctionCtx",
    "OPS",
    "no_grad",
    "inference_mode",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "name_scope",
    "grad",
    "backward",
    "topological_order",
    "GraphFreedError",
    "sum",
    "dot",
    "concatenate",
    "stack",
    "where",
    "maximum",
    "minimum",
    "tensor",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "numerical_derivative",
    "GradcheckError",
    "GradcheckReport",
    "detect_anomaly",
    "AnomalyError",
    "jvp",
    "vjp",
    "jacobian",
    "hessian",
    "hvp",
    "trace_jvp",
    "from_numpy",
    "Device",
    "device",
    "cuda",
    "get_default_dtype",
    "set_default_dtype",
]
