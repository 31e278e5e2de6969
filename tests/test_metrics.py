"""deltaprop.metrics, on a confusion matrix small enough to count by hand."""

import numpy as np
import pytest

from deltaprop.metrics import accuracy, confusion_matrix, per_class_scores

#: 3 classes; class 2 is never predicted, and nothing is predicted as class 1 but class 1 itself
Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2]
Y_PRED = [0, 0, 1, 1, 0, 0, 0, 1]


def test_the_confusion_matrix_has_the_true_classes_in_rows():
    C = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert C.tolist() == [[2, 1, 0], [1, 1, 0], [2, 1, 0]]
    assert C.dtype.kind == "i"


def test_precision_recall_f1_and_support_per_class():
    scores = per_class_scores(confusion_matrix(Y_TRUE, Y_PRED, 3))
    # precision: right among predicted (columns 5, 3, 0); recall: right among true (rows 3, 2, 3)
    np.testing.assert_allclose(scores["precision"], [2 / 5, 1 / 3, 0])
    np.testing.assert_allclose(scores["recall"], [2 / 3, 1 / 2, 0])
    f1 = [2 * (2 / 5) * (2 / 3) / (2 / 5 + 2 / 3), 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2), 0]
    np.testing.assert_allclose(scores["f1"], f1)
    assert scores["support"].tolist() == [3, 2, 3]


def test_a_class_never_predicted_or_never_present_scores_0_not_nan():
    C = confusion_matrix([0, 0, 1], [0, 0, 0], 3)  # class 1 never predicted, class 2 absent
    scores = per_class_scores(C)
    assert scores["precision"].tolist() == [pytest.approx(2 / 3), 0.0, 0.0]
    assert scores["recall"].tolist() == [1.0, 0.0, 0.0]
    assert scores["f1"].tolist() == [pytest.approx(0.8), 0.0, 0.0]


def test_accuracy_is_the_fraction_predicted_right():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(3 / 8)
    assert accuracy(np.array([1, 2]), np.array([1, 2])) == 1.0


# --------------------------------------------------------------------------- regression


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_metrics_agree_with_scikit_learns(seed):
    sk = pytest.importorskip("sklearn.metrics")
    from deltaprop.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    rng = np.random.default_rng(seed)
    y = rng.normal(50, 20, size=40)
    y_hat = y + rng.normal(0, 5 * (seed + 1), size=40)
    assert root_mean_squared_error(y, y_hat) == pytest.approx(
        np.sqrt(sk.mean_squared_error(y, y_hat))
    )
    assert mean_absolute_error(y, y_hat) == pytest.approx(sk.mean_absolute_error(y, y_hat))
    assert r2_score(y, y_hat) == pytest.approx(sk.r2_score(y, y_hat))


def test_r2_is_0_for_the_mean_negative_for_worse_and_follows_sklearn_for_constant_targets():
    from deltaprop.metrics import r2_score, regression_scores

    y = np.array([1.0, 2.0, 3.0, 6.0])
    assert r2_score(y, np.full(4, y.mean())) == pytest.approx(0.0)
    assert r2_score(y, -y) < 0
    assert r2_score([5.0, 5.0], [5.0, 5.0]) == 1.0 and r2_score([5.0, 5.0], [4.0, 6.0]) == 0.0
    scores = regression_scores(y.reshape(-1, 1), [1.0, 2.0, 3.0, 2.0])  # a column is its values
    assert scores == pytest.approx({"rmse": 2.0, "mae": 1.0, "r2": 1 - 16 / 14})


def test_regression_metrics_need_one_prediction_per_target():
    from deltaprop.metrics import mean_absolute_error

    with pytest.raises(ValueError, match="3 predictions for 2 targets"):
        mean_absolute_error([1.0, 2.0], [1.0, 2.0, 3.0])
