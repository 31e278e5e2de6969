"""Shapes, dtypes, numerical stability, the update rule and bad input of the core Network."""

import os
import warnings

import numpy as np
import pytest

from deltaprop.core import DeltapropWarning, InputError, Network
from deltaprop.core.activations import sigmoid, softmax, softmax_and_log
from deltaprop.core.arrays import to_numpy


@pytest.fixture
def seed_net():
    return Network([3, 4, 3, 2], seed=0)


def test_shapes_follow_the_notation_table(seed_net):
    """W[l] (n[l], n[l-1]), b[l] (n[l], 1); Z, A, delta (n[l], m); dW, db shaped like W, b."""
    m, n = 5, (3, 4, 3, 2)
    X = np.random.default_rng(0).standard_normal((3, m))
    dW, db = seed_net.gradients(X, [0, 1, 1, 0, 1])
    assert seed_net.L == 3 and sorted(seed_net.W) == [1, 2, 3]
    assert seed_net.A[0] is not None and seed_net.A[0].shape == (3, m)
    for l in (1, 2, 3):
        assert seed_net.W[l].shape == (n[l], n[l - 1])
        assert seed_net.b[l].shape == (n[l], 1)
        assert seed_net.Z[l].shape == seed_net.A[l].shape == seed_net.delta[l].shape == (n[l], m)
        assert dW[l].shape == seed_net.W[l].shape and db[l].shape == seed_net.b[l].shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_everywhere(dtype):
    net = Network([3, 4, 3, 2], seed=0, dtype=dtype)
    X = np.random.default_rng(0).standard_normal((3, 7))  # float64 input is cast
    dW, db = net.gradients(X, np.arange(7) % 2)
    arrays = [*net.W.values(), *net.b.values(), *net.Z.values(), *net.A.values()]
    arrays += [*net.delta.values(), *dW.values(), *db.values()]
    assert all(to_numpy(a).dtype == dtype for a in arrays)
    assert isinstance(net.cost(X, np.arange(7) % 2), float)


def test_float32_gradients_agree_with_float64():
    net64 = Network([5, 8, 3], seed=1)
    net32 = net64.copy(dtype=np.float32)
    X = np.random.default_rng(1).standard_normal((5, 10))
    y = np.arange(10) % 3
    g64, g32 = net64.gradients(X, y), net32.gradients(X, y)
    for l in (1, 2):
        np.testing.assert_allclose(to_numpy(g32[0][l]), to_numpy(g64[0][l]), rtol=1e-4, atol=1e-6)


def test_same_seed_same_weights_and_he_vs_glorot_scale():
    a, b = Network([100, 200, 10], seed=7), Network([100, 200, 10], seed=7)
    assert all(np.array_equal(to_numpy(a.W[l]), to_numpy(b.W[l])) for l in (1, 2))
    he = to_numpy(Network([400, 400, 2], hidden="relu", seed=0).W[1]).std()
    glorot = to_numpy(Network([400, 400, 2], hidden="tanh", seed=0).W[1]).std()
    assert he == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert glorot == pytest.approx(np.sqrt(2 / 800), rel=0.05)
    assert np.all(to_numpy(Network([3, 4, 2], seed=0).b[1]) == 0)


def test_he_scales_by_the_fan_in_and_glorot_by_both_fans():
    """With layers of unequal width: He's variance is 2 / n[l-1] (the inputs of a unit, the
    columns of W[l]), not 2 / n[l]; Glorot's is 2 / (n[l-1] + n[l])."""
    he = to_numpy(Network([400, 100, 2], hidden="relu", seed=0).W[1])
    glorot = to_numpy(Network([400, 100, 2], hidden="tanh", seed=0).W[1])
    assert he.shape == glorot.shape == (100, 400)
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert glorot.std() == pytest.approx(np.sqrt(2 / 500), rel=0.05)


def test_labels_and_one_hot_give_the_same_cost(seed_net):
    X = np.random.default_rng(0).standard_normal((3, 4))
    y = np.array([1, 0, 1, 1])
    Y = np.eye(2)[:, y]
    if seed_net.xp is np:
        assert seed_net.cost(X, y) == seed_net.cost(X, Y)
    else:  # another library may sum in another order when Y's memory layout differs
        assert seed_net.cost(X, y) == pytest.approx(seed_net.cost(X, Y), rel=1e-15)


def test_cross_entropy_matches_its_definition(seed_net):
    X = np.random.default_rng(0).standard_normal((3, 4))
    y = np.array([1, 0, 1, 1])
    A = to_numpy(seed_net.forward(X))
    J = -np.mean(np.log(A[y, np.arange(4)]))  # -(1/m) sum_i log A[y_i, i]
    assert seed_net.cost(X, y) == pytest.approx(J, rel=1e-12)


