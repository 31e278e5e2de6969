"""Every (hidden activation, output activation, loss) the library offers is checked against central
finite differences in float64, and the check is shown to fail on broken derivatives."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deltaprop.core import COMBINATIONS, HIDDEN_ACTIVATIONS, Network, gradcheck
from deltaprop.core import losses as losses_module
from deltaprop.core.activations import RELU_FAMILY
from deltaprop.core.arrays import to_numpy

TOLERANCE = 1e-7


def make_problem(sizes, hidden, output, loss, m, seed):
    """A network with random weights AND biases, data, and targets suited to the loss.

    Biases are random too, so a dead ReLU layer cannot put a pre-activation exactly on the kink.
    For a ReLU output with cross-entropy (the seed's choice) the output biases are made positive,
    so that A[L] > 0 and the cost is finite.
    """
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = Network(sizes, hidden=hidden, output=output, loss=loss, seed=seed)
    P = {name: to_numpy(value).copy() for name, value in net.parameters()}
    for l in range(1, net.L + 1):
        P[f"b[{l}]"] = rng.normal(0, 0.5, tuple(net.b[l].shape))
    if output == "relu" and loss == "cross_entropy":
        P[f"W[{net.L}]"] *= 0.1
        P[f"b[{net.L}]"] = np.abs(P[f"b[{net.L}]"]) + 1.0
    net.load_parameters(P)
    X = rng.standard_normal((sizes[0], m))
    n_y = sizes[-1]
    if loss == "mse" and output not in ("softmax", "sigmoid"):
        Y = rng.standard_normal((n_y, m))
    elif loss == "binary_cross_entropy" or n_y == 1:
        Y = rng.integers(0, 2, size=(n_y, m))
    else:
        Y = rng.integers(0, n_y, size=m)  # integer labels, one-hot inside
    return net, X, Y


def min_distance_to_kink(net, X):
    """Smallest |Z[l]| over layers whose activation has a kink at 0 (ReLU family)."""
    net.forward(X)
    kinked = [np.abs(to_numpy(net.Z[l])).min() for l in net.Z if net.g[l].name in RELU_FAMILY]
    return min(kinked, default=np.inf)


ALL = [(h, o, loss) for (o, loss) in COMBINATIONS for h in HIDDEN_ACTIVATIONS]


@pytest.mark.parametrize("hidden,output,loss", ALL, ids=["-".join(c) for c in ALL])
def test_seed_network_gradients_match_finite_differences(hidden, output, loss):
    net, X, Y = make_problem((3, 4, 3, 2), hidden, output, loss, m=5, seed=3)
    assert min_distance_to_kink(net, X) > 1e-4
    result = gradcheck(net, X, Y)
    assert result.relative_error < TOLERANCE, result.per_array
    assert set(result.per_array) == {f"{p}[{l}]" for l in (1, 2, 3) for p in "Wb"}
    assert result.n_checked == net.n_parameters()


@pytest.mark.parametrize("output,loss", COMBINATIONS)
def test_gradients_with_l2_penalty(output, loss):
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", output, loss, m=6, seed=5)
    assert gradcheck(net, X, Y, l2=0.7).relative_error < TOLERANCE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    widths=st.lists(st.integers(1, 20), min_size=2, max_size=7),
    combination=st.sampled_from(ALL),
    m=st.integers(1, 8),
    seed=st.integers(0, 2**16),
)
def test_random_depths_and_widths(widths, combination, m, seed):
    """L = 1..6 layers of width 1..20; L = 1 is logistic (or softmax) regression."""
    hidden, output, loss = combination
    if output == "softmax":
        widths[-1] = max(widths[-1], 2)  # a softmax over one unit is rejected (it is constant)
    net, X, Y = make_problem(tuple(widths), hidden, output, loss, m=m, seed=seed)
    assume(min_distance_to_kink(net, X) > 1e-3)
    eps = 1e-6
    result = gradcheck(net, X, Y, eps=eps)
    # Each central difference carries the rounding of J, about 1e-16 |J| / eps. A gradient far
    # smaller than J (a deep chain of width-1 sigmoids shrinks it by 4 per layer) cannot be
    # resolved to the tolerance that way, right or wrong; such examples are not a test of it.
    g = np.concatenate([to_numpy(a).ravel() for a in result.analytic.values()])
    rounding = np.finfo(np.float64).eps * abs(net.cost(X, Y)) / eps
    assume(rounding < 0.1 * TOLERANCE * np.linalg.norm(g))
    assert result.relative_error < TOLERANCE, (result.per_array, widths)


def test_sampled_check_on_a_bigger_network():
    net, X, Y = make_problem((30, 50, 40, 10), "relu", "softmax", "cross_entropy", m=16, seed=0)
    result = gradcheck(net, X, Y, max_per_array=20)
    assert result.n_checked == 20 * 5 + 10  # b[3] has only 10 entries
    assert result.relative_error < TOLERANCE


def test_float32_network_is_checked_in_float64_and_left_untouched():
    net, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", m=5, seed=1)
    net32 = net.copy(dtype=np.float32)
    before = to_numpy(net32.W[1]).copy()
    result = gradcheck(net32, X, Y)
    assert result.relative_error < TOLERANCE
    after = to_numpy(net32.W[1])
    assert after.dtype == np.float32 and np.array_equal(after, before)


# --------------------------------------------------------------------------- the check can fail


def seed_dJ_dA(A, Y, w):
    """The seed's derivative of the cross-entropy, dJ/dA[3] = Y - A[3] (wrong)."""
    return Y - A


@pytest.mark.parametrize("output", ["relu", "sigmoid", "softmax"])
def test_seed_derivative_is_flagged(monkeypatch, output):
    net, X, Y = make_problem((3, 4, 3, 2), "relu", output, "cross_entropy", m=5, seed=2)
    # Break the generic derivative and force the generic path (also for softmax).
    broken = losses_module.Loss(
        "cross_entropy", losses_module.cross_entropy, seed_dJ_dA, net.loss.outputs
    )
    monkeypatch.setattr(losses_module, "LOSSES", {**losses_module.LOSSES, "cross_entropy": broken})
    broken_net = net.copy()
    assert not broken_net.fused
    result = gradcheck(broken_net, X, Y)
    assert result.relative_error > 0.1


def test_missing_one_over_m_is_flagged(monkeypatch):
    net, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", m=5, seed=4)
    original = net._backward
    monkeypatch.setattr(net, "_backward", lambda Y, w, D=None: original(Y, 1.0, D))  # no 1/m
    monkeypatch.setattr(Network, "copy", lambda self, dtype=None: self)
    assert gradcheck(net, X, Y).relative_error > 0.1


def test_hadamard_replaced_by_matrix_product_is_flagged(monkeypatch):
    """Dropping g'(Z) from the recurrence (treating it as the identity) must be caught."""
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", "softmax", "cross_entropy", m=5, seed=4)
    from deltaprop.core import activations

    tanh = activations.ACTIVATIONS["tanh"]
    wrong = activations.Activation("tanh", tanh.g, activations.identity_prime)
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", wrong)
    assert gradcheck(net.copy(), X, Y).relative_error > 1e-3


def test_relative_error_is_the_normalised_distance_and_grows_with_the_disagreement():
    """||g - g_num|| / (||g|| + ||g_num||): scale-free, 1 for opposite gradients, and not fooled
    by two gradients of the same norm that point different ways."""
    from deltaprop.core.gradcheck import relative_error

    g = np.array([3.0, -4.0])
    assert relative_error(g, g) == 0 and relative_error(np.zeros(2), np.zeros(2)) == 0
    assert relative_error(g, 2 * g) == pytest.approx(1 / 3)
    assert relative_error(1e-6 * g, 2e-6 * g) == pytest.approx(1 / 3)  # small gradients too
    assert relative_error(g, -g) == pytest.approx(1.0)
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)


