"""A trained model: the network plus what it needs to be applied to raw data.

Users and files hold examples as rows, X_rows (m, n_x); the network works on columns. ``Model``
applies the fitted preprocessing to rows, converts them once with ``deltaprop.data.to_columns``,
and maps output units back to the original class labels or, for a regression network trained
on a standardized target, back to the target's units.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .core import DeltapropWarning, InputError, Network
from .core.arrays import to_numpy
from .data import TableEncoder, to_columns


@dataclass
class Model:
    """``network``: the trained Network. ``classes``: the original label of each class, in
    order (None for regression and several sigmoid units; a single-label classifier given none,
    such as a bare Network, has the classes 0..K-1). ``preprocessor``: the fitted Standardizer
    or PixelScaler, or for a table with text columns or missing values the TableEncoder, which
    takes the raw columns and makes the network's n_x inputs (or None). ``info``: JSON-able
    facts about the run (data set, settings, metrics). ``target_scaler``: for a regression
    network trained on standardized targets, the Standardizer fitted on them (n_x = n_y), which
    ``predict`` undoes; None otherwise."""

    network: Network
    classes: np.ndarray | None = None
    preprocessor: object | None = None
    info: dict = field(default_factory=dict)
    target_scaler: object | None = None

    def __post_init__(self):
        net = self.network
        if self.classes is None and net.is_classifier:
            if net.output != "sigmoid":
                self.classes = np.arange(net.n_y)
            elif net.n_y == 1:  # one sigmoid unit: the probability of class 1
                self.classes = np.arange(2)
        if self.classes is not None:
            self.classes = np.asarray(self.classes)
            if len(np.unique(self.classes)) != len(self.classes):
                raise InputError(
                    f"class labels must be distinct, one per class; got {self.classes.tolist()}"
                )
        if self.target_scaler is not None:
            if net.is_classifier:
                raise InputError("a classifier's outputs are class scores; they have no scaling")
            if self.target_scaler.n_x != net.n_y:
                raise InputError(
                    f"the target scaling is fitted on {self.target_scaler.n_x} targets, but the "
                    f"network has {net.n_y} outputs"
                )
        width = getattr(self.preprocessor, "n_x", None)
        if encodes(self.preprocessor) and width != net.n_x:
            raise InputError(f"the encoding makes {width} inputs, but the network takes {net.n_x}")

    @property
    def n_features(self) -> int:
        """The number of raw columns the model takes: the network's n_x, or with a TableEncoder
        its number of columns (a text column is one, whatever its number of categories)."""
        if encodes(self.preprocessor):
            return self.preprocessor.n_columns
        return self.network.n_x

    def columns(self, X_rows) -> np.ndarray:
        """Raw rows (m, n_features) -> preprocessed columns (n_x, m) in the network's dtype.
        With a TableEncoder, the rows may hold text (an object or str array, see
        ``deltaprop.data.encoding``); a category not seen in training is a DeltapropWarning."""
        X_rows = np.asarray(X_rows)
        if X_rows.ndim != 2:
            raise InputError(f"expected a 2-D array of examples as rows, got shape {X_rows.shape}")
        if X_rows.shape[1] != self.n_features:
            raise InputError(
                f"the model was trained on {self.n_features} features; this data has "
                f"{X_rows.shape[1]}"
            )
        if encodes(self.preprocessor):
            dtype = self.network.dtype
            X_rows = self.preprocessor.transform(X_rows, dtype=dtype, warn=data_warning)
        elif self.preprocessor is not None:
            X_rows = self.preprocessor.transform(X_rows, dtype=self.network.dtype)
        return to_columns(X_rows, dtype=self.network.dtype)

    def predict_proba(self, X_rows) -> np.ndarray:
        """Class probabilities, one row per example: (m, n_y); for a single sigmoid unit
        (binary), (m, 2) with the probabilities of classes[0] and classes[1]."""
        P = to_numpy(self.network.predict_proba(self.columns(X_rows))).T
        if self.network.n_y == 1:
            P = np.hstack([1 - P, P])
        return P

    def predict(self, X_rows) -> np.ndarray:
        """Predicted labels (m,) in the original label type; regression: values (m, n_y), in
        the target's units (float64) when the model has a target scaling."""
        return self.predict_columns(self.columns(X_rows))

    def predict_columns(self, X) -> np.ndarray:
        """``predict`` for inputs already preprocessed, as columns X (n_x, m) (what
        ``columns`` and ``deltaprop.experiment.prepare_data`` give)."""
        out = to_numpy(self.network.predict(X))
        if not self.network.is_classifier:
            if self.target_scaler is not None:
                return self.target_scaler.inverse_transform(out.T)
            return out.T
        if out.ndim == 2:  # several sigmoid units: a 0/1 indicator per label
            return out.T
        return self.classes[out] if self.classes is not None else out


def encodes(preprocessor) -> bool:
    """Whether ``preprocessor`` is a TableEncoder: it takes raw columns, which may be text."""
    return isinstance(preprocessor, TableEncoder)


def data_warning(message: str) -> None:
    """Tell of something in the data that does not stop the work (a category not seen in
    training), as a DeltapropWarning: the command line shows it as one line."""
    warnings.warn(message, DeltapropWarning, stacklevel=3)
