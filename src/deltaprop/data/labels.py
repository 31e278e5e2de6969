"""Class labels (ints or strings, as the data have them) <-> codes 0..k-1 (what the engine uses)."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import DataError, listing


def _as_labels(y) -> np.ndarray:
    """``y`` as a 1-D array of ints, floats, bools or unicode strings -- never object dtype,
    which could not be saved in a model file without pickling."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"labels must be a 1-D array (m,), got shape {y.shape}")
    if y.dtype == object:
        values = y.tolist()
        if all(isinstance(v, str) for v in values):
            y = y.astype(str)
        elif all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            y = y.astype(np.int64)
        elif all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            y = y.astype(np.float64)
        else:
            kinds = sorted({type(v).__name__ for v in values})
            raise DataError(f"labels must all be numbers or all strings, found {listing(kinds)}")
    elif y.dtype.kind == "S":
        y = y.astype(str)
    if y.dtype.kind not in "biufU":
        raise DataError(f"labels must be ints or strings, got dtype {y.dtype}")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise DataError(f"label {int(np.argmax(np.isnan(y)))} is NaN")
    return y


class LabelEncoder:
    """Maps the k distinct labels, sorted, to the codes 0..k-1 (``classes_[code]`` is the label).

    Sorting makes the codes the same for any order of the data, and equal to the order of
    Dataset.class_names. ``for_classes`` keeps an order given instead (a model's).
    """

    def __init__(self) -> None:
        self.classes_: np.ndarray | None = None  # (k,) sorted, ints or unicode strings

    @property
    def k(self) -> int | None:
        """Number of classes (None before fit)."""
        return None if self.classes_ is None else len(self.classes_)

    def fit(self, y) -> LabelEncoder:
        """Learn the classes from labels ``y`` (m,)."""
        y = _as_labels(y)
        if len(y) == 0:
            raise DataError("cannot fit a LabelEncoder on 0 labels")
        self.classes_ = np.unique(y)
        return self

    @classmethod
    def for_classes(cls, classes) -> LabelEncoder:
        """An encoder whose code for ``classes[k]`` is k, in the order given (a model's output
        units need not be in sorted order); the classes must be distinct."""
        classes = _as_labels(classes)
        distinct, counts = np.unique(classes, return_counts=True)
        if len(classes) == 0 or (counts > 1).any():
            repeated = distinct[counts > 1]
            raise DataError(
                "class labels must be distinct and at least one"
                + (f"; {repeated[0].item()!r} repeats" if len(repeated) else "")
            )
        new = cls()
        new.classes_ = classes
        return new

    def _fitted(self) -> np.ndarray:
        if self.classes_ is None:
            raise DataError("the LabelEncoder is not fitted; call fit on the labels first")
        return self.classes_

    def _like_classes(self, y: np.ndarray) -> np.ndarray:
        """``y`` converted to the kind of the classes, so that 3 and "3" can match."""
        classes = self.classes_
        if classes.dtype.kind == "U" and y.dtype.kind != "U":
            if y.dtype.kind == "f" and (y == np.round(y)).all():
                y = y.astype(np.int64)  # 3.0 -> "3", not "3.0"
            return y.astype(str)
        if classes.dtype.kind != "U" and y.dtype.kind == "U":
            out = np.empty(len(y), dtype=np.float64 if classes.dtype.kind == "f" else np.int64)
            for i, text in enumerate(y):
                try:
                    out[i] = float(text) if classes.dtype.kind == "f" else int(text)
                except ValueError:
                    raise DataError(
                        f"unseen label {str(text)!r}; the known labels are {listing(classes)}"
                    ) from None
            return out
        return y

    def transform(self, y) -> np.ndarray:
        """Labels ``y`` (m,) -> int64 codes (m,) in 0..k-1; a label not seen in fit is an error."""
        classes = self._fitted()
        y = self._like_classes(_as_labels(y))
        if len(y) == 0:
            return np.zeros(0, dtype=np.int64)
        order = np.argsort(classes, kind="stable")  # the identity for fitted (sorted) classes
        found = np.searchsorted(classes[order], y)
        found = np.minimum(found, len(classes) - 1)  # a label above the last class
        codes = order[found]
        unseen = classes[codes] != y
        if unseen.any():
            label = y[int(np.argmax(unseen))].item()
            raise DataError(f"unseen label {label!r}; the known labels are {listing(classes)}")
        return codes.astype(np.int64)

    def fit_transform(self, y) -> np.ndarray:
        return self.fit(y).transform(y)

    def inverse_transform(self, codes) -> np.ndarray:
        """Codes (m,) in 0..k-1 -> the original labels (m,)."""
        classes = self._fitted()
        codes = np.asarray(codes)
        if codes.dtype.kind not in "iu":
            raise DataError(f"class codes must be integers, got dtype {codes.dtype}")
        if codes.size and (codes.min() < 0 or codes.max() >= len(classes)):
            bad = codes[(codes < 0) | (codes >= len(classes))].flat[0]
            raise DataError(f"class code {bad} is out of range 0..{len(classes) - 1}")
        return classes[codes]

    def state(self) -> dict[str, np.ndarray]:
        """{"classes": (k,) array}: ints, or strings as a unicode array (never object dtype)."""
        return {"classes": self._fitted().copy()}

    @classmethod
    def from_state(cls, state: dict) -> LabelEncoder:
        """A fitted LabelEncoder from what :meth:`state` returned."""
        if "classes" not in state:
            raise DataError("LabelEncoder state lacks 'classes'")
        classes = _as_labels(state["classes"])
        if len(classes) == 0 or (len(classes) > 1 and not (classes[1:] > classes[:-1]).all()):
            raise DataError("LabelEncoder state: classes must be non-empty, sorted and distinct")
        new = cls()
        new.classes_ = classes
        return new

    def __repr__(self) -> str:
        return f"LabelEncoder(k={self.k})"
