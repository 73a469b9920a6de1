"""The training loop: `fit` a model, get a `History` back, `evaluate` it.

    history = nn.fit(model, nn.functional.cross_entropy, opt, train_loader, epochs=10,
                     val_loader=val_loader, callbacks=[nn.EarlyStopping(patience=3)])

The loop is the one from every chapter — forward, loss, zero_grad, backward, step —
plus cheap bookkeeping. A NaN or infinite loss stops training at once with an error
that names the epoch and step (usually: the learning rate is too high).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import numpy as np

from ..autograd import Tensor, Value, no_grad
from ..autograd.backend import Array
from .functional import accuracy

if TYPE_CHECKING:
    from .module import Module
    from .optim.lr_scheduler import LRScheduler
    from .optim.optimizer import Optimizer

#: A loss function as `fit` calls it: `loss_fn(output, target)` -> a scalar Tensor (or Value).
LossFn: TypeAlias = "Callable[[Any, Any], Tensor | Value]"


class _Loader(Protocol):
    """What `fit` trains on: batches `(x, y)` to iterate over, and how many (a DataLoader)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite: training diverged."""


class History:
    """Per-epoch lists: `history["loss"]`, `"val_loss"`, `"accuracy"`, `"val_accuracy"`,
    `"lr"`, `"time"` (seconds per epoch). `history.history` is the dict itself."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}

    def record(self, logs: Mapping[str, float]) -> None:
        """Append one epoch's values (`fit` calls it with each epoch's logs)."""
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    @property
    def epochs(self) -> int:
        """How many epochs are recorded."""
        return len(next(iter(self.history.values()), []))

    def as_dict(self) -> dict[str, list[float]]:
        """A copy of the per-epoch lists, `{name: [value per epoch]}` (e.g. for a DataFrame)."""
        return {key: list(values) for key, values in self.history.items()}

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={self.epochs}, last={last})"


class Callback:
    """Hooks into `fit`. `on_epoch_end` returns True to stop training."""

    def on_train_begin(self, model: Module) -> None:
        """Before the first epoch (reset any state from an earlier `fit` here)."""

    def on_batch_end(self, step: int, loss: float, model: Module) -> None:
        """After each optimizer step (`loss` is that batch's loss, a float)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> bool:
        """After each epoch, with its logs ("loss", "val_loss", ...); True stops training."""
        return False

    def on_train_end(self, model: Module) -> None:
        """After training, also when it stopped early or raised."""


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.best: float | None = None

    def _improved(self, logs: Mapping[str, float]) -> bool:
        if self.monitor not in logs:
            raise KeyError(
                f"{type(self).__name__} monitors {self.monitor!r}, but the epoch "
                f"logs only have {sorted(logs)} (pass val_loader= for val_*)"
            )
        value = logs[self.monitor]
        if not math.isfinite(value):  # a NaN or inf is never the best (Keras)
            return False
        better = self.best is None or (
            value < self.best if self.mode == "min" else value > self.best
        )
        if better:
            self.best = value
        return better


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved for `patience` epochs; optionally put the
    best weights back (`restore_best=True`)."""

    best_state: dict[str, Array] | None
    stopped_epoch: int | None

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        mode: str = "min",
        restore_best: bool = True,
    ) -> None:
        super().__init__(monitor, mode)
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {patience!r}")
        self.patience, self.restore_best = patience, restore_best
        self.wait, self.best_state, self.stopped_epoch = 0, None, None

    def on_train_begin(self, model: Module) -> None:
        """Each fit starts afresh (a rerun notebook cell must not restore the weights
        of the previous model), as Keras does."""
        self.best, self.wait, self.best_state, self.stopped_epoch = None, 0, None, None

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> bool:
        """Note an improvement (keeping the weights), or count a bad epoch; True once
        `patience` epochs in a row brought none."""
        if self._improved(logs):
            self.wait = 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: Module) -> None:
        """Put the best weights back (with `restore_best=True`)."""
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


class ModelCheckpoint(_Monitor):
    """Save the model's state_dict to `path` whenever `monitor` improves (`nn.save`: a
    safetensors file, written atomically, so a crash never leaves half a checkpoint)."""

    def __init__(
        self, path: str | os.PathLike[str], monitor: str = "val_loss", mode: str = "min"
    ) -> None:
        super().__init__(monitor, mode)
        self.path = path

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> bool:
        """Save the weights if `monitor` improved; never stops training."""
        if self._improved(logs):
            from .checkpoint import save

            save(model.state_dict(), self.path)
        return False


