"""Callbacks: what happens around the loop (progress, early stopping, checkpoints) without
special cases inside it."""

from __future__ import annotations

import math

import numpy as np

from .settings_repr import SettingsRepr
from .state import entry, number, whole


class Callback:
    """Hooks called by ``Trainer``. ``logs`` is the History's entry for the epoch just ended."""

    def on_train_begin(self, trainer) -> None:
        pass

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, trainer) -> None:
        pass

    def on_interrupt(self, trainer) -> str | None:
        """Called when training is interrupted; returns the checkpoint path if one was written."""
        return None

    # State that must survive a checkpoint (scalars as JSON, arrays by name).
    def state_dict(self) -> dict:
        return {}

    def state_arrays(self) -> dict[str, np.ndarray]:
        return {}

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        pass


class EarlyStopping(SettingsRepr, Callback):
    """Stop when the monitored cost has not improved by ``min_delta`` for ``patience`` epochs, and
    put back the weights of the best epoch.

    ``monitor`` is "val_cost" (falls back to "cost" when there is no validation set) or "cost".
    """

    def __init__(
        self,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: str = "val_cost",
        restore_best: bool = True,
    ):
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        if not 0 <= min_delta < math.inf:
            raise ValueError(f"min_delta must be a non-negative number, got {min_delta}")
        self.patience, self.min_delta = int(patience), float(min_delta)
        self.monitor, self.restore_best = monitor, restore_best
        self.best, self.best_epoch, self.wait = math.inf, 0, 0
        self.best_weights: dict[str, np.ndarray] = {}
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, trainer, epoch, logs):
        value = logs.get(self.monitor)
        if value is None:
            value = logs["cost"]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            self.best_weights = trainer.copy_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                self.stopped_epoch = epoch

    def on_train_end(self, trainer):
        if self.restore_best and self.best_weights and self.best_epoch != trainer.epoch:
            trainer.set_weights(self.best_weights)

    def state_dict(self):
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
        }

    def state_arrays(self):
        return dict(self.best_weights)

    def load_state(self, scalars, arrays):
        """Restore what ``state_dict`` and ``state_arrays`` saved, checked (from a file)."""
        if scalars:
            where = "EarlyStopping"
            self.best = number(entry(scalars, "best", where), f"{where} best", infinite=True)
            self.best_epoch = whole(entry(scalars, "best_epoch", where), f"{where} best_epoch")
            self.wait = whole(entry(scalars, "wait", where), f"{where} wait")
            stopped = entry(scalars, "stopped_epoch", where)
            self.stopped_epoch = None if stopped is None else whole(stopped, f"{where} stopped")
        self.best_weights = dict(arrays)
