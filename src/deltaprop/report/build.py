"""Build the report: run the experiments, write the generated LaTeX fragments and figures next to
the static sources, and compile with latexmk.

Every number in the PDF comes from this run: the worked example, the shape table (recorded by
the trace), the errata verdicts, the gradient-check table and the results.

Layout of the build folder::

    report.tex                 the prose and the equations (package data)
    generated/*.tex            fragments written here
    figures/*.pdf              figures written here (matplotlib)
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from .. import __version__
from ..core import COMBINATIONS, HIDDEN_ACTIVATIONS, DeltapropWarning, Network, gradcheck
from ..core.activations import RELU_FAMILY
from .latex import number

TEX_PACKAGES = (
    "latexmk texlive-latex-recommended texlive-latex-extra texlive-science "
    "texlive-fonts-recommended lmodern"
)


class ReportError(ValueError):
    """The report cannot be built (missing TeX, a LaTeX error); the message says what to do."""


@dataclass
class BuildResult:
    folder: Path
    pdf: Path | None
    numbers: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- LaTeX helpers


def bmatrix(M: np.ndarray, digits: int = 3) -> str:
    rows = [" & ".join(number(float(v), digits) for v in row) for row in np.atleast_2d(M)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def tex_text(text: str) -> str:
    """Plain text made safe for LaTeX (the characters our names and descriptions use)."""
    for char, escaped in (
        ("\\", r"\textbackslash{}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("$", r"\$"),
    ):
        text = text.replace(char, escaped)
    return text


def macro(name: str, value) -> str:
    return rf"\newcommand{{\{name}}}{{{value}}}"


# ---------------------------------------------------------------------- the fragments


def seed_network_example(m: int = 2):
    """The seed's 3-4-3-2 network with short, hand-followable numbers: weights and biases rounded
    to two decimals, inputs to one, labels [0, 1, ...]. Seed 78 leaves 12 of the 14 hidden
    activations of the two examples positive: the ReLU masks show, yet little is zeroed out."""
    rng = np.random.default_rng(78)
    net = Network([3, 4, 3, 2], hidden="relu", output="softmax", seed=78)
    for l in range(1, net.L + 1):
        net.W[l] = np.round(net.W[l], 2)
        net.b[l] = np.round(rng.normal(0.1, 0.2, net.b[l].shape), 2)
    X = np.round(rng.normal(0, 1, (3, m)), 1)
    y = np.arange(m) % 2
    return net, X, y


def worked_example() -> str:
    net, X, y = seed_network_example()
    m = X.shape[1]
    J = net.cost(X, y)
    dW, db = net.gradients(X, y)
    Y = np.eye(2)[:, y]
    out = [
        rf"The seed's network on $m = {m}$ examples, the columns of $X$, with labels "
        rf"${list(map(int, y))}$, i.e.\ one-hot $Y$. The weights and biases below are chosen "
        r"with two decimals and the inputs with one, so that every product can be checked by hand. "
        r"Every matrix is printed by the code from the same forward and backward pass "
        r"(three significant digits); a reader can redo each line by hand.",
        r"\paragraph{Parameters and data.}",
        r"\[ " + rf"X = \A{{0}} = {bmatrix(X)}, \quad Y = {bmatrix(Y)}" + r" \]",
    ]
    for l in range(1, net.L + 1):
        out.append(
            r"\[ " + rf"\W{{{l}}} = {bmatrix(net.W[l])}, \quad \bb{{{l}}} = "
            rf"{bmatrix(net.b[l])}" + r" \]"
        )
    out.append(r"\paragraph{Forward pass.}")
    for l in range(1, net.L + 1):
        g = net.g[l].name
        out.append(
            r"\[ " + rf"\Z{{{l}}} = \W{{{l}}}\A{{{l - 1}}} + \bb{{{l}}} = "
            rf"{bmatrix(net.Z[l])}, \quad \A{{{l}}} = \text{{{g}}}(\Z{{{l}}}) = "
            rf"{bmatrix(net.A[l])}" + r" \]"
        )
    out.append(rf"The cost~\eqref{{eq:J1}} is $\mathcal{{J}} = {number(J)}$.")
    out.append(r"\paragraph{Backward pass.}")
    L = net.L
    out.append(
        r"\[ " + rf"\dl{{{L}}} = \tfrac{{1}}{{m}}(\A{{{L}}} - Y) = {bmatrix(net.delta[L])}" + r" \]"
    )
    for l in range(L, 0, -1):
        if l < L:
            out.append(
                r"\[ " + rf"\dl{{{l}}} = (\W{{{l + 1}}}\T\dl{{{l + 1}}}) \had "
                rf"\gp{{{l}}}(\Z{{{l}}}) = {bmatrix(net.delta[l])}" + r" \]"
            )
        out.append(
            r"\[ " + rf"d\W{{{l}}} = \dl{{{l}}}\A{{{l - 1}}}\T = {bmatrix(dW[l])}, \quad "
            rf"d\bb{{{l}}} = \dl{{{l}}}\ones_m = {bmatrix(db[l])}" + r" \]"
        )
    error = gradcheck(net, X, y).relative_error
    out.append(
        rf"Central finite differences of $\mathcal{{J}}$ agree with these {net.n_parameters()} "
        rf"gradient entries to a relative error of ${number(error)}$."
    )
    return "\n".join(out) + "\n"


GRADCHECK_M = 5  # examples of the gradient check
EXTENSION_M = 6  # examples of the extensions' check
OUTPUT_SCALE, OUTPUT_SHIFT = 0.1, 1.0  # ReLU output with CE: W[L] *= 0.1, b[L] = |b[L]| + 1
MAX_SAMPLE_WEIGHT = 3.0  # sample weights w_i drawn from [0, 3]
KEEP_PROB = 0.6  # dropout's p


def gradcheck_rows(seed: int = 3, m: int = GRADCHECK_M) -> list[tuple[str, str, str, float]]:
    """(output, loss, hidden, relative error) for every combination the library offers, on the
    seed's 3-4-3-2 network with random weights, biases and inputs, float64."""
    rows = []
    for output, loss in COMBINATIONS:
        for hidden in HIDDEN_ACTIVATIONS:
            rng = np.random.default_rng(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeltapropWarning)
                net = Network([3, 4, 3, 2], hidden=hidden, output=output, loss=loss, seed=seed)
            for l in range(1, net.L + 1):
                net.b[l] = rng.normal(0, 0.5, net.b[l].shape)
            if output == "relu" and loss == "cross_entropy":  # keep A[L] > 0: log A finite
                net.W[net.L] *= OUTPUT_SCALE
                net.b[net.L] = np.abs(net.b[net.L]) + OUTPUT_SHIFT
            X = rng.standard_normal((3, m))
            if loss == "mse" and output not in ("softmax", "sigmoid"):
                Y = rng.standard_normal((2, m))
            elif loss == "binary_cross_entropy":
                Y = rng.integers(0, 2, (2, m))
            else:
                Y = rng.integers(0, 2, m)
            net.forward(X)
            kinks = [np.abs(net.Z[l]).min() for l in net.Z if net.g[l].name in RELU_FAMILY]
            assert min(kinks, default=1.0) > 1e-4, "inputs too close to a ReLU kink"
            rows.append((output, loss, hidden, gradcheck(net, X, Y).relative_error))
    return rows


