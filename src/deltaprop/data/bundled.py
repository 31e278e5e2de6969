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

#: name -> (scikit-learn loader, what the data are, the target's name, or None when the loader
#: names several targets): real-valued targets
_REGRESSION = {
    "diabetes": (
        "load_diabetes",
        "Diabetes progression one year after baseline (Efron et al., bundled with scikit-learn), "
        "age, sex, BMI, blood pressure and six blood serum measurements, mean-centred and scaled",
        "progression",
    ),
    "linnerud": (
        "load_linnerud",
        "Physical exercise and physiology of 20 middle-aged men (Linnerud, bundled with "
        "scikit-learn), chin-ups, sit-ups and jumps",
        None,
    ),
}

BUNDLED = (*_SOURCES, *_REGRESSION)


def load_bundled(name: str) -> Dataset:
    """Load a bundled data set: "digits" (1797 x 64, 10 classes), "iris" (150 x 4, 3),
    "wine" (178 x 13, 3), "breast_cancer" (569 x 30, 2) or, for regression, "diabetes"
    (442 x 10, a real-valued target) and "linnerud" (20 x 3, three targets: weight, waist and
    pulse).

    X is (m, n_x) float64, y holds the original labels: the digit for "digits", the class name
    (e.g. "setosa", "malignant") for the others; for "diabetes" the target, float64 (m,), in a
    Dataset whose task is "regression"; for "linnerud" the three targets, (m, 3). Digits are
    "tabular" (values 0..16), so training standardizes them like the rest.
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
    """A bundled regression set: X (m, n_x) and its real-valued target y (m,), both float64;
    several targets, y (m, k), named by ``target_names``."""
    loader, about, target = _REGRESSION[name]
    bunch = getattr(_datasets_module(), loader)()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.float64)
    m, n_x = X.shape
    if y.ndim == 2:
        names = [str(t) for t in bunch.target_names]
        description = (
            f"{about}: {m} examples, {n_x} features, {len(names)} real-valued targets "
            f"({', '.join(names)})."
        )
        ds = Dataset(
            name,
            X,
            y,
            [],
            description,
            feature_names=[str(f) for f in bunch.feature_names],
            task="regression",
            target_names=names,
        )
        return check_dataset(ds)
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
