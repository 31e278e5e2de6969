"""``deltaprop info``: what a model file or a checkpoint holds, as a user reads it."""

import json

import numpy as np
import pytest

from deltaprop import Network, io
from deltaprop.cli import main
from deltaprop.data import Standardizer
from deltaprop.model import Model


def info(capsys, *args) -> tuple[int, str, str]:
    code = main(["info", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """A model and its checkpoint from ``train``: iris, full batch, early stopping."""
    folder = tmp_path_factory.mktemp("iris")
    model, checkpoint = folder / "iris.npz", folder / "run.npz"
    argv = ["train", "--data", "iris", "--hidden", "8", "--full-batch", "--optimizer", "sgd"]
    argv += ["--dropout", "0.2", "--epochs", "30", "--quiet", "--out", str(model)]
    assert main([*argv, "--checkpoint", str(checkpoint)]) == 0
    return model, checkpoint


def test_a_trained_classifier_is_described_line_by_line(capsys, iris_run):
    model, _ = iris_run
    code, out, err = info(capsys, model)
    assert code == 0 and err == ""
    lines = out.splitlines()
    size = model.stat().st_size
    assert lines[0] == f"{model}: a deltaprop model (format version 1, {size:,} bytes)"
    assert lines[1:4] == [
        "network: 4 -> 8 -> 3 (relu hidden, softmax output, cross_entropy loss), float32",
        "parameters: 67 (40 in layer 1, 27 in layer 2)",  # n[l] (n[l-1] + 1)
        "classes: 3 (setosa, versicolor, virginica)",
    ]
    assert lines[4] == "preprocessing: each of the 4 features standardized (training mean and std)"
    assert lines[5].startswith("data: Fisher's iris flowers")
    # the optimizer's default rate, flags by name, no batch size for a full batch
    assert lines[6] == (
        "settings: optimizer sgd, lr 0.1, full batch, epochs 30, l2 0.1, dropout 0.2, "
        "schedule constant, seed 0"
    )
    accuracy = io.load(model).info["metrics"]["test_accuracy"]
    assert lines[7].startswith(f"metrics: test accuracy {accuracy:.4g}, epochs 30, train cost ")


def test_json_gives_the_same_facts_and_every_setting(capsys, iris_run):
    model, _ = iris_run
    code, out, _ = info(capsys, model, "--json")
    facts = json.loads(out)
    loaded = io.load(model)
    assert code == 0 and facts["kind"] == "model" and facts["task"] == "classification"
    assert sum(facts["parameters"]) == loaded.network.n_parameters()
    assert facts["network"] == loaded.network.config()
    assert facts["settings"] == loaded.info["settings"]  # all of them, None included
    assert facts["metrics"] == loaded.info["metrics"]
    assert "position" not in facts


def checkpoint_at(tmp_path, checkpoint, **trainer):
    """A copy of ``checkpoint`` whose trainer state says ``trainer`` (epoch, batch, ...)."""
    arrays, metadata = io.read(checkpoint, io.CHECKPOINT_FORMAT)
    metadata["trainer"].update(trainer)
    path = tmp_path / "edited.npz"
    io.write_atomic(path, arrays, metadata)
    return path


def test_a_checkpoint_says_where_its_run_stands(capsys, tmp_path, iris_run):
    _, checkpoint = iris_run
    code, out, _ = info(capsys, checkpoint)
    assert code == 0 and "a deltaprop checkpoint" in out.splitlines()[0]
    assert out.splitlines()[-1] == "run: finished (30 of 30 epochs)"
    cases = {
        (12, 0): "run: stopped after epoch 12 of 30; deltaprop train --resume {} continues it",
        (12, 3): "run: stopped inside epoch 13 of 30, after 3 steps; deltaprop train --resume {} "
        "continues it",
    }
    for (epoch, batch), expected in cases.items():
        path = checkpoint_at(tmp_path, checkpoint, epoch=epoch, batch=batch)
        assert info(capsys, path)[1].splitlines()[-1] == expected.format(path)
    stopped = {"EarlyStopping": {"stopped_epoch": 9}}
    path = checkpoint_at(tmp_path, checkpoint, epoch=9, callbacks=stopped)
    assert info(capsys, path)[1].splitlines()[-1] == "run: finished, stopped early at epoch 9"
    code, out, _ = info(capsys, path, "--json")
    assert json.loads(out)["position"] == {
        "epoch": 9,
        "batch": 0,
        "epochs": 30,
        "stopped_early_at": 9,
    }
    damaged = checkpoint_at(tmp_path, checkpoint, epoch="twelve", callbacks=[1])
    code, out, err = info(capsys, damaged)
    assert (code, err) == (0, "") and out.splitlines()[-1] == "run: its position is not recorded"


def test_a_regression_model_names_its_target(capsys, tmp_path):
    net = Network([2, 3, 1], output="identity", seed=0)
    target = Standardizer().fit(np.array([[1.0], [3.0]]))
    io.save(Model(net, info={"target": "price"}, target_scaler=target), tmp_path / "r.npz")
    lines = info(capsys, tmp_path / "r.npz")[1].splitlines()
    assert "format version 2" in lines[0]
    assert lines[2:] == [
        "parameters: 13 (9 in layer 1, 4 in layer 2)",
        "target: price (regression, standardized for training)",
    ]


def test_a_bare_network_saved_from_python_has_no_run_to_describe(capsys, tmp_path):
    io.save(Network([4, 3, 3], output="sigmoid", seed=0), tmp_path / "bare.npz")
    code, out, _ = info(capsys, tmp_path / "bare.npz")
    assert code == 0 and out.splitlines()[1:] == [
        "network: 4 -> 3 -> 3 (relu hidden, sigmoid output, binary_cross_entropy loss), float64",
        "parameters: 27 (15 in layer 1, 12 in layer 2)",
        "outputs: 3 labels, each its own yes or no",
    ]


def test_what_is_not_a_deltaprop_file_is_one_line_and_exit_2(capsys, tmp_path):
    np.savez(tmp_path / "data.npz", X=np.zeros((3, 2)), y=np.zeros(3))
    (tmp_path / "text.npz").write_text("not a zip")
    for name, message in (
        ("missing.npz", "no such file"),
        ("data.npz", "not a deltaprop file (no metadata)"),
        ("text.npz", "not a deltaprop file or is truncated"),
    ):
        code, out, err = info(capsys, tmp_path / name)
        assert (code, out) == (2, "") and len(err.splitlines()) == 1, err
        assert err.startswith("deltaprop: error: ") and message in err


def test_odd_settings_in_a_file_are_shown_as_they_are(capsys, tmp_path):
    """A file's info is JSON anybody may have written: a list where a name should be is shown,
    not a crash (the fuzz tests found this one)."""
    settings = {"optimizer": ["adam"], "lr": None, "epochs": "many", "dropout": [0.0]}
    io.save(Model(Network([2, 2], seed=0), info={"settings": settings}), tmp_path / "m.npz")
    code, out, err = info(capsys, tmp_path / "m.npz")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "settings: optimizer adam, epochs many, dropout 0.0"


def test_a_table_with_text_columns_and_missing_values_says_how_it_is_encoded(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = ["age,sex,port,fare,survived"]
    for i in range(60):
        age = "" if i % 7 == 0 else f"{rng.uniform(1, 80):.0f}"
        rows.append(f"{age},{'mf'[i % 2]},{'SCQ'[i % 3]},{rng.uniform(5, 90):.2f},{i % 2}")
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    model = tmp_path / "t.npz"
    argv = ["train", "--data", tmp_path / "t.csv", "--label", "survived", "--impute", "mean"]
    assert main([*map(str, argv), "--epochs", "2", "--quiet", "--out", str(model)]) == 0
    capsys.readouterr()
    lines = info(capsys, model)[1].splitlines()
    assert "format version 3" in lines[0]
    assert lines[1].startswith("network: 7 -> 128 -> 64 -> 2 ")  # 2 numbers, 2 + 3 categories
    assert lines[4] == (
        "preprocessing: 4 columns into 7 inputs: 2 numeric columns standardized; 2 text columns "
        "one-hot (sex: 2 categories, port: 3); missing values filled with the training mean "
        "(numbers) or most frequent category (text)"
    )
    facts = json.loads(info(capsys, model, "--json")[1])
    assert facts["preprocessing"] == "TableEncoder"
    assert facts["preprocessing_details"] == lines[4].removeprefix("preprocessing: ")


def test_a_metric_a_run_did_not_measure_is_left_out(capsys, tmp_path):
    """Without a validation part the run has no validation accuracy: not "val accuracy None"."""
    model = tmp_path / "m.npz"
    argv = ["train", "--data", "iris", "--hidden", "4", "--epochs", "2", "--validation", "0"]
    assert main([*argv, "--quiet", "--out", str(model)]) == 0
    capsys.readouterr()
    metrics = next(line for line in info(capsys, model)[1].splitlines() if "metrics" in line)
    assert metrics.startswith("metrics: test accuracy ") and ", epochs 2, train cost " in metrics
    assert "val accuracy" not in metrics and "None" not in metrics
