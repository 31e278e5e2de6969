"""Class weights as sample weights (report, eq. J2)."""

from __future__ import annotations

import numpy as np


def class_sample_weights(y, class_weight, sample_weight=None) -> np.ndarray:
    """Per-example class weights (m,) from labels y (m,) and a class weighting; the weights to
    train with are these times ``sample_weight`` (m,), when there is one.

    ``"balanced"``: w_c = S / (k S_c) for an example of class c, where S_c is the total sample
    weight of class c (its number of examples m_c without sample weights), S the total and k the
    number of classes with S_c > 0; so that every class carries the same total weight (the rule of
    scikit-learn, which with unit weights is m / (k m_c)). A mapping {class: weight} gives those
    weights (1 for classes it leaves out).
    """
    y = np.asarray(y)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be 'balanced' or a mapping, got {class_weight!r}")
        classes, index = np.unique(y, return_inverse=True)
        totals = np.bincount(index, weights=sample_weight, minlength=len(classes))
        present = totals > 0
        per_class = np.zeros(len(classes))
        per_class[present] = totals.sum() / (present.sum() * totals[present])
        return per_class[index]
    weights = np.ones(len(y))
    for label, weight in dict(class_weight).items():
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class weight for {label!r} must be a non-negative number, got {weight}"
            )
        weights[y == label] = weight
    return weights