def test_fused_softmax_cross_entropy_is_stable_for_huge_logits():
    net = Network([2, 3], hidden="relu", output="softmax", seed=0)
    net.load_parameters({"W[1]": np.array([[1e4, 0], [-1e4, 0], [0, 1e4]])})
    X = np.array([[1.0, -1.0, 0.0], [0.0, 1.0, 1.0]])
    y = np.array([1, 0, 2])  # the first two examples are confidently wrong
    J = net.cost(X, y)
    dW, db = net.gradients(X, y)
    assert np.isfinite(J) and J > 1e3
    assert all(np.isfinite(to_numpy(a)).all() for a in [*dW.values(), *db.values()])
    assert np.isfinite(softmax(np.array([[1e4], [-1e4]]))).all()


def test_softmax_and_its_log_come_from_one_pass():
    """The forward pass of softmax + cross-entropy takes A[L] and log A[L] together: A[L] is
    exactly softmax's, and log A[L] its logarithm, finite even where A[L] underflows to 0."""
    Z = np.random.default_rng(1).standard_normal((4, 6)) * [[1], [3], [10], [1e3]]
    A, log_A = softmax_and_log(Z)
    np.testing.assert_array_equal(A, softmax(Z))
    shown = A > 1e-300
    np.testing.assert_allclose(log_A[shown], np.log(A[shown]), rtol=1e-12, atol=1e-12)
    assert np.isfinite(log_A).all() and (A == 0).any()  # an underflowed A, still a finite log


def test_fused_sigmoid_binary_cross_entropy_is_stable_for_huge_logits():
    net = Network([1, 1], output="sigmoid", seed=0)
    net.W[1][...] = 1.0
    X = np.array([[1e4, -1e4, 1e4]])
    y = np.array([0, 1, 1])
    J = net.cost(X, y)
    assert J == pytest.approx(2e4 / 3, rel=1e-9)
    assert np.isfinite(to_numpy(net.gradients(X, y)[0][1])).all()
    assert np.all(np.isfinite(sigmoid(np.array([-1e4, 1e4]))))


