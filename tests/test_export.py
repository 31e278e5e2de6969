"""deltaprop.export: a Model as an ONNX graph, run by onnxruntime, predicts what the Model does."""

import sys
import warnings

import numpy as np
import pytest

from deltaprop import DeltapropWarning, Network, io
from deltaprop.cli import main
from deltaprop.data import PixelScaler, Standardizer, TableEncoder
from deltaprop.model import Model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from deltaprop.export import columns, save_onnx, signature, to_onnx  # noqa: E402

RNG = np.random.default_rng(0)
X_RAW = RNG.normal(loc=[50, -3, 0.5, 1000], scale=[10, 2, 0.1, 300], size=(40, 4))


def run(model: Model, X: np.ndarray) -> dict[str, np.ndarray]:
    """The exported graph of ``model`` run by onnxruntime on rows ``X``: its outputs by name."""
    session = ort.InferenceSession(to_onnx(model).SerializeToString())
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {"X": X}), strict=True))


def tolerance(model: Model) -> float:
    return 1e-6 if model.network.dtype == np.float32 else 1e-12


def trained_like(net: Network) -> Network:
    """``net`` with weights of realistic spread (not the initial ones) and nonzero biases."""
    for l in range(1, net.L + 1):
        net.W[l] = net.W[l] * 3
        net.b[l] = RNG.normal(size=net.b[l].shape).astype(net.dtype)
    return net


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_softmax_classifier_gives_the_models_labels_and_probabilities(hidden, dtype):
    net = trained_like(Network([4, 6, 5, 3], hidden=hidden, seed=1, dtype=dtype))
    model = Model(net, classes=np.array(["setosa", "versicolor", "virginica"]),
                  preprocessor=Standardizer().fit(X_RAW))  # fmt: skip
    out = run(model, X_RAW)
    assert out["label"].tolist() == model.predict(X_RAW).tolist()
    assert len(set(out["label"])) >= 2  # not one class for all: the comparison means something
    np.testing.assert_allclose(
        out["probabilities"], model.predict_proba(X_RAW), atol=tolerance(model)
    )


def test_the_standardizing_is_computed_as_deltaprop_computes_it():
    """In float64, then rounded to float32: the network's inputs are those of Model.columns
    exactly, so a float32 model's outputs agree to a unit of the last place."""
    net = Network([4, 4], output="identity", loss="mse", dtype="float32")
    net.W[1] = np.eye(4, dtype=np.float32)  # the graph's output is its input layer's values
    net.b[1] = np.zeros((4, 1), dtype=np.float32)
    model = Model(net, preprocessor=Standardizer().fit(X_RAW))
    inputs = run(model, X_RAW)["prediction"]
    np.testing.assert_array_equal(inputs, model.columns(X_RAW).T)


@pytest.mark.parametrize(
    "classes", [np.array([0, 1]), np.array(["no", "yes"]), np.array([-1.5, 2.5])]
)
def test_one_sigmoid_unit_gives_two_probabilities_and_the_label_of_either_class(classes):
    net = trained_like(Network([4, 8, 1], output="sigmoid", seed=2))
    model = Model(net, classes=classes, preprocessor=Standardizer().fit(X_RAW))
    out = run(model, X_RAW)
    predicted = model.predict(X_RAW)
    assert out["label"].tolist() == predicted.tolist() and len(set(predicted.tolist())) == 2
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X_RAW), atol=1e-12)


def test_several_sigmoid_units_give_a_0_1_label_each():
    net = trained_like(Network([4, 8, 3], output="sigmoid", seed=3))
    model = Model(net, preprocessor=Standardizer().fit(X_RAW))
    out = run(model, X_RAW)
    labels = model.predict(X_RAW)
    assert out["labels"].dtype == np.int64 and out["labels"].tolist() == labels.tolist()
    assert 0 < labels.mean() < 1
    P = model.network.predict_proba(model.columns(X_RAW)).T
    np.testing.assert_allclose(out["probabilities"], P, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output", ["identity", "relu", "tanh"])
def test_a_regression_model_gives_values_in_the_targets_units(output, dtype):
    """In float64, as Model.predict unscales them, from a float32 network too."""
    net = trained_like(Network([4, 8, 2], output=output, loss="mse", seed=4, dtype=dtype))
    targets = RNG.normal(loc=[300, -20], scale=[50, 4], size=(40, 2))
    model = Model(net, preprocessor=Standardizer().fit(X_RAW),
                  target_scaler=Standardizer().fit(targets))  # fmt: skip
    out = run(model, X_RAW)["prediction"]
    expected = model.predict(X_RAW)
    assert out.dtype == expected.dtype == np.float64
    scaler = model.target_scaler  # compared in standardized units: float32 rounds there
    np.testing.assert_allclose(
        (out - scaler.mean) / scaler.std,
        (expected - scaler.mean) / scaler.std,
        atol=tolerance(model),
    )
    assert out[:, 0].mean() > 100  # in the target's units, not standardized ones


def test_pixels_scaled_as_the_model_scales_them():
    pixels = RNG.integers(0, 256, size=(30, 16)).astype(np.float64)
    net = trained_like(Network([16, 10, 4], seed=5, dtype="float32"))
    model = Model(net, preprocessor=PixelScaler().fit(pixels))
    out = run(model, pixels)
    assert out["label"].tolist() == model.predict(pixels).tolist()
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(pixels), atol=1e-6)


