"""The lines PyTorch scripts and the "Learn the Basics" tutorials write around a model
(seeding, devices, indexed writes, casts, `out=`), run with `import scratchgrad as torch`."""

import copy
import pickle

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.utils.data import DataLoader, TensorDataset, random_split

torch = oracle("torch")


def test_next_of_parameters_is_the_first_and_the_list_stays_a_list():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert next(model.parameters()) is model[0].weight  # PyTorch's generator idiom
    params = model.parameters()
    assert [next(params).shape, next(params).shape] == [(3, 2), (3,)]
    assert len(params) == 4 and params[3] is model[2].bias  # micrograd's list idiom
    assert next(model.children()) is model[0] and len(model.modules()) == 4
    with pytest.raises(StopIteration):
        next(nn.ReLU().parameters())


def test_a_generator_draws_the_same_numbers_from_the_same_seed():
    g = sg.Generator().manual_seed(42)  # PyTorch's chaining
    first = sg.randn(5, generator=g).data.copy()
    assert g.initial_seed() == 42
    np.testing.assert_array_equal(sg.randn(5, generator=g.manual_seed(42)).data, first)
    # as in PyTorch, a new generator starts from one fixed seed: the same every run
    np.testing.assert_array_equal(sg.Generator().random(3), sg.Generator().random(3))
    state = g.get_state()
    later = g.random(4)
    np.testing.assert_array_equal(g.set_state(state).random(4), later)
    for twin in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        assert twin.initial_seed() == 42 and twin.random() == copy.deepcopy(g).random()
    assert isinstance(g.seed(), int) and g.initial_seed() != 42
    with pytest.raises(ValueError, match="non-negative integer"):
        sg.Generator().manual_seed(-1)


def test_a_generator_fixes_random_split_and_shuffles():
    ds = TensorDataset(np.arange(20.0))

    def split():
        parts = random_split(ds, [0.8, 0.2], generator=sg.Generator().manual_seed(42))
        return [p.indices.tolist() for p in parts]

    def order():
        seeded = sg.Generator().manual_seed(1)
        loader = DataLoader(ds, batch_size=20, shuffle=True, generator=seeded)
        return next(iter(loader))[0].tolist()

    assert split() == split() and sorted(sum(split(), [])) == list(range(20))
    assert order() == order() and sorted(order()) == list(range(20))


def test_seeding_boilerplate_runs_and_says_what_it_does():
    sg.manual_seed(0)
    sg.cuda.manual_seed(0)
    sg.cuda.manual_seed_all(0)
    sg.cuda.empty_cache()
    with pytest.raises(ValueError, match="non-negative integer"):
        sg.cuda.manual_seed(1.5)
    sg.backends.cudnn.deterministic = True
    sg.backends.cudnn.benchmark = False
    assert sg.backends.cudnn.deterministic and not sg.backends.cudnn.is_available()
    sg.backends.cudnn.deterministic = False


def test_indexed_writes_change_the_tensor_and_are_counted():
    t = sg.ones(4, 4)
    t[:, 1] = 0  # the Tensors tutorial
    assert t.sum().item() == 12.0 and t._version == 1
    t[t > 0.5] = 3  # a mask
    t[sg.tensor([0, 2])] = sg.tensor(7.0)  # an index tensor and a tensor value
    expected = np.full((4, 4), 3.0)
    expected[:, 1] = 0
    expected[[0, 2]] = 7
    np.testing.assert_array_equal(t.data, expected)
    with pytest.raises(IndexError, match=r"does not fit a tensor of shape \(4, 4\)"):
        t[9] = 1


def test_indexed_writes_never_lose_a_gradient():
    w = sg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="indexed assignment.*leaf tensor that requires grad"):
        w[0] = 5.0
    with pytest.raises(RuntimeError, match="requires grad.*torch.stack"):
        sg.zeros(3)[0] = w[0] * 2  # PyTorch records this; we refuse rather than drop it
    with pytest.raises(RuntimeError, match="in-place fill_"):
        w.fill_(0)
    loss = (w * w).sum()
    with sg.no_grad():
        w[0] = 5.0  # an update outside the graph: allowed, and counted
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


