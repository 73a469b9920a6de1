"""`scratchgrad train`: what it writes, the models it builds, and every refusal up front."""

import inspect
import sys

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, assert_result_or_one_line, is_png, run_main

from scratchgrad import nn
from scratchgrad.cli import main
from scratchgrad.commands import model_size, options, train


def refuse_loading(monkeypatch):
    monkeypatch.setattr(train, "load", lambda *a: pytest.fail("loaded data"))


def test_train_saves_a_loadable_checkpoint_and_plots(tmp_path, capsys):
    code, out, err = run_main(
        capsys,
        "train",
        "--dataset",
        "moons",
        "--hidden",
        "16",
        "--epochs",
        "5",
        "--out",
        tmp_path,
        "--no-progress",
    )
    assert code == 0, err
    checkpoint = tmp_path / "moons_model.safetensors"
    assert f"wrote {checkpoint} and plots" in out
    model = nn.mlp([2, 16, 2])
    model.load_state_dict(nn.load(checkpoint))
    assert is_png(tmp_path / "moons_decision_boundary.png")
    assert is_png(tmp_path / "moons_history.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "moons_decision_boundary.png",
        "moons_history.png",
        "moons_model.safetensors",
    ]


def test_train_cnn_on_digits(tmp_path, capsys):
    code, out, err = run_main(
        capsys,
        "train",
        "--dataset",
        "digits",
        "--model",
        "cnn",
        "--epochs",
        "2",
        "--hidden",
        "32",
        "--out",
        tmp_path,
        "--no-progress",
    )
    assert code == 0, err
    assert "digits, cnn:" in out and "final training loss" in out and "test accuracy" in out
    assert (tmp_path / "digits_cnn_model.safetensors").exists()
    assert not (tmp_path / "digits_model.safetensors").exists()  # an mlp run's files stay


def test_train_cnn_defaults_to_the_books_simple_convnet(tmp_path, capsys):
    """Dense layer 100 wide unless asked otherwise (16 3x3 filters on the 8x8 digits:
    16*3*3+16 + 16*3*3*100+100 + 100*10+10 parameters)."""
    code, out, err = run_main(
        capsys,
        "train",
        "--dataset",
        "digits",
        "--model",
        "cnn",
        "--epochs",
        "1",
        "--out",
        tmp_path,
        "--no-progress",
    )
    assert code == 0, err
    assert f"{160 + 14500 + 1010:,} parameters" in out


def test_defaults_come_from_the_tables(tmp_path, capsys, monkeypatch):
    """No --lr, --batch-size, --hidden: the run uses DEFAULT_LR, DEFAULT_BATCH_SIZE and
    DEFAULT_HIDDEN (a changed table entry changes the run)."""
    seen = {}
    real_fit = nn.fit

    def fit(model, loss, optimizer, loader, **kwargs):
        seen.update(
            lr=optimizer.param_groups[0]["lr"],
            batch=loader.batch_size,
            shapes=[layer.weight.shape for layer in model if hasattr(layer, "weight")],
            optimizer=type(optimizer).__name__,
        )
        return real_fit(model, loss, optimizer, loader, **kwargs)

    monkeypatch.setattr(nn, "fit", fit)
    monkeypatch.setitem(options.DEFAULT_LR, "rmsprop", {"mlp": 0.0123, "cnn": 1, "xor": 1})
    monkeypatch.setitem(options.DEFAULT_BATCH_SIZE, "mlp", 7)
    monkeypatch.setitem(options.DEFAULT_HIDDEN, "mlp", (5, 3))
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "moons",
        "--optimizer",
        "rmsprop",
        "--epochs",
        "1",
        "--out",
        tmp_path,
        "--no-progress",
    )
    assert code == 0, err
    assert seen["optimizer"] == "RMSprop" and seen["lr"] == 0.0123 and seen["batch"] == 7
    assert seen["shapes"] == [(5, 2), (3, 5), (2, 3)]  # (out, in): 2 -> 5 -> 3 -> 2


@pytest.mark.parametrize(
    "args, count",
    [
        (["--dataset", "digits", "--model", "cnn", "--hidden", "1000000"], "155,000,170"),
        (["--dataset", "mnist", "--model", "cnn", "--hidden", "1000000"], "4,331,000,790"),
        (["--dataset", "digits", "--hidden", "100000,100000"], "10,007,600,010"),
    ],
)
def test_huge_models_are_refused_before_loading(capsys, monkeypatch, args, count):
    refuse_loading(monkeypatch)
    monkeypatch.setattr(train, "build_model", lambda *a: pytest.fail("built the model"))
    code, _, err = run_main(capsys, "train", *args)
    assert_one_line_error(
        code, err, f"{count} parameters", f"{model_size.MAX_PARAMETERS:,}", "--hidden"
    )


def test_a_cnn_just_under_the_limit_is_not_refused(monkeypatch):
    monkeypatch.setattr(model_size, "available_memory", lambda: None)
    model_size.check_model_size("cnn", "digits", (100,))


