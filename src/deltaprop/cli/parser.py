"""The options of every command: ``build_parser``, the groups of options that commands share,
and each optimizer's default learning rate."""

from __future__ import annotations

import argparse

from .. import __version__
from .errors import UsageError
from .option_types import (
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.001, "adam": 0.001}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is a UsageError, which ``main`` reports in one line on
    stderr (exit code 2)."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


class ColumnsAction(argparse.Action):
    """``--label COLUMN [COLUMN ...]``: one column is kept as its text, as it always was (so a
    run's settings record it the same way); several, as a list."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values[0] if len(values) == 1 else list(values))


def model_after_label(args) -> None:
    """``evaluate``'s model when the command line gives it after ``--label`` (which took it as
    one more column): the last of those values; none at all is the usage error argparse gives
    for a missing argument."""
    if args.model is not None:
        return
    if not isinstance(args.label, list):
        raise UsageError(
            "the following arguments are required: model (see deltaprop evaluate --help)"
        )
    *columns, args.model = args.label
    args.label = columns[0] if len(columns) == 1 else columns


def add_data_arguments(p, default: str | None) -> None:
    """--data and --label, on a parser or on one of its groups of options."""
    p.add_argument(
        "--data",
        default=default,
        help="a bundled data set (digits, iris, wine, breast_cancer; diabetes, linnerud for "
        "--regression), "
        "a synthetic one (moons, "
        "circles, spirals, blobs, xor), or a file/folder (CSV, TSV, .xlsx, .parquet, NPZ, MNIST "
        "IDX folder), or a file's http(s) URL" + (f"; default {default}" if default else ""),
    )
    p.add_argument(
        "--label",
        nargs="+",
        action=ColumnsAction,
        metavar="COLUMN",
        help="CSV label column (the target with --regression), by name or index (default: the "
        "last); with --regression, several columns are several targets",
    )


#: How text is read when --encoding does not say.
DETECTED_ENCODING = (
    "UTF-8, UTF-16 with a byte-order mark, else Windows-1252, a guess that the data's "
    "description says"
)


def add_reading_arguments(p, sheet_of: str, encoding_of: str, own: str = "") -> None:
    """--sheet (the sheet of the workbook ``sheet_of``) and --encoding (of the text files
    ``encoding_of``); ``own``: what they default to for a model's own data, if anything."""
    p.add_argument(
        "--sheet",
        metavar="NAME_OR_NUMBER",
        help=f"the sheet of {sheet_of} when it is an Excel workbook (.xlsx), by name or by "
        "number from 1 (a sheet named with digits, such as 2024, wins over the number); "
        f"default: {own}the first",
    )
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help=f"the text encoding of {encoding_of} (CSV, TSV, .txt), a name Python knows: "
        f"cp1251, cp1250, shift_jis, gbk, latin-1, ... (default: {own}{DETECTED_ENCODING})",
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
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the weights and the data"
    )


