"""What the benchmark trains: the configurations, their synthetic data and the work they count.

Two families of configurations, both float32, plain SGD, the same learning rate everywhere:

- ``seed``: the seed's 3-4-3-2 network on 1,000 examples, full-batch gradient descent, 1,000 steps.
  Each step is tiny, so this measures the per-step overhead of a library (Python, dispatch).
- ``mnist``: an MNIST-shaped set (60,000 x 784, 10 classes) on 784-256-128-10, one epoch of
  mini-batches. Big matrix products: this measures how close a library gets to the BLAS.

Training work is counted as 6 x (number of weights) x (examples seen): 2 floating-point operations
per weight and example for the forward product W[l] A[l-1], and 2 each for the two backward products
delta[l] A[l-1]^T and W[l]^T delta[l]. (No trainer needs W[1]^T delta[1], the gradient with respect
to the input, so a trainer does somewhat less than the counted work; the count is a convention
that makes GFLOP/s comparable between libraries and with the GEMM reference.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

SEED_SIZES = (3, 4, 3, 2)
MNIST_SIZES = (784, 256, 128, 10)
#: Mini-batch steps that the warm-up run before the timed runs takes.
WARMUP_STEPS = 20


@dataclass(frozen=True)
class Workload:
    """One configuration: a network trained for a number of epochs with one batch size."""

    name: str
    group: str  # "seed" or "mnist": which data set and which table section
    sizes: tuple[int, ...]
    m: int  # training examples
    batch_size: int  # examples per step; m (or more) is full-batch gradient descent
    epochs: int
    lr: float
    shuffle: bool

    @property
    def weights(self) -> int:
        """Number of entries of all W[l] (biases are not counted)."""
        return sum(a * b for a, b in pairwise(self.sizes))

    @property
    def batch(self) -> int:
        """The effective batch size (never more than m)."""
        return min(self.batch_size, self.m)

    @property
    def full_batch(self) -> bool:
        return self.batch_size >= self.m

    @property
    def steps(self) -> int:
        """Optimizer steps over the whole run."""
        return self.epochs * math.ceil(self.m / self.batch)

    @property
    def flops(self) -> int:
        """Counted training work: 6 x weights x examples seen."""
        return 6 * self.weights * self.m * self.epochs

    @property
    def label(self) -> str:
        """A short description for tables."""
        net = "-".join(map(str, self.sizes))
        if self.full_batch:
            return f"{net}, m={self.m:,}, {self.steps:,} full-batch steps"
        epochs = "1 epoch" if self.epochs == 1 else f"{self.epochs} epochs"
        return f"{net}, m={self.m:,}, b={self.batch}, {epochs}"

    def warmup(self) -> Workload:
        """A short run of the same kind (same batch size, WARMUP_STEPS steps at most) that is
        trained, untimed, before the timed runs: it loads libraries, starts thread pools and
        lets allocators reach their steady state."""
        if self.full_batch:
            return replace(self, name=self.name + ":warmup", epochs=min(self.epochs, WARMUP_STEPS))
        m = min(self.m, WARMUP_STEPS * self.batch)
        return replace(self, name=self.name + ":warmup", m=m, epochs=1)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "group": self.group,
            "label": self.label,
            "sizes": list(self.sizes),
            "m": self.m,
            "batch_size": self.batch,
            "epochs": self.epochs,
            "steps": self.steps,
            "lr": self.lr,
            "shuffle": self.shuffle,
            "weights": self.weights,
            "flops": self.flops,
        }


def seed_workload(steps: int, lr: float, m: int = 1000) -> Workload:
    """The seed's network, full-batch gradient descent for ``steps`` steps."""
    return Workload("seed", "seed", SEED_SIZES, m, m, steps, lr, shuffle=False)


def mnist_workload(batch_size: int, m: int, lr: float, shuffle: bool) -> Workload:
    """One epoch of the MNIST-shaped set with mini-batches of ``batch_size``."""
    return Workload(f"mnist-b{batch_size}", "mnist", MNIST_SIZES, m, batch_size, 1, lr, shuffle)


@dataclass(frozen=True)
class Data:
    """Training data as every library gets it: ``X_rows`` (m, n_x) float32, C-contiguous (one
    example per row); ``y`` (m,) int64 class labels 0..n_y-1."""

    X_rows: np.ndarray
    y: np.ndarray
    n_classes: int

    def head(self, m: int) -> Data:
        """The first m examples (views, no copy)."""
        return Data(self.X_rows[:m], self.y[:m], self.n_classes)


def make_data(workload: Workload, seed: int = 0) -> Data:
    """Synthetic data shaped for ``workload``: for ``mnist``, pixel-like values in [0, 1) and random
    labels; for ``seed``, standard normal features and a label that depends on them (the speed of
    a step does not depend on the values, but the runs stay finite and meaningful)."""
    rng = np.random.default_rng(seed)
    n_x, n_y = workload.sizes[0], workload.sizes[-1]
    if workload.group == "mnist":
        X_rows = rng.random((workload.m, n_x), dtype=np.float32)
        y = rng.integers(0, n_y, workload.m)
    else:
        X_rows = rng.standard_normal((workload.m, n_x), dtype=np.float32)
        y = (X_rows[:, 0] * X_rows[:, 1] > 0).astype(np.int64) % n_y
    return Data(np.ascontiguousarray(X_rows), y.astype(np.int64), n_y)
