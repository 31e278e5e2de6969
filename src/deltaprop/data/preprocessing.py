"""Feature scaling fitted on the training rows and saved with the model as plain arrays.

Both scalers take and return ROWS, (m, n_x). They work a block of rows at a time, so that
transforming MNIST's (60000, 784) uint8 pixels to float32 allocates the float32 result and
a few megabytes more, never a float64 copy of the whole array.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import DataError

# Values per block (8 MB of float64): large enough for numpy to be efficient.
_BLOCK_VALUES = 1 << 20


def _blocks(m: int, n_x: int):
    """Slices of rows that each hold about _BLOCK_VALUES values."""
    step = max(1, _BLOCK_VALUES // max(n_x, 1))
    for start in range(0, m, step):
        yield slice(start, min(start + step, m))


def _float64_blocks(X: np.ndarray):
    """(rows, float64 copy of X[rows]) for each block, all copies made in one reused buffer."""
    m, n_x = X.shape
    buffer = np.empty((min(m, max(1, _BLOCK_VALUES // max(n_x, 1))), n_x))
    for rows in _blocks(m, n_x):
        block = buffer[: rows.stop - rows.start]
        block[...] = X[rows]
        yield rows, block


def _rows(X_rows) -> np.ndarray:
    X = np.asarray(X_rows)  # a memmap stays a memmap: no copy here
    if X.ndim != 2:
        raise DataError(f"expected a 2-D array of examples as rows (m, n_x), got shape {X.shape}")
    if X.dtype == bool or not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
        raise DataError(f"features must be real numbers, got dtype {X.dtype}")
    return X


def _float_type(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise DataError(f"the output dtype must be a floating type, got {dt}")
    return dt


def _check_width(fitted: int | None, X: np.ndarray) -> None:
    if fitted is not None and X.shape[1] != fitted:
        raise DataError(f"the model was fitted on {fitted} features; this data has {X.shape[1]}")


def _check_finite(block: np.ndarray, start: int, X: np.ndarray) -> None:
    if not np.isfinite(block).all():
        row, col = np.argwhere(~np.isfinite(block))[0]
        raise DataError(
            f"row {start + row}, column {col}: {X[start + row, col]} is not a finite number"
        )


def _state_array(state: dict, key: str, owner: str) -> np.ndarray:
    if key not in state:
        raise DataError(f"{owner} state lacks {key!r} (it holds {', '.join(state) or 'nothing'})")
    value = np.asarray(state[key])
    if value.dtype.kind not in "iuf":
        raise DataError(f"{owner} state {key!r} must be numeric, got dtype {value.dtype}")
    return value.astype(np.float64)


def _moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) of each column of X (m, n_x) in float64, a block at a time (merging the
    blocks' means and squared deviations, which stays accurate where a sum of squares would
    cancel). A value that is not finite is a DataError."""
    count, mean, m2 = 0, np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for rows, block in _float64_blocks(X):
        _check_finite(block, rows.start, X)
        k = len(block)
        block_mean = block.mean(axis=0)
        block -= block_mean
        block_m2 = np.einsum("ij,ij->j", block, block)
        delta = block_mean - mean
        total = count + k
        mean += delta * (k / total)
        m2 += block_m2 + delta**2 * (count * k / total)
        count = total
    return mean, np.sqrt(m2 / count)


