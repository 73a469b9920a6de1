"""The learner's road to a GPU: `cuda.is_available()`, tensors and models moved with
`.to("cuda")`, PyTorch's training loop, `nn.fit(..., device="cuda")`, data sets kept on
the GPU, checkpoints saved from and loaded onto it, pictures of a GPU model. Each gives
the CPU's numbers, and nothing on the way copies GPU data to the host behind the user's
back.

On the CPU it is walked with a pretend CuPy (pretend_cupy.py), whose arrays refuse to
become numpy arrays as CuPy's do; on a machine with a GPU, `python -m bench.gpu_check`
runs this file with SCRATCHGRAD_TEST_DEVICE=cuda and the real CuPy. The op table itself
is checked on device arrays by autograd/test_array_namespace.py."""

import sys
from pathlib import Path

import numpy as np
import pretend_cupy
import pytest
from device_arrays import ON_GPU

import scratchgrad as sg
from scratchgrad import nn

# a real GPU sums in other orders than the CPU: float64 results agree to ~1e-12, and a
# few optimizer steps amplify that
RTOL = 1e-7 if ON_GPU else 1e-10


@pytest.fixture
def gpu(monkeypatch):
    if ON_GPU:
        import cupy

        return cupy
    return pretend_cupy.install(monkeypatch)


def on_gpu(x):
    return isinstance(getattr(x, "_data", x), sys.modules["cupy"].ndarray)


def test_the_gpu_is_seen_as_pytorch_sees_one(gpu):
    assert sg.cuda.is_available() and sg.cuda.device_count() >= 1
    assert sg.accelerator.current_accelerator() == sg.device("cuda")
    device = sg.device("cuda" if sg.cuda.is_available() else "cpu")
    assert str(device) == "cuda"
    sg.cuda.synchronize()
    sg.cuda.empty_cache()


def test_a_gpu_tensor_behaves_as_pytorchs(gpu):
    x = sg.tensor([1.0, 2.0, 3.0], device="cuda")
    assert on_gpu(x) and x.is_cuda and x.get_device() == 0
    assert x.device == sg.device("cuda:0") and "device='cuda:0'" in repr(x)
    with pytest.raises(TypeError, match=r"cuda:0 device type tensor to numpy. Use Tensor.cpu"):
        x.numpy()
    with pytest.raises(TypeError, match="copy it to the host first with .cpu()"):
        np.asarray(x)
    np.testing.assert_array_equal(x.cpu().numpy(), [1.0, 2.0, 3.0])
    assert x.sum().item() == 6.0 and float(x.max()) == 3.0 and x.tolist() == [1.0, 2.0, 3.0]
    for made in (
        sg.zeros_like(x),
        sg.randn(2, 3, device="cuda"),
        sg.arange(4, device="cuda"),
        sg.full((2,), 7.0, device="cuda"),
        x.new_zeros(2),
        x * 2 + 1,
        x[x > 1],
        x[sg.tensor([0, 2], device="cuda")],
    ):
        assert on_gpu(made), made
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x + sg.tensor([1.0, 2.0, 3.0])


def test_gradients_flow_back_to_the_device_each_leaf_lives_on(gpu):
    host_leaf = sg.tensor([1.0, 2.0], requires_grad=True)
    gpu_leaf = sg.tensor([3.0, 4.0], device="cuda", requires_grad=True)
    ((host_leaf.to("cuda") * gpu_leaf) ** 2).sum().backward()
    assert isinstance(host_leaf.grad, np.ndarray) and on_gpu(gpu_leaf.grad)
    np.testing.assert_allclose(host_leaf.grad, 2 * np.array([1.0, 2.0]) * [9.0, 16.0])
    np.testing.assert_allclose(gpu_leaf.grad.get(), 2 * np.array([3.0, 4.0]) * [1.0, 4.0])


def small_problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 1, 6, 6))
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    return x, y


def small_cnn():
    sg.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1, dtype=np.float64),
        nn.BatchNorm2d(3, dtype=np.float64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(27, 2, dtype=np.float64),
    )


def pytorch_style_training(device, epochs=2):
    """The loop of PyTorch's tutorials, as a learner renames it."""
    x, y = small_problem()
    loader = sg.utils.data.DataLoader(
        sg.utils.data.TensorDataset(sg.tensor(x), sg.tensor(y)), batch_size=16, shuffle=True
    )
    model = small_cnn().to(device)
    optimizer = sg.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = sg.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    losses = []
    sg.manual_seed(1)
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device, non_blocking=True)
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with sg.no_grad():
        out = model(sg.tensor(x, device=device))
        correct = (out.argmax(1) == sg.tensor(y, device=device)).sum().item()
    return model, optimizer, losses, out, correct


