"""The Dataset record every loader returns, and the checks every loader runs on it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import DataError

KINDS = ("tabular", "image")
#: What a data set's y holds: class labels, or a real-valued target to regress.
TASKS = ("classification", "regression")

# Rows scanned at a time when looking for NaN/inf, so that a large float array is checked
# without a boolean temporary of its full size.
_CHECK_ROWS = 8192


@dataclass(eq=False)  # arrays have no single truth value, so field-wise == would be meaningless
class Dataset:
    """A labelled data set as files have it: examples are ROWS.

    ``X``: (m, n_x) features (float32/float64, or uint8 for raw images; for a CSV file read
    with text columns or missing cells, an object array of the cells' text, which a
    :class:`~deltaprop.data.TableEncoder` encodes); ``y``: (m,) original
    labels (ints or strings), or for a ``task`` of "regression" real-valued targets (float64),
    (m, k) for k targets;
    ``class_names``: the sorted unique labels as strings, in the order LabelEncoder gives them
    codes (empty for regression). ``kind``: "tabular" (standardize) or "image" (scale pixels by
    1/255). ``test``: a test part that comes with the source (MNIST's t10k files), or None.

    The engine wants examples as columns, (n_x, m); :func:`deltaprop.data.to_columns` converts.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    description: str
    feature_names: list[str] | None = None
    kind: str = "tabular"
    test: Dataset | None = None
    #: per-example weights (m,), e.g. from a CSV weight column; None when unweighted
    sample_weight: np.ndarray | None = None
    #: the name of y's column (a CSV header's, "y" in an .npz), or None when it has none
    label_name: str | None = None
    #: "classification" (y: class labels) or "regression" (y: a real-valued target); files do
    #: not say, so they are "classification" and a caller may read their labels as a target
    task: str = "classification"
    #: several regression targets (y (m, k)): the names of their columns, or None without names
    target_names: list[str] | None = None

    @property
    def m(self) -> int:
        """Number of examples (rows of X)."""
        return int(self.X.shape[0])

    @property
    def n_x(self) -> int:
        """Number of features (columns of X)."""
        return int(self.X.shape[1])

    def __repr__(self) -> str:  # short: the default would print the arrays
        test = f", test={self.test.m} examples" if self.test is not None else ""
        y = "regression" if self.task == "regression" else f"classes={len(self.class_names)}"
        return (
            f"Dataset(name={self.name!r}, m={self.m}, n_x={self.n_x}, {y}, "
            f"kind={self.kind!r}{test})"
        )


def class_names_of(y: np.ndarray) -> list[str]:
    """Sorted unique labels of ``y`` (m,) as strings, in LabelEncoder's order."""
    return [str(c) for c in np.unique(y)]


def make_dataset(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    description: str,
    feature_names: list[str] | None = None,
    kind: str = "tabular",
    test: Dataset | None = None,
) -> Dataset:
    """A Dataset with its class names derived from ``y`` (the training labels, which are what a
    LabelEncoder is fitted on)."""
    return Dataset(name, X, y, class_names_of(y), description, feature_names, kind, test)


def _first_non_finite(X: np.ndarray) -> tuple[int, int] | None:
    """(row, column) of the first NaN/inf in X (m, n_x), scanning a block of rows at a time."""
    for start in range(0, X.shape[0], _CHECK_ROWS):
        block = X[start : start + _CHECK_ROWS]
        bad = ~np.isfinite(block)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            return start + int(row), int(col)
    return None


def check_features(where: str, X, feature_names=None) -> np.ndarray:
    """X (m, n_x), checked as ``check_dataset`` checks it: 2-D, at least one row and column,
    real numbers, finite (the error names the first bad row and column)."""
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        shape = getattr(X, "shape", type(X).__name__)
        raise DataError(f"{where}: X must be a 2-D array (examples as rows), got shape {shape}")
    text = X.dtype == object  # raw rows of a file with text (see deltaprop.data.encoding)
    real = X.dtype != bool and np.issubdtype(X.dtype, np.number) and not np.iscomplexobj(X)
    if not (text or real):
        raise DataError(f"{where}: X must hold real numbers, got dtype {X.dtype}")
    m, n_x = X.shape
    if m < 1:
        raise DataError(f"{where}: no examples (X has 0 rows)")
    if n_x < 1:
        raise DataError(f"{where}: no features (X has 0 columns)")
    if not text and np.issubdtype(X.dtype, np.floating):
        bad = _first_non_finite(X)
        if bad is not None:
            row, col = bad
            name = feature_names[col] if feature_names else None
            column = f"column {col} ({name!r})" if name else f"column {col}"
            raise DataError(f"{where}: X has {X[row, col]} at row {row}, {column}")
    return X


def check_dataset(ds: Dataset, classification: bool = True) -> Dataset:
    """Validate ``ds`` (and its test part) and return it; raise DataError on the first problem.

    X must be 2-D (m, n_x) with m >= 1 and n_x >= 1, numeric and finite (the error names the
    first bad row and column, counting from 0); y must be (m,); for classification there must be
    at least two classes; for a regression set (``task``), y must be finite real numbers, (m,)
    or (m, k) for several targets.
    Integer X (raw pixels) is not scanned, so checking a memory-mapped
    image file does not read it.
    """
    where = ds.name
    X, y = check_features(where, ds.X, ds.feature_names), ds.y
    m, n_x = X.shape
    several = ds.task == "regression" and isinstance(y, np.ndarray) and y.ndim == 2
    if not isinstance(y, np.ndarray) or (y.ndim != 1 and not several):
        shape = getattr(y, "shape", type(y).__name__)
        raise DataError(f"{where}: y must be a 1-D array of labels, got shape {shape}")
    if len(y) != m:
        raise DataError(f"{where}: X has {m} examples but y has {len(y)} labels")
    if ds.kind not in KINDS:
        raise DataError(f"{where}: kind must be one of {', '.join(KINDS)}, got {ds.kind!r}")
    if ds.feature_names is not None and len(ds.feature_names) != n_x:
        raise DataError(f"{where}: {len(ds.feature_names)} feature names for {n_x} features")
    if ds.task not in TASKS:
        raise DataError(f"{where}: task must be one of {', '.join(TASKS)}, got {ds.task!r}")
    if ds.task == "regression":
        if y.dtype.kind not in "iuf" or not np.isfinite(y).all():
            raise DataError(f"{where}: a regression target must hold finite real numbers")
    elif classification:
        classes = np.unique(y)
        if len(classes) < 2:
            raise DataError(
                f"{where}: only one class {str(classes[0])!r} in the labels; "
                "classification needs at least two"
            )
    if ds.test is not None:
        if ds.test.X.ndim == 2 and ds.test.X.shape[1] != n_x:
            raise DataError(
                f"{where}: the training part has {n_x} features but the test part has "
                f"{ds.test.X.shape[1]}"
            )
        # The test part may hold fewer classes than training; it only needs to be well formed.
        check_dataset(ds.test, classification=False)
    return ds
