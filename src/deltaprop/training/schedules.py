"""Learning-rate schedules: alpha as a function of the epoch (and, for plateaus, of the cost).

After each epoch e (counting from 1) the loop asks ``schedule.next_lr(e, monitored)`` for the
learning rate of the next epoch; ``monitored`` is the validation cost when there is a validation
set, else the training cost. With alpha_0 the initial learning rate:

- ``constant``:  alpha_e = alpha_0
- ``step``:      alpha_e = alpha_0 gamma^floor(e / step_size)
- ``invscaling``: alpha_e = alpha_0 / (1 + e)^power
- ``cosine``:    alpha_e = alpha_min + (alpha_0 - alpha_min) (1 + cos(pi e / E)) / 2, E = epochs
- ``plateau``:   alpha is multiplied by ``factor`` when the monitored cost has not improved by
                 ``min_delta`` for ``patience`` epochs.
"""

from __future__ import annotations

import math

from .settings_repr import SettingsRepr
from .state import entry, number, whole


class Schedule(SettingsRepr):
    name = "constant"

    def __init__(self, lr0: float):
        self.lr0 = float(lr0)

    def next_lr(self, epoch: int, monitored: float | None = None) -> float:
        return self.lr0

    def config(self) -> dict:
        return {"name": self.name}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class StepDecay(Schedule):
    name = "step"

    def __init__(self, lr0, step_size: int = 10, gamma: float = 0.5):
        super().__init__(lr0)
        if step_size < 1 or not 0 < gamma <= 1:
            raise ValueError(
                f"step schedule needs step_size >= 1 and 0 < gamma <= 1, got {step_size}, {gamma}"
            )
        self.step_size, self.gamma = int(step_size), float(gamma)

    def next_lr(self, epoch, monitored=None):
        return self.lr0 * self.gamma ** (epoch // self.step_size)

    def config(self):
        return {"name": self.name, "step_size": self.step_size, "gamma": self.gamma}


class InverseScaling(Schedule):
    name = "invscaling"

    def __init__(self, lr0, power: float = 0.5):
        super().__init__(lr0)
        self.power = float(power)

    def next_lr(self, epoch, monitored=None):
        return self.lr0 / (1 + epoch) ** self.power

    def config(self):
        return {"name": self.name, "power": self.power}


class Cosine(Schedule):
    name = "cosine"

    def __init__(self, lr0, epochs: int, lr_min: float = 0.0):
        super().__init__(lr0)
        self.epochs, self.lr_min = max(int(epochs), 1), float(lr_min)

    def next_lr(self, epoch, monitored=None):
        progress = min(epoch, self.epochs) / self.epochs
        return self.lr_min + (self.lr0 - self.lr_min) * (1 + math.cos(math.pi * progress)) / 2

    def config(self):
        return {"name": self.name, "epochs": self.epochs, "lr_min": self.lr_min}


class ReduceOnPlateau(Schedule):
    name = "plateau"

    def __init__(self, lr0, factor=0.5, patience=5, min_delta=1e-4, lr_min=1e-6):
        super().__init__(lr0)
        if not 0 < factor < 1:
            raise ValueError(f"plateau factor must be in (0, 1), got {factor}")
        self.factor, self.patience = float(factor), int(patience)
        self.min_delta, self.lr_min = float(min_delta), float(lr_min)
        self.lr, self.best, self.wait = self.lr0, math.inf, 0

    def next_lr(self, epoch, monitored=None):
        if monitored is not None:
            if monitored < self.best - self.min_delta:
                self.best, self.wait = monitored, 0
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.lr, self.wait = max(self.lr * self.factor, self.lr_min), 0
        return self.lr

    def config(self):
        return {
            "name": self.name,
            "factor": self.factor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "lr_min": self.lr_min,
        }

    def state_dict(self):
        return {"lr": self.lr, "best": self.best, "wait": self.wait}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` saved, checked (it comes from a file)."""
        self.lr = number(entry(state, "lr", "schedule"), "schedule's lr", positive=True)
        self.best = number(entry(state, "best", "schedule"), "schedule's best", infinite=True)
        self.wait = whole(entry(state, "wait", "schedule"), "schedule's wait")


SCHEDULES = {
    "constant": Schedule,
    "step": StepDecay,
    "invscaling": InverseScaling,
    "cosine": Cosine,
    "plateau": ReduceOnPlateau,
}


def make_schedule(name: str, lr0: float, epochs: int | None = None, **kwargs) -> Schedule:
    """A schedule by name; ``epochs`` is needed by ``cosine`` (its period)."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    if name == "cosine":
        kwargs.setdefault("epochs", epochs or 1)
    return SCHEDULES[name](lr0, **kwargs)


def schedule_from_config(config: dict, lr0: float) -> Schedule:
    kwargs = {k: v for k, v in config.items() if k != "name"}
    return make_schedule(config["name"], lr0, **kwargs)
