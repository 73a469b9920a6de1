"""The parser's plain-data tables (commands/options.py) against the libraries they
describe: a renamed optimizer, a new activation, a data set of another shape or a
convnet of another layout fails here instead of in a user's run."""

import gzip
import struct
import sys

import numpy as np
import pytest
from cli_helpers import subparsers

from scratchgrad import cli, nn
from scratchgrad.commands import model_size, options, train


def test_activations_are_nn_mlps():
    """The table nn.mlp reads, wherever nn.mlp lives."""
    assert set(options.ACTIVATIONS) == set(sys.modules[nn.mlp.__module__].ACTIVATIONS)
    assert options.DEFAULT_ACTIVATION in options.ACTIVATIONS


def test_optimizers_name_nn_optim_classes():
    for name, class_name in options.OPTIMIZERS.items():
        cls = getattr(nn.optim, class_name)
        assert issubclass(cls, nn.optim.Optimizer), name
    assert options.DEFAULT_OPTIMIZER in options.OPTIMIZERS


def test_every_optimizer_and_model_has_a_default_learning_rate():
    assert set(options.DEFAULT_LR) == set(options.OPTIMIZERS)
    for rates in options.DEFAULT_LR.values():
        assert set(rates) == set(options.LR_COLUMNS)
        assert all(0 < rate < 1 for rate in rates.values())
    assert set(options.MODELS) < set(options.LR_COLUMNS)


def test_default_lr_reads_the_table():
    assert options.default_lr("adam", "mlp", "moons") == options.DEFAULT_LR["adam"]["mlp"]
    assert options.default_lr("adam", "cnn", "digits") == options.DEFAULT_LR["adam"]["cnn"]
    assert options.default_lr("adam", "mlp", "xor") == options.DEFAULT_LR["adam"]["xor"]


def test_per_model_defaults_cover_every_model():
    for table in (options.DEFAULT_HIDDEN, options.DEFAULT_BATCH_SIZE):
        assert set(table) == set(options.MODELS)
    assert len(options.DEFAULT_HIDDEN["cnn"]) == 1
    assert set(options.CNN_LAYOUT) == set(options.IMAGE_DATASETS)


def test_download_timeout_in_help_is_the_librarys():
    from scratchgrad.nn.datasets import download

    help_text = " ".join(subparsers()["train"].format_help().split())
    assert f"nn.datasets.download.TIMEOUT, {download.TIMEOUT:g})" in help_text


def write_idx(path, array):
    """A gzipped IDX file of unsigned bytes, as MNIST ships."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture
def tiny_mnist(tmp_path):
    """Twelve 28x28 images per split, labels 0..9 and 0, 1: MNIST's shape, not its size."""
    for stem in ("train", "t10k"):
        images = np.random.default_rng(0).integers(0, 256, (12, 28, 28))
        write_idx(tmp_path / f"{stem}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{stem}-labels-idx1-ubyte.gz", np.arange(12) % 10)
    return tmp_path


@pytest.mark.parametrize("dataset", list(options.DATASETS))
def test_data_sets_have_the_shapes_the_table_says(dataset, tiny_mnist):
    args = cli.build_parser().parse_args(["train", "--dataset", dataset])
    if dataset == "mnist":
        args.data_dir = str(tiny_mnist)
    X_train, X_test, y_train, y_test = train.load(args)
    shape = options.DATASETS[dataset]
    assert X_train.shape[1] == X_test.shape[1] == shape.features
    assert int(max(y_train.max(), y_test.max())) + 1 == shape.classes
    if shape.image_side:
        assert shape.image_side**2 == shape.features


def cases():
    for dataset, shape in options.DATASETS.items():
        yield "mlp", dataset, (7, 5)
        yield "mlp", dataset, (3,)
        if shape.image_side:
            yield "cnn", dataset, (9,)


@pytest.mark.parametrize("kind, dataset, hidden", list(cases()))
def test_parameter_count_is_the_built_models(kind, dataset, hidden):
    model = train.build_model(kind, dataset, hidden, seed=0)
    assert model_size.parameter_count(kind, dataset, hidden) == model.num_parameters()


@pytest.mark.parametrize("kind, dataset", [("mlp", "digits"), ("cnn", "digits")])
def test_bytes_per_number_is_the_models_dtype(kind, dataset):
    model = train.build_model(kind, dataset, (4,), seed=0)
    assert {p.data.itemsize for p in model.parameters()} == {model_size.BYTES_PER_NUMBER[kind]}


@pytest.mark.parametrize(
    "env, folder",
    [
        ({"SCRATCHGRAD_MNIST": "{tmp}/from-env"}, "{tmp}/from-env"),
        ({"HOME": "{tmp}"}, "{tmp}/.scratchgrad/mnist"),
    ],
)
def test_mnist_default_folder_is_the_one_help_names(tmp_path, capsys, monkeypatch, env, folder):
    """--help says "$SCRATCHGRAD_MNIST or ~/.scratchgrad/mnist": without --data-dir, that
    is the folder looked in."""
    assert options.MNIST_DEFAULT_ROOT == "$SCRATCHGRAD_MNIST or ~/.scratchgrad/mnist"
    monkeypatch.delenv("SCRATCHGRAD_MNIST", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    code = cli.main(["train", "--dataset", "mnist", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and f"{folder.format(tmp=tmp_path)} " in err and "does not exist" in err
