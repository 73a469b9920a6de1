"""`python -m bench.gpu_check`: everything issue 27 asks of a GPU, checked in one run
(under five minutes) by a person with an NVIDIA GPU and CuPy (`pip install -e
".[dev,gpu]"`, plus `pip install torch` for the comparison rows):

1. scratchgrad sees the GPU (`scratchgrad.cuda.is_available()`);
2. the op-table tests (every op's forward, VJP and JVP), the device training tests and
   the learner's road (tests/test_gpu_road.py: `.to("cuda")`, PyTorch's loop, `fit`,
   checkpoints, pictures) pass with their arrays on the GPU
   (SCRATCHGRAD_TEST_DEVICE=cuda): no op pulls data back to the host, mixing devices
   raises;
3. SimpleConvNet training steps at batch 100 and 1000, ours vs PyTorch CUDA;
4. the 2-epoch real-MNIST recipe (bench.mnist_recipe, one seed) on the GPU: test
   accuracy >= 98.0%, epoch time <= 3x PyTorch CUDA's and <= 3.5 s (the H200 target),
   when SCRATCHGRAD_MNIST names the MNIST folder (or ~/.scratchgrad/data/mnist has it).

Prints one PASS/FAIL/SKIP line per target and exits 1 when any target failed.
`python -m bench.gpu_check available` prints {"cuda": true|false} (used by `python -m
bench` to decide whether to print its GPU rows).
"""

import os
import subprocess
import sys
import time

from bench.harness import emit, have, in_subprocess

TARGET_ACCURACY, TARGET_RATIO, TARGET_EPOCH_SECONDS = 0.980, 3.0, 3.5


def available():
    import scratchgrad

    emit(cuda=scratchgrad.cuda.is_available())


def device_tests():
    """The op-table, device-training and GPU-road tests with CuPy arrays; (passed?,
    summary line)."""
    env = dict(os.environ, SCRATCHGRAD_TEST_DEVICE="cuda")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:nbmake",
            "-p",
            "no:cacheprovider",
            "tests/autograd/test_array_namespace.py",
            "tests/autograd/test_device_training.py",
            "tests/test_gpu_road.py",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = result.stdout.strip().splitlines() or ["no output: " + result.stderr[-300:]]
    if result.returncode != 0:
        print("\n".join(lines[-40:]))
    return result.returncode == 0, lines[-1]


def step_rows():
    """(batch, ours s/step, torch s/step or None) on the GPU."""
    rows = []
    for batch in (100, 1000):
        ours = in_subprocess("bench.conv_side", "ours", "simple", batch, 30, 1, "cuda")
        torch = (
            in_subprocess("bench.conv_side", "torch", "simple", batch, 30, 1, "cuda")
            if have("torch")
            else {}
        )
        rows.append((batch, ours.get("seconds", ours.get("error")), torch.get("seconds")))
    return rows


def recipe(folder):
    from bench.mnist_recipe import compare, summary

    return summary(compare(folder, [0], 2, 1, "cuda"))


def mnist_folder():
    from scratchgrad.nn.datasets import default_mnist_root

    folder = os.environ.get("SCRATCHGRAD_MNIST") or str(default_mnist_root())
    names = ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")
    have_files = all(
        any(os.path.exists(os.path.join(folder, n + ext)) for ext in ("", ".gz")) for n in names
    )
    return folder if have_files else None


def main():
    if sys.argv[1:] == ["available"]:
        return available()
    start = time.perf_counter()
    import scratchgrad

    verdicts = []

    def verdict(ok, what):
        word = "SKIP" if ok is None else "PASS" if ok else "FAIL"
        verdicts.append(word)
        print(f"{word}  {what}", flush=True)

    if not scratchgrad.cuda.is_available():
        verdict(
            False,
            "scratchgrad.cuda.is_available() is False: no GPU seen through CuPy "
            "(pip install 'scratchgrad[gpu]'; check nvidia-smi)",
        )
        return 1
    import cupy

    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    verdict(True, f"GPU seen: {name}, CuPy {cupy.__version__}")

    ok, line = device_tests()
    verdict(ok, f"op table and device training tests on the GPU: {line}")

    for batch, ours, torch in step_rows():
        if not isinstance(ours, float):
            verdict(False, f"SimpleConvNet step, batch {batch}: {ours}")
            continue
        against = (
            f" vs PyTorch CUDA {torch * 1e3:.2f} ms ({ours / torch:.2f}x)"
            if torch
            else " (torch not installed)"
        )
        verdict(
            None if not torch else ours <= TARGET_RATIO * torch,
            f"SimpleConvNet step, batch {batch}: ours {ours * 1e3:.2f} ms{against}",
        )

    folder = mnist_folder()
    if folder is None:
        verdict(None, "2-epoch MNIST recipe: no MNIST files (set SCRATCHGRAD_MNIST)")
    else:
        results = recipe(folder)
        (accuracies, epoch) = results["ours"]
        verdict(
            accuracies[0] >= TARGET_ACCURACY,
            f"2-epoch MNIST recipe on the GPU: test accuracy {accuracies[0]:.2%} "
            f"(target >= {TARGET_ACCURACY:.0%})",
        )
        theirs = results.get("torch")
        verdict(
            epoch <= TARGET_EPOCH_SECONDS,
            f"2-epoch MNIST recipe: median epoch {epoch:.2f} s (target <= "
            f"{TARGET_EPOCH_SECONDS} s on an H200)",
        )
        if theirs:
            verdict(
                epoch <= TARGET_RATIO * theirs[1],
                f"2-epoch MNIST recipe: PyTorch CUDA {theirs[1]:.2f} s/epoch, "
                f"{theirs[0][0]:.2%}; ours / PyTorch = {epoch / theirs[1]:.2f} "
                f"(target <= {TARGET_RATIO})",
            )
    print(f"({time.perf_counter() - start:.0f} s)")
    return 1 if "FAIL" in verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
