"""The ``deltaprop`` command line. Parses, prints, exits 0 (done), 1 (training or a gradient check
failed), 2 (bad input: one line on stderr, no traceback), 130/143 (interrupted; a checkpoint is
saved) or 141 (the reader of standard output went away, as in ``deltaprop ... | head``).
No mathematics here. Imported by nothing."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import reprlib
import shutil
import signal
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program killed by SIGPIPE

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.001, "adam": 0.001}


class UsageError(ValueError):
    """Bad command-line input (reported in one line, exit code 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is a UsageError, which ``main`` reports in one line on
    stderr (exit code 2)."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


#: Where MPI launchers announce a process's rank and their number: MPICH's Hydra (and Intel
#: MPI), Open MPI.
LAUNCHER_VARIABLES = (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"))


def launcher() -> tuple[int, int]:
    """(rank, number of processes) as an MPI launcher announced them in the environment; (0, 1)
    outside one. Known before MPI starts: ranks other than 0 keep quiet about bad arguments."""
    for rank, size in LAUNCHER_VARIABLES:
        if os.environ.get(rank, "").isdigit() and os.environ.get(size, "").isdigit():
            return int(os.environ[rank]), int(os.environ[size])
    return 0, 1


def asks_for_mpi(argv: list[str]) -> bool:
    """Whether the command line has --distributed (or an abbreviation argparse accepts)."""
    return any(a.startswith("--di") and "--distributed".startswith(a) for a in argv)


def first_line(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError) and error.filename:  # as the data readers say it
        return f"no such file: {error.filename}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` for the command line: one plain line, no source location (a user
    of the command did not write the code it points to)."""
    from .core import DeltapropWarning

    kind = "" if issubclass(category, DeltapropWarning) else f"{category.__name__}: "
    with contextlib.suppress(OSError):  # as warnings' own: a warning never stops the command
        print(f"deltaprop: warning: {kind}{message}", file=file or sys.stderr)


def check_output(option: str, path: str, folder: bool = False) -> None:
    """Fail before any work when ``path`` cannot be written: a file whose folder is missing or
    is a folder itself, or (``folder``) a folder that is a file."""
    p = Path(path)
    if folder:
        if p.exists() and not p.is_dir():
            raise UsageError(f"{option} {path} is a file; give a folder for the figures")
        return
    if p.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    if not p.resolve().parent.is_dir():
        raise UsageError(f"{option} {path}: folder {p.parent} does not exist")


# ---------------------------------------------------------------------- arguments


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def add_data_arguments(p: argparse.ArgumentParser, default: str | None) -> None:
    p.add_argument(
        "--data",
        default=default,
        help="a bundled data set (digits, iris, wine, breast_cancer; diabetes, for --regression), "
        "a synthetic one (moons, "
        "circles, spirals, blobs, xor), or a file/folder (CSV, NPZ, MNIST IDX folder)"
        + (f"; default {default}" if default else ""),
    )
    p.add_argument(
        "--label",
        help="CSV label column (the target with --regression), by name or index (default: the "
        "last)",
    )


def add_example_network_arguments(p: argparse.ArgumentParser) -> None:
    """The network and random examples that trace and gradcheck build: sizes, m, activations,
    loss and seed."""
    p.add_argument(
        "--sizes",
        type=positive_int,
        nargs="+",
        default=[3, 4, 3, 2],
        metavar="N",
        help="layer widths n_x n[1] ... n_y (default: the seed's 3 4 3 2)",
    )
    p.add_argument("--m", type=positive_int, default=5, help="number of examples (default 5)")
    p.add_argument("--hidden", default="relu", help="hidden activation (default relu)")
    p.add_argument("--output", default="softmax", help="output activation (default softmax)")
    p.add_argument("--loss", default=None, help="loss (default: matches the output)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the data")


def build_parser(train_defaults: dict | None = None) -> argparse.ArgumentParser:
    """The parser; ``train_defaults`` replace the defaults of train's options."""
    from .core.initialisation import INITIALISATIONS
    from .training.distributed import DEFAULT_TIMEOUT  # imports no MPI

    parser = OneLineParser(
        prog="deltaprop",
        description="Backpropagation for multi-layer perceptrons, written like the equations.",
    )
    parser.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    t = sub.add_parser(
        "train",
        help="train a classifier (default: the digits data set) or, with --regression, "
        "a regression network",
    )
    add_data_arguments(t, "digits")
    t.add_argument(
        "--regression",
        action="store_true",
        help="predict a real-valued target (the label column: diabetes, or a CSV or .npz file "
        "with numbers there) instead of a class: an identity output, the mean squared error, "
        "random splits, the target standardized on the training part; reports RMSE, MAE, R^2",
    )
    t.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[128, 64],
        metavar="N",
        help="hidden layer widths (default: 128 64)",
    )
    t.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    t.add_argument(
        "--output",
        default="softmax",
        help="output activation: softmax (default), or sigmoid (two classes); identity with "
        "--regression",
    )
    t.add_argument(
        "--init",
        choices=INITIALISATIONS,
        default=None,
        help="initial weights (default: he for layers of the ReLU family, glorot for others)",
    )
    t.add_argument(
        "--loss", default=None, help="loss (default: matches the output; mse with --regression)"
    )
    t.add_argument("--optimizer", default="adam", help="sgd, momentum, nesterov, rmsprop, adam")
    t.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate alpha (default: "
        + ", ".join(f"{lr:g} for {name}" for name, lr in DEFAULT_LR.items())
        + ")",
    )
    t.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="examples per mini-batch (default 32); --full-batch for the seed's GD",
    )
    t.add_argument("--full-batch", action="store_true", help="full-batch gradient descent")
    t.add_argument(
        "--epochs",
        "--iterations",
        dest="epochs",
        type=positive_int,
        default=40,
        help="passes over the training data (default 40)",
    )
    t.add_argument(
        "--l2",
        type=float,
        default=0.1,
        help="L2 penalty lambda: J + (lambda / 2m) sum of squared weights (default 0.1)",
    )
    t.add_argument(
        "--schedule",
        default="constant",
        help="constant, step, invscaling, cosine, plateau (default constant)",
    )
    t.add_argument("--clip-norm", type=float, default=None, help="clip the global gradient norm")
    t.add_argument(
        "--dropout",
        type=fraction,
        default=0.0,
        help="probability of dropping each hidden unit while training (default 0)",
    )
    t.add_argument(
        "--class-weight",
        choices=["balanced"],
        default=None,
        help="weigh the examples so that every class counts the same",
    )
    t.add_argument(
        "--sample-weight",
        metavar="COLUMN",
        help="CSV column (name or index) of per-example weights",
    )
    t.add_argument(
        "--validation",
        type=fraction,
        default=0.1,
        help="fraction of the training part held out for validation (default 0.1)",
    )
    t.add_argument(
        "--test",
        type=fraction,
        default=0.25,
        help="fraction held out for the final test, unless the data come with a test "
        "part (default 0.25)",
    )
    t.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="early stopping: epochs without improvement of the validation cost",
    )
    t.add_argument("--min-delta", type=float, default=0.0, help="early stopping: least gain")
    t.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="floating-point type of the weights and the data (default float32; float64 for "
        "checking numbers to many digits)",
    )
    t.add_argument(
        "--device",
        default="cpu",
        help="where to compute: cpu (numpy, the default) or cuda, cuda:N (PyTorch, or CuPy, "
        "through the Python array API)",
    )
    t.add_argument("--seed", type=int, default=0, help="seed for weights, split and shuffling")
    t.add_argument("--out", help="save the trained model here (.npz)")
    t.add_argument("--checkpoint", help="checkpoint file (.npz); also written on Ctrl-C")
    t.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        metavar="N",
        help="write the checkpoint every N epochs (default: only when interrupted)",
    )
    t.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue an interrupted run with its saved settings; only --out, --checkpoint, "
        "--checkpoint-every, --epochs (to train longer), --plots, --json, --quiet, --device, "
        "--distributed and --mpi-timeout may be given anew",
    )
    t.add_argument("--plots", metavar="DIR", help="write figures of the run into DIR (matplotlib)")
    t.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel training over MPI, under mpirun -n N: every rank trains on its shard "
        "of each mini-batch; rank 0 alone prints and writes files (see docs/distributed.md)",
    )
    t.add_argument(
        "--mpi-timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="with --distributed: how long a rank waits for the others before it declares one "
        f"dead and stops them all (default {DEFAULT_TIMEOUT:g})",
    )
    t.add_argument("--quiet", action="store_true", help="no progress display")
    t.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    if train_defaults:
        t.set_defaults(**train_defaults)

    e = sub.add_parser(
        "evaluate",
        help="accuracy, per-class scores, confusion matrix; RMSE, MAE, R^2 for a regression model",
    )
    e.add_argument("model", help="a model file written by train --out")
    add_data_arguments(e, None)
    e.add_argument(
        "--all",
        action="store_true",
        help="use all of the data (default: the test part when the data are the "
        "model's own training data set)",
    )
    e.add_argument("--json", action="store_true", help="print the results as JSON")

    p = sub.add_parser(
        "predict", help="predicted labels and class probabilities (or values) as CSV"
    )
    p.add_argument("model", help="a model file written by train --out")
    p.add_argument(
        "input",
        help="features: a CSV file (rows are examples; - for standard input) or an .npz with X",
    )
    p.add_argument("--out", help="write the CSV here instead of standard output")

    pl = sub.add_parser(
        "plot",
        help="learning curves, weights, dead units, confusion matrix (predicted against true "
        "values for a regression model)",
    )
    pl.add_argument(
        "run",
        metavar="MODEL_OR_HISTORY",
        help="a model file (.npz, from train --out) or a history (.json)",
    )
    pl.add_argument("--out", default="plots", help="folder for the figures (default: plots)")
    pl.add_argument(
        "--format",
        choices=["png", "pdf"],
        default="png",
        help="file type of the figures (default png)",
    )
    pl.add_argument(
        "--data",
        help="data for the confusion matrix and decision boundary, or the predicted-against-true "
        "scatter (default: the test part of the model's own data set)",
    )

    tr = sub.add_parser("trace", help="every shape and operation of one forward/backward pass")
    add_example_network_arguments(tr)
    tr.add_argument("--values", action="store_true", help="also print every matrix")
    form = tr.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="JSON records for machines")
    form.add_argument("--latex", action="store_true", help="a LaTeX table for the report")

    gc = sub.add_parser(
        "gradcheck", help="check a network's backward pass against finite differences"
    )
    add_example_network_arguments(gc)
    gc.add_argument("--l2", type=float, default=0.0, help="L2 penalty lambda (default 0)")
    gc.add_argument(
        "--dropout", type=fraction, default=0.0, help="check under a fixed dropout mask with this p"
    )
    gc.add_argument("--sample-weights", action="store_true", help="random example weights (eq. J2)")
    gc.add_argument(
        "--eps", type=positive_float, default=1e-6, help="step of the differences (default 1e-6)"
    )
    gc.add_argument(
        "--max-per-array",
        type=positive_int,
        default=None,
        metavar="K",
        help="check K random entries of each W[l] and b[l] (default: all; for big networks)",
    )
    gc.add_argument("--json", action="store_true", help="the result as JSON")

    er = sub.add_parser("errata", help="the seed's mistakes: each equation checked with numbers")
    er.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="entries to show in full, e.g. E8 E14 (default: the table of every entry)",
    )
    form = er.add_mutually_exclusive_group()
    form.add_argument("--all", action="store_true", help="every entry in full")
    form.add_argument("--json", action="store_true", help="every entry as a JSON record")

    r = sub.add_parser("report", help="build the LaTeX report (derivation, errata, results)")
    r.add_argument(
        "--out",
        default="deltaprop-report.pdf",
        help="the PDF to write (default deltaprop-report.pdf)",
    )
    r.add_argument("--quick", action="store_true", help="shorter training runs (for a draft)")
    r.add_argument(
        "--tex-only",
        metavar="DIR",
        help="only write the LaTeX sources, fragments and figures into DIR",
    )

    return parser