@pytest.mark.oracle
@pytest.mark.parametrize(
    "index",
    [(slice(None), 1), (1,), (slice(1, 3), slice(None, None, 2)), ([0, 2],), (Ellipsis, -1)],
)
def test_indexed_writes_match_pytorch(index):
    ours, theirs = sg.zeros(3, 4), torch.zeros(3, 4, dtype=torch.float64)
    ours[index] = 2.5
    theirs[index] = 2.5
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_type_casts_and_names_like_pytorch():
    pred, y = sg.tensor([1, 2, 3]), sg.tensor([1, 0, 3])
    assert (pred == y).type(sg.float).sum().item() == 2.0  # the Quickstart's accuracy line
    assert (pred == y).type(sg.float).dtype == np.float32
    assert pred.type() == "torch.LongTensor" and pred.float().type() == "torch.FloatTensor"
    assert pred.type("torch.DoubleTensor").dtype == np.float64
    with pytest.raises(TypeError, match="unknown tensor type"):
        pred.type("torch.NoSuchTensor")


def test_a_0d_tensor_formats_as_its_number():
    assert f"{sg.tensor(2.5):.3f}" == "2.500" and f"{sg.tensor(3)}" == "3"
    assert f"{sg.ones(2)}" == repr(sg.ones(2))
    with pytest.raises(TypeError):
        f"{sg.ones(2):.3f}"  # PyTorch refuses a format spec for more than one number too


def test_random_like_factories_follow_their_tensor():
    x = sg.zeros(2, 3, dtype=sg.float32)
    for made in (sg.rand_like(x), sg.randn_like(x)):
        assert made.shape == (2, 3) and made.dtype == np.float32
    assert sg.rand_like(sg.tensor([1, 2]), dtype=sg.float).dtype == np.float32
    r = sg.rand_like(x, dtype=sg.float64).data
    assert r.dtype == np.float64 and ((r >= 0) & (r < 1)).all()
    with pytest.raises(TypeError, match="draws floats"):
        sg.randn_like(sg.tensor([1, 2]))


def test_randint_takes_pytorchs_argument_forms():
    assert sg.randint(10, (3,)).shape == (3,)  # nanoGPT's get_batch
    assert sg.randint(high=10, size=(3,)).shape == (3,)
    drawn = sg.randint(3, 10, (200,)).data
    assert drawn.dtype == np.int64 and drawn.min() >= 3 and drawn.max() < 10


def test_out_writes_the_result_into_the_given_tensor():
    t = sg.ones(4, 4)
    y = sg.rand_like(t)
    assert sg.matmul(t, t.T, out=y) is y and y.sum().item() == 64.0
    z = sg.zeros(4, 4)
    sg.mul(t, 3.0, out=z)
    np.testing.assert_array_equal(z.data, np.full((4, 4), 3.0))
    assert sg.add(t, t, alpha=2).sum().item() == 48.0 and sg.sub(t, 1).sum().item() == 0
    assert sg.div(t, 4).sum().item() == 4.0
    resized = sg.zeros(1)
    assert sg.mm(t, t, out=resized).shape == (4, 4)  # resized, as PyTorch resizes it
    with pytest.raises(RuntimeError, match="not differentiable"):
        sg.mul(sg.ones(2, requires_grad=True), 2.0, out=sg.zeros(2))
    with pytest.raises(TypeError, match="cannot hold"):
        sg.add(t, 0.5, out=sg.zeros(4, 4, dtype=sg.int64))


