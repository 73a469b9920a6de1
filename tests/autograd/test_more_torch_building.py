"""The torch functions that build, count and look up (autograd/building_functions.py,
set_functions.py, dtype_promotion.py), the storage methods (tensor_info.py) and the
top-level spellings of existing methods (clone, detach, lt, ...), against PyTorch."""

import warnings

import numpy as np
import pytest
from oracles import oracle
from torch_compare import compare

import scratchgrad as sg
from scratchgrad.autograd import gradcheck

torch = oracle("torch")
rng = np.random.default_rng(8)
X = rng.normal(size=(3, 4))
U = rng.normal(size=3)
Q = rng.normal(size=4)
INTS = np.array([[3, 1, 2, 1], [3, 1, 2, 1], [0, 5, 5, 2]])

CASES = {
    # --- differentiable builders
    "broadcast_tensors": (lambda m, a, b: m.broadcast_tensors(a, b), [X, Q]),
    "atleast_1d": (lambda m, a: m.atleast_1d(a), [np.array(2.0)]),
    "atleast_2d many": (lambda m, a, b: m.atleast_2d(a, b), [np.array(2.0), U]),
    "atleast_3d list": (lambda m, a, b, c: m.atleast_3d([a, b, c]), [np.array(1.0), U, X]),
    "meshgrid ij": (lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [U, Q]),
    "meshgrid xy": (lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"), [U, Q, U[:2]]),
    "cartesian_prod": (lambda m, a, b: m.cartesian_prod(a, b), [U, Q]),
    "cartesian_prod 3": (lambda m, a, b, c: m.cartesian_prod(a, b, c), [U, Q[:2], U[:2]]),
    "cartesian_prod 1": (lambda m, a: m.cartesian_prod(a), [U]),
    "combinations": (lambda m, a: m.combinations(a), [Q]),
    "combinations 3 replacement": (lambda m, a: m.combinations(a, 3, True), [U]),
    "block_diag": (lambda m, a, b, c: m.block_diag(a, b, c), [np.array(2.0), U, X]),
    "column_stack": (lambda m, a, b, c: m.column_stack([a, b, c]), [U, X[:, :2], U]),
    "dstack": (lambda m, a, b: m.dstack((a, b)), [X, X * 2]),
    "dstack 1-D": (lambda m, a, b: m.dstack([a, b]), [U, U]),
    "tensordot 2": (
        lambda m, a, b: m.tensordot(a, b),
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5))],
    ),
    "tensordot lists": (
        lambda m, a, b: m.tensordot(a, b, dims=([0, 2], [2, 0])),
        [rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5, 2))],
    ),
    "tensordot 0": (lambda m, a, b: m.tensordot(a, b, 0), [U, Q]),
    "trapezoid": (lambda m, a: m.trapezoid(a), [X]),
    "trapezoid x": (lambda m, a, x: m.trapezoid(a, x), [X, np.array([0.0, 0.5, 2.0, 2.5])]),
    "trapezoid x same shape": (lambda m, a, x: m.trapezoid(a, x, dim=0), [X, X.cumsum(0)]),
    "trapezoid dx": (lambda m, a: m.trapezoid(a, dx=0.3, dim=0), [X]),
    "cumulative_trapezoid": (lambda m, a: m.cumulative_trapezoid(a), [X]),
    "cumulative_trapezoid x": (
        lambda m, a, x: m.cumulative_trapezoid(a, x, dim=0),
        [X, np.array([0.0, 1.0, 3.0])],
    ),
    # --- the top level spellings of existing methods
    "clone": (lambda m, a: m.clone(a), [X]),
    "detach": (lambda m, a: m.detach(a) * a, [X]),
    "comparisons": (
        lambda m, a, b: (m.lt(a, b), m.gt(a, 0), m.le(a, b), m.ge(a, b), m.ne(a, b), m.eq(a, a)),
        [X, Q],
    ),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_pytorch(case):
    make, arrays = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (meshgrid's and chain_matmul's)
        compare(torch, make, [np.asarray(a, dtype=np.float64) for a in arrays])


