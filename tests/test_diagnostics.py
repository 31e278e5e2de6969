"""Training diagnostics: real trainings that kill ReLU units, vanish and explode, each reported
exactly once per layer; a healthy run reports nothing."""

import io
import json
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from deltaprop.core import DeltapropWarning, Network
from deltaprop.training import Adam, GradientDescent, Trainer
from deltaprop.training.diagnostics import (
    DEAD,
    DEAD_LAYER,
    EXPLODING,
    VANISHING,
    Diagnostics,
    TrainingWarning,
)


def blobs(m=300, k=3, n_x=2, seed=0):
    """k Gaussian blobs in n_x dimensions, examples as columns: X (n_x, m), y (m,)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-3, 3, (k, n_x))
    y = np.arange(m) % k
    return (centres[y] + rng.normal(0, 0.8, (m, n_x))).T, y


def train(net, optimizer, X, y, epochs=20, **diagnostics):
    """Train with a Diagnostics callback; return (its TrainingWarnings, the callback)."""
    diag = Diagnostics(**diagnostics)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # so that a repeated warning would show up
        trainer = Trainer(net, optimizer, epochs=epochs, batch_size=32, seed=0, callbacks=[diag])
        trainer.fit(X, y)
    return [w.message for w in caught if issubclass(w.category, TrainingWarning)], diag


def by_kind(found, kind):
    return sorted(w.layer for w in found if w.kind == kind)


def test_a_very_high_learning_rate_kills_a_whole_layer_and_it_is_reported_once():
    X, y = blobs()
    found, diag = train(Network([2, 32, 32, 3], seed=0), GradientDescent(lr=1.0), X, y)
    assert diag.dead_streak[2] == 20  # layer 2 is dead whole from the first epoch on
    assert by_kind(found, DEAD_LAYER) == [2]
    assert len(found) == 1  # the zero gradients below the dead layer are not called vanishing
    message = str(found[0])
    assert message.startswith("layer 2: every one of its ReLU units outputs 0 for every example")
    assert "output no longer depends on its input" in message
    assert "the weights of layers 1 to 3 get no gradient" in message
    assert message.endswith(
        "Start again with a lower learning rate or leaky_relu, and He initialisation "
        "(init='he', --init he) if the layer was given another."
    )  # He is the default for ReLU layers: advice only for a network initialised otherwise
    assert [(p.kind, p.layer) for p in diag.problems] == [(DEAD_LAYER, 2)]


def test_a_layer_reported_mostly_dead_is_reported_again_when_it_dies_whole():
    diag = Diagnostics(warn=False)
    logs = {"cost": 1.0, "grad_norm": [1.0, 1.0, 1.0], "dead_fraction": [0.0, 0.75]}
    for epoch in (1, 2, 3):
        diag.on_epoch_end(fake_trainer(), epoch, logs)
    whole = {**logs, "dead_fraction": [0.0, 1.0]}
    for epoch in (4, 5, 6):
        diag.on_epoch_end(fake_trainer(), epoch, whole)
    assert [(p.kind, p.layer, p.epoch) for p in diag.problems] == [(DEAD, 2, 2), (DEAD_LAYER, 2, 5)]
    assert "75% of its ReLU units" in diag.problems[0].message


def test_a_deep_sigmoid_network_with_tiny_weights_vanishes():
    X, y = blobs()
    net = Network([2, 16, 16, 16, 16, 16, 16, 3], hidden="sigmoid", seed=0)
    for l in net.W:
        net.W[l] *= 1e-3
    found, _ = train(net, GradientDescent(lr=0.1), X, y)
    layers = by_kind(found, VANISHING)
    assert layers[:4] == [1, 2, 3, 4]  # the lowest layers, each exactly once
    assert len(layers) == len(set(layers)) == len(found)
    first = next(w for w in found if w.layer == 1)
    assert str(first).startswith("layer 1: its weight gradient has vanished (||dW[1]|| = ")
    assert "far from 0" in str(first)


def test_a_deep_sigmoid_network_at_its_usual_initialisation_vanishes_relative_to_its_top():
    """Ten sigmoid layers with Glorot weights: each layer passes back at most a quarter of its
    gradient, so layer 1's is about a millionth of the top layer's, though above the absolute
    threshold; the relative one finds it, and with weight decay on (its term is left out)."""
    X, y = blobs()
    net = Network([2, *[16] * 10, 3], hidden="sigmoid", seed=0)
    found, diag = train(net, GradientDescent(lr=0.01), X, y, epochs=3)
    layers = by_kind(found, VANISHING)
    assert layers[0] == 1 and len(layers) == len(set(layers))
    first = next(w for w in found if w.layer == 1)
    assert "times the largest layer's" in str(first)
    decayed = Diagnostics(warn=False)  # the command line's default L2 term, 0.1
    net = Network([2, *[16] * 10, 3], hidden="sigmoid", seed=0)
    Trainer(
        net, GradientDescent(lr=0.01), epochs=3, batch_size=32, l2=0.1, callbacks=[decayed]
    ).fit(X, y)
    assert (VANISHING, 1) in [(p.kind, p.layer) for p in decayed.problems]
    healthy, _ = train(Network([2, *[16] * 10, 3], seed=0), Adam(lr=1e-3), X, y, epochs=3)
    assert by_kind(healthy, VANISHING) == []  # the same depth with ReLU keeps its gradients


def test_the_relative_threshold_compares_with_the_largest_layer():
    diag = Diagnostics(warn=False)
    logs = {"cost": 1.0, "grad_norm": [2e-4, 0.5, 1.0], "dead_fraction": []}
    diag.on_epoch_end(fake_trainer(), 1, logs)
    assert [(p.kind, p.layer) for p in diag.problems] == [(VANISHING, 1)]
    calm = Diagnostics(warn=False)
    calm.on_epoch_end(fake_trainer(), 1, {**logs, "grad_norm": [0.05, 0.5, 1.0]})
    assert calm.problems == []


def test_a_huge_input_scale_explodes():
    X, y = blobs()
    found, _ = train(Network([2, 16, 3], seed=0), Adam(lr=1e-3), X * 1e4, y)
    assert by_kind(found, EXPLODING) == [1, 2]
    assert len(found) == 2
    assert str(found[0]).startswith("layer 1: its weight gradient is exploding")
    assert "--clip-norm" in str(found[0]) and "learning rate" in str(found[0])


def test_with_clipping_on_the_advice_says_so():
    X, y = blobs()
    optimizer = Adam(lr=1e-3, clip_norm=1.0)
    found, _ = train(Network([2, 16, 3], seed=0), optimizer, X * 1e4, y, epochs=2)
    assert "clipping (clip_norm=1) keeps each step bounded" in str(found[0])


def test_a_healthy_run_reports_nothing():
    X, y = blobs(m=600, k=10, n_x=16)
    found, diag = train(Network([16, 64, 32, 10], seed=0), Adam(lr=1e-2), X, y, epochs=30)
    assert found == [] and diag.problems == []


def test_the_warning_is_a_deltaprop_warning_naming_kind_and_layer():
    assert issubclass(TrainingWarning, DeltapropWarning)
    w = TrainingWarning("layer 3: ...", EXPLODING, 3)
    assert (w.kind, w.layer, str(w)) == (EXPLODING, 3, "layer 3: ...")


def test_stream_only():
    X, y = blobs()
    stream = io.StringIO()
    found, diag = train(
        Network([2, 16, 3], seed=0), Adam(lr=1e-3), X * 1e4, y, epochs=3, warn=False, stream=stream
    )
    assert found == []
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 == len(diag.problems)
    assert lines[0].startswith("deltaprop: warning: epoch 1, layer 1: ")


def fake_trainer(first_cost=1.0):
    """What Diagnostics reads from a Trainer: the history's first cost and the optimizer."""
    return SimpleNamespace(history=SimpleNamespace(cost=[first_cost]), optimizer=Adam())


