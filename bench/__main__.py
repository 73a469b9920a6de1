"""`python -m bench [--quick | --smoke] [--threads N]`: speed and memory of scratchgrad
against micrograd, PyTorch (CPU) and hand-written numpy, as a Markdown table.

Every engine runs in its own subprocess with BLAS/OpenMP/torch pinned to the same
thread count; A and B alternate across rounds and each figure is a median. The
ratio column is ours / reference time: below 1.00 means ours is faster.
"""

import argparse
import os
import platform
import time

import numpy as np

from bench.harness import have, in_subprocess, interleaved


def fmt_time(seconds):
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def ratio(ours, ref):
    return f"{ours / ref:.2f}" if ours and ref else "—"


def scalar_rows(mode, threads):
    """micrograd's demo step two ways (ours written our way, and micrograd's own loop run
    on our Value), each against micrograd's loop, all from the same weights."""
    steps = {"smoke": 2, "quick": 4, "full": 8}[mode]
    rounds = {"smoke": 1, "quick": 1, "full": 3}[mode]
    theirs = have("micrograd") and mode != "smoke"
    sides = ["ours", "ours-micrograd-style"] + (["micrograd"] if theirs else [])
    med, last = interleaved("bench.scalar_side", sides, [steps], rounds, threads)
    note = (
        ""
        if theirs
        else " (micrograd skipped in --smoke)"
        if mode == "smoke"
        else " (micrograd not installed)"
    )
    rows = []
    for side, label in (
        ("ours", "written our way (float inputs, autograd.sum)"),
        ("ours-micrograd-style", "micrograd's own code (Value inputs, built-in sum), our imports"),
    ):
        ours, mg = med[side], med.get("micrograd")
        speedup = f" ({mg / ours:.0f}x faster)" if mg and ours else ""
        rows.append(
            (
                f"scalar: micrograd demo step, {label}{note}",
                fmt_time(ours),
                fmt_time(mg),
                ratio(ours, mg) + speedup,
            )
        )
        result = last[side]
        if "micrograd" in last and "losses" in last["micrograd"]:
            same = np.allclose(result["losses"], last["micrograd"]["losses"], rtol=1e-9, atol=1e-12)
            rows.append(
                ("  same losses as micrograd, step by step", "yes" if same else "NO", "", "")
            )
        per_node = ours / result["nodes"] * 1e6 if ours else None
        rows.append(
            (
                "  forward / backward / nodes per step / µs per node",
                f"{fmt_time(result['build'])} / {fmt_time(result['backward'])} / "
                f"{result['nodes']:,} / {per_node:.2f}",
                f"{last['micrograd']['nodes']:,} nodes"
                if "micrograd" in last and "nodes" in last["micrograd"]
                else "",
                "",
            )
        )
    return rows


def chain_rows(mode, threads):
    sizes = {"smoke": [10_000], "quick": [10_000, 100_000], "full": [10_000, 100_000, 1_000_000]}[
        mode
    ]
    rows = []
    for n in sizes:
        ours = in_subprocess("bench.scalar_side", "chain-ours", n, threads=threads)
        theirs = (
            in_subprocess("bench.scalar_side", "chain-micrograd", n, threads=threads)
            if have("micrograd") and n == sizes[0]
            else {}
        )
        ref = theirs.get("error") or fmt_time(theirs.get("seconds")) if theirs else ""
        rows.append(
            (
                f"deep chain of {n:,} nodes: build, backward (peak RSS)",
                f"{fmt_time(ours.get('build'))}, {fmt_time(ours.get('seconds'))} "
                f"({ours.get('peak_mb', 0):.0f} MB)",
                f"micrograd: {ref}" if ref else "",
                "",
            )
        )
    return rows


TENSOR_CASES = [("784,100,10", 100), ("784,1000,1000,10", 1000)]


