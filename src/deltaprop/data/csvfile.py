"""Reading a delimited text file as a data set: which columns are the features, the label or
the targets, the sample weights, which are ignored or taken by name; for prediction, the
features a model takes. The text itself is read by :mod:`deltaprop.data.csvtable`.

Messages about a file count lines and columns from 1, as an editor or a spreadsheet shows them;
the ``label`` argument is a Python index (from 0, negative from the end), like a list's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .csvtable import (
    CELLS,
    MissingValueError,
    Table,
    check_fields,
    is_number,
    read_rows,
)
from .dataset import Dataset, check_dataset, make_dataset
from .encoding import is_missing, text_note
from .errors import DataError, listing
from .targets import target_values

_INTEGER = re.compile(r"[+-]?\d+")


def _labels(texts: list[str]) -> np.ndarray:
    """Label strings -> int64 when they are all whole numbers ("3", "3.0"), else strings."""
    if all(_INTEGER.fullmatch(t) for t in texts):
        try:
            return np.array([int(t) for t in texts], dtype=np.int64)
        except OverflowError:  # beyond int64: keep the text
            return np.array(texts, dtype=str)
    try:
        values = np.array([float(t) for t in texts])
    except ValueError:
        return np.array(texts, dtype=str)
    whole = np.isfinite(values).all() and (values == np.round(values)).all()
    if whole and np.abs(values).max() < 2**53:  # exactly representable, so the cast is exact
        return values.astype(np.int64)
    return np.array(texts, dtype=str)


def _purpose(what: str) -> str:
    """What a column not found was wanted for, when it is not the label or the weights."""
    return " to ignore" if what == "ignored" else ""


def _label_index(p: Path, label, n_cols: int, names: list[str] | None, what="label") -> int:
    if label is None:
        return n_cols - 1
    if isinstance(label, str):
        if names is None:
            raise DataError(
                f"{p}: the {what} column {label!r} is given by name, but the file has no header "
                "row; give its index instead"
            )
        matches = [c for c, name in enumerate(names) if name == label]
        if not matches:
            raise DataError(
                f"{p}: no column named {label!r}{_purpose(what)}; the columns are "
                f"{listing(names, 30)}"
            )
        if len(matches) > 1:
            raise DataError(f"{p}: {len(matches)} columns are named {label!r}; give an index")
        return matches[0]
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise DataError(f"{what} must be a column name or index, got {label!r}")
    if not -n_cols <= label < n_cols:
        columns = f": {listing(names, 30)}" if names else ""
        raise DataError(
            f"{p}: there is no column {label}{_purpose(what)}; the file has {n_cols} columns "
            f"(indices 0..{n_cols - 1} or -{n_cols}..-1){columns}"
        )
    return int(label) % n_cols


def read_csv(
    path: str | os.PathLike,
    label: str | int | list[str | int] | None = None,
    header: bool | None = None,
    delimiter: str | None = None,
    weight: str | int | None = None,
    *,
    cells: str = "numbers",
    missing: bool = False,
    ignore: list[str | int] | None = None,
    features: list[str] | None = None,
    missing_values: list[str] | None = None,
    test_part: bool = False,
    sheet: int | str | None = None,
    encoding: str | None = None,
) -> Dataset:
    """Read a delimited text file with one example per line: X (m, n_x) float64, y (m,).

    ``label``: the label column, by header name or by index (negative counts from the end);
    default the last column; a list of several columns reads them as real-valued targets: y is
    then (m, k) float64 and the data set's ``task`` "regression" (``target_names``: the
    columns' names, or None without a header). ``header``: whether the first row names the
    columns; None detects it (a non-numeric field where a feature is expected means a header;
    with text columns, a row of text only). ``delimiter``: one
    character, " " meaning runs of whitespace; None sniffs it from the first lines. Features must
    be finite numbers; labels stay strings unless they are all whole numbers (then int64).
    A ``.gz`` file is decompressed on the fly. ``weight``: a column (name or index) of
    non-negative per-example weights, taken out of the features into ``Dataset.sample_weight``.

    ``cells``: "numbers" (the default) requires every feature to be a finite number. "mixed"
    also accepts text columns (a column with a cell that is neither a number nor missing is
    categorical, see :mod:`deltaprop.data.encoding`): X is then an object array of every cell's
    stripped text ("raw rows", which a TableEncoder encodes), and stays float64 when every cell
    is a number. "text" always gives the text. ``missing``: with "mixed" or "text", keep missing
    cells (empty, or NA, N/A, NaN, null, ? in any case) instead of a MissingValueError.
    ``missing_values``: more texts that mean a missing feature value (compared without case and
    surrounding spaces), such as "unknown" or a number like "-999"; they are read as empty cells.
    Labels, targets and weights are never missing.

    ``ignore``: columns (names or indices) left out of the features, never read as numbers or
    text (an identifier, free text); the label and weight columns cannot be among them.
    ``features``: the feature columns by name, in this order (as a model took them); the
    header must name them all, and every other column but the label is left out.
    ``test_part``: the file is a test part, whose labels may hold a single class.

    ``sheet``: for an Excel workbook (.xlsx), the sheet to read, by name or by number (from 1,
    as its tabs are counted; a name made of digits wins), default the first; see
    :func:`deltaprop.data.spreadsheet.sheet_as_csv`. ``encoding``: the text's, by a name Python
    knows ("cp1251", "shift_jis", "gbk", "latin-1"), for a file that is not UTF-8, UTF-16 with a
    byte-order mark or Windows-1252 (which is read when the text is not UTF-8: a guess, which
    the description then says).
    """
    if cells not in CELLS:
        raise DataError(f"cells must be one of {', '.join(CELLS)}, got {cells!r}")
    markers = _markers(missing_values, cells)
    if missing and cells == "numbers":
        raise DataError("missing=True keeps missing cells as text: give cells='mixed' or 'text'")
    if ignore is not None and features is not None:
        raise DataError("give the features to ignore or those to keep, not both")
    table = Table(path, delimiter, sheet, encoding)
    p, n_cols, first = table.path, table.n_cols, table.first
    if n_cols < 2:
        raise DataError(
            f"{p}, line {table.first_line}: a single column, but features and a label are needed "
            f"(fields read as separated by {table.delimiter!r})"
        )
    targets = None
    if isinstance(label, (list, tuple)):  # several targets: the first is read as the label
        if len(label) < 2:
            raise DataError(f"label must be one column or a list of several, got {label!r}")
        targets, label = list(label), label[0]
    roles = [
        *(("label", c) for c in targets or [label]),
        ("sample-weight", weight),
        *(("ignored", c) for c in ignore or ()),
    ]
    named = [(what, c) for what, c in roles if isinstance(c, str)]
    if named or features is not None:
        if header is False:
            what, name = named[0] if named else ("feature", features[0])
            raise DataError(f"{p}: the {what} column {name!r} is given by name, but header=False")
        header = True
    guessed = header is None
    if header is None:
        try:
            left_out = {_label_index(p, c, n_cols, None) for c in (*(targets or [label]),)}
            left_out |= {_label_index(p, c, n_cols, None) for c in ignore or ()}
        except DataError:  # out of range: reported below, with the column names if any
            left_out = {n_cols - 1} if label is None else set()
        header = table.has_header([c for c in range(n_cols) if c not in left_out], cells)
    names = [v.strip() for v in first] if header else None
    if features is not None:  # the model's columns first: they say most about a wrong file
        feature_cols = _named_columns(p, names, features)
    label_col = _label_index(p, label, n_cols, names)
    target_cols = _target_columns(p, targets, n_cols, names)
    extra = target_cols[1:]  # read among the features, then taken out as targets
    weight_col = None
    if weight is not None:
        weight_col = _label_index(p, weight, n_cols, names, what="sample-weight")
        if weight_col in target_cols:
            raise DataError(f"{p}: the sample-weight column is a target column")
        if weight_col == label_col:
            raise DataError(f"{p}: the sample-weight column is the label column")
    if features is not None:
        for c in target_cols or [label_col]:
            if c in feature_cols:
                raise DataError(f"{p}: the label column {names[c]!r} is one of the feature columns")
        feature_cols += [c for c in (*extra, weight_col) if c is not None]  # taken out below
    else:
        ignored = _ignored(p, ignore or (), n_cols, names, target_cols or [label_col], weight_col)
        feature_cols = [c for c in range(n_cols) if c != label_col and c not in ignored]
        if not [c for c in feature_cols if c != weight_col and c not in extra]:
            raise DataError(f"{p}: every feature column is ignored; none is left to learn from")
    try:
        X, texts = read_rows(
            table,
            label_col,
            names,
            skip_first=header,
            guessed=guessed,
            cells=cells,
            missing=missing,
            feature_cols=feature_cols,
            missing_values=markers,
        )
    except MissingValueError as e:  # in a target read among the features: no value to fill
        where = [f", column {names[c]!r}: " if names else f", column {c + 1}: " for c in extra]
        if any(w in str(e) for w in where):
            raise DataError(f"{e}; a regression target must be a number") from None
        raise
    feature_names = [names[c] for c in feature_cols] if names else None
    if targets is not None:
        at = [feature_cols.index(c) for c in extra]
        columns = [np.asarray(texts, dtype=object), *(X[:, j] for j in at)]
        y = np.column_stack(
            [_target(p, column, names, c) for column, c in zip(columns, target_cols, strict=True)]
        )
        X = np.delete(X, at, axis=1)
        feature_cols = [c for c in feature_cols if c not in extra]
        feature_names = [names[c] for c in feature_cols] if names else None
    else:
        y = _labels(texts)
    sample_weight = None
    if weight_col is not None:
        j = feature_cols.index(weight_col)
        sample_weight, X = _weights(p, X[:, j], names, weight_col), np.delete(X, j, axis=1)
        if feature_names:
            del feature_names[j]
        if (sample_weight < 0).any():
            row = int(np.argmax(sample_weight < 0))
            raise DataError(f"{p}: sample weight {sample_weight[row]:g} in row {row} is negative")
    if targets is not None:
        shown = ", ".join(repr(names[c]) if names else str(c) for c in target_cols)
        description = (
            f"{p}{_guessed(table)}: {X.shape[0]} examples, {X.shape[1]} features{text_note(X)}, "
            f"{len(target_cols)} real-valued targets ({shown})."
        )
        ds = Dataset(str(p), X, y, [], description, feature_names, task="regression")
        ds.target_names = [names[c] for c in target_cols] if names else None
    else:
        where = repr(names[label_col]) if names else f"{label_col + 1}"
        description = (
            f"{p}{_guessed(table)}: {X.shape[0]} examples, {X.shape[1]} features{text_note(X)}, "
            f"{len(np.unique(y))} classes (labels from column {where})."
        )
        ds = make_dataset(str(p), X, y, description, feature_names=feature_names)
    ds.sample_weight = sample_weight
    ds.label_name = names[label_col] if names and targets is None else None
    return check_dataset(ds, classification=not test_part)


def _guessed(table: Table) -> str:
    """A note for a file whose encoding was guessed (not UTF-8, read as Windows-1252), which
    says how to give it."""
    if not table.guessed:
        return ""
    return " (not UTF-8: read as Windows-1252; --encoding NAME reads another)"


def _markers(missing_values, cells: str) -> frozenset[str]:
    """The texts of ``missing_values`` (a list of strings, or None), stripped and lower-case."""
    if missing_values is None:
        return frozenset()
    if isinstance(missing_values, str) or not all(isinstance(v, str) for v in missing_values):
        raise DataError(f"missing_values must be a list of texts, got {missing_values!r}")
    if any(not v.strip() for v in missing_values):
        raise DataError("missing_values: an empty text is always a missing value; leave it out")
    if cells == "numbers":
        raise DataError("missing_values are kept as missing cells: give cells='mixed' or 'text'")
    return frozenset(v.strip().lower() for v in missing_values)


def _target_columns(p, targets, n_cols: int, names) -> list[int]:
    """The indices of the ``targets`` columns (names or indices; none when there is one label);
    a column given twice is a DataError."""
    cols = []
    for column in targets or ():
        c = _label_index(p, column, n_cols, names)
        if c in cols:
            shown = repr(names[c]) if names else f"{c} (from 0)"
            raise DataError(f"{p}: the target column {shown} is given twice")
        cols.append(c)
    return cols


def _target(p, column: np.ndarray, names, c: int) -> np.ndarray:
    """A target column (its cells: numbers, or text) as float64 (m,); a cell that is not a
    finite number is a DataError naming the column and the row (from 0)."""
    where = repr(names[c]) if names else f"{c} (from 0)"
    return target_values(column, f"{p}: the target column {where}")


def _ignored(p, ignore, n_cols: int, names, label_cols, weight_col: int | None) -> set[int]:
    """The indices of the ``ignore`` columns (names or indices); a label column (of
    ``label_cols``) or the weight column among them is a DataError."""
    ignored = set()
    for column in ignore:
        c = _label_index(p, column, n_cols, names, what="ignored")
        role = "label" if len(label_cols) == 1 else "target"
        roles = (*((role, at) for at in label_cols), ("sample-weight", weight_col))
        for role, at in roles:
            if c == at:
                shown = repr(names[c]) if names else f"{c} (from 0)"
                the = "a" if role == "target" else "the"
                raise DataError(f"{p}: the ignored column {shown} is {the} {role} column")
        ignored.add(c)
    return ignored


def _named_columns(p, names: list[str] | None, features: list[str]) -> list[int]:
    """The indices of the columns named ``features``, in that order; a DataError naming those
    that the header row ``names`` lacks."""
    header = names or []
    lacking = [f for f in features if f not in header]
    if lacking:
        s = "" if len(lacking) == 1 else "s"
        raise DataError(
            f"{p}: the header lacks the model's column{s} {listing(map(repr, lacking), 10)}"
        )
    twice = next((f for f in features if header.count(f) > 1), None)
    if twice is not None:
        raise DataError(f"{p}: {header.count(twice)} columns are named {twice!r}")
    return [header.index(f) for f in features]


def names_model_columns(first_row: list[str], features: list[str] | None) -> bool:
    """Whether a file's first row (its stripped fields) is a header that names any of a
    model's ``features`` (its input columns by name), so that they are taken by name."""
    return bool(features) and not set(features).isdisjoint(first_row)