# ---------------------------------------------------------------------- train


#: The settings of a run, saved in checkpoints (so --resume can rebuild it) and in model files.
RUN_KEYS = (
    "data",
    "label",
    "regression",
    "hidden",
    "activation",
    "output",
    "init",
    "loss",
    "optimizer",
    "lr",
    "batch_size",
    "full_batch",
    "epochs",
    "l2",
    "schedule",
    "clip_norm",
    "dropout",
    "class_weight",
    "sample_weight",
    "validation",
    "test",
    "patience",
    "min_delta",
    "dtype",
    "seed",
    "out",
    "checkpoint",
    "checkpoint_every",
)


#: The settings a resumed run may change without changing its steps: where it writes, and how
#: many epochs it trains (except under a cosine schedule, whose period is the number of epochs).
CHANGEABLE_ON_RESUME = ("out", "checkpoint", "checkpoint_every", "epochs")

#: The default of an option, in the parse that finds which options the command line gives.
NOT_GIVEN = object()


def given_options(argv: list[str], dests) -> set[str]:
    """The train options that ``argv`` gives itself (argparse's defaults do not count): the same
    parse with every default replaced by a marker that only an absent option keeps."""
    defaults = {dest: NOT_GIVEN for dest in dests if dest != "command"}
    marked = build_parser(defaults).parse_args(argv)
    return {dest for dest, value in vars(marked).items() if value is not NOT_GIVEN}


