"""``deltaprop train``: every rank prepares the run and trains, Ctrl-C and SIGTERM become a
checkpoint, and rank 0 alone reports."""

from __future__ import annotations

import signal
import sys
import warnings
from types import SimpleNamespace

from .errors import EXIT_FAILED, EXIT_OK, EXIT_SIGNAL, EXIT_USAGE, Reported, UsageError, first_line
from .mpi import mpi_world
from .prepare import prepare_run
from .results import finish
from .resume import run_settings, trainer_state_of


def cmd_train(args) -> int:
    """Train; with ``--distributed``, as one of the N ranks that ``mpirun -n N`` started, each
    running this same command: rank 0 alone prints and writes files."""
    if args.distributed and args.device != "cpu":
        raise UsageError(
            f"--distributed trains with numpy on the CPU; --device {args.device} cannot be used "
            "with it"
        )
    try:
        return train(args)
    except MemoryError as e:
        hidden = " ".join(map(str, args.hidden))
        raise MemoryError(
            f"{first_line(e)} (--hidden {hidden}: smaller layers or a smaller --batch-size "
            "need less)"
        ) from None


def train(args) -> int:
    comm = mpi_world(args.distributed)
    root = comm is None or comm.Get_rank() == 0
    with warnings.catch_warnings():
        if not root:
            warnings.simplefilter("ignore")  # rank 0's warnings are the same and speak for all
        run = set_up(args, root, comm)
        if run.finished:
            if root:
                print(f"deltaprop: {run.finished}", file=sys.stderr)
            return EXIT_OK
        try:
            trainer = make_trainer(args, run, root, comm)
            history = fit(trainer, run, comm)
        except (ValueError, OSError):  # met by every rank alike (the ranks' data differ, ...)
            if root:
                raise
            raise Reported(EXIT_USAGE) from None
    if root:
        finish(args, run, history, comm)
    return EXIT_OK


def set_up(args, root: bool, comm) -> SimpleNamespace:
    """``prepare_run``; under MPI every rank does it, and an error on any rank stops them all,
    reported once, by the lowest rank that met it (rank 0 when every rank did)."""
    if comm is None:
        return prepare_run(args, root)
    from ..training.distributed import abort_on_error, first_failure

    try:
        with abort_on_error(comm, lambda: "while loading", allowed=(ValueError, OSError)):
            run, error = prepare_run(args, root), None
    except (ValueError, OSError) as e:
        run, error = None, e
    failed = first_failure(comm, error is not None, args.mpi_timeout)
    if failed == comm.Get_rank():
        print(f"deltaprop: error: {first_line(error)}", file=sys.stderr)
    if failed is not None:
        raise Reported(EXIT_USAGE)
    return run


def make_trainer(args, run: SimpleNamespace, root: bool, comm):
    """The Trainer (a DistributedTrainer under MPI) with its callbacks, resumed if asked. The
    callbacks that print or write files go to rank 0 alone; EarlyStopping, which changes the
    training, to every rank, so that all stop together."""
    from ..training import EarlyStopping, Trainer, make_progress
    from ..training.checkpoint import Checkpoint
    from ..training.diagnostics import Diagnostics

    callbacks = []
    if root and not args.quiet:
        callbacks.append(make_progress(args.epochs, run.show))
    if root:
        callbacks.append(Diagnostics(warn=False, stream=sys.stderr))  # dead units, vanishing, ...
    if args.patience:
        callbacks.append(EarlyStopping(patience=args.patience, min_delta=args.min_delta))
    if root:
        settings = run_settings(args)
        settings["checkpoint"] = args.checkpoint or _default_checkpoint(args.out)
        # A run that keeps a checkpoint leaves it at its end, so that resuming it finds the run
        # finished rather than retraining from the last interruption.
        at_end = bool(args.checkpoint) or args.checkpoint_every > 0
        callbacks.append(
            Checkpoint(settings["checkpoint"], run.model, args.checkpoint_every, settings, at_end)
        )
    options = {
        "epochs": args.epochs,
        "batch_size": None if args.full_batch else args.batch_size,
        "l2": args.l2,
        "dropout": args.dropout,
        "schedule": run.schedule,
        "seed": args.seed,
        "callbacks": callbacks,
    }
    if comm is None:
        trainer = Trainer(run.net, run.optimizer, **options)
    else:
        from ..training.distributed import DistributedTrainer

        trainer = DistributedTrainer(
            run.net, run.optimizer, comm=comm, timeout=args.mpi_timeout, **options
        )
    if run.resumed is not None:
        with trainer_state_of(args.resume):
            trainer.load_state_dict(run.resumed[1], run.resumed[2])
        if root:
            print(
                f"resuming {args.resume} at epoch {trainer.epoch + 1}, step {trainer.batch + 1}",
                file=run.show,
            )
    return trainer


def _default_checkpoint(out: str | None) -> str:
    return f"{out}.checkpoint.npz" if out else "deltaprop-checkpoint.npz"


def fit(trainer, run: SimpleNamespace, comm):
    """``trainer.fit`` with SIGINT and SIGTERM turned into a checkpoint and exit code 130/143;
    a diverged run exits 1. Under MPI every rank stops after the same step; rank 0 reports."""
    from ..training import TrainingDiverged, TrainingInterrupted

    root = comm is None or comm.Get_rank() == 0
    again = "deltaprop train"
    if comm is not None and comm.Get_size() > 1:
        again = f"mpiexec -n {comm.Get_size()} deltaprop train --distributed"

    received = []

    def on_signal(signum, frame):
        received.append(signum)
        trainer.request_interrupt(f"interrupted by {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, on_signal) for s in EXIT_SIGNAL}
    parts = run.parts
    validation = (parts.X_val, parts.y_val) if parts.X_val is not None else None
    try:
        return trainer.fit(
            parts.X_train, parts.y_train, validation=validation, sample_weight=run.sample_weight
        )
    except TrainingInterrupted as e:
        if root:
            print(
                f"deltaprop: {e}; continue with: {again} --resume {e.checkpoint}",
                file=sys.stderr,
            )
        # a rank stopped by another rank's signal exits as if it had received SIGINT
        raise Reported(EXIT_SIGNAL[received[-1] if received else signal.SIGINT]) from None
    except TrainingDiverged as e:
        if root:
            print(f"deltaprop: {e}", file=sys.stderr)
        raise Reported(EXIT_FAILED) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
