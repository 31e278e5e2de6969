"""deltaprop.sklearn: DeltaClassifier and DeltaRegressor as scikit-learn estimators.

scikit-learn's own estimator checks, the shapes of every kind of target, the orientation of
coefs_ (scikit-learn's) against network_ (the notation's), pipelines, grid search, pickling,
convergence, partial_fit and warm_start; sample and class weights (weighting equals duplication,
exactly, for full-batch gradient descent), dropout and gradient clipping. The parity measurement
against MLPClassifier and MLPRegressor is slow and runs only with DELTAPROP_SLOW=1; its numbers
are in docs/sklearn.md.
"""

import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", minversion="1.6")

import joblib
import sklearn
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_friedman1,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import deltaprop.sklearn
from deltaprop.core import Network
from deltaprop.data import make_moons
from deltaprop.sklearn import DeltaClassifier, DeltaRegressor
from deltaprop.training import Adam
from deltaprop.training.weights import class_sample_weights

# Small instances keep scikit-learn's ~55 checks per estimator to a few seconds; the learning rate
# is raised so that 100 epochs reach the accuracy (> 0.83) and R^2 (> 0.5) the checks demand.
SMALL = dict(hidden_layer_sizes=(8,), max_iter=100, learning_rate_init=0.01, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------- scikit-learn's checks


# Nothing is expected to fail, the sample-weight checks included. "Weighting equals duplication"
# (check_sample_weight_equivalence_on_dense_data) holds exactly, not by luck: its data sets are
# smaller than batch_size="auto" (200), so training is full-batch, unshuffled and deterministic,
# and the L2 penalty is divided by the total weight, as in scikit-learn (see
# test_integer_sample_weights_give_the_fit_of_repeated_examples). With mini-batches it would hold
# only on average: the batches of the weighted and the repeated data differ. Some checks skip
# themselves here: the pandas ones when pandas is not installed, the array-API one unless
# SCIPY_ARRAY_API=1, and the decision_function one (there is none). All of them pass when those
# are available. The lbfgs instances are full-batch and deterministic whatever the data's size;
# the checks of partial_fit skip them (it is not available with lbfgs, as in MLPClassifier).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [
        DeltaClassifier(**SMALL),
        DeltaRegressor(**SMALL),
        DeltaClassifier(**SMALL, solver="lbfgs"),
        DeltaRegressor(**SMALL, solver="lbfgs"),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_import_deltaprop_does_not_import_scikit_learn():
    code = (
        "import sys, deltaprop, deltaprop.core, deltaprop.training; print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- kinds of target


def test_binary_has_one_sigmoid_unit_and_two_probability_columns():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = np.where(y == 1, "benign", "malignant")
    clf = DeltaClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, labels)
    assert clf.network_.sizes == (30, 16, 1) and clf.network_.output == "sigmoid"
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert list(clf.classes_) == ["benign", "malignant"]
    P = clf.predict_proba(X)
    assert P.shape == (569, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert clf.predict(X).shape == (569,)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    with np.errstate(divide="ignore"):  # a probability may round to 0 (log -inf)
        np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))
    assert clf.score(X, labels) > 0.97


def test_multiclass_has_a_softmax_layer(iris):
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(16, 8), learning_rate_init=0.01, random_state=0)
    clf.fit(X, y)
    assert clf.network_.sizes == (4, 16, 8, 3) and clf.network_.output == "softmax"
    assert clf.out_activation_ == "softmax" and clf.n_layers_ == 4
    P = clf.predict_proba(X)
    assert P.shape == (150, 3) and clf.predict(X).shape == (150,)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert clf.score(X, y) > 0.95


def test_multilabel_has_one_sigmoid_unit_per_label():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    clf = DeltaClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    assert clf.network_.output == "sigmoid" and clf.n_outputs_ == 4
    assert clf.out_activation_ == "logistic"
    Y_pred, P = clf.predict(X), clf.predict_proba(X)
    assert Y_pred.shape == P.shape == (200, 4)
    np.testing.assert_array_equal(Y_pred, (P > 0.5).astype(int))
    assert clf.score(X, Y) > 0.6  # subset accuracy: every label right


def test_regression_single_and_multi_output():
    X, y = make_regression(n_samples=200, n_features=6, n_targets=3, noise=1, random_state=0)
    X, y = StandardScaler().fit_transform(X), y / y.std(axis=0)
    reg = DeltaRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    reg.fit(X, y)
    assert reg.network_.sizes == (6, 32, 3) and reg.network_.output == "identity"
    assert reg.network_.loss_name == "mse" and reg.out_activation_ == "identity"
    assert reg.predict(X).shape == (200, 3) and reg.score(X, y) > 0.95
    reg.fit(X, y[:, 0])
    assert reg.predict(X).shape == (200,) and reg.n_outputs_ == 1
    assert not hasattr(reg, "predict_proba")


def test_regressor_output_activation():
    X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    y = np.abs(y) / np.abs(y).max()  # in [0, 1]
    reg = DeltaRegressor(output_activation="logistic", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    assert reg.network_.output == "sigmoid" and reg.network_.loss_name == "mse"
    assert reg.out_activation_ == "logistic"
    assert ((reg.predict(X) > 0) & (reg.predict(X) < 1)).all()


# --------------------------------------------------------------------------- orientation


def test_coefs_are_scikit_learns_orientation_and_network_is_the_notations(iris):
    X, y = iris
    ours = DeltaClassifier(hidden_layer_sizes=(7, 5), max_iter=30, random_state=0)
    theirs = MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    assert [C.shape for C in ours.coefs_] == [C.shape for C in theirs.coefs_]
    assert [c.shape for c in ours.intercepts_] == [c.shape for c in theirs.intercepts_]
    net = ours.network_
    assert [net.W[l].shape for l in (1, 2, 3)] == [(7, 4), (5, 7), (3, 5)]  # (n[l], n[l-1])
    assert [net.b[l].shape for l in (1, 2, 3)] == [(7, 1), (5, 1), (3, 1)]
    for i, (C, c) in enumerate(zip(ours.coefs_, ours.intercepts_, strict=True)):
        np.testing.assert_array_equal(C, net.W[i + 1].T)
        np.testing.assert_array_equal(c, net.b[i + 1].ravel())
    # The same numbers mean the same model to scikit-learn: MLPClassifier given our weights
    # predicts our probabilities.
    theirs.coefs_ = [C.copy() for C in ours.coefs_]
    theirs.intercepts_ = [c.copy() for c in ours.intercepts_]
    np.testing.assert_allclose(theirs.predict_proba(X), ours.predict_proba(X), rtol=1e-10)


def test_coefs_are_views_of_the_network(iris):
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.coefs_[0][2, 3] = 42.0
    clf.intercepts_[1][0] = -7.0
    assert clf.network_.W[1][3, 2] == 42.0 and clf.network_.b[2][0, 0] == -7.0


def test_fitted_attributes_are_missing_before_fit():
    clf = DeltaClassifier()
    assert not hasattr(clf, "coefs_") and not hasattr(clf, "network_")
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, 3)))


def test_float32(iris):
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(8,), dtype="float32", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.network_.dtype == np.float32 and clf.coefs_[0].dtype == np.float32
    assert clf.predict_proba(X).dtype == np.float32


def test_feature_names_from_a_data_frame(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_l", "sepal_w", "petal_l", "petal_w"])
    clf = DeltaClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns) and clf.n_features_in_ == 4
    with pytest.warns(UserWarning, match="feature names"):  # scikit-learn checks the names
        np.testing.assert_array_equal(clf.predict(X), clf.predict(frame))


# --------------------------------------------------------------------------- scikit-learn tools


