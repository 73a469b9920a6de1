"""PyTorch's free functions for the Tensor methods of tensor_arithmetic.py,
tensor_rearranging.py, tensor_statistics.py, indexing_functions.py and set_functions.py
(`torch.addmm(b, x, w)` is `b.addmm(x, w)`: one definition for both spellings), and
the ones with no method (building_functions.py, set_functions.py, dtype_promotion.py),
gathered here so that the top level imports them from one place (MORE_FUNCTIONS).
"""

from __future__ import annotations

from typing import Any

from .building_functions import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    cartesian_prod,
    chain_matmul,
    column_stack,
    combinations,
    cumulative_trapezoid,
    dstack,
    empty_like,
    logspace,
    meshgrid,
    tensordot,
    trapezoid,
    tril_indices,
    triu_indices,
    vander,
)
from .dtype_promotion import can_cast, promote_types, result_type
from .functions import _method_as_function, _t
from .set_functions import bucketize, isin, searchsorted
from .tensor import Tensor


def clone(input: Any, *, memory_format: Any = None) -> Tensor:
    """As torch.clone: a copy that gradients flow through (`input.clone()`)."""
    return _t(input).clone()


lerp = _method_as_function("lerp")
addmm = _method_as_function("addmm")
baddbmm = _method_as_function("baddbmm")
addbmm = _method_as_function("addbmm")
addmv = _method_as_function("addmv")
addr = _method_as_function("addr")
addcmul = _method_as_function("addcmul")
addcdiv = _method_as_function("addcdiv")
cross = _method_as_function("cross")
kron = _method_as_function("kron")
dist = _method_as_function("dist")
renorm = _method_as_function("renorm")
nan_to_num = _method_as_function("nan_to_num")
true_divide = _method_as_function("true_divide")
floor_divide = _method_as_function("floor_divide")
rot90 = _method_as_function("rot90")
flipud = _method_as_function("flipud")
fliplr = _method_as_function("fliplr")
ravel = _method_as_function("ravel")
tensor_split = _method_as_function("tensor_split")
trapz = trapezoid  # PyTorch's older name
hsplit = _method_as_function("hsplit")
vsplit = _method_as_function("vsplit")
dsplit = _method_as_function("dsplit")
diff = _method_as_function("diff")
diag_embed = _method_as_function("diag_embed")
cummax = _method_as_function("cummax")
cummin = _method_as_function("cummin")
logcumsumexp = _method_as_function("logcumsumexp")
aminmax = _method_as_function("aminmax")
nanmean = _method_as_function("nanmean")
kthvalue = _method_as_function("kthvalue")
mode = _method_as_function("mode")
quantile = _method_as_function("quantile")
nanquantile = _method_as_function("nanquantile")
cov = _method_as_function("cov")
corrcoef = _method_as_function("corrcoef")
take = _method_as_function("take")
select = _method_as_function("select")
index_add = _method_as_function("index_add")
index_copy = _method_as_function("index_copy")
index_fill = _method_as_function("index_fill")
index_put = _method_as_function("index_put")
scatter = _method_as_function("scatter")
scatter_add = _method_as_function("scatter_add")
scatter_reduce = _method_as_function("scatter_reduce")
masked_scatter = _method_as_function("masked_scatter")
unique = _method_as_function("unique")
unique_consecutive = _method_as_function("unique_consecutive")
nonzero = _method_as_function("nonzero")
argwhere = _method_as_function("argwhere")
bincount = _method_as_function("bincount")
histc = _method_as_function("histc")
detach = _method_as_function("detach")
lt = _method_as_function("lt")
gt = _method_as_function("gt")
le = _method_as_function("le")
ge = _method_as_function("ge")
ne = _method_as_function("ne")

__all__ = [
    "clone",
    "lerp",
    "addmm",
    "baddbmm",
    "addbmm",
    "addmv",
    "addr",
    "addcmul",
    "addcdiv",
    "cross",
    "kron",
    "dist",
    "renorm",
    "nan_to_num",
    "true_divide",
    "floor_divide",
    "rot90",
    "flipud",
    "fliplr",
    "ravel",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "diff",
    "diag_embed",
    "cummax",
    "cummin",
    "logcumsumexp",
    "aminmax",
    "nanmean",
    "kthvalue",
    "mode",
    "quantile",
    "nanquantile",
    "cov",
    "corrcoef",
    "take",
    "select",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "masked_scatter",
    "unique",
    "unique_consecutive",
    "nonzero",
    "argwhere",
    "bincount",
    "histc",
    "detach",
    "lt",
    "gt",
    "le",
    "ge",
    "ne",
    "broadcast_shapes",
    "broadcast_tensors",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "meshgrid",
    "cartesian_prod",
    "combinations",
    "tril_indices",
    "triu_indices",
    "block_diag",
    "column_stack",
    "dstack",
    "tensordot",
    "chain_matmul",
    "vander",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "logspace",
    "empty_like",
    "isin",
    "searchsorted",
    "bucketize",
    "promote_types",
    "result_type",
    "can_cast",
]

#: the names the top level exports from here (`scratchgrad.addmm`, ...)
MORE_FUNCTIONS = tuple(__all__)