def tensor_rows(mode, threads):
    cases = TENSOR_CASES[:1] if mode != "full" else TENSOR_CASES
    dtypes = ["float32"] if mode == "smoke" else ["float32", "float64"]
    rows = []
    for sizes, batch in cases:
        for dtype in dtypes:
            repeats = {"smoke": 20, "quick": 100, "full": 300}[mode] if batch <= 100 else 10
            rounds = 1 if mode != "full" else 3
            sides = ["ours", "numpy", "book", "blas"] + (["torch"] if have("torch") else [])
            med, _ = interleaved(
                "bench.tensor_side", sides, [sizes, batch, dtype, repeats, threads], rounds, threads
            )
            label = f"tensor: MLP step {sizes.replace(',', '-')}, batch {batch}, {dtype}"
            if "torch" in med:
                rows.append(
                    (
                        label + " vs PyTorch",
                        fmt_time(med["ours"]),
                        fmt_time(med["torch"]),
                        ratio(med["ours"], med["torch"]),
                    )
                )
            rows.append(
                (
                    label + " vs numpy by hand",
                    fmt_time(med["ours"]),
                    fmt_time(med["numpy"]),
                    ratio(med["ours"], med["numpy"]),
                )
            )
            rows.append(
                (
                    label + ": the book's code on scratchgrad.book vs numpy by hand",
                    fmt_time(med["book"]),
                    fmt_time(med["numpy"]),
                    ratio(med["book"], med["numpy"]),
                )
            )
            rows.append(
                (
                    label + ": BLAS ceiling (matmuls only)",
                    fmt_time(med["blas"]),
                    "",
                    ratio(med["ours"], med["blas"]),
                )
            )
    return rows


def thread_counts(mode, threads):
    """1, 2 and every core this process may use (and --threads), or just --threads."""
    from scratchgrad.autograd.threads import available_cores

    return [threads] if mode == "smoke" else sorted({1, 2, threads, available_cores()})


def conv_rows(mode, threads):
    """SimpleConvNet and deep_convnet steps (batch 100, float32), BatchNorm2d and a
    depthwise convolution alone at 1, 2 and all threads, vs PyTorch at the same count
    and (SimpleConvNet) vs its matmuls alone; in the full run also one MNIST-sized epoch
    (60,000 images) with peak RSS at each thread count."""
    rows = []
    counts = thread_counts(mode, threads)
    repeats = {"smoke": 3, "quick": 10, "full": 30}[mode]
    torch = have("torch") and mode != "smoke"
    for model, name in (("simple", "SimpleConvNet"), ("deep", "deep_convnet")):
        for count in counts if model == "simple" or mode != "smoke" else ():
            sides = (
                ["ours"] + (["blas"] if model == "simple" else []) + (["torch"] if torch else [])
            )
            med, _ = interleaved(
                "bench.conv_side",
                sides,
                [model, 100, repeats, count],
                1 if mode != "full" else 3,
                count,
            )
            label = f"conv: {name} step, batch 100, float32, {count} thread(s)"
            rows.append(
                (
                    label + " vs PyTorch",
                    fmt_time(med["ours"]),
                    fmt_time(med.get("torch")),
                    ratio(med["ours"], med.get("torch")),
                )
            )
            if model == "simple":
                rows.append(
                    (
                        label + ": matmuls only",
                        fmt_time(med["blas"]),
                        "",
                        ratio(med["ours"], med["blas"]),
                    )
                )
    layers = (
        ("bn", "norm: BatchNorm2d(32) forward + backward"),
        ("dw", "conv: depthwise 3x3 Conv2d(32, groups=32) forward + backward"),
    )
    for kind, name in layers:
        for count in counts if mode != "smoke" else ():
            sides = ["ours"] + (["torch"] if torch else [])
            med, _ = interleaved(
                "bench.conv_side",
                sides,
                [kind, 100, repeats, count],
                1 if mode != "full" else 3,
                count,
            )
            rows.append(
                (
                    f"{name}, (100, 32, 28, 28) float32, {count} thread(s) vs PyTorch",
                    fmt_time(med["ours"]),
                    fmt_time(med.get("torch")),
                    ratio(med["ours"], med.get("torch")),
                )
            )
    for count in counts if mode == "full" else ():
        sides = ["epoch-ours"] + (["epoch-torch"] if have("torch") else [])
        med, last = interleaved("bench.conv_side", sides, [60000, count], 3, count)

        def cell(side, med=med, last=last):
            if med.get(side) is None:
                return "—"
            return f"{fmt_time(med[side])} ({last[side].get('peak_mb', 0):.0f} MB)"

        rows.append(
            (
                f"conv: one MNIST-sized epoch (60,000 random images), {count} "
                "thread(s): time (peak RSS)",
                cell("epoch-ours"),
                cell("epoch-torch"),
                ratio(med.get("epoch-ours"), med.get("epoch-torch")),
            )
        )
    return rows


