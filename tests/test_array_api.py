"""The same core on other array libraries, through the Python array API standard.

``array_api_strict`` implements the standard and nothing more (it rejects numpy habits such as
out-of-bounds slices, methods like ``.sum()`` or mixing libraries); PyTorch CPU tensors are what a
GPU user would hand in. Every check of the numpy suite that matters for portability is repeated
here on both: finite differences for every (hidden, output, loss) combination, weighted costs and
dropout, agreement with the numpy reference, input errors, and a broken derivative that must be
caught in that library too.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from deltaprop.core import COMBINATIONS, HIDDEN_ACTIVATIONS, InputError, Network, gradcheck
from deltaprop.core import losses as losses_module
from deltaprop.core.arrays import (
    asarray,
    device_of,
    maximum,
    minimum,
    namespace,
    resolve,
    to_numpy,
)

from .test_core_gradcheck import make_problem, min_distance_to_kink, seed_dJ_dA
from .test_core_network import BAD_DATA
from .test_training_weights_dropout import interrupt_after

pytest.importorskip("array_api_compat", reason="pip install 'deltaprop[array-api]'")

LIBRARIES = ["array_api_strict", "torch"]
ALL = [(h, o, loss) for (o, loss) in COMBINATIONS for h in HIDDEN_ACTIVATIONS]


@pytest.fixture(params=LIBRARIES)
def xp(request):
    """The namespace deltaprop computes with for that library (skipped when not installed)."""
    pytest.importorskip(request.param)
    return resolve(request.param)[0]


def on(xp, net):
    """A copy of a numpy network that computes with ``xp``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return net.to(xp)


@pytest.mark.parametrize("hidden,output,loss", ALL, ids=["-".join(c) for c in ALL])
def test_every_combination_passes_gradcheck_and_equals_numpy(xp, hidden, output, loss):
    reference, X, Y = make_problem((3, 4, 3, 2), hidden, output, loss, m=5, seed=3)
    assert min_distance_to_kink(reference, X) > 1e-4
    net = on(xp, reference)
    result = gradcheck(net, X, Y, l2=0.3)
    assert result.relative_error < 1e-7, result.per_array
    expected = gradcheck(reference, X, Y, l2=0.3)
    for name in expected.analytic:
        np.testing.assert_allclose(result.analytic[name], expected.analytic[name], rtol=1e-12)


def test_arrays_stay_in_the_library(xp):
    reference, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", 5, seed=1)
    net = on(xp, reference)
    A_L = net.forward(X)
    dW, db = net.gradients(X, Y)
    for array in (A_L, net.Z[1], net.delta[1], dW[1], db[3], net.W[2], net.predict(X)):
        assert namespace(array) is xp
    assert net.W[1].dtype == xp.float64 and net.copy(np.float32).W[1].dtype == xp.float32


def test_namespace_is_remembered_per_type_and_still_refuses_mixed_libraries(xp):
    a = xp.asarray([1.0, 2.0])
    assert namespace(a) is namespace(a, 2.0, None) is namespace(a, a) is xp  # a second time
    with pytest.raises(TypeError, match="[Mm]ultiple namespaces"):
        namespace(a, np.ones(2))
    with pytest.raises(TypeError, match="[Mm]ultiple namespaces"):
        namespace(np.ones(2), a)


def test_maximum_and_minimum_with_a_number_keep_dtype_values_and_nan(xp):
    values = np.array([-2.0, -0.0, 0.0, 0.5, np.nan, np.inf], dtype=np.float32)
    x = xp.asarray(values)
    for ours, reference in (
        (maximum(x, 0), np.maximum(values, 0)),
        (minimum(x, 1.0), np.minimum(values, 1.0)),
    ):
        assert namespace(ours) is xp and ours.dtype == xp.float32
        np.testing.assert_array_equal(to_numpy(ours), reference)  # NaN where NaN


