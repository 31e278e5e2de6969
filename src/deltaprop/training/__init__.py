"""Training: optimizers (update rules), learning-rate schedules, the mini-batch loop, callbacks."""

from .callbacks import Callback, EarlyStopping
from .diagnostics import Diagnostics, TrainingWarning
from .history import History
from .loop import Trainer, TrainingDiverged, TrainingInterrupted, evaluate
from .optimizers import (
    OPTIMIZERS,
    Adam,
    GradientDescent,
    Momentum,
    Optimizer,
    RMSProp,
    make_optimizer,
    optimizer_from_config,
)
from .progress import PlainProgress, make_progress
from .schedules import SCHEDULES, Schedule, make_schedule, schedule_from_config

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "Adam",
    "Callback",
    "Diagnostics",
    "EarlyStopping",
    "GradientDescent",
    "History",
    "Momentum",
    "Optimizer",
    "PlainProgress",
    "RMSProp",
    "Schedule",
    "Trainer",
    "TrainingDiverged",
    "TrainingInterrupted",
    "TrainingWarning",
    "evaluate",
    "make_optimizer",
    "make_progress",
    "make_schedule",
    "optimizer_from_config",
    "schedule_from_config",
]
