"""matrix_power, matrix_exp, cholesky_ex, vecdot, linalg.diagonal, linalg.vander,
isclose, inner and the old torch.cholesky (autograd/more_linalg.py): values and
gradients against PyTorch in float64, and what they refuse."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg

torch = oracle("torch")
pytestmark = pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
RNG = np.random.default_rng(0)
SQUARE = RNG.standard_normal((2, 3, 3))
BIG = 4.0 * RNG.standard_normal((3, 3))  # norm above Padé's theta: squarings happen
SPD = SQUARE @ np.swapaxes(SQUARE, -1, -2) + 3 * np.eye(3)

CASES = {
    "matrix_power 5": (lambda L, a: L.linalg.matrix_power(a, 5), SQUARE),
    "matrix_power -3": (lambda L, a: L.linalg.matrix_power(a + 3 * L.eye(3), -3), SQUARE),
    "matrix_power 0": (lambda L, a: L.matrix_power(a, 0), SQUARE),
    "matrix_exp": (lambda L, a: L.linalg.matrix_exp(a), SQUARE),
    "matrix_exp big": (lambda L, a: L.matrix_exp(a), BIG),
    "cholesky_ex": (lambda L, a: L.linalg.cholesky_ex(a).L, SPD),
    "old cholesky upper": (lambda L, a: L.cholesky(a, upper=True), SPD),
    "vecdot": (lambda L, a: L.linalg.vecdot(a, a.flip(-1), dim=-1), SQUARE),
    "diagonal": (lambda L, a: L.linalg.diagonal(a, offset=1), SQUARE),
    "vander": (lambda L, a: L.linalg.vander(a[0, 0], N=4), SQUARE),
    "inner": (lambda L, a: L.inner(a, a[0]), SQUARE),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_pytorch(name):
    f, data = CASES[name]
    found = []
    for lib in (sg, torch):
        a = lib.tensor(data, requires_grad=True)
        out = f(lib, a)
        w = lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
        (out * w).sum().backward()
        found.append([out.detach().numpy(), a.grad.numpy()])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)


def test_matrix_exp_of_a_rotation_generator_is_the_rotation():
    angle = 0.7
    generator = sg.tensor([[0.0, -angle], [angle, 0.0]])
    expected = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    np.testing.assert_allclose(sg.linalg.matrix_exp(generator).numpy(), expected, atol=1e-15)


def test_cholesky_ex_reports_the_first_bad_minor_instead_of_raising():
    bad = np.eye(3)
    bad[1, 1] = -1.0
    factor, info = sg.linalg.cholesky_ex(sg.tensor(np.stack([SPD[0], bad])))
    assert info.tolist() == [0, 2] and info.dtype == np.int32
    assert np.isfinite(factor[0].numpy()).all()
    with pytest.raises(sg.linalg.LinAlgError):
        sg.linalg.cholesky_ex(sg.tensor(bad), check_errors=True)


def test_isclose_is_elementwise_and_knows_infinities_and_nan():
    a = sg.tensor([1.0, np.inf, np.nan, 1.0])
    b = sg.tensor([1.0 + 1e-9, np.inf, np.nan, 1.1])
    assert sg.isclose(a, b).tolist() == [True, True, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, True, False]
    assert sg.isclose(a, b).dtype == np.bool_


def test_matrix_power_refuses_a_non_integer():
    with pytest.raises(TypeError, match="int"):
        sg.linalg.matrix_power(sg.tensor(SQUARE), 1.5)