def test_pipeline_grid_search_and_clone(iris):
    X, y = load_iris(return_X_y=True)
    pipe = Pipeline(
        [("scale", StandardScaler()), ("mlp", DeltaClassifier(max_iter=50, random_state=0))]
    )
    grid = {"mlp__hidden_layer_sizes": [(4,), (16,)], "mlp__learning_rate_init": [1e-3, 1e-2]}
    search = GridSearchCV(pipe, grid, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_params_ == {
        "mlp__hidden_layer_sizes": (16,),
        "mlp__learning_rate_init": 0.01,
    }
    # MLPClassifier in the same search scores the same: random_state=0 gives it the same initial
    # weights, and with 100 training examples a fold, Adam takes full-batch steps on both sides
    # (not quite the same ones: scikit-learn adds epsilon elsewhere, docs/sklearn.md).
    mlp = MLPClassifier(max_iter=50, random_state=0)
    theirs = GridSearchCV(clone(pipe).set_params(mlp=mlp), grid, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    np.testing.assert_array_equal(scores, theirs.cv_results_["mean_test_score"])
    assert search.best_estimator_.predict(X).shape == (150,)
    copy = clone(search.best_estimator_)
    assert copy.get_params()["mlp__hidden_layer_sizes"] == (16,)
    assert not hasattr(copy.named_steps["mlp"], "network_")


@pytest.mark.parametrize("make", [DeltaClassifier, DeltaRegressor])
def test_pickle_and_joblib_round_trips_predict_identically(make, iris, tmp_path):
    X, y = iris
    est = make(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.network_.A == {} and est.network_.Z == {}  # nor does fit
    est.predict(X)  # a prediction leaves no activations behind to be pickled
    assert est.network_.A == {} and est.network_.Z == {}
    again = pickle.loads(pickle.dumps(est))
    joblib.dump(est, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    for other in (again, loaded):
        np.testing.assert_array_equal(other.predict(X), est.predict(X))
        if make is DeltaClassifier:
            np.testing.assert_array_equal(other.predict_proba(X), est.predict_proba(X))
        assert other.coefs_[0] is not est.coefs_[0]
        assert np.shares_memory(other.coefs_[0], other.network_.W[1])  # still views


# --------------------------------------------------------------------------- convergence


def test_convergence_warning_when_max_iter_is_too_small(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        clf = DeltaClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3 and clf.t_ == 3 * 150


def test_stops_after_n_iter_no_change_epochs_without_improvement(iris):
    X, y = iris
    # With tol = 10 only the first epoch improves (on best_loss_ = inf); the count of epochs
    # without improvement then exceeds n_iter_no_change = 2 at epoch 4 and training stops,
    # converged, without a warning. MLPClassifier stops at the same epoch.
    params = dict(max_iter=50, tol=10.0, n_iter_no_change=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = DeltaClassifier(**params).fit(X, y)
        assert clf.n_iter_ == MLPClassifier(**params).fit(X, y).n_iter_ == 4
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None


def test_loss_curve_is_the_penalised_mean_mini_batch_loss(iris):
    """One full-batch epoch: loss_ is J + (alpha / 2m) sum ||W||^2 at the initial weights."""
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(5,), alpha=3.0, max_iter=1, random_state=0)
    first = clone(clf).set_params(learning_rate_init=1e-12)  # takes a step of almost nothing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first.fit(X, y)
    net = first.network_
    np.testing.assert_allclose(first.loss_, net.cost(X.T, y, l2=3.0), rtol=1e-9)


def test_early_stopping_scores_a_held_out_set():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = DeltaClassifier(hidden_layer_sizes=(32,), early_stopping=True, random_state=0)
    clf.fit(X, y)
    assert clf.best_loss_ is None and len(clf.validation_scores_) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.9
    assert clf.t_ == clf.n_iter_ * (len(y) - int(np.ceil(0.1 * len(y))))
    with pytest.raises(ValueError, match="early_stopping"):
        clf.partial_fit(X, y)


def test_early_stopping_keeps_the_weights_of_the_first_best_epoch(iris):
    """The best validation score comes back at later epochs; the weights kept are those of the
    first epoch that reached it, which a run stopped at that epoch ends with."""
    X, y = iris
    params = dict(early_stopping=True, validation_fraction=0.2, learning_rate_init=0.01)
    clf = DeltaClassifier((8,), random_state=0, **params).fit(X, y)
    scores = clf.validation_scores_
    first = scores.index(clf.best_validation_score_)
    assert scores.count(clf.best_validation_score_) > 1 and first + 1 < clf.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        upto = DeltaClassifier((8,), random_state=0, max_iter=first + 1, **params).fit(X, y)
    assert upto.validation_scores_ == scores[: first + 1]
    for P, Q in zip(clf.coefs_ + clf.intercepts_, upto.coefs_ + upto.intercepts_, strict=True):
        np.testing.assert_array_equal(P, Q)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_stratifies_binary_targets():
    """10 of 100 examples are positive and X says nothing, so the network predicts one class
    for all: a stratified validation set (1 positive in 10) scores 0.9 or 0.1, whatever the
    seed. (Multiclass and multilabel targets are not stratified, as in scikit-learn.)"""
    X, y = np.zeros((100, 2)), (np.arange(100) < 10).astype(int)
    for seed in range(5):
        clf = DeltaClassifier((4,), early_stopping=True, max_iter=5, random_state=seed)
        assert set(clf.fit(X, y).validation_scores_) <= {0.1, 0.9}


def test_early_stopping_needs_two_validation_examples(iris):
    X, y = iris
    with pytest.raises(ValueError, match="validation set has 1 example"):
        DeltaClassifier(early_stopping=True).fit(X[::15], y[::15])  # 10 examples, 1 held out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_invscaling_counts_examples_like_scikit_learn(iris):
    """alpha = alpha_0 / (t_ + 1)^power_t with t_ the number of examples seen."""
    X, y = iris
    params = dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, max_iter=4)
    clf = DeltaClassifier(random_state=0, **params).fit(X, y)
    theirs = MLPClassifier(random_state=0, **params).fit(X, y)
    assert clf.t_ == theirs.t_ == 600
    assert clf._optimizer.lr == pytest.approx(0.5 / (600 + 1) ** 0.5)
    assert clf._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate)


def test_adaptive_divides_the_learning_rate_by_5_until_1e_6(iris):
    X, y = iris
    params = dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.1, tol=10.0)
    params.update(n_iter_no_change=1, max_iter=100, random_state=0)
    # Epoch 1 improves on best_loss_ = inf, no later one does: the count exceeds 1 at epochs
    # 3, 5, ..., 17, eight divisions (0.1 / 5^8 = 2.6e-7 <= 1e-6), and at epoch 19 it stops.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = DeltaClassifier(**params).fit(X, y)
        theirs = MLPClassifier(**params).fit(X, y)
    assert clf._optimizer.lr == pytest.approx(0.1 / 5**8)
    assert clf._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate)
    assert clf.n_iter_ == theirs.n_iter_ == 19


def test_adaptive_stops_at_1e_6_instead_of_dividing(iris):
    """A rate of exactly 1e-6 is not divided again: training stops (scikit-learn's <= 1e-6)."""
    X, y = iris
    params = dict(solver="sgd", learning_rate="adaptive", learning_rate_init=1e-6, tol=10.0)
    params.update(n_iter_no_change=1, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = DeltaClassifier(**params).fit(X, y)
        theirs = MLPClassifier(**params).fit(X, y)
    assert clf.n_iter_ == theirs.n_iter_ == 3 and clf._optimizer.lr == 1e-6


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_adaptive_trains_the_next_epoch_at_the_divided_rate(iris):
    """Full-batch gradient descent: epochs 1-3 at 0.1, the division after epoch 3, epoch 4 at
    0.02; the same as 3 epochs at a constant 0.1 and, warm-started, 1 epoch at 0.02."""
    X, y = iris
    params = dict(FULL_BATCH_GD, tol=10.0, n_iter_no_change=1, max_iter=4)
    adaptive = DeltaClassifier(**params, learning_rate="adaptive").fit(X, y)
    assert adaptive._optimizer.lr == pytest.approx(0.02)
    chained = DeltaClassifier(**{**params, "max_iter": 3, "n_iter_no_change": np.inf})
    chained.fit(X, y).set_params(warm_start=True, max_iter=1, learning_rate_init=0.02)
    assert_same_fit(adaptive, chained.fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_adaptive_rate_carries_over_partial_fit_calls(iris):
    """tol = 10: the first call improves on inf, no later one does; the count exceeds 1 at
    calls 3 and 5, and the divided rate stays in between, as in scikit-learn."""
    X, y = iris
    params = dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.1, tol=10.0)
    params.update(n_iter_no_change=1, random_state=0)
    ours, theirs = DeltaClassifier(**params), MLPClassifier(**params)
    rates = []
    for _ in range(5):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        theirs.partial_fit(X, y, classes=[0, 1, 2])
        assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate)
        rates.append(ours._optimizer.lr)
    assert rates == pytest.approx([0.1, 0.1, 0.02, 0.02, 0.004])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_invscaling_counts_the_examples_of_earlier_partial_fit_calls(iris):
    X, y = iris
    params = dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5)
    params.update(random_state=0)
    ours, theirs = DeltaClassifier(**params), MLPClassifier(**params)
    for _ in range(3):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        theirs.partial_fit(X, y, classes=[0, 1, 2])
    assert ours.t_ == theirs.t_ == 450
    assert ours._optimizer.lr == pytest.approx(0.5 / (450 + 1) ** 0.5)
    assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_rmsprop_follows_learning_rate_too(learning_rate, iris):
    """Unlike Adam, RMSProp takes its rate from the schedule (deltaprop's own solver)."""
    X, y = iris
    clf = DeltaClassifier(solver="rmsprop", learning_rate=learning_rate, learning_rate_init=0.1)
    clf.set_params(max_iter=4, random_state=0)
    if learning_rate == "invscaling":  # 4 epochs, 600 examples seen
        clf.set_params(n_iter_no_change=np.inf).fit(X, y)
        assert clf._optimizer.lr == pytest.approx(0.1 / 601**0.5)
    else:  # as in test_adaptive_trains_the_next_epoch_at_the_divided_rate: one division
        clf.set_params(tol=10.0, n_iter_no_change=1).fit(X, y)
        assert clf._optimizer.lr == pytest.approx(0.1 / 5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("early_stopping", [False, True])
def test_with_tol_0_an_epoch_that_equals_the_best_is_not_stuck(early_stopping, iris):
    """A rate of 1e-300 leaves the weights as they are and the full batch is not shuffled, so
    the loss and the validation score repeat exactly: with tol = 0 an epoch that equals the
    best does not count as one without improvement (scikit-learn's strict comparisons), and
    training runs to max_iter."""
    X, y = iris
    params = dict(learning_rate_init=1e-300, tol=0.0, n_iter_no_change=2, max_iter=8)
    params.update(shuffle=False, early_stopping=early_stopping, random_state=0)
    clf = DeltaClassifier((5,), **params).fit(X, y)
    scores = clf.validation_scores_ if early_stopping else clf.loss_curve_
    assert len(set(scores)) == 1  # the same number at every epoch
    assert clf.n_iter_ == MLPClassifier((5,), **params).fit(X, y).n_iter_ == 8


def test_divergence_is_a_value_error(iris):
    X, y = iris
    reg = DeltaRegressor(activation="identity", solver="sgd", momentum=0.0, learning_rate_init=1.0)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X * 1e3, y * 1e3)


