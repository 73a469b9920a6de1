"""DataLoader with PyTorch's arguments, samplers and batches (`nn/loader.py`,
`nn/samplers.py`, `nn/collate.py`), checked against PyTorch where it is installed."""

import numpy as np
import pytest
from oracles import oracle

import scratchgrad as sg
from scratchgrad.utils import data as D

torch = oracle("torch")
torch_data = oracle("torch.utils.data")


def _samples(kind):
    """Five samples of one kind, as a Dataset's __getitem__ would return them."""

    def sample(i):
        x = np.full(3, i, dtype=np.float32)
        return {
            "dict": {"x": x, "y": i},
            "list": [x, i],
            "tuple": (x, i),
            "string": (x, f"f{i}.png"),
            "float": (x, float(i)),
        }[kind]

    return [sample(i) for i in range(5)]


def _described(batch):
    """A batch as plain Python: shapes and dtypes of tensors, the rest as is."""
    if isinstance(batch, dict):
        return {k: _described(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [type(batch).__name__, [_described(v) for v in batch]]
    if hasattr(batch, "shape"):
        return (tuple(batch.shape), str(batch.dtype).replace("torch.", ""), batch.tolist())
    return batch


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["dict", "list", "tuple", "string", "float"])
def test_default_collate_batches_every_kind_of_sample_as_pytorch(kind):
    ours = next(iter(D.DataLoader(_samples(kind), batch_size=2)))
    theirs = next(iter(torch_data.DataLoader(_samples(kind), batch_size=2)))
    assert _described(ours) == _described(theirs)


@pytest.mark.oracle
def test_integer_inputs_keep_their_dtype_as_in_pytorch():
    """nanoGPT / makemore index an embedding with the batch: it must stay integer."""
    tokens = np.arange(32).reshape(4, 8)
    ours = next(iter(D.DataLoader(D.TensorDataset(sg.tensor(tokens), sg.zeros(4)), batch_size=2)))
    theirs = next(
        iter(
            torch_data.DataLoader(
                torch_data.TensorDataset(torch.tensor(tokens), torch.zeros(4, dtype=torch.float64)),
                batch_size=2,
            )
        )
    )
    assert _described(ours) == _described(theirs)
    # scratchgrad's own (X, y) arrays still give float inputs (the book's images)
    x, _ = next(iter(D.DataLoader((tokens, np.zeros(4)), batch_size=2)))
    assert x.dtype == sg.get_default_dtype()


def test_defaults_are_pytorchs_batch_of_one_and_none_for_samples():
    ds = D.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    loader = D.DataLoader(ds)
    assert len(loader) == 5 and next(iter(loader))[0].shape == (1, 2)
    x, y = next(iter(D.DataLoader(ds, batch_size=None)))  # unbatched
    assert x.shape == (2,) and int(y) == 0
    assert next(iter(D.DataLoader(_samples("tuple"), batch_size=2, collate_fn=len))) == 2
    assert len(D.DataLoader(ds, num_workers=2, pin_memory=True, persistent_workers=True)) == 5


def test_samplers_choose_which_samples_and_in_which_order():
    ds = D.TensorDataset(np.arange(10.0), np.arange(10))
    picked = D.DataLoader(ds, batch_size=2, sampler=D.SubsetRandomSampler([1, 5, 7]))
    assert len(picked.sampler) == 3 and len(picked) == 2
    assert sorted(sum((y.tolist() for _, y in picked), [])) == [1, 5, 7]
    fixed = D.BatchSampler(D.SequentialSampler(range(10)), 4, drop_last=True)
    assert [y.tolist() for _, y in D.DataLoader(ds, batch_sampler=fixed)] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
    ]
    weighted = list(D.WeightedRandomSampler([0.0, 1.0, 3.0], 200))
    assert set(weighted) == {1, 2} and weighted.count(2) > weighted.count(1)
    drawn = list(D.RandomSampler(range(4), replacement=True, num_samples=9))
    assert len(drawn) == 9 and set(drawn) <= set(range(4))
    longer = list(D.RandomSampler(range(4), num_samples=6))  # a whole pass, then more
    assert len(longer) == 6 and set(longer[:4]) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="not all zero"):
        D.WeightedRandomSampler([0.0, 0.0], 2)


def test_options_that_contradict_each_other_are_refused_as_in_pytorch():
    ds = D.TensorDataset(np.arange(4.0))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        D.DataLoader(ds, sampler=D.SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        D.DataLoader(ds, batch_size=2, batch_sampler=D.BatchSampler(range(4), 2, False))
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None"):
        D.DataLoader(ds, batch_size=0)


def test_a_loader_built_before_manual_seed_shuffles_reproducibly():
    loader = D.DataLoader(D.TensorDataset(np.arange(50.0)), batch_size=50, shuffle=True)
    sg.manual_seed(0)
    first = next(iter(loader))[0].tolist()
    sg.manual_seed(0)
    assert next(iter(loader))[0].tolist() == first
    assert sorted(first) == list(range(50))


def test_concat_and_iterable_datasets():
    a, b = D.TensorDataset(np.arange(3.0)), D.TensorDataset(np.arange(3.0, 5.0))
    both = a + b
    assert len(both) == 5 and both[3][0] == 3.0 and both[-1][0] == 4.0
    assert [x.tolist() for (x,) in D.DataLoader(both, batch_size=2)] == [[0, 1], [2, 3], [4]]
    with pytest.raises(IndexError, match="out of range"):
        both[5]

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter([(np.ones(2), i) for i in range(5)])

    batches = [y.tolist() for _, y in D.DataLoader(Stream(), batch_size=2, drop_last=True)]
    assert batches == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="IterableDataset gives its own order"):
        D.DataLoader(Stream(), shuffle=True)
    assert D.get_worker_info() is None


@pytest.mark.oracle
def test_random_split_shares_out_the_remainder_as_pytorch():
    for n, fractions in [(7, [0.8, 0.1, 0.1]), (10, [0.33, 0.33, 0.34]), (5, [0.5, 0.5])]:
        ours = [len(part) for part in D.random_split(range(n), fractions, seed=0)]
        with pytest.warns(UserWarning) if 0 in ours else _nothing():
            theirs = [len(part) for part in torch_data.random_split(range(n), fractions)]
        assert ours == theirs


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_subset_hands_python_ints_to_the_dataset():
    seen = []

    class Recording(D.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            seen.append(type(i))
            return np.zeros(1), i

    D.Subset(Recording(), [2, 3])[0]
    assert seen == [int]


def test_a_subset_subclass_keeps_its_own_getitem_and_streams_have_no_length():
    class Negated(D.Subset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return -x, y

    ds = Negated(D.TensorDataset(np.ones((4, 2), np.float32), np.arange(4)), [0, 1])
    x, _ = next(iter(D.DataLoader(ds, batch_size=2)))
    np.testing.assert_array_equal(x.data, -np.ones((2, 2)))

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError, match="does not know its length"):
        len(D.DataLoader(Stream(), batch_size=2))
