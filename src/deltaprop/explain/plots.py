"""Figures of a training run and a trained network, for a report page (matplotlib, optional).

Every function writes one figure to ``path`` -- PNG or PDF, by the suffix -- and returns the
path. Figures are built as ``matplotlib.figure.Figure`` objects, never through pyplot, so no
global backend or figure list is touched (PNG is drawn by Agg) and nothing stays open.
matplotlib is imported only when a figure is drawn; without it, drawing raises ImportError
saying ``pip install 'deltaprop[plots]'``.

Data conventions: a ``Model`` takes raw rows (m, n_x) and labels as ``model.classes`` has them;
a bare ``Network`` takes its own inputs, already preprocessed. ``plot_all`` and the CLI take
data either as a ``Dataset`` (raw rows) or as the engine's pair ``(X, y)``: X (n_x, m) columns
of network inputs and y (m,) class codes 0..k-1, or for a regression model the targets (m,) in
their units -- what ``prepare_data`` returns as the test part.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import DeltapropWarning

FORMATS = ("png", "pdf")
INSTALL_HINT = "pip install 'deltaprop[plots]'"

#: file names written by plot_all for a classifier, without the suffix
NAMES = ("learning_curves", "dead_units", "weights", "confusion_matrix", "decision_boundary")
#: those written for a regression network of one target (of several: predicted_vs_true_NAME,
#: one per target)
REGRESSION_NAMES = ("learning_curves", "dead_units", "weights", "predicted_vs_true")
#: the figures of a classifier, which a regression model skips
CLASSIFIER_FIGURES = ("confusion_matrix", "decision_boundary")


# ---------------------------------------------------------------------- matplotlib


def _figure(width: float, height: float, scale_to: float | None = None):
    """A new Figure (inches) with constrained layout, so titles and labels are never clipped.

    ``scale_to``: the width in inches instead, the height scaled with it -- the size a page
    shows the figure at, so that its text prints at its own point size."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"plots need matplotlib: {INSTALL_HINT}") from None
    if scale_to is not None:
        width, height = scale_to, height * scale_to / width
    return Figure(figsize=(width, height), layout="constrained")


def _save(fig, path) -> Path:
    """Write ``fig`` to ``path`` (PNG at 150 dpi or PDF, by the suffix), atomically, and let it
    go."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"cannot write {path}: the file name must end in .png or .pdf")
    from ..io import replace_atomically

    try:  # the temporary file's name ends in .tmp, so the format is given explicitly
        replace_atomically(path, lambda f: fig.savefig(f, format=fmt, dpi=150))
    finally:
        fig.clear()
    return path


def _layer_colours(n: int) -> list:
    """n distinct colours for n layers: tab10 up to 10, else samples of a colormap (tab10
    repeats after 10, so layers 1 and 11 would look alike)."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](j) for j in range(n)]
    return list(colormaps["viridis"](np.linspace(0, 0.95, n)))


def _legend_beside(ax, title: str, n: int) -> None:
    """A legend to the right of ``ax``, where it covers no curve."""
    ax.legend(
        fontsize=9,
        title=title,
        title_fontsize=9,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0,
        ncols=2 if n > 12 else 1,
    )


