"""Data-parallel training over MPI: N processes (ranks), one model each, one Allreduce per step.

Every rank holds the same data, the same network and the same optimizer, and draws the same
permutation of the examples each epoch (the seed is shared). A global mini-batch of m_b examples
is cut into N contiguous shards, one per rank; rank r reads only its m_r columns of X and Y,
runs the forward and backward passes on them with the *global* weights

    w = 1 / m_b        (or w_i / sum of w over the whole global batch, eq. J2)

in delta[L], and gets dW_r[l] = delta_r[l] A_r[l-1]^T and db_r[l] (eqs. B1-B5 on its columns).
Because (eq. B4) is a sum over the examples, the sum over ranks

    dW[l] = sum_r dW_r[l],    db[l] = sum_r db_r[l]

is the gradient of the whole global batch, exactly, up to the order of the float additions. One
``Allreduce`` (sum) over a single preallocated flat buffer that holds every dW[l], db[l], the
partial costs and correct counts, and a stop flag combines them; then every rank applies the same
L2 term and optimizer step, so the replicas stay equal without ever sending weights.

Dropout: each rank draws the masks of its own columns from a generator keyed by (seed, epoch,
step, rank). The masks of different ranks are independent, and a run resumes exactly from a
checkpoint, but they are not the masks one process would draw for the whole batch: with dropout
the N-rank run equals the single-process run in distribution only. Without dropout it is equal up
to rounding (see ``tests/test_distributed.py``).

Failure: every collective is non-blocking and waited for with a deadline (``timeout`` seconds).
A rank that dies, hangs or leaves the loop makes the others print which rank timed out in which
step and call ``MPI_Abort``, which stops the whole job; a Python error on one rank aborts at once.

Run it with ``mpirun -n N deltaprop train --distributed ...`` or, from Python, with
``DistributedTrainer`` in place of ``Trainer`` under ``mpirun -n N python script.py``. Only rank 0
should print and write files: give progress and Checkpoint callbacks to rank 0 alone
(``trainer.is_root``). See docs/distributed.md.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from contextlib import contextmanager

import numpy as np

from .loop import Trainer, TrainingDiverged, TrainingInterrupted, n_correct

MPI_INSTALL = (
    "pip install 'deltaprop[distributed]' (the mpi4py and mpich wheels), or pip install mpi4py "
    "with your system's MPI (apt-get install openmpi-bin libopenmpi-dev)"
)

#: Seconds a rank waits in a collective before it declares another rank dead (``--mpi-timeout``).
DEFAULT_TIMEOUT = 300.0

#: The last three numbers of the Allreduce buffer: this rank's part of the cost, its number of
#: correct predictions, and 1 if it was asked to stop.
COST, CORRECT, STOP = -3, -2, -1


def load_mpi():
    """The ``mpi4py.MPI`` module, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError) as e:  # no mpi4py, or no MPI library under it
        raise ImportError(
            f"distributed training needs mpi4py and an MPI: {MPI_INSTALL} ({e})"
        ) from e
    return MPI


def mpi_world():
    """MPI.COMM_WORLD: all the processes that ``mpirun -n N`` started (rank 0..N-1)."""
    return load_mpi().COMM_WORLD


def wait(comm, request, timeout: float, what: str) -> None:
    """Complete a non-blocking collective, or abort the whole run after ``timeout`` seconds.

    It spins on Test (which also drives MPI's progress), yielding the core to any other
    process that wants it; after 20 ms it sleeps between tests, up to 2 ms at a time.
    """
    started = time.monotonic()
    pause = 0.0
    while True:
        if request.Test():
            return
        waited = time.monotonic() - started
        if waited > timeout:
            abort(
                comm,
                f"rank {comm.Get_rank()} of {comm.Get_size()} waited {timeout:g} s for {what} "
                "without an answer: another rank has died, hangs or left the training loop. "
                "Stopping every rank (MPI_Abort).",
            )
        if waited < 0.02:
            os.sched_yield()
        else:
            time.sleep(pause)
            pause = min(max(2 * pause, 1e-4), 2e-3)


class Aborted(SystemExit):
    """Raised by ``abort`` once MPI_Abort is called, in case the process outlives that call
    (MPICH's may return before the launcher ends the job): the run is stopped and told."""


def abort(comm, message: str, details: str = ""):
    """Print ``details`` (a traceback) and ``message``, and stop every rank of ``comm``."""
    sys.stderr.write(f"{details}deltaprop: distributed training: {message}\n")
    sys.stderr.flush()
    # MPI_Abort ends the job at once, and the launcher drops the output it has not read yet
    # (a test once got only the traceback's first line): give it a moment to forward this.
    time.sleep(0.5)
    comm.Abort(1)
    raise Aborted(1)