LOSS_SHORT = {"cross_entropy": "CE", "binary_cross_entropy": "BCE", "mse": "MSE"}


def extension_rows(seed: int = 5, m: int = EXTENSION_M) -> list[tuple[str, float]]:
    """(what, relative error) for the weighted cost (eq. J2) and dropout under a fixed mask
    (eq. D1-D2) on the seed's network with softmax and cross-entropy."""
    rng = np.random.default_rng(seed)
    net = Network([3, 4, 3, 2], hidden="relu", seed=seed)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(0, 0.5, net.b[l].shape)
    X, y = rng.standard_normal((3, m)), rng.integers(0, 2, m)
    weights = rng.uniform(0, MAX_SAMPLE_WEIGHT, m)
    D = net.dropout_masks(rng, keep_prob=KEEP_PROB, m=m)
    return [
        (
            r"sample weights, \eqref{eq:J2}",
            gradcheck(net, X, y, sample_weight=weights).relative_error,
        ),
        (
            r"dropout, fixed mask, \eqref{eq:D1}--\eqref{eq:D2}",
            gradcheck(net, X, y, D=D).relative_error,
        ),
        (r"both", gradcheck(net, X, y, sample_weight=weights, D=D).relative_error),
    ]


def gradcheck_table(rows, extensions=()) -> str:
    hidden = list(HIDDEN_ACTIVATIONS)
    worst = max([r[3] for r in rows] + [e for _, e in extensions])
    lines = [
        r"Every combination of hidden activation, output activation and loss that deltaprop "
        rf"offers, checked on the seed's 3--4--3--2 network ($m = {GRADCHECK_M}$ examples, "
        r"float64, step $\varepsilon = 10^{-6}$) with the library's random initial weights, "
        r"random biases and random inputs; for a ReLU output with cross-entropy the output "
        rf"layer is rescaled, $\W{{L}} \gets {number(OUTPUT_SCALE)}\,\W{{L}}$ and "
        rf"$\bb{{L}} \gets |\bb{{L}}| + {number(OUTPUT_SHIFT)}$, so that every output is "
        r"positive and $\log \A{L}$ finite. Each entry is the relative error "
        r"between \code{Network.gradients} and central finite differences of \code{Network.cost} "
        rf"over all {Network([3, 4, 3, 2]).n_parameters()} parameters. The largest is "
        rf"${number(worst)}$; the test suite requires less than $10^{{-7}}$ here and on random "
        r"depths and widths, and shows that a broken derivative (the seed's $Y - \A{L}$, a "
        r"missing $1/m$, a missing $g'$) fails. \code{deltaprop gradcheck} runs the same check "
        r"on any network one names: its sizes, activations and loss, with an L2 penalty, sample "
        r"weights or a dropout mask.",
        r"\begin{table}[ht]\centering\small\setlength{\tabcolsep}{4pt}",
        r"\caption{Gradient check: relative error for each output activation and loss (rows; CE: "
        r"cross-entropy, BCE: binary cross-entropy, MSE: mean squared error~\eqref{eq:J3}) and "
        r"hidden activation (columns).}\label{tab:gradcheck}",
        r"\begin{tabular}{@{}ll" + "r" * len(hidden) + "@{}}",
        r"\toprule",
        "output & loss & " + " & ".join(tex_text(h) for h in hidden) + r" \\",
        r"\midrule",
    ]
    for output, loss in COMBINATIONS:
        errors = {h: e for o, lo, h, e in rows if o == output and lo == loss}
        cells = " & ".join(f"${number(errors[h])}$" for h in hidden)
        lines.append(rf"{tex_text(output)} & {LOSS_SHORT[loss]} & {cells} \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    if extensions:
        lines += [
            r"Table~\ref{tab:extensions} checks the weighted cost and dropout the same way, on the "
            rf"seed's network with ReLU hidden layers and a softmax output, on $m = {EXTENSION_M}$ "
            r"examples with sample weights $w_i$ drawn uniformly from "
            rf"$[0, {number(MAX_SAMPLE_WEIGHT)}]$ (the example weights of~\eqref{{eq:J2}}, not "
            rf"the weight matrices $\W{{l}}$) and keep probability $p = {number(KEEP_PROB)}$.",
            r"\begin{table}[ht]\centering\small",
            r"\caption{Gradient check of the extensions: relative error between "
            r"\code{Network.gradients} and central finite differences.}\label{tab:extensions}",
            r"\begin{tabular}{@{}lr@{}}",
            r"\toprule extension & relative error \\ \midrule",
            *(rf"{what} & ${number(error)}$ \\" for what, error in extensions),
            r"\bottomrule\end{tabular}",
            r"\end{table}",
        ]
    return "\n".join(lines) + "\n", worst


def bias_broadcast_finding(records) -> str:
    """What a 1-D bias does in W A + b when n[l] == m: the errata's number, on the errata's
    network, so that the notation section and the errata cannot disagree."""
    (record,) = [r for r in records if r.key == "bias_shape"]
    return (
        rf"on the network of the errata, with $m = n^{{[1]}}$, the entries of $\Z{{1}}$ come out "
        rf"wrong by up to ${number(record.value, 3)}$, with no error raised; erratum {record.id}"
    )


def shape_table() -> str:
    from ..explain import trace
    from ..explain.render import as_latex

    net, X, y = seed_network_example(m=5)
    records = trace(net, X, y)
    return (
        r"\begin{table}[ht]\centering\small" + "\n"
        r"\caption{One forward and one backward pass of the seed's 3--4--3--2 network on $m = 5$ "
        r"examples, recorded by \code{deltaprop trace} from the computation itself. The softmax "
        r"row includes $\log A^{[3]}$, which the same pass computes for the cost.}"
        r"\label{tab:shapes}" + "\n" + as_latex(records) + "\n" + r"\end{table}" + "\n"
    )


def errata_fragment(records) -> str:
    from .errata import errata_latex

    return errata_latex(records, label="tab:errata")


# ---------------------------------------------------------------------- results


@dataclass
class Experiment:
    name: str
    data: str
    hidden: tuple[int, ...]
    epochs: int
    quick_epochs: int
    lr: float = 1e-3
    batch_size: int = 32
    l2: float = 0.1


EXPERIMENTS = (
    Experiment("digits", "digits", (128, 64), epochs=40, quick_epochs=8),
    Experiment("moons", "moons", (32, 32), epochs=200, quick_epochs=40, lr=1e-2, l2=0.0),
    Experiment("spirals", "spirals", (64, 64), epochs=400, quick_epochs=60, lr=1e-2, l2=0.0),
)


# The figures' widths on the page, in inches (report.tex: A4, 2.5 cm margins). Each is drawn at
# its width / FIGURE_SCALE and shown at its width, so matplotlib's 10 pt text prints at 8.5 pt.
TEXT_WIDTH = (21.0 - 2 * 2.5) / 2.54
FIGURE_WIDTHS = {
    "curves": 1.0 * TEXT_WIDTH,
    "confusion": 0.6 * TEXT_WIDTH,
    "boundary": 0.8 * TEXT_WIDTH,
}
FIGURE_SCALE = 0.85


def drawn_width(kind: str) -> float:
    return FIGURE_WIDTHS[kind] / FIGURE_SCALE


def include(name: str, kind: str) -> str:
    return rf"\includegraphics[width={FIGURE_WIDTHS[kind]:.3f}in]{{figures/{name}.pdf}}"


def run_experiment(exp: Experiment, quick: bool, figures: Path) -> dict:
    from ..experiment import prepare_data
    from ..explain import plots
    from ..metrics import confusion_matrix
    from ..training import Adam, Trainer

    parts = prepare_data(exp.data, seed=0, dtype=np.float32)
    classes = parts.encoder.classes_
    net = Network([parts.X_train.shape[0], *exp.hidden, len(classes)], seed=0, dtype=np.float32)
    epochs = exp.quick_epochs if quick else exp.epochs
    trainer = Trainer(net, Adam(lr=exp.lr), epochs=epochs, batch_size=exp.batch_size, l2=exp.l2)
    history = trainer.fit(parts.X_train, parts.y_train, validation=(parts.X_val, parts.y_val))
    predicted = net.predict(parts.X_test)  # the weights after the last epoch
    accuracy = float(np.mean(predicted == parts.y_test))
    plots.learning_curves(history, figures / f"{exp.name}_curves.pdf", drawn_width("curves"))
    if parts.X_train.shape[0] == 2:  # the plane of the standardised features
        path = figures / f"{exp.name}_boundary.pdf"
        plots.decision_boundary(
            net, parts.X_test.T, parts.y_test, path, width=drawn_width("boundary")
        )
    else:
        C = confusion_matrix(parts.y_test, predicted, len(classes))
        path = figures / f"{exp.name}_confusion.pdf"
        plots.confusion_matrix(C, [str(c) for c in classes], path, width=drawn_width("confusion"))
    return {
        "name": exp.name,
        "accuracy": accuracy,
        "epochs": epochs,
        "m_train": parts.X_train.shape[1],
        "m_val": parts.X_val.shape[1],
        "m_test": parts.X_test.shape[1],
        "sizes": net.sizes,
        "description": parts.description,
        "val_accuracy": history.val_accuracy[-1],
        "time": history.time[-1],
        "callbacks": trainer.callbacks,
        "exp": exp,
    }


def final_weights(results: list[dict]) -> str:
    """Which weights the test accuracy is measured on, from the runs' callbacks."""
    if any(r["callbacks"] for r in results):  # e.g. early stopping that restores the best epoch
        raise ReportError("a run has callbacks: say which weights its test accuracy uses")
    return (
        "measured with the weights after the last epoch: no run stops early or restores the "
        "epoch with the best validation cost, so the validation part is only watched"
    )


def results_fragment(results: list[dict]) -> str:
    rows = []
    for r in results:
        exp = r["exp"]
        sizes = "--".join(map(str, r["sizes"]))
        rows.append(
            rf"{r['name']} & {sizes} & {r['epochs']} & {exp.batch_size} & {number(exp.lr)} & "
            rf"{number(exp.l2) if exp.l2 else 0} & {r['m_train']}/{r['m_val']}/{r['m_test']} & "
            rf"{r['accuracy']:.4f} \\"
        )
    digits = results[0]
    text = [
        r"Each data set is split, stratified and seeded, into training, validation and test parts "
        r"(the test part is 25\,\%, validation 10\,\% of the rest); features are standardised with "
        r"statistics of the training part only. Every network has ReLU hidden layers and a softmax "
        r"output, trained with Adam on mini-batches in float32 (seed~0). "
        r"Table~\ref{tab:results} gives the settings and the test accuracy of this build's run, "
        rf"{final_weights(results)}.",
        r"\begin{table}[ht]\centering",
        r"\caption{Settings and test accuracy of the runs in this report.}\label{tab:results}",
        r"\begin{tabular}{@{}lllrrrlr@{}}",
        r"\toprule",
        r"data & sizes & epochs & batch & $\alpha$ & $\lambda$ & train/val/test & accuracy \\",
        r"\midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
        rf"\paragraph{{Digits.}} {tex_text(digits['description'])} "
        rf"The network reaches a test accuracy of {digits['accuracy']:.4f} after "
        rf"{digits['epochs']} epochs ({digits['time']:.1f}\,s of training); "
        r"Figure~\ref{fig:digits} shows the learning curves and the confusion matrix.",
        r"\begin{figure}[tbp]\centering",
        include("digits_curves", "curves"),
        include("digits_confusion", "confusion"),
        r"\caption{Digits: cost and accuracy per epoch on the training part (running mean over "
        r"the mini-batches) and the validation part; confusion matrix on the test part.}"
        r"\label{fig:digits}",
        r"\end{figure}",
        r"\paragraph{Two-dimensional data.} On the moons and on three interleaved spirals, the "
        r"decision regions show what the two hidden layers have learnt "
        r"(Figure~\ref{fig:boundaries}).",
        r"\begin{figure}[p]\centering",
        include("moons_boundary", "boundary") + r"\\[1ex]",
        include("spirals_boundary", "boundary"),
        r"\caption{Decision regions and test points, in the plane of the standardised features: "
        r"moons (top), spirals with three arms (bottom).}\label{fig:boundaries}",
        r"\end{figure}",
    ]
    return "\n".join(text) + "\n"


# ---------------------------------------------------------------------- building


def copy_sources(folder: Path) -> None:
    source = resources.files("deltaprop.report") / "tex"
    for item in source.iterdir():
        if item.name.endswith(".tex"):
            (folder / item.name).write_text(item.read_text())


def write_fragments(folder: Path, quick: bool = False) -> dict:
    """Run everything and write generated/*.tex and figures/*.pdf into ``folder``."""
    generated, figures = folder / "generated", folder / "figures"
    generated.mkdir(parents=True, exist_ok=True)
    figures.mkdir(exist_ok=True)
    from .errata import errata_records

    records = errata_records()
    table, worst = gradcheck_table(gradcheck_rows(), extension_rows())
    results = [run_experiment(exp, quick, figures) for exp in EXPERIMENTS]
    numbers = {
        "DeltapropVersion": __version__,
        "BuildDate": datetime.date.today().isoformat(),
        "BiasBroadcastFinding": bias_broadcast_finding(records),
        "ReluOutputErratum": next(r.id for r in records if r.key == "relu_output"),
        "GradcheckWorst": f"${number(worst)}$",
        "DigitsTestAccuracy": f"{results[0]['accuracy']:.4f}",
    }
    (generated / "numbers.tex").write_text(
        "\n".join(macro(k, v) for k, v in numbers.items()) + "\n"
    )
    (generated / "worked_example.tex").write_text(worked_example())
    (generated / "gradcheck.tex").write_text(table)
    (generated / "shape_table.tex").write_text(shape_table())
    (generated / "errata.tex").write_text(errata_fragment(records))
    (generated / "results.tex").write_text(results_fragment(results))
    return {
        "gradcheck_worst": worst,
        **{f"{r['name']}_accuracy": r["accuracy"] for r in results},
    }


def latex_warnings(log: str) -> list[str]:
    """Undefined references and citations, and overfull boxes wider than 10pt, from a LaTeX log."""
    found = re.findall(r"LaTeX Warning: (?:Reference|Citation) [^\n]* undefined[^\n]*", log)
    found += re.findall(r"LaTeX Warning: There were undefined references\.", log)
    for match in re.finditer(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too \w+\)[^\n]*", log):
        if float(match.group(1)) > 10:
            found.append(match.group(0))
    return found


#: The Python libraries the report's experiments use (the ``report`` extra), by import name.
PYTHON_NEEDS = {"sklearn": "scikit-learn", "matplotlib": "matplotlib"}


def require_libraries() -> None:
    """All the report's Python libraries, named at once, before anything runs."""
    missing = [name for module, name in PYTHON_NEEDS.items() if find_spec(module) is None]
    if missing:
        raise ReportError(
            f"the report needs {' and '.join(missing)}: pip install 'deltaprop[report]'"
        )


def require_tex() -> None:
    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        raise ReportError(
            f"compiling the report needs TeX Live: apt-get install {TEX_PACKAGES} "
            "(or use --tex-only DIR to write the sources only)"
        )


def compile_pdf(folder: Path) -> tuple[Path, list[str]]:
    require_tex()
    command = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    log_path = folder / "report.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if result.returncode != 0:
        error = next((line for line in log.splitlines() if line.startswith("!")), "")
        raise ReportError(f"LaTeX failed ({error or 'see report.log'}); sources in {folder}")
    return folder / "report.pdf", latex_warnings(log)


def build(out="deltaprop-report.pdf", quick: bool = False, tex_only=None) -> BuildResult:
    """Build the report into ``out`` (a PDF), or only write the sources into ``tex_only``."""
    from ..io import replace_atomically

    require_libraries()  # before the experiments, not after
    if not tex_only:
        require_tex()
    folder = Path(tex_only) if tex_only else Path(tempfile.mkdtemp(prefix="deltaprop-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    copy_sources(folder)
    numbers = write_fragments(folder, quick=quick)
    if tex_only:
        return BuildResult(folder, None, numbers)
    pdf, found = compile_pdf(folder)
    out = Path(out)
    replace_atomically(out, lambda f: f.write(pdf.read_bytes()))
    return BuildResult(folder, out, numbers, found)