def resume_settings(args) -> tuple:
    """Load ``args.resume`` and put its run's settings into ``args``: the saved ones, except those
    in CHANGEABLE_ON_RESUME that the command line gives. A setting the command line gives that
    differs from the saved one is a UsageError: the run would not continue, it would change.
    Returns what io.load_checkpoint returns."""
    from . import io
    from .training.loop import check_trainer_state

    resumed = io.load_checkpoint(args.resume)
    with trainer_state_of(args.resume):  # read below, before a trainer restores it
        check_trainer_state(resumed[1], resumed[2])
    saved, given = saved_settings(resumed[3], args.resume), getattr(args, "given", set())
    changeable = set(CHANGEABLE_ON_RESUME)
    if saved.get("schedule") == "cosine":
        changeable.discard("epochs")
    conflicts = []
    for key, value in saved.items():
        if key in given and key in changeable:
            continue  # the new value
        if key in given and _effective(key, getattr(args, key), args) != _effective(
            key, value, SimpleNamespace(**saved)
        ):
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            if value is None:
                shown = _effective(key, value, SimpleNamespace(**saved)) or "the default"
            conflicts.append(f"--{key.replace('_', '-')} cannot be changed (saved: {shown})")
        setattr(args, key, value)
    if conflicts:
        raise UsageError(f"--resume continues the saved run; {', '.join(conflicts)}")
    if "checkpoint" not in given:  # keep the checkpoint resumed from up to date
        args.checkpoint = args.resume
    return resumed


