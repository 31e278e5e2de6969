"""Sample weights and dropout in the core: derived like the rest and checked the same way."""

import numpy as np
import pytest

from deltaprop.core import HIDDEN_ACTIVATIONS, InputError, Network, gradcheck
from deltaprop.core.arrays import to_numpy
from deltaprop.core.losses import COMBINATIONS

from .test_core_gradcheck import make_problem, min_distance_to_kink


@pytest.mark.parametrize("output,loss", COMBINATIONS)
def test_gradcheck_with_random_sample_weights(output, loss):
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", output, loss, m=6, seed=11)
    weights = np.random.default_rng(0).uniform(0, 3, 6)
    weights[2] = 0.0  # a zero weight is allowed
    assert gradcheck(net, X, Y, sample_weight=weights).relative_error < 1e-7


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_gradcheck_with_dropout_under_a_fixed_mask(hidden):
    net, X, Y = make_problem((3, 6, 5, 2), hidden, "softmax", "cross_entropy", m=7, seed=12)
    assert min_distance_to_kink(net, X) > 1e-4
    D = net.dropout_masks(np.random.default_rng(1), keep_prob=0.6, m=7)
    assert all(np.any(to_numpy(M) == 0) for M in D.values())  # the masks do drop units
    result = gradcheck(net, X, Y, D=D, sample_weight=np.arange(1, 8))
    assert result.relative_error < 1e-7


def test_a_backward_pass_that_ignores_the_mask_is_flagged():
    net, X, Y = make_problem((3, 6, 5, 2), "tanh", "softmax", "cross_entropy", m=7, seed=12)
    D = net.dropout_masks(np.random.default_rng(1), keep_prob=0.6, m=7)
    original = net._backward
    net._backward = lambda Y, w, D=None: original(Y, w, None)  # forgets D in the recurrence
    net.copy = lambda dtype=None: net
    assert gradcheck(net, X, Y, D=D).relative_error > 1e-2


def test_integer_weights_equal_duplicated_examples():
    net, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", m=5, seed=13)
    counts = np.array([1, 3, 0, 2, 1])
    dW_w, db_w = net.gradients(X, Y, sample_weight=counts)
    J_w = net.cost(X, Y, sample_weight=counts)
    repeat = np.repeat(np.arange(5), counts)
    dW_r, db_r = net.gradients(X[:, repeat], np.asarray(Y)[repeat])
    assert net.cost(X[:, repeat], np.asarray(Y)[repeat]) == pytest.approx(J_w, rel=1e-12)
    for l in (1, 2, 3):
        np.testing.assert_allclose(dW_w[l], dW_r[l], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db_w[l], db_r[l], rtol=1e-10, atol=1e-14)


def test_uniform_weights_change_nothing():
    net, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", m=5, seed=14)
    assert net.cost(X, Y, sample_weight=np.full(5, 7.0)) == pytest.approx(net.cost(X, Y))


@pytest.mark.parametrize(
    "weights,message",
    [
        (np.zeros(5), "zero for every example"),
        (np.array([1, 1, -1, 1, 1]), "non-negative"),
        (np.array([1, 1, np.nan, 1, 1]), "NaN or inf"),
        (np.array([1, 1, np.inf, 1, 1]), "NaN or inf"),
        (np.ones(4), "4 entries but there are m = 5"),
        (np.ones((5, 1)), r"must be 1-D, one weight per example \(m,\); got shape \(5, 1\)"),
        (np.ones(()), r"must be 1-D, .* got shape \(\)"),
    ],
)
def test_bad_sample_weights(weights, message):
    net, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", m=5, seed=15)
    with pytest.raises(InputError, match=message):
        net.gradients(X, Y, sample_weight=weights)


def test_dropout_masks_keep_the_expectation():
    net = Network([10, 400, 300, 2], seed=0)
    D = net.dropout_masks(np.random.default_rng(0), keep_prob=0.8, m=500)
    assert set(D) == {1, 2}  # hidden layers only
    for l, M in D.items():
        M = to_numpy(M)
        assert M.shape == (net.sizes[l], 500) and M.dtype == net.dtype
        assert set(np.unique(M)) == {0.0, 1.25}
        assert M.mean() == pytest.approx(1.0, abs=0.01)
    with pytest.raises(InputError, match="keep_prob"):
        net.dropout_masks(np.random.default_rng(0), keep_prob=0.0, m=5)