def test_forward_cost_and_predictions_equal_numpy(xp):
    X = np.random.default_rng(0).standard_normal((3, 7))
    for output, n_y in (("softmax", 3), ("sigmoid", 1), ("sigmoid", 3), ("identity", 2)):
        reference = Network([3, 5, n_y], output=output, seed=2)
        net = on(xp, reference)
        np.testing.assert_allclose(to_numpy(net.forward(X)), reference.forward(X), rtol=1e-13)
        predicted, expected = to_numpy(net.predict(X)), reference.predict(X)
        if reference.is_classifier:
            np.testing.assert_array_equal(predicted, expected)
        else:  # regression: A[L] itself, equal up to the libraries' rounding
            np.testing.assert_allclose(predicted, expected, rtol=1e-13)
        Y = reference.forward(X)  # valid targets for every loss
        assert net.cost(X, Y, l2=0.1) == pytest.approx(reference.cost(X, Y, l2=0.1), rel=1e-13)


def test_sample_weights_and_dropout_masks(xp):
    reference, X, Y = make_problem((3, 6, 5, 2), "tanh", "softmax", "cross_entropy", 7, seed=12)
    net = on(xp, reference)
    D = reference.dropout_masks(np.random.default_rng(1), keep_prob=0.6, m=7)
    weights = np.arange(1.0, 8.0)
    result = gradcheck(net, X, Y, D=D, sample_weight=weights)
    assert result.relative_error < 1e-7
    expected = gradcheck(reference, X, Y, D=D, sample_weight=weights)
    np.testing.assert_allclose(result.analytic["W[1]"], expected.analytic["W[1]"], rtol=1e-12)
    masks = net.dropout_masks(np.random.default_rng(1), keep_prob=0.6, m=7)
    np.testing.assert_array_equal(to_numpy(masks[1]), D[1])  # numpy draws them everywhere


def test_float32_gradients_agree_with_float64(xp):
    reference, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", 6, seed=7)
    net32 = on(xp, reference).copy(np.float32)
    dW, _ = net32.gradients(X, Y)
    assert dW[1].dtype == xp.float32
    dW64, _ = reference.gradients(X, Y)
    np.testing.assert_allclose(to_numpy(dW[1]), dW64[1], rtol=1e-4, atol=1e-6)


def test_the_seeds_derivative_is_caught_here_too(xp, monkeypatch):
    reference, X, Y = make_problem((3, 4, 3, 2), "relu", "sigmoid", "cross_entropy", 5, seed=2)
    broken = losses_module.Loss(
        "cross_entropy", losses_module.cross_entropy, seed_dJ_dA, reference.loss.outputs
    )
    monkeypatch.setattr(losses_module, "LOSSES", {**losses_module.LOSSES, "cross_entropy": broken})
    assert gradcheck(on(xp, reference), X, Y).relative_error > 0.1


@pytest.mark.parametrize("X,Y,message", BAD_DATA)
def test_bad_data_gives_the_numpy_message(xp, X, Y, message):
    net = on(xp, Network([3, 4, 3, 2], seed=0))
    with pytest.raises(InputError, match=message):
        net.gradients(X, Y)


def test_arrays_of_the_library_are_accepted_as_input(xp):
    reference, X, Y = make_problem((3, 4, 3, 2), "relu", "softmax", "cross_entropy", 5, seed=1)
    net = on(xp, reference)
    X_xp, y_xp = xp.asarray(X), xp.asarray(np.asarray(Y))
    np.testing.assert_allclose(to_numpy(net.forward(X_xp)), reference.forward(X), rtol=1e-13)
    assert net.cost(X_xp, y_xp) == pytest.approx(reference.cost(X, Y), rel=1e-13)


def test_moving_back_to_numpy_keeps_the_weights(xp):
    reference = Network([3, 4, 2], seed=5)
    back = on(xp, reference).to()
    assert back.xp is np
    for l in (1, 2):
        np.testing.assert_array_equal(back.W[l], reference.W[l])


def test_devices_and_libraries_are_named_clearly():
    with pytest.raises(InputError, match="numpy computes on the CPU only"):
        Network([3, 2], xp="numpy", device="cuda")
    with pytest.raises(ImportError, match="not installed"):
        Network([3, 2], xp="no_such_array_library")


def test_a_model_file_is_numpy_whatever_computed_it(xp, tmp_path):
    from deltaprop import io
    from deltaprop.model import Model

    reference = Network([4, 5, 3], seed=0)
    model = Model(on(xp, reference), classes=np.array(["a", "b", "c"]))
    X_rows = np.random.default_rng(1).standard_normal((6, 4))
    np.testing.assert_array_equal(
        model.predict(X_rows), Model(reference, model.classes).predict(X_rows)
    )
    loaded = io.load(io.save(model, tmp_path / "model.npz"))
    assert loaded.network.xp is np
    for name, P in loaded.network.parameters():
        np.testing.assert_array_equal(P, dict(reference.parameters())[name])