@pytest.mark.oracle
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_matches_pytorch(dim):
    src = np.arange(1.0, 11.0).reshape(2, 5)
    index = np.array([[0, 1, 2], [2, 0, 1]])
    ours = sg.zeros(3, 5).scatter_(dim, sg.tensor(index), sg.tensor(src))
    theirs = torch.zeros(3, 5, dtype=torch.float64).scatter_(
        dim, torch.tensor(index), torch.tensor(src)
    )
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    valued = sg.zeros(3, 5).scatter_(dim, sg.tensor(index), value=1.5)
    their_valued = torch.zeros(3, 5, dtype=torch.float64).scatter_(dim, torch.tensor(index), 1.5)
    np.testing.assert_array_equal(valued.data, their_valued.numpy())


def test_the_transforms_tutorials_one_hot_target():
    from scratchgrad.vision.transforms import Lambda

    target = Lambda(lambda y: sg.zeros(10, dtype=sg.float).scatter_(0, sg.tensor(y), value=1))
    assert target(3).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    one_hot = nn.functional.one_hot(sg.tensor([0, 2, 1]))
    assert one_hot.dtype == np.int64 and one_hot.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert nn.functional.one_hot(sg.tensor([[0, 2]]), num_classes=4).shape == (1, 2, 4)
    with pytest.raises(TypeError, match="src= .* or value="):
        sg.zeros(3).scatter_(0, sg.tensor([0]))
    with pytest.raises(TypeError, match="Lambda needs a function"):
        Lambda(3)


def test_a_missing_name_points_at_the_tensor_method_when_there_is_one():
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'. scratchgrad has"):
        sg.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError, match=r"the Tensor method exists: x\.backward"):
        sg.backward  # noqa: B018


def test_inference_mode_is_no_grad_and_false_leaves_grad_mode_alone():
    w = sg.ones(2, requires_grad=True)
    with sg.inference_mode():
        assert not (w * 2).requires_grad

    @sg.inference_mode()
    def evaluate():
        return (w * 2).requires_grad

    assert not evaluate() and (w * 2).requires_grad
    with sg.inference_mode(False):
        assert (w * 2).requires_grad
    with sg.no_grad(), sg.inference_mode(False):
        assert not (w * 2).requires_grad


def test_device_and_kind_questions_scripts_ask():
    x = sg.ones(2, 3)
    assert x.is_cuda is False and x.get_device() == -1
    assert x.nelement() == 6 and x.is_floating_point() and not sg.tensor([1]).is_floating_point()


def test_pytorchs_legacy_size_constructor_is_refused_not_misread():
    """torch.Tensor(3, 2) is an uninitialised 3x2 tensor in PyTorch: reading 2 as
    requires_grad, or 3 as the number, would give a 0-d parameter that broadcasts."""
    for make in (lambda: sg.Tensor(3, 2), lambda: nn.Parameter(sg.Tensor(4))):
        with pytest.raises(TypeError, match=r"torch.empty\("):
            make()
    assert sg.tensor(3).dtype == np.int64 and sg.Tensor(3.0).item() == 3.0


def test_random_fills_and_draws():
    w = sg.zeros(200, 50)
    with sg.no_grad():
        w.normal_(0, 0.02)
    assert abs(w.data.std() - 0.02) < 0.002 and w._version == 1
    w.uniform_(-1, 1)
    assert -1 <= w.data.min() and w.data.max() <= 1
    with pytest.raises(RuntimeError, match="in-place normal_"):
        nn.Parameter(np.zeros(2)).normal_()
    drawn = sg.normal(2.0, 0.5, (4000,)).data
    assert abs(drawn.mean() - 2.0) < 0.05 and abs(drawn.std() - 0.5) < 0.05


def test_multinomial_draws_by_weight_as_makemore_does():
    g = sg.Generator().manual_seed(2147483647)
    p = sg.tensor([0.1, 0.0, 0.9])
    drawn = sg.multinomial(p, num_samples=1000, replacement=True, generator=g).data
    assert drawn.dtype == np.int64 and 1 not in drawn and 800 < (drawn == 2).sum() < 980
    ix = p.multinomial(1, replacement=True, generator=g).item()
    assert ix in (0, 2)
    rows = sg.multinomial(sg.ones(3, 4), 4)  # without replacement: a permutation per row
    assert rows.shape == (3, 4) and all(sorted(r) == [0, 1, 2, 3] for r in rows.tolist())
    with pytest.raises(ValueError, match="without replacement"):
        sg.multinomial(p, 3)
    with pytest.raises(ValueError, match="not all zero"):
        sg.multinomial(sg.zeros(3), 1)