def test_passed_means_strictly_below_the_tolerance_of_1e_7_by_default():
    from deltaprop.core.gradcheck import GradcheckResult

    def result(error):
        return GradcheckResult(error, {}, {}, {})

    assert result(1e-9).passed() and not result(1e-5).passed() and not result(1e-7).passed()
    assert result(1e-5).passed(tolerance=1e-4) and not result(1e-3).passed(tolerance=1e-4)
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", "softmax", "cross_entropy", m=5, seed=4)
    assert gradcheck(net, X, Y).passed()


def test_sample_weights_reach_the_backward_pass_being_checked():
    """The compared analytic gradient is the weighted one, not the unweighted one (which would
    pass too, as both sides would then leave the weights out)."""
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", "softmax", "cross_entropy", m=5, seed=4)
    w = np.array([1.0, 0.0, 3.0, 0.5, 2.0])
    weighted = gradcheck(net, X, Y, sample_weight=w)
    dW, _ = net.gradients(X, Y, sample_weight=w)
    np.testing.assert_allclose(weighted.analytic["W[1]"], to_numpy(dW[1]).ravel(), rtol=1e-12)
    assert not np.allclose(weighted.analytic["W[1]"], gradcheck(net, X, Y).analytic["W[1]"])


def test_max_per_array_caps_every_array_and_the_seed_picks_the_entries():
    net, X, Y = make_problem((3, 4, 3, 2), "tanh", "softmax", "cross_entropy", m=5, seed=4)
    # W[1] and W[2] have 12 entries each, one more than the cap; the others fewer
    assert gradcheck(net, X, Y, max_per_array=11).n_checked == 11 + 4 + 11 + 3 + 6 + 2
    one, same, other = (gradcheck(net, X, Y, max_per_array=4, seed=s) for s in (1, 1, 2))
    assert np.array_equal(one.analytic["W[1]"], same.analytic["W[1]"])
    assert not np.array_equal(one.analytic["W[1]"], other.analytic["W[1]"])
