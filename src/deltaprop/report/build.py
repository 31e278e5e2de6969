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
        rf"The seed's network with the weights below (rounded to two decimals) on $m = {m}$ "
        rf"examples, the columns of $X$, with labels ${list(map(int, y))}$, i.e.\ one-hot $Y$. "
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


def gradcheck_rows(seed: int = 3) -> list[tuple[str, str, str, float]]:
    """(output, loss, hidden, relative error) for every combination the library offers, on the
    seed's 3-4-3-2 network with random weights, biases and inputs (m = 5), float64."""
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
                net.W[net.L] *= 0.1
                net.b[net.L] = np.abs(net.b[net.L]) + 1.0
            X = rng.standard_normal((3, 5))
            if loss == "mse" and output not in ("softmax", "sigmoid"):
                Y = rng.standard_normal((2, 5))
            elif loss == "binary_cross_entropy":
                Y = rng.integers(0, 2, (2, 5))
            else:
                Y = rng.integers(0, 2, 5)
            net.forward(X)
            kinks = [np.abs(net.Z[l]).min() for l in net.Z if net.g[l].name in RELU_FAMILY]
            assert min(kinks, default=1.0) > 1e-4, "inputs too close to a ReLU kink"
            rows.append((output, loss, hidden, gradcheck(net, X, Y).relative_error))
    return rows


LOSS_SHORT = {"cross_entropy": "CE", "binary_cross_entropy": "BCE", "mse": "MSE"}


def extension_rows(seed: int = 5) -> list[tuple[str, float]]:
    """(what, relative error) for the weighted cost (eq. J2) and dropout under a fixed mask
    (eq. D1-D2) on the seed's network with softmax and cross-entropy."""
    rng = np.random.default_rng(seed)
    net = Network([3, 4, 3, 2], hidden="relu", seed=seed)
    for l in range(1, net.L + 1):
        net.b[l] = rng.normal(0, 0.5, net.b[l].shape)
    X, y = rng.standard_normal((3, 6)), rng.integers(0, 2, 6)
    weights = rng.uniform(0, 3, 6)
    D = net.dropout_masks(rng, keep_prob=0.6, m=6)
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
        r"offers, checked on the seed's 3--4--3--2 network ($m = 5$, random weights, biases and "
        r"inputs, float64, step $\varepsilon = 10^{-6}$). Each entry is the relative error "
        r"between \code{Network.gradients} and central finite differences of \code{Network.cost} "
        rf"over all {Network([3, 4, 3, 2]).n_parameters()} parameters. The largest is "
        rf"${number(worst)}$; the test suite requires less than $10^{{-7}}$ here and on random "
        r"depths and widths, and shows that a broken derivative (the seed's $Y - \A{L}$, a "
        r"missing $1/m$, a missing $g'$) fails.",
        r"\begin{table}[ht]\centering\small\setlength{\tabcolsep}{4pt}",
        r"\caption{Gradient check: relative error for each output activation and loss (rows; CE: "
        r"cross-entropy, BCE: binary cross-entropy, MSE: mean squared error) and hidden "
        r"activation (columns).}\label{tab:gradcheck}",
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
            r"The weighted cost and dropout (softmax output, ReLU hidden layers, random weights "
            r"$w_i \in [0, 3]$, keep probability $p = 0.6$):",
            r"\begin{center}\begin{tabular}{@{}lr@{}}",
            r"\toprule extension & relative error \\ \midrule",
            *(rf"{what} & ${number(error)}$ \\" for what, error in extensions),
            r"\bottomrule\end{tabular}\end{center}",
        ]
    return "\n".join(lines) + "\n", worst


def bias_broadcast_finding() -> str:
    """What a 1-D bias does in W A + b when n[l] == m: the numbers for the report."""
    net, _, _ = seed_network_example()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4))  # m = 4 = n[1]
    right = net.W[1] @ X + net.b[1]
    wrong = net.W[1] @ X + net.b[1].ravel()  # (4, 4) + (4,): added along rows
    return (
        rf"with $m = n^{{[1]}} = 4$ the entries of $\Z{{1}}$ come out wrong by up to "
        rf"${number(float(np.abs(right - wrong).max()), 3)}$, with no error raised"
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


def errata_fragment() -> str:
    from .errata import errata_latex, errata_records

    return errata_latex(errata_records())


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
    predicted = net.predict(parts.X_test)
    accuracy = float(np.mean(predicted == parts.y_test))
    plots.learning_curves(history, figures / f"{exp.name}_curves.pdf")
    if parts.X_train.shape[0] == 2:  # the plane of the standardised features
        plots.decision_boundary(
            net, parts.X_test.T, parts.y_test, figures / f"{exp.name}_boundary.pdf"
        )
    else:
        C = confusion_matrix(parts.y_test, predicted, len(classes))
        plots.confusion_matrix(C, [str(c) for c in classes], figures / f"{exp.name}_confusion.pdf")
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
        "exp": exp,
    }


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
        r"Table~\ref{tab:results} gives the settings and the test accuracy of this build's run.",
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
        r"\begin{figure}[ht]\centering",
        r"\includegraphics[width=\linewidth]{figures/digits_curves.pdf}",
        r"\includegraphics[width=0.6\linewidth]{figures/digits_confusion.pdf}",
        r"\caption{Digits: cost and accuracy per epoch on the training part (running mean over "
        r"the mini-batches) and the validation part; confusion matrix on the test part.}"
        r"\label{fig:digits}",
        r"\end{figure}",
        r"\paragraph{Two-dimensional data.} On the moons and on three interleaved spirals, the "
        r"decision regions show what the two hidden layers have learnt "
        r"(Figure~\ref{fig:boundaries}).",
        r"\begin{figure}[p]\centering",
        r"\includegraphics[width=0.72\linewidth]{figures/moons_boundary.pdf}\\[1ex]",
        r"\includegraphics[width=0.72\linewidth]{figures/spirals_boundary.pdf}",
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
    table, worst = gradcheck_table(gradcheck_rows(), extension_rows())
    results = [run_experiment(exp, quick, figures) for exp in EXPERIMENTS]
    numbers = {
        "DeltapropVersion": __version__,
        "BuildDate": datetime.date.today().isoformat(),
        "BiasBroadcastFinding": bias_broadcast_finding(),
        "GradcheckWorst": f"${number(worst)}$",
        "DigitsTestAccuracy": f"{results[0]['accuracy']:.4f}",
    }
    (generated / "numbers.tex").write_text(
        "\n".join(macro(k, v) for k, v in numbers.items()) + "\n"
    )
    (generated / "worked_example.tex").write_text(worked_example())
    (generated / "gradcheck.tex").write_text(table)
    (generated / "shape_table.tex").write_text(shape_table())
    (generated / "errata.tex").write_text(errata_fragment())
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

    if not tex_only:
        require_tex()  # before the experiments, not after
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
