"""Class weights as sample weights (report, eq. J2)."""

from __future__ import annotations

import numpy as np


def class_sample_weights(y, class_weight) -> np.ndarray:
    """Per-example weights (m,) from integer labels y (m,) and a class weighting.

    ``"balanced"``: w_i = m / (k * m_c) for an example of class c, with m_c examples in class c and
    k classes present, so that every class carries the same total weight (the convention of
    scikit-learn). A mapping {class: weight} gives those weights (1 for classes it leaves out).
    """
    y = np.asarray(y)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be 'balanced' or a mapping, got {class_weight!r}")
        classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
        return (len(y) / (len(classes) * counts))[index]
    weights = np.ones(len(y))
    for label, weight in dict(class_weight).items():
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class weight for {label!r} must be a non-negative number, got {weight}"
            )
        weights[y == label] = weight
    return weights
