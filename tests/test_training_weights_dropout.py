"""Class weights, sample weights and dropout in training: they do what users ask them for."""

import numpy as np
import pytest

from deltaprop.core import Network
from deltaprop.data import make_moons, to_columns
from deltaprop.training import Adam, GradientDescent, Trainer, TrainingInterrupted
from deltaprop.training.weights import class_sample_weights


def imbalanced(m, seed):
    """Two overlapping Gaussian classes, 95:5."""
    rng = np.random.default_rng(seed)
    y = (rng.random(m) < 0.05).astype(int)
    X = rng.normal(0, 1, (m, 2)) + np.where(y[:, None] == 1, 1.5, 0.0)
    return X.T, y


def minority_recall(class_weight):
    X, y = imbalanced(2000, 0)
    X_test, y_test = imbalanced(4000, 1)
    net = Network([2, 16, 2], seed=0)
    weights = None if class_weight is None else class_sample_weights(y, class_weight)
    Trainer(net, Adam(lr=0.01), epochs=30, batch_size=64, seed=0).fit(X, y, sample_weight=weights)
    return float(np.mean(net.predict(X_test)[y_test == 1] == 1))


def test_balanced_class_weights_raise_minority_recall():
    plain, balanced = minority_recall(None), minority_recall("balanced")
    assert balanced > plain + 0.2, (plain, balanced)


def test_class_sample_weights():
    y = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(class_sample_weights(y, "balanced"), [2 / 3, 2 / 3, 2 / 3, 2])
    np.testing.assert_allclose(class_sample_weights(y, {1: 5.0}), [1, 1, 1, 5])
    with pytest.raises(ValueError, match="balanced"):
        class_sample_weights(y, "fair")


def test_a_class_weight_may_be_zero_but_not_negative_infinite_or_nan():
    y = np.array([0, 0, 0, 1])
    np.testing.assert_array_equal(class_sample_weights(y, {1: 0.0}), [1, 1, 1, 0])
    for bad in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="non-negative number"):
            class_sample_weights(y, {1: bad})


def train_and_test_accuracy(dropout):
    train, test = make_moons(m=80, noise=0.35, seed=0), make_moons(m=2000, noise=0.35, seed=1)
    net = Network([2, 256, 256, 2], seed=0)
    X, X_test = to_columns(train.X), to_columns(test.X)
    Trainer(net, Adam(lr=3e-3), epochs=300, batch_size=16, seed=0, dropout=dropout).fit(X, train.y)
    return np.mean(net.predict(X) == train.y), np.mean(net.predict(X_test) == test.y)


def test_dropout_narrows_the_gap_between_training_and_test_accuracy():
    """A wide network over-fits 80 noisy examples; dropout 0.5 narrows the gap and helps."""
    train_plain, test_plain = train_and_test_accuracy(0.0)
    train_drop, test_drop = train_and_test_accuracy(0.5)
    assert train_plain - test_plain > 0.1
    assert train_drop - test_drop < train_plain - test_plain - 0.05
    assert test_drop > test_plain


def test_prediction_never_drops_units():
    X, y = imbalanced(200, 2)
    net = Network([2, 32, 2], seed=0)
    Trainer(net, Adam(lr=0.01), epochs=3, batch_size=16, dropout=0.5).fit(X, y)
    np.testing.assert_array_equal(net.forward(X), net.forward(X))


def test_zero_weight_batches_are_skipped_and_bad_weights_rejected():
    X, y = imbalanced(40, 3)
    net = Network([2, 4, 2], seed=0)
    before = net.W[1].copy()
    weights = np.zeros(40)
    weights[-1] = 1.0
    Trainer(net, Adam(lr=0.1), epochs=1, batch_size=8, shuffle=False).fit(
        X, y, sample_weight=weights
    )
    assert not np.array_equal(net.W[1], before)  # the last batch, and only it, had weight
    with pytest.raises(ValueError, match="zero for every example"):
        Trainer(net).fit(X, y, sample_weight=np.zeros(40))
    with pytest.raises(ValueError, match="39 entries"):
        Trainer(net).fit(X, y, sample_weight=np.ones(39))


def interrupt_after(trainer, steps: int):
    """The trainer, made to ask for an interruption after its ``steps``-th step (as a signal
    handler would), so that a test can stop a run in the middle of an epoch."""
    step, calls = trainer._step, []

    def counting(*args):
        step(*args)
        calls.append(1)
        if len(calls) == steps:
            trainer.request_interrupt("test")

    trainer._step = counting
    return trainer


