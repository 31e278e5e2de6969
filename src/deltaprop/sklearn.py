"""scikit-learn estimators on the deltaprop engine: ``DeltaClassifier`` and ``DeltaRegressor``.

They take MLPClassifier's and MLPRegressor's parameters where the meaning is the same, follow
scikit-learn's conventions (``fit``/``partial_fit``/``predict``, fitted attributes ending in ``_``,
``get_params``/``set_params``, pipelines, grid search, pickling, ``sample_weight``) and train
a :class:`deltaprop.core.Network` with :class:`deltaprop.training.Trainer`, or with
``solver="lbfgs"`` by scipy's L-BFGS-B on the Trainer's full-batch cost.

This module is the only place in deltaprop that speaks scikit-learn's row-major layout: X is
(n_samples, n_features) here and is transposed once, to the notation's (n_x, m), on its way into
the network. ``network_`` is the fitted Network in the report's notation (``W[l]`` of shape
(n[l], n[l-1])); ``coefs_`` and ``intercepts_`` are the same arrays in scikit-learn's orientation.

scikit-learn is an optional dependency (``pip install 'deltaprop[sklearn]'``, version 1.6 or
newer); ``import deltaprop`` does not import this module.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

try:  # validate_data and __sklearn_tags__ came with scikit-learn 1.6
    from sklearn.utils.validation import validate_data
except ImportError as error:  # pragma: no cover - depends on the installed version
    raise ImportError(
        "deltaprop.sklearn needs scikit-learn 1.6 or newer: pip install -U 'scikit-learn>=1.6'"
    ) from error

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from .core import Network
from .core.arrays import to_numpy
from .data import to_columns
from .training import (
    Adam,
    Callback,
    GradientDescent,
    Momentum,
    Optimizer,
    RMSProp,
    Schedule,
    Trainer,
    TrainingDiverged,
)
from .training.schedules import InverseScaling
from .training.weights import class_sample_weights

__all__ = ["DeltaClassifier", "DeltaRegressor"]

# scikit-learn's activation names -> deltaprop's ("logistic" is the sigmoid); "sigmoid" and
# "leaky_relu" are deltaprop's own additions.
_HIDDEN_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "leaky_relu",
}
_REGRESSION_OUTPUTS = _HIDDEN_ACTIVATIONS  # trained with the squared error whatever the output
_SOLVERS = ("adam", "sgd", "rmsprop", "lbfgs")
# What a fit with the mini-batch solvers records and an lbfgs fit does not (as in scikit-learn).
_MINI_BATCH_RECORDS = (
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "_no_improvement_count",
    "_best_weights",
    "_optimizer",
)
# init -> the Network's init: "glorot" is MLPClassifier's scheme (the numbers are then
# _mlp_initial_weights's); "he" is deltaprop's default (He normal in ReLU-family layers, Glorot
# elsewhere, zero biases).
_INITS = {"glorot": "glorot", "he": None}
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
_MIN_ADAPTIVE_LR = 1e-6  # below this, "adaptive" stops instead of dividing again (as sklearn)


# --------------------------------------------------------------------------- learning rates
class _InverseScalingBySamples(InverseScaling):
    """scikit-learn's ``invscaling``: alpha = alpha_0 / (1 + t)^power_t where t counts training
    examples seen (t = t0 + epoch m), not epochs as in deltaprop's ``InverseScaling``."""

    def __init__(self, lr0: float, power: float, samples_per_epoch: int, t0: int = 0):
        super().__init__(lr0, power)
        self.samples_per_epoch, self.t0 = int(samples_per_epoch), int(t0)

    def next_lr(self, epoch, monitored=None):
        return super().next_lr(self.t0 + epoch * self.samples_per_epoch, monitored)


class _Adaptive(Schedule):
    """scikit-learn's ``adaptive``: alpha stays where it is until the stopping rule has seen no
    improvement for more than n_iter_no_change epochs; then, instead of stopping, the rule
    divides it by 5 (``lr``), until it falls to 1e-6."""

    name = "adaptive"

    def __init__(self, lr0: float):
        super().__init__(lr0)
        self.lr = self.lr0

    def next_lr(self, epoch, monitored=None):
        return self.lr


def _mlp_initial_weights(rng: np.random.RandomState, sizes, hidden: str, dtype) -> dict:
    """MLPClassifier's initial weights, drawn from ``rng`` as scikit-learn draws them.

    For l = 1..L in turn: a coef (n[l-1], n[l]), then an intercept (n[l],), each uniform on
    [-r, r] with r = sqrt(f / (n[l-1] + n[l])), f = 6, or 2 when the hidden activation is the
    logistic sigmoid; drawn in float64, then cast to ``dtype``. So the same RandomState in the
    same state gives MLPClassifier's numbers, in its order. Returned in the notation, for
    Network.load_parameters: "W[l]" = coef.T (n[l], n[l-1]), "b[l]" = intercept (n[l], 1).
    """
    factor = 2.0 if hidden == "sigmoid" else 6.0
    named = {}
    for l in range(1, len(sizes)):
        n_prev, n_l = sizes[l - 1], sizes[l]
        r = np.sqrt(factor / (n_prev + n_l))
        coef = rng.uniform(-r, r, (n_prev, n_l))
        intercept = rng.uniform(-r, r, n_l)
        named[f"W[{l}]"] = coef.T.astype(dtype)
        named[f"b[{l}]"] = intercept.reshape(n_l, 1).astype(dtype)
    return named


