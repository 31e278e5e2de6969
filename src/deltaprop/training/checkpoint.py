"""Checkpoints during training: every N epochs and when the run is interrupted."""

from __future__ import annotations

from .. import io
from ..model import Model
from .callbacks import Callback


class Checkpoint(Callback):
    """Save the model and the trainer's whole state to ``path`` every ``every`` epochs (0: only
    on interruption) and, with ``at_end``, when training ends, atomically. ``model`` is the
    Model being trained (its network is the trainer's); ``run`` holds the settings a resumed run
    needs to rebuild its data."""

    def __init__(
        self, path, model: Model, every: int = 0, run: dict | None = None, at_end: bool = False
    ):
        if every < 0:
            raise ValueError(f"checkpoint interval must be >= 0 epochs, got {every}")
        self.path, self.model, self.every, self.run = path, model, int(every), run or {}
        self.at_end = at_end

    def save(self, trainer) -> str:
        io.save_checkpoint(self.path, self.model, trainer, self.run)
        return str(self.path)

    def on_epoch_end(self, trainer, epoch, logs):
        if self.every and epoch % self.every == 0:
            self.save(trainer)

    def on_train_end(self, trainer):
        if self.at_end:
            self.save(trainer)

    def on_interrupt(self, trainer):
        return self.save(trainer)