def test_early_stopping_scores_non_finite_predictions_nan_and_the_divergence_is_reported(iris):
    """Epoch 1 leaves weights whose predictions overflow: R^2 is NaN instead of an error of
    r2_score, and epoch 2 stops with the divergence."""
    X, y = iris
    reg = DeltaRegressor(activation="identity", solver="sgd", momentum=0.0, learning_rate_init=1.0)
    reg.set_params(early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="diverged in epoch 2"), np.errstate(all="ignore"):
        reg.fit(X * 1e100, y * 1e100)
    assert len(reg.validation_scores_) == 1 and np.isnan(reg.validation_scores_[0])


# --------------------------------------------------------------------------- continuing


def test_partial_fit_reduces_the_loss_over_several_calls():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = DeltaClassifier(hidden_layer_sizes=(32,), batch_size=32, learning_rate_init=0.01)
    clf.set_params(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:100], y[:100])
    for _ in range(2):  # two passes over 1600 examples, in 8 calls of 200 each
        for start in range(0, 1600, 200):
            chunk = slice(start, start + 200)
            clf.partial_fit(X[chunk], y[chunk], classes=np.arange(10))
    assert len(clf.loss_curve_) == 16 and clf.n_iter_ == 1 and clf.t_ == 3200
    assert np.mean(clf.loss_curve_[-3:]) < 0.5 * np.mean(clf.loss_curve_[:3])
    assert clf.score(X[1600:], y[1600:]) > 0.85
    with pytest.raises(ValueError, match="not in classes_"):
        DeltaClassifier().partial_fit(X[:5], [0, 1, 2, 3, 11], classes=np.arange(10))


def test_partial_fit_classes_after_the_first_call_must_be_the_same(iris):
    X, y = iris
    clf = DeltaClassifier((4,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y, classes=[2, 1, 0])  # the same classes, in any order
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])


def test_partial_fit_of_multilabel_targets_needs_no_classes():
    X, Y = make_multilabel_classification(n_samples=50, n_classes=3, random_state=0)
    clf = DeltaClassifier((4,), random_state=0).partial_fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == (50, 3)


def test_partial_fit_never_warns_about_convergence(iris):
    """One epoch per call, as scikit-learn: max_iter does not apply, even max_iter=1."""
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DeltaClassifier((4,), max_iter=1, random_state=0).partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_without_shuffle_an_epoch_takes_the_mini_batches_in_order(solver, iris):
    """shuffle=False: one epoch in batches of 50 is three partial_fit calls on the rows 0-49,
    50-99 and 100-149, one step each."""
    X, y = iris
    params = dict(hidden_layer_sizes=(6,), solver=solver, batch_size=50, shuffle=False)
    params.update(learning_rate_init=0.05, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        epoch = DeltaClassifier(max_iter=1, **params).fit(X, y)
    steps = DeltaClassifier(**params)
    for start in (0, 50, 100):
        steps.partial_fit(X[start : start + 50], y[start : start + 50], classes=[0, 1, 2])
    fitted, stepped = epoch.coefs_ + epoch.intercepts_, steps.coefs_ + steps.intercepts_
    for P, Q in zip(fitted, stepped, strict=True):
        np.testing.assert_allclose(P, Q, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_continues_the_optimizer(solver, iris):
    """Three partial_fit calls over the same data are three epochs of one fit (full batch, no
    shuffle): the weights and, for Adam, the moment estimates carry on from call to call."""
    X, y = iris
    params = dict(hidden_layer_sizes=(6,), solver=solver, learning_rate_init=0.05, shuffle=False)
    whole = DeltaClassifier(max_iter=3, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole.fit(X, y)
    parts = DeltaClassifier(random_state=0, **params)
    for _ in range(3):
        parts.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(parts.loss_curve_, whole.loss_curve_, rtol=1e-12)
    for A, B in zip(parts.coefs_, whole.coefs_, strict=True):
        np.testing.assert_allclose(A, B, rtol=1e-12)


def test_warm_start_continues_from_the_previous_weights(iris):
    """Gradient descent (no optimizer state) on full batches: 5 epochs, then 5 more with
    warm_start, are the same 10 epochs as one fit; without warm_start fit starts again."""
    X, y = iris
    params = dict(hidden_layer_sizes=(6,), solver="sgd", momentum=0.0, learning_rate_init=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ten = DeltaClassifier(max_iter=10, random_state=0, **params).fit(X, y)
        five = DeltaClassifier(max_iter=5, random_state=0, **params).fit(X, y)
        warm = clone(five).set_params(warm_start=True).fit(X, y)
        warm.fit(X, y)
        cold = clone(five).fit(X, y).fit(X, y)
    assert len(warm.loss_curve_) == 10 and warm.t_ == 1500
    np.testing.assert_allclose(warm.loss_curve_, ten.loss_curve_, rtol=1e-12)
    for A, B in zip(warm.coefs_, ten.coefs_, strict=True):
        np.testing.assert_allclose(A, B, rtol=1e-12)
    assert len(cold.loss_curve_) == 5
    for A, B in zip(cold.coefs_, five.coefs_, strict=True):
        np.testing.assert_array_equal(A, B)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_may_switch_early_stopping_on_and_off(iris):
    X, y = iris
    clf = DeltaClassifier((4,), max_iter=3, warm_start=True, random_state=0).fit(X, y)
    assert clf.validation_scores_ is None and clf.best_loss_ == min(clf.loss_curve_)
    clf.set_params(early_stopping=True).fit(X, y)
    assert len(clf.validation_scores_) == 3
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    clf.set_params(early_stopping=False).fit(X, y)
    assert len(clf.loss_curve_) == 9 and clf.best_loss_ == min(clf.loss_curve_[6:])


def test_warm_start_refuses_a_different_network(iris):
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(6,), max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        with pytest.raises(ValueError, match="warm_start"):
            clf.set_params(hidden_layer_sizes=(7,)).fit(X, y)
        with pytest.raises(ValueError, match="same classes"):
            clf.set_params(hidden_layer_sizes=(6,)).fit(X[y < 2], y[y < 2])


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "params, match",
    [
        ({"solver": "newton"}, "solver"),
        ({"max_fun": 0}, "max_fun"),
        ({"solver": "lbfgs", "dropout": 0.5}, "dropout=0.5 needs a mini-batch solver"),
        ({"solver": "lbfgs", "device": "cuda"}, "device='cuda' is for the mini-batch solvers"),
        ({"activation": "softmax"}, "activation"),
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "wide"}, "hidden_layer_sizes"),
        ({"alpha": -1.0}, "alpha"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": "cosine"}, "learning_rate"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"max_iter": 0}, "max_iter"),
        ({"power_t": -0.5}, "power_t"),
        ({"tol": -1e-4}, "tol"),
        ({"momentum": 1.5}, "momentum"),
        ({"beta_2": 1.0}, "beta_2"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"warm_start": 1}, "warm_start"),
        ({"nesterovs_momentum": "no"}, "nesterovs_momentum"),
        ({"early_stopping": None}, "early_stopping"),
        ({"dtype": "int8"}, "dtype"),
        ({"dtype": "float16"}, "dtype"),
        ({"init": "zeros"}, "init"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"clip_norm": 0.0}, "clip_norm"),
        ({"clip_norm": "big"}, "clip_norm"),
        ({"class_weight": "fair"}, "class_weight"),
        ({"class_weight": [1, 2, 3]}, "class_weight"),
        ({"class_weight": {0: 1, 7: 2}}, r"class_weight names \[7\]"),
        ({"class_weight": {0: -1.0}}, r"class_weight\[0\]"),
        ({"class_weight": {2: np.inf}}, r"class_weight\[2\]"),
        ({"class_weight": {0: 0, 1: 0, 2: 0}}, "weight zero"),
    ],
)
def test_bad_parameters_are_rejected_by_fit_not_by_init(params, match, iris):
    X, y = iris
    clf = DeltaClassifier(**params)  # scikit-learn's rule: __init__ stores, fit checks
    assert clf.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_bad_output_activation(iris):
    X, y = iris
    with pytest.raises(ValueError, match="output_activation"):
        DeltaRegressor(output_activation="softmax").fit(X, y)
    with pytest.raises(ValueError, match="loss='poisson' is not supported"):
        DeltaRegressor(loss="poisson").fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs
