"""The one place where the data's layout becomes the engine's.

Files, Datasets and preprocessing keep examples as ROWS, X_rows of shape (m, n_x), as CSV
files and numpy archives have them. The engine follows the notation of the equations, where
examples are COLUMNS: X of shape (n_x, m), so that Z = W X + b works on a whole batch.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError


def to_columns(X_rows, dtype=None) -> np.ndarray:
    """Rows (m, n_x) -> the notation's columns (n_x, m), i.e. ``X_rows.T``.

    This is THE conversion from the row-major layout of files to the column layout of the engine;
    nothing else in deltaprop transposes data. Without ``dtype`` the result is a view (no copy);
    with it, the values are converted (copied only if the dtype differs).
    """
    X = np.asarray(X_rows)
    if X.ndim != 2:
        raise DataError(f"expected a 2-D array of examples as rows (m, n_x), got shape {X.shape}")
    X = X.T
    return X if dtype is None else X.astype(dtype, copy=False)