def _class_colours(k: int) -> list:
    """k distinguishable colours (tab10, or tab20 for more than 10 classes) as RGBA."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(j % cmap.N) for j in range(k)]


# ---------------------------------------------------------------------- inputs


def _history(history):
    """A History from a History or from its ``to_dict()``."""
    from ..training.history import History

    return history if isinstance(history, History) else History.from_dict(history)


def _series(values, n: int) -> np.ndarray:
    """A list with None for missing values -> (n,) float array with NaN (also where the list
    is shorter, as in a history saved before the field existed)."""
    values = [np.nan if v is None else v for v in values][:n]
    return np.array(values + [np.nan] * (n - len(values)), dtype=float)


def _per_layer(rows) -> np.ndarray:
    """Per-epoch lists of per-layer values (None allowed) -> (epochs, layers) float array."""
    rows = [r for r in rows if r is not None]
    if not rows:
        return np.empty((0, 0))
    width = max(len(r) for r in rows)
    return np.array(
        [[np.nan if v is None else v for v in r] + [np.nan] * (width - len(r)) for r in rows]
    )


def _network(model_or_network):
    """(network, model or None) from a Model or a bare Network."""
    network = getattr(model_or_network, "network", None)
    if network is not None:
        return network, model_or_network
    return model_or_network, None


def _check_classifier(network, what: str) -> None:
    if not _one_class_per_example(network):
        raise ValueError(
            f"{what} needs a classifier with one class per example (softmax, or one sigmoid "
            f"unit); this network has a {network.output} output with {network.n_y} units"
        )


def _n_classes(network) -> int:
    return max(2, network.n_y)


# ---------------------------------------------------------------------- learning curves


def _log_scale_helps(values: np.ndarray) -> bool:
    """True when all values are positive and span more than a factor of 20."""
    finite = values[np.isfinite(values)]
    return finite.size > 1 and finite.min() > 0 and finite.max() / finite.min() > 20


def _plot_pair(ax, epochs, train, val, ylabel: str, best=min, fmt="{:.3g}") -> None:
    """Training (solid) and validation (dashed) curves on ``ax``; a ring on the best validation
    epoch (``best`` is min for a cost, max for an accuracy), named in the legend."""
    marker = "o" if len(epochs) <= 25 else None
    ax.plot(epochs, train, label="training", color="tab:blue", marker=marker, ms=3)
    if np.isfinite(val).any():
        ax.plot(epochs, val, label="validation", color="tab:orange", ls="--", marker=marker, ms=3)
        j = int(np.nanargmin(val) if best is min else np.nanargmax(val))
        ax.plot(
            epochs[j],
            val[j],
            "o",
            color="tab:orange",
            ms=8,
            mfc="none",
            mew=1.5,
            label=f"best validation: {fmt.format(val[j])} (epoch {epochs[j]})",
        )
    _epoch_axis(ax)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def _epoch_axis(ax) -> None:
    """Label the x axis "epoch", with whole-number ticks only."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def learning_curves(history, path, width: float | None = None, cost_label: str = "cost J") -> Path:
    """Training and validation cost (left) and accuracy (right) against the epoch.

    ``history``: a History or its ``to_dict()``. The training values are running means over
    each epoch's mini-batches; the validation values are measured after the epoch. A cost that
    falls by more than a factor of 20 is drawn on a log scale. Regression (no accuracy): the
    cost panel only. ``width``: the figure's width in inches (default 11, or 6 for one panel).
    ``cost_label``: the cost axis's label (``cost_label_of`` says what J is for a model).
    """
    h = _history(history)
    if len(h) == 0:
        raise ValueError("the history is empty: nothing to plot")
    epochs = np.asarray(h.epoch)
    n = len(epochs)
    cost, val_cost = _series(h.cost, n), _series(h.val_cost, n)
    accuracy, val_accuracy = _series(h.accuracy, n), _series(h.val_accuracy, n)
    has_accuracy = np.isfinite(accuracy).any() or np.isfinite(val_accuracy).any()
    fig = _figure(11 if has_accuracy else 6, 4.2, width)
    axes = fig.subplots(1, 2 if has_accuracy else 1, squeeze=False)[0]
    _plot_pair(axes[0], epochs, cost, val_cost, cost_label)
    if _log_scale_helps(np.concatenate([cost, val_cost])):
        axes[0].set_yscale("log")
        axes[0].set_ylabel(f"{cost_label} (log scale)")
    axes[0].legend(loc="upper right", fontsize=9)
    axes[0].set_title("Cost")
    if has_accuracy:
        _plot_pair(axes[1], epochs, accuracy, val_accuracy, "accuracy", best=max, fmt="{:.1%}")
        axes[1].set_ylim(top=1.01)
        axes[1].yaxis.set_major_formatter(_percent())
        axes[1].legend(loc="lower right", fontsize=9)
        axes[1].set_title("Accuracy")
    fig.suptitle(f"Learning curves ({len(h)} epochs)", fontweight="bold")
    return _save(fig, path)


def cost_label_of(model) -> str:
    """The cost axis's label for a Model or Network: "cost J", and for a network trained with
    the mse loss (eq. J3) "cost J (mse)", in the standardized target's units when the model has
    a target scaling. (The history's costs include the L2 penalty of a run that had one.)"""
    network, _ = _network(model)
    if network.loss_name != "mse":
        return "cost J"
    scaled = getattr(model, "target_scaler", None) is not None
    return "cost J (mse, standardized target)" if scaled else "cost J (mse)"


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1, decimals=0)


# ---------------------------------------------------------------------- regression