def test_scikit_learns_own_parameters_carry_over(iris):
    """Every parameter MLPClassifier and MLPRegressor have is accepted (a grid or a
    get_params() copied from scikit-learn must not fail at construction), with each of
    MLPClassifier's solvers."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = iris
    for solver in ("adam", "sgd", "lbfgs"):
        mlp = MLPClassifier(max_iter=3, solver=solver).get_params()
        clf = DeltaClassifier(**mlp).fit(X, y)
        assert clf.get_params()["max_fun"] == 15000 and clf.n_iter_ == 3
    regression = MLPRegressor().get_params()
    assert set(regression) <= set(DeltaRegressor().get_params())


def test_he_initialisation_is_deltaprops_network_default(iris):
    X, y = iris
    clf = DeltaClassifier(hidden_layer_sizes=(6,), init="he", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(learning_rate_init=1e-12).fit(X, y)
    fresh = Network([4, 6, 3], seed=clf.network_.seed)
    np.testing.assert_allclose(clf.network_.W[1], fresh.W[1], atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        glorot = clone(clf).set_params(init="glorot").fit(X, y)
    assert np.abs(glorot.network_.b[1]).max() > 0  # scikit-learn draws the biases too


@pytest.mark.parametrize("activation, factor", [("relu", 6.0), ("logistic", 2.0)])
def test_glorot_initialisation_is_scikit_learns(activation, factor, iris):
    """W[l] and b[l] uniform on [-r, r], r = sqrt(factor / (n[l-1] + n[l])): 6, or 2 for the
    logistic sigmoid. 200 hidden units fill the range: its ends are nearly reached."""
    X, y = iris
    clf = DeltaClassifier((200,), activation=activation, init="glorot", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(learning_rate_init=1e-300, random_state=0).fit(X, y)  # no step taken
    for C, c in zip(clf.coefs_, clf.intercepts_, strict=True):
        r = np.sqrt(factor / sum(C.shape))
        for P in (C, c):
            assert -r <= P.min() and P.max() <= r
            if P.size >= 200:  # not b[2], of 3 numbers
                assert P.min() < -0.9 * r and P.max() > 0.9 * r


def init_problems():
    """(name, our class, MLP's class, X, y): one target of each kind. The binary one has one
    sigmoid output unit on both sides, the multilabel one a sigmoid unit per label."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Xm, Ym = make_multilabel_classification(n_samples=60, n_classes=4, random_state=0)
    return [
        ("multiclass", DeltaClassifier, MLPClassifier, X, y),
        ("binary", DeltaClassifier, MLPClassifier, X, (y == 1).astype(int)),
        ("multilabel", DeltaClassifier, MLPClassifier, Xm, Ym),
        ("regression", DeltaRegressor, MLPRegressor, X[:, 1:], X[:, 0]),
    ]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", ["relu", "logistic"])
@pytest.mark.parametrize("problem", init_problems(), ids=lambda problem: problem[0])
def test_glorot_starts_from_scikit_learns_initial_weights(problem, activation, dtype):
    """init="glorot" and random_state=s give MLP(random_state=s)'s initial coefs_ and
    intercepts_ bit for bit (the bound's factor 6, or 2 for the logistic activation; two hidden
    layers, so that the order of the draws across layers counts), in float64 and, for float32
    data, rounded to float32 as scikit-learn rounds them.

    Both sides' initial weights are read through the public API (``initial_weights``): one
    epoch at learning_rate_init=1e-300 changes a weight w only if 1e-300 |dw| reaches half an
    ulp of w, i.e. for |w| < about 1e-284 |dw|, which a uniform draw on [-r, r] practically never
    gives; so what is compared is what each side drew (no private attribute of scikit-learn)."""
    _, ours_cls, theirs_cls, X, y = problem
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(7, 5), activation=activation)
    for seed in (0, 1, 7):
        ours = initial_weights(ours_cls, X, y, dtype=dtype, random_state=seed, **params)
        theirs = initial_weights(theirs_cls, X, y, random_state=seed, **params)
        for P, Q in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True):
            assert P.dtype == Q.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(P, Q)


@pytest.fixture
def global_random_state():
    """numpy's global RandomState, put back as it was after the test."""
    saved = np.random.get_state()
    yield
    np.random.set_state(saved)


def test_glorot_draws_from_the_random_state_scikit_learn_draws_from(global_random_state):
    """random_state=None draws from numpy's global RandomState, and a RandomState instance is
    drawn from, as in MLPClassifier: the same state gives the same initial weights."""
    _, _, _, X, y = init_problems()[0]
    for state in ("global", "instance"):
        starts = []
        for cls in (DeltaClassifier, MLPClassifier):
            np.random.seed(3)
            random_state = None if state == "global" else np.random.RandomState(3)
            starts.append(
                initial_weights(cls, X, y, hidden_layer_sizes=(6,), random_state=random_state)
            )
        (C, c), (D, d) = starts
        for P, Q in zip(C + c, D + d, strict=True):
            np.testing.assert_array_equal(P, Q)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh"])
