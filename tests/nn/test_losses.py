"""mse, sse, binary cross-entropy (on probabilities and on logits), hinge and accuracy:
values against formulas and PyTorch, gradients against central differences and PyTorch
(saturated sigmoids, the clamp, the far tail, a learned target), and errors that name bad
shapes, probabilities and keywords. (cross_entropy has its own file.)"""

import numpy as np
import pytest
from helpers import close64, compare_loss, t64
from hypothesis import given, settings
from oracles import oracle

import scratchgrad.nn.functional as F
from scratchgrad.autograd import Tensor, Value
from scratchgrad.autograd.testing import arrays, assert_gradients_match

torch = oracle("torch")
TF = oracle("torch.nn.functional")


@settings(max_examples=20, deadline=None)
@given(arrays(shape=(6,), low=-4, high=4))
def test_regression_and_binary_losses(x):
    t = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(F.mse_loss(x, t).data, np.mean((x.data - t) ** 2))
    np.testing.assert_allclose(F.sse_loss(x, t).data, 0.5 * np.sum((x.data - t) ** 2))
    y = (t > 0).astype(float)
    p = 1 / (1 + np.exp(-x.data))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y).data, bce.mean(), rtol=1e-9)
    np.testing.assert_allclose(
        F.binary_cross_entropy(F.sigmoid(x), y, reduction="sum").data, bce.sum(), rtol=1e-9
    )
    for loss in (
        lambda a: F.mse_loss(a, t),
        lambda a: F.sse_loss(a, t),
        lambda a: F.binary_cross_entropy_with_logits(a, y),
        lambda a: F.binary_cross_entropy(F.sigmoid(a), y),
    ):
        assert_gradients_match(loss, [x])


def test_bce_with_logits_is_stable_for_huge_logits():
    z = Tensor([800.0, -800.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0]), reduction="sum")
    assert loss.data == pytest.approx(1600.0)
    loss.backward()
    np.testing.assert_allclose(z.grad, [1.0, -1.0])


@pytest.mark.oracle
def test_functional_matches_torch():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(6, 5)) * 3, rng.integers(0, 5, 6)
    tz = torch.tensor(z)
    np.testing.assert_allclose(
        F.cross_entropy(z, labels).data,
        torch.nn.functional.cross_entropy(tz, torch.tensor(labels)).item(),
    )
    y = rng.integers(0, 2, (6, 5)).astype(float)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(z, y).data,
        torch.nn.functional.binary_cross_entropy_with_logits(tz, torch.tensor(y)).item(),
    )


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_bce_losses_match_pytorch(rng, reduction):
    x = rng.normal(size=(5, 3))
    compare_loss(F.mse_loss, TF.mse_loss, x, rng.normal(size=(5, 3)), rng, reduction)
    p = rng.uniform(0.01, 0.99, size=(5, 3))
    hard = rng.integers(0, 2, size=(5, 3)).astype(float)
    soft = rng.uniform(size=(5, 3))
    for target in (hard, soft):
        compare_loss(F.binary_cross_entropy, TF.binary_cross_entropy, p, target, rng, reduction)
        compare_loss(
            F.binary_cross_entropy_with_logits,
            TF.binary_cross_entropy_with_logits,
            3 * x,
            target,
            rng,
            reduction,
        )


def test_mse_gradient_also_flows_into_a_tensor_target(rng):
    a = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    b = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    F.mse_loss(a, b).backward()
    np.testing.assert_allclose(b.grad, -a.grad)


@pytest.mark.oracle
def test_bce_with_logits_is_stable_for_huge_logits_and_int_targets(rng):
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    compare_loss(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, z, t, rng)
    compare_loss(
        F.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        z,
        t.astype(int),
        rng,
        torch_target=t64(t),
    )


@pytest.mark.oracle
def test_bce_with_logits_gradient_in_the_far_tail_matches_pytorch():
    data = np.array([-40.0, 0.0, 40.0, -1000.0])
    z, tz = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.binary_cross_entropy_with_logits(z, np.zeros(4), reduction="sum").backward()
    torch.nn.functional.binary_cross_entropy_with_logits(
        tz, torch.zeros(4, dtype=torch.float64), reduction="sum"
    ).backward()
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-12)


@pytest.mark.oracle
def test_bce_value_is_clamped_like_pytorch_at_zero_and_one():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(
        F.binary_cross_entropy(Tensor(p), t).data, TF.binary_cross_entropy(t64(p), t64(t)).item()
    )
    np.testing.assert_allclose(
        F.binary_cross_entropy(Tensor(p), t, reduction="none").data, [0.0, 0.0, 100.0, 100.0]
    )