def gpu_available():
    """Whether scratchgrad (through CuPy) sees a GPU; asked in a subprocess so this
    process never imports CuPy."""
    out = in_subprocess("bench.gpu_check", "available")
    return bool(out.get("cuda"))


def gpu_rows(mode, threads):
    """SimpleConvNet step at batch 100 and 1000 on the GPU, ours (CuPy) vs PyTorch CUDA,
    and the 2-epoch real-MNIST recipe on it: rows only where a GPU is seen."""
    if mode == "smoke" or not gpu_available():
        return []
    rows = []
    torch = have("torch")
    for batch in (100, 1000):
        sides = ["ours"] + (["torch"] if torch else [])
        med, last = interleaved(
            "bench.conv_side",
            sides,
            ["simple", batch, {"quick": 20, "full": 50}[mode], threads, "cuda"],
            1 if mode != "full" else 3,
            threads,
        )
        ours = med["ours"] or last["ours"].get("error")
        rows.append(
            (
                f"GPU: SimpleConvNet step, batch {batch}, float32 vs PyTorch CUDA",
                fmt_time(ours) if isinstance(ours, float) else str(ours),
                fmt_time(med.get("torch")),
                ratio(med["ours"], med.get("torch")),
            )
        )
    if mode == "full":
        rows += mnist_rows(mode, threads, device="cuda")
    return rows


def mnist_rows(mode, threads, device="cpu"):
    """The real-MNIST recipe (bench.mnist_recipe) at 2 threads (or on the GPU), when
    SCRATCHGRAD_MNIST names a folder with the IDX files; otherwise a row saying how."""
    folder = os.environ.get("SCRATCHGRAD_MNIST")
    label = "conv: real MNIST, SimpleConvNet, Adam 1e-3, batch 100, 2 epochs, " + (
        "2 threads" if device == "cpu" else "on the GPU"
    )
    if not folder:
        return [(label, "not run: set SCRATCHGRAD_MNIST to the MNIST folder", "", "")]
    from bench.mnist_recipe import compare, summary

    try:
        results = summary(compare(folder, [0, 1, 2], 2, 2, device))
    except RuntimeError as err:
        return [(label, f"failed: {err}", "", "")]
    ours, theirs = results["ours"], results.get("torch")

    def accuracies(side):
        return ", ".join(f"{a:.2%}" for a in side[0]) if side else "—"

    return [
        (label + ": test accuracy (3 seeds)", accuracies(ours), accuracies(theirs), ""),
        (
            label + ": median epoch",
            fmt_time(ours[1]),
            fmt_time(theirs and theirs[1]),
            ratio(ours[1], theirs and theirs[1]),
        ),
    ]


def transform_rows(mode, threads):
    """Forward mode and second order against the passes they replace (issue targets:
    jvp <= 3x a forward, hvp <= 4x a gradient, a 1,000-parameter Hessian <= 2 s)."""
    out = in_subprocess(
        "bench.transforms_side", {"smoke": 3, "quick": 10, "full": 30}[mode], threads=threads
    )
    if "error" in out:
        return [("transforms", out["error"], "", "")]
    return [
        (
            "forward mode: jvp of an MLP forward (784-100-10, batch 100) vs the forward",
            fmt_time(out["jvp"]),
            fmt_time(out["forward"]),
            ratio(out["jvp"], out["forward"]),
        ),
        (
            "second order: hvp of the MLP loss vs one gradient",
            fmt_time(out["hvp"]),
            fmt_time(out["gradient"]),
            ratio(out["hvp"], out["gradient"]),
        ),
        (
            "second order: full Hessian of a function of 1,000 parameters"
            + ("" if out["hessian_ok"] else " (WRONG VALUES)"),
            fmt_time(out["hessian_1000"]),
            "",
            "",
        ),
    ]


