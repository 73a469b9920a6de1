"""The checkpoint format: safetensors whatever the suffix, a model's state_dict under its
own keys, nested dicts and plain values through a JSON tree in the metadata, every
dtype numpy and safetensors share, and loading into a model."""

import io
import json
import math
import os

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from scratchgrad import nn
from scratchgrad.autograd import Tensor
from scratchgrad.nn.checkpoint import TREE_KEY


def model():
    return nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.Linear(4, 2, seed=1))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 2 * 2, 3)
    )


def metadata(path):
    with safe_open(os.fspath(path), "np") as f:
        return f.metadata()


def trained_adam(m):
    opt = nn.optim.Adam(m.parameters(), lr=0.01, amsgrad=True)
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    return opt


# --- a model's state_dict is a plain safetensors file ------------------------------------


@pytest.mark.parametrize("name", ["m.safetensors", "mnist_cnn.pt", "m.pth", "m.npz", "m"])
def test_a_state_dict_is_safetensors_under_its_own_keys_whatever_the_suffix(tmp_path, name):
    a = cnn()
    a(np.random.default_rng(0).normal(size=(2, 1, 4, 4)))  # move the running stats
    state = a.state_dict()
    assert nn.save(state, tmp_path / name) == os.fspath(tmp_path / name)
    assert os.listdir(tmp_path) == [name]
    plain = load_file(tmp_path / name)  # safetensors' own reader
    assert list(plain) == list(state)  # no marker keys at all
    for key, value in state.items():
        assert plain[key].dtype == value.dtype
        np.testing.assert_array_equal(plain[key], value)
    assert set(metadata(tmp_path / name)) == {"format", "scratchgrad.crc32"}
    assert metadata(tmp_path / name)["format"] == "pt"


def test_round_trip_restores_parameters_and_buffers(tmp_path):
    a = model()
    a(np.random.default_rng(0).normal(size=(5, 3)))
    nn.save(a.state_dict(), tmp_path / "m.safetensors")
    b = model()
    for p in b.parameters():
        p.data[...] = 0.0
    b.load_state_dict(nn.load(tmp_path / "m.safetensors"))
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key], value)


def test_scalar_mlp_round_trip(tmp_path):
    a, b = nn.scalar.MLP(2, [3, 1], seed=0), nn.scalar.MLP(2, [3, 1], seed=1)
    nn.save(a.state_dict(), tmp_path / "mlp.safetensors")
    b.load_state_dict(nn.load(tmp_path / "mlp.safetensors"))
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


def test_tensors_and_values_are_saved_as_their_data(tmp_path):
    nn.save({"t": Tensor(np.arange(3.0)), "p": nn.Parameter(np.ones(2))}, tmp_path / "t")
    back = nn.load(tmp_path / "t")
    assert back["t"].tolist() == [0.0, 1.0, 2.0] and back["p"].tolist() == [1.0, 1.0]


def test_data_is_aligned_and_offsets_are_contiguous_as_safetensors_writes_them(tmp_path):
    state = {
        "b": np.ones(3, np.uint8),
        "f": np.arange(5.0),
        "h": np.ones(2, np.float16),
        "i": np.arange(3, dtype=np.int32),
        "e": np.zeros((0, 4)),
    }
    nn.save(state, tmp_path / "a.safetensors")
    raw = (tmp_path / "a.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert (8 + n) % 8 == 0
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__")
    assert list(header) == list(state)  # the dict's order
    spans = sorted(tuple(entry["data_offsets"]) for entry in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # no gap, no overlap
    for name, entry in header.items():
        assert entry["data_offsets"][0] % state[name].dtype.itemsize == 0


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=np.float16).reshape(2, 3),
        np.arange(6, dtype=np.float32),
        np.linspace(-1, 1, 7),
        np.arange(-4, 4, dtype=np.int8),
        np.arange(5, dtype=np.int16),
        np.arange(5, dtype=np.int32),
        np.array([-(2**62), 2**62]),
        np.arange(9, dtype=np.uint8),
        np.arange(3, dtype=np.uint16),
        np.arange(3, dtype=np.uint32),
        np.array([2**63], dtype=np.uint64),
        np.array([True, False, True]),
        np.array(1.5),
        np.zeros((0, 5)),
        np.arange(12.0).reshape(3, 4).T,
        np.arange(4.0).astype(">f8"),
        np.array([np.nan, np.inf, -0.0]),
    ],
    ids=lambda a: f"{a.dtype.str}{a.shape}",
)
def test_every_shared_dtype_round_trips_exactly(tmp_path, array):
    nn.save({"x": array}, tmp_path / "d.safetensors")
    back = nn.load(tmp_path / "d.safetensors")["x"]
    assert back.dtype == array.dtype.newbyteorder("=") and back.dtype.isnative
    assert back.shape == array.shape and back.flags.c_contiguous and back.flags.writeable
    np.testing.assert_array_equal(back, array)
    assert np.signbit(back).tolist() == np.signbit(array).tolist()


