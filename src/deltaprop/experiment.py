"""From a data set to the arrays the engine trains on: load, split, encode, preprocess.

Shared by the command line, the report and the plots, so that each of them rebuilds exactly the
same training, validation and test parts from a data set name and a seed.
"""

from __future__ import annotations

import reprlib
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data
from .core import DeltapropWarning


@dataclass
class Parts:
    """Encoded, preprocessed data in the notation's layout (examples are columns).

    Classification: y_train, y_val and y_test are class codes (m,), ``encoder`` maps them to
    the labels. Regression: y_train and y_val are the targets standardized with
    ``target_scaler`` (fitted on y_train), (m,) in the data's dtype, as the network learns them;
    y_test is in the target's own units (float64), as predictions are reported; ``encoder`` is
    None. Several targets (k): y_train and y_val are columns (k, m), y_test rows (m, k)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray
    encoder: object
    preprocessor: object
    description: str
    #: weights of the training examples (m_train,), from the data's weight column, or None
    w_train: np.ndarray | None = None
    #: regression: the Standardizer of the target (n_x = 1; k for k targets); None for
    #: classification
    target_scaler: object | None = None
    #: regression: the target column's name (a CSV header's), or None; for several targets, the
    #: list of their names (or None when the file names no columns)
    target_name: str | list[str] | None = None
    #: a CSV file with a header: the names of the feature columns (before encoding), else None
    feature_names: list[str] | None = None
    #: a CSV file with a header: the label column's name, else None
    label_name: str | None = None


def _column(text: str):
    """A column given on the command line: an index when it is a number, else a name."""
    return int(text) if text.lstrip("-").isdigit() else text


def several(label) -> bool:
    """Whether a ``--label`` setting names several columns (several regression targets)."""
    return isinstance(label, (list, tuple))


#: How to fill missing values, as a missing value's error says it.
IMPUTE_HINT = "add --impute mean or --impute median to fill missing values"
#: Why a model cannot fill them.
NO_IMPUTE_HINT = "the model was trained without --impute, so it fills no missing values"


def ignore_hint(error: data.UnusableColumnError) -> str:
    """How to leave out a column that the encoding cannot use: by its name, or its index."""
    if error.column is not None:
        return f"leave it out with --ignore {shlex.quote(error.column)}"
    return "leave it out with --ignore and its index in the file (from 0)"


def load_dataset(
    spec: str,
    label: str | None = None,
    weight: str | None = None,
    *,
    cells: str = "numbers",
    impute: str | None = None,
    missing_hint: str = IMPUTE_HINT,
    ignore: list[str] | None = None,
    features: list[str] | None = None,
    missing_values: list[str] | None = None,
    test_data: str | None = None,
    sheet: str | None = None,
    test_sheet: str | None = None,
    encoding: str | None = None,
) -> data.Dataset:
    """A data set by name or path; ``label`` and ``weight`` are CSV columns (label, per-example
    weight), by name or index (as text), ``ignore`` CSV columns left out of the features, and
    ``features`` the only feature columns, by name (see ``data.read_csv``). ``cells``: how a
    CSV file's features are read (see ``data.read_csv``: "numbers", "mixed" for text columns,
    "text"); ``impute``: missing values will be filled (so a CSV file's are kept), else a
    missing value is an error that ends with ``missing_hint``; ``missing_values``: more texts
    that mean one (with "mixed" or "text"). ``test_data``: a second file of the same kind, the
    test part (``Dataset.test``), read as the first: a CSV file's feature columns by the first
    one's header names when it has them, else by position. ``sheet`` and ``test_sheet``: the
    sheets of workbooks ``spec`` and ``test_data`` (default their first); ``encoding``: the
    text's of both (see ``check_file_options``)."""
    check_file_options(spec, sheet, encoding)
    if test_data is not None:
        check_file_options(test_data, test_sheet, encoding, "--test-sheet")
    elif test_sheet is not None:
        raise data.DataError(
            f"--test-sheet {shlex.quote(test_sheet)} is a sheet of --test-data, which is not given"
        )
    kind = _not_csv(spec)
    options = (("--label", label), ("--sample-weight", weight), ("--impute", impute))
    lists = (("--ignore", ignore), ("--missing-values", missing_values))
    for option, value in (*options, *lists):
        if value is not None and kind is not None:
            raise data.DataError(f"{option} applies to CSV files; {spec} is {kind}")
    kwargs = {}
    if label is not None:
        kwargs["label"] = [_column(c) for c in label] if several(label) else _column(label)
    if weight is not None:
        kwargs["weight"] = _column(weight)
    if ignore is not None:
        kwargs["ignore"] = [_column(c) for c in ignore]
    if features is not None:
        kwargs["features"] = features
    if kind is None and cells != "numbers":
        kwargs.update(cells=cells, missing=impute is not None, missing_values=missing_values)
    kwargs.update(_given(encoding=encoding))
    try:
        ds = data.load(spec, **kwargs, **_given(sheet=sheet))
        if test_data is not None:
            ds.test = _test_data(ds, spec, test_data, {**kwargs, **_given(sheet=test_sheet)})
    except data.MissingValueError as e:
        raise data.MissingValueError(f"{e}; {missing_hint}") from None
    return ds


def load_as_is(
    spec: str,
    label: str | None = None,
    *,
    missing_values: list[str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> data.Dataset:
    """A data set as ``load_dataset`` reads it for training, with a CSV file's text columns
    and missing cells kept as they are (for ``deltaprop inspect``)."""
    table = _not_csv(spec) is None
    return load_dataset(
        spec,
        label,
        cells="mixed" if table else "numbers",
        impute="kept" if table else None,  # any value keeps the missing cells
        missing_values=missing_values,
        sheet=sheet,
        encoding=encoding,
    )


def _given(**options) -> dict:
    """The ``options`` that are not None: the readers' defaults stand for the others (and the
    data sets that take no options are given none)."""
    return {key: value for key, value in options.items() if value is not None}


def _test_data(ds: data.Dataset, spec: str, test_data: str, kwargs: dict) -> data.Dataset:
    """The test part from the file ``test_data`` (``--test-data``), read as ``spec`` was
    (``kwargs``): a CSV file's columns by the names of ``ds``'s header when it has one."""
    if ds.test is not None:
        raise data.DataError(f"--test-data {test_data}: {spec} comes with its own test part")
    if _not_csv(test_data) != _not_csv(spec) or _named(test_data):
        raise data.DataError(
            f"--test-data {test_data}: the test part must be a file of the training data's kind "
            f"({_not_csv(spec) or 'a CSV file'})"
        )
    if ds.feature_names is not None and _not_csv(spec) is None:  # the columns by name
        kwargs = {k: v for k, v in kwargs.items() if k not in ("weight", "ignore")}
        kwargs["features"] = ds.feature_names
        if ds.label_name is not None and not several(kwargs.get("label")):
            kwargs["label"] = ds.label_name
    test = data.load(test_data, **kwargs, test_part=True)
    if test.X.dtype == object and ds.X.dtype != object and kwargs.get("cells") == "mixed":
        # text where the training data hold numbers only: read again as numbers, which names
        # the first cell that is not one
        numbers = ("cells", "missing", "missing_values")
        data.load(
            test_data, **{k: v for k, v in kwargs.items() if k not in numbers}, test_part=True
        )
    if test.test is not None:
        raise data.DataError(f"--test-data {test_data} comes with a test part of its own")
    if test.X.shape[1] != ds.X.shape[1]:
        raise data.DataError(
            f"--test-data {test_data}: {test.X.shape[1]} features, but the training data "
            f"have {ds.X.shape[1]}"
        )
    ds.description += f" Test part: {test.name}, {test.m} examples."
    return test


def check_file_options(
    spec: str, sheet: str | None, encoding: str | None, sheet_option: str = "--sheet"
) -> None:
    """A DataError when ``sheet`` (given as ``sheet_option``) is given for data that are not an
    Excel workbook, or ``encoding`` for data that are not delimited text: the options would
    change nothing."""
    kind = _not_csv(spec)
    workbook = kind is None and data.spreadsheet.is_workbook(spec)
    if sheet is not None and not workbook:
        raise data.DataError(
            f"{sheet_option} {shlex.quote(sheet)} picks a sheet of an Excel workbook (.xlsx); "
            f"{spec} is {kind or 'not one'}"
        )
    if kind is None and workbook:
        kind = "an Excel workbook"
    elif kind is None and data.parquet.is_parquet(spec):
        kind = "a Parquet file"
    if encoding is not None and kind:
        raise data.DataError(
            f"--encoding {shlex.quote(encoding)} is for delimited text files (CSV, TSV, .txt); "
            f"{spec} is {kind}"
        )


def load_for_model(
    model, spec: str, label: str | None = None, *, sheet=None, encoding=None
) -> data.Dataset:
    """A data set to apply ``model`` to: a CSV file read as its preprocessing takes it (text
    columns and, when it fills them, missing values, for a TableEncoder). When the model knows
    its input columns by name and the file's header names them, they are taken by name, and
    the label is ``label`` or the model's own label column; every other column is left out.
    Otherwise the columns are taken by position (a label, ``label`` or the last). ``sheet``
    and ``encoding`` as in ``load_dataset``; for the model's own data, by default those its run
    read them with."""
    read = reading_for(model, spec, sheet, encoding)
    check_file_options(spec, **read)
    features = None
    table = _not_csv(spec) is None and data.paths.exists(spec) and not Path(spec).is_dir()
    names = model_features(model) if table else None
    if names is not None and data.names_model_columns(data.first_row(spec, **read), names):
        features, label = names, label or model_targets(model) or model_label(model)
    encoder = model.preprocessor
    if isinstance(encoder, data.TableEncoder):
        return load_dataset(
            spec,
            label,
            cells="text",
            impute=encoder.impute,
            missing_hint=NO_IMPUTE_HINT,
            features=features,
            missing_values=model_missing_values(model),
            **read,
        )
    return load_dataset(spec, label, features=features, **read)


def reading_for(model, spec: str, sheet: str | None, encoding: str | None) -> dict:
    """The ``sheet`` and ``encoding`` to read ``spec`` with: those given, or for the data the
    model was trained on, those its run read them with."""
    if names_trained_data(model, spec):
        recorded = model_read_options(model)
        sheet = recorded["sheet"] if sheet is None else sheet
        encoding = recorded["encoding"] if encoding is None else encoding
    return {"sheet": sheet, "encoding": encoding}


#: The settings that say how a run read its files; absent (or None): the first sheet, and the
#: encoding detected.
READ_OPTIONS = ("sheet", "test_sheet", "encoding")


def model_read_options(model) -> dict:
    """How the run of a model read its files (train --sheet, --test-sheet, --encoding), as its
    file's settings record them: each a text, or None (not recorded: files from before them, or
    a run that read the first sheet and detected the encoding)."""
    settings = model.info.get("settings")
    settings = settings if isinstance(settings, dict) else {}
    options = {key: settings.get(key) for key in READ_OPTIONS}
    for key, value in options.items():
        if value is not None and not isinstance(value, str):
            raise data.DataError(
                f"the model's file records {key} = {reprlib.repr(value)}, not a text"
            )
    return options


def model_features(model) -> list[str] | None:
    """The names of a model's input columns (before encoding), as its file records them
    (``info["features"]``, or a TableEncoder's names in files from before that), or None when
    it does not know them; a DataError when the record is not ``model.n_features`` distinct
    texts."""
    names = model.info.get("features")
    if names is None and isinstance(model.preprocessor, data.TableEncoder):
        names = model.preprocessor.names
    if names is None:
        return None
    if (
        not isinstance(names, list)
        or not all(isinstance(n, str) for n in names)
        or len(names) != model.n_features
        or len(set(names)) != len(names)
    ):
        raise data.DataError(
            f"the model's file records its input columns as {reprlib.repr(names)}, not "
            f"{model.n_features} distinct column names"
        )
    return names


def model_layout(model) -> tuple[int, list[int]] | None:
    """Where a model's features lay in its training file, as far as its run's settings give the
    other columns (label, targets, weight, ignored) by position: (the file's number of
    columns, the positions of the features, in order). When a setting names a column by its
    header, the features alone (n_features, [0, ..., n_features - 1]): where the other columns
    lay is not known (predict takes the columns by name from a header). None for a model
    without a run's settings (made in Python)."""
    settings = model.info.get("settings")
    if not isinstance(settings, dict):
        return None
    features_alone = model.n_features, list(range(model.n_features))
    label = settings.get("label")
    others = [*(label if several(label) else [label])]
    others += [settings.get("sample_weight"), *(settings.get("ignore") or [])]
    given = [_column(c) if isinstance(c, str) else c for c in others if c is not None]
    if label is None:
        given.append(-1)  # the label is the last column by default
    if not all(type(c) is int for c in given):
        return features_alone  # a name (or a damaged record)
    n_cols = model.n_features + len(given)
    dropped = {c % n_cols for c in given if -n_cols <= c < n_cols}
    if len(dropped) != len(given):
        return features_alone
    return n_cols, [c for c in range(n_cols) if c not in dropped]


def model_missing_values(model) -> list[str] | None:
    """The texts that meant a missing value in a model's training data (train
    --missing-values), as its file's settings record them; None when it records none."""
    settings = model.info.get("settings")
    values = settings.get("missing_values") if isinstance(settings, dict) else None
    if values is not None and (
        not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values)
    ):
        raise data.DataError(
            f"the model's file records missing_values = {reprlib.repr(values)}, not a list of texts"
        )
    return values


def model_label(model) -> str | None:
    """The name of the label column of a model's training file, when its file records one
    (``info["label_name"]``, or a ``--label`` given by name)."""
    for name in (model.info.get("label_name"), model.info.get("label")):
        if isinstance(name, str) and name and not isinstance(_column(name), int):
            return name
    return None


def model_targets(model) -> list[str] | None:
    """The names of a model's several target columns, when its file records them
    (``info["target"]``, a list), else None."""
    names = model.info.get("target")
    if isinstance(names, list) and len(names) > 1 and all(isinstance(n, str) for n in names):
        return names
    return None


def _not_csv(spec) -> str | None:
    """What ``spec`` is when it is not a CSV file (which alone has columns to choose), else
    None."""
    if spec in data.BUNDLED:
        return "a bundled data set"
    if spec in data.SYNTHETIC:
        return "a synthetic data set"
    if Path(spec).is_dir():
        return "a folder of IDX files"
    if str(spec).lower().endswith(".npz"):
        return "an .npz file"
    return None


def prepare_data(
    spec: str,
    *,
    label: str | None = None,
    weight: str | None = None,
    test: float = 0.25,
    validation: float = 0.1,
    seed: int = 0,
    dtype=np.float32,
    encoder: data.LabelEncoder | None = None,
    preprocessor=None,
    regression: bool = False,
    target_scaler=None,
    impute: str | None = None,
    impute_text: str = "most_frequent",
    ignore: list[str] | None = None,
    missing_values: list[str] | None = None,
    test_data: str | None = None,
    sheet: str | None = None,
    test_sheet: str | None = None,
    encoding: str | None = None,
) -> Parts:
    """Load a data set, split it (seeded: ``test`` and then ``validation`` fractions, unless the
    data come with their own test part), fit the preprocessing on the training part only (unless
    a fitted ``preprocessor`` is given) and return every part as columns (n_x, m) of ``dtype``.

    Classification: the splits are stratified and the labels encoded as 0..k-1. ``regression``:
    the label column is read as a real-valued target, the splits are random (unstratified) and
    the target is standardized on the training part (unless a fitted ``target_scaler`` is given).
    Deterministic for a seed, so a resumed run or a later evaluation rebuilds exactly the same
    parts.

    A CSV file may have text columns: they are one-hot encoded, and its missing values filled
    with ``impute`` ("mean" or "median"; text cells as ``impute_text`` says, see
    ``data.TableEncoder``), categories and fill values learned on the training part; a file
    with neither is standardized as before;
    ``missing_values``: more texts that mean a missing value ("unknown"). ``ignore``: CSV columns
    (names or indices, as text) left out of the features. ``test_data``: a file that is the test
    part (``test`` then unused), read as ``spec`` is. ``sheet``, ``test_sheet``, ``encoding``:
    how the files are read (see ``load_dataset``)."""
    read = {"sheet": sheet, "test_sheet": test_sheet, "encoding": encoding}
    if preprocessor is None:
        ds = load_dataset(
            spec,
            label,
            weight,
            cells="mixed",
            impute=impute,
            ignore=ignore,
            missing_values=missing_values,
            test_data=test_data,
            **read,
        )
    elif isinstance(preprocessor, data.TableEncoder):
        ds = load_dataset(
            spec,
            label,
            weight,
            cells="text",
            impute=preprocessor.impute,
            missing_hint=NO_IMPUTE_HINT,
            ignore=ignore,
            missing_values=missing_values,
            test_data=test_data,
            **read,
        )
    else:
        ds = load_dataset(spec, label, weight, ignore=ignore, test_data=test_data, **read)
    _check_task(ds, spec, regression)
    y = data.numeric_targets(ds) if regression else ds.y
    if ds.test is not None:
        train_index = np.arange(ds.m)
        X_test_rows = ds.test.X
        y_test = data.numeric_targets(ds.test) if regression else ds.test.y
    else:
        if not test > 0:
            raise data.DataError(
                f"--test {test:g} leaves no examples for testing; give a fraction above 0"
            )
        train_index, test_index = _split(y, test, seed, regression)
        _check_parts(
            y, train_index, test_index, "--test", test, "testing", y, "examples", regression
        )
        X_test_rows, y_test = ds.X[test_index], y[test_index]
    if validation > 0:
        fit_part, val_part = _split(y[train_index], validation, seed, regression)
        noun = "training examples" + (f" (after --test {test:g})" if ds.test is None else "")
        _check_parts(
            y[train_index],
            fit_part,
            val_part,
            "--validation",
            validation,
            "validation",
            y,
            noun,
            regression,
        )
        fit_index, val_index = train_index[fit_part], train_index[val_part]
    else:
        fit_index, val_index = train_index, None
    if preprocessor is None and (ds.X.dtype == object or impute is not None):
        preprocessor = data.TableEncoder(impute, ds.feature_names, impute_text)
        try:
            preprocessor.fit(ds.X[fit_index], data.column_kinds(ds.X), _warn)
        except data.UnusableColumnError as e:
            raise data.DataError(f"{e.reason}; {ignore_hint(e)}") from None
    elif preprocessor is None:
        preprocessor = data.make_preprocessor(ds.kind)
        preprocessor.fit(ds.X[fit_index])
    if regression:
        encoder = None
        if target_scaler is None:
            target_scaler = data.Standardizer().fit(y[fit_index].reshape(len(fit_index), -1))
        encode = _scaled_targets(target_scaler, dtype)
    else:
        if encoder is None:
            encoder = data.LabelEncoder().fit(ds.y)
        encode = encoder.transform

    def columns(X_rows, part: str):
        if not isinstance(preprocessor, data.TableEncoder):
            return data.to_columns(preprocessor.transform(X_rows, dtype=dtype))

        def warn(message: str) -> None:
            warnings.warn(f"the {part} part, {message}", DeltapropWarning, stacklevel=2)

        return data.to_columns(preprocessor.transform(X_rows, dtype=dtype, warn=warn))

    X_val = y_val = None
    if val_index is not None:
        X_val, y_val = columns(ds.X[val_index], "validation"), encode(y[val_index])
    return Parts(
        X_train=columns(ds.X[fit_index], "training"),
        y_train=encode(y[fit_index]),
        X_val=X_val,
        y_val=y_val,
        X_test=columns(X_test_rows, "test"),
        y_test=y_test if regression else _test_codes(encoder, y_test, ds.test),
        encoder=encoder,
        preprocessor=preprocessor,
        description=_description(ds, regression),
        w_train=None if ds.sample_weight is None else ds.sample_weight[fit_index],
        target_scaler=target_scaler,
        target_name=(ds.target_names if y.ndim == 2 else ds.label_name) if regression else None,
        feature_names=ds.feature_names if _not_csv(spec) is None else None,
        label_name=ds.label_name,
    )


def _test_codes(encoder, y_test, test: data.Dataset | None) -> np.ndarray:
    """The test part's labels as codes; a label training never saw is a DataError that names
    the file of a test part of its own (--test-data, MNIST's t10k)."""
    try:
        return encoder.transform(y_test)
    except data.DataError as e:
        if test is None:
            raise
        raise data.DataError(f"{test.name}: {e}") from None


def _warn(message: str) -> None:
    warnings.warn(message, DeltapropWarning, stacklevel=3)


def _check_task(ds: data.Dataset, spec: str, regression: bool) -> None:
    """A DataError when the data set cannot be used for the task asked for: a regression set
    without ``--regression``, or a named classification set with it (its labels are classes).
    A file's numeric label column may be either, unless it holds numbers that are not whole:
    those are a quantity, not classes."""
    if ds.task == "regression" and not regression:
        what = "real-valued targets" if np.ndim(ds.y) == 2 else "a real-valued target"
        raise data.DataError(f"{ds.name} is a regression data set ({what}); add --regression")
    if regression and ds.task == "classification" and _named(spec):
        raise data.DataError(
            f"{spec} is a classification data set (its labels are classes); --regression needs a "
            "real-valued target: diabetes, linnerud, or a CSV or .npz file with a numeric label "
            "column"
        )
    example = None if regression else data.fractional_label(ds.y)
    if example is not None:
        column = f" {ds.label_name!r}" if ds.label_name else ""
        raise data.DataError(
            f"{ds.name}: the label column{column} holds {example!r}, not a whole number: a "
            "real-valued target rather than classes; add --regression to train a regression "
            "network"
        )


def _split(y, fraction: float, seed: int, regression: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the examples of ``y`` (m,) kept and held out (``fraction`` of them): a random
    split for a regression target, stratified by class otherwise."""
    fractions = (1 - fraction, fraction)
    if regression:
        return data.random_split(len(y), fractions=fractions, seed=seed)
    return data.stratified_split(y, fractions=fractions, seed=seed)


def _scaled_targets(scaler, dtype):
    """Targets (m,) in their units -> standardized (m,) in ``dtype``, as the network learns them;
    several targets (m, k) -> columns (k, m)."""

    def encode(y: np.ndarray) -> np.ndarray:
        if y.ndim == 2:
            return np.ascontiguousarray(scaler.transform(y, dtype=dtype).T)
        return scaler.transform(y.reshape(-1, 1), dtype=dtype)[:, 0]

    return encode


def _description(ds: data.Dataset, regression: bool) -> str:
    """What the data are, as a run reports them: a file's own description counts classes, so a
    target read from one is described anew."""
    if not regression or ds.task == "regression":
        return ds.description
    column = repr(ds.label_name) if ds.label_name else "the label column"
    features = f"{ds.n_x} features{data.encoding.text_note(ds.X)}"
    return f"{ds.name}: {ds.m} examples, {features}, a real-valued target ({column})."


def _check_parts(
    y, kept, held_out, option: str, value: float, purpose: str, every, noun, regression=False
) -> None:
    """A DataError naming the cause when a split of the labels ``y`` (``noun``: what they are)
    left a part empty (a class with fewer members than parts goes wholly to the first part; a
    random split of a regression target leaves one empty only with a single example).
    ``every``: all the labels (or targets) of the data set."""
    if len(kept) and len(held_out):
        return
    if not regression:
        classes, counts = np.unique(every, return_counts=True)
        if np.count_nonzero(counts == 1) > len(every) / 2:  # most labels occur once
            raise data.DataError(
                f"the label column has {len(classes)} distinct values for {len(every)} rows: is "
                "it a continuous target? train a regression network with --regression"
            )
    if not len(kept):
        raise data.DataError(f"{option} {value:g} leaves no examples for training")
    why = "" if regression else " (a class needs 2 members to be in both parts)"
    raise data.DataError(
        f"{option} {value:g} leaves no examples for {purpose}: {len(y)} {noun} are too few to "
        f"split{why}"
    )


def encoder_for(classes) -> data.LabelEncoder:
    """A LabelEncoder that maps ``classes`` (a model's labels, in its output units' order, sorted
    or not) to 0..k-1."""
    return data.LabelEncoder.for_classes(np.asarray(classes))


def _named(spec) -> bool:
    """True for the name of a bundled or synthetic data set."""
    return spec in data.BUNDLED or spec in data.SYNTHETIC


def recorded_data(spec: str | None) -> str | None:
    """The data as a run records them: a data set's name or a URL, or a file or folder's
    absolute path (also a zip archive's, for a file in one), so that the model can be
    evaluated from any folder."""
    if spec is None or _named(spec) or not data.paths.exists(spec):
        return spec
    return data.paths.absolute(spec)


def names_trained_data(model, spec: str | None) -> bool:
    """Whether ``spec`` (a data set's name, or a file or folder's path, relative or not) names
    the data the model was trained on, which its file records as ``recorded_data`` made them."""
    return spec is not None and model.info.get("data") in (spec, recorded_data(spec))


def trained_data(model, key: str = "data") -> str | None:
    """The data set a model was trained on, as its file records it (a name or a path); a
    DataError saying so when that is a file or folder that is no longer there. ``key``
    "test_data": the file of its test part (train --test-data), or None."""
    spec = model.info.get("data") if key == "data" else recorded_settings(model).get(key)
    if spec is not None and not isinstance(spec, str):
        raise data.DataError(f"the model's file records its {key} as {spec!r}, not a name or path")
    if spec is None or _named(spec) or data.paths.exists(spec):
        return spec
    if key == "data":
        raise data.DataError(
            f"the data file the model was trained on, {spec}, is not there; pass --data"
        )
    raise data.DataError(f"the file of the model's test part, {spec}, is not there; pass --data")


def model_test_part(model, label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The held-out test part of the data set a model was trained on, rebuilt from the settings
    its file records (same split, same label codes, the model's own preprocessing): X_test
    (n_x, m) and codes y_test (m,); for a regression run, the targets y_test (m,) in their
    units ((m, k) for k targets)."""
    settings = recorded_settings(model)
    regression = settings.get("regression", False)
    parts = prepare_data(
        trained_data(model),
        label=label or settings.get("label"),
        weight=settings.get("sample_weight"),
        test=settings["test"],
        validation=settings["validation"],
        seed=settings["seed"],
        dtype=model.network.dtype,
        encoder=None if regression else encoder_for(model.classes),
        preprocessor=model.preprocessor,
        regression=regression,
        target_scaler=model.target_scaler,
        ignore=settings.get("ignore"),
        missing_values=model_missing_values(model),
        test_data=trained_data(model, "test_data"),
        **model_read_options(model),
    )
    return parts.X_test, parts.y_test


def recorded_settings(model) -> dict:
    """The settings of the run a model's file records (``info["settings"]``), with those that
    rebuilding its test part takes checked: the fractions held out, the seed of the split, the
    label and weight columns (as the command line gives them: text, or none) and whether the run
    was a regression (true or false; absent in files of classifiers from before it existed)."""
    settings = model.info.get("settings")
    if not isinstance(settings, dict):
        raise data.DataError("the model's file records no settings of its run (a JSON object)")
    for key in ("test", "validation"):
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise data.DataError(
                f"the model's file records {key} = {value!r}, not a fraction in [0, 1)"
            )
    seed = settings.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise data.DataError(
            f"the model's file records seed = {seed!r}, not a non-negative integer"
        )
    for key in ("label", "sample_weight"):
        value = settings.get(key)
        targets = key == "label" and several(value) and len(value) > 1
        if not isinstance(value, (str, type(None))) and not (
            targets and all(isinstance(c, str) for c in value)
        ):
            raise data.DataError(
                f"the model's file records {key} = {settings[key]!r}, not a column's name or index"
            )
    ignore = settings.get("ignore")
    if ignore is not None and (
        not isinstance(ignore, list) or not ignore or not all(isinstance(c, str) for c in ignore)
    ):
        raise data.DataError(
            f"the model's file records ignore = {reprlib.repr(ignore)}, not a list of columns"
        )
    if not isinstance(settings.get("regression", False), bool):
        raise data.DataError(
            f"the model's file records regression = {settings['regression']!r}, not true or false"
        )
    return settings
