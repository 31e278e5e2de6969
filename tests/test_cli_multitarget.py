"""``deltaprop train --regression --label price rent``: several real-valued targets from one
table, as a user meets them: train, evaluate, predict, plot and info, per-target metrics equal to
scikit-learn's, a run that resumes to the uninterrupted model, and one-line errors."""

import json
import os

import numpy as np
import pytest

from deltaprop import data, io
from deltaprop.experiment import model_test_part, prepare_data
from deltaprop.metrics import mean_r2, regression_scores_by_target

from .test_cli import interrupted, one_line_error, run

#: A small, quick run.
SMALL = ["--hidden", "16", "--epochs", "60", "--batch-size", "16", "--lr", "0.01", "--seed", "1"]


def write_houses(path, m=200, seed=0, price_cell=None):
    """A CSV of 3 features and 2 targets that depend on them: price = 3 x1 - x2 + 10 + noise,
    rent = x2^2 + noise (x3 is noise alone); ``price_cell`` replaces the price of row 1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    price = 3 * X[:, 0] - X[:, 1] + 10 + rng.normal(0, 0.1, m)
    rent = X[:, 1] ** 2 + rng.normal(0, 0.1, m)
    lines = ["x1,x2,x3,price,rent"]
    for i, ((a, b, c), p, r) in enumerate(zip(X, price, rent, strict=True)):
        shown = price_cell if i == 1 and price_cell is not None else f"{p:.4f}"
        lines.append(f"{a:.4f},{b:.4f},{c:.4f},{shown},{r:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def houses(tmp_path_factory):
    """(data path, model path, the JSON train printed) of a small two-target run."""
    folder = tmp_path_factory.mktemp("houses")
    path = write_houses(folder / "houses.csv")
    model = folder / "h.npz"
    argv = ["--data", path, "--regression", "--label", "price", "rent", *SMALL, "--out", model]
    result = run("train", *argv, "--json")
    assert result.returncode == 0, result.stderr
    return path, model, json.loads(result.stdout)


def test_train_learns_both_targets_and_reports_each_ones_metrics_as_scikit_learn(houses):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    _, path, summary = houses
    model = io.load(path)
    assert model.network.sizes[-1] == 2 and model.info["target"] == ["price", "rent"]
    assert model.info["settings"]["label"] == ["price", "rent"]
    assert model.target_scaler.mean.shape == (2,)
    X_test, y_test = model_test_part(model)
    assert y_test.shape == (50, 2) and summary["test_examples"] == 50
    predicted = model.predict_columns(X_test)
    targets = summary["test_targets"]
    assert list(targets) == ["price", "rent"]
    rmse = np.sqrt(mean_squared_error(y_test, predicted, multioutput="raw_values"))
    mae = mean_absolute_error(y_test, predicted, multioutput="raw_values")
    r2 = r2_score(y_test, predicted, multioutput="raw_values")
    for j, name in enumerate(targets):
        assert targets[name]["rmse"] == pytest.approx(rmse[j])
        assert targets[name]["mae"] == pytest.approx(mae[j])
        assert targets[name]["r2"] == pytest.approx(r2[j])
        assert targets[name]["r2"] > 0.5  # each target is learned
    assert summary["test_mean_r2"] == pytest.approx(r2_score(y_test, predicted))
    assert "test_rmse" not in summary and "test_accuracy" not in summary
    assert model.info["metrics"]["test_targets"] == targets


def test_per_target_metrics_are_scikit_learns_raw_values():
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    rng = np.random.default_rng(3)
    y = rng.normal(size=(40, 3)) * [1, 10, 100]
    p = y + rng.normal(size=(40, 3)) * [0.5, 2, 90]
    scores = regression_scores_by_target(y, p)
    rmse = np.sqrt(mean_squared_error(y, p, multioutput="raw_values"))
    np.testing.assert_allclose([s["rmse"] for s in scores], rmse)
    np.testing.assert_allclose(
        [s["mae"] for s in scores], mean_absolute_error(y, p, multioutput="raw_values")
    )
    np.testing.assert_allclose([s["r2"] for s in scores], r2_score(y, p, multioutput="raw_values"))
    assert mean_r2(scores) == pytest.approx(r2_score(y, p, multioutput="uniform_average"))
    with pytest.raises(ValueError, match="same shape"):
        regression_scores_by_target(y, p[:, :2])


def test_train_prints_one_line_per_target_and_the_mean_r2(tmp_path):
    path = write_houses(tmp_path / "houses.csv", m=120)
    argv = ["--data", path, "--regression", "--label", "price", "rent", *SMALL, "--quiet"]
    result = run("train", *argv)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "2 real-valued targets ('price', 'rent')" in lines[0]
    assert "-> 2 (relu hidden, identity output)" in lines[1]
    assert lines[2] == "test (30 examples, each target in its units):"
    assert lines[3].startswith("  price: RMSE ") and lines[4].startswith("  rent: RMSE ")
    assert lines[5].startswith("mean R^2 over 2 targets: ")


def test_evaluate_gives_each_targets_metrics_on_the_test_part_and_on_other_data(houses):
    data_path, path, summary = houses
    report = json.loads(run("evaluate", path, "--json").stdout)
    assert report["examples"] == 50 and report["targets"] == summary["test_targets"]
    assert report["mean_r2"] == pytest.approx(summary["test_mean_r2"])
    text = run("evaluate", path).stdout.splitlines()
    assert text[1:3] == ["targets: price, rent", text[2]] and text[2].startswith("price: RMSE ")
    assert text[3].startswith("rent: RMSE ") and text[4].startswith("mean R^2 over 2 targets")
    # other data: all of it, the targets taken by name (the columns in another order)
    rows = [line.split(",") for line in data_path.read_text().splitlines()]
    other = data_path.parent / "reordered.csv"
    other.write_text("\n".join(",".join([r[4], r[3], *r[:3]]) for r in rows) + "\n")
    everything = json.loads(run("evaluate", path, "--data", other, "--json").stdout)
    assert everything["examples"] == 200 and set(everything["targets"]) == {"price", "rent"}
    assert everything["targets"]["price"]["r2"] > 0.5


def test_predict_names_its_columns_after_the_targets(houses, tmp_path):
    data_path, path, _ = houses
    out = tmp_path / "predicted.csv"
    result = run("predict", path, data_path, "--out", out)
    assert result.returncode == 0, result.stderr
    header, *rows = out.read_text().splitlines()
    assert header == "price,rent" and len(rows) == 200
    model = io.load(path)
    X_rows = data.read_csv(data_path, label=["price", "rent"]).X
    np.testing.assert_allclose(
        np.array([[float(v) for v in row.split(",")] for row in rows]),
        model.predict(X_rows),
        rtol=1e-5,
    )


def test_plot_draws_predicted_against_true_for_each_target(houses, tmp_path):
    result = run("plot", houses[1], "--out", tmp_path / "figures")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "figures")) == [
        "dead_units.png",
        "learning_curves.png",
        "predicted_vs_true_price.png",
        "predicted_vs_true_rent.png",
        "weights.png",
    ]


def test_info_names_the_targets(houses):
    result = run("info", houses[1])
    assert result.returncode == 0, result.stderr
    assert "targets: price, rent (regression, standardized for training)" in result.stdout
    metrics = next(line for line in result.stdout.splitlines() if line.startswith("metrics:"))
    assert "price (rmse " in metrics and "test mean r2 " in metrics


def test_targets_given_by_index_without_a_header(tmp_path):
    rows = write_houses(tmp_path / "h.csv", m=120).read_text().splitlines()[1:]
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(rows) + "\n")
    model = tmp_path / "bare.npz"
    argv = ["--data", bare, "--regression", "--label", "3", "-1", *SMALL, "--out", model]
    result = run("train", *argv, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["test_targets"]) == ["y0", "y1"]
    features = tmp_path / "features.csv"
    features.write_text("".join(",".join(row.split(",")[:3]) + "\n" for row in rows))
    predicted = run("predict", model, features)
    assert predicted.returncode == 0, predicted.stderr
    header, *values = predicted.stdout.splitlines()
    assert header == "y0,y1" and len(values) == 120


def test_the_parts_are_the_targets_standardized_on_the_training_part(tmp_path):
    path = write_houses(tmp_path / "h.csv", m=100)
    parts = prepare_data(str(path), label=["price", "rent"], regression=True, seed=3)
    assert parts.y_train.shape == (2, parts.X_train.shape[1])  # columns, as the engine takes
    assert parts.y_val.shape == (2, parts.X_val.shape[1]) and parts.y_test.shape == (25, 2)
    np.testing.assert_allclose(parts.y_train.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(parts.y_train.std(axis=1), 1, atol=1e-4)
    assert parts.X_train.shape[0] == 3 and parts.target_name == ["price", "rent"]
    assert parts.target_scaler.mean[0] == pytest.approx(10, abs=1)  # price, in its units


def test_one_label_is_read_and_recorded_as_before(tmp_path):
    path = write_houses(tmp_path / "h.csv", m=100)
    model = tmp_path / "one.npz"
    result = run("train", "--data", path, "--regression", "--label", "rent", *SMALL, "--out", model)
    assert result.returncode == 0, result.stderr
    info = io.load(model).info
    assert info["settings"]["label"] == "rent" and info["label"] == "rent"
    assert info["target"] == "rent" and io.load(model).network.sizes[-1] == 1
    assert "test_rmse" in info["metrics"] and "test_targets" not in info["metrics"]


def test_an_interrupted_run_of_two_targets_resumes_to_the_uninterrupted_model(tmp_path):
    path = write_houses(tmp_path / "h.csv", m=300)
    train = ["train", "--data", path, "--regression", "--label", "price", "rent"]
    train += ["--hidden", "8", "--seed", "4", "--epochs", "400", "--batch-size", "8"]
    full = tmp_path / "full.npz"
    assert run(*train, "--out", full, "--quiet").returncode == 0

    checkpoint, resumed = tmp_path / "ckpt.npz", tmp_path / "resumed.npz"
    returncode, err = interrupted(*train, "--out", resumed, "--checkpoint", checkpoint)
    assert returncode == 130, err
    saved = io.load_checkpoint(checkpoint)
    assert saved[3]["label"] == ["price", "rent"] and saved[1]["epoch"] < 400

    changed = run("train", "--resume", checkpoint, "--label", "rent", "price")
    assert "--label cannot be changed (saved: price rent)" in one_line_error(changed)
    result = run("train", "--resume", checkpoint, "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = io.load(full), io.load(resumed)
    for (name, P), (_, Q) in zip(a.network.parameters(), b.network.parameters(), strict=True):
        assert np.array_equal(P, Q), name
    assert a.info["metrics"]["test_targets"] == b.info["metrics"]["test_targets"]
    np.testing.assert_array_equal(a.target_scaler.mean, b.target_scaler.mean)


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--label", "price", "rent"],
            "--label price rent: several columns are several targets, which only --regression "
            "predicts; give one label column for a classifier",
        ),
        (["--regression", "--label", "price", "price"], "the target column 'price' is given twice"),
        (["--regression", "--label", "price", "3"], "the target column 'price' is given twice"),
        (
            ["--regression", "--label", "price", "rent", "--ignore", "rent"],
            "the ignored column 'rent' is a target column",
        ),
        (
            ["--regression", "--label", "price", "rent", "--sample-weight", "rent"],
            "the sample-weight column is a target column",
        ),
        (
            ["--regression", "--label", "price", "area"],
            "no column named 'area'; the columns are x1, x2, x3, price, rent",
        ),
    ],
)
def test_conflicting_targets_are_one_line_and_exit_2(tmp_path, args, message):
    path = write_houses(tmp_path / "h.csv", m=40)
    error = one_line_error(run("train", "--data", path, *args, "--epochs", "1", "--quiet"))
    assert error.endswith(message), error


@pytest.mark.parametrize("cell", ["high", ""])
def test_a_target_column_of_text_is_one_line_and_exit_2(tmp_path, cell):
    path = write_houses(tmp_path / "h.csv", m=40, price_cell=cell)
    argv = ["--data", path, "--regression", "--label", "rent", "price", "--epochs", "1"]
    error = one_line_error(run("train", *argv, "--quiet"))
    if cell:
        assert error.endswith(
            "the target column 'price' is not numeric: row 1 holds 'high'; a "
            "regression target must be a number"
        )
    else:
        assert error.endswith(
            "h.csv, line 3, column 'price': a missing value (an empty cell); a regression target "
            "must be a number"
        )


def test_evaluate_checks_the_number_of_targets(houses, tmp_path):
    data_path, path, _ = houses
    assert one_line_error(run("evaluate", path, "--label", "price")).endswith(
        f"--label names 1 target column; {path} predicts 2 values"
    )
    one = tmp_path / "one.npz"
    argv = ["--data", data_path, "--regression", "--label", "rent", "--epochs", "1", "--out", one]
    assert run("train", *argv, "--quiet").returncode == 0
    assert one_line_error(run("evaluate", one, "--label", "price", "rent")).endswith(
        f"--label names 2 target columns; {one} predicts 1 value"
    )
    # the model after --label, which takes several columns: still the model
    assert one_line_error(run("evaluate", "--label", "price", "rent", one)).endswith(
        f"--label names 2 target columns; {one} predicts 1 value"
    )
    by_label = run("evaluate", "--label", "rent", one, "--json")
    assert by_label.returncode == 0, by_label.stderr
    assert json.loads(by_label.stdout)["target"] == "rent"
    assert one_line_error(run("evaluate", "--label", "rent")).endswith(
        "the following arguments are required: model (see deltaprop evaluate --help)"
    )


def test_linnerud_is_bundled_with_three_targets(tmp_path):
    pytest.importorskip("sklearn")
    model = tmp_path / "linnerud.npz"
    argv = ["--data", "linnerud", "--regression", "--hidden", "8", "--epochs", "5"]
    result = run("train", *argv, "--quiet", "--out", model)
    assert result.returncode == 0, result.stderr
    assert "3 real-valued targets (Weight, Waist, Pulse)" in result.stdout
    assert [line.split(":")[0] for line in result.stdout.splitlines()[3:6]] == [
        "  Weight",
        "  Waist",
        "  Pulse",
    ]
    report = json.loads(run("evaluate", model, "--json").stdout)
    assert report["examples"] == 5 and list(report["targets"]) == ["Weight", "Waist", "Pulse"]
    assert "add --regression" in one_line_error(run("train", "--data", "linnerud"))


def test_an_npz_whose_y_has_several_columns_holds_several_targets(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(160, 3))
    Y = np.c_[3 * X[:, 0] - X[:, 1], X[:, 1] ** 2] + rng.normal(0, 0.1, (160, 2))
    np.savez(tmp_path / "two.npz", X=X, y=Y)
    ds = data.load(tmp_path / "two.npz")
    assert ds.task == "regression" and ds.y.shape == (160, 2) and ds.y.dtype == np.float64
    model = tmp_path / "m.npz"
    argv = ["--data", tmp_path / "two.npz", "--regression", *SMALL, "--out", model]
    result = run("train", *argv, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    targets = json.loads(result.stdout)["test_targets"]
    assert list(targets) == ["y0", "y1"] and min(t["r2"] for t in targets.values()) > 0.3
    predicted = run("predict", model, tmp_path / "two.npz")
    assert predicted.stdout.splitlines()[0] == "y0,y1"
    assert one_line_error(run("train", "--data", tmp_path / "two.npz")).endswith(
        "two.npz is a regression data set (real-valued targets); add --regression"
    )
    np.savez(tmp_path / "bad.npz", X=X, y=Y, X_test=X[:5], y_test=Y[:5, 0])
    with pytest.raises(data.DataError, match=r"y_test must be \(m, 2\); got shape \(5,\)"):
        data.load(tmp_path / "bad.npz")
    Y[3, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X=X, y=Y)
    with pytest.raises(data.DataError, match="y holds nan at row 3, target 1"):
        data.load(tmp_path / "nan.npz")