class _NoBar:
    """What `fit(progress=False)` updates: nothing is imported, nothing is printed."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _in_notebook() -> bool:
    """True inside a Jupyter kernel with ipywidgets (the `notebooks` extra installs it)."""
    import importlib.util
    import sys

    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return (
        type(shell).__name__ == "ZMQInteractiveShell"
        and importlib.util.find_spec("ipywidgets") is not None
    )


def progress_bar(total: int, enabled: bool = True, desc: str | None = None) -> Any:
    """A widget bar in Jupyter, a text bar in a terminal, nothing in pipes, CI logs or
    with progress=False (never tqdm's 'IProgress not found' warning)."""
    if not enabled:
        return _NoBar()
    if _in_notebook():
        from tqdm.notebook import tqdm

        return tqdm(total=total, desc=desc, leave=False, unit="batch")
    from tqdm.std import tqdm

    # disable=None: off when the output is not a terminal
    return tqdm(total=total, desc=desc, disable=None, leave=False, unit="batch", dynamic_ncols=True)


def _check_finite(loss_value: float, epoch: int, step: int) -> None:
    if not math.isfinite(loss_value):
        raise NonFiniteLossError(
            f"loss became {loss_value} at epoch {epoch}, step {step}: training diverged. "
            "Try a lower learning rate (e.g. 10x smaller), gradient clipping, or check the "
            "inputs for NaN/inf"
        )


def fit(
    model: Module,
    loss_fn: LossFn,
    optimizer: Optimizer,
    train_loader: _Loader,
    epochs: int = 1,
    val_loader: Iterable[Any] | None = None,
    scheduler: LRScheduler | None = None,
    progress: bool = True,
    callbacks: Iterable[Callback] = (),
    metrics: bool = True,
    device: Any = None,
) -> History:
    """Train for `epochs`; returns a `History` (one entry per epoch).

    `loss_fn(output, target)` returns a scalar Tensor. `metrics=True` also records
    accuracy for classifiers. `scheduler.step()` runs once per epoch (a ReduceLROnPlateau
    gets the validation loss, or the training loss without a val_loader).
    `device="cuda"` moves the model there first and every batch as it is used.
    """
    if device is not None:
        model.to(device)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    history = History()
    callbacks = list(callbacks)
    for callback in callbacks:
        callback.on_train_begin(model)
    if len(train_loader) == 0:
        raise ValueError(
            "fit: the training loader yields no batches (an empty data set, "
            "or batch_size larger than the data with drop_last=True)"
        )
    bar = progress_bar(epochs * len(train_loader), progress, "training")
    try:
        for epoch in range(1, epochs + 1):
            logs = _train_epoch(
                model, loss_fn, optimizer, train_loader, epoch, bar, metrics, callbacks, device
            )
            if val_loader is not None:
                logs.update(
                    {
                        f"val_{k}": v
                        for k, v in evaluate(model, val_loader, loss_fn, metrics, device).items()
                    }
                )
            logs["lr"] = optimizer.param_groups[0]["lr"]
            if scheduler is not None:
                _step_scheduler(scheduler, logs)
            history.record(logs)
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "time"})
            stop = [c.on_epoch_end(epoch, logs, model) for c in callbacks]
            if any(stop):
                break
    finally:
        bar.close()
        for callback in callbacks:
            callback.on_train_end(model)
    return history


def _step_scheduler(scheduler: LRScheduler, logs: dict[str, float]) -> None:
    """Plateau schedulers watch a metric; the others count epochs."""
    from .optim.lr_scheduler import ReduceLROnPlateau

    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        scheduler.step()


def _batch(model: Module, x: Any, y: Any, device: Any) -> tuple[Any, Any]:
    """A batch ready for the model: on its device, data tensors in its dtype (numpy data
    is converted as layers convert it; a tensor from a graph is left to the layers'
    dtype check)."""
    if device is not None:
        x = x.to(device) if isinstance(x, Tensor) else Tensor(x, device=device)
        y = y.to(device) if isinstance(y, Tensor) else y
    dtype = _parameter_dtype(model)
    if (
        isinstance(x, Tensor)
        and x.is_leaf
        and not x.requires_grad
        and dtype is not None
        and x.dtype.kind == "f"
        and x.dtype != dtype
    ):
        x = x.astype(dtype)
    return x, y