def test_missing_values_are_filled_as_the_table_encoder_fills_them():
    X = X_RAW.copy()
    X[RNG.random(X.shape) < 0.15] = np.nan
    encoder = TableEncoder("median", ["a", "b", "c", "d"])
    encoder.fit(X.astype(object), ["numeric"] * 4)
    net = trained_like(Network([4, 6, 3], seed=6, dtype="float64"))
    model = Model(net, preprocessor=encoder)
    out = run(model, X)
    assert np.isnan(X).any(axis=1).sum() > 10
    assert out["label"].tolist() == model.predict(X.astype(object)).tolist()
    np.testing.assert_allclose(
        out["probabilities"], model.predict_proba(X.astype(object)), atol=1e-12
    )


def text_table_model(impute_text: str) -> tuple[Model, np.ndarray]:
    """A model of a table with two text columns and gaps, and raw rows to predict: cells as
    TableEncoder takes them (text, numbers, None for a gap), with a category never seen."""
    rng = np.random.default_rng(9)
    m = 60
    rows = np.empty((m, 4), dtype=object)
    rows[:, 0] = rng.choice(["red", "green", "blue"], m)
    rows[:, 1] = rng.normal(30, 8, m)
    rows[:, 2] = rng.choice(["S", "C", "Q"], m)
    rows[:, 3] = rng.integers(0, 5, m).astype(float)
    rows[rng.random((m, 4)) < 0.1] = None
    encoder = TableEncoder("median", ["colour", "age", "port", "count"], impute_text=impute_text)
    encoder.fit(rows[:40])
    model = Model(trained_like(Network([encoder.n_x, 7, 3], seed=10)), preprocessor=encoder)
    new = rows[40:].copy()
    new[0, 0], new[1, 2] = "purple", "X"  # not seen in training
    return model, new


def as_inputs(rows: np.ndarray) -> dict[str, np.ndarray]:
    """The graph's inputs for ``rows`` (columns colour, age, port, count)."""
    numbers = np.array([[np.nan if c is None else c for c in row[[1, 3]]] for row in rows], float)
    texts = np.array([["" if c is None else c for c in row[[0, 2]]] for row in rows], object)
    return {"numbers": numbers, "texts": texts}


@pytest.mark.parametrize("impute_text", ["most_frequent", "category"])
def test_a_table_with_text_columns_takes_numbers_and_texts_and_predicts_as_the_model(impute_text):
    """Gaps in both kinds of columns, and texts not seen in training (all zeros)."""
    model, rows = text_table_model(impute_text)
    proto = to_onnx(model)
    assert columns(proto) == "numbers: age, count; texts: colour, port"
    assert signature(proto) == (
        "numbers (N, 2) float64, texts (N, 2) string -> label (N,) int64, probabilities (N, 3) "
        "float64"
    )
    inputs = as_inputs(rows)
    assert np.isnan(inputs["numbers"]).any() and (inputs["texts"] == "").any()
    session = ort.InferenceSession(proto.SerializeToString())
    with pytest.warns(DeltapropWarning, match="not seen in training"):
        expected_labels, expected_P = model.predict(rows), model.predict_proba(rows)
    label, P = session.run(["label", "probabilities"], inputs)
    assert label.tolist() == expected_labels.tolist()
    np.testing.assert_allclose(P, expected_P, atol=1e-12)


def test_the_file_is_written_and_says_what_it_takes_and_gives(tmp_path):
    net = trained_like(Network([4, 5, 3], seed=7, dtype="float32"))
    model = Model(net, classes=np.array([3, 5, 7]), preprocessor=Standardizer().fit(X_RAW))
    proto = save_onnx(model, tmp_path / "m.onnx")
    loaded = onnx.load(tmp_path / "m.onnx")
    onnx.checker.check_model(loaded)
    assert (
        signature(loaded)
        == signature(proto)
        == ("X (N, 4) float64 -> label (N,) int64, probabilities (N, 3) float32")
    )