# --------------------------------------------------------------------------- the training loop

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
SETTINGS = [
    dict(batch_size=8),
    dict(batch_size=None),
    dict(batch_size=16, dropout=0.3),
    dict(batch_size=7, shuffle=False),
]


def train(xp, optimizer, epochs=3, callbacks=(), **settings):
    from deltaprop.training import Trainer, make_optimizer

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 50)), rng.integers(0, 3, 50)
    trainer = Trainer(
        Network([4, 6, 3], seed=1, xp=xp),
        make_optimizer(optimizer, lr=0.05, clip_norm=1.0),
        epochs=epochs,
        l2=0.01,
        callbacks=list(callbacks),
        **settings,
    )
    history = trainer.fit(
        X, y, validation=(X[:, :10], y[:10]), sample_weight=np.linspace(0.5, 2, 50)
    )
    return trainer, history


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("settings", SETTINGS, ids=["batch", "full", "dropout", "in-order"])
def test_training_equals_numpy_training(xp, optimizer, settings):
    """Mini-batches, weights, dropout, L2, clipping and every optimizer: the same run."""
    trainer, history = train(xp, optimizer, **settings)
    reference, expected = train(None, optimizer, **settings)
    for name, P in trainer.network.parameters():
        assert namespace(P) is xp
        np.testing.assert_allclose(
            to_numpy(P), dict(reference.network.parameters())[name], rtol=1e-10, atol=1e-13
        )
    for field in ("cost", "val_cost", "grad_norm"):
        np.testing.assert_allclose(getattr(history, field), getattr(expected, field), rtol=1e-10)
    for field in ("accuracy", "val_accuracy", "dead_fraction"):
        assert getattr(history, field) == getattr(expected, field)


@pytest.mark.parametrize("optimizer", ["momentum", "rmsprop", "adam"])
def test_the_optimizer_state_is_named_by_parameter_and_moves_between_libraries(xp, optimizer):
    """Other libraries update all parameters as one vector; the state still saves by parameter
    name, as numpy's does, and a run moved back to numpy continues exactly."""
    trainer, _ = train(xp, optimizer, batch_size=8)
    reference, _ = train(None, optimizer, batch_size=8, epochs=4)
    _, expected = train(None, optimizer, batch_size=8)[0].optimizer.state_dict()
    _, arrays = trainer.optimizer.state_dict()
    assert sorted(arrays) == sorted(expected)
    for key, state in arrays.items():
        np.testing.assert_allclose(to_numpy(state), expected[key], rtol=1e-10, atol=1e-15)
    trainer.network = trainer.network.to(np)
    trainer.epochs = 4
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 50)), rng.integers(0, 3, 50)
    trainer.fit(X, y, validation=(X[:, :10], y[:10]), sample_weight=np.linspace(0.5, 2, 50))
    for name, P in reference.network.parameters():
        np.testing.assert_allclose(dict(trainer.network.parameters())[name], P, rtol=1e-10)


def test_an_optimizer_follows_its_network_when_the_parameters_are_replaced(xp):
    """On PyTorch the optimizer makes the parameters views of one vector it updates at once;
    a network whose arrays were replaced since (a copy here) must still be the one trained."""
    trainer, _ = train(xp, "adam", epochs=2, batch_size=8)
    reference, _ = train(None, "adam", epochs=4, batch_size=8)
    trainer.network = trainer.network.copy()  # new arrays, no longer views of that vector
    trainer.epochs = 4
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 50)), rng.integers(0, 3, 50)
    trainer.fit(X, y, validation=(X[:, :10], y[:10]), sample_weight=np.linspace(0.5, 2, 50))
    for name, P in reference.network.parameters():
        np.testing.assert_allclose(
            to_numpy(dict(trainer.network.parameters())[name]), P, rtol=1e-10, atol=1e-13
        )


