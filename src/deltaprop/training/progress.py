"""Showing progress: a rich progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys

from .callbacks import Callback


def format_metrics(logs: dict) -> str:
    """'cost 0.1234  acc 0.9650  val_cost 0.2000  val_acc 0.9500' (the values present)."""
    parts = [f"cost {logs['cost']:.4f}"]
    if logs.get("accuracy") is not None:
        parts.append(f"acc {logs['accuracy']:.4f}")
    if logs.get("val_cost") is not None:
        parts.append(f"val_cost {logs['val_cost']:.4f}")
    if logs.get("val_accuracy") is not None:
        parts.append(f"val_acc {logs['val_accuracy']:.4f}")
    return "  ".join(parts)


class PlainProgress(Callback):
    """One line per ``every`` epochs (and the last), for logs and pipes."""

    def __init__(self, epochs: int, stream=None, every: int | None = None):
        self.epochs, self.stream = epochs, stream or sys.stdout
        self.every = every or max(1, epochs // 10)

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch % self.every == 0 or epoch == self.epochs or trainer.stop_training:
            width = len(str(self.epochs))
            print(
                f"epoch {epoch:>{width}}/{self.epochs}  {format_metrics(logs)}  "
                f"lr {logs['lr']:.3g}  {logs['time']:.1f}s",
                file=self.stream,
                flush=True,
            )


class RichProgress(Callback):
    """A progress bar over the epochs with the latest cost and accuracy (needs rich)."""

    def __init__(self, epochs: int, stream=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.epochs = epochs
        self.bar = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[metrics]}"),
            console=Console(file=stream or sys.stdout),
        )
        self.task = None

    def on_train_begin(self, trainer):
        self.bar.start()
        self.task = self.bar.add_task("", total=self.epochs, completed=trainer.epoch, metrics="")

    def on_epoch_end(self, trainer, epoch, logs):
        self.bar.update(self.task, completed=epoch, metrics=format_metrics(logs))

    def on_train_end(self, trainer):
        self.bar.stop()

    def on_interrupt(self, trainer):
        self.bar.stop()
        return None


def make_progress(epochs: int, stream=None) -> Callback:
    """A rich bar when ``stream`` is a terminal and rich is installed, else plain lines."""
    stream = stream or sys.stdout
    if stream.isatty():
        try:
            return RichProgress(epochs, stream)
        except ImportError:
            pass
    return PlainProgress(epochs, stream)
