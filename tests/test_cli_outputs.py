"""Output layers other than softmax from the command line: `deltaprop train` classifies, so a
sigmoid output is one unit for two classes, and a network whose outputs are not class scores is
refused before training rather than reported with an accuracy it cannot have."""

import json

import numpy as np
import pytest

from deltaprop import io

from .test_cli import one_line_error, run


def test_a_sigmoid_output_is_one_unit_for_two_classes(tmp_path):
    model = tmp_path / "sigmoid.npz"
    args = ["--data", "moons", "--hidden", "16", "16", "--epochs", "60", "--out", model]
    trained = run("train", *args, "--output", "sigmoid", "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["test_accuracy"] > 0.95
    assert io.load(model).network.sizes[-1] == 1

    evaluated = run("evaluate", model, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["accuracy"] == pytest.approx(json.loads(trained.stdout)["test_accuracy"])
    assert np.array(report["confusion_matrix"]).sum() == report["examples"] == 125

    csv = tmp_path / "new.csv"
    csv.write_text("0.0,1.0\n1.0,-0.5\n2.0,0.5\n")
    predicted = run("predict", model, csv)
    assert predicted.returncode == 0, predicted.stderr
    header, *rows = predicted.stdout.strip().splitlines()
    assert header == "prediction,p_0,p_1"
    assert [int(row.split(",")[0]) for row in rows] == [0, 1, 1]
    for row in rows:
        assert sum(float(p) for p in row.split(",")[1:]) == pytest.approx(1)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--data", "iris", "--output", "sigmoid"], "the data have 3 classes"),
        (["--data", "moons", "--output", "identity"], "makes a regression network"),
        (["--data", "moons", "--output", "tanh", "--loss", "mse"], "makes a regression network"),
    ],
)
def test_outputs_that_cannot_classify_are_refused(tmp_path, args, message):
    assert message in one_line_error(run("train", *args, "--out", tmp_path / "m.npz"))
    assert not (tmp_path / "m.npz").exists()


def test_evaluate_refuses_a_regression_model_of_several_targets_on_one_target(tmp_path):
    """The data must give as many targets as the model predicts (a model of one is evaluated:
    test_cli_regression; of several: test_cli_multitarget)."""
    from deltaprop.core import Network
    from deltaprop.model import Model

    path = tmp_path / "regression.npz"
    net = Network([2, 3, 2], output="identity", seed=0)
    io.save(Model(net, classes=np.array([0, 1]), info={"data": "moons"}), path)
    assert one_line_error(run("evaluate", path)).endswith(
        "regression.npz predicts 2 values, and the data give 1 target: give the model's target "
        "columns with --label"
    )


def test_evaluate_refuses_several_sigmoid_labels(tmp_path):
    from deltaprop.core import Network

    path = tmp_path / "multilabel.npz"
    io.save(Network([2, 3, 3], output="sigmoid", seed=0), path)
    assert "is not a single-label classifier or a regression model" in one_line_error(
        run("evaluate", path, "--data", "moons")
    )


def test_a_bare_network_saved_from_python_predicts_and_evaluates(tmp_path):
    """io.save(network, path) stores no class labels; its classes are 0..K-1."""
    from deltaprop.core import Network

    path = tmp_path / "bare.npz"
    io.save(Network([2, 8, 2], seed=0), path)
    csv = tmp_path / "new.csv"
    csv.write_text("0.0,1.0\n1.0,-0.5\n")
    predicted = run("predict", path, csv)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.splitlines()[0] == "prediction,p_0,p_1"
    evaluated = run("evaluate", path, "--data", "moons", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["examples"] == 500