def predicted_vs_true(y_true, y_pred, path, target: str = "target", width: float | None = None):
    """A regression model's predictions (m,) against the true values (m,), both in the
    target's units, with the line y = x where a perfect model's points would lie; the title
    gives the RMSE and R^2. Equal scales on both axes, so that the spread reads the same."""
    from ..metrics import r2_score, root_mean_squared_error

    t = np.asarray(y_true, dtype=float).reshape(-1)
    p = np.asarray(y_pred, dtype=float).reshape(-1)
    fig = _figure(5.6, 5.4, width)
    ax = fig.subplots()
    ax.scatter(t, p, s=18, alpha=0.65, color="tab:blue", edgecolors="none", label="examples")
    low, high = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    pad = 0.04 * (high - low or 1.0)
    limits = (low - pad, high + pad)
    ax.plot(limits, limits, color="0.35", linewidth=1, linestyle="--", label="y = x (perfect)")
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.set_aspect("equal")
    ax.set_xlabel(f"true {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    rmse, r2 = root_mean_squared_error(t, p), r2_score(t, p)
    ax.set_title(
        f"Predicted against true {target}\nRMSE {rmse:.4g}, R² {r2:.3f} on {len(t)} examples",
        fontsize=11,
    )
    return _save(fig, path)


def _regression_pairs(model_or_network, data) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) values (m, n_y) in the targets' units, from a Dataset (raw rows, its
    label column read as the target) or a pair (X (n_x, m) network inputs, targets (m,) or
    (m, n_y))."""
    network, model = _network(model_or_network)
    if hasattr(data, "X") and hasattr(data, "y"):
        from ..data import numeric_targets

        y_true, rows = numeric_targets(data), np.asarray(data.X)
        y_pred = model.predict(rows) if model is not None else np.asarray(network.predict(rows.T)).T
    else:
        X, y_true = np.asarray(data[0]), np.asarray(data[1], dtype=float)
        y_pred = model.predict_columns(X) if model is not None else np.asarray(network.predict(X)).T
    y_pred = np.asarray(y_pred, dtype=float)
    return y_true.reshape(len(y_pred), -1), y_pred


def _plot_regression(network, model, data, path_for, skipped: list) -> list[Path]:
    """The figures of a regression model beyond the weights: predicted against true values
    (with data) at ``path_for(name)``, one figure per target (``predicted_vs_true_NAME`` for
    several); the classifier's figures go to ``skipped``, with the reason."""
    why = "the model is a regression network; it needs a classifier"
    skipped += [(name, why) for name in CLASSIFIER_FIGURES]
    if data is None:
        skipped.append(("predicted_vs_true", "no data to draw it on"))
        return []
    y_true, y_pred = _regression_pairs(model, data)
    if y_true.shape != y_pred.shape:
        why = f"the model predicts {y_pred.shape[1]} values; the data give {y_true.shape[1]}"
        skipped.append(("predicted_vs_true", why))
        return []
    name = model.info.get("target") if hasattr(model, "info") else None
    if network.n_y == 1:
        path = path_for("predicted_vs_true")
        return [predicted_vs_true(y_true[:, 0], y_pred[:, 0], path, name or "target")]
    names = name if isinstance(name, list) and len(name) == network.n_y else None
    names = names or [f"y{k}" for k in range(network.n_y)]
    return [
        predicted_vs_true(y_true[:, k], y_pred[:, k], path_for(f"predicted_vs_true_{_safe(n)}"), n)
        for k, n in enumerate(names)
    ]


def _safe(name: str) -> str:
    """A target's name as part of a file name: letters, digits, '-', '_' and '.' kept, any other
    run of characters made one '_'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._") or "target"


# ---------------------------------------------------------------------- confusion matrix


def confusion_matrix(
    C, class_names, path, normalize: bool = False, width: float | None = None
) -> Path:
    """An annotated heat map of C (k, k): rows are the true classes, columns the predicted ones.

    ``C[i, j]``: number of examples of class i predicted as class j (``deltaprop.metrics.
    confusion_matrix``). ``normalize``: divide each row by its total, so the diagonal shows the
    recall of each class. ``width``: the figure's width in inches (default: by the classes).
    """
    C = np.asarray(C)
    k = C.shape[0]
    if C.ndim != 2 or C.shape != (k, k):
        raise ValueError(f"C must be a square (k, k) matrix, got shape {C.shape}")
    names = [str(n) for n in class_names]
    if len(names) != k:
        raise ValueError(f"{len(names)} class names for a {k} x {k} confusion matrix")
    total = C.sum()
    accuracy = np.trace(C) / total if total else float("nan")
    shown = C / np.maximum(C.sum(axis=1, keepdims=True), 1) if normalize else C
    side = min(11.0, max(4.2, 0.42 * k + 2.4))
    fig = _figure(side + 0.9, side, width)
    ax = fig.subplots()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(shown.max(), 1))
    fig.colorbar(
        image, ax=ax, shrink=0.8, label="fraction of the true class" if normalize else "examples"
    )
    _annotate_cells(ax, shown, normalize)
    ax.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 3 else 0,
        ha="right" if max(map(len, names)) > 3 else "center",
    )
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    kind = "row-normalised" if normalize else "counts"
    ax.set_title(
        f"Confusion matrix, {kind}\naccuracy {accuracy:.1%} on {int(total)} examples", fontsize=11
    )
    return _save(fig, path)


def _annotate_cells(ax, shown: np.ndarray, normalize: bool) -> None:
    """Write each cell's value in it (white on dark cells); skipped for more than 30 classes."""
    k = shown.shape[0]
    if k > 30:
        return
    size = 10 if k <= 10 else 8 if k <= 20 else 6
    top = shown.max() if shown.max() > 0 else 1
    for i in range(k):
        for j in range(k):
            value = shown[i, j]
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            if not normalize and value == 0:
                text = "·"
            colour = "white" if value > 0.55 * top else "0.15"
            ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=size)


