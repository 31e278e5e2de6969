"""numpy .npz archives holding X (m, n_x) and y (m,), read without ever unpickling (nor
trusting the sizes a file announces: see :mod:`.archive`)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .archive import ArrayError, NpzArchive, PickledArrayError
from .dataset import Dataset, check_dataset, check_features, make_dataset
from .errors import DataError, listing
from .paths import existing_file


def _several_targets(y: np.ndarray) -> bool:
    """Whether ``y`` is (m, k) real numbers with k >= 2: several real-valued targets."""
    return y.ndim == 2 and y.shape[1] > 1 and y.dtype.kind in "biuf"


def _targets(p: Path, name: str, y: np.ndarray) -> np.ndarray:
    """Several real-valued targets (m, k) as float64; a DataError unless every one is finite."""
    values = y.astype(np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, col = bad[0]
        raise DataError(
            f"{p}: {name} holds {values[row, col]} at row {row}, target {col}; a regression "
            "target must be a finite number"
        )
    return values


def _labels(p: Path, name: str, y: np.ndarray) -> np.ndarray:
    """Labels as ints or strings: (m, 1) is flattened, bytes are decoded, whole floats -> int64
    (those int64 holds exactly; larger ones stay floats)."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{p}: {name} must be 1-D (m,), got shape {y.shape}")
    if y.dtype.kind == "S":
        try:
            y = np.char.decode(y, "utf-8")
        except UnicodeDecodeError as e:
            raise DataError(
                f"{p}: {name} holds bytes that are not UTF-8 text ({e.reason})"
            ) from None
    elif y.dtype.kind == "f" and _whole(y):
        y = y.astype(np.int64)
    if y.dtype.kind not in "biufU":  # what LabelEncoder takes
        raise DataError(f"{p}: {name} must hold numbers or text (labels), got dtype {y.dtype}")
    return y


def _whole(y: np.ndarray) -> bool:
    """Whether float labels are whole numbers that int64 holds exactly (below 2**53)."""
    y = y.astype(np.float64)  # 2**53 in float16 would overflow (with numpy's warning)
    finite = np.isfinite(y).all()
    return bool(finite and (y == np.round(y)).all() and (not y.size or np.abs(y).max() < 2**53))


def _features(p: Path, name: str, X: np.ndarray) -> np.ndarray:
    if X.ndim != 2:
        raise DataError(f"{p}: {name} must be 2-D (m, n_x), examples as rows; got shape {X.shape}")
    return X


def _read_arrays(
    p: Path, required: tuple[str, ...], expected: str, test: bool = True
) -> dict[str, np.ndarray]:
    """The arrays ``required`` of the archive ``p`` and, with ``test``, those of a test part
    (X_test with y_test), read without unpickling; a DataError names what is missing or
    unreadable."""
    if not zipfile.is_zipfile(p):
        raise DataError(f"{p}: not a .npz archive (a .npz file is a zip of .npy arrays)")
    arrays = {}
    current = None
    try:
        with NpzArchive(p) as archive:
            keys = list(archive.files)
            for name in required:
                if name not in keys:
                    held = listing(keys) if keys else "no arrays"
                    raise DataError(
                        f"{p}: no array {name!r} (the file holds {held}); expected {expected}"
                    )
            if test and ("X_test" in keys) != ("y_test" in keys):
                raise DataError(f"{p}: X_test and y_test must come together; found only one")
            for name in (*required, *(("X_test", "y_test") if test else ())):
                if name in keys:
                    current = name
                    arrays[name] = archive[name]
    except PickledArrayError:
        raise DataError(
            f"{p}: array {current!r} holds Python objects, which would need unpickling; "
            "refused (save numbers or strings, not object arrays)"
        ) from None
    except ArrayError as e:
        raise DataError(f"{p}: array {current!r} cannot be read ({e})") from None
    except (OSError, zipfile.BadZipFile) as e:
        raise DataError(f"{p}: corrupt .npz archive ({e})") from None
    return arrays


def read_npz_features(path: str | os.PathLike) -> np.ndarray:
    """The array ``X`` (m, n_x) of a .npz archive, for prediction: labels may be there or not
    (a training file can be given as it is) and are not read."""
    p = existing_file(path)
    X = _read_arrays(p, ("X",), "X (m, n_x), examples as rows", test=False)["X"]
    return check_features(str(p), X)


def read_npz(path: str | os.PathLike, test_part: bool = False) -> Dataset:
    """Read a .npz archive with arrays ``X`` (m, n_x) and ``y`` (m,); optional ``X_test`` and
    ``y_test`` become the ``test`` part (``test_part``: the archive is itself a test part, whose
    labels may hold a single class). A ``y`` of numbers (m, k), k >= 2, holds k real-valued
    targets: the data set's task is then "regression" (and ``y_test``, if any, must be (m, k)
    too). An archive that holds Python objects is refused rather
    than unpickled (unpickling can run code), as is one whose arrays announce more values than
    it holds.
    """
    p = existing_file(path)
    arrays = _read_arrays(p, ("X", "y"), "X (m, n_x) and y (m,)")

    if _several_targets(arrays["y"]):
        return _read_targets(p, arrays)
    test = None
    if "X_test" in arrays:
        X_test = _features(p, "X_test", arrays["X_test"])
        y_test = _labels(p, "y_test", arrays["y_test"])
        description = f"{p} (test part): {len(y_test)} examples."
        test = make_dataset(f"{p} (test part)", X_test, y_test, description)
    X = _features(p, "X", arrays["X"])
    y = _labels(p, "y", arrays["y"])
    with_test = f"; test part: {test.m} examples" if test is not None else ""
    description = (
        f"{p}: {X.shape[0]} examples, {X.shape[1]} features, {len(np.unique(y))} classes"
        f"{with_test}."
    )
    ds = make_dataset(str(p), X, y, description, test=test)
    ds.label_name = "y"
    return check_dataset(ds, classification=not test_part)


def _read_targets(p: Path, arrays: dict) -> Dataset:
    """The Dataset of an archive whose ``y`` is (m, k) real numbers: k targets (task
    "regression"), with its test part, whose ``y_test`` must have as many."""
    y = _targets(p, "y", arrays["y"])
    k = y.shape[1]
    test = None
    if "X_test" in arrays:
        y_test = arrays["y_test"]
        if not (_several_targets(y_test) and y_test.shape[1] == k):
            raise DataError(
                f"{p}: y holds {k} targets (shape {y.shape}), so y_test must be (m, {k}); got "
                f"shape {y_test.shape}"
            )
        X_test = _features(p, "X_test", arrays["X_test"])
        test = Dataset(
            f"{p} (test part)",
            X_test,
            _targets(p, "y_test", y_test),
            [],
            f"{p} (test part): {len(y_test)} examples.",
            task="regression",
        )
    X = _features(p, "X", arrays["X"])
    with_test = f"; test part: {test.m} examples" if test is not None else ""
    description = (
        f"{p}: {X.shape[0]} examples, {X.shape[1]} features, {k} real-valued targets (the "
        f"columns of y){with_test}."
    )
    return check_dataset(Dataset(str(p), X, y, [], description, test=test, task="regression"))