def test_model_larger_than_free_memory_is_refused(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(model_size, "available_memory", lambda: 10_000)
    refuse_loading(monkeypatch)
    code, _, err = run_main(
        capsys, "train", "--dataset", "xor", "--hidden", "64", "--out", tmp_path
    )
    assert_one_line_error(code, err, "GiB", "available")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--dataset", "moons", "--model", "cnn"], "needs an image data set"),
        (["--dataset", "digits", "--model", "cnn", "--hidden", "32,16"], "one --hidden size"),
        (["--dataset", "digits", "--model", "cnn", "--activation", "tanh"], "--activation"),
        (["--dataset", "moons", "--data-dir", "x"], "--data-dir is only for --dataset mnist"),
        (["--dataset", "moons", "--download"], "--download is only for --dataset mnist"),
        (
            [
                "--dataset",
                "mnist",
                "--data-dir",
                "x",
                "--mnist-mirror",
                "https://m.org/",
                "--download-timeout",
                "3",
            ],
            "--mnist-mirror and --download-timeout are only with --download",
        ),
    ],
)
def test_flag_combinations_that_cannot_work_are_refused(capsys, monkeypatch, args, words):
    refuse_loading(monkeypatch)
    code, _, err = run_main(capsys, "train", *args)
    assert_one_line_error(code, err, words)


def test_out_naming_a_file_fails_before_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("")
    refuse_loading(monkeypatch)
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--out", tmp_path / "afile")
    assert_one_line_error(code, err, "is a file, not a folder")


def test_diverging_training_is_one_line(tmp_path, capsys):
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "xor",
        "--lr",
        "1e300",
        "--epochs",
        "3",
        "--no-progress",
        "--out",
        tmp_path,
    )
    assert_result_or_one_line(code, err)


def test_missing_matplotlib_is_refused_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    refuse_loading(monkeypatch)
    code, _, err = run_main(capsys, "train", "--dataset", "xor", "--out", tmp_path)
    assert_one_line_error(code, err, "matplotlib", "pip install")


# --- MNIST --------------------------------------------------------------------------------


@pytest.fixture
def fake_mnist(monkeypatch):
    """Record what nn.datasets.mnist is called with; hand back a tiny set."""
    calls = []

    def mnist(**kwargs):
        calls.append(kwargs)
        X = np.random.default_rng(0).random((20, 784))
        return X, np.arange(20) % 10

    monkeypatch.setattr(nn.datasets, "mnist", mnist)
    return calls


def test_mnist_download_flags_are_passed_only_when_given(tmp_path, capsys, fake_mnist):
    out = ["--out", tmp_path / "o", "--epochs", "1", "--no-progress"]
    assert run_main(capsys, "train", "--dataset", "mnist", *out)[0] == 0
    assert fake_mnist == [
        {"root": None, "kind": "train", "download": False},
        {"root": None, "kind": "test", "download": False},
    ]
    fake_mnist.clear()
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        tmp_path / "m",
        "--download",
        "--mnist-mirror",
        "https://a.org/mnist/",
        "--mnist-mirror",
        "http://b.org/",
        "--download-timeout",
        "2.5",
        *out,
    )
    assert code == 0, err
    expected = {
        "root": str(tmp_path / "m"),
        "download": True,
        "timeout": 2.5,
        "mirrors": ["https://a.org/mnist/", "http://b.org/"],
    }
    assert fake_mnist == [{**expected, "kind": "train"}, {**expected, "kind": "test"}]


@pytest.mark.parametrize("download", [[], ["--download"]])
def test_data_dir_naming_a_file_says_so(tmp_path, capsys, monkeypatch, download):
    (tmp_path / "FILE").write_text("")
    monkeypatch.setattr(nn.datasets, "mnist", lambda **k: pytest.fail("called mnist"))
    for data_dir in (tmp_path / "FILE", tmp_path / "FILE" / "sub"):
        code, _, err = run_main(
            capsys,
            "train",
            "--dataset",
            "mnist",
            "--data-dir",
            data_dir,
            *download,
            "--out",
            tmp_path / "o",
        )
        assert_one_line_error(code, err, "FILE is a file, not a folder", "MNIST files")
        assert "File exists" not in err


def test_mnist_files_of_another_size_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(nn.datasets, "mnist", lambda **k: (np.zeros((4, 1024)), np.arange(4)))
    code, _, err = run_main(capsys, "train", "--dataset", "mnist", "--out", tmp_path)
    assert_one_line_error(code, err, "784 features", "(1024,)")


def test_missing_mnist_folder_is_one_line(tmp_path, capsys):
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        tmp_path / "nope",
        "--out",
        tmp_path / "o",
    )
    assert_one_line_error(code, err, "does not exist", "--download")


def test_mnist_download_offline_is_one_line(tmp_path, capsys, monkeypatch):
    """`--download` with every mirror unreachable: one line naming what to fetch, exit 2."""
    from scratchgrad.nn.datasets import download

    monkeypatch.setattr(download, "MIRRORS", ["http://127.0.0.1:9/"])
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        tmp_path / "mnist",
        "--download",
        "--out",
        tmp_path / "out",
        "--no-progress",
    )
    assert_one_line_error(code, err, "train-images-idx3-ubyte.gz")


def takes_mirrors():
    return "mirrors" in inspect.signature(nn.datasets.mnist).parameters


@pytest.mark.skipif(not takes_mirrors(), reason="nn.datasets.mnist takes no mirrors= yet")
def test_mnist_mirror_flag_reaches_the_download(tmp_path, capsys):
    """The mirror given is the one tried: the one-line failure names it."""
    code, _, err = run_main(
        capsys,
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        tmp_path / "mnist",
        "--download",
        "--mnist-mirror",
        "http://127.0.0.1:9/given/",
        "--download-timeout",
        "1",
        "--out",
        tmp_path / "out",
        "--no-progress",
    )
    assert_one_line_error(code, err, "http://127.0.0.1:9/given/")


def test_train_main_accepts_paths(tmp_path):
    """main() is also called from Python with the same arguments as the shell."""
    assert (
        main(
            ["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path), "--no-progress"]
        )
        == 0
    )
    assert (tmp_path / "xor_model.safetensors").is_file()