@pytest.mark.oracle
def test_embedding_matches_pytorch_with_padding():
    ours = nn.Embedding(5, 3, padding_idx=0, seed=0)
    theirs = torch.nn.Embedding(5, 3, padding_idx=0, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
    ids = [[1, 0, 1], [4, 2, 0]]
    out, their_out = ours(sg.tensor(ids)), theirs(torch.tensor(ids))
    (out * sg.tensor(np.arange(18.0).reshape(2, 3, 3))).sum().backward()
    (their_out * torch.arange(18.0, dtype=torch.float64).reshape(2, 3, 3)).sum().backward()
    np.testing.assert_array_equal(out.data, their_out.detach().numpy())
    np.testing.assert_array_equal(ours.weight.grad, theirs.weight.grad.numpy())
    assert repr(ours).startswith("Embedding(5, 3, padding_idx=0)")


def test_embedding_checks_its_ids_and_loads_a_table():
    table = nn.Embedding.from_pretrained(np.eye(3))
    assert not table.weight.requires_grad and table(sg.tensor([2])).tolist() == [[0, 0, 1]]
    layer = nn.Embedding(4, 2)
    assert layer(sg.tensor([[3, 3]])).shape == (1, 2, 2)
    with pytest.raises(IndexError, match=r"in \[0, 4\)"):
        layer(sg.tensor([4]))
    with pytest.raises(TypeError, match="integer ids"):
        layer(sg.tensor([1.0]))
    with pytest.raises(ValueError, match="max_norm"):
        nn.Embedding(4, 2, max_norm=1.0)


def test_the_newest_tutorials_device_line():
    device = sg.accelerator.current_accelerator().type if sg.accelerator.is_available() else "cpu"
    assert device == ("cuda" if sg.cuda.is_available() else "cpu")
    assert sg.accelerator.device_count() == sg.cuda.device_count()


def test_floats_made_from_integers_take_the_default_dtype():
    """PyTorch's rule: int / int and exp(int) give the default float dtype, and integers
    do not widen a float tensor (numpy would make float64 of all of these)."""
    sg.set_default_dtype(np.float32)
    try:
        images = sg.from_numpy(np.array([0, 128, 255], np.uint8))
        assert (images / 255).dtype == np.float32 and (images / 255.0).dtype == np.float32
        assert (sg.tensor([1, 2]) / 2).dtype == np.float32
        assert sg.tensor([1, 2]).exp().dtype == np.float32
        assert (sg.tensor([1.0, 2.0]) / sg.tensor([1, 2])).dtype == np.float32
        assert (sg.tensor([1.0], dtype=sg.float64) * sg.tensor([2.0])).dtype == np.float64
        assert sg.tensor([1, 2]).double().dtype == np.float64  # a cast is a cast
    finally:
        sg.set_default_dtype(np.float64)
    assert (sg.tensor([1, 2]) / 2).dtype == np.float64


@pytest.mark.oracle
def test_log10_and_log2_match_pytorch_with_their_gradients():
    x = np.array([0.5, 2.5, 8.0, 100.0])
    for name in ("log10", "log2"):
        ours, theirs = sg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, their_out = getattr(sg, name)(ours), getattr(torch, name)(theirs)
        out.sum().backward()
        their_out.sum().backward()
        np.testing.assert_array_equal(out.data, their_out.detach().numpy())
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-15)


def test_autograd_grad_returns_a_tuple_even_for_one_input():
    x = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    found = sg.autograd.grad((x * x).sum(), x)
    assert isinstance(found, tuple) and len(found) == 1
    np.testing.assert_array_equal(found[0], [2.0, 4.0, 6.0])  # [0] is the gradient


