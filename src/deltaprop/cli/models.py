"""The commands that use a trained model: evaluate (its metrics on data), predict (its
predictions as CSV) and plot (figures of a model or of a history)."""

from __future__ import annotations

import json
import sys

import numpy as np

from .errors import EXIT_OK, UsageError
from .outputs import check_output, tell_skipped


def cmd_evaluate(args) -> int:
    from .. import io
    from ..experiment import encoder_for, load_for_model, model_test_part
    from ..metrics import accuracy, confusion_matrix, per_class_scores
    from .parser import model_after_label

    model_after_label(args)
    model = io.load_any(args.model)[0]  # a checkpoint's model: the run so far
    net = model.network
    if not net.is_classifier:
        return evaluate_regression(args, model)
    if isinstance(args.label, list):
        raise UsageError(
            f"--label {' '.join(args.label)}: several columns are the targets of a regression "
            f"model; {args.model} is a classifier, with one label column"
        )
    if model.classes is None or (net.output == "sigmoid" and net.n_y > 1):
        raise UsageError(
            f"{args.model} is not a single-label classifier or a regression model; evaluate "
            "reports class metrics or those of one target"
        )
    spec, own_test_part = data_to_evaluate(args, model)
    if own_test_part:
        X, y_true = model_test_part(model, args.label)
        spec, which = test_part_source(model, spec), "test part"
    else:
        ds = load_for_model(model, spec, args.label, **reading(args))
        X, y_true, which = model.columns(ds.X), encoder_for(model.classes).transform(ds.y), "all"
        spec = source_read(args, model, spec)
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


def data_to_evaluate(args, model) -> tuple[str, bool]:
    """The data evaluate reads: ``--data``, or the data set the model was trained on; and
    whether to read the held-out test part of its run (its own data, read as its run read
    them, without ``--all``, with the settings that rebuild the same split) rather than all of
    them."""
    from ..experiment import model_read_options, names_trained_data, trained_data

    spec = args.data or trained_data(model)
    if spec is None:
        raise UsageError("give the data to evaluate on with --data")
    settings = model.info.get("settings")
    recorded = model_read_options(model)
    as_read = all(value in (None, recorded[key]) for key, value in reading(args).items())
    return spec, bool(names_trained_data(model, spec) and as_read and not args.all and settings)


def reading(args) -> dict:
    """How the command line says to read a workbook or a text file: its --sheet and
    --encoding."""
    return {"sheet": args.sheet, "encoding": args.encoding}


def test_part_source(model, spec: str) -> str:
    """Where the test part of a model's run comes from: the file of train --test-data, or its
    data (``spec``), and the sheet of a workbook that its run read."""
    from ..experiment import model_read_options

    test_data = (model.info.get("settings") or {}).get("test_data")
    options = model_read_options(model)
    if isinstance(test_data, str):
        return with_sheet(test_data, options["test_sheet"])
    return with_sheet(spec, options["sheet"])


def source_read(args, model, spec: str) -> str:
    """The data ``spec`` that evaluate read all of, with the sheet of a workbook read."""
    from ..experiment import reading_for

    return with_sheet(spec, reading_for(model, spec, **reading(args))["sheet"])


def with_sheet(spec: str, sheet: str | None) -> str:
    """The data as evaluate names them: a workbook's path, and its sheet when one is named."""
    return spec if sheet is None else f"{spec}, sheet {sheet}"


def evaluate_regression(args, model) -> int:
    """``evaluate`` for a regression model: RMSE, MAE and R^2 in the target's units, on the
    test part of its own data or on all of other data (their label column); for several
    targets, those of each target and the mean R^2."""
    from ..data import numeric_targets
    from ..experiment import load_for_model, model_test_part, recorded_settings, several
    from ..metrics import regression_scores

    n_y = model.network.n_y
    given = len(args.label) if several(args.label) else 1
    if args.label is not None and given != n_y:
        raise UsageError(
            f"--label names {given} target column{'s' * (given > 1)}; {args.model} predicts "
            f"{n_y} value{'s' * (n_y > 1)}"
        )
    spec, own_test_part = data_to_evaluate(args, model)
    if own_test_part and recorded_settings(model).get("regression"):
        X, y_true = model_test_part(model, args.label)
        y_pred, which = model.predict_columns(X), "test part"
        spec = test_part_source(model, spec)
    else:
        ds = load_for_model(model, spec, args.label, **reading(args))
        y_true, y_pred, which = numeric_targets(ds), model.predict(ds.X), "all"
        spec = source_read(args, model, spec)
    k = 1 if y_true.ndim == 1 else y_true.shape[1]
    if k != n_y:
        raise UsageError(
            f"{args.model} predicts {n_y} values, and the data give {k} target"
            f"{'s' * (k > 1)}: give the model's target columns with --label"
        )
    if n_y > 1:
        return print_target_scores(args, model, spec, which, y_true, y_pred)
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


