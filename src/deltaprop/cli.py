"""The ``deltaprop`` command line. Parses, prints, exits 0 (done), 1 (training failed),
2 (bad input: one line on stderr, no traceback) or 130/143 (interrupted; a checkpoint is saved).
No mathematics here. Imported by nothing."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.001, "adam": 0.001}


class UsageError(ValueError):
    """Bad command-line input (reported in one line, exit code 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit code 2)."""

    def error(self, message):
        print(f"deltaprop: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


# ---------------------------------------------------------------------- arguments


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
        help="a bundled data set (digits, iris, wine, breast_cancer), a synthetic one (moons, "
        "circles, spirals, blobs, xor), or a file/folder (CSV, NPZ, MNIST IDX folder)"
        + (f"; default {default}" if default else ""),
    )
    p.add_argument("--label", help="CSV label column, by name or index (default: the last)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="deltaprop",
        description="Backpropagation for multi-layer perceptrons, written like the equations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    t = sub.add_parser("train", help="train a network (default: the digits data set)")
    add_data_arguments(t, "digits")
    t.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[128, 64],
        metavar="N",
        help="hidden layer widths (default: 128 64)",
    )
    t.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    t.add_argument("--output", default="softmax", help="output activation (default: softmax)")
    t.add_argument("--loss", default=None, help="loss (default: matches the output)")
    t.add_argument("--optimizer", default="adam", help="sgd, momentum, nesterov, rmsprop, adam")
    t.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate alpha (default: 0.001 for adam/rmsprop, 0.1 for sgd)",
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
    t.add_argument("--dtype", choices=["float32", "float64"], default="float32")
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
    t.add_argument("--resume", metavar="CHECKPOINT", help="continue an interrupted run")
    t.add_argument("--plots", metavar="DIR", help="write figures of the run into DIR (matplotlib)")
    t.add_argument("--quiet", action="store_true", help="no progress display")
    t.add_argument("--json", action="store_true", help="print the results as JSON on stdout")

    e = sub.add_parser("evaluate", help="accuracy, per-class scores, confusion matrix")
    e.add_argument("model", help="a model file written by train --out")
    add_data_arguments(e, None)
    e.add_argument(
        "--all",
        action="store_true",
        help="use all of the data (default: the test part when the data are the "
        "model's own training data set)",
    )
    e.add_argument("--json", action="store_true", help="print the results as JSON")

    tr = sub.add_parser("trace", help="every shape and operation of one forward/backward pass")
    tr.add_argument(
        "--sizes",
        type=positive_int,
        nargs="+",
        default=[3, 4, 3, 2],
        metavar="N",
        help="layer widths n_x n[1] ... n_y (default: the seed's 3 4 3 2)",
    )
    tr.add_argument("--m", type=positive_int, default=5, help="number of examples (default 5)")
    tr.add_argument("--hidden", default="relu", help="hidden activation (default relu)")
    tr.add_argument("--output", default="softmax", help="output activation (default softmax)")
    tr.add_argument("--seed", type=int, default=0, help="seed of the weights and the data")
    tr.add_argument("--values", action="store_true", help="also print every matrix")
    form = tr.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="JSON records for machines")
    form.add_argument("--latex", action="store_true", help="a LaTeX table for the report")

    pl = sub.add_parser("plot", help="learning curves, weights, dead units, confusion matrix")
    pl.add_argument(
        "run",
        metavar="MODEL_OR_HISTORY",
        help="a model file (.npz, from train --out) or a history (.json)",
    )
    pl.add_argument("--out", default="plots", help="folder for the figures (default: plots)")
    pl.add_argument("--format", choices=["png", "pdf"], default="png")
    pl.add_argument(
        "--data",
        help="data for the confusion matrix and decision boundary "
        "(default: the test part of the model's own data set)",
    )

    r = sub.add_parser("report", help="build the LaTeX report (derivation, errata, results)")
    r.add_argument("--out", default="deltaprop-report.pdf", help="the PDF to write")
    r.add_argument("--quick", action="store_true", help="shorter training runs (for a draft)")
    r.add_argument(
        "--tex-only",
        metavar="DIR",
        help="only write the LaTeX sources, fragments and figures into DIR",
    )

    p = sub.add_parser("predict", help="predicted labels and class probabilities as CSV")
    p.add_argument("model", help="a model file written by train --out")
    p.add_argument("input", help="features: a CSV file (rows are examples) or an .npz with X")
    p.add_argument("--out", help="write the CSV here instead of standard output")
    return parser


# ---------------------------------------------------------------------- train


#: The settings of a run, saved in checkpoints (so --resume can rebuild it) and in model files.
RUN_KEYS = (
    "data",
    "label",
    "hidden",
    "activation",
    "output",
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


def cmd_train(args) -> int:
    from . import io
    from .core import Network
    from .experiment import encoder_for, prepare_data
    from .model import Model
    from .training import EarlyStopping, Trainer, make_optimizer, make_progress, make_schedule
    from .training.checkpoint import Checkpoint
    from .training.diagnostics import Diagnostics
    from .training.weights import class_sample_weights

    resumed = None
    if args.resume:
        resumed = io.load_checkpoint(args.resume)
        for key, value in resumed[3].items():  # the interrupted run's settings
            setattr(args, key, value)
        args.checkpoint = args.checkpoint or args.resume
    for option, path in (("--out", args.out), ("--checkpoint", args.checkpoint)):
        if path and not Path(path).resolve().parent.is_dir():  # fail now, not after training
            raise UsageError(f"{option} {path}: folder {Path(path).parent} does not exist")
    dtype = np.dtype(args.dtype)
    parts = prepare_data(
        args.data,
        label=args.label,
        weight=args.sample_weight,
        test=args.test,
        validation=args.validation,
        seed=args.seed,
        dtype=dtype,
        encoder=None if resumed is None else encoder_for(resumed[0].classes),
        preprocessor=None if resumed is None else resumed[0].preprocessor,
    )
    classes = parts.encoder.classes_
    if len(classes) < 2:
        raise UsageError(f"the data have a single class ({classes[0]!r}); nothing to learn")
    sizes = [parts.X_train.shape[0], *args.hidden, len(classes)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if resumed else "default")
        net = Network(
            sizes,
            hidden=args.activation,
            output=args.output,
            loss=args.loss,
            seed=args.seed,
            dtype=dtype,
        )
    if resumed is not None:
        for name, P in net.parameters():
            P[...] = dict(resumed[0].network.parameters())[name]
    lr = args.lr if args.lr is not None else DEFAULT_LR.get(args.optimizer, 0.01)
    optimizer = make_optimizer(args.optimizer, lr=lr, clip_norm=args.clip_norm)
    schedule = make_schedule(args.schedule, lr, epochs=args.epochs)
    info = {
        "data": args.data,
        "label": args.label,
        "description": parts.description,
        "settings": {k: getattr(args, k) for k in RUN_KEYS},
    }
    model = Model(net, classes, parts.preprocessor, info)
    callbacks = []
    show = sys.stderr if args.json else sys.stdout
    if not args.quiet:
        callbacks.append(make_progress(args.epochs, show))
    callbacks.append(Diagnostics(warn=False, stream=sys.stderr))  # dead units, vanishing, ...
    if args.patience:
        callbacks.append(EarlyStopping(patience=args.patience, min_delta=args.min_delta))
    checkpoint_path = args.checkpoint or _default_checkpoint(args.out)
    run = {k: getattr(args, k) for k in RUN_KEYS}
    run["checkpoint"] = checkpoint_path
    callbacks.append(Checkpoint(checkpoint_path, model, args.checkpoint_every, run))
    trainer = Trainer(
        net,
        optimizer,
        epochs=args.epochs,
        batch_size=None if args.full_batch else args.batch_size,
        l2=args.l2,
        dropout=args.dropout,
        schedule=schedule,
        seed=args.seed,
        callbacks=callbacks,
    )
    if resumed is not None:
        trainer.load_state_dict(resumed[1], resumed[2])
        print(
            f"resuming {args.resume} at epoch {trainer.epoch + 1}, step {trainer.batch + 1}",
            file=show,
        )

    from .training import TrainingDiverged, TrainingInterrupted

    def on_signal(signum, frame):
        trainer.request_interrupt(f"interrupted by {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, on_signal) for s in EXIT_SIGNAL}
    validation = (parts.X_val, parts.y_val) if parts.X_val is not None else None
    sample_weight = parts.w_train
    if args.class_weight:  # (eq. J2) with w_i = m / (k m_c): every class weighs the same
        balanced = class_sample_weights(parts.y_train, args.class_weight)
        sample_weight = balanced if sample_weight is None else sample_weight * balanced
    try:
        history = trainer.fit(
            parts.X_train, parts.y_train, validation=validation, sample_weight=sample_weight
        )
    except TrainingInterrupted as e:
        print(
            f"deltaprop: {e}; continue with: deltaprop train --resume {e.checkpoint}",
            file=sys.stderr,
        )
        signum = signal.SIGTERM if "SIGTERM" in str(e) else signal.SIGINT
        return EXIT_SIGNAL[signum]
    except TrainingDiverged as e:
        print(f"deltaprop: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

    test_accuracy = float(np.mean(net.predict(parts.X_test) == parts.y_test))
    last = history.last()
    model.info["metrics"] = {
        "test_accuracy": test_accuracy,
        "epochs": len(history),
        "train_cost": last["cost"],
        "val_accuracy": last["val_accuracy"],
    }
    model.info["history"] = history.to_dict()
    if args.out:
        io.save(model, args.out)
    if args.plots:
        from .explain.plots import plot_all

        written = plot_all(
            args.plots, history=history, model=model, data=(parts.X_test, parts.y_test)
        )
        print(f"{len(written)} figures written to {args.plots}", file=show)
    if args.json:
        print(
            json.dumps(
                {
                    **model.info["metrics"],
                    "model": args.out,
                    "classes": len(classes),
                    "train_examples": parts.X_train.shape[1],
                    "test_examples": parts.X_test.shape[1],
                }
            )
        )
    else:
        print(f"data: {parts.description}")
        print(
            f"network: {' -> '.join(map(str, sizes))} ({args.activation} hidden, "
            f"{args.output} output), {args.optimizer}, {len(history)} epochs"
        )
        print(f"test accuracy: {test_accuracy:.4f} ({parts.X_test.shape[1]} examples)")
        if args.out:
            print(f"model saved to {args.out}")
    return EXIT_OK


def _default_checkpoint(out: str | None) -> str:
    return f"{out}.checkpoint.npz" if out else "deltaprop-checkpoint.npz"


# ---------------------------------------------------------------------- evaluate, predict


def cmd_evaluate(args) -> int:
    from . import io
    from .experiment import encoder_for, load_dataset, model_test_part
    from .metrics import accuracy, confusion_matrix, per_class_scores

    model = io.load(args.model)
    if model.classes is None:
        raise UsageError(f"{args.model} is not a classifier; evaluate reports class metrics")
    settings = model.info.get("settings", {})
    spec = args.data or model.info.get("data")
    if spec is None:
        raise UsageError("give the data to evaluate on with --data")
    own_data = spec == model.info.get("data") and not args.all and settings
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


def read_features(path: str, n_features: int) -> np.ndarray:
    """Rows of features from a CSV (optionally with one extra label column, dropped) or .npz."""
    from . import data

    if path.endswith(".npz"):
        return data.read_npz(path).X
    return data.read_features(path, n_features)


def cmd_predict(args) -> int:
    import csv
    import io as textio

    from . import io

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
        writer.writerow([f"y{k}" for k in range(values.shape[1])])
        writer.writerows([[f"{v:.6g}" for v in row] for row in values])
    if args.out:
        io.write_text_atomic(args.out, buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return EXIT_OK


def cmd_trace(args) -> int:
    from .explain.render import run_trace

    fmt = "json" if args.json else "latex" if args.latex else "table"
    print(run_trace(args.sizes, args.m, args.hidden, args.output, args.seed, args.values, fmt))
    return EXIT_OK


def cmd_plot(args) -> int:
    from .explain.plots import plot_command

    for path in plot_command(args.run, args.out, args.format, args.data):
        print(path)
    return EXIT_OK


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
    "plot": cmd_plot,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, OSError) as e:  # bad input: InputError, DataError, ModelFileError, ...
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"deltaprop: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as e:
        print(f"deltaprop: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