def test_relu_output_with_cross_entropy_warns_once_in_plain_words():
    with pytest.warns(DeltapropWarning, match="not probabilities.*log 0"):
        Network([3, 4, 3, 2], output="relu", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Network([3, 4, 3, 2], output="softmax", seed=0)  # no warning for the right choice


def test_update_is_the_seeds_gradient_descent_step(seed_net):
    X = np.random.default_rng(0).standard_normal((3, 6))
    y = np.arange(6) % 2
    before = {
        l: (to_numpy(seed_net.W[l]).copy(), to_numpy(seed_net.b[l]).copy()) for l in (1, 2, 3)
    }
    dW, db = seed_net.gradients(X, y)
    seed_net.update(dW, db, alpha=0.1)
    for l in (1, 2, 3):
        np.testing.assert_array_equal(to_numpy(seed_net.W[l]), before[l][0] - 0.1 * to_numpy(dW[l]))
        np.testing.assert_array_equal(to_numpy(seed_net.b[l]), before[l][1] - 0.1 * to_numpy(db[l]))


def test_gradient_descent_learns_xor():
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = Network([2, 8, 2], hidden="tanh", seed=0)
    J0 = net.cost(X, y)
    for _ in range(2000):
        net.update(*net.gradients(X, y), alpha=0.5)
    assert net.cost(X, y) < 0.05 * J0
    assert np.array_equal(to_numpy(net.predict(X)), y)


def test_predict_forms():
    X = np.random.default_rng(0).standard_normal((3, 5))
    assert Network([3, 4, 3], seed=0).predict(X).shape == (5,)
    binary = Network([3, 4, 1], output="sigmoid", seed=0)
    assert set(to_numpy(binary.predict(X))) <= {0, 1} and binary.predict(X).shape == (5,)
    assert Network([3, 4, 3], output="sigmoid", seed=0).predict(X).shape == (3, 5)
    regression = Network([3, 4, 2], output="identity", seed=0)
    np.testing.assert_array_equal(to_numpy(regression.predict(X)), to_numpy(regression.forward(X)))
    proba = to_numpy(Network([3, 4, 3], seed=0).predict_proba(X))
    np.testing.assert_allclose(proba.sum(axis=0), 1)
    with pytest.raises(InputError, match="not probabilities"):
        regression.predict_proba(X)


# --------------------------------------------------------------------------- bad input

BAD_CONSTRUCTION = [
    (dict(sizes=[3]), "at least two widths"),
    (dict(sizes=[3, 0, 2]), r"sizes\[1\] = 0"),
    (dict(sizes=[3, -4, 2]), r"sizes\[1\] = -4"),
    (dict(sizes=[3, 2.5, 2]), r"sizes\[1\] = 2.5"),
    (dict(sizes=[3, 4, 2], hidden="relux"), "unknown hidden activation 'relux'"),
    (dict(sizes=[3, 4, 2], hidden="softmax"), "unknown hidden activation 'softmax'"),
    (dict(sizes=[3, 4, 2], output="swish"), "unknown output activation 'swish'"),
    (dict(sizes=[3, 4, 2], loss="hinge"), "unknown loss 'hinge'"),
    (dict(sizes=[3, 4, 2], output="identity", loss="cross_entropy"), "not defined for output"),
    (dict(sizes=[3, 4, 1], output="softmax"), "single output unit"),
    (dict(sizes=[3, 4, 2], init="zeros"), "unknown initialisation 'zeros'"),
    (dict(sizes=[3, 4, 2], dtype=np.int32), "float32 or float64"),
    (dict(sizes=[3, 4, 2], seed=-1), "seed must be a non-negative integer or None, got -1"),
    (dict(sizes=[3, 4, 2], seed="0"), "seed must be a non-negative integer"),
]


@pytest.mark.parametrize("kwargs,message", BAD_CONSTRUCTION)
def test_bad_construction_names_the_problem(kwargs, message):
    with pytest.raises(InputError, match=message):
        Network(**kwargs)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


BAD_DATA = [
    (np.zeros(3), [0], "2-D"),
    (np.zeros((4, 5)), [0] * 5, r"4 rows but the network expects n_x = 3"),
    (np.zeros((5, 3)), [0] * 5, "examples as rows"),
    (np.zeros((1, 3)), [0], r"X has 1 row but the network expects n_x = 3 .*use X\.T"),
    (np.zeros((3, 5)), [0] * 4, "4 labels but X has m = 5"),
    (np.zeros((3, 5)), np.zeros((3, 5)), r"must be \(n_y, m\) = \(2, 5\)"),
    (np.zeros((3, 5)), [0, 1, 2, 0, 1], "labels must be integers 0..1"),
    (np.zeros((3, 5)), [0, 1, -1, 0, 1], "labels must be integers 0..1"),
    (np.zeros((3, 5)), [0, 1, 0.5, 0, 1], "labels must be integers 0..1"),
    (np.full((3, 5), np.nan), [0] * 5, "NaN or inf"),
    (np.full((3, 5), np.inf), [0] * 5, "NaN or inf"),
    (np.zeros((3, 2)), np.array([[0.5, np.nan], [0.5, 0.0]]), "NaN or inf"),
    (np.zeros((3, 2)), np.array([[0.5, 0.5], [0.2, 0.0]]), "column 1 sums to 0"),
    (np.zeros((3, 0)), [], "no examples"),
    (np.array([["a"] * 5] * 3), [0] * 5, "real numbers"),
]


@pytest.mark.parametrize("X,Y,message", BAD_DATA)
def test_bad_data_names_the_shapes_or_values(seed_net, X, Y, message):
    with pytest.raises(InputError, match=message):
        seed_net.gradients(X, Y)


def test_targets_outside_0_1_for_binary_cross_entropy():
    net = Network([2, 1], output="sigmoid", seed=0)
    with pytest.raises(InputError, match="must lie in"):
        net.cost(np.zeros((2, 3)), [0, 2, 1])


def test_networks_compute_with_the_library_under_test():
    """tests/test_array_api.py runs this file with DELTAPROP_TEST_XP set (see conftest.py): then
    every Network here computes with that library, else with numpy."""
    library = os.environ.get("DELTAPROP_TEST_XP")
    net = Network([2, 2], seed=0)
    if not library:
        assert net.xp is np and isinstance(net.W[1], np.ndarray)
    else:
        from deltaprop.core.arrays import namespace, resolve

        assert namespace(net.W[1]) is resolve(library)[0] is not np


def test_the_derivative_at_the_kink_is_the_documented_one():
    """At Z = 0 ReLU's g' is taken as 0 and leaky ReLU's as 0.01 (the report's convention);
    the gradient checks stay off the kink, so this pins it: a freshly built network has zero
    biases, and an all-zero input puts every Z[1] exactly there."""
    from deltaprop.core.activations import leaky_relu_prime, relu_prime

    Z = np.array([[-1.0, 0.0, 2.0]])
    assert relu_prime(Z).tolist() == [[0.0, 0.0, 1.0]]
    assert leaky_relu_prime(Z).tolist() == [[0.01, 0.01, 1.0]]
