"""`nn.EmbeddingBag` and `F.embedding_bag` give PyTorch's numbers and gradients: the sum,
mean and max of bags given as a 2-D batch or as 1-D ids with offsets (including
`include_last_offset`), per_sample_weights, padding_idx left out of the bags and of the
mean's count, empty bags as zeros, max_norm's in-place renormalisation; the module
prints and saves as PyTorch's; and PyTorch's text-classification tutorial model
(EmbeddingBag + Linear over offsets, SGD with gradient clipping) trains to PyTorch's
numbers when it starts from the same weights."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad
import scratchgrad.nn.functional as F
from scratchgrad import nn
from scratchgrad.autograd import Tensor

torch = oracle("torch")
TF = oracle("torch.nn.functional")

IDS = np.array([1, 2, 4, 5, 4, 3, 2, 0, 6, 6])
OFFSETS = np.array([0, 3, 3, 7])  # bag 1 is empty


def _run(ours, W, ids, upstream, psw, options):
    """Output and gradients (weight, then per_sample_weights) of one framework."""
    make, fn = (Tensor, F.embedding_bag) if ours else (torch.tensor, TF.embedding_bag)
    weight = make(W.copy(), requires_grad=True)
    weights = None if psw is None else make(psw.copy(), requires_grad=True)
    given = {k: v if ours or k != "offsets" else torch.tensor(v) for k, v in options.items()}
    out = fn(ids if ours else torch.tensor(ids), weight, per_sample_weights=weights, **given)
    out.backward(upstream if ours else torch.tensor(upstream))
    grads = [weight.grad] + ([] if weights is None else [weights.grad])
    if not ours:
        out, grads = out.detach(), [g.numpy() for g in grads]
    return [np.array(out.data if ours else out.numpy())] + [np.array(g) for g in grads]


def _both(W, ids, upstream, psw=None, **options):
    """Our and PyTorch's output and gradients, in float64."""
    return (_run(flag, W, ids, upstream, psw, options) for flag in (True, False))