def liveview_rows(mode, threads):
    """viz.LiveView's slowdown of nn.fit, measured in a real kernel (full run only)."""
    if mode != "full":
        return []
    out = in_subprocess("bench.liveview_side", 3, threads=threads)
    if "error" in out:
        return [("LiveView: slowdown of nn.fit in a notebook kernel", out["error"], "", "")]
    return [
        (
            "LiveView: digits MLP fit (40 epochs) in a notebook kernel, with vs without",
            fmt_time(out["live"]),
            fmt_time(out["plain"]),
            ratio(out["live"], out["plain"]),
        ),
        (
            "LiveView: redraws per second / share of training time spent drawing",
            f"{out['updates_per_second']:.1f} / {out['draw_share']:.1%}",
            "",
            "",
        ),
    ]


def e2e_rows(mode, threads):
    ours = in_subprocess("bench.e2e_side", "ours", 40, threads=threads)
    torch = in_subprocess("bench.e2e_side", "torch", 40, threads=threads) if have("torch") else {}
    return [
        (
            "digits MLP 64-128-10: epochs to 97% test accuracy",
            str(ours.get("epochs")),
            str(torch.get("epochs", "—")),
            "",
        ),
        (
            "digits MLP: time per epoch",
            fmt_time(ours.get("seconds")),
            fmt_time(torch.get("seconds")),
            ratio(ours.get("seconds"), torch.get("seconds")),
        ),
        (
            "digits MLP: peak RSS of the training process",
            f"{ours.get('peak_mb', 0):.0f} MB",
            f"{torch['peak_mb']:.0f} MB" if "peak_mb" in torch else "—",
            ratio(ours.get("peak_mb"), torch.get("peak_mb")),
        ),
    ]


def render_rows(mode, threads):
    import shutil
    import sysconfig

    rows = []
    pure = os.path.join(sysconfig.get_path("scripts"), "graphviz-pure")
    renderers = [("system dot", shutil.which("dot"))] + (
        [("graphviz-pure", pure)] if os.path.exists(pure) else []
    )
    for name, path in renderers:
        if not path:
            continue
        os.environ["SCRATCHGRAD_DOT"] = path
        for label, args in (
            ("1,000-node chain", ["chain", 1000]),
            ("one demo sample's loss graph with L2", ["demo"]),
        ):
            out = in_subprocess("bench.render_side", *args, threads=threads)
            rows.append(
                (
                    f"render to SVG ({name}): {label} ({out.get('nodes', '?')} nodes)",
                    fmt_time(out.get("seconds")) if "seconds" in out else out.get("error"),
                    "",
                    "",
                )
            )
        os.environ.pop("SCRATCHGRAD_DOT", None)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="a ~30 s subset")
    group.add_argument("--smoke", action="store_true", help="seconds; for the test suite")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    start = time.perf_counter()
    sections = [scalar_rows, chain_rows, tensor_rows, conv_rows, transform_rows]
    if mode != "smoke":
        sections += [e2e_rows, render_rows, liveview_rows]
    if mode == "full":
        sections.append(mnist_rows)
    sections.append(gpu_rows)
    rows = [row for section in sections for row in section(mode, args.threads)]
    print(
        f"scratchgrad benchmarks ({mode}; {args.threads} thread(s) for numpy's BLAS and "
        f"torch; {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__})\n"
    )
    print("| case | ours | reference | ratio (ours / ref time) |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    missing = [m for m in ("micrograd", "torch") if not have(m)]
    if missing:
        print(
            f"\nskipped comparisons: {', '.join(missing)} not installed "
            f"(pip install {' '.join(missing)})"
        )
    print(f"\n(took {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