@pytest.mark.oracle
@pytest.mark.parametrize(
    "make",
    [lambda m, a: m.vander(a), lambda m, a: m.vander(a, 5, True), lambda m, a: m.vander(a, N=1)],
)
def test_vander_matches_pytorch_and_central_differences(make):
    """(PyTorch's own vander backward fails: it edits a saved tensor in place.)"""
    x = np.array([0.0, 1.5, -2.0, 3.0])
    compare(torch, make, [x], grad=False)
    weights = sg.tensor(rng.normal(size=make(sg, sg.tensor(x)).shape))
    if not make(sg, sg.tensor(x, requires_grad=True)).requires_grad:
        return  # (N=1: ones, whatever x)
    gradcheck(lambda t: (make(sg, t) * weights).sum(), [sg.tensor(x, requires_grad=True)])


@pytest.mark.oracle
def test_chain_matmul_warns_as_pytorch_and_multiplies():
    mats = [rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        compare(torch, lambda m, *ms: m.chain_matmul(*ms), mats)


@pytest.mark.oracle
def test_meshgrid_without_indexing_warns_as_pytorch_and_is_ij():
    with pytest.warns(UserWarning, match="indexing argument"):
        compare(torch, lambda m, a, b: m.meshgrid(a, b), [U, Q])


@pytest.mark.oracle
def test_float32_builders_match_pytorch():
    for case in ("block_diag", "tensordot lists", "cumulative_trapezoid x"):
        make, arrays = CASES[case]
        arrays = [np.asarray(a, np.float32) for a in arrays]
        compare(torch, make, arrays, rtol=2e-5, atol=2e-6)


# --- counting and looking up: integer and bool results, no gradient ---------------------

LOOKUPS = {
    "unique": (lambda m, a: m.unique(a), [INTS]),
    "unique all": (
        lambda m, a: m.unique(a, return_inverse=True, return_counts=True),
        [INTS],
    ),
    "unique method inverse": (lambda m, a: a.unique(return_inverse=True), [INTS]),
    "unique dim": (
        lambda m, a: m.unique(a, dim=0, return_inverse=True, return_counts=True),
        [INTS],
    ),
    "unique dim 1": (lambda m, a: a.unique(dim=1, return_counts=True), [INTS]),
    "unique nan": (lambda m, a: m.unique(a), [np.array([1.0, np.nan, 2.0, np.nan, 1.0])]),
    "unique_consecutive": (
        lambda m, a: m.unique_consecutive(a, return_inverse=True, return_counts=True),
        [np.array([1, 1, 2, 2, 3, 1, 1, 2])],
    ),
    "unique_consecutive 2-D": (lambda m, a: a.unique_consecutive(), [INTS]),
    "unique_consecutive dim": (
        lambda m, a: a.unique_consecutive(return_inverse=True, return_counts=True, dim=0),
        [INTS],
    ),
    "nonzero": (lambda m, a: m.nonzero(a), [INTS - 1]),
    "nonzero tuple": (lambda m, a: a.nonzero(as_tuple=True), [INTS - 1]),
    "nonzero 0-d": (lambda m, a: m.nonzero(a), [np.array(3.0)]),
    "nonzero 0-d tuple": (lambda m, a: m.nonzero(a, as_tuple=True), [np.array(0.0)]),
    "argwhere": (lambda m, a: m.argwhere(a), [X > 0]),
    "bincount": (lambda m, a: m.bincount(a), [np.array([0, 3, 1, 3, 3])]),
    "bincount minlength": (lambda m, a: a.bincount(minlength=7), [np.array([0, 3, 1])]),
    "bincount weights": (
        lambda m, a: m.bincount(a, m.tensor([0.5, 1.0, 2.0, -1.0])),
        [np.array([2, 0, 2, 1])],
    ),
    "bincount float32 weights": (
        lambda m, a: m.bincount(a, weights=m.tensor([0.5, 1.0], dtype=m.float32)),
        [np.array([2, 0])],
    ),
    "bincount int weights": (
        lambda m, a: m.bincount(a, m.tensor([3, 4])),
        [np.array([1, 1])],
    ),
    "histc": (lambda m, a: m.histc(a, bins=5, min=-1, max=1), [X]),
    "histc data range": (lambda m, a: a.histc(4), [X]),
    "histc float32": (
        lambda m, a: m.histc(a, 3, 0, 3),
        [np.array([0.0, 1, 3, 3, 4, -1], np.float32)],
    ),
    "isin": (lambda m, a: m.isin(a, m.tensor([1, 5])), [INTS]),
    "isin invert": (lambda m, a: m.isin(a, m.tensor([1, 5]), invert=True), [INTS]),
    "isin scalar": (lambda m, a: m.isin(a, 3), [INTS]),
    "searchsorted": (
        lambda m, a: m.searchsorted(m.tensor([1.0, 3.0, 5.0, 7.0]), a),
        [np.array([[3.0, 6.0], [9.0, 0.0]])],
    ),
    "searchsorted right": (
        lambda m, a: m.searchsorted(m.tensor([1, 3, 3, 7]), a, right=True),
        [np.array([3, 6, 9])],
    ),
    "searchsorted side int32": (
        lambda m, a: m.searchsorted(m.tensor([1, 3, 3, 7]), a, side="right", out_int32=True),
        [np.array([3, 0])],
    ),
    "searchsorted batched": (
        lambda m, a: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), a),
        [np.array([[3, 6], [1, 4]])],
    ),
    "searchsorted sorter": (
        lambda m, a: m.searchsorted(m.tensor([5, 1, 3]), a, sorter=m.tensor([1, 2, 0])),
        [np.array([2, 4, 6])],
    ),
    "searchsorted scalar": (lambda m, a: m.searchsorted(a, 2.5), [np.array([1.0, 2.0, 3.0])]),
    "bucketize": (lambda m, a: m.bucketize(a, m.tensor([1, 3, 5, 7])), [np.array([3, 6, 9])]),
    "bucketize right": (
        lambda m, a: m.bucketize(a, m.tensor([1, 3, 5, 7]), right=True),
        [np.array([[3, 6], [9, 1]])],
    ),
    "tril_indices": (lambda m, a: m.tril_indices(3, 4, 1), [INTS]),
    "triu_indices": (lambda m, a: m.triu_indices(4, 3, -1), [INTS]),
    "tril_indices int32": (lambda m, a: m.tril_indices(3, 3, dtype=m.int32), [INTS]),
    "combinations empty": (lambda m, a: m.combinations(a, 5), [np.array([1, 2])]),
    "combinations 0": (lambda m, a: m.combinations(a, 0), [np.array([1, 2])]),
    "vander int": (lambda m, a: m.vander(a, 4), [np.array([1, 2, -3])]),
    "logspace": (lambda m, a: m.logspace(0, 2, 5), [INTS]),
    "logspace base dtype": (lambda m, a: m.logspace(-1, 1, 4, base=2, dtype=m.float32), [INTS]),
    "logspace int": (lambda m, a: m.logspace(0, 1, 3, dtype=m.int64), [INTS]),
    "block_diag ints": (lambda m, a: m.block_diag(a, a[:1]), [INTS]),
    "block_diag mixed": (lambda m, a: m.block_diag(a, m.tensor([[2.5]])), [INTS]),
}


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(LOOKUPS))
def test_lookups_match_pytorch(case):
    make, arrays = LOOKUPS[case]
    compare(torch, make, arrays, grad=False)