def test_pytorchs_training_loop_on_the_gpu_gives_the_cpus_numbers(gpu):
    *_, cpu_losses, cpu_out, cpu_correct = pytorch_style_training("cpu")
    model, _, losses, out, correct = pytorch_style_training("cuda")
    assert all(on_gpu(p) for p in model.parameters()) and on_gpu(out)
    assert all(on_gpu(p.grad) for p in model.parameters())
    assert on_gpu(model[1].running_mean)
    np.testing.assert_allclose(losses, cpu_losses, rtol=RTOL)
    np.testing.assert_allclose(out.cpu().numpy(), cpu_out.numpy(), rtol=RTOL, atol=1e-12)
    assert correct == cpu_correct


def test_fit_with_a_device_gives_the_cpus_history(gpu):
    x, y = small_problem()
    histories = []
    for device in (None, "cuda"):
        model = small_cnn()
        loader = sg.utils.data.DataLoader(sg.utils.data.TensorDataset(x, y), batch_size=16)
        optimizer = sg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sg.manual_seed(1)
        history = nn.fit(
            model,
            nn.functional.cross_entropy,
            optimizer,
            loader,
            epochs=2,
            val_loader=loader,
            progress=False,
            device=device,
        )
        assert on_gpu(next(model.parameters())) == (device == "cuda")
        histories.append(history)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=RTOL)


def test_a_checkpoint_goes_from_the_gpu_to_a_file_and_back(gpu, tmp_path):
    model, optimizer, *_ = pytorch_style_training("cuda", epochs=1)
    state = model.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values()), "a state_dict is for saving"
    sg.save({"model": state, "optimizer": optimizer.state_dict(), "epoch": 1}, tmp_path / "c.pt")
    sg.save({"w": model[0].weight.detach()}, tmp_path / "t.pt")
    assert on_gpu(sg.load(tmp_path / "t.pt", map_location="cuda")["w"])
    assert not on_gpu(sg.load(tmp_path / "t.pt")["w"])

    checkpoint = sg.load(tmp_path / "c.pt", map_location="cuda")
    restored = small_cnn().to("cuda")
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer = sg.optim.Adam(restored.parameters(), lr=1e-2)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    restored.load_state_dict(model.state_dict())  # a GPU model's own state_dict, too
    for p, q in zip(restored.parameters(), model.parameters()):
        assert on_gpu(p)
        np.testing.assert_array_equal(p.cpu().numpy(), q.cpu().numpy())
    for saved in restored_optimizer.state.values():
        assert all(on_gpu(v) for v in saved.values() if getattr(v, "ndim", 0)), saved

    # one more step from the restored pair equals one more step of the original pair
    x, y = small_problem()
    xb, yb = sg.tensor(x[:16], device="cuda"), sg.tensor(y[:16], device="cuda")
    for m, opt in ((model, optimizer), (restored, restored_optimizer)):
        m.eval()
        opt.zero_grad()
        nn.functional.cross_entropy(m(xb), yb).backward()
        opt.step()
    for p, q in zip(restored.parameters(), model.parameters()):
        np.testing.assert_allclose(p.cpu().numpy(), q.cpu().numpy(), rtol=RTOL)