def first_row(
    path: str | os.PathLike,
    delimiter: str | None = None,
    *,
    sheet: int | str | None = None,
    encoding: str | None = None,
) -> list[str]:
    """The stripped fields of the first non-blank row of a delimited text file (``sheet`` and
    ``encoding`` as in :func:`read_csv`)."""
    return [v.strip() for v in Table(path, delimiter, sheet, encoding).first]


def read_columns(
    path,
    columns: list[str],
    delimiter: str | None = None,
    *,
    sheet: int | str | None = None,
    encoding: str | None = None,
) -> list[list[str]]:
    """The cells of the ``columns`` named by a file's header row: one list of stripped texts
    per data row (every non-blank line after the header), the columns in the order given
    (``sheet`` and ``encoding`` as in :func:`read_csv`)."""
    table = Table(path, delimiter, sheet, encoding)
    header = [v.strip() for v in table.first]
    lacking = [c for c in columns if c not in header]
    if lacking:
        raise DataError(
            f"{table.path}: its first row names no column {listing(map(repr, lacking), 10)} "
            f"(the columns are {listing(map(repr, header), 20)})"
        )
    at = [header.index(c) for c in columns]
    rows = []
    for number, fields in table.rows:
        check_fields(table, number, fields)
        rows.append([fields[c].strip() for c in at])
    return rows


