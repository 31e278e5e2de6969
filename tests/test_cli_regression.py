"""``deltaprop train --regression`` as a user meets it: train, evaluate, predict and plot a
regression model (scikit-learn's diabetes set, and a CSV with a numeric target), predictions in
the target's units, one-line errors for every conflict, and an interrupted run that resumes."""

import json
import os

import numpy as np
import pytest

from deltaprop import io
from deltaprop.experiment import model_test_part

from .test_cli import interrupted, one_line_error, run

pytest.importorskip("sklearn")  # the diabetes set

#: A small, quick run: a few epochs of a narrow network.
SMALL = ["--hidden", "8", "--epochs", "30", "--batch-size", "16", "--lr", "0.01", "--seed", "2"]


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    """(model path, the JSON train printed, train's progress lines) of a small diabetes run."""
    folder = tmp_path_factory.mktemp("diabetes")
    path = folder / "d.npz"
    result = run("train", "--data", "diabetes", "--regression", *SMALL, "--out", path, "--json")
    assert result.returncode == 0, result.stderr
    return path, json.loads(result.stdout), result.stderr


def test_train_reports_rmse_mae_and_r2_in_the_targets_units(diabetes):
    path, summary, progress = diabetes
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    model = io.load(path)
    X_test, y_test = model_test_part(model)
    assert len(y_test) == summary["test_examples"] == 110 and 130 < y_test.mean() < 180
    predicted = model.predict_columns(X_test)[:, 0]
    assert summary["test_rmse"] == pytest.approx(np.sqrt(mean_squared_error(y_test, predicted)))
    assert summary["test_mae"] == pytest.approx(mean_absolute_error(y_test, predicted))
    assert summary["test_r2"] == pytest.approx(r2_score(y_test, predicted))
    assert 0.2 < summary["test_r2"] < 0.8 and summary["test_rmse"] < 70  # it learned something
    assert "test_accuracy" not in summary and "classes" not in summary
    assert model.info["metrics"]["test_rmse"] == summary["test_rmse"]
    # the progress shows costs (of the standardized target), no accuracy
    epochs = [line for line in progress.splitlines() if line.startswith("epoch")]
    assert epochs and all("val_cost" in line and "acc" not in line for line in epochs)
    assert set(model.info["history"]["accuracy"]) == {None}


def test_the_model_predicts_the_networks_scaled_output_times_std_plus_mean(diabetes):
    model = io.load(diabetes[0])
    assert model.info["settings"]["regression"] is True and model.info["target"] == "progression"
    X_rows = np.random.default_rng(0).normal(0, 0.05, (5, 10))
    scaled = model.network.predict(model.columns(X_rows))  # (1, m), standardized units
    expected = scaled.T * model.target_scaler.std + model.target_scaler.mean
    np.testing.assert_allclose(model.predict(X_rows), expected, rtol=1e-6)
    assert model.target_scaler.std[0] > 50  # the diabetes target's std (about 77), not 1


def test_evaluate_gives_the_test_parts_metrics_and_all_of_other_data(diabetes, tmp_path):
    path, summary, _ = diabetes
    evaluated = run("evaluate", path, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["examples"] == 110 and report["target"] == "progression"
    for key in ("rmse", "mae", "r2"):
        assert report[key] == pytest.approx(summary[f"test_{key}"])
    text = run("evaluate", path).stdout.splitlines()
    assert text[0] == "data: diabetes (test part, 110 examples)"
    assert text[2] == f"RMSE: {summary['test_rmse']:.4g}" and text[4].startswith("R^2: ")
    everything = json.loads(run("evaluate", path, "--all", "--json").stdout)
    assert everything["examples"] == 442 and everything["rmse"] != report["rmse"]


def test_predict_writes_values_in_the_targets_units_under_its_name(diabetes, tmp_path):
    path = diabetes[0]
    X_rows = np.random.default_rng(1).normal(0, 0.05, (4, 10))
    new = tmp_path / "new.csv"
    new.write_text("".join(",".join(f"{v:.6f}" for v in row) + "\n" for row in X_rows))
    predicted = run("predict", path, new)
    assert predicted.returncode == 0, predicted.stderr
    header, *rows = predicted.stdout.splitlines()
    assert header == "progression"
    expected = io.load(path).predict(np.loadtxt(new, delimiter=","))[:, 0]
    np.testing.assert_allclose([float(r) for r in rows], expected, rtol=1e-5)


def test_plot_draws_costs_and_predicted_against_true_and_skips_the_classifiers_figures(
    diabetes, tmp_path
):
    result = run("plot", diabetes[0], "--out", tmp_path / "figures")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "figures")) == [
        "dead_units.png",
        "learning_curves.png",
        "predicted_vs_true.png",
        "weights.png",
    ]
    assert result.stderr.splitlines() == [
        f"deltaprop: {name} not drawn: the model is a regression network; it needs a classifier"
        for name in ("confusion_matrix", "decision_boundary")
    ]