def test_early_stopping_restores_the_best_weights(xp):
    from deltaprop.training import EarlyStopping

    stop = EarlyStopping(patience=1, monitor="val_cost")
    trainer, _ = train(xp, "sgd", epochs=30, callbacks=[stop], batch_size=4)
    assert stop.best_weights and all(namespace(P) is xp for P in stop.best_weights.values())
    reference_stop = EarlyStopping(patience=1, monitor="val_cost")
    reference, _ = train(None, "sgd", epochs=30, callbacks=[reference_stop], batch_size=4)
    assert stop.best_epoch == reference_stop.best_epoch
    np.testing.assert_allclose(to_numpy(trainer.network.W[1]), reference.network.W[1], rtol=1e-10)


def test_a_checkpoint_resumes_a_run_exactly(xp, tmp_path):
    """Save the state of a run on ``xp`` to a file mid-epoch (numpy arrays inside), load it into
    a fresh trainer on ``xp``: the run ends where the uninterrupted one does."""
    from deltaprop import io
    from deltaprop.model import Model
    from deltaprop.training import Adam, Trainer, TrainingInterrupted

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((4, 60)), rng.integers(0, 3, 60)

    def trainer():
        net = Network([4, 8, 3], seed=1, xp=xp)
        return Trainer(net, Adam(lr=0.01), epochs=3, batch_size=8, seed=5, dropout=0.2)

    full = trainer()
    full.fit(X, y)
    first = interrupt_after(trainer(), 10)
    with pytest.raises(TrainingInterrupted):
        first.fit(X, y)
    path = io.save_checkpoint(tmp_path / "run.npz", Model(first.network), first)
    model, scalars, arrays, _ = io.load_checkpoint(path)
    second = trainer()
    second.network.load_parameters(dict(model.network.parameters()))
    second.load_state_dict(scalars, arrays)
    second.fit(X, y)
    for name, P in full.network.parameters():
        np.testing.assert_array_equal(
            to_numpy(P), to_numpy(dict(second.network.parameters())[name])
        )
    assert full.history.cost == second.history.cost


def test_a_divergence_found_late_is_reported_at_its_own_step(xp, monkeypatch):
    """Other libraries read the steps' costs back in one go (per epoch, or every READ_BACK_EVERY
    steps): a divergence found there must name the same step, keep the same weights and the
    same history as numpy, which checks every step at once."""
    from deltaprop.training import GradientDescent, Trainer, TrainingDiverged, loop

    def run(xp):
        rng = np.random.default_rng(0)
        X = rng.standard_normal((2, 40))
        net = Network([2, 16, 1], hidden="tanh", output="identity", seed=0, xp=xp)
        trainer = Trainer(net, GradientDescent(lr=50.0), epochs=50, batch_size=4)
        with pytest.raises(TrainingDiverged) as raised:
            trainer.fit(X, X.sum(axis=0, keepdims=True))
        return str(raised.value), trainer

    expected, reference = run(None)
    assert "in epoch 6 (step 9)" in expected  # mid-epoch, so the step number means something
    for every in (loop.READ_BACK_EVERY, 3):
        monkeypatch.setattr(loop, "READ_BACK_EVERY", every)
        message, trainer = run(xp)
        assert message == expected
        assert trainer.history.cost == pytest.approx(reference.history.cost, rel=1e-12)
        for name, P in reference.network.parameters():
            np.testing.assert_allclose(to_numpy(dict(trainer.network.parameters())[name]), P)