@contextlib.contextmanager
def trainer_state_of(path: str):
    """A ValueError about a checkpoint's trainer state becomes a UsageError naming the file."""
    try:
        yield
    except ValueError as e:
        raise UsageError(f"{path}: {first_line(e)}") from None


def saved_settings(settings: dict, source: str) -> dict:
    """The train settings a checkpoint saved for its run, checked as the command line checks
    them (by parsing them as one): each must be one of RUN_KEYS, with a value its option
    accepts. Returns them as parsed."""
    defaults = vars(build_parser().parse_args(["train"]))
    argv = ["train"]
    for key, value in settings.items():
        argv += _as_options(source, key, value, defaults.get(key))
    try:
        parsed = vars(build_parser().parse_args(argv))
    except UsageError as e:
        reason = str(e).rsplit(" (see ", 1)[0]
        raise UsageError(f"{source}: a saved setting is invalid: {reason}") from None
    return {key: parsed[key] for key in settings}


def _as_options(source: str, key: str, value, default) -> list[str]:
    """The command-line options that give the saved setting ``key`` its ``value``."""
    if key not in RUN_KEYS:
        raise UsageError(f"{source}: unknown saved setting {key!r}")
    option = "--" + key.replace("_", "-")
    if value is None:
        if default is not None:
            raise UsageError(f"{source}: the saved setting {key} is null; {option} needs a value")
        return []
    if isinstance(default, bool):  # a flag
        if not isinstance(value, bool):
            raise UsageError(f"{source}: the saved setting {key} is {value!r}, not true or false")
        return [option] if value else []
    values = value if isinstance(default, list) and isinstance(value, list) else [value]
    if (
        not values
        or not all(isinstance(v, (str, int, float)) for v in values)
        or any(isinstance(v, bool) for v in values)
    ):
        shown = reprlib.repr(value)
        raise UsageError(f"{source}: the saved setting {key} is {shown}, not a value of {option}")
    if isinstance(default, list):
        return [option, *map(str, values)]
    return [f"{option}={value}"]


def _effective(key: str, value, settings):
    """A setting as the run uses it: the data's resolved path, the optimizer's default rate."""
    if key == "data":
        from .experiment import recorded_data

        return recorded_data(value)
    if key == "lr" and value is None:
        return DEFAULT_LR.get(settings.optimizer, 0.01)
    if isinstance(value, tuple):
        return list(value)
    return value


def finished_message(args, scalars: dict) -> str | None:
    """Why a resumed run has nothing left to do (it ran all its epochs or stopped early), or
    None. A run stopped inside an epoch cannot end before that epoch: a UsageError."""
    epoch = scalars["epoch"]
    if scalars["batch"] > 0 and args.epochs <= epoch:
        raise UsageError(
            f"--epochs {args.epochs}: {args.resume} stopped inside epoch {epoch + 1}, after "
            f"{epoch} complete epochs; give --epochs {epoch + 1} or more to finish it"
        )
    stopped = scalars.get("callbacks", {}).get("EarlyStopping", {}).get("stopped_epoch")
    if stopped is not None:
        return (
            f"{args.resume}: the run is finished (stopped early at epoch {stopped}: no "
            f"improvement in {args.patience} epochs); nothing to resume"
        )
    if scalars["batch"] == 0 and epoch >= args.epochs:
        longer = (
            ""
            if args.schedule == "cosine"
            else f"; to train longer, give --epochs N with N > {epoch}"
        )
        return f"{args.resume}: the run is finished (epoch {epoch} of {epoch}){longer}"
    return None