def _parameter_dtype(model: object) -> np.dtype[Any] | None:
    dtypes = {p.dtype for p in getattr(model, "parameters", lambda: [])() if isinstance(p, Tensor)}
    return dtypes.pop() if len(dtypes) == 1 else None


def _host(x: object) -> Array:
    """Numbers on the CPU (a GPU tensor's are copied back) for metrics."""
    if isinstance(x, Tensor):
        x = x.to("cpu").data if x.device != "cpu" else x.data
    return np.asarray(x)


def _train_epoch(
    model: Module,
    loss_fn: LossFn,
    optimizer: Optimizer,
    loader: Iterable[Any],
    epoch: int,
    bar: Any,
    metrics: bool,
    callbacks: Iterable[Callback] = (),
    device: Any = None,
) -> dict[str, float]:
    model.train()
    start = time.perf_counter()
    total_loss = correct = seen = 0.0
    for step, (x, y) in enumerate(loader, 1):
        x, y = _batch(model, x, y, device)
        output = model(x)
        loss = loss_fn(output, y)
        value = loss.item()
        _check_finite(value, epoch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(y)
        total_loss += value * n
        seen += n
        if metrics:
            correct += _accuracy_or_none(output, y) * n
        bar.update(1)
        for callback in callbacks:
            callback.on_batch_end(step, value, model)
    logs = {"loss": total_loss / max(seen, 1)}
    if metrics and _is_classifier_output(output, y):
        logs["accuracy"] = correct / max(seen, 1)
    logs["time"] = time.perf_counter() - start
    return logs


def _is_classifier_output(output: Any, y: Any) -> bool:
    """Class scores (N, C) against labels (N,) or one-hot / probability rows (N, C);
    not a regression with C outputs (whose float targets are not distributions)."""
    shape: tuple[int, ...] = getattr(output, "shape", ())
    if len(shape) != 2 or shape[1] < 2:
        return False
    if getattr(y, "ndim", None) == 1 and y.dtype.kind in "iub":
        return True  # labels: nothing to look at (nor to copy from a GPU)
    target = _host(y)
    if target.ndim == 1:
        return target.dtype.kind in "iub" or bool(np.all(target == np.round(target)))
    return (
        target.shape == tuple(shape)
        and bool(np.all(target >= 0))
        and bool(np.allclose(target.sum(axis=1), 1.0))
    )


def _accuracy_or_none(output: Any, y: Any) -> float:
    return accuracy(output, y) if _is_classifier_output(output, y) else 0.0


def evaluate(
    model: Module,
    loader: Iterable[Any],
    loss_fn: LossFn | None = None,
    metrics: bool = True,
    device: Any = None,
) -> dict[str, float]:
    """Mean loss (if `loss_fn`) and accuracy over `loader`, in eval mode, without grad
    (batches moved to `device` first when one is given)."""
    was_training = getattr(model, "training", False)
    model.eval()
    total_loss = correct = seen = 0.0
    classifier = False
    try:
        with no_grad():
            for x, y in loader:
                x, y = _batch(model, x, y, device)
                output = model(x)
                n = len(y)
                if loss_fn is not None:
                    total_loss += loss_fn(output, y).item() * n
                if metrics and _is_classifier_output(output, y):
                    classifier = True
                    correct += accuracy(output, y) * n
                seen += n
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    logs: dict[str, float] = {}
    if loss_fn is not None:
        logs["loss"] = total_loss / seen
    if classifier:
        logs["accuracy"] = correct / seen
    return logs


def predict(
    model: Module,
    X: Array | Tensor | Sequence[Any],
    batch_size: int = 1024,
    device: Any = None,
) -> Array:
    """Model outputs for an array of inputs, in eval mode and without grad (numpy, on the
    CPU; batches run on `device` when one is given)."""
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            outs = [
                _host(model(_batch(model, X[i : i + batch_size], None, device)[0]))
                for i in range(0, len(X), batch_size)
            ]
    finally:
        model.train(was_training)
    return np.concatenate(outs)
