"""From a data set to the arrays the engine trains on: load, split, encode, preprocess.

Shared by the command line, the report and the plots, so that each of them rebuilds exactly the
same training, validation and test parts from a data set name and a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data


@dataclass
class Parts:
    """Encoded, preprocessed data in the notation's layout (examples are columns)."""

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


def _column(text: str):
    """A column given on the command line: an index when it is a number, else a name."""
    return int(text) if text.lstrip("-").isdigit() else text


def load_dataset(spec: str, label: str | None = None, weight: str | None = None) -> data.Dataset:
    """A data set by name or path; ``label`` and ``weight`` are CSV columns (label, per-example
    weight), by name or index (as text)."""
    kind = _not_csv(spec)
    for option, value in (("--label", label), ("--sample-weight", weight)):
        if value is not None and kind is not None:
            raise data.DataError(f"{option} applies to CSV files; {spec} is {kind}")
    kwargs = {}
    if label is not None:
        kwargs["label"] = _column(label)
    if weight is not None:
        kwargs["weight"] = _column(weight)
    return data.load(spec, **kwargs)


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
) -> Parts:
    """Load a data set, split it (stratified, seeded: ``test`` and then ``validation`` fractions,
    unless the data come with their own test part), encode the labels as 0..k-1, fit the
    preprocessing on the training part only (unless a fitted ``preprocessor`` is given) and return
    every part as columns (n_x, m) of ``dtype``. Deterministic for a seed, so a resumed run or a
    later evaluation rebuilds exactly the same parts."""
    ds = load_dataset(spec, label, weight)
    if encoder is None:
        encoder = data.LabelEncoder()
        encoder.fit(ds.y)
    if ds.test is not None:
        train_rows, test = ds, ds.test
        train_index = np.arange(ds.m)
        X_test_rows, y_test = test.X, test.y
    else:
        if not test > 0:
            raise data.DataError(
                f"--test {test:g} leaves no examples for testing; give a fraction above 0"
            )
        train_index, test_index = data.stratified_split(ds.y, fractions=(1 - test, test), seed=seed)
        _check_parts(ds.y, train_index, test_index, "--test", test, "testing", ds.y, "examples")
        train_rows = ds
        X_test_rows, y_test = ds.X[test_index], ds.y[test_index]
    if validation > 0:
        fit_part, val_part = data.stratified_split(
            train_rows.y[train_index],
            fractions=(1 - validation, validation),
            seed=seed,
        )
        y_train = train_rows.y[train_index]
        noun = "training examples" + (f" (after --test {test:g})" if ds.test is None else "")
        _check_parts(
            y_train, fit_part, val_part, "--validation", validation, "validation", ds.y, noun
        )
        fit_index, val_index = train_index[fit_part], train_index[val_part]
    else:
        fit_index, val_index = train_index, None
    if preprocessor is None:
        preprocessor = data.make_preprocessor(ds.kind)
        preprocessor.fit(train_rows.X[fit_index])

    def columns(X_rows):
        return data.to_columns(preprocessor.transform(X_rows, dtype=dtype))

    X_val = y_val = None
    if val_index is not None:
        X_val = columns(train_rows.X[val_index])
        y_val = encoder.transform(train_rows.y[val_index])
    return Parts(
        X_train=columns(train_rows.X[fit_index]),
        y_train=encoder.transform(train_rows.y[fit_index]),
        X_val=X_val,
        y_val=y_val,
        X_test=columns(X_test_rows),
        y_test=encoder.transform(y_test),
        encoder=encoder,
        preprocessor=preprocessor,
        description=ds.description,
        w_train=None if ds.sample_weight is None else ds.sample_weight[fit_index],
    )


def _check_parts(y, kept, held_out, option: str, value: float, purpose: str, every, noun) -> None:
    """A DataError naming the cause when a split of the labels ``y`` (``noun``: what they are)
    left a part empty (a class with fewer members than parts goes wholly to the first part).
    ``every``: all the labels of the data set."""
    if len(kept) and len(held_out):
        return
    classes, counts = np.unique(every, return_counts=True)
    if np.count_nonzero(counts == 1) > len(every) / 2:  # most labels occur once
        raise data.DataError(
            f"the label column has {len(classes)} distinct values for {len(every)} rows: is it "
            "a continuous target? deltaprop train classifies"
        )
    if not len(kept):
        raise data.DataError(f"{option} {value:g} leaves no examples for training")
    raise data.DataError(
        f"{option} {value:g} leaves no examples for {purpose}: {len(y)} {noun} are too few to "
        "split (a class needs 2 members to be in both parts)"
    )


def encoder_for(classes) -> data.LabelEncoder:
    """A LabelEncoder that maps ``classes`` (a model's labels, in its output units' order, sorted
    or not) to 0..k-1."""
    return data.LabelEncoder.for_classes(np.asarray(classes))


def _named(spec) -> bool:
    """True for the name of a bundled or synthetic data set."""
    return spec in data.BUNDLED or spec in data.SYNTHETIC


def recorded_data(spec: str | None) -> str | None:
    """The data as a run records them: a data set's name, or a file or folder's absolute path
    (so that the model can be evaluated from any folder)."""
    if spec is None or _named(spec) or not Path(spec).exists():
        return spec
    return str(Path(spec).resolve())


def names_trained_data(model, spec: str | None) -> bool:
    """Whether ``spec`` (a data set's name, or a file or folder's path, relative or not) names
    the data the model was trained on, which its file records as ``recorded_data`` made them."""
    return spec is not None and model.info.get("data") in (spec, recorded_data(spec))


def trained_data(model) -> str | None:
    """The data set a model was trained on, as its file records it (a name or a path); a
    DataError saying so when that is a file or folder that is no longer there."""
    spec = model.info.get("data")
    if spec is not None and not isinstance(spec, str):
        raise data.DataError(f"the model's file records its data as {spec!r}, not a name or path")
    if spec is None or _named(spec) or Path(spec).exists():
        return spec
    raise data.DataError(
        f"the data file the model was trained on, {spec}, is not there; pass --data"
    )


def model_test_part(model, label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The held-out test part of the data set a model was trained on, rebuilt from the settings
    its file records (same split, same label codes, the model's own preprocessing): X_test
    (n_x, m) and codes y_test (m,)."""
    settings = recorded_settings(model)
    parts = prepare_data(
        trained_data(model),
        label=label or settings.get("label"),
        weight=settings.get("sample_weight"),
        test=settings["test"],
        validation=settings["validation"],
        seed=settings["seed"],
        dtype=model.network.dtype,
        encoder=encoder_for(model.classes),
        preprocessor=model.preprocessor,
    )
    return parts.X_test, parts.y_test


def recorded_settings(model) -> dict:
    """The settings of the run a model's file records (``info["settings"]``), with those that
    rebuilding its test part takes checked: the fractions held out, the seed of the split, and
    the label and weight columns (as the command line gives them: text, or none)."""
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
        if not isinstance(settings.get(key), (str, type(None))):
            raise data.DataError(
                f"the model's file records {key} = {settings[key]!r}, not a column's name or index"
            )
    return settings