def test_a_file_from_safetensors_own_writer_loads(tmp_path):
    state = model().state_dict()
    save_file(state, tmp_path / "s.safetensors", metadata={"anything": "else"})
    back = nn.load(tmp_path / "s.safetensors")
    assert sorted(back) == sorted(state)
    m = model()
    m.load_state_dict(back)
    for key, value in state.items():
        np.testing.assert_array_equal(m.state_dict()[key], value)


def test_the_format_is_read_from_the_first_bytes_not_the_suffix(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    os.replace(tmp_path / "plain.npz", tmp_path / "looks.safetensors")
    nn.save({"w": np.zeros(2)}, tmp_path / "looks.npz")
    assert nn.load(tmp_path / "looks.safetensors")["w"].tolist() == [1.0, 1.0]
    assert nn.load(tmp_path / "looks.npz")["w"].tolist() == [0.0, 0.0]


def test_empty_dict_round_trip(tmp_path):
    nn.save({}, tmp_path / "e.safetensors")
    assert nn.load(tmp_path / "e.safetensors") == {}
    assert load_file(tmp_path / "e.safetensors") == {}


# --- nested dicts and plain values ---------------------------------------------------------


def test_a_full_training_checkpoint_round_trips_with_its_types(tmp_path):
    m = model()
    opt = trained_adam(m)
    ck = {
        "model": m.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "best_loss": math.inf,
        "note": "résumé ✓",
        "done": False,
        "seed": None,
        "lrs": [0.1, 0.01],
        "betas": (0.9, 0.999),
        7: np.float32(2.5),
        "history": [{"loss": 1.0}, {"loss": 0.5}],
        "mixed": [1, np.ones(2), "a"],
    }
    nn.save(ck, tmp_path / "ck.safetensors")
    back = nn.load(tmp_path / "ck.safetensors")
    assert list(back) == list(ck)
    assert back["epoch"] == 3 and type(back["epoch"]) is int
    assert back["best_loss"] == math.inf and back["note"] == "résumé ✓"
    assert back["done"] is False and back["seed"] is None
    assert back["lrs"] == [0.1, 0.01] and back["betas"] == (0.9, 0.999)
    assert back[7].dtype == np.float32 and back[7].shape == () and back[7] == 2.5
    assert back["history"] == [{"loss": 1.0}, {"loss": 0.5}]
    assert back["mixed"][0] == 1 and back["mixed"][2] == "a"
    np.testing.assert_array_equal(back["mixed"][1], np.ones(2))
    assert back["optimizer"]["param_groups"] == ck["optimizer"]["param_groups"]
    assert list(back["optimizer"]["state"]) == list(ck["optimizer"]["state"])  # int keys
    for index, state in ck["optimizer"]["state"].items():
        for name, value in state.items():
            np.testing.assert_array_equal(back["optimizer"]["state"][index][name], value)
    for key, value in ck["model"].items():
        np.testing.assert_array_equal(back["model"][key], value)


def test_the_tree_places_tensors_so_keys_never_clash(tmp_path):
    state = {
        "a/b": np.ones(1),
        "a": {"b": np.full(1, 2.0)},
        1: np.full(1, 3.0),
        "1": np.full(1, 4.0),
        "__metadata__": {"x": np.full(1, 5.0)},
        "a.b": 6.0,
    }
    nn.save(state, tmp_path / "k.safetensors")
    back = nn.load(tmp_path / "k.safetensors")
    assert back["a/b"][0] == 1 and back["a"]["b"][0] == 2 and back[1][0] == 3
    assert back["1"][0] == 4 and back["__metadata__"]["x"][0] == 5 and back["a.b"] == 6.0
    names = list(load_file(tmp_path / "k.safetensors"))
    assert names == ["a/b", "a/b~1", "1", "1~1", "__metadata__/x"]  # readable, unique


def test_the_tree_is_plain_json_in_the_metadata(tmp_path):
    nn.save(
        {
            "opt": {
                "state": {0: {"step": np.array(2)}},
                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.99), "foreach": None, "params": [0]}],
            }
        },
        tmp_path / "o.safetensors",
    )
    tree = json.loads(metadata(tmp_path / "o.safetensors")[TREE_KEY])
    assert tree == {
        "version": 1,
        "root": {
            "dict": [
                [
                    "opt",
                    {
                        "dict": [
                            [
                                "state",
                                {
                                    "dict": [
                                        [0, {"dict": [["step", {"tensor": "opt/state/0/step"}]]}]
                                    ]
                                },
                            ],
                            [
                                "param_groups",
                                {
                                    "list": [
                                        {
                                            "dict": [
                                                ["lr", 0.1],
                                                ["betas", {"tuple": [0.9, 0.99]}],
                                                ["foreach", None],
                                                ["params", {"list": [0]}],
                                            ]
                                        }
                                    ]
                                },
                            ],
                        ]
                    },
                ]
            ]
        },
    }
    assert "format" not in metadata(tmp_path / "o.safetensors")
    assert list(load_file(tmp_path / "o.safetensors")) == ["opt/state/0/step"]