def test_a_wrong_weight_in_the_graph_is_caught():
    """The comparison can fail: a graph with one weight changed gives other probabilities."""
    net = trained_like(Network([4, 5, 3], seed=8))
    model = Model(net, preprocessor=Standardizer().fit(X_RAW))
    proto = to_onnx(model)
    W1 = next(t for t in proto.graph.initializer if t.name.startswith("W1"))
    changed = onnx.numpy_helper.to_array(W1).copy()
    changed[0, 0] += 0.1
    W1.CopyFrom(onnx.numpy_helper.from_array(changed, W1.name))
    session = ort.InferenceSession(proto.SerializeToString())
    P = session.run(["probabilities"], {"X": X_RAW})[0]
    assert np.abs(P - model.predict_proba(X_RAW)).max() > 1e-6


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_the_onnx_file_beside_the_model_and_it_predicts_as_predict_does(
    tmp_path, capsys
):
    rows = "".join(f"{x[0]:.3f},{x[1]:.3f},{x[2]:.3f},{x[3]:.3f},{'ab'[i % 2]}\n"
                   for i, x in enumerate(X_RAW))  # fmt: skip
    data = tmp_path / "d.csv"
    data.write_text("p,q,r,s,label\n" + rows)
    model_file = tmp_path / "m.npz"
    argv = ["train", "--data", data, "--label", "label", "--epochs", "5", "--quiet"]
    assert cli(capsys, *argv, "--out", model_file)[0] == 0
    code, out, err = cli(capsys, "export", model_file)
    assert code == 0, err
    assert out == (
        f"{tmp_path / 'm.onnx'}: ONNX, opset 17: X (N, 4) float64 -> label (N,) string, "
        "probabilities (N, 2) float32\ncolumns: X: p, q, r, s\n"
    )
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    labels = session.run(["label"], {"X": X_RAW.round(3)})[0]
    predicted = cli(capsys, "predict", model_file, data, "--labels-only")[1].split()
    assert labels.tolist() == predicted[1:]
    model = io.load(model_file)
    assert model.info["features"] == ["p", "q", "r", "s"]


def test_export_errors_are_one_line(tmp_path, capsys, monkeypatch):
    model, _ = text_table_model("most_frequent")
    io.save(model, tmp_path / "t.npz")
    for argv, message in [
        (["export", tmp_path / "none.npz"], "none.npz"),
        (["export", tmp_path / "t.npz", "--out", tmp_path / "no" / "x.onnx"], "does not exist"),
    ]:
        code, out, err = cli(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed
    code, _, err = cli(capsys, "export", tmp_path / "t.npz")
    assert code == 2 and "pip install 'deltaprop[onnx]'" in err, err
    assert not (tmp_path / "t.onnx").exists()


@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel", "regression"])
def test_a_fitted_scikit_learn_estimator_is_exported_as_its_network(kind):
    sklearn = pytest.importorskip("deltaprop.sklearn")
    X = (X_RAW - X_RAW.mean(axis=0)) / X_RAW.std(axis=0)
    if kind == "regression":
        estimator = sklearn.DeltaRegressor(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
        y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    else:
        estimator = sklearn.DeltaClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
        score = X[:, 0] - X[:, 1]
        y = {
            "multiclass": np.digitize(score, [-1, 1]).astype(str),
            "binary": np.where(score > 0, "up", "down"),
            "multilabel": np.column_stack([score > 0, X[:, 2] > X[:, 2].mean()]).astype(int),
        }[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after 30 iterations
        estimator.fit(X, y)
    session = ort.InferenceSession(to_onnx(estimator).SerializeToString())
    outputs = dict(
        zip([o.name for o in session.get_outputs()], session.run(None, {"X": X}), strict=True)
    )
    if kind == "regression":
        np.testing.assert_allclose(outputs["prediction"].ravel(), estimator.predict(X), rtol=1e-10)
        return
    predicted = estimator.predict(X)
    assert len(np.unique(predicted)) >= 2
    labels = outputs["labels"] if kind == "multilabel" else outputs["label"]
    assert labels.tolist() == predicted.tolist()
    np.testing.assert_allclose(outputs["probabilities"], estimator.predict_proba(X), atol=1e-12)


def test_anything_else_is_refused():
    with pytest.raises(TypeError, match="to_onnx takes a deltaprop Model or a fitted"):
        to_onnx(Network([2, 2]))