class Reported(Exception):
    """Stop with exit code ``code``: the message has been printed already, by this process or,
    under MPI, by another rank."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


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


def mpi_world(distributed: bool):
    """MPI.COMM_WORLD for a ``--distributed`` run (None otherwise), after checking that MPI sees
    every process the launcher started: with the mpiexec of another MPI, each would be rank 0 of
    1, train alone and write the same files."""
    rank, started = launcher()
    if not distributed:
        if started > 1 and rank == 0:
            print(
                f"deltaprop: warning: started as one of {started} MPI processes without "
                "--distributed: each trains alone and writes the same files",
                file=sys.stderr,
            )
        return None
    from .training.distributed import mpi_world

    comm = mpi_world()  # or an ImportError that says how to install mpi4py and an MPI
    if comm.Get_size() == 1 < started:
        raise UsageError(
            f"the launcher started {started} processes but MPI sees 1: it is not the mpiexec of "
            "the MPI that mpi4py uses (with the mpich wheel, run the mpiexec installed beside "
            "this Python)"
        )
    return comm


def set_up(args, root: bool, comm) -> SimpleNamespace:
    """``prepare_run``; under MPI every rank does it, and an error on any rank stops them all,
    reported once, by the lowest rank that met it (rank 0 when every rank did)."""
    if comm is None:
        return prepare_run(args, root)
    from .training.distributed import abort_on_error, first_failure

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


def output_units(output: str, n_classes: int) -> int:
    """n[L] for a classifier of ``n_classes`` classes: one unit per class, except a sigmoid
    output, which is one unit: the probability of the second class."""
    if output != "sigmoid":
        return n_classes
    if n_classes != 2:
        raise UsageError(
            f"--output sigmoid is one unit for two classes; the data have {n_classes} classes: "
            "use --output softmax"
        )
    return 1


#: Outputs whose units are class scores: a regression network cannot have them.
CLASSIFIER_OUTPUTS = ("softmax", "sigmoid")


def choose_task(args) -> None:
    """Check the options against the task, before any data are loaded. ``--regression`` makes
    the output identity and the loss mse unless the command line gives them; an output of
    class scores or class weights with it are a UsageError."""
    if not args.regression:
        return
    if "output" not in getattr(args, "given", set()) and not args.resume:
        args.output = "identity"
    if args.output in CLASSIFIER_OUTPUTS:
        raise UsageError(
            f"--output {args.output} gives class scores; --regression predicts values (leave "
            "--output out for identity)"
        )
    if args.class_weight:
        raise UsageError(
            f"--class-weight {args.class_weight} weighs classes, and --regression has none "
            "(--sample-weight weighs examples)"
        )
    if args.loss not in (None, "mse"):
        raise UsageError(
            f"--loss {args.loss} is a classifier's; --regression trains with --loss mse"
        )
    args.loss = "mse"


def check_network_task(args, net) -> None:
    """A UsageError when the network built without --regression is not a classifier (with it,
    ``choose_task`` has made it a regression network)."""
    if not args.regression and not net.is_classifier:
        raise UsageError(
            f"--output {args.output} with --loss {net.loss_name} makes a regression network: "
            "add --regression to train one, or use --output softmax (the default), or sigmoid "
            "for two classes"
        )


def prepare_run(args, root: bool) -> SimpleNamespace:
    """Everything a run needs before training: the checkpoint to resume, the data, the network,
    the model, the optimizer and schedule, the example weights. Raises ValueError or OSError on
    bad input. ``root``: the process that writes files checks its output folders."""
    from .core import Network
    from .experiment import encoder_for, prepare_data, recorded_data
    from .model import Model
    from .training import make_optimizer, make_schedule
    from .training.weights import class_sample_weights

    resumed = None
    if args.resume:
        resumed = resume_settings(args)
        finished = finished_message(args, resumed[1])
        if finished is not None:
            return SimpleNamespace(finished=finished)
    else:
        args.data = recorded_data(args.data)
    for option, path in (("--out", args.out), ("--checkpoint", args.checkpoint)):
        if root and path:  # fail before training
            check_output(option, path)
    if root and args.plots:
        check_output("--plots", args.plots, folder=True)
    choose_task(args)
    dtype = np.dtype(args.dtype)
    parts = prepare_data(
        args.data,
        label=args.label,
        weight=args.sample_weight,
        test=args.test,
        validation=args.validation,
        seed=args.seed,
        dtype=dtype,
        encoder=None if resumed is None or args.regression else encoder_for(resumed[0].classes),
        preprocessor=None if resumed is None else resumed[0].preprocessor,
        regression=args.regression,
        target_scaler=None if resumed is None else resumed[0].target_scaler,
    )
    classes = None if args.regression else parts.encoder.classes_
    if classes is not None and len(classes) < 2:
        raise UsageError(f"the data have a single class ({classes[0]!r}); nothing to learn")
    n_y = 1 if classes is None else output_units(args.output, len(classes))
    sizes = [parts.X_train.shape[0], *args.hidden, n_y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if resumed or not root else "default")
        net = Network(
            sizes,
            hidden=args.activation,
            output=args.output,
            loss=args.loss,
            init=args.init,
            seed=args.seed,
            dtype=dtype,
            device=args.device,
        )
    check_network_task(args, net)
    if resumed is not None:
        net.load_parameters(dict(resumed[0].network.parameters()))
    lr = args.lr if args.lr is not None else DEFAULT_LR.get(args.optimizer, 0.01)
    info = {
        "data": args.data,
        "label": args.label,
        "description": parts.description,
        "settings": {k: getattr(args, k) for k in RUN_KEYS},
    }
    if args.regression:  # what predict names its column
        info["target"] = parts.target_name
    sample_weight = parts.w_train
    if args.class_weight:  # (eq. J2) every class carries the same total weight
        balanced = class_sample_weights(parts.y_train, args.class_weight, sample_weight)
        sample_weight = balanced if sample_weight is None else sample_weight * balanced
    return SimpleNamespace(
        finished=None,
        resumed=resumed,
        parts=parts,
        sizes=sizes,
        classes=classes,
        net=net,
        model=Model(net, classes, parts.preprocessor, info, parts.target_scaler),
        optimizer=make_optimizer(args.optimizer, lr=lr, clip_norm=args.clip_norm),
        schedule=make_schedule(args.schedule, lr, epochs=args.epochs),
        sample_weight=sample_weight,
        show=sys.stderr if args.json else sys.stdout,
    )


def make_trainer(args, run: SimpleNamespace, root: bool, comm):
    """The Trainer (a DistributedTrainer under MPI) with its callbacks, resumed if asked. The
    callbacks that print or write files go to rank 0 alone; EarlyStopping, which changes the
    training, to every rank, so that all stop together."""
    from .training import EarlyStopping, Trainer, make_progress
    from .training.checkpoint import Checkpoint
    from .training.diagnostics import Diagnostics

    callbacks = []
    if root and not args.quiet:
        callbacks.append(make_progress(args.epochs, run.show))
    if root:
        callbacks.append(Diagnostics(warn=False, stream=sys.stderr))  # dead units, vanishing, ...
    if args.patience:
        callbacks.append(EarlyStopping(patience=args.patience, min_delta=args.min_delta))
    if root:
        settings = {k: getattr(args, k) for k in RUN_KEYS}
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
        from .training.distributed import DistributedTrainer

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


def fit(trainer, run: SimpleNamespace, comm):
    """``trainer.fit`` with SIGINT and SIGTERM turned into a checkpoint and exit code 130/143;
    a diverged run exits 1. Under MPI every rank stops after the same step; rank 0 reports."""
    from .training import TrainingDiverged, TrainingInterrupted

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


def finish(args, run: SimpleNamespace, history, comm) -> None:
    """After training (the process that writes files): test metrics, model file, figures,
    and the summary."""
    from . import io

    parts, model, show = run.parts, run.model, run.show
    model.info["metrics"] = run_metrics(args, run, history)
    model.info["history"] = history.to_dict()
    if args.out:
        io.save(model, args.out)
    if args.plots:
        from .explain.plots import plot_all

        skipped = []
        written = plot_all(
            args.plots,
            history=history,
            model=model,
            data=(parts.X_test, parts.y_test),
            skipped=skipped,
        )
        print(f"{len(written)} figures written to {args.plots}", file=show)
        tell_skipped(skipped)
    if args.json:
        summary = {
            **model.info["metrics"],
            "model": args.out,
            "train_examples": parts.X_train.shape[1],
            "test_examples": parts.X_test.shape[1],
        }
        if run.classes is not None:
            summary["classes"] = len(run.classes)
        print(json.dumps(summary))
        return
    n = 0 if comm is None else comm.Get_size()
    ranks = f", {n} MPI rank{'s' * (n > 1)}" if n else ""
    print(f"data: {parts.description}")
    print(
        f"network: {' -> '.join(map(str, run.sizes))} ({args.activation} hidden, "
        f"{args.output} output), {args.optimizer}, {len(history)} epochs{ranks}"
    )
    print(results_line(model.info["metrics"], parts.X_test.shape[1]))
    if args.out:
        print(f"model saved to {args.out}")


def run_metrics(args, run: SimpleNamespace, history) -> dict:
    """The run's results for the model file and --json: test accuracy, or for regression test
    RMSE, MAE and R^2 in the target's units; the epochs and the last epoch's costs."""
    from .core.arrays import to_numpy
    from .metrics import regression_scores

    parts, last = run.parts, history.last()
    if args.regression:
        scores = regression_scores(parts.y_test, run.model.predict_columns(parts.X_test))
        metrics = {f"test_{name}": value for name, value in scores.items()}
        return {
            **metrics,
            "epochs": len(history),
            "train_cost": last["cost"],
            "val_cost": last["val_cost"],
        }
    predicted = to_numpy(run.net.predict(parts.X_test))
    return {
        "test_accuracy": float(np.mean(predicted == parts.y_test)),
        "epochs": len(history),
        "train_cost": last["cost"],
        "val_accuracy": last["val_accuracy"],
    }


def results_line(metrics: dict, m_test: int) -> str:
    """The line that reports the test results."""
    if "test_accuracy" in metrics:
        return f"test accuracy: {metrics['test_accuracy']:.4f} ({m_test} examples)"
    return (
        f"test RMSE: {metrics['test_rmse']:.4g}, MAE: {metrics['test_mae']:.4g}, "
        f"R^2: {metrics['test_r2']:.4f} ({m_test} examples, in the target's units)"
    )


def _default_checkpoint(out: str | None) -> str:
    return f"{out}.checkpoint.npz" if out else "deltaprop-checkpoint.npz"


# ---------------------------------------------------------------------- evaluate, predict


def cmd_evaluate(args) -> int:
    from . import io
    from .experiment import (
        encoder_for,
        load_dataset,
        model_test_part,
        names_trained_data,
        trained_data,
    )
    from .metrics import accuracy, confusion_matrix, per_class_scores

    model = io.load(args.model)
    net = model.network
    if not net.is_classifier:
        return evaluate_regression(args, model)
    if model.classes is None or (net.output == "sigmoid" and net.n_y > 1):
        raise UsageError(
            f"{args.model} is not a single-label classifier or a regression model; evaluate "
            "reports class metrics or those of one target"
        )
    settings = model.info.get("settings", {})
    spec = args.data or trained_data(model)
    if spec is None:
        raise UsageError("give the data to evaluate on with --data")
    own_data = names_trained_data(model, spec) and not args.all and settings
    if own_data:  # the same held-out test part as in training
        X, y_true = model_test_part(model, args.label)
        which = "test part"
    else:
        ds = load_dataset(spec, args.label)
        X, y_true, which = model.columns(ds.X), encoder_for(model.classes).transform(ds.y), "all"
    y_pred = model.network.predict(X)
    k = len(model.classes)
    C = confusion_matrix(y_true, y_pred, k)
    scores = per_class_scores(C)
    acc = accuracy(y_true, y_pred)
    names = [str(c) for c in model.classes]
    if args.json:
        print(
            json.dumps(
                {
                    "accuracy": acc,
                    "examples": int(len(y_true)),
                    "classes": names,
                    "precision": scores["precision"].tolist(),
                    "recall": scores["recall"].tolist(),
                    "f1": scores["f1"].tolist(),
                    "confusion_matrix": C.tolist(),
                }
            )
        )
        return EXIT_OK
    print(f"data: {spec} ({which}, {len(y_true)} examples)")
    print(f"accuracy: {acc:.4f}")
    width = max(len("class"), *(len(n) for n in names))
    print(f"\n{'class':>{width}}  precision  recall      f1  support")
    for i, n in enumerate(names):
        print(
            f"{n:>{width}}  {scores['precision'][i]:9.4f}  {scores['recall'][i]:6.4f}  "
            f"{scores['f1'][i]:6.4f}  {int(scores['support'][i]):7d}"
        )
    cell = max(len(str(C.max())), *(len(n) for n in names))
    print("\nconfusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "  " + " ".join(f"{n:>{cell}}" for n in names))
    for i, n in enumerate(names):
        print(f"{n:>{width}}  " + " ".join(f"{v:>{cell}d}" for v in C[i]))
    return EXIT_OK


def evaluate_regression(args, model) -> int:
    """``evaluate`` for a regression model of one target: RMSE, MAE and R^2 in the target's
    units, on the test part of its own data or on all of other data (their label column)."""
    from .data import numeric_targets
    from .experiment import load_dataset, model_test_part, names_trained_data, trained_data
    from .metrics import regression_scores

    if model.network.n_y != 1:
        raise UsageError(
            f"{args.model} predicts {model.network.n_y} values; evaluate reports the metrics "
            "of one target"
        )
    settings = model.info.get("settings", {})
    spec = args.data or trained_data(model)
    if spec is None:
        raise UsageError("give the data to evaluate on with --data")
    own_data = names_trained_data(model, spec) and not args.all and settings
    if own_data and settings.get("regression"):  # the same held-out test part as in training
        X, y_true = model_test_part(model, args.label)
        y_pred, which = model.predict_columns(X), "test part"
    else:
        ds = load_dataset(spec, args.label)
        y_true, y_pred, which = numeric_targets(ds), model.predict(ds.X), "all"
    scores = regression_scores(y_true, y_pred)
    if args.json:
        print(json.dumps({**scores, "examples": int(len(y_true)), "target": target_name(model)}))
        return EXIT_OK
    print(f"data: {spec} ({which}, {len(y_true)} examples)")
    print(f"target: {target_name(model)}")
    print(f"RMSE: {scores['rmse']:.4g}")
    print(f"MAE: {scores['mae']:.4g}")
    print(f"R^2: {scores['r2']:.4f}")
    return EXIT_OK


def target_name(model) -> str:
    """The name of a regression model's target, as its file records it, or "prediction"."""
    name = model.info.get("target")
    return name if isinstance(name, str) and name else "prediction"