def test_a_flat_dict_with_a_plain_value_uses_the_tree(tmp_path):
    nn.save({"w": np.ones(2), "lr": 0.1}, tmp_path / "f.safetensors")
    assert TREE_KEY in metadata(tmp_path / "f.safetensors")
    assert nn.load(tmp_path / "f.safetensors")["lr"] == 0.1


def test_optimizer_state_round_trips_through_a_file(tmp_path):
    m = model()
    opt = trained_adam(m)
    nn.save(opt.state_dict(), tmp_path / "o.pt")
    again = nn.optim.Adam(m.parameters(), lr=0.5, amsgrad=True)
    again.load_state_dict(nn.load(tmp_path / "o.pt"))
    assert again.param_groups[0]["lr"] == 0.01 and again.state[0]["step"] == 1
    np.testing.assert_array_equal(again.state[2]["exp_avg"], opt.state[2]["exp_avg"])


# --- what save refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state,reason",
    [
        (
            {"meta": {1, 2}},
            "cannot save 'meta': a set is not an array, a number, a string, a "
            "bool, None, a list, a tuple or a dict (nn.save never pickles)",
        ),
        ({"a": {"x": object()}}, "cannot save 'a/x': a object is not"),
        (
            {"a": np.array([None])},
            "cannot save 'a': it holds Python objects (dtype object), which would need pickle",
        ),
        (
            {"s": np.array(["ab"])},
            "cannot save 's': numpy strings (dtype <U2) have no "
            "safetensors dtype; store a Python str",
        ),
        (
            {"c": np.ones(2, complex)},
            "cannot save 'c': dtype complex128 has no safetensors equivalent",
        ),
        ({"t": np.array([1], "m8[s]")}, "dtype timedelta64[s] has no safetensors equivalent"),
        (
            {"d": {1.5: np.ones(1)}},
            "cannot save 'd': its key 1.5 is a float; keys must be str or int",
        ),
        ({(1, 2): np.ones(1)}, "cannot save 'the dict': its key (1, 2) is a tuple"),
        ({"__metadata__": np.ones(1)}, "cannot save a key named '__metadata__'"),
        ({"\udc80": np.ones(1)}, "it is not valid UTF-8 text"),
    ],
)
def test_save_refuses_what_it_cannot_store_and_writes_nothing(tmp_path, state, reason):
    with pytest.raises(nn.CheckpointError) as err:
        nn.save(state, tmp_path / "x.safetensors")
    assert reason in str(err.value) and "\n" not in str(err.value)
    assert not any(tmp_path.iterdir())


def test_save_refuses_a_dict_that_contains_itself(tmp_path):
    loop = {"a": 1}
    loop["self"] = loop
    with pytest.raises(
        nn.CheckpointError,
        match="nested more than 100 levels deep "
        r"\(does a dict contain itself\?\)",
    ):
        nn.save(loop, tmp_path / "x")


def test_save_needs_a_dict_a_tensor_or_a_list_and_a_path(tmp_path):
    with pytest.raises(TypeError, match="expects a dict such as model.state_dict"):
        nn.save("weights", tmp_path / "x")
    with pytest.raises(
        TypeError,
        match=r"writes to a file path \(a str or pathlib.Path\), "
        "got BytesIO",
    ):
        nn.save({"w": np.ones(1)}, io.BytesIO())


def test_load_takes_torch_load_keywords(tmp_path):
    nn.save({"w": np.ones(1)}, tmp_path / "w.pt")
    assert nn.load(tmp_path / "w.pt", map_location="cpu", weights_only=True)["w"][0] == 1
    assert nn.load(tmp_path / "w.pt", weights_only=False)["w"][0] == 1
    # PyTorch's forms that remap saved devices: a file here holds everything on the host
    assert nn.load(tmp_path / "w.pt", map_location=lambda storage, loc: storage)["w"][0] == 1
    assert nn.load(tmp_path / "w.pt", map_location={"cuda:1": "cuda:0"})["w"][0] == 1
    with pytest.raises(ValueError, match="map_location='tpu'.*unknown device"):
        nn.load(tmp_path / "w.pt", map_location="tpu")


