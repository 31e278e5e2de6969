"""deltaprop.explain.plots: every figure is written (PNG and PDF), the decision regions are the
model's predictions, plot_all and plot_command choose what the inputs allow, and the module works
without matplotlib until a figure is drawn."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from deltaprop import data, io
from deltaprop.core import DeltapropWarning, Network
from deltaprop.explain import plots
from deltaprop.model import Model
from deltaprop.training import Adam, Trainer

pytest.importorskip("matplotlib")

PNG, PDF = b"\x89PNG", b"%PDF"


def magic(path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4)


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG header."""
    with open(path, "rb") as f:
        header = f.read(24)
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.fixture(scope="module")
def moons():
    """A small trained moons Model (standardised inputs), its raw data and its History."""
    ds = data.load("moons", m=200, seed=1)
    pre = data.Standardizer().fit(ds.X)
    X = data.to_columns(pre.transform(ds.X, dtype=np.float64))
    net = Network([2, 16, 16, 2], seed=0)
    history = Trainer(net, Adam(lr=0.02), epochs=30, batch_size=32).fit(
        X, ds.y, validation=(X, ds.y)
    )
    return Model(net, np.array([0, 1]), pre), ds, history


def test_every_figure_is_written_with_a_report_size(tmp_path, moons):
    model, ds, history = moons
    net = model.network
    dW, _ = net.gradients(model.columns(ds.X), ds.y)
    C = np.array([[90, 10], [5, 95]])
    written = [
        plots.learning_curves(history, tmp_path / "curves.png"),
        plots.learning_curves(history.to_dict(), tmp_path / "curves_dict.png"),
        plots.confusion_matrix(C, ["a", "b"], tmp_path / "cm.png"),
        plots.confusion_matrix(C, ["a", "b"], tmp_path / "cm_norm.png", normalize=True),
        plots.decision_boundary(model, ds.X, ds.y, tmp_path / "boundary.png"),
        plots.weight_histograms(net, tmp_path / "weights.png"),
        plots.weight_histograms(net, tmp_path / "weights_dW.png", gradients=dW),
        plots.dead_units(history, tmp_path / "dead.png"),
    ]
    for path in written:
        assert path.parent == tmp_path and magic(path) == PNG, path
        width, height = png_size(path)  # 150 dpi: between about 3.3 and 13 inches
        assert 500 <= width <= 2000 and 400 <= height <= 1600, (path.name, width, height)


@pytest.mark.filterwarnings("error")  # a layout that collapses at this width warns
def test_a_width_scales_the_figure_for_a_page(tmp_path, moons):
    """``width`` (inches) sets the figure's width, the height in proportion; 150 dpi PNG. The
    widths are about those the report draws at (two panels of curves need the most)."""
    model, ds, history = moons
    default = png_size(plots.learning_curves(history, tmp_path / "c.png"))
    for width, path in (
        (7, plots.learning_curves(history, tmp_path / "c7.png", width=7)),
        (4, plots.confusion_matrix(np.eye(2, dtype=int), "ab", tmp_path / "m4.png", width=4)),
        (5, plots.decision_boundary(model, ds.X, ds.y, tmp_path / "b5.png", width=5)),
    ):
        assert png_size(path)[0] == pytest.approx(150 * width, abs=2), path.name
    width, height = png_size(tmp_path / "c7.png")
    assert height / width == pytest.approx(default[1] / default[0], rel=0.02)


def test_pdf_by_the_suffix(tmp_path, moons):
    model, ds, history = moons
    assert magic(plots.learning_curves(history, tmp_path / "c.pdf")) == PDF
    assert magic(plots.decision_boundary(model, ds.X, ds.y, tmp_path / "b.PDF")) == PDF


