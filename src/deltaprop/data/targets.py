"""Regression targets: a data set's label column read as real numbers.

Loaders do not know whether a numeric column is a class label or a quantity (a CSV's "3" could
be either); the caller that asks for regression reads it as a target here.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .errors import DataError


def _column_name(ds: Dataset) -> str:
    """The target's column as an error names it: its name, or 'the label column'."""
    return f"the target column {ds.label_name!r}" if ds.label_name else "the target column"


def fractional_label(y) -> object | None:
    """The first label of ``y`` (m,) that is a number but not a whole one, when every label
    reads as a finite number: such a column holds a quantity, not classes (scikit-learn's
    ``type_of_target`` calls it "continuous"). None when some label is not a number, or when
    all are whole numbers (which may be class codes)."""
    try:
        values = np.asarray(y, dtype=np.float64)  # text such as "3.5" is read as its number
    except (TypeError, ValueError):
        return None
    if not np.isfinite(values).all():
        return None
    fractional = np.flatnonzero(values != np.round(values))
    return np.asarray(y)[fractional[0]].item() if fractional.size else None


def numeric_targets(ds: Dataset) -> np.ndarray:
    """``ds.y`` (m,) as float64 targets (or (m, k), several targets); a DataError naming the
    column and the first row (from 0) whose value is not a number or not finite."""
    y = np.asarray(ds.y)
    if y.ndim == 2 and y.dtype.kind in "biuf":  # several targets, read as numbers by the loader
        values = y.astype(np.float64)
        if not np.isfinite(values).all():
            raise DataError(f"{ds.name}: a regression target must hold finite real numbers")
        return values
    return target_values(y, f"{ds.name}: {_column_name(ds)}")


def target_values(cells, where: str) -> np.ndarray:
    """The cells (m,) of a target column, numbers or text, as float64; a DataError naming
    ``where`` (the file and column) and the first row (from 0) that is not a finite number."""
    cells = np.asarray(cells)
    if cells.dtype.kind in "biuf":
        values = cells.astype(np.float64)
    else:  # text: a CSV column of non-whole numbers, or of words
        values = np.empty(len(cells), dtype=np.float64)
        for i, text in enumerate(cells.tolist()):
            try:
                values[i] = float(text)
            except (TypeError, ValueError):
                shown = f"{text!r}" if text else "an empty cell"
                raise DataError(
                    f"{where} is not numeric: row {i} holds {shown}; a regression target must "
                    "be a number"
                ) from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{where} holds {values[i]} at row {i}; a regression target must be a finite number"
        )
    return values