def _weights(p, column: np.ndarray, names, c: int) -> np.ndarray:
    """The sample-weight column as float64 (m,); text or a missing cell is a DataError."""
    if column.dtype != object:
        return column.copy()
    for text in column:
        if is_missing(text) or not is_number(text):
            where = repr(names[c]) if names else str(c + 1)
            shown = f"{text!r}" if text else "an empty cell"
            raise DataError(f"{p}: the sample-weight column {where} holds {shown}, not a number")
    return column.astype(np.float64)


def read_features(
    path: str | os.PathLike,
    n_features: int,
    delimiter: str | None = None,
    *,
    cells: str = "numbers",
    missing: bool = False,
    names: list[str] | None = None,
    kinds: list[str] | None = None,
    features: list[str] | None = None,
    missing_values: list[str] | None = None,
    layout: tuple[int, list[int]] | None = None,
    sheet: int | str | None = None,
    encoding: str | None = None,
):
    """Rows of features for prediction: (m, n_features) float64 from a delimited text file
    (with ``cells`` "mixed" or "text", possibly an object array of the cells' text).

    ``features``: the model's input columns by name. When the first row is a header that names
    them, they are taken by name, in that order, and every other column (a label, an identifier,
    anything else) is left out; a header that names only some of them is a DataError naming
    the others. Otherwise, the file has ``n_features`` columns, or is laid out as the training
    file was: ``layout``, (its number of columns, the positions of the features in it), by
    default one label column at the end, (n_features + 1, [0, ..., n_features - 1]); the other
    columns are dropped (so the training file itself can be given). A header row is
    detected as in :func:`read_csv`. ``cells``, ``missing`` and ``missing_values`` as in
    :func:`read_csv`; with
    "text", the columns' ``names`` and ``kinds`` (as a TableEncoder has them) tell a header row:
    one that repeats the names, or has text that is not a number in a numeric column.
    ``sheet`` and ``encoding`` as in :func:`read_csv`.
    """
    if cells not in CELLS:
        raise DataError(f"cells must be one of {', '.join(CELLS)}, got {cells!r}")
    markers = _markers(missing_values, cells)
    if features is not None and len(features) != n_features:
        raise DataError(f"{len(features)} column names for {n_features} features")
    table = Table(path, delimiter, sheet, encoding)
    p, n_cols = table.path, table.n_cols
    header_names = [v.strip() for v in table.first]
    if names_model_columns(header_names, features):
        feature_cols = _named_columns(p, header_names, features)
        X, _ = read_rows(
            table,
            None,
            header_names,
            skip_first=True,
            keep_label=False,
            cells=cells,
            missing=missing,
            kinds=kinds,
            feature_cols=feature_cols,
            missing_values=markers,
        )
        return X
    if layout is None:
        layout = (n_features + 1, list(range(n_features)))
    if n_cols == n_features:
        feature_cols = list(range(n_cols))
    elif n_cols == layout[0] and len(layout[1]) == n_features:
        feature_cols = layout[1]
    else:
        by_name = ""
        if features:
            by_name = f", or a header row naming the model's columns ({listing(features, 20)})"
        laid_out = f", or {layout[0]} {_laid_out(layout)}" if layout[0] != n_features else ""
        raise DataError(  # a header in another encoding than the one guessed names nothing
            f"{p}{_guessed(table)}: the model was fitted on {n_features} features; this file "
            f"has {n_cols} "
            f"column{'s' if n_cols != 1 else ''} (expected {n_features}{laid_out}{by_name})"
        )
    first = [header_names[c] for c in feature_cols]
    if cells == "text" and (names is not None or kinds is not None):
        header = first == names or any(
            kind == "numeric" and not is_missing(v) and not is_number(v)
            for kind, v in zip(kinds or (), first, strict=False)
        )
    else:
        header = table.has_header(feature_cols, cells)
    X, _ = read_rows(
        table,
        None,
        header_names if header else None,
        skip_first=header,
        keep_label=False,
        guessed=True,
        cells=cells,
        missing=missing,
        kinds=kinds,
        feature_cols=feature_cols,
        missing_values=markers,
    )
    return X


def _laid_out(layout: tuple[int, list[int]]) -> str:
    """How a training file's other columns lie: "with a label last", "as the training file:
    the features in columns 2-5" (columns counted from 1)."""
    n_cols, feature_cols = layout
    if feature_cols == list(range(n_cols - 1)):
        return "with a label last"
    first, last = feature_cols[0] + 1, feature_cols[-1] + 1
    where = (
        f"{first}-{last}"
        if feature_cols == list(range(first - 1, last))
        else listing([str(c + 1) for c in feature_cols], 20)
    )
    return f"as the training file: the features in columns {where}"