def build_parser(train_defaults: dict | None = None) -> argparse.ArgumentParser:
    """The parser; ``train_defaults`` replace the defaults of train's options."""
    from ..core.initialisation import INITIALISATIONS
    from ..training.distributed import DEFAULT_TIMEOUT  # imports no MPI

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
    data = t.add_argument_group("the data and its parts")
    add_data_arguments(data, "digits")
    data.add_argument(
        "--regression",
        action="store_true",
        help="predict a real-valued target (the label column: diabetes, or a CSV or .npz file "
        "with numbers there; several --label columns, or linnerud, are several targets) instead "
        "of a class: an identity output per target, the mean squared error, random splits, each "
        "target standardized on the training part; reports RMSE, MAE, R^2",
    )
    data.add_argument(
        "--sample-weight",
        metavar="COLUMN",
        help="CSV column (name or index) of per-example weights",
    )
    data.add_argument(
        "--ignore",
        nargs="+",
        metavar="COLUMN",
        help="CSV columns (names or indices) left out of the features, such as an identifier or "
        "free text; they may stay in the files given to predict and evaluate, which take the "
        "model's columns by their header names",
    )
    data.add_argument(
        "--missing-values",
        nargs="+",
        metavar="TEXT",
        help="more texts that mean a missing feature value in a CSV file, such as unknown or "
        "-999 (always: empty cells, NA, N/A, NaN, null, ?); the model file keeps them for "
        "evaluate and predict",
    )
    data.add_argument(
        "--impute",
        choices=["mean", "median"],
        help="fill a CSV file's missing feature values (empty cells, NA, N/A, NaN, null, ?): "
        "numeric columns with the training part's mean or median, text columns with their most "
        "frequent category; the model file keeps the fill values for evaluate and predict "
        "(default: a missing value is an error). Text columns are always one-hot encoded",
    )
    data.add_argument(
        "--impute-text",
        choices=["most_frequent", "category"],
        default="most_frequent",
        help="with --impute, what a missing text value becomes: its column's most frequent "
        "category (default), or a category of its own, '(missing)' (sex=(missing)), as "
        "scikit-learn's OneHotEncoder keeps missing values",
    )
    data.add_argument(
        "--test",
        type=fraction,
        default=0.25,
        help="fraction held out for the final test, unless the data come with a test "
        "part (default 0.25)",
    )
    data.add_argument(
        "--test-data",
        metavar="FILE",
        help="a file of the same columns (or .npz arrays) that is the test part, such as "
        "mnist_test.csv beside mnist_train.csv; --test is then unused. evaluate tests the model "
        "on it again",
    )
    add_reading_arguments(data, "--data", "--data and --test-data")
    data.add_argument(
        "--test-sheet",
        metavar="NAME_OR_NUMBER",
        help="the sheet of --test-data when it is a workbook (it may be --data's: --sheet train "
        "--test-sheet test), as --sheet; default the first. The model file keeps --sheet, "
        "--test-sheet and --encoding for evaluate, plot and --resume",
    )
    data.add_argument(
        "--validation",
        type=fraction,
        default=0.1,
        help="fraction of the training part held out for validation (default 0.1)",
    )
    network = t.add_argument_group("the network")
    network.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[128, 64],
        metavar="N",
        help="hidden layer widths (default: 128 64)",
    )
    network.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    network.add_argument(
        "--output",
        default="softmax",
        help="output activation: softmax (default), or sigmoid (two classes); identity with "
        "--regression",
    )
    network.add_argument(
        "--init",
        choices=INITIALISATIONS,
        default=None,
        help="initial weights (default: he for layers of the ReLU family, glorot for others)",
    )
    network.add_argument(
        "--loss", default=None, help="loss (default: matches the output; mse with --regression)"
    )
    network.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="floating-point type of the weights and the data (default float32; float64 for "
        "checking numbers to many digits)",
    )
    training = t.add_argument_group("training")
    training.add_argument(
        "--optimizer", default="adam", help="sgd, momentum, nesterov, rmsprop, adam"
    )
    training.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="learning rate alpha (default: "
        + ", ".join(f"{lr:g} for {name}" for name, lr in DEFAULT_LR.items())
        + ")",
    )
    training.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="examples per mini-batch (default 32); --full-batch for the seed's GD",
    )
    training.add_argument("--full-batch", action="store_true", help="full-batch gradient descent")
    training.add_argument(
        "--epochs",
        "--iterations",
        dest="epochs",
        type=positive_int,
        default=40,
        help="passes over the training data (default 40)",
    )
    training.add_argument(
        "--schedule",
        default="constant",
        help="constant, step, invscaling, cosine, plateau (default constant)",
    )
    training.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed for weights, split and shuffling"
    )
    regularization = t.add_argument_group("regularization and early stopping")
    regularization.add_argument(
        "--l2",
        type=non_negative_float,
        default=0.1,
        help="L2 penalty lambda: J + (lambda / 2m) sum of squared weights (default 0.1)",
    )
    regularization.add_argument(
        "--dropout",
        type=fraction,
        default=0.0,
        help="probability of dropping each hidden unit while training (default 0)",
    )
    regularization.add_argument(
        "--clip-norm", type=positive_float, default=None, help="clip the global gradient norm"
    )
    regularization.add_argument(
        "--class-weight",
        choices=["balanced"],
        default=None,
        help="weigh the examples so that every class counts the same",
    )
    regularization.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="early stopping: epochs without improvement of the validation cost (of the "
        "training cost with --validation 0); the best epoch's weights are kept",
    )
    regularization.add_argument(
        "--min-delta",
        type=non_negative_float,
        default=0.0,
        help="early stopping: the least decrease of the cost that counts as an improvement "
        "(default 0)",
    )
    files = t.add_argument_group("files, resuming and output")
    files.add_argument("--out", help="save the trained model here (.npz)")
    files.add_argument("--checkpoint", help="checkpoint file (.npz); also written on Ctrl-C")
    files.add_argument(
        "--checkpoint-every",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="write the checkpoint every N epochs (default: only when interrupted)",
    )
    files.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue an interrupted run with its saved settings; only --out, --checkpoint, "
        "--checkpoint-every, --epochs (to train longer), --plots, --json, --quiet, --device, "
        "--distributed and --mpi-timeout may be given anew",
    )
    files.add_argument(
        "--plots", metavar="DIR", help="write figures of the run into DIR (matplotlib)"
    )
    files.add_argument("--quiet", action="store_true", help="no progress display")
    files.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    hardware = t.add_argument_group("where it runs")
    hardware.add_argument(
        "--device",
        default="cpu",
        help="where to compute: cpu (numpy, the default) or cuda, cuda:N (PyTorch, or CuPy, "
        "through the Python array API)",
    )
    hardware.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel training over MPI, under mpirun -n N: every rank trains on its shard "
        "of each mini-batch; rank 0 alone prints and writes files (see docs/distributed.md)",
    )
    hardware.add_argument(
        "--mpi-timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="with --distributed: how long a rank waits for the others before it declares one "
        f"dead and stops them all (default {DEFAULT_TIMEOUT:g})",
    )
    if train_defaults:
        t.set_defaults(**train_defaults)

    e = sub.add_parser(
        "evaluate",
        help="accuracy, per-class scores, confusion matrix; RMSE, MAE, R^2 for a regression model",
    )
    # optional here so that ``evaluate --label price m.npz`` finds its model: --label takes
    # several columns, and the model given after them is its last (see model_after_label)
    e.add_argument("model", nargs="?", help="a model file written by train --out, or a checkpoint")
    add_data_arguments(e, None)
    add_reading_arguments(e, "--data", "--data", own="for the model's own data, its run's; else ")
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
    p.add_argument("model", help="a model file written by train --out, or a checkpoint")
    p.add_argument(
        "input",
        help="features: a CSV file (or .xlsx, .parquet; rows are examples; - for standard input; "
        "an http(s) URL) or an .npz with X",
    )
    p.add_argument("--out", help="write the CSV here instead of standard output")
    p.add_argument(
        "--keep",
        nargs="+",
        metavar="COLUMN",
        help="columns of the input CSV (by their header names), such as an identifier, copied "
        "into the output before the predictions",
    )
    p.add_argument(
        "--labels-only",
        action="store_true",
        help="a classifier's predicted labels alone, in a column named as the training file's "
        "label column (a Kaggle submission: --keep PassengerId --labels-only gives "
        "PassengerId,Survived)",
    )
    add_reading_arguments(p, "the input", "the input")

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
    add_reading_arguments(pl, "--data", "--data")

    i = sub.add_parser(
        "info",
        help="what a model file or checkpoint holds: network, classes, data, settings, metrics",
    )
    i.add_argument("file", help="a model file (train --out) or a checkpoint (train --checkpoint)")
    i.add_argument("--json", action="store_true", help="print the facts as JSON")

    ins = sub.add_parser(
        "inspect",
        help="what training would make of a table: each column's kind, gaps, values, and the "
        "train command it needs",
    )
    ins.add_argument(
        "data",
        help="a CSV, TSV, .xlsx or .parquet file (or its http(s) URL), an .npz, or a data set's "
        "name",
    )
    ins.add_argument(
        "--label",
        metavar="COLUMN",
        help="the label column, by name or index (default: the last)",
    )
    ins.add_argument(
        "--missing-values",
        nargs="+",
        metavar="TEXT",
        help="more texts that mean a missing value, as train takes them",
    )
    add_reading_arguments(ins, "the file", "the file")
    ins.add_argument("--json", action="store_true", help="the columns as JSON")

    x = sub.add_parser(
        "export",
        help="a model as an ONNX file, which onnxruntime and other runtimes run without Python",
    )
    x.add_argument("model", help="a model file written by train --out, or a checkpoint")
    x.add_argument(
        "--out",
        metavar="FILE",
        help="the ONNX file to write (default: the model's name with .onnx)",
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
    gc.add_argument(
        "--l2", type=non_negative_float, default=0.0, help="L2 penalty lambda (default 0)"
    )
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