# ---------------------------------------------------------------------- decision boundary


def _grid(X_rows: np.ndarray, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(xx, yy), each (n, n): a grid over the data's bounding box plus a 10% margin."""
    low, high = X_rows.min(axis=0), X_rows.max(axis=0)
    margin = np.where(high > low, 0.1 * (high - low), 0.5)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], n)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], n)
    return np.meshgrid(xs, ys)


def _predictor(network, model, preprocess):
    """A function rows (k, 2) -> predicted class codes (k,)."""
    if model is not None and preprocess is not None:
        raise ValueError(
            "a Model preprocesses with its own preprocessor; preprocess is for a bare Network"
        )
    if model is not None:
        to_columns = model.columns
    elif preprocess is not None:
        to_columns = preprocess
    else:
        to_columns = np.transpose
    return lambda rows: np.asarray(network.predict(to_columns(rows))).reshape(-1)


def _codes(y, model) -> np.ndarray:
    """Labels -> codes 0..k-1: through model.classes for a Model, else y must be the codes."""
    if model is not None and model.classes is not None:
        from ..data import LabelEncoder

        return LabelEncoder().fit(np.asarray(model.classes)).transform(np.asarray(y))
    return np.asarray(y).astype(np.int64)


def _plane_rows(X_rows) -> np.ndarray:
    X_rows = np.asarray(X_rows, dtype=float)
    if X_rows.ndim != 2 or X_rows.shape[1] != 2:
        raise ValueError(
            f"a decision boundary needs 2-D data as rows (m, 2), got shape {X_rows.shape}"
        )
    return X_rows


def decision_regions(model_or_network, X_rows, preprocess=None, n: int = 300):
    """(xx, yy, regions), each (n, n): a grid over the bounding box of ``X_rows`` (m, 2) plus a
    10% margin, and the class code predicted at each grid point. Rows and ``preprocess`` as in
    :func:`decision_boundary`."""
    network, model = _network(model_or_network)
    _check_classifier(network, "a decision boundary")
    xx, yy = _grid(_plane_rows(X_rows), n)
    predict = _predictor(network, model, preprocess)
    regions = predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    return xx, yy, regions


def decision_boundary(
    model_or_network,
    X_rows,
    y,
    path,
    preprocess=None,
    class_names=None,
    feature_names=None,
    width: float | None = None,
) -> Path:
    """The predicted class over a grid covering 2-D data (filled regions), with the points on
    top, coloured by their true class; misclassified points are ringed in black.

    ``X_rows`` (m, 2) and ``y`` (m,) are in the model's terms:

    - a ``Model``: raw rows and labels as in ``model.classes``; the grid is preprocessed by the
      model (``model.columns``), so the figure is in the data's own coordinates.
    - a bare ``Network``: rows of the network's inputs (the transpose of its columns X (2, m))
      and class codes 0..k-1; the grid rows are transposed into columns. ``preprocess``, a
      function rows (k, 2) -> columns (n_x, k), can be given instead to draw raw rows.

    ``width``: the figure's width in inches (default: by the data's aspect).
    """
    network, model = _network(model_or_network)
    X_rows = _plane_rows(X_rows)
    codes = _codes(y, model)
    if codes.shape != (X_rows.shape[0],):
        raise ValueError(
            f"y has shape {codes.shape}; expected one label per row, ({X_rows.shape[0]},)"
        )
    xx, yy, regions = decision_regions(model_or_network, X_rows, preprocess)
    correct = _predictor(network, model, preprocess)(X_rows) == codes
    k = _n_classes(network)
    names = _names(model, class_names, k)

    fig = _figure(*_plane_size(xx, yy), width)
    ax = fig.subplots()
    colours = _class_colours(k)
    levels = np.arange(k + 1) - 0.5
    ax.contourf(xx, yy, regions, levels=levels, colors=colours, alpha=0.28)
    ax.contour(xx, yy, regions, levels=levels[1:-1], colors="0.3", linewidths=0.8)
    _scatter_classes(ax, X_rows, codes, correct, colours, names)
    _label_plane(ax, feature_names, model is not None or preprocess is not None)
    fig.legend(loc="outside right upper", fontsize=9, title="true class", title_fontsize=9)
    ax.set_title(
        f"Decision regions (filled) and examples (points)\n"
        f"accuracy {correct.mean():.1%} on these {len(codes)} examples",
        fontsize=11,
    )
    return _save(fig, path)


