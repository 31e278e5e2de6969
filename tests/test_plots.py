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
    assert names(plots.plot_all(tmp_path, model=regression, data=ds)) == ["weights.png"]
    assert plots.plot_all(tmp_path) == []
    with pytest.raises(ValueError, match="png or pdf"):
        plots.plot_all(tmp_path, history=history, fmt="svg")


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