def test_the_gpu_rows_of_the_bench_run_their_code(gpu):
    """What `python -m bench.gpu_check` times on a real GPU, run once on the pretend one:
    the SimpleConvNet step and the MNIST recipe's training and accuracy passes."""
    from bench.conv_side import ours_step
    from bench.mnist_recipe import train_ours

    rng = np.random.default_rng(0)
    images = rng.random((300, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 300)
    loss = ours_step(images[:8], labels[:8], "simple", "cuda")()
    assert on_gpu(loss) and np.isfinite(loss.item())
    result = train_ours((images[:200], labels[:200]), (images[200:], labels[200:]), 0, 1, "cuda")
    assert len(result["epoch_seconds"]) == 1 and 0.0 <= result["accuracy"][0] <= 1.0


def test_a_data_set_moved_to_the_gpu_stays_there(gpu):
    x, y = small_problem()
    data = sg.utils.data.TensorDataset(sg.tensor(x, device="cuda"), sg.tensor(y, device="cuda"))
    batches = list(sg.utils.data.DataLoader(data, batch_size=16, shuffle=True))
    assert len(batches) == 3 and all(on_gpu(xb) and on_gpu(yb) for xb, yb in batches)
    seen = np.sort(np.concatenate([yb.cpu().numpy() for _, yb in batches]))
    np.testing.assert_array_equal(seen, np.sort(y))
    labels = sg.tensor(y[:5], device="cuda")
    assert on_gpu(nn.functional.one_hot(labels, 2))
    assert sg.ones(2).type_as(labels.float()).is_cuda  # PyTorch's type_as moves, too


def test_pictures_of_a_gpu_model_are_drawn_from_host_copies(gpu):
    pytest.importorskip("matplotlib")
    from scratchgrad import viz

    model = small_cnn().to("cuda")
    x, y = small_problem()
    out = model(sg.tensor(x[:2], device="cuda"))
    out.sum().backward()
    drawing = viz.draw_graph(out.sum())
    assert "μ" in drawing.source  # node values summarised from host copies
    viz.plot_filters(model[0])
    viz.plot_feature_maps(model, x[0])
    assert set(viz.record_activations(model, x[:4])) == {"ReLU 1"}
    points = np.random.default_rng(0).standard_normal((20, 2))
    flat = nn.Sequential(nn.Linear(2, 2, dtype=np.float64)).to("cuda")
    viz.plot_decision_boundary(flat, points, (points[:, 0] > 0).astype(int))
    assert set(viz.gradient_norms(model)) == {name for name, _ in model.named_parameters()}
    nn.utils.clip_grad_value_(model.parameters(), 0.01)
    assert all(on_gpu(p.grad) and float(abs(p.grad).max()) <= 0.01 for p in model.parameters())


@pytest.mark.slow
@pytest.mark.skipif(ON_GPU, reason="a real GPU runs notebook 16 as it is")
def test_notebook_16_trains_on_the_gpu_with_no_change_but_the_device():
    """The lesson's promise: where `scratchgrad.cuda.is_available()`, the same notebook
    trains on the GPU (its device line picks "cuda"), every check still passing."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    notebook = nbformat.read(folder / "16_cnn.ipynb", as_version=4)
    here = str(Path(__file__).resolve().parent)
    notebook.cells.insert(
        0,
        nbformat.v4.new_code_cell(
            f"import sys; sys.path.insert(0, {here!r})\n"
            "import pretend_cupy; _gpu = pretend_cupy.installed(); _gpu.__enter__()"
        ),
    )
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "training on: cuda" in printed
    assert printed.count("✓") >= 10, printed[-2000:]


def test_torch_cuda_questions_are_answered(gpu):
    assert sg.cuda.current_device() == 0
    sg.cuda.set_device(0)
    properties = sg.cuda.get_device_properties(0)
    assert properties.total_memory > 0 and properties.major >= 1
    assert sg.cuda.get_device_name(0) == properties.name
    assert sg.cuda.memory_allocated() >= 0 and sg.cuda.memory_reserved() >= 0


def test_torch_cuda_questions_without_a_gpu_say_so(monkeypatch):
    monkeypatch.setattr(sg.cuda, "is_available", staticmethod(lambda: False))
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        sg.cuda.get_device_name(0)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        sg.cuda.current_device()


def test_gradients_of_gpu_tensors_are_checked_against_central_differences(gpu):
    from scratchgrad.autograd import gradcheck, gradgradcheck

    x = sg.randn(3, 2, device="cuda", dtype=sg.float64, requires_grad=True)
    w = sg.randn(2, device="cuda", dtype=sg.float64, requires_grad=True)

    def f(a, b):
        return ((a @ b).tanh() * a.sum(1)).sum()

    assert gradcheck(f, (x, w))
    assert gradcheck(f, (x, w), fast_mode=True)
    assert gradcheck(f, (x, w), check_forward=True)
    assert gradgradcheck(f, (x, w))
    assert on_gpu(x) and on_gpu(w)  # nudged in place and put back, where they live


def test_jacobians_and_hessians_of_gpu_tensors_are_built_there(gpu):
    from scratchgrad.autograd import hessian, jacobian

    x = np.array([0.3, -1.2, 2.0])
    results = []
    for device in ("cpu", "cuda"):
        t = sg.tensor(x, device=device)
        blocks = (
            jacobian(lambda a: a.sin() * a, t),
            jacobian(lambda a: a.sin() * a, t, mode="forward"),
            hessian(lambda a: (a**3).sum() * a[0], t),
        )
        assert all(on_gpu(b) == (device == "cuda") for b in blocks)
        results.append([b.cpu().numpy() for b in blocks])
    for ours, cpu in zip(*reversed(results)):
        np.testing.assert_allclose(ours, cpu, rtol=RTOL)


@pytest.mark.skipif(ON_GPU, reason="counts the pretend GPU's round trips")
def test_a_training_step_waits_for_the_gpu_at_most_three_times(gpu):
    """Each time numbers come back from a GPU, the host waits for all queued work, and
    the GPU then idles until the host queues more. PyTorch's step waits 0 times (1 with
    loss.item()); ours: the label check, the optimizer's non-finite check (one sum of
    all gradients), loss.item(). It waited 12 times (34 for deep_convnet) before the
    per-parameter and per-ReLU checks learned to ask the device once or not at all."""
    from bench.conv_side import ours_step

    rng = np.random.default_rng(0)
    images = rng.random((8, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 8)
    for model in ("simple", "deep"):
        step = ours_step(images, labels, model, "cuda")
        step()  # the first step makes the optimizer's state
        pretend_cupy.round_trips[0] = 0
        step().item()
        assert pretend_cupy.round_trips[0] <= 3, (model, pretend_cupy.round_trips[0])


def test_pytorch_spellings_that_make_things_on_the_gpu(gpu):
    weight = nn.Parameter(sg.zeros(3, 2, device="cuda"))  # a custom module's parameter
    assert on_gpu(weight) and weight.requires_grad
    assert on_gpu(nn.Embedding.from_pretrained(sg.ones(3, 2, device="cuda")).weight)
    condition = sg.tensor([1.0, -1.0], device="cuda") > 0
    assert on_gpu(sg.where(condition, 1.0, 0.0))  # numbers go to the condition's device
    with pytest.raises(RuntimeError, match="same device"):
        sg.where(condition, sg.ones(2), sg.zeros(2))
    assert on_gpu(sg.ones(2).cuda(non_blocking=True))
    assert sg.cuda.is_bf16_supported() is False  # (no bfloat16 in numpy or CuPy)


def test_initialisers_write_through_a_gpu_parameters_data(gpu):
    """The DCGAN tutorial's `weights_init` runs after `.to(device)` and writes through
    `m.weight.data`, which on a GPU is a CuPy array: the same numbers as on the CPU."""

    def weights_init(m):
        if m.__class__.__name__.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif m.__class__.__name__.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    states = []
    for device in ("cpu", "cuda"):
        sg.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).to(device)
        net.apply(weights_init)
        nn.init.kaiming_uniform_(net[0].weight.data, a=0.2)
        nn.init.orthogonal_(net[0].weight.data)
        assert on_gpu(net[0].weight) == (device == "cuda")
        states.append(net.state_dict())
    for name, value in states[0].items():
        np.testing.assert_array_equal(states[1][name], value, err_msg=name)
    assert states[1]["1.bias"].sum() == 0 and abs(states[1]["1.weight"].mean() - 1) < 0.1


LOSSES = {
    "cross_entropy, smoothing": lambda a, b, c, y, s, p: F().cross_entropy(
        a, y, label_smoothing=0.1
    ),
    "cross_entropy, probabilities": lambda a, b, c, y, s, p: F().cross_entropy(a, p),
    "binary_cross_entropy": lambda a, b, c, y, s, p: F().binary_cross_entropy(a.sigmoid(), p),
    "bce_with_logits": lambda a, b, c, y, s, p: F().binary_cross_entropy_with_logits(a, p),
    "kl_div": lambda a, b, c, y, s, p: F().kl_div(a.log_softmax(1), p, reduction="batchmean"),
    "gaussian_nll_loss": lambda a, b, c, y, s, p: F().gaussian_nll_loss(a, b, c.exp()),
    "huber_loss": lambda a, b, c, y, s, p: F().huber_loss(a, b),
    "smooth_l1_loss": lambda a, b, c, y, s, p: F().smooth_l1_loss(a, b),
    "poisson_nll_loss": lambda a, b, c, y, s, p: F().poisson_nll_loss(a, p),
    "multi_margin_loss": lambda a, b, c, y, s, p: F().multi_margin_loss(a, y),
    "margin_ranking_loss": lambda a, b, c, y, s, p: F().margin_ranking_loss(a[:, 0], b[:, 0], s),
    "cosine_embedding_loss": lambda a, b, c, y, s, p: F().cosine_embedding_loss(a, b, s),
    "triplet_margin_loss": lambda a, b, c, y, s, p: F().triplet_margin_loss(a, b, c),
}


def F():
    return nn.functional


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_losses_on_the_gpu_give_the_cpus_numbers(gpu, loss):
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 4, 3))
    others = (b, c, rng.integers(0, 3, 4), np.sign(rng.standard_normal(4)), rng.random((4, 3)))
    results = []
    for device in ("cpu", "cuda"):
        x = sg.tensor(a, device=device, requires_grad=True)
        value = LOSSES[loss](x, *(sg.tensor(v, device=device) for v in others))
        value.backward()
        assert on_gpu(x.grad) == (device == "cuda")
        results.append((value.item(), x.grad if device == "cpu" else x.grad.get()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=RTOL)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=RTOL, atol=1e-14)


def test_parameters_flatten_to_a_vector_and_back_on_the_gpu(gpu):
    model = nn.Linear(3, 2, dtype=np.float64).to("cuda")
    vector = nn.utils.parameters_to_vector(model.parameters())
    assert on_gpu(vector) and vector.shape == (8,)
    nn.utils.vector_to_parameters(vector * 0 + 1, model.parameters())
    assert all(on_gpu(p) and float(p.sum()) == p.numel() for p in model.parameters())


def test_normalize_transforms_a_gpu_image_there(gpu):
    import scratchgrad.vision.transforms as T

    image = np.random.default_rng(0).random((1, 4, 4))
    normalize = T.Normalize((0.1307,), (0.3081,))
    on_device = normalize(sg.tensor(image, device="cuda"))
    assert on_gpu(on_device)
    np.testing.assert_allclose(on_device.cpu().numpy(), normalize(sg.tensor(image)).numpy())


def test_building_functions_keep_gpu_tensors_there(gpu):
    x = sg.tensor([3.0, 1.0, 2.0], device="cuda")
    repeated = x.repeat_interleave(sg.tensor([1, 2, 0], device="cuda"))
    assert on_gpu(repeated) and repeated.tolist() == [3.0, 1.0, 1.0]
    blocks = sg.block_diag(sg.ones(2, 2, device="cuda"), sg.ones(1, 1, device="cuda"))
    assert on_gpu(blocks) and blocks.shape == (3, 3) and float(blocks.sum()) == 5.0


def test_embedding_bags_look_up_on_the_gpu(gpu):
    results = []
    for device in ("cpu", "cuda"):
        sg.manual_seed(0)
        bag = nn.EmbeddingBag(10, 3, mode="mean", dtype=np.float64).to(device)
        ids, offsets = (
            sg.tensor([1, 2, 4, 5, 4, 3], device=device),
            sg.tensor([0, 3], device=device),
        )
        out = bag(ids, offsets)
        out.sum().backward()
        assert on_gpu(out) == on_gpu(bag.weight.grad) == (device == "cuda")
        results.append((out.cpu().detach().numpy(), nn.Embedding.from_pretrained(bag.weight)(ids)))
        assert on_gpu(nn.EmbeddingBag.from_pretrained(bag.weight).weight) == (device == "cuda")
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=RTOL)
    np.testing.assert_allclose(results[1][1].cpu().numpy(), results[0][1].numpy(), rtol=RTOL)


def test_set_default_device_puts_new_tensors_and_layers_on_the_gpu(gpu):
    try:
        sg.set_default_device("cuda")
        assert sg.get_default_device() == sg.device("cuda")
        layer = nn.Linear(2, 3)
        made = (sg.tensor([1.0]), sg.zeros(2), sg.randn(2, 2), sg.arange(3), layer.weight)
        assert all(on_gpu(t) for t in made)
        assert on_gpu(layer(sg.randn(4, 2)))
        norm = nn.BatchNorm1d(3)  # its running statistics are buffers, not parameters
        assert on_gpu(norm.running_mean) and on_gpu(norm(sg.randn(4, 3)))
    finally:
        sg.set_default_device(None)
    assert sg.get_default_device() == sg.device("cpu") and not on_gpu(sg.zeros(1))


def test_set_default_device_without_a_gpu_says_so(monkeypatch):
    monkeypatch.setattr(sg.cuda, "is_available", staticmethod(lambda: False))
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        sg.set_default_device("cuda")
    assert sg.get_default_device() == sg.device("cpu")