def _scatter_classes(ax, X_rows, codes, correct, colours, names) -> None:
    """The examples, coloured by true class; the misclassified ones ringed in black."""
    size = 24 if len(codes) <= 600 else 10
    for j, name in enumerate(names):
        on = codes == j
        ax.scatter(*X_rows[on].T, s=size, color=colours[j], ec="white", lw=0.5, label=name)
    if not correct.all():
        wrong = X_rows[~correct]
        label = f"misclassified ({len(wrong)})"
        ax.scatter(*wrong.T, s=size * 2.6, fc="none", ec="black", lw=1.0, label=label)


def _plane_size(xx, yy) -> tuple[float, float]:
    """Figure (width, height) in inches: a plot area of about 5.5 inches, shaped like the data
    so that the plane is about to scale (unless one side is over 3 times the other), plus room
    for the labels, the title and the legend on the right."""
    ratio = np.ptp(yy) / np.ptp(xx)
    if not 1 / 3 <= ratio <= 3:
        ratio = 0.8
    width = min(5.6, 6.0 / ratio)
    return width + 2.6, width * ratio + 1.5


def _label_plane(ax, feature_names, raw: bool) -> None:
    names = list(feature_names) if feature_names is not None else ["x1", "x2"]
    suffix = "" if raw else " (network input)"
    ax.set_xlabel(f"{names[0]}{suffix}")
    ax.set_ylabel(f"{names[1]}{suffix}")


# ---------------------------------------------------------------------- weights


def weight_histograms(network, path, gradients=None) -> Path:
    """One panel per layer l = 1..L with the histogram of the entries of W[l] (n[l], n[l-1]);
    with ``gradients`` (a dict l -> dW[l], e.g. ``network.gradients(X, Y)[0]``), a second row
    with the histograms of dW[l], their counts on a log scale (gradients are heavy-tailed)."""
    network, _ = _network(network)
    L = network.L
    rows = 1 if gradients is None else 2
    fig = _figure(min(3.3 * L + 0.6, 16), 3.1 * rows + 0.7)
    axes = fig.subplots(rows, L, squeeze=False)
    for l in range(1, L + 1):
        _histogram(axes[0, l - 1], network.W[l], f"W[{l}]", "tab:blue", "weight value")
        if gradients is not None:
            ax = axes[1, l - 1]
            _histogram(ax, gradients[l], f"dW[{l}]", "tab:red", "gradient value")
            ax.set_yscale("log")
    axes[0, 0].set_ylabel("number of entries")
    if gradients is not None:
        axes[1, 0].set_ylabel("number of entries (log scale)")
    what = "Weights" if gradients is None else "Weights (top) and their gradients (bottom)"
    sizes = "–".join(map(str, network.sizes))
    fig.suptitle(
        f"{what} per layer — network {sizes}, {network.hidden} hidden, {network.output} output",
        fontweight="bold",
    )
    return _save(fig, path)


