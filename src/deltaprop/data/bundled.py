"""Well-known small data sets that ship inside scikit-learn (no download).

scikit-learn is optional: it is imported here, when a bundled set is asked for, and nowhere else.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset, check_dataset, make_dataset
from .errors import DataError, listing

# name -> (scikit-learn loader, what the data are)
_SOURCES = {
    "digits": (
        "load_digits",
        "8x8 images of handwritten digits (UCI optical recognition, bundled with scikit-learn), "
        "pixel values 0..16",
    ),
    "iris": ("load_iris", "Fisher's iris flowers (bundled with scikit-learn), measurements in cm"),
    "wine": ("load_wine", "Chemical analysis of Italian wines (UCI, bundled with scikit-learn)"),
    "breast_cancer": (
        "load_breast_cancer",
        "Breast cancer Wisconsin diagnostic (UCI, bundled with scikit-learn), cell nuclei "
        "measurements",
    ),
}

#: name -> (scikit-learn loader, what the data are, the target's name): real-valued targets
_REGRESSION = {
    "diabetes": (
        "load_diabetes",
        "Diabetes progression one year after baseline (Efron et al., bundled with scikit-learn), "
        "age, sex, BMI, blood pressure and six blood serum measurements, mean-centred and scaled",
        "progression",
    ),
}

BUNDLED = (*_SOURCES, *_REGRESSION)


def load_bundled(name: str) -> Dataset:
    """Load a bundled data set: "digits" (1797 x 64, 10 classes), "iris" (150 x 4, 3),
    "wine" (178 x 13, 3), "breast_cancer" (569 x 30, 2) or, for regression, "diabetes"
    (442 x 10, a real-valued target).

    X is (m, n_x) float64, y holds the original labels: the digit for "digits", the class name
    (e.g. "setosa", "malignant") for the others; for "diabetes" the target, float64 (m,), in a
    Dataset whose task is "regression". Digits are "tabular" (values 0..16), so training
    standardizes them like the rest.
    """
    if name not in BUNDLED:
        raise DataError(f"unknown bundled data set {name!r}; choose one of {listing(BUNDLED)}")
    if name in _REGRESSION:
        return _load_regression(name)
    loader, about = _SOURCES[name]
    bunch = getattr(_datasets_module(), loader)()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target_names)[bunch.target]
    # Never object dtype: labels end up in model files, which refuse pickles.
    y = y.astype(np.int64) if y.dtype.kind in "iu" else y.astype(str)
    m, n_x = X.shape
    k = len(np.unique(y))
    description = f"{about}: {m} examples, {n_x} features, {k} classes."
    ds = make_dataset(name, X, y, description, feature_names=[str(f) for f in bunch.feature_names])
    return check_dataset(ds)


def _datasets_module():
    """sklearn.datasets, or a DataError saying how to install it."""
    try:
        from sklearn import datasets
    except ImportError:
        raise DataError(
            "the bundled data sets need scikit-learn: pip install 'deltaprop[datasets]'"
        ) from None
    return datasets


def _load_regression(name: str) -> Dataset:
    """A bundled regression set: X (m, n_x) and its real-valued target y (m,), both float64."""
    loader, about, target = _REGRESSION[name]
    bunch = getattr(_datasets_module(), loader)()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.float64)
    m, n_x = X.shape
    description = f"{about}: {m} examples, {n_x} features, a real-valued target ({target})."
    ds = Dataset(
        name,
        X,
        y,
        [],
        description,
        feature_names=[str(f) for f in bunch.feature_names],
        label_name=target,
        task="regression",
    )
    return check_dataset(ds)