@pytest.mark.oracle
def test_lookups_dtypes_are_int64_and_bool():
    x = sg.tensor(INTS)
    assert sg.unique(x, return_counts=True)[1].dtype == np.int64
    assert sg.nonzero(x).dtype == np.int64
    assert sg.isin(x, sg.tensor([1])).dtype == np.bool_
    assert sg.searchsorted(sg.tensor([1, 2]), x).dtype == np.int64
    assert sg.histc(sg.tensor([1.0, 2.0], dtype=np.float32)).dtype == np.float32


# --- dtype rules ------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.oracle
def test_promote_types_and_can_cast_match_pytorch_for_every_pair():
    for a in DTYPES:
        for b in DTYPES:
            want = str(torch.promote_types(getattr(torch, a), getattr(torch, b)))
            assert str(sg.promote_types(getattr(sg, a), getattr(sg, b))) == want[6:], (a, b)
            can = torch.can_cast(getattr(torch, a), getattr(torch, b))
            assert sg.can_cast(getattr(sg, a), getattr(sg, b)) == can, (a, b)


@pytest.mark.oracle
@pytest.mark.parametrize("a", ["uint8", "int32", "int64", "float16", "float32", "bool"])
def test_result_type_matches_pytorch(a):
    operands = {
        "tensor": lambda m, d: m.ones(2, dtype=getattr(m, d)),
        "0-d": lambda m, d: m.ones((), dtype=getattr(m, d)),
    }
    others = [2, 2.5, True]
    for b in DTYPES:
        for left_kind, left in operands.items():
            for right_kind, right in operands.items():
                want = torch.result_type(left(torch, a), right(torch, b))
                got = sg.result_type(left(sg, a), right(sg, b))
                assert str(got) == str(want)[6:], (a, left_kind, b, right_kind)
    torch.set_default_dtype(torch.float64)  # scratchgrad's default, for Python floats
    try:
        for left in operands.values():
            for number in others:
                want = torch.result_type(left(torch, a), number)
                assert str(sg.result_type(left(sg, a), number)) == str(want)[6:], (a, number)
    finally:
        torch.set_default_dtype(torch.float32)