def test_a_dead_layer_must_persist_before_it_is_reported():
    diag = Diagnostics(warn=False)
    logs = {"cost": 1.0, "grad_norm": [1.0, 1.0, 1.0], "dead_fraction": [0.9, 0.0]}
    diag.on_epoch_end(fake_trainer(), 1, logs)
    assert diag.problems == []
    diag.on_epoch_end(fake_trainer(), 2, {**logs, "dead_fraction": [0.1, 0.0]})  # recovered
    diag.on_epoch_end(fake_trainer(), 3, logs)
    assert diag.problems == []
    diag.on_epoch_end(fake_trainer(), 4, logs)
    assert [(p.kind, p.layer, p.epoch) for p in diag.problems] == [(DEAD, 1, 4)]


def test_small_gradients_at_a_small_cost_are_convergence_not_vanishing():
    diag = Diagnostics(warn=False)
    diag.on_epoch_end(fake_trainer(), 9, {"cost": 0.01, "grad_norm": [1e-9], "dead_fraction": []})
    assert diag.problems == []
    diag.on_epoch_end(fake_trainer(), 10, {"cost": 0.5, "grad_norm": [1e-9], "dead_fraction": []})
    assert [(p.kind, p.layer) for p in diag.problems] == [(VANISHING, 1)]


