"""Linear, Dropout, Flatten and Sequential: PyTorch's layout, init and shapes (any leading
shape, empty batches), dtypes, train vs eval, and the values and gradients PyTorch gives."""

import numpy as np
import pytest
from helpers import close64, compare_unary, linear_pair, t64
from oracles import oracle

from scratchgrad import nn
from scratchgrad.autograd import OPS, Tensor, gradcheck

torch = oracle("torch")


def test_linear_is_one_fused_node_with_pytorch_layout_and_init():
    layer = nn.Linear(50, 7, seed=0)
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    bound = 1 / np.sqrt(50)
    assert (
        np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > 0.8 * bound
    )
    x = np.random.default_rng(1).normal(size=(4, 50))
    out = layer(x)
    assert out.op is OPS["linear"] and out.shape == (4, 7)
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data)
    np.testing.assert_array_equal(nn.Linear(50, 7, seed=0).weight.data, layer.weight.data)


def test_linear_gradients_match_central_differences():
    layer = nn.Linear(3, 2, seed=0)
    x = Tensor(np.random.default_rng(2).normal(size=(4, 3)), requires_grad=True)
    gradcheck(lambda x, w, b: (layer(x) ** 2).sum(), [x, layer.weight, layer.bias])


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3), (2, 1, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_any_leading_shape_matches_pytorch(rng, shape, bias):
    ours, theirs = linear_pair(3, 2, bias=bias)
    out, ot = compare_unary(ours, theirs, rng.normal(size=shape), rng)
    assert out.shape == tuple(ot.shape) == shape[:-1] + (2,)
    close64(ours.weight.grad, theirs.weight.grad)
    if bias:
        close64(ours.bias.grad, theirs.bias.grad)
    else:
        assert ours.bias is None and list(ours.state_dict()) == ["weight"]


def test_linear_empty_batch_gives_empty_output_and_zero_weight_grad():
    layer = nn.Linear(3, 2, seed=0)
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    out = layer(x)
    assert out.shape == (0, 2)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    np.testing.assert_array_equal(layer.weight.grad, 0.0)


def test_linear_float32_stays_float32_for_float32_input():
    layer = nn.Linear(3, 2, dtype=np.float32, seed=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    out = layer(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_float32_data_meeting_default_float64_layers_names_set_default_dtype():
    """The most common bite for renamed PyTorch code (float32 data, layers made with
    scratchgrad's float64 default): the message names the one line that fixes all."""
    with pytest.raises(TypeError, match=r"set_default_dtype\(np.float32\)") as caught:
        nn.Linear(4, 3)(Tensor(np.ones((2, 4), np.float32)))
    assert "model.float()" in str(caught.value)
    with pytest.raises(TypeError) as caught:  # a float32 layer: the default is not why
        nn.Linear(4, 3, dtype=np.float32)(Tensor(np.ones((2, 4))))
    assert "set_default_dtype" not in str(caught.value)


def test_linear_casts_numpy_data_to_its_dtype_and_refuses_another_tensor_dtype():
    """PyTorch's rule for Tensors (a layer never converts one), numpy data converted."""
    layer = nn.Linear(4, 3, dtype=np.float32)
    assert layer(np.ones((2, 4))).dtype == np.float32  # float64 numpy data
    for x in (
        Tensor(np.ones((2, 4))),  # a float64 Tensor
        Tensor(np.ones((2, 4)), requires_grad=True) * 2.0,
    ):  # ... inside a graph
        with pytest.raises(
            TypeError,
            match="input is float64 but weight is float32.*"
            r"x.float\(\)",
        ):
            layer(x)


def test_integer_arrays_take_the_models_dtype():
    assert nn.Linear(4, 3, dtype=np.float32)(np.ones((2, 4), np.uint8)).dtype == np.float32
    assert (Tensor(np.ones(2, np.float32)) * np.array([1, 2])).dtype == np.float32
    assert (Tensor(np.ones(2, np.float32)) * np.array([1.0, 2.0])).dtype == np.float64


def test_linear_rejects_wrong_input_width():
    with pytest.raises(ValueError, match=r"last axis must have size 3"):
        nn.Linear(3, 2)(np.ones((4, 5)))


def test_linear_rejects_bad_sizes_and_scalar_input():
    with pytest.raises(ValueError, match="positive sizes"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="last axis must have size 3"):
        nn.Linear(3, 2)(np.float64(1.0))
    with pytest.raises(ValueError, match="last axis must have size 3"):
        nn.Linear(3, 2)(np.ones((2, 3, 4)))


# --- Dropout and Flatten ------------------------------------------------------------------


def test_dropout_train_vs_eval():
    x = Tensor(np.ones((200, 50)))
    drop = nn.Dropout(0.3, seed=0)
    out = drop(x).data
    assert set(np.unique(out)) == {0.0, 1 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.02
    assert abs(out.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match=r"p=1.5"):
        nn.Dropout(1.5)


def test_dropout_scales_survivors_and_gradient_uses_the_same_mask():
    drop = nn.Dropout(0.25, seed=0)
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    out = drop(x)
    np.testing.assert_allclose(np.unique(out.data), [0.0, 1 / 0.75])
    assert abs((out.data == 0).mean() - 0.25) < 0.02
    (out * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 * out.data)


@pytest.mark.oracle
def test_dropout_eval_and_p0_are_identity_p1_zeroes_like_pytorch():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert nn.Dropout(0.0)(x) is x
    drop = nn.Dropout(0.7, seed=0).eval()
    assert drop(x) is x
    xo = Tensor(np.array([1.0, np.inf, np.nan]), requires_grad=True)
    out = nn.Dropout(1.0)(xo)
    expected = torch.nn.Dropout(1.0)(t64([1.0, np.inf, np.nan]))
    np.testing.assert_array_equal(out.data, expected.numpy())  # inf*0 and nan stay nan
    out.sum().backward()
    np.testing.assert_array_equal(xo.grad, 0.0)


def test_dropout_passes_values_through_in_eval():
    from scratchgrad.autograd import Value

    v = Value(2.0)
    assert nn.Dropout(0.5).eval()(v) is v


def test_dropout_keeps_float32():
    out = nn.Dropout(0.5, seed=0)(Tensor(np.ones(8, np.float32)))
    assert out.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.1, float("nan")])
def test_dropout_rejects_probabilities_outside_unit_interval(p):
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        nn.Dropout(p)


def test_eval_on_a_parent_turns_off_nested_dropout():
    model = nn.Sequential(nn.Linear(3, 3, seed=0), nn.Sequential(nn.Dropout(0.9, seed=0)))
    model.eval()
    assert all(not m.training for m in model.modules())
    x = Tensor(np.ones((2, 3)))
    np.testing.assert_array_equal(model(x).data, model[0](x).data)
    model.train()
    assert all(m.training for m in model.modules())


def test_flatten_keeps_the_batch_axis():
    assert nn.Flatten()(Tensor(np.zeros((2, 3, 4)))).shape == (2, 12)


def test_dropout_and_flatten_take_numpy_arrays():
    out = nn.Dropout(0.2, seed=0)(np.ones((3, 4)))
    assert isinstance(out, Tensor) and out.shape == (3, 4)
    assert nn.Flatten()(np.ones((0, 3, 4))).shape == (0, 12)
    assert nn.Flatten(-2)(np.ones((2, 3, 4))).shape == (2, 12)
    with pytest.raises(ValueError, match="Flatten"):
        nn.Flatten()(Tensor(np.ones(3)))


# --- Sequential ---------------------------------------------------------------------------


def test_sequential_indexing_and_activations():
    model = nn.Sequential(
        nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Identity(), nn.Sigmoid(), nn.Softmax(axis=-1)
    )
    assert len(model) == 5 and isinstance(model[1], nn.Tanh)
    out = model(np.ones((4, 2)))
    np.testing.assert_allclose(out.data.sum(axis=1), 1.0)
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(lambda x: x)
