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
