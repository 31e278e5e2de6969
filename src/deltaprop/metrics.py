"""Metrics (numpy only): classification on integer class codes 0..k-1; regression (RMSE, MAE,
R²) on real-valued targets."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, k: int) -> np.ndarray:
    """C (k, k) with C[i, j] = number of examples of class i predicted as class j."""
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return C


def per_class_scores(C: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix (0 where undefined)."""
    tp = np.diag(C).astype(float)
    predicted, actual = C.sum(axis=0), C.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual}


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _targets_and_predictions(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Both as float64 vectors (m,), m >= 1; an (m, 1) column is taken as its m values."""
    t = np.asarray(y_true, dtype=np.float64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if t.shape != p.shape or not t.size:
        raise ValueError(
            f"regression metrics need as many predictions as targets, at least one; got "
            f"{p.size} predictions for {t.size} targets"
        )
    return t, p


def root_mean_squared_error(y_true, y_pred) -> float:
    """sqrt(mean((y - y_hat)^2)) over the m examples (m,), in the target's units."""
    t, p = _targets_and_predictions(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mean_absolute_error(y_true, y_pred) -> float:
    """mean(|y - y_hat|) over the m examples (m,), in the target's units."""
    t, p = _targets_and_predictions(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def r2_score(y_true, y_pred) -> float:
    """Coefficient of determination 1 - sum (y - y_hat)^2 / sum (y - mean y)^2 over (m,): 1 for
    perfect predictions, 0 for predicting the mean, negative for worse. Constant targets (a zero
    denominator) give 1 when predicted exactly, else 0, as scikit-learn's r2_score does."""
    t, p = _targets_and_predictions(y_true, y_pred)
    residual = float(np.sum((t - p) ** 2))
    total = float(np.sum((t - t.mean()) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


def regression_scores(y_true, y_pred) -> dict[str, float]:
    """{"rmse", "mae", "r2"} of predictions (m,) against targets (m,), in the target's units."""
    return {
        "rmse": root_mean_squared_error(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "r2": r2_score(y_true, y_pred),
    }


def regression_scores_by_target(y_true, y_pred) -> list[dict[str, float]]:
    """``regression_scores`` of each of k targets: predictions (m, k) against targets (m, k),
    column by column, each in its own target's units (as scikit-learn's metrics give them with
    ``multioutput="raw_values"``)."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim != 2 or t.shape != p.shape:
        raise ValueError(
            f"per-target metrics need predictions and targets of the same shape (m, k); got "
            f"{p.shape} predictions for {t.shape} targets"
        )
    return [regression_scores(t[:, j], p[:, j]) for j in range(t.shape[1])]


def mean_r2(scores: list[dict[str, float]]) -> float:
    """The mean of the targets' R^2 (scikit-learn's ``r2_score``, ``multioutput=
    "uniform_average"``)."""
    return float(np.mean([s["r2"] for s in scores]))