def read_features(path: str, n_features: int) -> np.ndarray:
    """Rows of features from a CSV (optionally with one extra label column, dropped) or .npz."""
    from . import data

    if path == "-":  # standard input, read once
        from .data.csvfile import InMemoryFile

        path = InMemoryFile(sys.stdin.buffer.read(), "standard input")
    elif path.endswith(".npz"):
        return data.read_npz_features(path)
    return data.read_features(path, n_features)


def cmd_predict(args) -> int:
    import csv
    import io as textio

    from . import io

    if args.out:
        check_output("--out", args.out)
    model = io.load(args.model)
    X_rows = read_features(args.input, model.n_features)
    buffer = textio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if model.network.is_classifier and model.classes is not None:
        labels = model.predict(X_rows)
        P = model.predict_proba(X_rows)
        writer.writerow(["prediction", *(f"p_{c}" for c in model.classes)])
        for label, row in zip(labels, P, strict=True):
            writer.writerow([label, *(f"{p:.6g}" for p in row)])
    else:
        values = model.predict(X_rows)
        n_y = values.shape[1]
        writer.writerow([target_name(model)] if n_y == 1 else [f"y{k}" for k in range(n_y)])
        writer.writerows([[f"{v:.6g}" for v in row] for row in values])
    if args.out:
        io.write_text_atomic(args.out, buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return EXIT_OK


def cmd_trace(args) -> int:
    from .explain.render import run_trace

    fmt = "json" if args.json else "latex" if args.latex else "table"
    # inf and nan (log 0 under a ReLU output, ...) show in the trace itself; the warning about
    # such a choice comes from the network
    with np.errstate(all="ignore"):
        text = run_trace(
            args.sizes, args.m, args.hidden, args.output, args.seed, args.values, fmt, args.loss
        )
    print(text)
    return EXIT_OK


def cmd_gradcheck(args) -> int:
    from .explain.check import gradcheck_json, gradcheck_text, run_gradcheck

    with np.errstate(all="ignore"):  # a NaN cost (log 0 under a ReLU output) shows as FAILED
        run = run_gradcheck(
            args.sizes,
            args.m,
            args.hidden,
            args.output,
            args.loss,
            args.l2,
            args.dropout,
            args.sample_weights,
            args.seed,
            args.eps,
            args.max_per_array,
        )
    print(gradcheck_json(run) if args.json else gradcheck_text(run))
    return EXIT_OK if run.passed else EXIT_FAILED


def cmd_errata(args) -> int:
    from .report.errata import (
        errata_entry,
        errata_json,
        errata_legend,
        errata_records,
        errata_summary,
    )

    width = min(shutil.get_terminal_size().columns, 100)
    records = errata_records()
    by_id = {r.id.upper(): r for r in records}
    unknown = [i for i in args.ids if i.upper() not in by_id]
    if unknown:
        raise UsageError(
            f"no erratum {', '.join(unknown)}; the entries are {records[0].id} to {records[-1].id}"
        )
    if args.json:
        print(errata_json([by_id[i.upper()] for i in args.ids] or records))
    elif args.ids or args.all:
        chosen = [by_id[i.upper()] for i in args.ids] or records
        print("\n\n".join(errata_entry(r, width) for r in chosen))
    else:
        print(errata_summary(records, width))
        print()
        print(errata_legend(width))
        print()
        print("deltaprop errata E8 shows an entry in full: the seed's form, the correct one, why.")
    return EXIT_OK


def cmd_plot(args) -> int:
    from .explain.plots import plot_command

    check_output("--out", args.out, folder=True)
    skipped = []
    for path in plot_command(args.run, args.out, args.format, args.data, skipped):
        print(path)
    tell_skipped(skipped)
    return EXIT_OK


def tell_skipped(skipped) -> None:
    for name, why in skipped:
        print(f"deltaprop: {name} not drawn: {why}", file=sys.stderr)


def cmd_report(args) -> int:
    from .report.build import build

    result = build(out=args.out, quick=args.quick, tex_only=args.tex_only)
    if result.pdf is None:
        print(f"report sources written to {result.folder} (compile with: latexmk -pdf report.tex)")
        return EXIT_OK
    for warning in result.warnings:
        print(f"deltaprop: LaTeX: {warning}", file=sys.stderr)
    print(f"report written to {result.pdf}")
    return EXIT_OK


# ---------------------------------------------------------------------- main

COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "report": cmd_report,
    "trace": cmd_trace,
    "gradcheck": cmd_gradcheck,
    "errata": cmd_errata,
    "plot": cmd_plot,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Under mpirun every rank parses the same arguments and meets the same errors: rank 0 tells.
    speaker = not asks_for_mpi(argv) or launcher()[0] == 0
    previous, warnings.showwarning = warnings.showwarning, show_warning
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            args.given = given_options(argv, vars(args))
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit, where it could not be caught
        return code
    except Reported as e:  # already told
        return e.code
    except BrokenPipeError:
        # Whoever read standard output has gone (| head): stop quietly. Standard output goes to
        # devnull, so that Python's flush at exit meets no pipe (see the Python docs, "Note on
        # SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except MemoryError as e:  # numpy's says how much it wanted for which shape
        if speaker:
            print(f"deltaprop: error: not enough memory: {first_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, ImportError) as e:  # bad input, a missing optional package
        if speaker:
            print(f"deltaprop: error: {first_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":
    raise SystemExit(main())