@pytest.mark.oracle
@pytest.mark.parametrize("z", [40.0, -40.0, 20.0])
def test_bce_of_a_saturated_sigmoid_has_pytorchs_finite_gradient(z):
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        x = Tensor(np.array([z, -3.0], dtype=dtype), requires_grad=True)
        tx = torch.tensor([z, -3.0], dtype=tdtype, requires_grad=True)
        F.binary_cross_entropy(F.sigmoid(x), np.array([1.0, 0.0])).backward()
        torch.nn.functional.binary_cross_entropy(
            torch.sigmoid(tx), torch.tensor([1.0, 0.0], dtype=tdtype)
        ).backward()
        assert np.isfinite(x.grad).all() and x.grad.dtype == dtype
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.oracle
def test_bce_below_the_clamp_follows_pytorchs_gradient_rule():
    p, tp = (
        Tensor([1e-50, 0.3], requires_grad=True),
        torch.tensor([1e-50, 0.3], dtype=torch.float64, requires_grad=True),
    )
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0]), reduction="sum")
    theirs = torch.nn.functional.binary_cross_entropy(
        tp, torch.tensor([1.0, 0.0], dtype=torch.float64), reduction="sum"
    )
    loss.backward()
    theirs.backward()
    np.testing.assert_allclose(loss.data, theirs.item())
    np.testing.assert_allclose(p.grad, tp.grad.numpy())


@pytest.mark.oracle
def test_bce_passes_a_gradient_to_a_learned_target_as_pytorch():
    rng = np.random.default_rng(2)
    p_data, t_data = rng.uniform(0.1, 0.9, 3), rng.uniform(0.0, 1.0, 3)
    p, t = Tensor(p_data, requires_grad=True), Tensor(t_data, requires_grad=True)
    tp = torch.tensor(p_data, requires_grad=True)
    tt = torch.tensor(t_data, requires_grad=True)
    F.binary_cross_entropy(p, t).backward()
    torch.nn.functional.binary_cross_entropy(tp, tt).backward()
    close64(p.grad, tp.grad)
    close64(t.grad, tt.grad)


def test_bce_rejects_inputs_outside_unit_interval():
    with pytest.raises(ValueError, match="needs probabilities in"):
        F.binary_cross_entropy(Tensor([1.5, 0.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="needs probabilities in"):
        F.binary_cross_entropy(Tensor([-1e-9]), np.array([0.0]))


@pytest.mark.parametrize(
    "fn", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits]
)
def test_losses_reject_incompatible_batch_sizes(fn):
    with pytest.raises(ValueError, match=r"input has shape \(5, 3\) but target \(4, 3\)"):
        fn(Tensor(np.full((5, 3), 0.5)), np.ones((4, 3)))


@pytest.mark.parametrize(
    "fn", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits]
)
def test_losses_refuse_an_n_by_1_output_against_n_targets(fn):
    """(N, 1) against (N,) would broadcast to (N, N): a wrong loss with no error."""
    with pytest.raises(ValueError, match=r"output.reshape\(-1\)"):
        fn(Tensor([[0.9], [0.2], [0.7]]), np.array([1.0, 0.0, 1.0]))


def test_binary_losses_take_pytorchs_weights(rng):
    """weight / pos_weight are implemented (checked against PyTorch in
    test_pytorch_spelling_losses.py); here: a weight of ones changes nothing."""
    p, t = np.full((3, 4), 0.5), np.ones((3, 4))
    plain = F.binary_cross_entropy(p, t).data
    assert F.binary_cross_entropy(p, t, weight=np.ones(4)).data == pytest.approx(plain)
    assert F.binary_cross_entropy_with_logits(p, t, pos_weight=np.ones(4)).data == pytest.approx(
        F.binary_cross_entropy_with_logits(p, t).data
    )


def test_a_single_number_target_and_softmax_over_everything():
    x = Tensor(np.full((2, 2), 0.5))
    assert F.mse_loss(x, 0.0).data == pytest.approx(0.25)
    assert F.binary_cross_entropy(x, 1.0).data == pytest.approx(-np.log(0.5))
    assert F.softmax(Tensor(np.zeros((2, 2))), None).data.sum() == pytest.approx(1.0)
    assert F.softmax(Tensor(np.zeros((2, 2)))).data.sum() == pytest.approx(2.0)


def test_hinge_loss_tensor_and_value_lists_agree():
    scores, labels = [0.5, -2.0, 3.0, 0.9], [1, 1, -1, -1]
    expected = np.mean([0.5, 3.0, 4.0, 1.9])
    assert F.hinge_loss(Tensor(scores), np.array(labels)).data == pytest.approx(expected)
    values = [Value(s) for s in scores]
    loss = F.hinge_loss(values, labels)
    assert loss.data == pytest.approx(expected)
    loss.backward()
    assert [v.grad for v in values] == pytest.approx([-0.25, -0.25, 0.25, 0.25])


def test_value_lists_for_mse_and_activations():
    xs = [Value(1.0), Value(-2.0)]
    assert F.mse_loss(xs, [0.0, 0.0]).data == pytest.approx(2.5)
    assert [v.data for v in F.relu(xs)] == [1.0, 0.0]


def test_accuracy():
    assert F.accuracy(Tensor([[0.1, 0.9], [2.0, 1.0], [0.0, 3.0]]), [1, 1, 1]) == pytest.approx(
        2 / 3
    )
    assert F.accuracy(np.array([[0.1, 0.9], [2.0, 1.0]]), np.eye(2)[[1, 0]]) == 1.0
    assert F.accuracy([Value(0.3), Value(-1.0)], [1, 1]) == 0.5
    assert F.accuracy(np.array([0.7, 0.2]), np.array([1, 0]), threshold=0.5) == 1.0
