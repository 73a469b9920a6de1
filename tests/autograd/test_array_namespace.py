"""Every Tensor op runs on an array type that refuses numpy (the CPU stand-in for CuPy):
forward, reverse mode, forward mode and double backprop give the numbers numpy gives, and
nothing is handed to numpy on the way. See strict_array.py."""

import cupy_api
import numpy as np
import pytest
from device_arrays import ON_GPU, host, on_device
from device_arrays import strict as to_device
from strict_array import NumpyUsed, StrictArray, strict

from scratchgrad.autograd import OPS, Tensor, grad
from scratchgrad.autograd.engine import tangent_pass, topological_order
from scratchgrad.autograd.op_examples import EXAMPLES, Applied
from scratchgrad.autograd.tensor import _constant

# every Tensor op but the device transfer (a StrictArray is a pretend device: no copy)
TENSOR_OPS = sorted(
    name for name, op in OPS.items() if op.tensors and name in EXAMPLES and name != "to_device"
)


def to_strict(x):
    if isinstance(x, np.ndarray):
        return to_device(x.copy())
    if isinstance(x, tuple):
        return tuple(to_strict(v) for v in x)
    return x


def strict_leaf(t):
    leaf = _constant(to_device(t._data.copy()))
    leaf.requires_grad = True
    return leaf


raw = host


@pytest.fixture
def example(request):
    f, inputs = EXAMPLES[request.param](np.random.default_rng(0))
    if not isinstance(f, Applied):
        pytest.skip(f"{request.param}: not a table-applied example")
    strict_f = f.with_params({k: to_strict(v) for k, v in f.params.items()})
    return f, inputs, strict_f, [strict_leaf(t) for t in inputs]


@pytest.mark.parametrize("example", TENSOR_OPS, indirect=True)
def test_forward_and_gradients_match_numpy(example):
    f, inputs, strict_f, strict_inputs = example
    with np.errstate(all="ignore"):
        expected = f(*inputs)
        got = strict_f(*strict_inputs)
        assert on_device(got)
        np.testing.assert_allclose(raw(got), raw(expected), rtol=1e-12, atol=1e-14)
        expected.backward()
        got.backward()
    for ours, theirs in zip(strict_inputs, inputs):
        assert on_device(ours.grad), "a gradient came back as numpy"
        np.testing.assert_allclose(raw(ours.grad), theirs.grad, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("example", TENSOR_OPS, indirect=True)
def test_forward_mode_matches_numpy(example):
    f, inputs, strict_f, strict_inputs = example
    rng = np.random.default_rng(1)
    tangents = [rng.standard_normal(t.shape) for t in inputs]
    with np.errstate(all="ignore"):
        out, strict_out = f(*inputs), strict_f(*strict_inputs)
        expected = tangent_pass(
            topological_order([out]), {id(x): t for x, t in zip(inputs, tangents)}
        )
        got = tangent_pass(
            topological_order([strict_out]),
            {id(x): to_device(t) for x, t in zip(strict_inputs, tangents)},
        )
    np.testing.assert_allclose(
        raw(got[id(strict_out)]), raw(expected[id(out)]), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("example", [n for n in TENSOR_OPS if OPS[n].smooth], indirect=True)
def test_double_backprop_matches_numpy(example):
    f, inputs, strict_f, strict_inputs = example
    with np.errstate(all="ignore"):
        results = []
        for fn, xs in ((f, inputs), (strict_f, strict_inputs)):
            first = grad(fn(*xs), xs, create_graph=True, allow_unused=True)
            total = sum((g * g).sum() for g in first if g is not None)
            if not total.requires_grad:  # a linear op: its derivative is a constant
                results.append([])
                continue
            results.append([raw(g) for g in grad(total, xs, allow_unused=True) if g is not None])
    assert len(results[0]) == len(results[1])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(ON_GPU, reason="checks the CPU stand-in itself")
def test_the_stand_in_really_refuses_numpy():
    a = StrictArray(np.ones(3))
    with pytest.raises(TypeError):
        np.exp(a)
    with pytest.raises(NumpyUsed):
        np.asarray(a)
    assert isinstance(strict.exp(a), StrictArray)


@pytest.mark.skipif(ON_GPU, reason="checks the CPU stand-in itself")
@pytest.mark.parametrize(
    "call",
    [
        lambda a: strict.sum(a, where=a > 0),  # numpy's reductions take where=; CuPy's don't
        lambda a: strict.max(a, initial=0.0),
        lambda a: strict.clip(a, min=0.0),  # numpy 2's keyword; CuPy has a_min, a_max
        lambda a: strict.einsum("i->", a, out=None),
        lambda a: strict.exp(a, where=a > 0),  # a ufunc keyword CuPy's ufuncs refuse
        lambda a: strict.matmul.reduce(a),  # a ufunc in numpy, a function in CuPy
        lambda a: strict.vecdot(a, a),  # numpy 2 has it, CuPy 14 does not
        lambda a: a.resize(2),  # no such CuPy array method
        lambda a: a.sum(where=a > 0),
    ],
)
def test_the_stand_in_refuses_what_cupy_lacks(call):
    """tests/cupy_api.json (read from a real CuPy by tools/cupy_manifest.py) bounds what
    the stand-in offers, so code that only numpy could run fails here, not on a GPU."""
    with pytest.raises(cupy_api.NotInCupy, match="CuPy"):
        call(StrictArray(np.arange(3.0)))


def test_mixing_array_kinds_raises_pytorchs_error():  # (also on a real GPU)
    x = Tensor(np.ones(3), requires_grad=True)
    y = strict_leaf(Tensor(np.ones(3)))
    with pytest.raises(RuntimeError, match="same device"):
        x + y