def _sklearn_order(rng: np.random.RandomState, m: int):
    """Each epoch's order of the m training examples as MLPClassifier draws it: the previous
    epoch's order permuted by ``rng`` (shuffling its indices with RandomState.shuffle), so the
    same random_state gives scikit-learn's mini-batches. A function of m, for Trainer(shuffle=)."""
    order = np.arange(m)

    def next_order(m_now: int) -> np.ndarray:
        nonlocal order
        order = order[rng.permutation(m_now)]
        return order

    return next_order


# --------------------------------------------------------------------------- L-BFGS
def _parameter_views(vector: np.ndarray, sizes) -> tuple[dict, dict]:
    """W[l] (n[l], n[l-1]) and b[l] (n[l], 1), l = 1..L, as views of ``vector`` (n_parameters,),
    which holds them as MLPClassifier packs its parameters: every coefs_[l-1] = W[l].T row by row,
    then every intercepts_[l-1] = b[l]. (W[l] is then a Fortran-ordered view.)"""
    W, b, start = {}, {}, 0
    for l in range(1, len(sizes)):
        stop = start + sizes[l - 1] * sizes[l]
        W[l] = vector[start:stop].reshape(sizes[l - 1], sizes[l]).T
        start = stop
    for l in range(1, len(sizes)):
        b[l] = vector[start : start + sizes[l]].reshape(sizes[l], 1)
        start += sizes[l]
    return W, b


class _PackedObjective:
    """What solver="lbfgs" hands to scipy: x (n_parameters,) -> (J(x), dJ/dx (n_parameters,)).

    J is the Trainer's full-batch cost of X (n_x, m), Y (n_y, m), with ``sample_weight`` (m,)
    and the L2 penalty (alpha / 2 sum_i w_i) sum ||W[l]||^2 (``Trainer.full_batch_objective``).
    It is computed in float64, whatever the network's dtype, by a numpy copy of the network whose
    W[l] and b[l] are views of one vector laid out as ``_parameter_views`` says: a call copies x
    there and packs dW, db into a new gradient vector. ``x0``: the network's parameters, packed so.
    """

    def __init__(self, network: Network, X, Y, sample_weight, alpha: float):
        self.sizes = network.sizes
        work = network.to(dtype=np.float64)  # numpy, float64: what scipy computes in
        self.x0 = np.empty(work.n_parameters())
        W, b = _parameter_views(self.x0, self.sizes)
        for l in W:
            W[l][...], b[l][...] = work.W[l], work.b[l]
        self.theta = self.x0.copy()
        work.W, work.b = _parameter_views(self.theta, self.sizes)
        trainer = Trainer(work, l2=alpha, l2_over="weight")  # scikit-learn's penalty
        self._evaluate = trainer.full_batch_objective(X, Y, sample_weight)

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        np.copyto(self.theta, x)
        J, dW, db = self._evaluate()
        grad = np.empty_like(self.theta)  # a new array: scipy keeps the last ones it was given
        gW, gb = _parameter_views(grad, self.sizes)
        for l in dW:
            gW[l][...], gb[l][...] = dW[l], db[l]
        return J, grad

    def parameters(self, x: np.ndarray, dtype) -> dict[str, np.ndarray]:
        """x as named arrays ("W[1]", "b[1]", ...) of ``dtype``, for Network.load_parameters."""
        W, b = _parameter_views(x, self.sizes)
        named = {f"W[{l}]": W[l] for l in W} | {f"b[{l}]": b[l] for l in b}
        return {name: P.astype(dtype) for name, P in named.items()}