@pytest.fixture
def prices(tmp_path):
    """A CSV whose last column, "price", is a real-valued function of the 3 features."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = 100 + 8 * X[:, 0] - 5 * X[:, 1] + rng.normal(0, 0.5, size=120)
    path = tmp_path / "prices.csv"
    rows = "".join(f"{a:.4f},{b:.4f},{c:.4f},{t:.3f}\n" for (a, b, c), t in zip(X, y, strict=True))
    path.write_text("a,b,c,price\n" + rows)
    return path


def test_a_csv_with_a_numeric_target_column(prices, tmp_path):
    model = tmp_path / "p.npz"
    result = run("train", "--data", prices, "--regression", *SMALL, "--out", model, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "a real-valued target ('price')" in result.stdout
    assert "test RMSE: " in result.stdout and "in the target's units" in result.stdout
    r2 = float(result.stdout.split("R^2: ")[1].split()[0])
    assert r2 > 0.8
    other = tmp_path / "other.csv"
    other.write_text(prices.read_text())
    report = json.loads(run("evaluate", model, "--data", other, "--json").stdout)
    assert report["examples"] == 120 and report["target"] == "price"
    features = tmp_path / "features.csv"
    features.write_text("a,b,c\n0,0,0\n1,0,0\n")
    header, zero, one = run("predict", model, features).stdout.splitlines()
    assert header == "price" and 90 < float(zero) < 110 and float(one) > float(zero)
    # another column as the target: by name
    by_name = run("train", "--data", prices, "--regression", "--label", "a", *SMALL, "--quiet")
    assert by_name.returncode == 0 and "('a')" in by_name.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--data", "diabetes", "--regression", "--output", "softmax"],
            "--output softmax gives class scores; --regression predicts values",
        ),
        (
            ["--data", "diabetes", "--regression", "--output", "sigmoid"],
            "--output sigmoid gives class scores; --regression predicts values",
        ),
        (
            ["--data", "diabetes", "--regression", "--class-weight", "balanced"],
            "--class-weight balanced weighs classes, and --regression has none",
        ),
        (
            ["--data", "diabetes", "--regression", "--output", "relu", "--loss", "cross_entropy"],
            "--loss cross_entropy is a classifier's; --regression trains with --loss mse",
        ),
        (
            ["--data", "diabetes"],
            "diabetes is a regression data set (a real-valued target); add --regression",
        ),
        (
            ["--data", "iris", "--output", "identity"],
            "makes a regression network: add --regression to train one",
        ),
        (
            ["--data", "digits", "--regression"],
            "digits is a classification data set (its labels are classes); --regression needs",
        ),
    ],
)
def test_a_task_conflict_is_one_line_and_exit_2(tmp_path, args, message):
    assert message in one_line_error(run("train", *args, "--epochs", "1", "--quiet", cwd=tmp_path))


@pytest.mark.parametrize(
    "value,message",
    [
        ("cheap", "the target column 'price' is not numeric: row 3 holds 'cheap'"),
        ("nan", "the target column 'price' holds nan at row 3; a regression target must be a"),
        ("inf", "the target column 'price' holds inf at row 3"),
    ],
)
def test_a_target_that_is_not_a_finite_number_names_the_column(prices, value, message):
    lines = prices.read_text().splitlines()
    lines[4] = lines[4].rsplit(",", 1)[0] + f",{value}"
    prices.write_text("\n".join(lines) + "\n")
    assert message in one_line_error(run("train", "--data", prices, "--regression", "--quiet"))


def test_evaluate_and_predict_of_other_data_check_its_target(diabetes, tmp_path):
    words = tmp_path / "words.csv"
    words.write_text("".join("0.01," * 10 + f"{w}\n" for w in ("low", "high")))
    assert "the target column is not numeric: row 0 holds 'low'" in one_line_error(
        run("evaluate", diabetes[0], "--data", words)
    )


def test_an_interrupted_regression_run_resumes_to_the_uninterrupted_model(tmp_path):
    train = ["train", "--data", "diabetes", "--regression", "--hidden", "8", "--seed", "4"]
    train += ["--epochs", "400", "--batch-size", "8"]
    full = tmp_path / "full.npz"
    assert run(*train, "--out", full, "--quiet").returncode == 0

    checkpoint, resumed = tmp_path / "ckpt.npz", tmp_path / "resumed.npz"
    returncode, err = interrupted(*train, "--out", resumed, "--checkpoint", checkpoint)
    assert returncode == 130, err
    assert checkpoint.exists() and not resumed.exists()
    saved = io.load_checkpoint(checkpoint)
    assert saved[0].target_scaler is not None and saved[1]["epoch"] < 400

    result = run("train", "--resume", checkpoint, "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = io.load(full), io.load(resumed)
    for (name, P), (_, Q) in zip(a.network.parameters(), b.network.parameters(), strict=True):
        assert np.array_equal(P, Q), name
    assert a.info["metrics"]["test_rmse"] == b.info["metrics"]["test_rmse"]
    np.testing.assert_array_equal(a.target_scaler.mean, b.target_scaler.mean)