# --- storage and new tensors ------------------------------------------------------------


@pytest.mark.oracle
def test_storage_answers_match_pytorch():
    for dtype in ("float32", "float64", "int64", "uint8", "bool"):
        ours = sg.zeros(2, 3, dtype=getattr(sg, dtype))
        theirs = torch.zeros(2, 3, dtype=getattr(torch, dtype))
        assert ours.element_size() == theirs.element_size()
        assert ours.itemsize == theirs.itemsize
        assert ours.nbytes == theirs.nbytes
    pairs = [
        (lambda m: m.zeros(2, 3, 4), "fresh"),
        (lambda m: m.zeros(2, 3).t(), "transposed"),
        (lambda m: m.zeros(1, 3).expand(4, 3), "expanded"),
        (lambda m: m.zeros(2, 3, 4).permute(2, 0, 1), "permuted"),
        (lambda m: m.zeros(4, 6)[:, 1:3], "sliced"),
    ]
    for make, what in pairs:
        ours, theirs = make(sg), make(torch)
        assert ours.stride() == theirs.stride(), what
        assert ours.stride(-1) == theirs.stride(-1), what
        assert ours.is_contiguous() == theirs.is_contiguous(), what
        assert ours.ndimension() == theirs.ndimension()


@pytest.mark.oracle
def test_new_tensors_and_conversions_match_pytorch():
    ours, theirs = sg.tensor([1.5, 2.0], dtype=np.float32), torch.tensor([1.5, 2.0])
    made = ours.new_tensor([1, 2])
    assert made.dtype == np.float32 and not made.requires_grad
    assert made.tolist() == theirs.new_tensor([1, 2]).tolist()
    assert ours.new_tensor([1, 2], dtype=sg.int64).dtype == np.int64
    assert ours.new_tensor([1.0], requires_grad=True).requires_grad
    empty = ours.new_empty(2, 3)
    assert empty.shape == (2, 3) and empty.dtype == np.float32
    assert ours.new_empty((4,), dtype=sg.float64).dtype == np.float64
    assert ours.byte().dtype == np.uint8 and ours.byte().tolist() == theirs.byte().tolist()
    assert ours.pin_memory() is ours
    like = sg.empty_like(ours)
    assert like.shape == (2,) and like.dtype == np.float32
    assert sg.empty_like(ours, dtype=sg.int64).dtype == np.int64