def _mini_batch_solver(estimator) -> bool:
    """The condition of ``partial_fit`` (scikit-learn's ``available_if``): one epoch of a
    mini-batch solver. L-BFGS has none, as in MLPClassifier."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is not available with solver='lbfgs': L-BFGS minimises the loss of the "
            "whole training set at once and has no epoch to take; use fit, or one of the "
            "mini-batch solvers 'adam', 'sgd', 'rmsprop'"
        )
    return True


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class _Settings:
    """The estimator's parameters, checked and resolved to deltaprop's names."""

    hidden_sizes: tuple[int, ...]
    hidden: str
    dtype: np.dtype
    init: str | None
    n_iter_no_change: float


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _check_real(name, value, low, high=math.inf, *, low_open=False, high_open=False):
    if _is_bool(value) or not isinstance(value, Real) or math.isnan(value):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")


def _check_int(name, value, low):
    if _is_bool(value) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


# --------------------------------------------------------------------------- stopping rule
class _StoppingRule(Callback):
    """scikit-learn's convergence test, run by the Trainer after every epoch.

    It records the epoch on the estimator (``n_iter_``, ``t_``, ``loss_``, ``loss_curve_``, and
    with early stopping ``validation_scores_``), counts epochs without an improvement of ``tol``
    (of the training loss, or of the validation score with early stopping) and, once the count
    exceeds ``n_iter_no_change``, stops the Trainer, or with ``learning_rate="adaptive"``
    divides the learning rate by 5 and starts counting again. ``validation`` is the held-out
    (X_val, y_val, sample_weight_val); the score is weighted when sample_weight_val is not None.
    """

    def __init__(self, estimator, n_iter_no_change, n_train, validation=None, adaptive=False):
        self.est, self.n_iter_no_change, self.n_train = estimator, n_iter_no_change, n_train
        self.validation, self.adaptive = validation, adaptive
        self.converged = False

    def on_epoch_end(self, trainer, epoch, logs):
        est = self.est
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_ = float(logs["cost"])
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.validation is not None:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            stuck = score < est.best_validation_score_ + est.tol  # a NaN score is not "stuck"
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_weights = trainer.copy_weights()
        else:
            stuck = est.loss_ > est.best_loss_ - est.tol
            est.best_loss_ = min(est.best_loss_, est.loss_)
        est._no_improvement_count = est._no_improvement_count + 1 if stuck else 0
        if est._no_improvement_count > self.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            message = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            schedule = trainer.schedule
            if self.adaptive and schedule.lr > _MIN_ADAPTIVE_LR:
                schedule.lr /= 5
                # the Trainer took the next epoch's rate from the schedule before calling back
                trainer.optimizer.lr = schedule.lr
                est._no_improvement_count = 0
                if est.verbose:
                    print(f"{message} Setting learning rate to {schedule.lr:f}")
            else:
                trainer.stop_training = self.converged = True
                if est.verbose:
                    print(f"{message} Stopping.")


# --------------------------------------------------------------------------- the estimators
class _DeltaMLP(BaseEstimator):
    """What DeltaClassifier and DeltaRegressor share: parameters, checks, the training run."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype="float64",
        init="glorot",
        dropout=0.0,
        clip_norm=None,
        device=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.init = init
        self.dropout = dropout
        self.clip_norm = clip_norm
        self.device = device

    # ------------------------------------------------------------------ fitted views
    @property
    def coefs_(self) -> list[np.ndarray]:
        """coefs_[i] = W[i+1].T, shape (n[i], n[i+1]): scikit-learn's orientation, a view of
        ``network_.W`` (writing to it changes the network; a numpy copy when ``device`` put
        the network on another library's device)."""
        check_is_fitted(self)
        net = self.network_
        return [to_numpy(net.W[l]).T for l in range(1, net.L + 1)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """intercepts_[i] = b[i+1].ravel(), shape (n[i+1],), a view of ``network_.b`` (a numpy
        copy for a network on another library's device)."""
        check_is_fitted(self)
        net = self.network_
        return [to_numpy(net.b[l]).ravel() for l in range(1, net.L + 1)]

    @property
    def n_layers_(self) -> int:
        """Number of layers counting the input, as scikit-learn counts them: L + 1."""
        check_is_fitted(self)
        return self.network_.L + 1

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # multilabel y, several regression targets
        return tags

    # ------------------------------------------------------------------ checking parameters
    def _check_params(self) -> _Settings:
        """Check every parameter (scikit-learn checks in fit, never in __init__)."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral) and not _is_bool(sizes):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes must be an int or a sequence of ints, got {sizes!r}"
            ) from None
        for n in sizes:
            _check_int("every entry of hidden_layer_sizes", n, 1)
        _check_choice("activation", self.activation, tuple(_HIDDEN_ACTIVATIONS))
        _check_choice("solver", self.solver, _SOLVERS)
        _check_real("alpha", self.alpha, 0)
        if self.batch_size != "auto":
            _check_int("batch_size ('auto' or)", self.batch_size, 1)
        _check_choice("learning_rate", self.learning_rate, _LEARNING_RATES)
        _check_real("learning_rate_init", self.learning_rate_init, 0, low_open=True)
        _check_real("power_t", self.power_t, 0)
        _check_int("max_iter", self.max_iter, 1)
        _check_real("tol", self.tol, 0)
        _check_real("momentum", self.momentum, 0, 1, high_open=True)
        _check_real("validation_fraction", self.validation_fraction, 0, 1, high_open=True)
        for name in ("beta_1", "beta_2"):
            _check_real(name, getattr(self, name), 0, 1, high_open=True)
        _check_real("epsilon", self.epsilon, 0, low_open=True)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not _is_bool(getattr(self, name)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.n_iter_no_change != math.inf:
            _check_int("n_iter_no_change (or np.inf)", self.n_iter_no_change, 1)
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        _check_choice("init", self.init, tuple(_INITS))
        _check_real("dropout", self.dropout, 0, 1, high_open=True)
        if self.clip_norm is not None:
            _check_real("clip_norm (None or)", self.clip_norm, 0, low_open=True)
        _check_int("max_fun", self.max_fun, 1)
        if self.solver == "lbfgs" and self.device not in (None, "cpu"):
            raise ValueError(
                f"solver='lbfgs' computes on the CPU (numpy and scipy); device={self.device!r} "
                "is for the mini-batch solvers: use device=None with lbfgs"
            )
        if self.solver == "lbfgs" and self.dropout:
            raise ValueError(
                f"dropout={self.dropout!r} needs a mini-batch solver: L-BFGS needs the same loss "
                "at every evaluation, and dropout draws new masks each time; use dropout=0.0"
            )
        hidden = _HIDDEN_ACTIVATIONS[self.activation]
        return _Settings(sizes, hidden, dtype, _INITS[self.init], self.n_iter_no_change)

    # ------------------------------------------------------------------ training
    def _fit(self, X, y, incremental: bool, sample_weight=None):
        settings = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "network_") or not (self.warm_start or incremental)
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=settings.dtype,
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            # (m,) float, finite, >= 0, not all 0; a new array where it had to be converted
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        # Y: targets as rows (m, n_y), float; y_score: what score() compares predictions with.
        fit_labels = not hasattr(self, "classes_") or not (self.warm_start or incremental)
        Y, y_score = self._encode_targets(y, fit_labels)
        sample_weight = self._example_weights(y_score, sample_weight, incremental)
        n_samples, n_features = X.shape
        sizes = (n_features, *settings.hidden_sizes, Y.shape[1])
        # As MLPClassifier: one RandomState per call (numpy's global one for None), which draws
        # the initial weights (first pass only), then the early-stopping split, then every
        # epoch's order of the examples (with dropout, first a seed for the masks).
        rng = check_random_state(self.random_state)

        output, loss = self._output_layer()
        if first_pass:
            glorot = self.init == "glorot"
            self.network_ = Network(
                sizes,
                hidden=settings.hidden,
                output=output,
                loss=loss,
                init=settings.init,
                # "glorot": the Network's own draw is replaced by MLPClassifier's below
                seed=None if glorot else int(rng.randint(np.iinfo(np.int32).max)),
                dtype=settings.dtype,
            )
            if glorot:
                self.network_.load_parameters(
                    _mlp_initial_weights(rng, sizes, settings.hidden, settings.dtype)
                )
            if self.device not in (None, "cpu"):  # drawn by numpy, then moved to the device
                self.network_ = self.network_.to(device=self.device)
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = "logistic" if output == "sigmoid" else output
            self.n_iter_, self.t_ = 0, 0
        else:
            net = self.network_
            now = (list(sizes), settings.hidden, output, settings.dtype.name)
            fitted = (list(net.sizes), net.hidden, net.output, net.dtype.name)
            if now != fitted:
                raise ValueError(
                    "warm_start and partial_fit continue the fitted network (sizes, hidden and "
                    f"output activations, dtype {fitted}); the parameters and data now ask for "
                    f"{now}. Set warm_start=False to start afresh."
                )
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, Y, sample_weight)
            return self
        if first_pass or not hasattr(self, "loss_curve_"):  # (an lbfgs fit keeps no records)
            self._start_records()
        else:  # early_stopping may have been switched since the last call
            if self.early_stopping and self.validation_scores_ is None:
                self.validation_scores_, self.best_validation_score_ = [], -math.inf
            if not self.early_stopping and self.best_loss_ is None:
                self.best_loss_ = math.inf

        validation = None
        if self.early_stopping:
            # As scikit-learn: only single-output classification (binary) is stratified.
            stratify = y_score if is_classifier(self) and Y.shape[1] == 1 else None
            # The weights are split with the rows, so that each part keeps its own.
            weights = () if sample_weight is None else (sample_weight,)
            X, X_val, Y, _, _, y_val, *parts = train_test_split(
                X,
                Y,
                y_score,
                *weights,
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    f"the validation set has {X_val.shape[0]} example(s); early_stopping needs "
                    "at least 2: increase validation_fraction or use more data"
                )
            sample_weight, sw_val = parts if parts else (None, None)
            for part, w in (("training", sample_weight), ("validation", sw_val)):
                if w is not None and not w.sum() > 0:
                    raise ValueError(
                        f"every example of the early-stopping {part} part has sample weight "
                        "zero; change random_state or validation_fraction, or give more "
                        "examples a non-zero weight"
                    )
            validation = (X_val, y_val, sw_val)
            n_samples = X.shape[0]

        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the {n_samples} training "
                    f"examples; it is clipped to {n_samples}",
                    UserWarning,
                    stacklevel=3,
                )
            batch_size = min(self.batch_size, n_samples)

        if incremental and hasattr(self, "_optimizer"):
            optimizer = self._optimizer  # partial_fit carries the optimizer's state on
            optimizer.clip_norm = None if self.clip_norm is None else float(self.clip_norm)
        else:
            optimizer = self._optimizer = self._make_optimizer()
        schedule, adaptive = self._make_schedule(optimizer, n_samples)
        rule = _StoppingRule(self, settings.n_iter_no_change, n_samples, validation, adaptive)
        trainer = Trainer(
            self.network_,
            optimizer,
            # scikit-learn's penalty (alpha / 2 sum_i w_i) sum ||W||^2: weighting an example by 2
            # equals repeating it, penalty included
            l2=float(self.alpha),
            l2_over="weight",
            cost_mean="size",  # loss_curve_ as scikit-learn averages its mini-batches' losses
            epochs=1 if incremental else self.max_iter,
            batch_size=batch_size,
            schedule=schedule,
            shuffle=_sklearn_order(rng, n_samples) if self.shuffle else False,
            # only dropout draws from the Trainer's own generators (which scikit-learn has not)
            seed=int(rng.randint(np.iinfo(np.int32).max)) if self.dropout else 0,
            callbacks=[rule],
            dropout=float(self.dropout),
        )
        self.n_iter_ = 0  # epochs of this call, as scikit-learn counts them
        try:
            # scikit-learn's rows become the notation's columns here, once (views, no copies):
            # X (m, n_x) -> (n_x, m) and Y (m, n_y) -> (n_y, m); sample_weight stays (m,).
            trainer.fit(to_columns(X), to_columns(Y), sample_weight=sample_weight)
        except TrainingDiverged as error:
            raise ValueError(
                f"{error} If the input data hold large values, scale them first (for example "
                "with StandardScaler)."
            ) from error
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        finally:
            self._forget_activations()

        if self.early_stopping and self._best_weights is not None:
            trainer.set_weights(self._best_weights)  # the best epoch's weights, as scikit-learn
        if not incremental and not rule.converged and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _start_records(self) -> None:
        """The stopping rule's records of a fit with a mini-batch solver, empty."""
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_weights = None
        self.best_loss_ = None if self.early_stopping else math.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -math.inf if self.early_stopping else None

    def _fit_lbfgs(self, X, Y, sample_weight) -> None:
        """solver="lbfgs": scipy's L-BFGS-B, without bounds, on the full-batch cost of X
        (m, n_x), Y (m, n_y) and sample_weight (m,) or None, from the weights of ``network_``,
        with MLPClassifier's options: at most max_iter iterations and max_fun evaluations,
        converged when every component of the gradient is at most tol in absolute value (or
        when the loss stops decreasing, scipy's ftol). batch_size, shuffle, early_stopping and
        the learning-rate and momentum parameters do not apply; clip_norm is not used."""
        from scipy.optimize import minimize  # scipy comes with scikit-learn; only lbfgs uses it

        for name in _MINI_BATCH_RECORDS:  # an lbfgs fit records no epochs (as scikit-learn)
            self.__dict__.pop(name, None)
        self.n_iter_ = 0
        net = self.network_
        # scikit-learn's rows become the notation's columns here, once (views; the objective
        # converts float32 data to float64 once).
        objective = _PackedObjective(
            net, to_columns(X), to_columns(Y), sample_weight, float(self.alpha)
        )
        iterations = 0

        def report(intermediate_result):  # verbose: one line per L-BFGS iteration
            nonlocal iterations
            iterations += 1
            loss = getattr(intermediate_result, "fun", None)
            if loss is None:  # scipy < 1.11 passes the parameters alone
                loss = objective(intermediate_result)[0]
            print(f"Iteration {iterations}, loss = {loss:.8f}")

        result = minimize(
            objective,
            objective.x0,
            method="L-BFGS-B",
            jac=True,
            callback=report if self.verbose else None,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
            raise ValueError(
                f"L-BFGS reached a non-finite loss ({result.fun}); network_ keeps the weights it "
                "had before this fit. If the input data hold large values, scale them first "
                "(for example with StandardScaler)."
            )
        net.load_parameters(objective.parameters(result.x, net.dtype))
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)  # in float64, before rounding to a float32 network
        if result.status != 0:
            warnings.warn(
                f"lbfgs stopped before converging, after {self.n_iter_} iteration(s) and "
                f"{result.nfev} evaluations of the loss: {result.message}. Raise max_iter "
                f"({self.max_iter}) or max_fun ({self.max_fun}), or scale the data (for "
                "example with StandardScaler).",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _make_optimizer(self) -> Optimizer:
        lr = float(self.learning_rate_init)
        clip = None if self.clip_norm is None else float(self.clip_norm)
        if self.solver == "adam":  # eps_hat: epsilon where scikit-learn's Adam adds it
            return Adam(lr, self.beta_1, self.beta_2, self.epsilon, clip, eps_hat=True)
        if self.solver == "rmsprop":
            return RMSProp(lr, eps=self.epsilon, clip_norm=clip)
        if self.momentum > 0:
            nesterov = self.nesterovs_momentum
            return Momentum(lr, momentum=self.momentum, nesterov=nesterov, clip_norm=clip)
        return GradientDescent(lr, clip_norm=clip)

    def _example_weights(self, y, sample_weight, incremental: bool):
        """The weights w (m,) the Trainer gets (eq. J2): sample_weight, or None (all 1)."""
        return sample_weight

    def _make_schedule(self, optimizer: Optimizer, n_samples: int) -> tuple[Schedule, bool]:
        """The learning-rate schedule of this call, and whether it is ``adaptive``.

        As in scikit-learn, ``learning_rate`` is ignored by Adam; deltaprop also applies it to
        RMSProp."""
        kind = "constant" if self.solver == "adam" else self.learning_rate
        if kind == "invscaling":
            lr0 = float(self.learning_rate_init)
            return _InverseScalingBySamples(lr0, self.power_t, n_samples, t0=self.t_), False
        if kind == "adaptive":
            return _Adaptive(optimizer.lr), True
        return Schedule(optimizer.lr), False

    def _forget_activations(self) -> None:
        """Drop the Z[l], A[l], delta[l] the network keeps from its last pass: a fitted
        estimator (and its pickle) should hold parameters, not a batch's activations."""
        net = self.network_
        net.Z, net.A, net.delta = {}, {}, {}

    def _forward(self, X, check_input: bool = True) -> np.ndarray:
        """A[L] for X of shape (n_samples, n_features), returned as rows (n_samples, n_y)."""
        if check_input:
            check_is_fitted(self)
            X = validate_data(self, X, reset=False, dtype=self.network_.dtype)
        # Rows in, columns (n_x, m) through the network, A[L] (n_y, m) back out as rows.
        A_L = to_numpy(self.network_.forward(to_columns(X))).T
        self._forget_activations()
        return A_L


class DeltaClassifier(ClassifierMixin, _DeltaMLP):
    """Multi-layer perceptron classifier trained by deltaprop (MLPClassifier's parameters).

    Binary targets get one sigmoid output unit (binary cross-entropy), multiclass targets a
    softmax layer (cross-entropy), multilabel indicator targets one sigmoid unit per label.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Widths n[1], ..., n[L-1] of the hidden layers.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu"}, default="relu"
        Hidden activation g[l] ("logistic" is the sigmoid; "sigmoid" is accepted too).
    solver : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        "sgd" with ``momentum`` > 0 is momentum (Nesterov when ``nesterovs_momentum``).
        "lbfgs" is scipy's L-BFGS-B on the cost of the whole training set (full batch), as
        MLPClassifier's: for small data sets. It ignores batch_size, shuffle, the learning-rate,
        momentum and Adam parameters, n_iter_no_change, early_stopping (it trains on all the
        data) and clip_norm; it has no ``partial_fit`` and refuses dropout > 0 and a device.
    alpha : float, default=1e-4
        L2 penalty: J + (alpha / 2m) sum ||W[l]||^2, m the mini-batch size (deltaprop's l2;
        every example with "lbfgs"), or with sample or class weights the mini-batch's total
        weight (as scikit-learn).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is min(200, n_samples).
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule for "sgd" and "rmsprop" (ignored by "adam").
    max_iter : int, default=200
        Epochs; with "lbfgs", L-BFGS iterations.
    tol : float, default=1e-4
        The stopping rule's improvement; with "lbfgs", scipy's gtol: converged when every
        component of the gradient is at most tol in absolute value.
    learning_rate_init, power_t, shuffle, random_state, verbose, warm_start, momentum,
    nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, epsilon,
    n_iter_no_change :
        As in MLPClassifier. The same random_state draws MLPClassifier's initial weights,
        early-stopping split and orders of the examples, so it trains the same network (to
        rounding). With "lbfgs", verbose prints the loss after every iteration.
    max_fun : int, default=15000
        "lbfgs" only: at most this many evaluations of the loss and its gradient.
    dtype : {"float64", "float32"}, default="float64"
        Floating-point type of the network's parameters and computations (deltaprop's own).
        "lbfgs" optimises in float64 whatever the dtype (scipy's precision) and rounds the
        result to float32.
    init : {"glorot", "he"}, default="glorot"
        Initial weights (deltaprop's own). "glorot" is MLPClassifier's: every W[l] and b[l]
        uniform on [-r, r], r = sqrt(6 / (n[l-1] + n[l])) (sqrt(2 / ...) with a logistic hidden
        activation), drawn from ``random_state`` as MLPClassifier draws them, so the same
        random_state gives MLPClassifier's initial coefs_ and intercepts_. "he" is deltaprop's
        Network default: He normal in ReLU-family layers, Glorot uniform in the others, zero
        biases.
    dropout : float in [0, 1), default=0.0
        Probability of dropping each hidden unit during training (inverted dropout, eqs. D1-D2;
        deltaprop's own). Prediction never drops units.
    clip_norm : float > 0 or None, default=None
        Rescale the mini-batch's gradients together when their global norm
        sqrt(sum_l ||dW[l]||^2 + ||db[l]||^2) exceeds it (deltaprop's own).
    device : None, "cpu", "cuda" or "cuda:N", default=None
        Where the network computes (deltaprop's own): None and "cpu" are numpy; "cuda" trains
        on the GPU through PyTorch (or CuPy) and the Python array API. Inputs and outputs stay
        numpy arrays; see docs/array_api.md.
    class_weight : None, "balanced" or dict {class: weight}, default=None
        Weights of the classes, applied as per-example weights (eq. J2) and multiplied with
        ``sample_weight`` when both are given. "balanced" gives class c the weight
        sum_i s_i / (k sum_{i in c} s_i) for k classes and sample weights s (all 1 without
        ``sample_weight``: m / (k m_c)), so every class carries the same total weight. A dict
        gives its classes those weights and the others 1. Single-label targets only; "balanced"
        is not accepted by ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    network_ : deltaprop.core.Network, W[l] (n[l], n[l-1]), b[l] (n[l], 1)
    coefs_, intercepts_ : lists of views of network_'s W[l].T (n[l-1], n[l]) and b[l] (n[l],)
    n_features_in_, feature_names_in_, n_outputs_, n_layers_, out_activation_ :
        As in MLPClassifier (out_activation_ is "logistic" or "softmax").
    n_iter_ : epochs run by the last call to fit or partial_fit (with "lbfgs", iterations)
    t_ : training examples seen over all calls (0 with "lbfgs", as in scikit-learn)
    loss_, loss_curve_, best_loss_ : training loss (mean over the epoch's mini-batches,
        weighted by their sizes as in scikit-learn, penalty included) of the last epoch, of
        every epoch, and the best one. With "lbfgs", loss_ is the penalised loss of the fitted
        weights (in float64), and the others are not set (as in scikit-learn)
    validation_scores_, best_validation_score_ : accuracy on the held-out set with
        early_stopping, else None; not set with "lbfgs"
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype="float64",
        init="glorot",
        dropout=0.0,
        clip_norm=None,
        device=None,
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            init=init,
            dropout=dropout,
            clip_norm=clip_norm,
            device=device,
        )
        self.class_weight = class_weight

    @available_if(_mini_batch_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y). ``classes`` (every label of the whole problem) is needed on the
        first call, except for multilabel indicator y; ``sample_weight`` (n_samples,) as in
        ``fit``."""
        if not hasattr(self, "classes_"):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            elif classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to partial_fit "
                f"({self.classes_!r})"
            )
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and labels y (n_samples,) or a multilabel
        indicator matrix (n_samples, n_labels). ``sample_weight`` (n_samples,), non-negative,
        not all zero, weighs each example's loss (eq. J2); an integer weight k counts as k
        copies of the example. Returns self."""
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    def predict(self, X) -> np.ndarray:
        """Labels (n_samples,), or a 0/1 indicator matrix (n_samples, n_labels) for multilabel."""
        return self._predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities (n_samples, n_classes) in the order of ``classes_``; for multilabel, the
        probability of each label (n_samples, n_labels)."""
        P = self._forward(X)
        if self.n_outputs_ == 1:  # one sigmoid unit: p(classes_[1]); p(classes_[0]) = 1 - p
            return np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X) -> np.ndarray:
        """log of ``predict_proba`` (n_samples, n_classes)."""
        P = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(P, out=P)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------ internals
    def _predict(self, X, check_input: bool = True) -> np.ndarray:
        P = self._forward(X, check_input)
        return self._label_binarizer.inverse_transform(P.ravel() if self.n_outputs_ == 1 else P)

    def _encode_targets(self, y, fit_labels):
        check_classification_targets(y)
        if fit_labels:
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            labels = unique_labels(y)
            if self.warm_start and not np.array_equal(labels, self.classes_):
                raise ValueError(
                    "warm_start needs y to have the same classes as the previous call to fit: "
                    f"had {self.classes_}, y has {labels}"
                )
            unknown = np.setdiff1d(labels, self.classes_)
            if unknown.size:
                raise ValueError(f"y has classes {unknown} not in classes_ = {self.classes_}")
        Y = self._label_binarizer.transform(y).astype(np.float64)  # (m, n_y) one-hot/indicator
        return Y, y

    def _output_layer(self) -> tuple[str, None]:
        """Softmax for one label among several classes; sigmoid units for binary and multilabel.
        The loss is the output's partner (cross-entropy, binary cross-entropy)."""
        return ("softmax" if self._label_binarizer.y_type_ == "multiclass" else "sigmoid"), None

    def _example_weights(self, y, sample_weight, incremental: bool):
        """sample_weight (m,) times the weight of each example's class (``class_weight``)."""
        class_weight = self.class_weight
        if class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_.startswith("multilabel"):
            raise ValueError(
                "class_weight is not supported for multilabel targets; pass per-example weights "
                "as sample_weight instead"
            )
        classes = self.classes_
        index = np.searchsorted(classes, y)  # classes_ is sorted: the class of each example
        if isinstance(class_weight, str):
            if class_weight != "balanced":
                raise ValueError(
                    f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}"
                )
            if incremental:
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: one call sees only "
                    "a part of the data, whose class frequencies are not the data's; compute the "
                    "weights over all the data (sklearn.utils.class_weight.compute_class_weight) "
                    "and pass them as a dict"
                )
            # every class carries the same total weight (eq. J2 with scikit-learn's rule)
            per_class = class_sample_weights(index, "balanced", sample_weight)
        elif isinstance(class_weight, Mapping):
            known = classes.tolist()
            unknown = [c for c in class_weight if c not in known]
            if unknown:
                raise ValueError(
                    f"class_weight names {unknown}, which are not classes of y ({classes!r})"
                )
            per_class = np.ones(len(classes))
            for c, weight in class_weight.items():
                _check_real(f"class_weight[{c!r}]", weight, 0, high_open=True)
                per_class[known.index(c)] = weight
        else:
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}"
            )
        weights = per_class if isinstance(class_weight, str) else per_class[index]
        if sample_weight is not None:
            weights = weights * sample_weight  # a new array: the caller's is never changed
        if not weights.sum() > 0:
            raise ValueError(
                "class_weight (times sample_weight) gives every example weight zero; "
                "nothing to learn from"
            )
        return weights

    def _validation_score(self, X, y, sample_weight=None) -> float:
        y_pred = self._predict(X, check_input=False)
        return float(accuracy_score(y, y_pred, sample_weight=sample_weight))


