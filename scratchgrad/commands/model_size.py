"""How big a `scratchgrad train` model is, from the data set's shape alone: counted
before any data is loaded or any array allocated, so a model that cannot be trained
here is refused in a second instead of dying minutes later inside numpy."""

import os

from . import UsageError
from .options import CNN_LAYOUT, DATASETS

BYTES_PER_NUMBER = {"mlp": 8, "cnn": 4}  # nn.mlp is float64, simple_convnet float32
COPIES = 4  # weights, gradients and up to two optimizer moments
MAX_PARAMETERS = 100_000_000  # 3.2 GB to train in float64: far beyond a numpy MLP


def parameter_count(kind, dataset, hidden):
    """Weights and biases of the model `train.build_model` would make (Python ints: no
    overflow, and nothing is allocated)."""
    data = DATASETS[dataset]
    if kind == "mlp":
        sizes = [data.features, *hidden, data.classes]
        return sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    filters, kernel = CNN_LAYOUT[dataset]
    pooled_side = (data.image_side - kernel + 1) // 2
    flat = filters * pooled_side**2
    return (
        (kernel * kernel + 1) * filters  # conv: one k x k filter + bias each
        + flat * hidden[0]
        + hidden[0]  # Linear(flat, hidden)
        + hidden[0] * data.classes
        + data.classes
    )


def available_memory():
    """Bytes of memory free for new allocations, or None where we cannot tell."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def check_model_size(kind, dataset, hidden):
    """Refuse, before allocating, a model that cannot fit (numpy would die mid-way)."""
    count = parameter_count(kind, dataset, hidden)
    hint = f"use a smaller --hidden than {','.join(map(str, hidden))}"
    if count > MAX_PARAMETERS:
        raise UsageError(
            f"that {kind} on {dataset} has {count:,} parameters; the limit is "
            f"{MAX_PARAMETERS:,}: {hint}"
        )
    need = count * BYTES_PER_NUMBER[kind] * COPIES
    free = available_memory()
    if free is not None and need > free:
        raise UsageError(
            f"that {kind} on {dataset} has {count:,} parameters and needs about "
            f"{need / 2**30:.1f} GiB to train, but {free / 2**30:.1f} GiB is "
            f"available: {hint}"
        )
