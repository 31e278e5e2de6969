"""The record of a training run, one entry per epoch."""

from __future__ import annotations

import reprlib
from dataclasses import asdict, dataclass, field, fields


@dataclass
class History:
    """Per-epoch metrics. ``cost`` and ``accuracy`` are running averages over the epoch's
    mini-batches (measured before each update, as scikit-learn's ``loss_curve_``); the validation
    metrics are measured on the whole validation set after the epoch. With an L2 penalty, both
    costs carry it as training does, (l2 / 2 m_b) sum ||W[l]||^2 with m_b the mini-batch size,
    so that the two differ only in how well the data are fitted. ``time`` is the wall time
    in seconds since training started. Accuracies are None for regression."""

    epoch: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_cost: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    #: per epoch, per layer l = 1..L: the Frobenius norm of dW[l] (last mini-batch of the epoch),
    #: the cost's gradient without the L2 term
    grad_norm: list[list[float]] = field(default_factory=list)
    #: per epoch, per hidden layer: fraction of ReLU units that were zero for every example of
    #: the epoch's last mini-batch (None for other activations)
    dead_fraction: list[list[float | None]] = field(default_factory=list)

    def append(self, **values) -> None:
        for name in _FIELDS:
            getattr(self, name).append(values.get(name))

    def __len__(self) -> int:
        return len(self.epoch)

    def last(self) -> dict:
        """The latest epoch's values."""
        return {name: getattr(self, name)[-1] for name in _FIELDS} if self.epoch else {}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> History:
        """A History from what ``to_dict`` gave, as read back from a file, checked: for each
        field a list of numbers or None (lists of them per layer for grad_norm and
        dead_fraction), none longer than ``epoch``; a shorter one (saved before its field
        existed) is filled with None. A ValueError names the first entry that is wrong."""
        if not isinstance(d, dict):
            raise ValueError(f"a history is an object of lists, not {reprlib.repr(d)}")
        epochs = d.get("epoch", [])
        n = len(epochs) if isinstance(epochs, list) else 0
        columns = {}
        for name in _FIELDS:
            column = d.get(name, [])
            if not isinstance(column, list) or len(column) > n:
                raise ValueError(
                    f"history {name} is {reprlib.repr(column)}, not a list of at most {n} "
                    "entries (one per epoch)"
                )
            for i, value in enumerate(column):
                if not _entry(value, per_layer=name in _PER_LAYER):
                    raise ValueError(
                        f"history {name}[{i}] is {reprlib.repr(value)}, not a number, a list of "
                        "numbers per layer or None"
                    )
            columns[name] = column + [None] * (n - len(column))
        return cls(**columns)


#: The names of History's fields, in order (looked up once: ``fields`` is slow for every epoch).
_FIELDS = tuple(f.name for f in fields(History))
#: The fields that hold a list per epoch, one value per layer.
_PER_LAYER = ("grad_norm", "dead_fraction")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _entry(value, per_layer: bool) -> bool:
    """Whether ``value`` may be an entry of a history's field: a number (a list of numbers or
    None for ``per_layer``), or None."""
    if value is None:
        return True
    if per_layer:
        return isinstance(value, list) and all(v is None or _number(v) for v in value)
    return _number(value)