def _histogram(ax, M, name: str, colour, xlabel: str) -> None:
    from matplotlib.ticker import MaxNLocator

    values = np.asarray(M, dtype=float).ravel()
    ax.hist(values, bins=min(60, max(10, values.size // 10)), color=colour, alpha=0.8)
    rows, cols = np.shape(M)
    ax.set_title(f"{name}  ({rows} × {cols})", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.text(
        0.97,
        0.95,
        f"mean {values.mean():.2g}\nstd {values.std():.2g}\nnorm {np.linalg.norm(values):.2g}",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.9},
    )
    ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    ax.grid(alpha=0.3)


# ---------------------------------------------------------------------- dead units


def dead_units(history, path) -> Path:
    """Top: the fraction of dead ReLU units (zero for every example of the measured batch) per
    hidden layer against the epoch. Bottom: ||dW[l]||_F per layer l = 1..L, log scale."""
    h = _history(history)
    epochs = np.asarray(h.epoch, dtype=float)
    dead, norms = _per_layer(h.dead_fraction), _per_layer(h.grad_norm)
    if dead.shape[0] not in (0, len(epochs)) or norms.shape[0] not in (0, len(epochs)):
        raise ValueError("the history's dead_fraction or grad_norm is missing for some epochs")
    fig = _figure(8, 6.4)
    top, bottom = fig.subplots(2, 1, sharex=True)
    marker = "o" if len(epochs) <= 25 else None
    relu = [j for j in range(dead.shape[1]) if np.isfinite(dead[:, j]).any()]
    # a layer has the same colour in both panels
    colours = _layer_colours(max(dead.shape[1], norms.shape[1]))
    for j in relu:
        top.plot(epochs, dead[:, j], marker=marker, ms=3, label=f"layer {j + 1}", color=colours[j])
    if relu:
        _legend_beside(top, "hidden layer", len(relu))
    else:
        _note(top, "no ReLU hidden layer: nothing recorded")
    top.set_ylim(-0.03, 1.03)
    top.yaxis.set_major_formatter(_percent())
    top.set_ylabel("dead ReLU units")
    top.set_title("Fraction of ReLU units that output 0 for every example", fontsize=10)
    top.grid(alpha=0.3)
    _plot_norms(bottom, epochs, norms, marker, colours)
    _epoch_axis(bottom)
    fig.suptitle("Dead units and gradient norms", fontweight="bold")
    return _save(fig, path)


def _plot_norms(ax, epochs, norms, marker, colours) -> None:
    positive = norms[np.isfinite(norms) & (norms > 0)]
    if positive.size == 0:
        _note(ax, "no gradient norms recorded" if norms.size == 0 else "all gradients are 0")
    else:
        for j in range(norms.shape[1]):
            ax.plot(
                epochs,
                np.where(norms[:, j] > 0, norms[:, j], np.nan),
                marker=marker,
                ms=3,
                label=f"layer {j + 1}",
                color=colours[j],
            )
        if positive.max() > 10 * positive.min():
            ax.set_yscale("log")
        _legend_beside(ax, "layer", norms.shape[1])
        zeros = _zero_norms(epochs, norms)
        if zeros:  # left out of the lines, so said in words: a line that stops is not a gap
            ax.text(
                0.99,
                0.03,
                f"not drawn, ||dW[l]|| = 0: {zeros}",
                transform=ax.transAxes,
                fontsize=8,
                color="0.3",
                ha="right",
                va="bottom",
                bbox={"facecolor": "white", "edgecolor": "0.8", "alpha": 0.85},
            )
    ax.set_ylabel("||dW[l]||" + (" (log scale)" if ax.get_yscale() == "log" else ""))
    ax.set_title("Norm of each layer's weight gradient (last mini-batch of the epoch)", fontsize=10)
    ax.grid(alpha=0.3, which="both")


def _epoch_ranges(epochs) -> str:
    """[1, 2, 3, 7] -> "epochs 1-3, 7"; more than three runs -> "12 epochs"."""
    runs: list[list[int]] = []
    for e in (int(x) for x in epochs):
        if runs and e == runs[-1][1] + 1:
            runs[-1][1] = e
        else:
            runs.append([e, e])
    if len(runs) > 3:
        return f"{len(epochs)} epochs"
    spans = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    return ("epoch " if len(epochs) == 1 else "epochs ") + ", ".join(spans)


def _zero_norms(epochs, norms) -> str:
    """Which layers had a zero weight gradient in which epochs, layers with the same epochs
    together: "layers 1, 2 (epochs 8-300); layer 3 (epoch 2)"; "" when none had."""
    by_epochs: dict[str, list[int]] = {}
    for j in range(norms.shape[1]):
        zero = epochs[norms[:, j] == 0]
        if zero.size:
            by_epochs.setdefault(_epoch_ranges(zero), []).append(j + 1)
    return "; ".join(
        f"layer{'s' if len(ls) > 1 else ''} {', '.join(map(str, ls))} ({when})"
        for when, ls in by_epochs.items()
    )


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="0.4")


# ---------------------------------------------------------------------- everything


@dataclass
class _Evaluation:
    """Data to draw a model's figures on. ``X`` (n_x, m) network inputs and ``codes`` (m,) for
    the confusion matrix and gradients; ``rows`` (m, n_x), ``labels`` and ``predictor`` (a Model
    or Network) for the decision boundary, in the predictor's terms."""

    X: np.ndarray
    codes: np.ndarray
    rows: np.ndarray
    labels: np.ndarray
    predictor: object
    feature_names: list[str] | None = None


def _evaluation(model_or_network, data) -> _Evaluation:
    """An _Evaluation from a Dataset (raw rows, labels) or an (X (n_x, m), codes (m,)) pair."""
    network, model = _network(model_or_network)
    if hasattr(data, "X") and hasattr(data, "y"):  # a Dataset: raw rows
        names = getattr(data, "feature_names", None)
        rows = np.asarray(data.X)
        if model is not None:
            return _Evaluation(
                model.columns(rows), _codes(data.y, model), rows, data.y, model, names
            )
        from ..data import LabelEncoder

        codes = LabelEncoder().fit(data.y).transform(data.y)
        return _Evaluation(rows.T, codes, rows, codes, network, names)
    X, codes = np.asarray(data[0]), np.asarray(data[1]).astype(np.int64)
    raw = _raw_rows(model, X)
    if raw is not None and model.classes is not None:
        return _Evaluation(X, codes, raw, np.asarray(model.classes)[codes], model)
    return _Evaluation(X, codes, X.T, codes, network)


def _raw_rows(model, X) -> np.ndarray | None:
    """The raw rows (m, n_x) that ``model``'s preprocessor turns into the columns X (n_x, m), for
    a Standardizer or PixelScaler (or none); None when it cannot be undone."""
    if model is None:
        return None
    pre = model.preprocessor
    if pre is None:
        return X.T.astype(float)
    if getattr(pre, "mean", None) is not None and getattr(pre, "std", None) is not None:
        return X.T * pre.std + pre.mean
    if getattr(pre, "maximum", None) is not None:
        return X.T * pre.maximum
    return None


def plot_all(
    out_dir,
    history=None,
    model=None,
    data=None,
    fmt: str = "png",
    class_names=None,
    skipped: list | None = None,
) -> list[Path]:
    """Every figure the inputs allow, written into ``out_dir`` (created if needed):

    - history: ``learning_curves``, ``dead_units``
    - model (a Model or Network): ``weights`` -- with data, also the gradients dW[l] on them
    - model (a classifier) and data: ``confusion_matrix``, and ``decision_boundary`` for 2-D data
    - model (a regression network of one target) and data: ``predicted_vs_true``

    ``data``: a Dataset (raw rows, labels) or the pair (X (n_x, m) network inputs, y (m,) codes),
    e.g. ``(parts.X_test, parts.y_test)``. A Model given the pair draws the boundary in the raw
    coordinates when its preprocessing can be undone. ``class_names`` defaults to
    ``model.classes`` or the codes. Returns the paths written, in order; ``skipped``, a list,
    receives (name, why) for each figure of a model that the inputs do not allow.
    """
    skipped = [] if skipped is None else skipped
    if fmt not in FORMATS:
        raise ValueError(f"format must be png or pdf, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def target(name: str) -> Path:
        return out / f"{name}.{fmt}"

    written = []
    if history is not None and len(_history(history)):
        label = "cost J" if model is None else cost_label_of(model)
        written.append(learning_curves(history, target("learning_curves"), cost_label=label))
        written.append(dead_units(history, target("dead_units")))
    elif model is not None:  # a model saved without its run (from Python, not deltaprop train)
        skipped += [(name, "no training history") for name in ("learning_curves", "dead_units")]
    if model is None:
        return written
    network, _ = _network(model)
    if not network.is_classifier:
        written.append(weight_histograms(network, target("weights")))
        return written + _plot_regression(network, model, data, target, skipped)
    ev = _evaluation(model, data) if data is not None else None
    gradients = None
    if ev is not None and _one_class_per_example(network):
        gradients = network.gradients(ev.X, ev.codes)[0]
    written.append(weight_histograms(network, target("weights"), gradients))
    if gradients is None:  # no data, or not a classifier
        why = (
            "no data to draw it on"
            if ev is None
            else f"it needs a classifier with one class per example; the model has a "
            f"{network.output} output with {network.n_y} units"
        )
        skipped += [(name, why) for name in ("confusion_matrix", "decision_boundary")]
        return written
    from ..metrics import confusion_matrix as counts

    k = _n_classes(network)
    names = _names(model, class_names, k)
    C = counts(ev.codes, np.asarray(network.predict(ev.X)).reshape(-1), k)
    written.append(confusion_matrix(C, names, target("confusion_matrix")))
    if getattr(getattr(model, "preprocessor", None), "categorical", False):
        why = (
            "the data have text columns (one-hot encoded); a boundary is drawn in a plane of 2 "
            "numeric features"
        )
        skipped.append(("decision_boundary", why))
    elif ev.X.shape[0] == 2 and ev.rows.dtype == object:
        skipped.append(("decision_boundary", "the data have missing values"))
    elif ev.X.shape[0] == 2:
        path = target("decision_boundary")
        written.append(
            decision_boundary(ev.predictor, ev.rows, ev.labels, path, None, names, ev.feature_names)
        )
    else:
        why = f"the data have {ev.X.shape[0]} features; a boundary is drawn in a plane of 2"
        skipped.append(("decision_boundary", why))
    return written


def _one_class_per_example(network) -> bool:
    """A classifier that predicts one class per example (not several sigmoid labels)."""
    return network.is_classifier and not (network.output == "sigmoid" and network.n_y > 1)


def _names(model, class_names, k: int) -> list[str]:
    if class_names is None:
        classes = getattr(model, "classes", None)
        class_names = classes if classes is not None else range(k)
    return [str(c) for c in class_names]


# ---------------------------------------------------------------------- the command


def read_run(path):
    """(history or None, model or None) from a model file (.npz, its history in
    ``info["history"]``), a checkpoint (.npz) or a history saved as JSON (``History.to_dict()``,
    possibly under a "history" key)."""
    from .. import io

    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            d = json.loads(path.read_text())
        except (ValueError, RecursionError) as e:  # also not UTF-8, too deep, too long a number
            raise ValueError(f"{path} is not valid JSON ({str(e).splitlines()[0]})") from None
        d = d.get("history", d) if isinstance(d, dict) else d
        if not isinstance(d, dict) or "cost" not in d:
            raise ValueError(f"{path} does not hold a training history (History.to_dict())")
        return _history(d), None
    model, metadata = io.load_any(path)
    if metadata["format"] == io.CHECKPOINT_FORMAT:
        history = metadata["trainer"].get("history")
    else:
        history = model.info.get("history")
    return (_history(history) if history else None), model


def command_data(model, data_spec: str | None, sheet=None, encoding=None):
    """The data to plot a model on: ``data_spec`` (a data set name or path; ``sheet`` and
    ``encoding`` as ``deltaprop evaluate`` takes them), or by default the model's own data set.
    On the data the model was trained on, the held-out test part (rebuilt from the run's
    settings, as ``deltaprop evaluate`` does) as (X_test, y_test); on other data, all of it as a
    Dataset. None when there is nothing to use."""
    from ..experiment import load_for_model, model_test_part, names_trained_data

    settings = model.info.get("settings") or {}
    spec = data_spec or model.info.get("data")
    if spec is None:
        return None
    own = names_trained_data(model, spec) and sheet is None and encoding is None
    if own and settings and (model.classes is not None or settings.get("regression")):
        return model_test_part(model)
    label = settings.get("label") if own else None
    return load_for_model(model, spec, label, sheet=sheet, encoding=encoding)


def plot_command(
    path,
    out_dir,
    fmt: str = "png",
    data_spec: str | None = None,
    skipped: list | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> list[Path]:
    """``deltaprop plot``: every figure for a model file, checkpoint or history JSON at ``path``,
    written into ``out_dir`` as ``fmt`` (png or pdf). With a model, the confusion matrix and (2-D
    data) the decision boundary are drawn on ``data_spec`` or, by default, the test part of the
    model's own data set (``sheet`` and ``encoding``: how ``data_spec`` is read). Returns the
    paths written; ``skipped`` as in plot_all."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be png or pdf, got {fmt!r}")
    history, model = read_run(path)
    if model is None and data_spec is not None:
        raise ValueError(f"{path} is a history without a model; --data needs a model file")
    if data_spec is None and (sheet is not None or encoding is not None):
        raise ValueError("--sheet and --encoding say how to read --data, which is not given")
    data = None
    if model is not None:
        try:
            data = command_data(model, data_spec, sheet, encoding)
        except (OSError, ValueError, ImportError) as e:
            if data_spec is not None:
                raise
            warnings.warn(
                f"could not load the model's data set {model.info.get('data')!r} ({e}); "
                f"plotting without data (give it with --data)",
                DeltapropWarning,
                stacklevel=2,
            )
    if history is None and model is None:
        raise ValueError(f"{path} holds nothing to plot")
    return plot_all(out_dir, history=history, model=model, data=data, fmt=fmt, skipped=skipped)