def print_target_scores(args, model, spec, which: str, y_true, y_pred) -> int:
    """``evaluate``'s results for several targets: each one's RMSE, MAE and R^2, and the mean
    R^2."""
    from ..metrics import mean_r2, regression_scores_by_target
    from .results import target_line

    scores = regression_scores_by_target(y_true, y_pred)
    names = target_names(model)
    if args.json:
        targets = dict(zip(names, scores, strict=True))
        summary = {"targets": targets, "mean_r2": mean_r2(scores), "examples": len(y_true)}
        print(json.dumps(summary))
        return EXIT_OK
    print(f"data: {spec} ({which}, {len(y_true)} examples)")
    print(f"targets: {', '.join(names)}")
    for name, s in zip(names, scores, strict=True):
        print(target_line(name, s).strip())
    print(f"mean R^2 over {len(names)} targets: {mean_r2(scores):.4f}")
    return EXIT_OK


def target_name(model) -> str:
    """The name of a regression model's target, as its file records it, or "prediction"."""
    name = model.info.get("target")
    return name if isinstance(name, str) and name else "prediction"


def target_names(model) -> list[str]:
    """The names of a regression model's n_y targets: one, as ``target_name`` gives it; several,
    as its file records them, or y0, y1, ..."""
    n_y = model.network.n_y
    if n_y == 1:
        return [target_name(model)]
    names = model.info.get("target")
    if isinstance(names, list) and len(names) == n_y and all(isinstance(n, str) for n in names):
        return names
    return [f"y{k}" for k in range(n_y)]


def input_source(path: str):
    """The input file of predict: a path, or for ``-`` standard input, read once and kept in
    memory (it is read more than once)."""
    if path != "-":
        return path
    from ..data.csvtable import InMemoryFile

    return InMemoryFile(sys.stdin.buffer.read(), "standard input")


def kept_columns(source, keep: list[str] | None, m: int, read: dict) -> list[list[str]]:
    """The ``--keep`` columns of the input, one list per example (empty lists without any);
    ``read``: its sheet and encoding, as ``reading`` gives them."""
    if not keep:
        return [[]] * m
    from .. import data

    if str(source).endswith(".npz"):
        raise UsageError("--keep copies columns of a CSV file; an .npz file has none by name")
    kept = data.read_columns(source, keep, **read)
    if len(kept) != m:  # the model read the first row as an example, not as a header
        raise UsageError(
            f"{source}: --keep needs a header row, but the model read the first row as an "
            f"example ({m} examples from {len(kept) + 1} rows)"
        )
    return kept


def read_features(path, model, read: dict | None = None) -> np.ndarray:
    """Rows of features from a CSV or .npz, as the model takes them: from a CSV file whose
    header names the model's input columns, those columns by name (the others left out); else
    its columns by position (the features alone, or laid out as the training file was, the
    other columns dropped). For a model that
    encodes text columns, the CSV file's cells as text (its missing values kept when the model
    fills them). ``read``: the sheet of a workbook and the encoding of a text file, as
    ``reading`` gives them."""
    from .. import data
    from ..experiment import NO_IMPUTE_HINT, model_features, model_layout, model_missing_values

    read = read or {}
    if str(path).endswith(".npz"):
        return data.read_npz_features(path)
    features = model_features(model)  # a header that names them: the columns by name
    layout = model_layout(model)  # else by position, as in the training file
    encoder = model.preprocessor
    if not isinstance(encoder, data.TableEncoder):
        return data.read_features(path, model.n_features, features=features, layout=layout, **read)
    try:
        return data.read_features(
            path,
            model.n_features,
            cells="text",
            missing=encoder.impute is not None,
            names=encoder.names,
            kinds=encoder.kinds,
            features=features,
            missing_values=model_missing_values(model),
            layout=layout,
            **read,
        )
    except data.MissingValueError as e:
        raise data.MissingValueError(f"{e}; {NO_IMPUTE_HINT}") from None


def cmd_predict(args) -> int:
    import csv
    import io as textio

    from .. import io
    from ..experiment import check_file_options, model_label

    if args.out:
        check_output("--out", args.out)
    check_file_options("standard input" if args.input == "-" else args.input, **reading(args))
    model = io.load_any(args.model)[0]  # a checkpoint's model: the run so far
    source = input_source(args.input)
    X_rows = read_features(source, model, reading(args))
    kept = kept_columns(source, args.keep, len(X_rows), reading(args))
    classifier = model.network.is_classifier and model.classes is not None
    if args.labels_only and not classifier:
        raise UsageError(
            f"--labels-only writes a classifier's labels; {args.model} predicts values, which "
            "predict writes alone already"
        )
    if classifier and args.labels_only:
        header = [model_label(model) or "prediction"]
        rows = [[label] for label in model.predict(X_rows)]
    elif classifier:
        labels = model.predict(X_rows)
        P = model.predict_proba(X_rows)
        header = ["prediction", *(f"p_{c}" for c in model.classes)]
        rows = [[label, *(f"{p:.6g}" for p in row)] for label, row in zip(labels, P, strict=True)]
    else:
        values = model.predict(X_rows)
        header = target_names(model)
        rows = [[f"{v:.6g}" for v in row] for row in values]
    buffer = textio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*(args.keep or ()), *header])
    writer.writerows([*k, *row] for k, row in zip(kept, rows, strict=True))
    if args.out:
        io.write_text_atomic(args.out, buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())
    return EXIT_OK


def cmd_plot(args) -> int:
    from ..explain.plots import plot_command

    check_output("--out", args.out, folder=True)
    skipped = []
    read = {"sheet": args.sheet, "encoding": args.encoding}
    for path in plot_command(args.run, args.out, args.format, args.data, skipped, **read):
        print(path)
    tell_skipped(skipped)
    return EXIT_OK