def _close(ours, theirs):
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_offsets_bags_match_pytorch(mode, padding_idx):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((7, 4))
    upstream = rng.standard_normal((4, 4))
    ours, theirs = _both(W, IDS, upstream, mode=mode, offsets=OFFSETS, padding_idx=padding_idx)
    _close(ours, theirs)
    np.testing.assert_array_equal(ours[0][1], 0)  # the empty bag


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_fixed_length_bags_of_a_2d_input_match_pytorch(mode):
    rng = np.random.default_rng(1)
    W = rng.standard_normal((9, 3))
    ids = rng.integers(0, 9, size=(5, 4))
    ids[2] = 3  # one bag with a single id repeated
    ours, theirs = _both(W, ids, rng.standard_normal((5, 3)), mode=mode, padding_idx=3)
    _close(ours, theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_include_last_offset_matches_pytorch(mode):
    rng = np.random.default_rng(2)
    W = rng.standard_normal((7, 4))
    offsets = np.append(OFFSETS, IDS.size)  # the CSR form: one offset more
    ours, theirs = _both(
        W, IDS, rng.standard_normal((4, 4)), mode=mode, offsets=offsets, include_last_offset=True
    )
    _close(ours, theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_per_sample_weights_scale_the_rows_and_get_their_gradient(padding_idx):
    rng = np.random.default_rng(3)
    W, psw = rng.standard_normal((7, 4)), rng.random(IDS.size)
    ours, theirs = _both(
        W,
        IDS,
        rng.standard_normal((4, 4)),
        psw=psw,
        mode="sum",
        offsets=OFFSETS,
        padding_idx=padding_idx,
    )
    _close(ours, theirs)
    if padding_idx is not None:  # a left-out entry's weight gets no gradient
        np.testing.assert_array_equal(ours[2][IDS == padding_idx], 0)


@pytest.mark.oracle
def test_every_bag_empty_gives_zeros_in_every_mode():
    W = np.random.default_rng(4).standard_normal((5, 2))
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(np.array([], np.int64), Tensor(W), np.array([0, 0]), mode=mode)
        theirs = TF.embedding_bag(
            torch.tensor([], dtype=torch.int64), torch.tensor(W), torch.tensor([0, 0]), mode=mode
        )
        np.testing.assert_array_equal(out.data, theirs.numpy())
        # ids that are all padding leave their bags empty too
        pads = F.embedding_bag(np.array([[1, 1]]), Tensor(W), mode=mode, padding_idx=1)
        np.testing.assert_array_equal(pads.data, np.zeros((1, 2)))


@pytest.mark.oracle
def test_max_norm_renormalises_the_rows_used_in_place_as_pytorch():
    W = np.random.default_rng(5).standard_normal((7, 4)) * 2
    ours, theirs = Tensor(W.copy(), requires_grad=True), torch.tensor(W, requires_grad=True)
    out = F.embedding_bag(IDS[:6], ours, np.array([0, 2]), max_norm=1.5, norm_type=1.0)
    expect = TF.embedding_bag(
        torch.tensor(IDS[:6]), theirs, torch.tensor([0, 2]), max_norm=1.5, norm_type=1.0
    )
    np.testing.assert_allclose(out.data, expect.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    assert not np.allclose(ours.data, W)  # some rows were too long
    np.testing.assert_array_equal(ours.data[6], W[6])  # a row not looked up stays


def test_unsupported_options_and_bad_inputs_are_refused():
    weight = Tensor(np.ones((5, 2)))
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.EmbeddingBag(5, 2, sparse=True)
    with pytest.raises(NotImplementedError, match="scale_grad_by_freq"):
        nn.EmbeddingBag(5, 2, scale_grad_by_freq=True)
    with pytest.raises(NotImplementedError, match="scale_grad_by_freq"):
        F.embedding_bag(np.array([1, 2]), weight, np.array([0]), scale_grad_by_freq=True)
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        F.embedding_bag(np.array([1, 2]), weight, np.array([0]), per_sample_weights=np.ones(2))
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(np.array([[1, 2]]), weight, np.array([0]))
    with pytest.raises(ValueError, match="offsets"):
        F.embedding_bag(np.array([1, 2]), weight)
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(np.array([1, 2]), weight, np.array([1]))
    with pytest.raises(ValueError, match="mode"):
        F.embedding_bag(np.array([[1, 2]]), weight, mode="median")
    with pytest.raises(IndexError):
        F.embedding_bag(np.array([[1, 5]]), weight)
    with pytest.raises(TypeError, match="integer"):
        F.embedding_bag(np.array([[1.0, 2.0]]), weight)


@pytest.mark.oracle
def test_module_prints_saves_and_starts_as_pytorchs():
    for options in ({}, {"mode": "sum", "padding_idx": -1}, {"mode": "max", "max_norm": 1.0}):
        ours, theirs = nn.EmbeddingBag(10, 3, **options), torch.nn.EmbeddingBag(10, 3, **options)
        assert repr(ours).split("  #")[0] == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    bag = nn.EmbeddingBag(10, 3, padding_idx=2, seed=0)
    np.testing.assert_array_equal(bag.weight.data[2], 0)
    assert bag.weight.dtype == scratchgrad.get_default_dtype()
    table = np.random.default_rng(6).standard_normal((4, 2))
    frozen = nn.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"
    np.testing.assert_array_equal(frozen(np.array([[0, 3]])).data, table[[0]] + table[[3]])
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad


# --- PyTorch's tutorial "Text classification with the torchtext library" ----------------


def tutorial(torch, nn):
    """The tutorial's collate_batch, model and training step, written against `torch`."""

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(_label)
            processed_text = torch.tensor(_text, dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list, text_list, offsets

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super(TextClassificationModel, self).__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    def train(model, dataloader, criterion, optimizer):
        model.train()
        losses, total_acc = [], 0
        for label, text, offsets in dataloader:
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            losses.append(loss.item())
        return losses, total_acc

    def evaluate(model, dataloader):
        model.eval()
        with torch.no_grad():
            return [model(text, offsets).numpy() for _, text, offsets in dataloader]

    return collate_batch, TextClassificationModel, train, evaluate


@pytest.fixture
def precision(request):
    """Both libraries' default dtype set to request.param, restored afterwards."""
    ours, theirs = scratchgrad.get_default_dtype(), torch.get_default_dtype()
    scratchgrad.set_default_dtype(np.dtype(request.param))
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    scratchgrad.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


@pytest.mark.oracle
@pytest.mark.parametrize("precision", ["float32", "float64"], indirect=True)
def test_text_classification_tutorial_gives_pytorchs_numbers(precision):
    vocab, embed, classes, batch = 40, 8, 4, 6
    data = np.random.default_rng(7)
    samples = [
        (int(data.integers(classes)), data.integers(0, vocab, size=data.integers(1, 9)).tolist())
        for _ in range(4 * batch)
    ]
    runs = []
    start = None
    for lib in (scratchgrad, torch):
        collate_batch, Model, train, evaluate = tutorial(lib, lib.nn)
        model = Model(vocab, embed, classes)
        if start is None:
            start = {k: np.array(v) for k, v in model.state_dict().items()}
        else:  # the same starting weights (the frameworks' generators differ)
            model.load_state_dict({k: lib.tensor(v) for k, v in start.items()})
        loader = [collate_batch(samples[i : i + batch]) for i in range(0, len(samples), batch)]
        optimizer = lib.optim.SGD(model.parameters(), lr=5.0)
        # (the tutorial passes step_size=1.0; scratchgrad's StepLR takes ints only)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.1)
        epochs = [train(model, loader, lib.nn.CrossEntropyLoss(), optimizer)]
        scheduler.step()
        epochs.append(train(model, loader, lib.nn.CrossEntropyLoss(), optimizer))
        state = {k: np.asarray(v) for k, v in model.state_dict().items()}
        runs.append((epochs, evaluate(model, loader), state))
    (ours, our_eval, our_state), (theirs, their_eval, their_state) = runs
    tol = dict(rtol=1e-5, atol=1e-6) if precision == "float32" else dict(rtol=1e-11, atol=1e-12)
    for (our_losses, our_acc), (their_losses, their_acc) in zip(ours, theirs):
        np.testing.assert_allclose(our_losses, their_losses, **tol)
        assert our_acc == their_acc
    for a, b in zip(our_eval, their_eval):
        np.testing.assert_allclose(a, b, **tol)
    assert list(our_state) == list(their_state) == ["embedding.weight", "fc.weight", "fc.bias"]
    for name, value in our_state.items():
        assert value.dtype == np.dtype(precision)
        np.testing.assert_allclose(value, their_state[name], **tol, err_msg=name)
    assert np.abs(our_state["fc.weight"] - start["fc.weight"]).max() > 1e-3  # it trained
