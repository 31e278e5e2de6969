"""The evidence in docs/weights_and_dropout.md: its two tables and docs/figures/dropout_gap.png.

    .venv/bin/python docs/make_weights_dropout_figures.py

1. Class weights: minority recall (and what it costs) with and without class_weight="balanced"
   on a 95:5 set, DeltaClassifier, 5 seeds.
2. Dropout: a (256, 256) network over-fits 80 noisy moons; training and test accuracy after
   every epoch, with dropout 0, 0.2 and 0.5, 5 seeds. The figure shows 0 and 0.5.

It prints both tables as Markdown and writes the figure (one to two minutes).
"""

from __future__ import annotations

import platform
import time
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import sklearn
from matplotlib.figure import Figure
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, balanced_accuracy_score, precision_score, recall_score
from threadpoolctl import threadpool_limits

from deltaprop.data import make_moons
from deltaprop.sklearn import DeltaClassifier

FIGURE = Path(__file__).parent / "figures" / "dropout_gap.png"
SEEDS = range(5)
EPOCHS = 300
DROPOUTS = (0.0, 0.2, 0.5)


# --------------------------------------------------------------------------- class weights
def imbalanced(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian classes in 2-D, about 95:5: X (m, 2), y (m,); the minority's
    (class 1) mean is 1.5 away from the majority's in each coordinate."""
    rng = np.random.default_rng(seed)
    y = (rng.random(m) < 0.05).astype(int)
    X = rng.normal(0, 1, (m, 2)) + np.where(y[:, None] == 1, 1.5, 0.0)
    return X, y


def class_weight_table() -> None:
    X, y = imbalanced(2000, 0)
    X_test, y_test = imbalanced(10000, 1)
    print(
        f"95:5 set: {len(y)} training examples ({y.sum()} of the minority), "
        f"{len(y_test)} test examples ({y_test.sum()} of the minority)\n"
    )
    print("| class_weight | minority recall | minority precision | accuracy | balanced accuracy |")
    print("|---|---|---|---|---|")
    for class_weight in (None, "balanced"):
        rows = []
        for seed in SEEDS:
            clf = DeltaClassifier(
                (16,), class_weight=class_weight, learning_rate_init=0.01, random_state=seed
            )
            y_pred = clf.fit(X, y).predict(X_test)
            rows.append(
                [
                    recall_score(y_test, y_pred),
                    precision_score(y_test, y_pred, zero_division=0),
                    accuracy_score(y_test, y_pred),
                    balanced_accuracy_score(y_test, y_pred),
                ]
            )
        rows = np.array(rows)
        cells = [
            f"{mean:.3f} ({low:.3f}-{high:.3f})"
            for mean, low, high in zip(
                rows.mean(axis=0), rows.min(axis=0), rows.max(axis=0), strict=True
            )
        ]
        print(f"| `{class_weight}` | " + " | ".join(cells) + " |")


# --------------------------------------------------------------------------- dropout
def dropout_curves(dropout: float, seed: int, train, test) -> np.ndarray:
    """Training and test accuracy after every epoch, (EPOCHS, 2): one partial_fit per epoch.

    A RandomState (rather than an int) as random_state gives every call fresh seeds for the
    shuffling and the dropout masks, as one long fit would have."""
    clf = DeltaClassifier(
        (256, 256),
        dropout=dropout,
        alpha=0.0,
        batch_size=16,
        learning_rate_init=3e-3,
        random_state=np.random.RandomState(seed),
    )
    curves = np.empty((EPOCHS, 2))
    for epoch in range(EPOCHS):
        clf.partial_fit(train.X, train.y, classes=[0, 1])
        # measured with every unit present, as predict always is
        curves[epoch] = clf.score(train.X, train.y), clf.score(test.X, test.y)
    return curves


def dropout_table_and_figure() -> None:
    train, test = make_moons(m=80, noise=0.35, seed=0), make_moons(m=2000, noise=0.35, seed=1)
    curves = {
        p: np.array([dropout_curves(p, seed, train, test) for seed in SEEDS]) for p in DROPOUTS
    }  # p -> (seeds, EPOCHS, 2)
    print(
        f"\nmoons: {len(train.y)} training and {len(test.y)} test examples, noise 0.35; "
        f"(256, 256) ReLU units, Adam 3e-3, batch 16, alpha 0, {EPOCHS} epochs\n"
    )
    print("| dropout | training accuracy | test accuracy | gap | best test accuracy (epoch) |")
    print("|---|---|---|---|---|")
    for p, c in curves.items():
        train_acc, test_acc = c[:, -1, 0].mean(), c[:, -1, 1].mean()
        mean_test = c[:, :, 1].mean(axis=0)
        best = int(mean_test.argmax())
        print(
            f"| {p} | {train_acc:.3f} | {test_acc:.3f} | {train_acc - test_acc:.3f} | "
            f"{mean_test[best]:.3f} ({best + 1}) |"
        )
    draw(curves)


def draw(curves: dict) -> None:
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    epochs = np.arange(1, EPOCHS + 1)
    styles = {0.0: ("tab:red", "no dropout"), 0.5: ("tab:blue", "dropout 0.5")}
    for p, (colour, name) in styles.items():
        mean = curves[p].mean(axis=0)  # (EPOCHS, 2), over the seeds
        left.plot(epochs, mean[:, 0], color=colour, lw=2, label=f"{name}: training")
        left.plot(epochs, mean[:, 1], color=colour, lw=2, ls="--", label=f"{name}: test")
        gap = curves[p][:, :, 0] - curves[p][:, :, 1]  # (seeds, EPOCHS)
        right.fill_between(epochs, gap.min(axis=0), gap.max(axis=0), color=colour, alpha=0.15)
        right.plot(epochs, gap.mean(axis=0), color=colour, lw=2, label=name)
    left.set(
        title="Accuracy (mean of 5 seeds)",
        xlabel="epoch",
        ylabel="accuracy",
        ylim=(0.68, 1.005),
        xlim=(0, EPOCHS),
    )
    left.legend(loc="lower right", fontsize=9)
    right.set(
        title="Gap: training − test accuracy (mean; band: min to max)",
        xlabel="epoch",
        ylabel="training − test accuracy",
        xlim=(0, EPOCHS),
    )
    right.axhline(0, color="grey", lw=0.8)
    right.legend(loc="upper left", fontsize=9)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle("MLP (256, 256) on 80 noisy moons (noise 0.35); test: 2000 moons", fontsize=12)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=150)
    print(f"\nwrote {FIGURE}")


if __name__ == "__main__":
    started = time.perf_counter()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, matplotlib {matplotlib.__version__}\n"
    )
    with threadpool_limits(1):  # small matrices: one BLAS thread is the fastest
        class_weight_table()
        dropout_table_and_figure()
    print(f"{time.perf_counter() - started:.0f} s")