@contextmanager
def abort_on_error(comm, where, allowed: tuple = ()):
    """Let the exceptions ``allowed`` through (those every rank raises alike); on any other,
    print the traceback and stop every rank at once (MPI_Abort), since the others would wait for
    this one until the time-out. ``where()`` says where the rank was, for the message."""
    try:
        yield
    except (Aborted, *allowed):  # told already, or raised alike by every rank
        raise
    except BaseException as e:
        if comm.Get_size() == 1:
            raise
        abort(
            comm,
            f"rank {comm.Get_rank()} of {comm.Get_size()} stopped with {type(e).__name__}: {e} "
            f"({where()}); the other ranks cannot go on without it. Stopping every rank "
            "(MPI_Abort).",
            traceback.format_exc(),
        )


def first_failure(comm, failed: bool, timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """The lowest rank of ``comm`` on which ``failed`` is true, or None when it is false on
    every rank. Every rank calls it (one Allreduce, MIN, within ``timeout``), so that an error
    that only some ranks met (a file missing on one machine) stops all of them together."""
    MPI = load_mpi()
    size = comm.Get_size()
    lowest = np.array([comm.Get_rank() if failed else size], dtype=np.int64)
    wait(comm, comm.Iallreduce(MPI.IN_PLACE, lowest, op=MPI.MIN), timeout, "the other ranks' setup")
    return None if lowest[0] == size else int(lowest[0])


def shard(k: int, size: int, rank: int) -> tuple[int, int]:
    """Positions [lo, hi) of rank ``rank``'s examples in a batch of k, cut into ``size`` parts
    whose lengths differ by at most one."""
    return k * rank // size, k * (rank + 1) // size


class DistributedTrainer(Trainer):
    """``Trainer`` over MPI: every rank trains on its shard of every global mini-batch and one
    Allreduce per step sums the gradients, so all ranks take the step of the global batch.

    Parameters as ``Trainer`` (``batch_size`` is the *global* mini-batch size), plus:

    comm : an mpi4py communicator (default MPI.COMM_WORLD)
    timeout : seconds a rank waits in a collective before it declares another rank dead and
        aborts the whole run (default 300; it must exceed the longest legitimate wait, such as
        rank 0 writing a checkpoint while the others start the next epoch)

    Rank 0's seed is used everywhere (a random one when it is None), and ``fit`` starts from rank
    0's weights, after checking that every rank holds the same data and settings. Callbacks run
    on every rank: give those that print or write files to rank 0 only (``is_root``), and those
    that change the training (EarlyStopping) to every rank, so that all stop together.
    """

    def __init__(
        self, network, optimizer=None, *, comm=None, timeout: float = DEFAULT_TIMEOUT, **kwargs
    ):
        self.MPI = load_mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if network.xp is not np:  # the Allreduce buffer and its views are numpy arrays
            raise ValueError(
                f"distributed training computes with numpy on the CPU; this network computes "
                f"with {network.xp.__name__} (use Network(...) without xp or device)"
            )
        self.timeout = float(timeout)
        self.step_name = "setup"  # where the rank is, for the time-out message
        seed = self._broadcast_seed(kwargs.pop("seed", 0))
        super().__init__(network, optimizer, seed=seed, **kwargs)
        self.is_root = self.rank == 0
        self._interrupt_requested: str | None = None
        self._global_index = None  # the current global mini-batch, set by _rows
        self._sample_weight = None
        self.timings = {"steps": 0, "allreduce": 0.0}
        # One flat buffer for the one Allreduce: dW[1], db[1], ..., dW[L], db[L]; then, for
        # each hidden layer l, 1 for each unit that was active (A[l] > 0) on this rank's columns;
        # then cost, correct and stop. Views into it name the parts.
        n, hidden = network.n_parameters(), sum(network.sizes[1:-1])
        self.buffer = np.zeros(n + hidden + 3, dtype=network.dtype)
        self._dW, self._db, self._active, offset = {}, {}, {}, 0
        for l in range(1, network.L + 1):
            for views, P in ((self._dW, network.W[l]), (self._db, network.b[l])):
                views[l] = self.buffer[offset : offset + P.size].reshape(P.shape)
                offset += P.size
        self._parameters = self.buffer[:offset]
        for l in range(1, network.L):
            self._active[l] = self.buffer[offset : offset + network.sizes[l]]
            offset += network.sizes[l]

    # ------------------------------------------------------------------ the loop
    def fit(self, X, Y, validation: tuple | None = None, sample_weight=None):
        """``Trainer.fit`` on every rank (each with the whole data; it reads only its shards).

        Input errors are raised on every rank alike; an unexpected error on one rank aborts the
        whole run (MPI_Abort), since the other ranks would otherwise wait for it forever.
        """
        X, Y, validation, sample_weight = self.check_inputs(X, Y, validation, sample_weight)
        self._sample_weight = sample_weight
        self._agree(X, Y, sample_weight)
        with self._abort_on_error():
            return super().fit(X, Y, validation=validation, sample_weight=sample_weight)

    def _rows(self, index):
        """The examples of the global mini-batch ``index`` (a slice or an array of example
        indices) that this rank reads: its contiguous shard of them. Remembers the global batch
        for ``_step``, which needs its size (and its sum of sample weights)."""
        self._global_index = index
        return self._shard_of(index)

    def _shard_of(self, index):
        if isinstance(index, slice):
            lo, hi = shard(index.stop - index.start, self.size, self.rank)
            return slice(index.start + lo, index.start + hi)
        lo, hi = shard(len(index), self.size, self.rank)
        return index[lo:hi]

    def _step(self, X_b, Y_b, sw_b=None) -> None:
        """One global mini-batch: forward and backward on this rank's columns, one Allreduce,
        then the same L2 term and update on every rank (report, Algorithm "Training")."""
        net = self.network
        index = self._global_index
        m_b = index.stop - index.start if isinstance(index, slice) else len(index)
        if sw_b is None:
            weight, w = m_b, 1 / m_b
        else:  # (eq. J2) normalised over the global batch, which every rank can sum itself
            total = self._sample_weight[index].sum()
            if total == 0:  # the whole global batch weighs 0 (every rank sees it): skip it
                return
            weight, w = float(total), (sw_b / total).reshape(1, -1)
        self.step_name = f"epoch {self.epoch + 1}, step {self.batch + 1}"

        buffer, k = self.buffer, X_b.shape[1]
        if k == 0:  # a last batch smaller than the number of ranks leaves some ranks nothing
            buffer[:] = 0
        else:
            D = net.dropout_masks(self._mask_rng(), 1 - self.dropout, k) if self.dropout else None
            A_L = net._forward(X_b, D)
            buffer[COST] = net._cost(Y_b, w)  # this rank's part of the sum over examples (J1)
            dW, db = net._backward(Y_b, w, D)
            for l in dW:
                np.copyto(self._dW[l], dW[l])
                np.copyto(self._db[l], db[l])
            for l in self._active:
                np.any(net.A[l] > 0, axis=1, out=self._active[l])
            buffer[CORRECT] = n_correct(net, A_L, Y_b) if net.is_classifier else 0
        buffer[STOP] = self._interrupt_requested is not None
        self._allreduce(buffer)  # dW[l] = sum over ranks of dW_r[l], and the same for the rest

        if buffer[STOP] and self.stop_reason is None:  # every rank stops after this step
            self.stop_reason = self._interrupt_requested or "interrupted on another rank"
        correct = int(buffer[CORRECT]) if net.is_classifier else None
        self._update(float(buffer[COST]), self._dW, self._db, m_b, weight, correct)

    def _dead_fraction(self) -> list[float | None]:
        """Per hidden layer: the fraction of ReLU units that output 0 for every example of the
        last global mini-batch, from the activity that every rank summed into the buffer."""
        net = self.network
        return [
            float(np.mean(self._active[l] == 0)) if net.g[l].name == "relu" else None
            for l in self._active
        ]

    def _mask_rng(self) -> np.random.Generator:
        """The dropout generator of this rank's columns in this step: a function of (seed,
        epoch, step, rank), so that ranks differ and a resumed run draws the same masks."""
        key = (self.epoch, self.batch, self.rank)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def request_interrupt(self, reason: str = "interrupted") -> None:
        """Ask every rank to stop after the current step: the request travels in the next
        Allreduce, so all ranks stop (and checkpoint) after the same step."""
        self._interrupt_requested = reason

    # ------------------------------------------------------------------ collectives
    def _agree(self, X, Y, sample_weight) -> None:
        """Check that every rank has the same data and settings, and start from rank 0's
        weights. Raises ValueError on every rank when they differ."""
        net = self.network
        facts = {
            "number of examples m": X.shape[1],
            "n_x": X.shape[0],
            "n_y": Y.shape[0],
            "number of parameters": net.n_parameters(),
            "batch_size": self.batch_size or 0,
            "epochs": self.epochs,
            "epoch to start from": self.epoch,
            "step to start from": self.batch,
            "shuffle": self.shuffle,
            "dropout": self.dropout,
            "l2": self.l2,
            "sum of X": float(X.sum(dtype=np.float64)),
            "sum of Y": float(Y.sum(dtype=np.float64)),
            "sum of sample_weight": -1.0 if sample_weight is None else float(sample_weight.sum()),
        }
        values = np.array(list(facts.values()), dtype=np.float64)
        extremes = np.concatenate([values, -values])  # max and min in one MAX reduction
        self._wait(
            self.comm.Iallreduce(self.MPI.IN_PLACE, extremes, op=self.MPI.MAX),
            "the check that all ranks hold the same data",
        )
        high, low = extremes[: len(values)], -extremes[len(values) :]
        differ = [
            name
            for name, hi, lo in zip(facts, high, low, strict=True)
            if not np.isclose(hi, lo, rtol=1e-9 if name.startswith("sum") else 0, atol=0)
        ]
        if differ:
            raise ValueError(
                f"the {self.size} ranks disagree on: {', '.join(differ)}; every rank must load "
                "the same data with the same settings"
            )
        flat = self._parameters  # the gradient buffer carries the weights, this once
        for l in range(1, net.L + 1):
            np.copyto(self._dW[l], net.W[l])
            np.copyto(self._db[l], net.b[l])
        self._wait(self.comm.Ibcast(flat, root=0), "the broadcast of rank 0's weights")
        for l in range(1, net.L + 1):
            np.copyto(net.W[l], self._dW[l])
            np.copyto(net.b[l], self._db[l])

    def _broadcast_seed(self, seed: int | None) -> int:
        """Rank 0's seed (a fresh random one when it is None), on every rank: the permutations
        of the examples must be the same everywhere."""
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**256:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        message = np.frombuffer(int(seed).to_bytes(32, "little"), dtype=np.uint8).copy()
        self._wait(self.comm.Ibcast(message, root=0), "the broadcast of the seed")
        return int.from_bytes(message.tobytes(), "little")

    def _allreduce(self, buffer: np.ndarray) -> None:
        """Sum ``buffer`` over the ranks, in place, within the time-out."""
        started = time.perf_counter()
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        self._wait(request, f"the gradient Allreduce of {self.step_name}")
        self.timings["allreduce"] += time.perf_counter() - started
        self.timings["steps"] += 1

    def _wait(self, request, what: str) -> None:
        """Complete a non-blocking collective, or abort the run after ``timeout`` seconds."""
        wait(self.comm, request, self.timeout, what)

    def _abort_on_error(self):
        """Let the errors that every rank raises at the same step through; abort on others."""
        allowed = (TrainingDiverged, TrainingInterrupted)
        return abort_on_error(self.comm, lambda: f"in {self.step_name}", allowed)


# ---------------------------------------------------------------------- throughput


def benchmark(
    batch_size: int,
    examples: int = 8192,
    epochs: int = 3,
    sizes=(784, 256, 128, 10),
    dtype: str = "float32",
) -> dict:
    """Examples per second of ``DistributedTrainer`` on MNIST-shaped random data (every rank
    calls it): one warm-up epoch, then ``epochs`` timed ones. With one rank, also the plain
    ``Trainer`` for comparison."""
    from ..core import Network
    from .optimizers import GradientDescent

    rng = np.random.default_rng(0)
    X = rng.random((sizes[0], examples), dtype=np.float64).astype(dtype)
    y = rng.integers(0, sizes[-1], examples)

    def rate(trainer_class, **extra) -> tuple[float, Trainer]:
        net = Network(sizes, seed=0, dtype=dtype)
        trainer = trainer_class(
            net, GradientDescent(0.01), epochs=1, batch_size=batch_size, seed=0, **extra
        )
        trainer.fit(X, y)  # warm-up: buffers, BLAS threads, first touch of the pages
        trainer.epochs += epochs
        started = time.perf_counter()
        trainer.fit(X, y)
        seconds = time.perf_counter() - started
        return epochs * examples / seconds, trainer

    result = {"ranks": None, "batch_size": batch_size, "dtype": dtype}
    per_second, trainer = rate(DistributedTrainer)
    steps = trainer.timings["steps"]
    result.update(
        ranks=trainer.size,
        examples_per_second=per_second,
        allreduce_ms=1e3 * trainer.timings["allreduce"] / max(steps, 1),
        parameters=trainer.network.n_parameters(),
    )
    if trainer.size == 1:
        result["plain_trainer_examples_per_second"] = rate(Trainer)[0]
    return result


def main(argv: list[str] | None = None) -> int:
    """``mpirun -n N python -m deltaprop.training.distributed --batch-size 128``: throughput."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[128, 1024])
    parser.add_argument("--examples", type=int, default=16384)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args(argv)
    for b in args.batch_size:
        result = benchmark(b, args.examples, args.epochs, dtype=args.dtype)
        if mpi_world().Get_rank() == 0:
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