@pytest.mark.parametrize("problem", init_problems(), ids=lambda problem: problem[0])
def test_full_batch_gradient_descent_ends_where_scikit_learns_ends(problem, activation):
    """solver="sgd", momentum=0, one unshuffled batch of all the examples: the same random_state
    alone gives the same 5 epochs as MLP, to rounding (measured: weights at most 2e-16 apart,
    loss_curve_ within 5e-16 relative, random_state 0 and 1, with and without momentum)."""
    _, ours_cls, theirs_cls, X, y = problem
    params = dict(FULL_BATCH_GD, activation=activation, batch_size=len(X), max_iter=5)
    assert_same_fit(ours_cls(**params).fit(X, y), theirs_cls(**params).fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("problem", init_problems(), ids=lambda problem: problem[0])
def test_the_same_random_state_trains_scikit_learns_network(problem, solver, monkeypatch):
    """Shuffled mini-batches too: the same random_state draws the same initial weights and
    then the same order of the examples at every epoch (from the same RandomState), so 30
    epochs of Adam or Nesterov momentum end where MLP's end, to rounding (measured: 2e-16
    after 20 epochs of digits), with the same loss_curve_. The check fails with the
    Trainer's own shuffling."""
    _, ours_cls, theirs_cls, X, y = problem
    params = dict(solver=solver, hidden_layer_sizes=(8,), batch_size=16, max_iter=30)
    params.update(random_state=1, learning_rate_init=0.01)
    theirs = theirs_cls(**params).fit(X, y)
    assert_same_fit(ours_cls(**params).fit(X, y), theirs)
    monkeypatch.setattr(deltaprop.sklearn, "_sklearn_order", lambda rng, m: True)
    with pytest.raises(AssertionError):
        assert_same_fit(ours_cls(**params).fit(X, y), theirs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_same_random_state_stops_early_and_fits_partially_as_scikit_learn(iris):
    """early_stopping (the split, then the orders), partial_fit and warm_start (every call
    starts its order afresh from random_state, as scikit-learn's does) follow MLP step for
    step."""
    X, y = iris
    params = dict(hidden_layer_sizes=(8,), batch_size=16, random_state=2, learning_rate_init=0.01)
    stopping = dict(params, early_stopping=True, n_iter_no_change=3, max_iter=200)
    ours, theirs = DeltaClassifier(**stopping).fit(X, y), MLPClassifier(**stopping).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 200
    assert ours.validation_scores_ == theirs.validation_scores_
    assert_same_fit(ours, theirs)
    ours, theirs = DeltaClassifier(**params), MLPClassifier(**params)
    for _ in range(4):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        theirs.partial_fit(X, y, classes=[0, 1, 2])
    assert_same_fit(ours, theirs)
    warm = dict(params, warm_start=True, max_iter=5)
    ours, theirs = DeltaClassifier(**warm), MLPClassifier(**warm)
    for _ in range(3):
        ours.fit(X, y)
        theirs.fit(X, y)
    assert len(ours.loss_curve_) == 15
    assert_same_fit(ours, theirs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", init_problems(), ids=lambda problem: problem[0])
def test_sample_weights_in_mini_batches_record_and_stop_as_scikit_learn(problem, monkeypatch):
    """With sample weights and mini-batches, scikit-learn's epoch loss averages the batches'
    weighted losses by their sizes; so does loss_curve_ here, and the tol-based stop that reads
    it ends at the same epoch with the same weights. The check fails with the epoch's weighted
    mean (the Trainer's default)."""
    _, ours_cls, theirs_cls, X, y = problem
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(X))
    params = dict(hidden_layer_sizes=(8,), batch_size=16, max_iter=300, random_state=3)
    params.update(learning_rate_init=0.01, tol=1e-3, n_iter_no_change=3)
    theirs = theirs_cls(**params).fit(X, y, sample_weight=w)
    ours = ours_cls(**params).fit(X, y, sample_weight=w)
    assert ours.n_iter_ == theirs.n_iter_ < 300
    assert_same_fit(ours, theirs)
    make_trainer = deltaprop.training.Trainer.__init__

    def weighted_mean(self, *args, **kwargs):
        make_trainer(self, *args, **{**kwargs, "cost_mean": "weight"})

    monkeypatch.setattr(deltaprop.training.Trainer, "__init__", weighted_mean)
    with pytest.raises(AssertionError):
        assert_same_fit(ours_cls(**params).fit(X, y, sample_weight=w), theirs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", init_problems(), ids=lambda problem: problem[0])
def test_unshuffled_full_batch_adam_ends_where_scikit_learns_ends(problem, monkeypatch):
    """solver="adam" with scikit-learn's epsilon (Adam's eps_hat form) and the same random_state:
    50 unshuffled full-batch epochs end where MLP's end, to rounding. With Adam's default
    epsilon (added to sqrt of the bias-corrected S) they do not: the check can fail."""
    _, ours_cls, theirs_cls, X, y = problem
    params = dict(hidden_layer_sizes=(8,), shuffle=False, batch_size=len(X), max_iter=50)
    params.update(learning_rate_init=0.01, n_iter_no_change=100, random_state=0)
    theirs = theirs_cls(**params).fit(X, y)
    assert_same_fit(ours_cls(**params).fit(X, y), theirs)

    def default_epsilon(*args, eps_hat, **kwargs):
        return Adam(*args, **kwargs)

    monkeypatch.setattr(deltaprop.sklearn, "Adam", default_epsilon)
    with pytest.raises(AssertionError):
        assert_same_fit(ours_cls(**params).fit(X, y), theirs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("y_kind", ["multiclass", "binary"])
def test_early_stopping_holds_out_scikit_learns_examples(y_kind, iris):
    """The split is drawn from the same RandomState after the initial weights, as in
    MLPClassifier, so (stratified for binary y) it holds out the same examples: full-batch
    momentum then scores the same on them at every epoch and ends with the same weights."""
    X, y = iris
    y = (y == 1).astype(int) if y_kind == "binary" else y
    params = dict(FULL_BATCH_GD, momentum=0.9, batch_size=len(X), max_iter=10)
    params.update(early_stopping=True, validation_fraction=0.3, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # batch_size > the training part: clipped
        ours, theirs = DeltaClassifier(**params).fit(X, y), MLPClassifier(**params).fit(X, y)
    assert ours.validation_scores_ == theirs.validation_scores_
    for P, Q in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("nesterovs_momentum", [True, False])
def test_sgd_with_momentum_takes_scikit_learns_steps(nesterovs_momentum, iris):
    """From the same random_state (so the same initial weights), 5 full-batch epochs of
    momentum (Nesterov's or not) end where MLPClassifier's end, to rounding."""
    X, y = iris
    params = dict(FULL_BATCH_GD, momentum=0.9, nesterovs_momentum=nesterovs_momentum)
    params.update(max_iter=5, n_iter_no_change=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = DeltaClassifier(**params).fit(X, y), MLPClassifier(**params).fit(X, y)
    assert_same_fit(ours, theirs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_epsilon_is_rmsprops_too(iris):
    """With epsilon = 1e6 >> sqrt(S), an RMSProp step is lr dW / 1e6: at lr = 1e6, a gradient
    descent step of rate 1."""
    X, y = iris
    params = dict(FULL_BATCH_GD, max_iter=1)
    rmsprop = DeltaClassifier(**{**params, "solver": "rmsprop"})
    rmsprop.set_params(epsilon=1e6, learning_rate_init=1e6).fit(X, y)
    descent = DeltaClassifier(**{**params, "learning_rate_init": 1.0}).fit(X, y)
    for P, Q in zip(rmsprop.coefs_, descent.coefs_, strict=True):
        np.testing.assert_allclose(P, Q, rtol=1e-5)


def test_verbose_prints_the_loss(iris, capsys):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DeltaClassifier(hidden_layer_sizes=(4,), max_iter=2, verbose=True).fit(X, y)
    assert capsys.readouterr().out.startswith("Iteration 1, loss = ")


def test_batch_size_larger_than_the_data_is_clipped_with_a_warning(iris):
    X, y = iris
    with pytest.warns(UserWarning, match="clipped"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        DeltaClassifier(hidden_layer_sizes=(4,), batch_size=1000, max_iter=1).fit(X, y)
    with warnings.catch_warnings():  # as many as the data: nothing to clip
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        DeltaClassifier(hidden_layer_sizes=(4,), batch_size=150, max_iter=1).fit(X, y)


# --------------------------------------------------------------------- weights, dropout, clipping

# Full-batch gradient descent, unshuffled, for a fixed number of epochs: deterministic, so a
# weighted fit and the fit on repeated examples must agree to rounding error.
FULL_BATCH_GD = dict(
    hidden_layer_sizes=(5,),
    solver="sgd",
    momentum=0.0,
    shuffle=False,
    learning_rate_init=0.1,
    alpha=0.01,  # > 0: the penalty must be divided by the total weight, not by the row count
    max_iter=30,
    n_iter_no_change=np.inf,
    random_state=0,
)


def assert_same_fit(a, b):
    for P, Q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


def imbalanced(m, seed):
    """Two overlapping Gaussian classes in 2-D, about 95:5: X (m, 2), y (m,); the minority's
    mean is 1.5 away from the majority's in each coordinate."""
    rng = np.random.default_rng(seed)
    y = (rng.random(m) < 0.05).astype(int)
    X = rng.normal(0, 1, (m, 2)) + np.where(y[:, None] == 1, 1.5, 0.0)
    return X, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_balanced_class_weight_raises_minority_recall():
    X, y = imbalanced(2000, 0)
    X_test, y_test = imbalanced(10000, 1)

    def minority_recall(class_weight):
        clf = DeltaClassifier(
            (16,), class_weight=class_weight, learning_rate_init=0.01, random_state=0
        )
        return recall_score(y_test, clf.fit(X, y).predict(X_test))

    plain, balanced = minority_recall(None), minority_recall("balanced")
    assert plain < 0.5 and balanced > 0.8, (plain, balanced)  # 0.34 -> 0.87; docs: 5 seeds


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("cls", [DeltaClassifier, DeltaRegressor])
def test_integer_sample_weights_give_the_fit_of_repeated_examples(cls):
    """Weight k = the example k times (0 = left out): the cost (eq. J2) and the penalty, divided
    by sum_i w_i, are those of the repeated data, so full-batch GD takes the same steps."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    w = rng.integers(0, 4, 40)
    assert (np.bincount(y, weights=w) > 0).all()  # every class keeps some weight
    X_rep, y_rep = X.repeat(w, axis=0), y.repeat(w)
    weighted = cls(**FULL_BATCH_GD).fit(X, y, sample_weight=w)
    assert_same_fit(weighted, cls(**FULL_BATCH_GD).fit(X_rep, y_rep))
    assert weighted.n_iter_ == 30
    # the same for one epoch of partial_fit
    classes = {"classes": [0, 1, 2]} if cls is DeltaClassifier else {}
    one = cls(**FULL_BATCH_GD).partial_fit(X, y, sample_weight=w, **classes)
    assert_same_fit(one, cls(**FULL_BATCH_GD).partial_fit(X_rep, y_rep, **classes))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scaling_every_weight_only_weakens_the_penalty(iris):
    """Weights are counts: sample_weight = c is c copies of the data, so with alpha = 0 it
    changes nothing, and with alpha > 0 it is alpha / c."""
    X, y = iris
    settings = {**FULL_BATCH_GD, "alpha": 0.0}
    plain = DeltaClassifier(**settings).fit(X, y)
    assert_same_fit(plain, DeltaClassifier(**settings).fit(X, y, sample_weight=np.full(150, 3.0)))
    settings["alpha"] = 0.03
    tripled = DeltaClassifier(**settings).fit(X, y, sample_weight=np.full(150, 3.0))
    assert_same_fit(tripled, DeltaClassifier(**{**settings, "alpha": 0.01}).fit(X, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ones_as_sample_weight_change_nothing_with_mini_batches_and_early_stopping(iris):
    X, y = iris
    settings = dict(
        hidden_layer_sizes=(6,), batch_size=16, early_stopping=True, max_iter=20, random_state=0
    )
    plain = DeltaClassifier(**settings).fit(X, y)
    ones = DeltaClassifier(**settings).fit(X, y, sample_weight=np.ones(150))
    for P, Q in zip(plain.coefs_, ones.coefs_, strict=True):
        np.testing.assert_allclose(P, Q, rtol=1e-12)
    assert plain.validation_scores_ == ones.validation_scores_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_is_a_sample_weight_multiplied_with_sample_weight(iris):
    X, y = iris
    sw = np.random.default_rng(0).uniform(0.5, 2.0, 150)
    by_class = DeltaClassifier(**FULL_BATCH_GD, class_weight={0: 2.0, 2: 0.5})
    by_class.fit(X, y, sample_weight=sw)
    by_example = DeltaClassifier(**FULL_BATCH_GD).fit(
        X, y, sample_weight=sw * np.array([2, 1, 0.5])[y]
    )
    assert_same_fit(by_class, by_example)
    assert by_class.class_weight == {0: 2.0, 2: 0.5}  # parameters are never changed by fit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_balanced_class_weight_is_m_over_k_m_c_and_counts_weighted_examples(iris):
    X, y = iris[0][:110], iris[1][:110]  # 50, 50 and 10 examples: unbalanced
    balanced = DeltaClassifier(**FULL_BATCH_GD, class_weight="balanced").fit(X, y)
    w = class_sample_weights(y, "balanced")  # m / (k m_c), deltaprop's and scikit-learn's
    np.testing.assert_allclose(w, compute_sample_weight("balanced", y))
    assert_same_fit(balanced, DeltaClassifier(**FULL_BATCH_GD).fit(X, y, sample_weight=w))
    # With sample weights the classes are counted by weight (scikit-learn >= 1.8), so that an
    # integer weight still equals repetition.
    counts = np.random.default_rng(1).integers(0, 4, 110)
    weighted = DeltaClassifier(**FULL_BATCH_GD, class_weight="balanced")
    weighted.fit(X, y, sample_weight=counts)
    repeated = DeltaClassifier(**FULL_BATCH_GD, class_weight="balanced")
    assert_same_fit(weighted, repeated.fit(X.repeat(counts, axis=0), y.repeat(counts)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_splits_the_weights_with_the_rows():
    """60% of the labels are wrong and weigh 0. If the weights follow their rows into the
    training and validation parts, the network learns the right labels (with the weights
    shuffled out of line, it scores 0.43) and the validation score, weighted, sees only right
    ones."""
    X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    wrong = np.random.default_rng(0).random(300) < 0.6
    y_noisy = np.where(wrong, (y + 1) % 3, y)
    clf = DeltaClassifier(
        (16,), early_stopping=True, learning_rate_init=0.03, n_iter_no_change=20, random_state=0
    )
    clf.fit(X, y_noisy, sample_weight=(~wrong).astype(float))
    assert clf.best_validation_score_ > 0.85
    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (-np.ones(150), "Negative values"),
        (np.r_[np.ones(149), np.nan], "NaN"),
        (np.r_[np.ones(149), np.inf], "infinity"),
        (np.ones(149), r"shape"),
        (np.ones((150, 2)), "1D"),
        (np.zeros(150), "non-zero"),
        (np.array(["a"] * 150), "could not convert"),
    ],
)
@pytest.mark.parametrize("cls", [DeltaClassifier, DeltaRegressor])
def test_bad_sample_weights_give_clear_errors(cls, sample_weight, match, iris):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        cls(max_iter=1).fit(X, y, sample_weight=sample_weight)
    with pytest.raises(ValueError, match=match):
        cls(max_iter=1).partial_fit(
            X,
            y,
            sample_weight=sample_weight,
            **({"classes": [0, 1, 2]} if cls is DeltaClassifier else {}),
        )


def test_class_weights_that_cannot_be_used_give_clear_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match="partial_fit"):
        DeltaClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    with pytest.raises(ValueError, match="multilabel"):
        DeltaClassifier(class_weight={0: 2}).fit(X, Y)
    zero_on_training = np.r_[np.zeros(149), 1.0]  # one example of weight > 0
    with pytest.raises(ValueError, match="early-stopping .* part has sample weight zero"):
        DeltaClassifier(early_stopping=True, random_state=0).fit(X, y, zero_on_training)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dropout_narrows_the_gap_between_training_and_test_accuracy():
    """(256, 256) units over-fit 80 noisy moons; dropout 0.5 narrows the gap and helps the test
    accuracy (docs/weights_and_dropout.md has the curves)."""
    train, test = make_moons(m=80, noise=0.35, seed=0), make_moons(m=2000, noise=0.35, seed=1)

    def accuracies(dropout):
        clf = DeltaClassifier(
            (256, 256),
            dropout=dropout,
            alpha=0.0,
            batch_size=16,
            learning_rate_init=3e-3,
            max_iter=300,
            n_iter_no_change=np.inf,
            random_state=0,
        ).fit(train.X, train.y)
        np.testing.assert_array_equal(clf.predict_proba(test.X), clf.predict_proba(test.X))
        return clf.score(train.X, train.y), clf.score(test.X, test.y)

    with threadpool_limits(1):  # small matrices: one BLAS thread is faster, whatever the load
        (train_plain, test_plain), (train_drop, test_drop) = accuracies(0.0), accuracies(0.5)
    assert train_plain == 1.0 and train_plain - test_plain > 0.12
    assert train_drop - test_drop < train_plain - test_plain - 0.03
    assert test_drop > test_plain


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dropout_is_reproducible_with_random_state(iris):
    X, y = iris
    a, b, c = (
        DeltaClassifier((8,), dropout=0.3, max_iter=5, random_state=seed).fit(X, y)
        for seed in (0, 0, 1)
    )
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("incremental", [False, True])
def test_clip_norm_bounds_every_step(incremental, iris):
    """Gradient descent with clip_norm c moves the parameters by at most alpha c per step, and
    by exactly alpha c when the gradient is longer than c."""
    X, y = iris
    clf = DeltaClassifier((8,), solver="sgd", momentum=0.0, learning_rate_init=0.1, max_iter=1)
    clf.set_params(clip_norm=1e-3, random_state=0, warm_start=True)
    clf.fit(X, y)
    before = np.concatenate([P.ravel() for P in clf.coefs_ + clf.intercepts_])
    clf.partial_fit(X, y) if incremental else clf.fit(X, y)
    after = np.concatenate([P.ravel() for P in clf.coefs_ + clf.intercepts_])
    assert np.linalg.norm(after - before) == pytest.approx(0.1 * 1e-3)


def test_clip_norm_set_between_partial_fit_calls_applies_to_the_next(iris):
    X, y = iris
    clf = DeltaClassifier((8,), solver="sgd", momentum=0.0, learning_rate_init=0.1)
    clf.set_params(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    before = np.concatenate([P.ravel() for P in clf.coefs_ + clf.intercepts_])
    clf.set_params(clip_norm=1e-3).partial_fit(X, y)
    after = np.concatenate([P.ravel() for P in clf.coefs_ + clf.intercepts_])
    assert np.linalg.norm(after - before) == pytest.approx(0.1 * 1e-3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_python_examples_of_the_weights_and_dropout_docs_run():
    doc = Path(__file__).parent.parent / "docs" / "weights_and_dropout.md"
    if not doc.exists():
        pytest.skip("not a source checkout")
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), flags=re.S)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, str(doc), "exec"), {})


# --------------------------------------------------------------------------- solver="lbfgs"

LBFGS = dict(hidden_layer_sizes=(10,), solver="lbfgs", random_state=0)
SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def initial_weights(cls, X, y, **params):
    """(coefs_, intercepts_) that cls(**params).fit(X, y) starts from: random_state alone
    decides them, whatever the solver, and one step of rate 1e-300 does not move them."""
    start = cls(**{**params, "solver": "sgd", "learning_rate_init": 1e-300, "max_iter": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start.fit(X, y)
    return [C.copy() for C in start.coefs_], [c.copy() for c in start.intercepts_]


def fit_recording_warnings(model, X, y, **fit) -> list:
    """fit model; the ConvergenceWarnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y, **fit)
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def handed_to_scipy(monkeypatch, model, X, y, **fit) -> list[dict]:
    """fit model, recording each call to scipy.optimize.minimize: fun, x0, kwargs, result."""
    import scipy.optimize

    minimize, calls = scipy.optimize.minimize, []

    def spy(fun, x0, **kwargs):
        calls.append({"fun": fun, "x0": x0.copy(), "kwargs": kwargs})
        calls[-1]["result"] = minimize(fun, x0, **kwargs)
        return calls[-1]["result"]

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    fit_recording_warnings(model, X, y, **fit)
    return calls


def central_differences(fun, x, h=1e-6) -> np.ndarray:
    """(J(x + h e_i) - J(x - h e_i)) / 2h for every i: the gradient of fun's value alone."""
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (fun(x + e)[0] - fun(x - e)[0]) / (2 * h)
    return g


def relative_gradient_error(fun, x) -> float:
    g, g_fd = fun(x)[1], central_differences(fun, x)
    return np.linalg.norm(g - g_fd) / max(np.linalg.norm(g), np.linalg.norm(g_fd))


def lbfgs_problems():
    """(name, our class, MLP's class, X, y, sample_weight, parameters): multiclass, binary
    with sample weights and a strong penalty, regression."""
    X, y = load_iris(return_X_y=True)
    Xb, yb = load_breast_cancer(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.2, 3.0, yb.size)
    Xr, yr = make_regression(n_samples=100, n_features=5, noise=5.0, random_state=0)
    iris = dict(alpha=1e-4, max_iter=30)
    cancer = dict(activation="logistic", alpha=0.5, max_iter=30)
    regression = dict(activation="tanh", alpha=0.1, max_iter=30)
    scale = StandardScaler().fit_transform
    return [
        ("iris", DeltaClassifier, MLPClassifier, scale(X), y, None, iris),
        ("breast_cancer", DeltaClassifier, MLPClassifier, scale(Xb), yb, w, cancer),
        ("regression", DeltaRegressor, MLPRegressor, Xr, yr / yr.std(), None, regression),
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("problem", lbfgs_problems(), ids=lambda problem: problem[0])
def test_lbfgs_ends_where_scikit_learns_lbfgs_ends_from_the_same_random_state(problem, seed):
    """With the same random_state, MLP's lbfgs and ours end with the same coefs_, intercepts_,
    loss_ and n_iter_, and both warn or neither does.

    random_state alone gives both the same initial weights
    (test_glorot_starts_from_scikit_learns_initial_weights). From the same start the loss
    (penalty and sample weights included) and the packed parameter vector are the same, so scipy
    takes the same steps; only rounding differs (our sums run in another order), and L-BFGS
    amplifies it with every iteration. Measured on these three problems, random_state 0 to 2,
    max |difference| of the weights: at most 7e-15 after 10 iterations, 1e-11 after 30, 3e-6
    after 100, where iris with random_state=1 already ends elsewhere (1.3 apart, after 57 and
    68 iterations). Hence at most 30 iterations and 1e-9. iris with random_state=2 converges
    (gtol = tol) at the same iteration, 21, on both sides; the others stop at max_iter.
    """
    _, ours_cls, theirs_cls, X, y, w, params = problem
    if w is not None and SKLEARN_VERSION < (1, 7):
        pytest.skip("MLPClassifier takes sample_weight from scikit-learn 1.7")
    params = {**LBFGS, **params, "random_state": seed}
    ours, theirs = ours_cls(**params), theirs_cls(**params)
    ours_warned = fit_recording_warnings(ours, X, y, sample_weight=w)
    theirs_warned = fit_recording_warnings(theirs, X, y, sample_weight=w)
    assert ours.n_iter_ == theirs.n_iter_ and bool(ours_warned) == bool(theirs_warned)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    for P, Q in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(P, Q, rtol=0, atol=1e-9)


def test_lbfgs_loss_is_the_penalised_log_loss_of_the_fitted_weights():
    """loss_ = the weighted mean log loss + alpha / (2 sum_i w_i) sum ||W[l]||^2, computed
    here with scikit-learn's log_loss from the fitted model's probabilities."""
    from sklearn.metrics import log_loss

    _, _, _, X, y, w, params = lbfgs_problems()[1]
    clf = DeltaClassifier(**{**LBFGS, **params, "max_iter": 20})
    fit_recording_warnings(clf, X, y, sample_weight=w)
    penalty = params["alpha"] / (2 * w.sum()) * sum((C**2).sum() for C in clf.coefs_)
    data = log_loss(y, clf.predict_proba(X), sample_weight=w)
    assert clf.loss_ == pytest.approx(data + penalty, rel=1e-10)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("problem", lbfgs_problems(), ids=lambda problem: problem[0])
def test_lbfgs_gradient_is_the_derivative_of_its_loss(problem, dtype, monkeypatch):
    """The function fit hands to scipy returns the gradient of its own value: central
    differences (h = 1e-6) agree to 1e-7 relative, at the initial weights and at a random
    point, with alpha > 0 and (breast_cancer) sample weights. With dtype="float32" too: the
    function computes in float64 whatever the network's dtype."""
    _, cls, _, X, y, w, params = problem
    params = {**LBFGS, **params, "max_iter": 1, "dtype": dtype}
    [call] = handed_to_scipy(monkeypatch, cls(**params), X, y, sample_weight=w)
    fun, x0 = call["fun"], call["x0"]
    assert x0.dtype == np.float64 and call["kwargs"]["jac"] is True
    elsewhere = x0 + np.random.default_rng(1).normal(0, 0.3, x0.size)
    for x in (x0, elsewhere):
        J, g = fun(x)
        assert isinstance(J, float) and g.dtype == np.float64 and g.shape == x.shape
        assert relative_gradient_error(fun, x) < 1e-7


def test_lbfgs_with_several_targets_hands_scipy_a_loss_and_its_own_gradient(monkeypatch):
    """Two targets: J sums the squared errors over the targets, and the gradient is J's. (MLP's
    lbfgs averages its loss over the targets but returns the gradient of the sum, scikit-learn
    issue 8349, so it is not compared with ours here.) loss_ is that sum, penalty included."""
    X, Y = make_regression(n_samples=60, n_features=4, n_targets=2, noise=5.0, random_state=0)
    Y = Y / Y.std(axis=0)
    params = {**LBFGS, "activation": "tanh", "alpha": 0.1, "max_iter": 15}
    reg = DeltaRegressor(**params)
    [call] = handed_to_scipy(monkeypatch, reg, X, Y)
    assert relative_gradient_error(call["fun"], call["x0"]) < 1e-7
    squared = 0.5 * ((reg.predict(X) - Y) ** 2).sum(axis=1).mean()
    penalty = 0.1 / (2 * len(Y)) * sum((C**2).sum() for C in reg.coefs_)
    assert reg.loss_ == pytest.approx(squared + penalty, rel=1e-10)


@pytest.mark.parametrize("mistake", ["penalty halved", "db 0.1% too large"])
def test_the_gradient_check_finds_a_wrong_gradient(mistake, monkeypatch):
    """The check above fails when the gradient is off: half the L2 term's derivative, or every
    db[l] 1.001 times too large (relative errors 1e-3 and 4e-4, where a right gradient gives
    2e-9 at most)."""
    _, cls, _, X, y, w, params = lbfgs_problems()[1]  # breast_cancer: weights and alpha
    if mistake == "penalty halved":
        add_l2_gradient = Network.add_l2_gradient

        def wrong(self, dW, l2, m):
            add_l2_gradient(self, dW, l2 / 2, m)

        monkeypatch.setattr(Network, "add_l2_gradient", wrong)
    else:
        backward = Network._backward

        def wrong(self, Y, w, D=None):
            dW, db = backward(self, Y, w, D)
            return dW, {l: 1.001 * db_l for l, db_l in db.items()}

        monkeypatch.setattr(Network, "_backward", wrong)
    params = {**LBFGS, **params, "max_iter": 1}
    [call] = handed_to_scipy(monkeypatch, cls(**params), X, y, sample_weight=w)
    assert relative_gradient_error(call["fun"], call["x0"]) > 1e-5


def test_lbfgs_warns_when_max_iter_or_max_fun_ends_it(iris):
    X, y = iris
    clf = DeltaClassifier(**{**LBFGS, "max_iter": 3})
    with pytest.warns(ConvergenceWarning, match=r"lbfgs stopped before converging, after 3 "):
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and np.isfinite(clf.loss_) and clf.t_ == 0
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert not hasattr(clf, name)  # as MLPClassifier's lbfgs: no epochs to record
    with pytest.warns(ConvergenceWarning, match="EVALUATIONS EXCEEDS LIMIT"):
        clf.set_params(max_iter=200, max_fun=5).fit(X, y)
    assert clf.n_iter_ <= 5  # one evaluation an iteration at best


def test_lbfgs_non_finite_loss_is_a_value_error():
    """Data of 1e100 overflow the loss at the first evaluation: a ValueError that says to
    scale the data, and network_ keeps its weights (MLPRegressor returns loss_ = nan)."""
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    reg = DeltaRegressor(**LBFGS)
    with pytest.raises(ValueError, match="non-finite loss .* scale them first"):
        reg.fit(X * 1e100, y * 1e100)
    assert all(np.isfinite(C).all() for C in reg.coefs_)


def test_lbfgs_learns_iris(iris):
    """Converged (no warning) before max_iter. In 5-fold cross-validation with alpha = 1 each
    of 20 seeds gives 0.967 (MLPClassifier's lbfgs too); with alpha = 1e-4 the seeds spread
    from 0.933 to 0.973, 0.958 on average (MLPClassifier: 0.955)."""
    X, y = iris
    clf = DeltaClassifier(**{**LBFGS, "alpha": 1.0, "max_iter": 1000})
    assert not fit_recording_warnings(clf, X, y)
    assert clf.n_iter_ < 1000 and clf.score(X, y) > 0.95
    pipe = make_pipeline(StandardScaler(), clone(clf))
    assert cross_val_score(pipe, load_iris(return_X_y=True)[0], y, cv=5).mean() > 0.95


def test_lbfgs_prints_one_line_per_iteration_when_verbose(iris, capsys):
    X, y = iris
    clf = DeltaClassifier(**{**LBFGS, "max_iter": 4, "verbose": True})
    fit_recording_warnings(clf, X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_ == 4 and lines[0].startswith("Iteration 1, loss = ")
    assert lines[-1] == f"Iteration 4, loss = {clf.loss_:.8f}"


def test_lbfgs_ignores_the_mini_batch_parameters(iris):
    """As MLPClassifier's lbfgs: batch_size, shuffle, the learning rate, momentum, Adam's and
    the stopping rule's parameters and early_stopping (no split: lbfgs trains on all the data)
    change nothing; nor does clip_norm."""
    X, y = iris
    plain = DeltaClassifier(**{**LBFGS, "max_iter": 20})
    fit_recording_warnings(plain, X, y)
    others = dict(
        batch_size=7,
        shuffle=False,
        learning_rate="adaptive",
        learning_rate_init=5.0,
        momentum=0.5,
        beta_1=0.5,
        n_iter_no_change=1,
        early_stopping=True,
        validation_fraction=0.5,
        clip_norm=1e-3,
    )
    other = clone(plain).set_params(**others)
    fit_recording_warnings(other, X, y)
    for P, Q in zip(
        plain.coefs_ + plain.intercepts_, other.coefs_ + other.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(P, Q)
    assert other.loss_ == plain.loss_ and not hasattr(other, "validation_scores_")


def test_lbfgs_has_no_partial_fit(iris):
    """As MLPClassifier: partial_fit is not an attribute of an lbfgs estimator; calling it is
    scikit-learn's AttributeError, caused by ours, which says why. Another solver brings it
    back."""
    X, y = iris
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    for est in (DeltaClassifier(solver="lbfgs"), DeltaRegressor(solver="lbfgs")):
        assert not hasattr(est, "partial_fit")
        with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as error:
            est.partial_fit(X, y)
        assert "not available with solver='lbfgs'" in str(error.value.__cause__)
        assert hasattr(est.set_params(solver="adam"), "partial_fit")


def test_lbfgs_warm_start_continues_from_network_(iris, monkeypatch):
    """The second fit starts from the first one's weights (its x0 is the first one's result)
    and lowers the loss further; without warm_start fit starts again from random_state's."""
    X, y = iris
    clf = DeltaClassifier(**{**LBFGS, "max_iter": 5, "warm_start": True})
    [first] = handed_to_scipy(monkeypatch, clf, X, y)
    [second] = handed_to_scipy(monkeypatch, clf, X, y)
    np.testing.assert_array_equal(second["x0"], first["result"].x)
    assert second["result"].fun < first["result"].fun
    assert clf.loss_ == second["result"].fun and clf.n_iter_ == 5
    [cold] = handed_to_scipy(monkeypatch, clf.set_params(warm_start=False), X, y)
    np.testing.assert_array_equal(cold["x0"], first["x0"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_may_switch_between_lbfgs_and_a_mini_batch_solver(iris):
    """adam's epochs, then lbfgs from where they ended (adam's records go: they no longer
    describe the model), then adam again with fresh records and a fresh optimizer."""
    X, y = iris
    clf = DeltaClassifier((6,), max_iter=3, warm_start=True, random_state=0).fit(X, y)
    adam_loss = clf.loss_
    clf.set_params(solver="lbfgs", max_iter=10).fit(X, y)
    assert clf.loss_ < adam_loss and not hasattr(clf, "loss_curve_")
    assert not hasattr(clf, "_optimizer")
    lbfgs_coefs = [C.copy() for C in clf.coefs_]
    clf.set_params(solver="adam", max_iter=2, learning_rate_init=1e-300).fit(X, y)
    assert len(clf.loss_curve_) == 2 and clf.best_loss_ == min(clf.loss_curve_)
    for P, Q in zip(clf.coefs_, lbfgs_coefs, strict=True):
        np.testing.assert_array_equal(P, Q)  # steps of 1e-300 leave lbfgs's weights
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 3


def test_lbfgs_with_float32_optimises_in_float64_and_rounds_at_the_end(iris):
    """network_ stays float32 (the float64 result, rounded); loss_ is the float64 loss before
    the rounding. The float32 fit starts from float32 weights and data, so it ends near the
    float64 fit, not at it: 8e-7 apart after 20 iterations here."""
    X, y = iris
    single = DeltaClassifier(**{**LBFGS, "max_iter": 20, "dtype": "float32"})
    double = clone(single).set_params(dtype="float64")
    for clf in (single, double):
        fit_recording_warnings(clf, X, y)
    assert single.network_.dtype == np.float32 and single.coefs_[0].dtype == np.float32
    assert single.predict_proba(X).dtype == np.float32 and isinstance(single.loss_, float)
    assert single.loss_ == pytest.approx(double.loss_, rel=1e-6)
    for P, Q in zip(
        single.coefs_ + single.intercepts_, double.coefs_ + double.intercepts_, strict=True
    ):
        np.testing.assert_allclose(P, Q, rtol=0, atol=1e-5)


def test_lbfgs_keeps_the_notations_arrays(iris):
    """network_'s W[l] (n[l], n[l-1]) and b[l] (n[l], 1) are written in place, and coefs_ stay
    their views: the one packed vector is on scipy's side only."""
    X, y = iris
    clf = DeltaClassifier(**{**LBFGS, "max_iter": 1})
    fit_recording_warnings(clf, X, y)
    W1 = clf.network_.W[1]
    fit_recording_warnings(clf.set_params(warm_start=True, max_iter=5), X, y)
    assert clf.network_.W[1] is W1 and W1.shape == (10, 4) and W1.flags.c_contiguous
    assert np.shares_memory(clf.coefs_[0], W1) and clf.network_.b[2].shape == (3, 1)


# --------------------------------------------------------------------------- parity (slow)

PARITY = dict(hidden_layer_sizes=(100,), solver="adam", alpha=1e-4, max_iter=200)


def parity_model(cls, seed, scale_target=False):
    model = make_pipeline(StandardScaler(), cls(random_state=seed, **PARITY))
    if scale_target:
        return TransformedTargetRegressor(model, transformer=StandardScaler())
    return model


@pytest.mark.skipif(
    not os.environ.get("DELTAPROP_SLOW"), reason="slow (~30 s): set DELTAPROP_SLOW=1"
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_parity_with_scikit_learns_mlp():
    """5-fold cross-validation of MLPClassifier and MLPRegressor against ours with the same
    random_state: every fold of every seed scores the same, to rounding, since both sides train
    the same network; docs/sklearn.md has the table for five seeds."""
    problems = [
        ("digits", load_digits, MLPClassifier, DeltaClassifier),
        ("iris", load_iris, MLPClassifier, DeltaClassifier),
        ("wine", load_wine, MLPClassifier, DeltaClassifier),
        ("breast_cancer", load_breast_cancer, MLPClassifier, DeltaClassifier),
        ("diabetes", load_diabetes, MLPRegressor, DeltaRegressor),
        ("friedman1", None, MLPRegressor, DeltaRegressor),
    ]
    for name, load, theirs, ours in problems:
        if load is None:
            X, y = make_friedman1(n_samples=1000, random_state=0)
        else:
            X, y = load(return_X_y=True)
        for seed in (0, 1, 2):
            scores = [
                cross_val_score(parity_model(cls, seed, name == "diabetes"), X, y, cv=5)
                for cls in (theirs, ours)
            ]
            np.testing.assert_allclose(*scores, rtol=1e-9, err_msg=f"{name}, seed {seed}")