class DeltaRegressor(RegressorMixin, _DeltaMLP):
    """Multi-layer perceptron regressor trained by deltaprop (MLPRegressor's parameters).

    The loss is the squared error J = (1/2m) sum_j sum_k (A_kj - Y_kj)^2 plus the L2 penalty;
    ``output_activation`` (identity by default) is the output layer's g[L].

    Parameters
    ----------
    As DeltaClassifier (``dropout`` and ``clip_norm`` included), without ``class_weight``, plus

    output_activation : {"identity", "relu", "tanh", "logistic", "leaky_relu"}, default="identity"
    loss : {"squared_error"}, default="squared_error"
        As in MLPRegressor; "poisson" is not supported (fit raises a ValueError that says so).

    Attributes
    ----------
    As DeltaClassifier, without ``classes_``; ``validation_scores_`` hold R^2 scores. For several
    targets ``loss_`` sums the squared errors over the targets (the quantity the gradient is
    taken of); scikit-learn reports their mean.
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype="float64",
        init="glorot",
        dropout=0.0,
        clip_norm=None,
        device=None,
        output_activation="identity",
        loss="squared_error",
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            init=init,
            dropout=dropout,
            clip_norm=clip_norm,
            device=device,
        )
        self.output_activation = output_activation
        self.loss = loss

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples, n_features) and targets y (n_samples,) or
        (n_samples, n_targets). ``sample_weight`` (n_samples,), non-negative, not all zero,
        weighs each example's squared error (eq. J2); an integer weight k counts as k copies of
        the example. Returns self."""
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_mini_batch_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state;
        ``sample_weight`` (n_samples,) as in ``fit``."""
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def predict(self, X) -> np.ndarray:
        """Predictions (n_samples,), or (n_samples, n_targets) for several targets."""
        return self._predict(X)

    # ------------------------------------------------------------------ internals
    def _predict(self, X, check_input: bool = True) -> np.ndarray:
        A_L = self._forward(X, check_input)
        return A_L.ravel() if A_L.shape[1] == 1 else A_L

    def _encode_targets(self, y, fit_labels):
        Y = y.reshape(-1, 1) if y.ndim == 1 else y  # validate_data made y numeric
        return Y.astype(np.float64, copy=False), y

    def _check_params(self) -> _Settings:
        settings = super()._check_params()
        _check_choice("output_activation", self.output_activation, tuple(_REGRESSION_OUTPUTS))
        if self.loss != "squared_error":
            raise ValueError(
                f"loss={self.loss!r} is not supported: DeltaRegressor minimises the squared "
                "error (loss='squared_error')"
            )
        return settings

    def _output_layer(self) -> tuple[str, str]:
        return _REGRESSION_OUTPUTS[self.output_activation], "mse"

    def _validation_score(self, X, y, sample_weight=None) -> float:
        y_pred = self._predict(X, check_input=False)
        if not np.isfinite(y_pred).all():
            return math.nan
        return float(r2_score(y, y_pred, sample_weight=sample_weight))
