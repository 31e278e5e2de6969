"""The record of a training run, one entry per epoch."""

from __future__ import annotations

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
        names = {f.name for f in fields(cls)}
        return cls(**{k: list(v) for k, v in d.items() if k in names})


#: The names of History's fields, in order (looked up once: ``fields`` is slow for every epoch).
_FIELDS = tuple(f.name for f in fields(History))