def test_reductions_to_one_bool_print_and_long_tensors_print_whole():
    x = sg.ones(3)
    assert repr((x == x).all()) == "Tensor(True, dtype=bool)"
    assert repr(sg.tensor(2.0) > 1) == "Tensor(True, dtype=bool)"
    wide = repr(sg.ones(4, 12))  # PyTorch prints up to 1000 numbers whole
    assert "..." not in wide and wide.count("1.") == 48
    assert "..." in repr(sg.ones(2000))


def test_functional_forms_take_python_numbers_as_torch_tensor_does():
    mask = sg.tensor([True, False])
    assert sg.where(mask, 1, 0).tolist() == [1, 0] and sg.where(mask, 1, 0).dtype == np.int64
    assert sg.stack([1, 2]).dtype == np.int64 and abs(sg.exp(2).item() - np.exp(2)) < 1e-15

    @sg.inference_mode  # the bare decorator, as PyTorch allows
    def doubled(t):
        return (t * 2).requires_grad

    assert doubled(sg.ones(2, requires_grad=True)) is False


@pytest.mark.oracle
def test_embedding_padding_rows_keep_their_numbers_and_get_no_gradient():
    table = np.arange(12.0).reshape(4, 3)  # a pretrained table: its pad row is not zero
    ours = sg.tensor(table, requires_grad=True)
    theirs = torch.tensor(table, requires_grad=True)
    ids = [0, 1, 3, 1]
    out = nn.functional.embedding(sg.tensor(ids), ours, padding_idx=-3)
    their_out = torch.nn.functional.embedding(torch.tensor(ids), theirs, padding_idx=-3)
    out.sum().backward()
    their_out.sum().backward()
    np.testing.assert_array_equal(out.data, their_out.detach().numpy())
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_normal_takes_tensors_for_mean_and_std():
    means = sg.zeros(2000, 2, dtype=sg.float32)
    drawn = sg.normal(means, 0.5)
    assert drawn.shape == (2000, 2) and drawn.dtype == np.float32
    assert abs(float(drawn.data.std()) - 0.5) < 0.05
    assert sg.normal(1.0, sg.ones(3)).shape == (3,)
    with pytest.raises(TypeError, match="needs a size"):
        sg.normal(0.0, 1.0)


def test_grad_fn_as_the_autograd_tutorial_prints_it():
    x, y = sg.ones(5), sg.zeros(3)
    w, b = sg.randn(5, 3, requires_grad=True), sg.randn(3, requires_grad=True)
    z = sg.matmul(x, w) + b
    assert repr(z.grad_fn) == "<AddBackward0 object>" and z.grad_fn.name() == "AddBackward0"
    (matmul, _), (accumulate, _) = z.grad_fn.next_functions
    assert matmul.name() == "MatmulBackward0" and accumulate.variable is b
    assert repr(accumulate) == "<AccumulateGrad object>"
    assert x.grad_fn is None and w.grad_fn is None and z.grad_fn == z.grad_fn
    loss = nn.functional.binary_cross_entropy_with_logits(z, y)
    assert loss.grad_fn is not None
    with sg.no_grad():
        assert (w * 2).grad_fn is None


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"])
def test_legacy_typed_constructors_make_pytorchs_dtype(name):
    data = [1, 0, 3]
    ours, theirs = getattr(sg, name)(data), getattr(torch, name)(data)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    assert ours.type() == theirs.type() == f"torch.{name}"
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert isinstance(ours, getattr(sg, name)) and isinstance(theirs, getattr(torch, name))
    assert not isinstance(sg.tensor([0.5, 1.5], dtype=np.float16), getattr(sg, name))
    assert getattr(sg, name)().shape == tuple(getattr(torch, name)().shape) == (0,)
    with pytest.raises(TypeError, match=r"legacy form.*torch.empty\(2, 3"):
        getattr(sg, name)(2, 3)