def test_new_tensor_copies_its_data():
    data = np.array([1.0, 2.0])
    made = sg.tensor([0.0]).new_tensor(data)
    data[0] = 9.0
    assert made.tolist() == [1.0, 2.0]


def test_broadcast_shapes_matches_numpy():
    assert sg.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    assert sg.broadcast_shapes() == ()


def test_every_new_name_is_exported_at_the_top_level():
    from scratchgrad.autograd.more_functions import MORE_FUNCTIONS

    for name in MORE_FUNCTIONS:
        assert name in sg.__all__ and callable(getattr(sg, name)), name


ERRORS = [
    (lambda: sg.broadcast_shapes((2,), (3,)), ValueError, "cannot be broadcast"),
    (lambda: sg.meshgrid(sg.ones(2, 2), indexing="ij"), ValueError, "0-D or 1-D"),
    (lambda: sg.meshgrid(sg.ones(2), indexing="yx"), ValueError, "'ij' or 'xy'"),
    (lambda: sg.cartesian_prod(sg.ones(2, 2)), ValueError, "1-D"),
    (lambda: sg.combinations(sg.ones(2, 2)), ValueError, "1-D"),
    (lambda: sg.block_diag(sg.ones(2, 2, 2)), ValueError, "at most 2"),
    (lambda: sg.tensordot(sg.ones(2, 3), sg.ones(4, 3), 1), ValueError, "need to match"),
    (lambda: sg.tensordot(sg.ones(2), sg.ones(2), ([0], [])), ValueError, "same length"),
    (lambda: sg.tensordot(sg.ones(2), sg.ones(2), 3), ValueError, "between 0 and 1"),
    (lambda: sg.vander(sg.ones(2, 2)), ValueError, "1-D"),
    (lambda: sg.trapezoid(sg.ones(3), sg.ones(2)), ValueError, "samples"),
    (lambda: sg.trapezoid(sg.ones(3), sg.ones(3), dx=1.0), TypeError, "not both"),
    (lambda: sg.bincount(sg.tensor([0, -1])), ValueError, "non-negative"),
    (lambda: sg.bincount(sg.tensor([0.5])), ValueError, "integers"),
    (lambda: sg.bincount(sg.tensor([0, 1]), sg.ones(3)), ValueError, "weights"),
    (lambda: sg.histc(sg.tensor([1, 2])), TypeError, "float"),
    (lambda: sg.histc(sg.tensor([np.nan, 1.0])), ValueError, "not finite"),
    (lambda: sg.searchsorted(sg.ones(2), sg.ones(2), side="middle"), ValueError, "side"),
    (
        lambda: sg.searchsorted(sg.ones(2), sg.ones(2), side="left", right=True),
        ValueError,
        "contradict",
    ),
    (lambda: sg.searchsorted(sg.ones((2, 3)), sg.ones((3, 1))), ValueError, "must match"),
    (lambda: sg.bucketize(sg.ones(2), sg.ones((2, 2))), ValueError, "1-D"),
    (lambda: sg.result_type("a", 1), TypeError, "tensors and numbers"),
    (lambda: sg.promote_types(np.complex64, np.float32), TypeError, "not a dtype"),
    (lambda: sg.chain_matmul(sg.ones(2)), ValueError, "2-D"),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("make, error, words", ERRORS)
def test_bad_input_is_refused_with_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()