def test_state_survives_a_checkpoint_so_a_resumed_run_does_not_repeat():
    X, y = blobs()
    _, diag = train(Network([2, 16, 3], seed=0), Adam(lr=1e-3), X * 1e4, y, epochs=2, warn=False)
    state = json.loads(json.dumps(diag.state_dict()))  # JSON-able, as checkpoints need
    resumed = Diagnostics()
    resumed.load_state(state, {})
    assert resumed.reported == {(EXPLODING, 1), (EXPLODING, 2)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Trainer(Network([2, 16, 3], seed=0), epochs=2, callbacks=[resumed]).fit(X * 1e4, y)
    assert not [w for w in caught if issubclass(w.category, TrainingWarning)]


def test_non_finite_norms_explode_and_are_not_the_largest_layers():
    diag = Diagnostics(warn=False)
    logs = {"cost": 1.0, "grad_norm": [float("inf"), 1.0, float("nan")], "dead_fraction": []}
    diag.on_epoch_end(fake_trainer(), 1, logs)
    # layer 2 is not "vanishing" next to an infinite norm
    assert [(p.kind, p.layer) for p in diag.problems] == [(EXPLODING, 1), (EXPLODING, 3)]


def test_a_dead_fraction_equal_to_the_threshold_is_not_reported():
    diag = Diagnostics(warn=False, dead_threshold=0.5, persist=1)
    diag.on_epoch_end(fake_trainer(), 1, {"cost": 1.0, "grad_norm": [], "dead_fraction": [0.5]})
    assert diag.problems == []


def test_zero_gradients_at_a_layer_dead_above_the_threshold_are_not_vanishing():
    """A layer 60% dead (above the default 0.5, below persist's two epochs) explains the zero
    gradients of the layers below and next to it."""
    diag = Diagnostics(warn=False)
    logs = {"cost": 1.0, "grad_norm": [0.0, 0.0, 0.0, 1.0], "dead_fraction": [0.0, 0.6, 0.0]}
    diag.on_epoch_end(fake_trainer(), 1, logs)
    assert diag.problems == []


def test_a_stream_of_sys_stderr_follows_a_redirected_sys_stderr(capsys):
    diag = Diagnostics(warn=False, stream=sys.__stderr__)
    diag.on_epoch_end(fake_trainer(), 1, {"cost": 1.0, "grad_norm": [1e9], "dead_fraction": []})
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: warning: epoch 1, layer 1: its weight gradient is exploding")


def test_a_dead_streak_survives_a_checkpoint():
    logs = {"cost": 1.0, "grad_norm": [1.0, 1.0], "dead_fraction": [0.9]}
    diag = Diagnostics(warn=False)
    diag.on_epoch_end(fake_trainer(), 1, logs)  # the first of the two epochs persist asks for
    resumed = Diagnostics(warn=False)
    resumed.load_state(json.loads(json.dumps(diag.state_dict())), {})
    resumed.on_epoch_end(fake_trainer(), 2, logs)
    assert [(p.kind, p.layer, p.epoch) for p in resumed.problems] == [(DEAD, 1, 2)]


def test_a_whole_dead_streak_survives_a_checkpoint():
    logs = {"cost": 1.0, "grad_norm": [0.0, 1.0], "dead_fraction": [1.0]}
    diag = Diagnostics(warn=False)
    diag.on_epoch_end(fake_trainer(), 1, logs)
    resumed = Diagnostics(warn=False)
    resumed.load_state(json.loads(json.dumps(diag.state_dict())), {})
    resumed.on_epoch_end(fake_trainer(), 2, logs)
    assert [(p.kind, p.layer, p.epoch) for p in resumed.problems] == [(DEAD_LAYER, 1, 2)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dead_threshold": 1.0},
        {"vanish": 1e4, "explode": 1e3},
        {"vanish_ratio": 1.0},
        {"persist": 0},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Diagnostics(**kwargs)


@pytest.mark.parametrize("key", ["dead_streak", "whole_streak"])
def test_a_damaged_streak_from_a_file_is_refused_naming_it(key):
    with pytest.raises(ValueError, match=f"Diagnostics {key} is keyed by"):
        Diagnostics().load_state({key: {"x": 1}}, {})
    with pytest.raises(ValueError, match=rf"Diagnostics {key}\['2'\]"):
        Diagnostics().load_state({key: {"2": -1}}, {})