class Standardizer:
    """Per feature: subtract the mean and divide by the standard deviation, both computed on the
    training rows only (fitting on test rows would leak them into training). A feature that is
    constant in training (std 0, up to rounding) gets std 1: it is only centred."""

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None  # (n_x,) float64
        self.std: np.ndarray | None = None  # (n_x,) float64, all > 0

    @property
    def n_x(self) -> int | None:
        """Number of features it was fitted on (None before fit)."""
        return None if self.mean is None else len(self.mean)

    def fit(self, X_rows) -> Standardizer:
        """Compute mean and std of X_rows (m, n_x) per feature, in float64, a block at a time
        (see _moments). A feature whose statistics overflow float64 (values near 1e308) is a
        DataError."""
        X = _rows(X_rows)
        if X.shape[0] < 1:
            raise DataError("cannot fit a Standardizer on 0 examples")
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            mean, std = _moments(X)
        huge = np.flatnonzero(~(np.isfinite(mean) & np.isfinite(std)))
        if huge.size:
            j = int(huge[0])
            largest = max(float(np.abs(block[:, j]).max()) for _, block in _float64_blocks(X))
            raise DataError(
                f"column {j}: values up to {largest:g} are too large to standardize (their "
                f"mean or squared deviations overflow float64); rescale this feature first"
            )
        # A constant column can come out as ~1e-17 instead of 0; dividing by that would blow
        # rounding noise up to +-1, so treat "tiny relative to the mean" as constant too.
        constant = (std == 0) | (std <= 1e-12 * np.abs(mean))
        std[constant] = 1.0
        self.mean, self.std = mean, std
        return self

    def transform(self, X_rows, dtype=np.float32) -> np.ndarray:
        """(X_rows - mean) / std: (m, n_x) in ``dtype``, computed in float64 a block at a time.
        A value that is not finite, or whose result ``dtype`` cannot hold, is a DataError."""
        if self.mean is None:
            raise DataError("the Standardizer is not fitted; call fit on the training rows first")
        X = _rows(X_rows)
        _check_width(self.n_x, X)
        out = np.empty(X.shape, dtype=_float_type(dtype))
        with np.errstate(over="ignore", invalid="ignore"):  # checked in the result, below
            for rows, block in _float64_blocks(X):
                block -= self.mean
                block /= self.std
                out[rows] = block
                if not np.isfinite(out[rows]).all():
                    self._refuse(X, rows, out)
        return out

    def _refuse(self, X, rows: slice, out: np.ndarray) -> None:
        """A DataError for the first entry of ``out[rows]`` that is not finite: its value is
        not finite, or its standardized value is beyond the range of ``out``'s dtype."""
        row, col = np.argwhere(~np.isfinite(out[rows]))[0]
        value = X[rows.start + row, col]
        if not np.isfinite(value):
            raise DataError(f"row {rows.start + row}, column {col}: {value} is not a finite number")
        raise DataError(
            f"row {rows.start + row}, column {col}: {value:g}, standardized with mean "
            f"{self.mean[col]:g} and std {self.std[col]:g}, is beyond the range of {out.dtype}"
        )

    def fit_transform(self, X_rows, dtype=np.float32) -> np.ndarray:
        return self.fit(X_rows).transform(X_rows, dtype=dtype)

    def inverse_transform(self, Z_rows) -> np.ndarray:
        """Z_rows * std + mean: standardized rows (m, n_x) back in the original units, float64
        (a regression model's scaled outputs back to the target's units)."""
        if self.mean is None:
            raise DataError("the Standardizer is not fitted; call fit on the training rows first")
        Z = np.asarray(Z_rows, dtype=np.float64)
        if Z.ndim != 2:
            raise DataError(f"expected rows (m, n_x), got shape {Z.shape}")
        _check_width(self.n_x, Z)
        return Z * self.std + self.mean

    def state(self) -> dict[str, np.ndarray]:
        """The fitted statistics as plain arrays, for a model file: mean (n_x,), std (n_x,)."""
        if self.mean is None:
            raise DataError("the Standardizer is not fitted; there is no state to save")
        return {"mean": self.mean.copy(), "std": self.std.copy()}

    @classmethod
    def from_state(cls, state: dict) -> Standardizer:
        """A fitted Standardizer from what :meth:`state` returned (e.g. read from a model file)."""
        mean = _state_array(state, "mean", "Standardizer")
        std = _state_array(state, "std", "Standardizer")
        if mean.ndim != 1 or mean.shape != std.shape:
            raise DataError(
                f"Standardizer state: mean {mean.shape} and std {std.shape} must be equal 1-D"
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise DataError("Standardizer state: mean must be finite and std finite and > 0")
        new = cls()
        new.mean, new.std = mean, std
        return new

    def __repr__(self) -> str:
        return f"Standardizer(n_x={self.n_x})"


class PixelScaler:
    """Divide by a fixed maximum (255 for 8-bit pixels), so values lie in [0, 1]. Nothing is
    learned from the data except the number of features, which later inputs must match."""

    def __init__(self, maximum: float = 255.0) -> None:
        try:
            maximum = float(maximum)
        except (TypeError, ValueError):
            raise DataError(f"PixelScaler maximum must be a number, got {maximum!r}") from None
        if not (math.isfinite(maximum) and maximum > 0):
            raise DataError(f"PixelScaler maximum must be a finite number > 0, got {maximum}")
        self.maximum = maximum
        self.n_x: int | None = None

    def fit(self, X_rows) -> PixelScaler:
        """Record the number of features of X_rows (m, n_x)."""
        self.n_x = _rows(X_rows).shape[1]
        return self

    def transform(self, X_rows, dtype=np.float32) -> np.ndarray:
        """X_rows / maximum: (m, n_x) in ``dtype``. Each block is cast into the result and divided
        there, so no temporary of the input's size is made."""
        X = _rows(X_rows)
        _check_width(self.n_x, X)
        out = np.empty(X.shape, dtype=_float_type(dtype))
        check = X.dtype.kind == "f"  # integers (pixels) are always finite
        for rows in _blocks(*X.shape):
            out[rows] = X[rows]
            if check:
                _check_finite(out[rows], rows.start, X)
            out[rows] /= self.maximum
        return out

    def fit_transform(self, X_rows, dtype=np.float32) -> np.ndarray:
        return self.fit(X_rows).transform(X_rows, dtype=dtype)

    def state(self) -> dict[str, np.ndarray]:
        """maximum (a 0-d array) and, once fitted, n_x (a 0-d array)."""
        state = {"maximum": np.array(self.maximum)}
        if self.n_x is not None:
            state["n_x"] = np.array(self.n_x, dtype=np.int64)
        return state

    @classmethod
    def from_state(cls, state: dict) -> PixelScaler:
        """A PixelScaler from what :meth:`state` returned."""
        maximum = _state_array(state, "maximum", "PixelScaler")
        if maximum.shape != ():
            raise DataError(f"PixelScaler state: maximum must be a single number, got {maximum}")
        new = cls(float(maximum))
        if "n_x" in state:
            n_x = _state_array(state, "n_x", "PixelScaler")
            if n_x.shape != () or not (np.isfinite(n_x) and n_x >= 1 and n_x == int(n_x)):
                raise DataError(f"PixelScaler state: n_x must be a positive integer, got {n_x}")
            new.n_x = int(n_x)
        return new

    def __repr__(self) -> str:
        return f"PixelScaler(maximum={self.maximum:g}, n_x={self.n_x})"


def make_preprocessor(kind: str) -> Standardizer | PixelScaler:
    """The scaling a Dataset of this ``kind`` needs: a Standardizer for "tabular", a PixelScaler
    for "image" (unfitted; call fit on the training rows)."""
    if kind == "tabular":
        return Standardizer()
    if kind == "image":
        return PixelScaler()
    raise DataError(f"unknown kind of data {kind!r}; expected 'tabular' or 'image'")