def device_traffic(run, monkeypatch) -> tuple[int, int]:
    """(reads, transfers) of ``run()`` on PyTorch: how many times it reads values back to the
    host (``float``, ``int``, ``bool`` or ``.item()`` of a tensor, tensors turned into numpy)
    and sends host arrays to the network's device. On a GPU each of them waits for every
    kernel launched before it."""
    import torch

    counts = {"to host": 0, "to device": 0}
    for owner, method, way in (
        (torch.Tensor, "numpy", "to host"),
        (torch.Tensor, "__array__", "to host"),
        (Network, "_on_device", "to device"),
    ):
        original = getattr(owner, method)

        def counted(*args, original=original, way=way, **kwargs):
            counts[way] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, method, counted)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        run()
    monkeypatch.undo()
    scalars = [e.count for e in profile.key_averages() if e.key == "aten::_local_scalar_dense"]
    return sum(scalars) + counts["to host"], counts["to device"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_training_step_never_waits_for_the_device(optimizer, monkeypatch):
    """Cost, accuracy, sample weights, L2, clipping and dropout masks never make a step wait
    for the device, so a GPU never idles while the host waits: the reads back to the host and
    the transfers to the device are per epoch and do not grow with the number of steps."""
    pytest.importorskip("torch")
    xp = resolve("torch")[0]
    traffic = {
        b: device_traffic(lambda b=b: train(xp, optimizer, batch_size=b, dropout=0.3), monkeypatch)
        for b in (25, 5)
    }
    (reads_2, sent_2), (reads_10, sent_10) = traffic[25], traffic[5]
    assert reads_2 > 0 and sent_2 > 0  # the per-epoch ones are counted: the check can see one
    assert reads_10 == reads_2, f"{reads_10 - reads_2} more reads for 24 more steps"
    assert sent_10 == sent_2, f"{sent_10 - sent_2} more transfers for 24 more steps"


@pytest.mark.parametrize("layout", ["rows.T", "columns"])
def test_data_on_the_device_never_go_through_the_host(layout, monkeypatch):
    """X and Y already on the device are laid out as rows there (a copy on the device, none at
    all for X given as rows.T): a round trip through host memory would cost a GPU more than
    an epoch of a small network."""
    torch = pytest.importorskip("torch")
    from deltaprop.training import GradientDescent, Trainer

    rng = np.random.default_rng(0)
    rows = torch.from_numpy(rng.standard_normal((40, 3)))
    X = rows.T if layout == "rows.T" else torch.from_numpy(rng.standard_normal((3, 40)))
    y = torch.from_numpy(rng.integers(0, 2, 40))
    net = Network([3, 4, 2], seed=0, xp="torch")
    trainer = Trainer(net, GradientDescent(0.1), epochs=2, batch_size=10, seed=0)
    _, sent = device_traffic(lambda: trainer.fit(X, y), monkeypatch)
    assert sent == 2  # the permutation of each epoch, and nothing else (X and Y were 2 more)
    numpy_net = Network([3, 4, 2], seed=0)
    Trainer(numpy_net, GradientDescent(0.1), epochs=2, batch_size=10, seed=0).fit(
        to_numpy(X), to_numpy(y)
    )
    np.testing.assert_allclose(to_numpy(net.W[1]), numpy_net.W[1], rtol=1e-12)


def test_a_run_continued_after_an_interruption_draws_numpy_s_masks(xp):
    """Masks drawn ahead for the device and never used must not be skipped: the same trainer
    fitted again after an interruption continues with the masks numpy would draw."""
    from deltaprop.training import Adam, Trainer, TrainingInterrupted

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((4, 60)), rng.integers(0, 3, 60)

    def interrupted_and_continued(xp):
        net = Network([4, 8, 3], seed=1, xp=xp)
        trainer = interrupt_after(
            Trainer(net, Adam(lr=0.01), epochs=2, batch_size=8, dropout=0.2), 3
        )
        with pytest.raises(TrainingInterrupted):
            trainer.fit(X, y)
        trainer.stop_reason = None
        trainer.fit(X, y)
        return trainer

    trainer, reference = interrupted_and_continued(xp), interrupted_and_continued(None)
    assert trainer.history.cost == pytest.approx(reference.history.cost, rel=1e-12)
    for name, P in reference.network.parameters():
        np.testing.assert_allclose(to_numpy(dict(trainer.network.parameters())[name]), P)


def test_the_command_line_trains_on_a_device(monkeypatch, tmp_path, capsys):
    """``deltaprop train --device cuda`` end to end, with "cuda" standing for PyTorch's CPU here
    (no GPU in the test suite): the model file is numpy and predicts what the run reported."""
    pytest.importorskip("torch")
    from deltaprop import cli, io
    from deltaprop.core import network

    def cuda_is_torch_here(xp=None, device=None):
        return resolve("torch") if device == "cuda" else resolve(xp, device)

    monkeypatch.setattr(network, "resolve", cuda_is_torch_here)
    out = tmp_path / "model.npz"
    args = ["train", "--data", "iris", "--epochs", "20", "--device", "cuda", "--out", str(out)]
    assert cli.main([*args, "--quiet"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert io.load(out).network.xp is np


def test_devices_that_cannot_be_used_are_one_line_errors(capsys):
    from deltaprop import cli

    assert cli.main(["train", "--device", "gpu", "--epochs", "1"]) == 2
    assert "unknown device 'gpu'" in capsys.readouterr().err
    assert cli.main(["train", "--distributed", "--device", "cuda"]) == 2
    assert "--distributed trains with numpy" in capsys.readouterr().err


def test_a_cuda_device_without_a_library_means_pytorch_and_is_tried_at_once(monkeypatch):
    """``device="cuda:N"`` alone picks PyTorch (before CuPy, when both are installed) and is
    tried when it is named: a GPU that is not there is an InputError naming PyTorch, not an
    'unknown device' nor a failure at the first array."""
    pytest.importorskip("torch")
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: object() if name in ("torch", "cupy") else find_spec(name, *args),
    )
    with pytest.raises(InputError, match="device 'cuda:99' is not available to torch"):
        resolve(device="cuda:99")


def test_a_module_without_asarray_is_not_taken_for_an_array_library():
    with pytest.raises(InputError, match="'math'.* is not an array library"):
        resolve("math")


def test_conversions_keep_the_dtype_and_device_asked_for(xp):
    """A numpy dtype is translated for the library, and a named device is where the array goes
    and what ``device_of`` reports (array_api_strict's second device, PyTorch's meta device)."""
    for library in (np, xp):
        x = asarray([[1, 2]], library, dtype=np.dtype("float32"))
        assert namespace(x) is library and x.dtype == library.float32
    device = (
        xp.__array_namespace_info__().devices()[1] if xp.__name__ == "array_api_strict" else "meta"
    )
    x = asarray(np.ones((2, 3)), xp, device=device)
    assert str(device_of(x)) == str(device) != str(device_of(xp.asarray(1.0)))
    assert device_of(np.ones(2)) is None


def test_a_network_on_a_second_device_trains_there():
    """array_api_strict refuses arrays of different devices in one operation, so a device
    dropped anywhere on the way (weights, data, optimizer state) fails here."""
    strict = pytest.importorskip("array_api_strict")
    from deltaprop.training import Trainer, make_optimizer

    device = strict.Device("device1")
    net = Network([2, 3, 2], xp="array_api_strict", device=device, seed=0)
    X, y = np.random.default_rng(0).standard_normal((2, 20)), np.arange(20) % 2
    Trainer(net, epochs=2, optimizer=make_optimizer("adam")).fit(X, y)
    assert all(device_of(P) == device for _, P in net.parameters())


def test_the_estimators_train_on_a_device_with_numpy_in_and_out(monkeypatch):
    """``DeltaClassifier(device="cuda")``, with PyTorch's CPU standing in for the GPU: the same
    fit as on numpy, numpy arrays in and out, and a pickle that round-trips."""
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    import pickle

    from sklearn.datasets import load_iris

    from deltaprop.core import network
    from deltaprop.sklearn import DeltaClassifier

    def cuda_is_torch_here(xp=None, device=None):
        return resolve("torch") if device == "cuda" else resolve(xp, device)

    monkeypatch.setattr(network, "resolve", cuda_is_torch_here)
    X, y = load_iris(return_X_y=True)
    settings = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0, early_stopping=True)
    on_device = DeltaClassifier(device="cuda", **settings).fit(X, y)
    reference = DeltaClassifier(**settings).fit(X, y)
    assert namespace(on_device.network_.W[1]) is resolve("torch")[0]
    assert isinstance(on_device.coefs_[0], np.ndarray)
    for W, W_ref in zip(on_device.coefs_, reference.coefs_, strict=True):
        np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(on_device.predict(X), reference.predict(X))
    assert isinstance(on_device.predict_proba(X), np.ndarray)
    copy = pickle.loads(pickle.dumps(on_device))
    np.testing.assert_array_equal(copy.predict(X), on_device.predict(X))


# --------------------------------------------------------------------------- the core's own tests

CORE_TESTS = ("test_core_network.py", "test_core_gradcheck.py", "test_core_weights_dropout.py")


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_core_test_files_pass_on_the_library(library):
    """The numpy test files of the core, run as they are with every Network on ``library``
    (tests/conftest.py reads DELTAPROP_TEST_XP): gradchecks, stability, bad input, all of it."""
    pytest.importorskip(library)
    tests = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [str(tests / name) for name in CORE_TESTS],
        cwd=tests.parent,
        env={**os.environ, "DELTAPROP_TEST_XP": library},
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "passed" in summary and "failed" not in summary and "skipped" not in summary, summary