def test_load_onto_a_gpu_without_one_says_so(tmp_path, monkeypatch):
    from scratchgrad.autograd.devices import cuda

    monkeypatch.setattr(cuda, "is_available", staticmethod(lambda: False))
    nn.save({"w": np.ones(1)}, tmp_path / "w.pt")
    with pytest.raises(RuntimeError, match="map_location='cuda' asks for a GPU, but"):
        nn.load(tmp_path / "w.pt", map_location="cuda")


def test_a_flipped_bit_in_the_data_is_detected_by_the_checksum(tmp_path):
    path = tmp_path / "c.safetensors"
    nn.save({"a": np.arange(1000.0)}, path)
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(
        nn.CheckpointError,
        match="truncated or corrupted: its tensor data does not match the CRC-32 nn.save recorded",
    ):
        nn.load(path)


# --- loading into a model: load_state_dict names what does not fit ---------------------------


def test_mismatched_checkpoint_names_keys_and_shapes(tmp_path):
    nn.save(nn.Sequential(nn.Linear(3, 5)).state_dict(), tmp_path / "small.safetensors")
    with pytest.raises(nn.StateDictError) as err:
        model().load_state_dict(nn.load(tmp_path / "small.safetensors"))
    msg = str(err.value)
    assert "'0.weight' has shape (5, 3) in the checkpoint but (4, 3) in the model" in msg
    assert "missing key '2.weight' (shape (2, 4))" in msg and "missing key '1.running_var'" in msg


@pytest.mark.parametrize("bad", [[1, 2], (np.ones(2),), np.ones(3), "weight", None])
def test_module_load_state_dict_refuses_a_non_dict_with_a_type_error(bad):
    with pytest.raises(
        TypeError,
        match=r"Linear.load_state_dict: expected a dict of name -> "
        r"array \(e\.g\. nn\.load\(path\)\), got ",
    ):
        nn.Linear(2, 3).load_state_dict(bad)


def test_module_load_state_dict_names_keys_shapes_and_dtypes():
    m = nn.Linear(2, 3, seed=0)
    before = m.state_dict()
    state = {"weight": np.zeros((2, 3)), "extra": np.ones(1), "bias": np.array(["a", "b", "c"])}
    with pytest.raises(nn.StateDictError) as err:
        m.load_state_dict(state)
    msg = str(err.value)
    assert "unexpected key 'extra' (shape (1,))" in msg
    assert "key 'weight' has shape (2, 3) in the checkpoint but (3, 2) in the model" in msg
    assert "key 'bias' has dtype <U1; expected numbers" in msg
    with pytest.raises(nn.StateDictError, match=r"missing key 'bias' \(shape \(3,\)\)"):
        m.load_state_dict({"weight": np.zeros((3, 2))})
    for key, value in m.state_dict().items():  # nothing was changed
        np.testing.assert_array_equal(value, before[key])


def test_non_finite_values_load_into_a_model_with_a_warning():
    m = nn.Linear(2, 2, seed=0)
    state = m.state_dict()
    state["weight"][0, 0] = np.nan
    with pytest.warns(RuntimeWarning, match=r"\['weight'\] hold NaN or inf"):
        m.load_state_dict(state)
    assert np.isnan(m.weight.data[0, 0])


def test_tensors_lists_and_dicts_of_tensors_come_back_as_pytorchs_torch_load_gives_them(tmp_path):
    """d2l's file I/O: torch.save(x), torch.save([x, y]), torch.save({'x': x, 'y': y}).
    What was a Tensor loads as a Tensor; a state_dict's arrays stay arrays."""
    x, y = Tensor(np.arange(4.0)), Tensor(np.zeros(3))
    nn.save(x, tmp_path / "x")
    loaded = nn.load(tmp_path / "x")
    assert isinstance(loaded, Tensor) and np.array_equal(loaded.data, x.data)
    nn.save([x, y], tmp_path / "xs")
    x2, y2 = nn.load(tmp_path / "xs")
    assert isinstance(y2, Tensor) and np.array_equal(x2.data, x.data)
    nn.save({"x": x, "w": np.ones(2)}, tmp_path / "d")
    both = nn.load(tmp_path / "d")
    assert isinstance(both["x"], Tensor) and type(both["w"]) is np.ndarray
    nn.save((np.ones(2), {"x": x}), tmp_path / "t")
    first, rest = nn.load(tmp_path / "t")
    assert type(first) is np.ndarray and isinstance(rest["x"], Tensor)
    state = nn.Linear(2, 1).state_dict()
    nn.save(state, tmp_path / "s")
    assert all(type(v) is np.ndarray for v in nn.load(tmp_path / "s").values())