def test_no_pyplot_and_no_open_figures(tmp_path):
    code = (
        "import sys, numpy as np; from deltaprop.explain import plots;"
        f"plots.confusion_matrix(np.eye(3, dtype=int), 'abc', r'{tmp_path / 'c.png'}');"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # no global backend or figure list touched


def test_import_without_matplotlib_and_a_clear_error_when_drawing(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None;"
        "import deltaprop.explain.plots as plots;"
        "\ntry:\n    plots.confusion_matrix([[1, 0], [0, 1]], 'ab', 'x.png')"
        "\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert "pip install 'deltaprop[plots]'" in out.stdout
    assert not (tmp_path / "x.png").exists()


def test_missing_matplotlib_raises_import_error(tmp_path, moons, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'deltaprop\[plots\]'"):
        plots.learning_curves(moons[2], tmp_path / "c.png")


def test_the_decision_regions_are_the_models_predictions(moons):
    model, ds, _ = moons
    xx, yy, regions = plots.decision_regions(model, ds.X, n=40)
    assert xx.shape == yy.shape == regions.shape == (40, 40)
    # the grid covers the data with a margin
    assert xx.min() < ds.X[:, 0].min() and xx.max() > ds.X[:, 0].max()
    assert yy.min() < ds.X[:, 1].min() and yy.max() > ds.X[:, 1].max()
    # regions[i, j] is the class predicted at (xx[i, j], yy[i, j]): x along columns, y along rows
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_array_equal(regions.ravel(), model.predict(grid))
    assert set(np.unique(regions)) == {0, 1}
    # a bare Network given the model's preprocessing draws the same regions
    pre = model.preprocessor
    _, _, bare = plots.decision_regions(
        model.network, ds.X, n=40, preprocess=lambda R: pre.transform(R, dtype=np.float64).T
    )
    np.testing.assert_array_equal(bare, regions)


def test_decision_boundary_refuses_what_it_cannot_draw(tmp_path, moons):
    model, ds, _ = moons
    with pytest.raises(ValueError, match=r"2-D data as rows \(m, 2\)"):
        plots.decision_boundary(model.network, np.zeros((5, 3)), np.zeros(5), tmp_path / "b.png")
    regression = Network([2, 4, 1], output="identity")
    with pytest.raises(ValueError, match="needs a classifier"):
        plots.decision_boundary(regression, ds.X, ds.y, tmp_path / "b.png")
    with pytest.raises(ValueError, match="preprocess is for a bare Network"):
        plots.decision_boundary(model, ds.X, ds.y, tmp_path / "b.png", preprocess=np.transpose)
    with pytest.raises(ValueError, match=r"\.png or \.pdf"):
        plots.decision_boundary(model, ds.X, ds.y, tmp_path / "b.jpg")


def test_decision_boundary_of_a_sigmoid_model_with_text_labels(tmp_path, moons):
    _, ds, _ = moons
    pre = data.Standardizer().fit(ds.X)
    net = Network([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    Trainer(net, Adam(lr=0.05), epochs=20, batch_size=32).fit(
        data.to_columns(pre.transform(ds.X, dtype=np.float64)), ds.y
    )
    model = Model(net, np.array(["lower", "upper"]), pre)
    names = np.array(["lower", "upper"])[ds.y]
    path = plots.decision_boundary(model, ds.X, names, tmp_path / "b.png")
    assert magic(path) == PNG


def test_confusion_matrix_checks_its_input(tmp_path):
    with pytest.raises(ValueError, match="square"):
        plots.confusion_matrix(np.ones((2, 3)), ["a", "b"], tmp_path / "c.png")
    with pytest.raises(ValueError, match="3 class names for a 2 x 2"):
        plots.confusion_matrix(np.ones((2, 2)), ["a", "b", "c"], tmp_path / "c.png")
    many = np.diag(np.arange(1, 41))  # 40 classes: drawn without cell labels
    assert magic(plots.confusion_matrix(many, range(40), tmp_path / "c.png")) == PNG


def test_learning_curves_of_a_regression_history(tmp_path):
    h = {
        "epoch": [1, 2, 3],
        "cost": [3.0, 2.0, 1.5],
        "accuracy": [None] * 3,
        "val_cost": [None] * 3,
        "val_accuracy": [None] * 3,
        "grad_norm": [[1.0, 2.0]] * 3,
        "dead_fraction": [[None]] * 3,
    }
    assert magic(plots.learning_curves(h, tmp_path / "c.png")) == PNG
    assert magic(plots.dead_units(h, tmp_path / "d.png")) == PNG
    with pytest.raises(ValueError, match="empty"):
        plots.learning_curves({"epoch": [], "cost": []}, tmp_path / "e.png")


# ---------------------------------------------------------------------- what the figures draw


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plot functions build, kept instead of written (in the order drawn)."""
    figures = []

    def keep(fig, path):
        figures.append(fig)
        return Path(path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


def line(ax, label):
    (found,) = [ln for ln in ax.lines if ln.get_label() == label]
    return found


def labels(ticks) -> list[str]:
    return [t.get_text() for t in ticks]


CURVES = {
    "epoch": [1, 2, 3, 4],
    "cost": [4.0, 1.0, 0.5, 0.1],  # falls by a factor of 40: a log scale
    "val_cost": [3.0, 0.8, 0.9, None],
    "accuracy": [0.5, 0.7, 0.8],  # saved before the last epoch's value existed
    "val_accuracy": [0.4, 0.9, 0.6, 0.7],
}


def test_learning_curves_draw_the_histories_values_and_ring_the_best_validation_epoch(
    tmp_path, drawn
):
    plots.learning_curves(CURVES, tmp_path / "c.png")
    (fig,) = drawn
    cost, accuracy = fig.axes
    assert [t.get_text() for t in fig.texts] == ["Learning curves (4 epochs)"]
    assert (cost.get_title(), accuracy.get_title()) == ("Cost", "Accuracy")
    assert cost.get_xlabel() == accuracy.get_xlabel() == "epoch"
    np.testing.assert_array_equal(line(cost, "training").get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line(cost, "training").get_ydata(), CURVES["cost"])
    np.testing.assert_array_equal(line(cost, "validation").get_ydata(), [3.0, 0.8, 0.9, np.nan])
    best = line(cost, "best validation: 0.8 (epoch 2)")
    assert (list(best.get_xdata()), list(best.get_ydata())) == ([2], [0.8])
    assert cost.get_yscale() == "log" and cost.get_ylabel() == "cost J (log scale)"
    np.testing.assert_array_equal(line(accuracy, "training").get_ydata(), [0.5, 0.7, 0.8, np.nan])
    np.testing.assert_array_equal(line(accuracy, "validation").get_ydata(), [0.4, 0.9, 0.6, 0.7])
    best = line(accuracy, "best validation: 90.0% (epoch 2)")  # the highest accuracy
    assert list(best.get_xdata()) == [2]
    assert accuracy.get_yscale() == "linear"


def test_learning_curves_of_a_regression_draw_one_linear_cost_panel(tmp_path, drawn):
    """No accuracy: the cost panel alone; a cost that falls by a factor of 6 stays linear."""
    h = {"epoch": [1, 2, 3], "cost": [3.0, 1.0, 0.5], "accuracy": [None] * 3}
    plots.learning_curves(h, tmp_path / "c.png")
    (ax,) = drawn[0].axes
    assert ax.get_title() == "Cost" and ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "cost J"
    assert [ln.get_label() for ln in ax.lines] == ["training"]


C4 = np.array([[5, 1, 0, 0], [2, 6, 2, 0], [0, 0, 4, 1], [0, 1, 0, 3]])  # rows: true classes


def test_confusion_matrix_draws_true_classes_as_rows_and_labels_every_cell(tmp_path, drawn):
    names = ["a", "bb", "c", "d"]
    plots.confusion_matrix(C4, names, tmp_path / "cm.png")
    ax, colorbar = drawn[0].axes
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), C4)
    assert image.get_clim() == (0, 6)  # the colour scale spans the counts
    assert colorbar.get_ylabel() == "examples"
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert labels(ax.get_xticklabels()) == labels(ax.get_yticklabels()) == names
    assert ax.get_title() == "Confusion matrix, counts\naccuracy 72.0% on 25 examples"
    cells = {tuple(t.get_position()): t.get_text() for t in ax.texts}
    assert cells == {
        (j, i): str(C4[i, j]) if C4[i, j] else "·" for i in range(4) for j in range(4)
    }  # text (x, y) = (predicted j, true i)


def test_a_normalised_confusion_matrix_shows_each_true_classs_recall(tmp_path, drawn):
    plots.confusion_matrix(C4, "abcd", tmp_path / "cm.png", normalize=True)
    ax, colorbar = drawn[0].axes
    recall = C4 / C4.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ax.images[0].get_array(), recall)
    assert ax.images[0].get_clim() == (0, 1)
    assert colorbar.get_ylabel() == "fraction of the true class"
    assert ax.get_title().startswith("Confusion matrix, row-normalised\naccuracy 72.0%")
    cells = {tuple(t.get_position()): t.get_text() for t in ax.texts}
    assert cells[(0, 0)] == "0.83" and cells[(2, 1)] == "0.20"


def test_decision_boundary_draws_each_class_and_rings_the_misclassified(tmp_path, drawn):
    """An untrained network gets some examples wrong: they are ringed, and counted."""
    rng = np.random.default_rng(0)
    X_rows = rng.normal(size=(30, 2))
    y = (X_rows[:, 0] > 0).astype(int)
    net = Network([2, 4, 2], seed=0)
    predicted = net.predict(X_rows.T)
    wrong = predicted != y
    assert 0 < wrong.sum() < 30
    plots.decision_boundary(net, X_rows, y, tmp_path / "b.png", class_names=["no", "yes"])
    ax = drawn[0].axes[0]
    assert ax.get_xlabel() == "x1 (network input)" and ax.get_ylabel() == "x2 (network input)"
    assert ax.get_title().endswith(f"accuracy {1 - wrong.mean():.1%} on these 30 examples")
    (regions,) = [c for c in ax.collections if hasattr(c, "levels") and c.filled]
    np.testing.assert_array_equal(regions.levels, [-0.5, 0.5, 1.5])  # one band per class
    points = {c.get_label(): c.get_offsets() for c in ax.collections if not hasattr(c, "levels")}
    assert list(points) == ["no", "yes", f"misclassified ({wrong.sum()})"]
    np.testing.assert_array_equal(points["no"], X_rows[y == 0])
    np.testing.assert_array_equal(points["yes"], X_rows[y == 1])
    np.testing.assert_array_equal(points[f"misclassified ({wrong.sum()})"], X_rows[wrong])
    # given a preprocessing, the rows are the data's own coordinates
    plots.decision_boundary(
        net, X_rows, y, tmp_path / "b.png", preprocess=np.transpose, feature_names=["u", "v"]
    )
    assert (drawn[1].axes[0].get_xlabel(), drawn[1].axes[0].get_ylabel()) == ("u", "v")


def test_weight_histograms_title_each_layer_with_its_shape(tmp_path, drawn):
    net = Network([3, 5, 2], seed=0)
    X, y = np.random.default_rng(0).normal(size=(3, 8)), np.arange(8) % 2
    plots.weight_histograms(net, tmp_path / "w.png", gradients=net.gradients(X, y)[0])
    top, bottom = drawn[0].axes[:2], drawn[0].axes[2:]
    assert [ax.get_title() for ax in top] == ["W[1]  (5 × 3)", "W[2]  (2 × 5)"]
    assert [ax.get_title() for ax in bottom] == ["dW[1]  (5 × 3)", "dW[2]  (2 × 5)"]
    for ax, W in zip(top, (net.W[1], net.W[2]), strict=True):
        assert sum(p.get_height() for p in ax.patches) == W.size  # every entry counted once
        assert ax.get_xlabel() == "weight value" and ax.get_yscale() == "linear"
    assert all(ax.get_yscale() == "log" for ax in bottom)
    assert bottom[0].get_ylabel() == "number of entries (log scale)"


DEAD = {
    "epoch": [1, 2, 3],
    "cost": [1.0, 0.9, 0.8],
    "dead_fraction": [[0.5, None], [0.25, None], [0.0, None]],  # layer 2: not ReLU
    "grad_norm": [[1.0, 100.0, 0.0], [2.0, 50.0, 0.0], [1.5, 20.0, 3.0]],
}


def test_dead_units_draw_each_layer_numbered_from_one(tmp_path, drawn):
    plots.dead_units(DEAD, tmp_path / "d.png")
    top, bottom = drawn[0].axes
    assert [ln.get_label() for ln in top.lines] == ["layer 1"]  # only the ReLU layer
    np.testing.assert_array_equal(top.lines[0].get_ydata(), [0.5, 0.25, 0.0])
    assert [ln.get_label() for ln in bottom.lines] == ["layer 1", "layer 2", "layer 3"]
    np.testing.assert_array_equal(bottom.lines[1].get_ydata(), [100.0, 50.0, 20.0])
    # a norm of 0 has no place on a log scale: left out, not drawn at the bottom
    np.testing.assert_array_equal(bottom.lines[2].get_ydata(), [np.nan, np.nan, 3.0])
    assert bottom.get_yscale() == "log" and bottom.get_ylabel() == "||dW[l]|| (log scale)"
    assert [t.get_text() for t in bottom.texts] == [
        "not drawn, ||dW[l]|| = 0: layer 3 (epochs 1-2)"
    ]
    assert top.lines[0].get_color() == bottom.lines[0].get_color()


def test_zero_gradient_norms_are_said_in_words_by_layer_and_epochs(tmp_path, drawn):
    norms = [[1.0, 2.0, 3.0]] * 2 + [[0.0, 0.0, 3.0]] * 5 + [[0.0, 1.0, 0.0]]
    epochs = list(range(1, 9))
    h = {"epoch": epochs, "cost": [1.0] * 8, "dead_fraction": [[0.5, 0.5]] * 8, "grad_norm": norms}
    plots.dead_units(h, tmp_path / "d.png")
    (text,) = drawn[0].axes[1].texts
    assert text.get_text() == (
        "not drawn, ||dW[l]|| = 0: layer 1 (epochs 3-8); layer 2 (epochs 3-7); layer 3 (epoch 8)"
    )
    assert plots._epoch_ranges([1, 3, 5, 7]) == "4 epochs"
    assert plots._epoch_ranges([2, 3, 9]) == "epochs 2-3, 9"
    h["grad_norm"] = [[1.0, 2.0, 3.0]] * 8
    plots.dead_units(h, tmp_path / "e.png")
    assert list(drawn[1].axes[1].texts) == []


def test_gradient_norms_within_a_factor_of_ten_stay_linear(tmp_path, drawn):
    plots.dead_units({**DEAD, "grad_norm": [[1.0, 2.0]] * 3}, tmp_path / "d.png")
    bottom = drawn[0].axes[1]
    assert bottom.get_yscale() == "linear" and bottom.get_ylabel() == "||dW[l]||"


def test_dead_units_refuse_a_history_with_epochs_missing(tmp_path):
    h = {**DEAD, "dead_fraction": [[0.5], None, [0.1]]}
    with pytest.raises(ValueError, match="missing for some epochs"):
        plots.dead_units(h, tmp_path / "d.png")


# ---------------------------------------------------------------------- plot_all


def names(paths) -> list[str]:
    return [p.name for p in paths]


def test_plot_all_with_everything_on_2d_data(tmp_path, moons):
    model, ds, history = moons
    written = plots.plot_all(tmp_path / "out", history=history, model=model, data=ds)
    assert names(written) == [f"{n}.png" for n in plots.NAMES]
    assert all(p.parent == tmp_path / "out" and magic(p) == PNG for p in written)


def test_plot_all_takes_the_test_part_as_columns_and_codes(tmp_path, moons):
    model, ds, history = moons
    X, y = model.columns(ds.X), ds.y  # what prepare_data gives: (parts.X_test, parts.y_test)
    written = plots.plot_all(tmp_path, history=history, model=model, data=(X, y), fmt="pdf")
    assert names(written) == [f"{n}.pdf" for n in plots.NAMES]
    # the boundary is drawn in the data's own coordinates: the preprocessing is undone
    ev = plots._evaluation(model, (X, y))
    np.testing.assert_allclose(ev.rows, ds.X, atol=1e-12)
    np.testing.assert_array_equal(ev.labels, model.classes[y])


def test_plot_all_without_a_boundary_for_more_than_two_features(tmp_path):
    rng = np.random.default_rng(0)
    y = np.arange(90) % 3
    X = rng.normal(size=(4, 90)) + y  # 4 features, columns
    net = Network([4, 8, 3], seed=0)
    history = Trainer(net, Adam(lr=0.01), epochs=3).fit(X, y)
    written = plots.plot_all(tmp_path, history, net, (X, y), class_names=["a", "b", "c"])
    assert names(written) == [
        "learning_curves.png",
        "dead_units.png",
        "weights.png",
        "confusion_matrix.png",
    ]


def test_plot_all_with_only_some_inputs(tmp_path, moons):
    model, ds, history = moons
    assert names(plots.plot_all(tmp_path, history=history)) == [
        "learning_curves.png",
        "dead_units.png",
    ]
    assert names(plots.plot_all(tmp_path, model=model)) == ["weights.png"]
    regression = Network([2, 4, 1], output="identity")
    assert names(plots.plot_all(tmp_path, model=regression, data=ds)) == [
        "weights.png",
        "predicted_vs_true.png",  # its labels taken as the target
    ]
    assert plots.plot_all(tmp_path) == []
    with pytest.raises(ValueError, match="png or pdf"):
        plots.plot_all(tmp_path, history=history, fmt="svg")


def test_plot_all_draws_the_gradients_and_the_confusion_matrix_of_the_data(tmp_path, drawn):
    """The weights figure's bottom row holds dW[l]; the confusion matrix counts true classes
    (rows) against the network's predictions (columns) on the data given."""
    from deltaprop.metrics import confusion_matrix as counts

    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    X = rng.normal(size=(4, 60)) + y
    net = Network([4, 5, 3], seed=0)
    C = counts(y, net.predict(X), 3)
    assert not np.array_equal(C, C.T)  # so that the orientation shows
    plots.plot_all(tmp_path, model=net, data=(X, y))
    weights, matrix = drawn
    assert [ax.get_title() for ax in weights.axes[2:]] == ["dW[1]  (5 × 4)", "dW[2]  (3 × 5)"]
    np.testing.assert_array_equal(matrix.axes[0].images[0].get_array(), C)
    assert labels(matrix.axes[0].get_yticklabels()) == ["0", "1", "2"]


def test_the_raw_rows_of_scaled_pixels_are_the_data_again():
    pixels = np.array([[0.0, 255.0], [51.0, 102.0], [204.0, 153.0]])
    model = Model(Network([2, 3, 2], seed=0), np.array([0, 1]), data.PixelScaler().fit(pixels))
    X = model.columns(pixels)
    ev = plots._evaluation(model, (X, np.array([0, 1, 1])))
    np.testing.assert_allclose(ev.rows, pixels, rtol=1e-6)


def test_decision_boundary_refuses_labels_that_do_not_match_the_rows(tmp_path):
    net = Network([2, 4, 2], seed=0)
    with pytest.raises(ValueError, match=r"one label per row, \(5,\)"):
        plots.decision_boundary(net, np.zeros((5, 2)), np.zeros(4), tmp_path / "b.png")
    assert not (tmp_path / "b.png").exists()


# ---------------------------------------------------------------------- plot_command


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A moons model file written by ``deltaprop train``."""
    from deltaprop.cli import main

    path = tmp_path_factory.mktemp("run") / "moons.npz"
    argv = ["train", "--data", "moons", "--hidden", "8", "--epochs", "5", "--quiet"]
    assert main([*argv, "--out", str(path)]) == 0
    return path


def test_plot_command_on_a_model_file(tmp_path, trained):
    written = plots.plot_command(trained, tmp_path, "png")
    assert names(written) == [f"{n}.png" for n in plots.NAMES]


def test_plot_command_on_other_data(tmp_path, trained):
    written = plots.plot_command(trained, tmp_path, "pdf", data_spec="circles")
    assert names(written)[-1] == "decision_boundary.pdf"


def test_plot_command_on_a_history_json(tmp_path, trained):
    history = io.load(trained).info["history"]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history))
    assert names(plots.plot_command(path, tmp_path / "a")) == [
        "learning_curves.png",
        "dead_units.png",
    ]
    with pytest.raises(ValueError, match="--data needs a model file"):
        plots.plot_command(path, tmp_path / "b", data_spec="moons")
    path.write_text(json.dumps({"nothing": 1}))
    with pytest.raises(ValueError, match="does not hold a training history"):
        plots.plot_command(path, tmp_path / "c")


@pytest.mark.parametrize(
    "text,reason",
    [
        ("[" * 100_000, "maximum recursion depth exceeded"),
        ('{"cost": [' + "9" * 5000 + "]}", "Exceeds the limit (4300 digits)"),
        ('{"cost": "high"}', "history cost is 'high', not a list of at most 0 entries"),
    ],
)
def test_plot_command_on_a_history_json_it_cannot_read(tmp_path, text, reason):
    """Nesting deeper than the recursion limit raised RecursionError; a number too long for
    Python's int() a ValueError of its own words; a history of the wrong shape reached the
    figures."""
    path = tmp_path / "history.json"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        plots.plot_command(path, tmp_path / "out")
    assert reason in str(error.value) and len(str(error.value).splitlines()) == 1


def test_plot_command_on_a_json_that_holds_the_history_under_a_key(tmp_path, trained):
    """A JSON file such as a run report, ``{"history": History.to_dict(), ...}``."""
    history = io.load(trained).info["history"]
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"history": history, "test_accuracy": 0.9}))
    assert names(plots.plot_command(path, tmp_path / "a")) == [
        "learning_curves.png",
        "dead_units.png",
    ]


def test_a_models_own_data_are_its_held_out_test_part(trained):
    model = io.load(trained)
    X_test, y_test = plots.command_data(model, None)  # the pair, not the whole data set
    assert X_test.shape == (2, len(y_test)) and 0 < len(y_test) < 500
    whole = plots.command_data(model, "moons")  # named as it was trained: the same test part
    np.testing.assert_array_equal(whole[1], y_test)


def test_a_models_own_data_file_named_again_relatively_is_its_test_part(tmp_path, monkeypatch):
    """The model file records its data file's absolute path; naming that file again as it was
    named in training (relative to the folder) still means the held-out test part."""
    from deltaprop.cli import main

    monkeypatch.chdir(tmp_path)
    rows = ["u,v,label"] + [f"{i % 2 * 3 + i % 5 * 0.1},{i % 7},{i % 2}" for i in range(80)]
    Path("my.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", "--data", "my.csv", "--epochs", "2", "--quiet", "--out", "m.npz"]) == 0
    model = io.load("m.npz")
    X_test, y_test = plots.command_data(model, None)
    assert len(y_test) == 20  # the test part of 80 examples
    for spec in ("my.csv", "./my.csv", str(tmp_path / "my.csv")):
        X, y = plots.command_data(model, spec)
        np.testing.assert_array_equal(y, y_test)


def test_plot_command_on_a_checkpoint(tmp_path, moons):
    model, ds, _ = moons
    trainer = Trainer(model.network.copy(), epochs=2)
    trainer.fit(model.columns(ds.X), ds.y)
    path = io.save_checkpoint(tmp_path / "ck.npz", Model(trainer.network), trainer)
    written = plots.plot_command(path, tmp_path / "out")
    assert names(written) == ["learning_curves.png", "dead_units.png", "weights.png"]


def test_plot_command_warns_when_the_models_data_are_gone(tmp_path, moons):
    model, _, history = moons
    info = {"data": str(tmp_path / "gone.csv"), "history": history.to_dict()}
    path = io.save(
        Model(model.network, model.classes, model.preprocessor, info), tmp_path / "m.npz"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written = plots.plot_command(path, tmp_path / "out")
    assert any(issubclass(w.category, DeltapropWarning) for w in caught)
    assert "could not load the model's data set" in str(caught[0].message)
    assert names(written) == ["learning_curves.png", "dead_units.png", "weights.png"]
    with pytest.raises(ValueError):  # data asked for explicitly: an error, not a warning
        plots.plot_command(path, tmp_path / "out", data_spec=str(tmp_path / "gone.csv"))


def test_a_failed_figure_leaves_the_old_file_and_no_temporary(tmp_path, moons, monkeypatch):
    from matplotlib.figure import Figure

    path = tmp_path / "learning_curves.png"
    path.write_bytes(b"old figure")

    def broken_savefig(self, target, **kwargs):
        if hasattr(target, "write"):
            target.write(b"half a PNG")
        else:  # a path: written in place, as savefig(path) does
            Path(target).write_bytes(b"half a PNG")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plots.learning_curves(moons[2], path)
    assert path.read_bytes() == b"old figure"
    assert [p.name for p in tmp_path.iterdir()] == ["learning_curves.png"]


def test_plot_all_says_which_figures_it_skips_and_why(tmp_path, moons):
    model, _, history = moons
    skipped = []
    plots.plot_all(tmp_path, history=history, model=model, skipped=skipped)
    assert skipped == [
        ("confusion_matrix", "no data to draw it on"),
        ("decision_boundary", "no data to draw it on"),
    ]
    skipped = []  # a model saved without its run
    written = plots.plot_all(tmp_path / "bare", model=model, skipped=skipped)
    assert [p.name for p in written] == ["weights.png"]
    assert skipped[:2] == [
        ("learning_curves", "no training history"),
        ("dead_units", "no training history"),
    ]


def test_dead_units_of_many_layers_gives_each_layer_its_colour(tmp_path, monkeypatch):
    from matplotlib.colors import to_rgba

    X = np.random.default_rng(0).normal(size=(3, 40))
    net = Network([3] + [6] * 11 + [2], seed=0)
    history = Trainer(net, Adam(lr=0.01), epochs=3, batch_size=20).fit(X, np.arange(40) % 2)
    drawn = []

    def keep(fig, path):
        drawn.append(fig)
        return path

    monkeypatch.setattr(plots, "_save", keep)
    plots.dead_units(history, tmp_path / "dead_units.png")
    top, bottom = drawn[0].axes
    for ax, layers in ((top, 11), (bottom, 12)):
        colours = {tuple(np.round(to_rgba(line.get_color()), 3)) for line in ax.lines}
        assert len(ax.lines) == layers and len(colours) == layers
        assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1


def test_plot_all_of_a_regression_model_draws_predicted_against_true_values(tmp_path):
    from deltaprop.data import Standardizer
    from deltaprop.model import Model
    from deltaprop.training import Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 60))
    y = 50 + 10 * X[0]
    target = Standardizer().fit(y.reshape(-1, 1))
    net = Network([3, 4, 1], output="identity", seed=0, dtype=np.float64)
    history = Trainer(net, epochs=3).fit(X, (y - target.mean[0]) / target.std[0])
    model = Model(net, info={"target": "price"}, target_scaler=target)
    skipped = []
    written = plots.plot_all(tmp_path, history=history, model=model, data=(X, y), skipped=skipped)
    assert [p.name for p in written] == [f"{n}.png" for n in plots.REGRESSION_NAMES]
    assert [name for name, _ in skipped] == ["confusion_matrix", "decision_boundary"]
    skipped = []
    plots.plot_all(tmp_path / "none", model=model, skipped=skipped)
    assert ("predicted_vs_true", "no data to draw it on") in skipped


def test_the_cost_axis_says_what_J_measures(tmp_path, drawn):
    """Cross-entropy: "cost J"; mse: says so, and that the costs are those of the standardized
    target when the model has a target scaling."""
    from deltaprop.data import Standardizer
    from deltaprop.model import Model

    classifier = Network([2, 3, 2], seed=0)
    regression = Network([2, 3, 1], output="identity", seed=0)
    scaled = Model(regression, target_scaler=Standardizer().fit(np.array([[1.0], [3.0]])))
    assert plots.cost_label_of(classifier) == plots.cost_label_of(Model(classifier)) == "cost J"
    assert plots.cost_label_of(regression) == "cost J (mse)"
    assert plots.cost_label_of(scaled) == "cost J (mse, standardized target)"
    h = {"epoch": [1, 2], "cost": [0.5, 0.4], "accuracy": [None] * 2}
    plots.plot_all(tmp_path, history=h, model=scaled)
    assert drawn[0].axes[0].get_ylabel() == "cost J (mse, standardized target)"