def test_resume_with_dropout_and_weights_is_exact():
    """Interrupt in the middle of an epoch, restore the state into a fresh trainer, continue:
    the weights equal those of an uninterrupted run (dropout masks and shuffles included)."""
    X, y = imbalanced(300, 4)
    weights = np.random.default_rng(0).uniform(0.5, 2, 300)

    def trainer():
        return Trainer(
            Network([2, 16, 16, 2], seed=1, dtype=np.float32),
            Adam(lr=0.01),
            epochs=4,
            batch_size=32,
            seed=5,
            dropout=0.3,
        )

    full = trainer()
    full.fit(X, y, sample_weight=weights)

    first = interrupt_after(trainer(), 15)
    with pytest.raises(TrainingInterrupted):
        first.fit(X, y, sample_weight=weights)
    scalars, arrays = first.state_dict()
    second = trainer()
    for (_, P), (_, Q) in zip(second.network.parameters(), first.network.parameters(), strict=True):
        P[...] = Q
    second.load_state_dict(scalars, arrays)
    # the weights a divergence would fall back to: the epoch's start, not the interruption's
    starts = {k: v for k, v in arrays.items() if k.startswith("epoch_start/")}
    assert starts and not np.array_equal(starts["epoch_start/W[1]"], first.network.W[1])
    restored = second.state_dict()[1]
    assert all(np.array_equal(restored[k], v) for k, v in starts.items())
    second.fit(X, y, sample_weight=weights)
    for (name, P), (_, Q) in zip(
        full.network.parameters(), second.network.parameters(), strict=True
    ):
        assert np.array_equal(P, Q), name
    assert full.history.cost == second.history.cost


@pytest.mark.parametrize("epoch", [1, 3])
def test_an_interruption_at_an_epochs_last_step_ends_the_epoch_first(epoch):
    """A run stopped right after the last step of an epoch could not be resumed: the resumed
    run had no step left to run and ended the epoch on activations it never computed
    (KeyError). The epoch now ends first; stopped after the run's last epoch, the run is
    simply done."""
    X, y = imbalanced(64, 4)

    def trainer():
        net = Network([2, 8, 2], seed=1)
        return Trainer(net, Adam(lr=0.01), epochs=3, batch_size=16, seed=5, dropout=0.2)

    full = trainer()
    full.fit(X, y)
    first = interrupt_after(trainer(), 4 * epoch)  # 4 steps an epoch
    if epoch == 3:
        first.fit(X, y)  # no interruption to report: the run has ended
        second = first
    else:
        with pytest.raises(TrainingInterrupted, match="stopped after epoch 1$"):
            first.fit(X, y)
        scalars, arrays = first.state_dict()
        assert (scalars["epoch"], scalars["batch"]) == (1, 0) and len(first.history) == 1
        second = trainer()
        second.network.load_parameters(dict(first.network.parameters()))
        second.load_state_dict(scalars, arrays)
        second.fit(X, y)
    for (name, P), (_, Q) in zip(*(t.network.parameters() for t in (full, second)), strict=True):
        assert np.array_equal(P, Q), name
    assert full.history.cost == second.history.cost


def test_balanced_weights_count_classes_by_their_sample_weight():
    """With sample weights, "balanced" gives every class the same total of (class weight x
    sample weight), as scikit-learn's estimators do; the command line uses the same rule."""
    y = np.array([0, 0, 0, 1, 2, 2])
    s = np.array([1.0, 2.0, 3.0, 0.5, 1.0, 0.0])
    w = class_sample_weights(y, "balanced", s)
    totals = np.bincount(y, weights=w * s)
    np.testing.assert_allclose(totals, totals.sum() / 3)
    np.testing.assert_allclose(
        class_sample_weights(y, "balanced", np.ones(6)), [2 / 3] * 3 + [2, 1, 1]
    )
    no_weight = class_sample_weights(y, "balanced", np.array([1, 1, 1, 1, 0, 0.0]))
    assert no_weight[4] == no_weight[5] == 0  # a class that weighs nothing stays at 0
    # and is not counted in k: the two classes left share the total, 4 / (2 m_c) each
    np.testing.assert_allclose(no_weight, [2 / 3] * 3 + [2, 0, 0])


@pytest.mark.parametrize("l2_over,equal", [("weight", True), ("examples", False)])
def test_l2_over_weight_makes_a_weight_of_2_equal_two_copies(l2_over, equal):
    """Full-batch SGD with an L2 penalty: with l2_over="weight" the penalty is divided by the
    total sample weight, so weighting examples by integers equals repeating them; dividing by
    the number of examples (the report's) does not."""
    X, y = imbalanced(30, 7)
    counts = np.random.default_rng(2).integers(1, 4, 30)
    repeat = np.repeat(np.arange(30), counts)

    def fit(X, y, weights=None):
        net = Network([2, 5, 2], seed=0)
        Trainer(net, GradientDescent(0.5), epochs=20, l2=0.3, l2_over=l2_over).fit(
            X, y, sample_weight=weights
        )
        return net.W[1]

    weighted, repeated = fit(X, y, counts), fit(X[:, repeat], y[repeat])
    assert np.allclose(weighted, repeated, rtol=1e-10, atol=1e-12) == equal
    with pytest.raises(ValueError, match="l2_over must be"):
        Trainer(Network([2, 2]), l2_over="batch")
