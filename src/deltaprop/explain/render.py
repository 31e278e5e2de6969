"""A trace as a rich table, plain text, JSON or a LaTeX tabular; and ``run_trace`` for the CLI.

Every renderer takes the records that :func:`deltaprop.explain.trace` returns (a ``Trace``, or
any list of its ``Step`` records). rich is imported only by :func:`as_table`.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil

import numpy as np

from ..core import Network
from .trace import Operation, latex_text, trace

INSTALL_HINT = "pip install 'deltaprop[progress]'"
FORMATS = ("table", "text", "json", "latex")
HEADERS = ("step", "equation", "operations", "operand shapes -> result", "flops")


# ---------------------------------------------------------------------- shared pieces


def _dims(shape, times: str = "×", scalar: str = "scalar") -> str:
    """``(4, 5)`` -> ``"(4×5)"``; a number (shape ()) -> ``"scalar"``."""
    return f"({times.join(map(str, shape))})" if shape else scalar


def _shapes(op: Operation, times: str = "×", arrow: str = "→", scalar: str = "scalar") -> str:
    """``"(4×3), (3×5) → (4×5)"``: the operands' shapes, then the result's."""
    operands = ", ".join(_dims(o.shape, times, scalar) for o in op.operands)
    return f"{operands} {arrow} {_dims(op.shape, times, scalar)}"


def totals(records) -> dict[str, int]:
    """Flops of the forward and the backward pass: the trace's own totals (every recorded
    operation), or for a plain list of steps the sum over its steps."""
    if hasattr(records, "forward_flops"):
        return {"forward": records.forward_flops, "backward": records.backward_flops}
    out = {"forward": 0, "backward": 0}
    for step in records:
        out[step.phase] += step.flops
    return out


def _inputs(records) -> dict[str, np.ndarray]:
    return getattr(records, "inputs", {})


def format_matrix(value: np.ndarray) -> str:
    """A matrix as numpy prints it, each entry to 4 significant digits, columns aligned."""
    value = np.asarray(value)
    width = max((len(f"{x:.4g}") for x in value.ravel()), default=1)
    return np.array2string(
        value, formatter={"float_kind": lambda x: f"{x:.4g}".rjust(width)}, max_line_width=200
    )


def _matrices(records, times: str = "×") -> list[tuple[str, str]]:
    """(title, printed matrix) for every input and every step's result."""
    named = [*_inputs(records).items(), *((s.name, s.value) for s in records)]
    return [(f"{name} {_dims(np.shape(v), times)}", format_matrix(v)) for name, v in named]


# ---------------------------------------------------------------------- rich and plain text


def as_table(records, values: bool = False):
    """A rich Table: step, equation, operation kinds, operand shapes -> result shape, flops.

    With ``values=True`` the result is a rich Group: the table, then every matrix (inputs and
    results) to 4 significant digits, which is readable for small m.
    """
    try:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        raise ImportError(f"the trace table needs rich: {INSTALL_HINT}") from None
    table = Table(title=getattr(records, "network", None), title_justify="left")
    for header in HEADERS:
        header = header.replace("->", "→")
        table.add_column(header, justify="right" if header in ("step", "flops") else "left")
    phase = None
    for i, step in enumerate(records, 1):
        if phase is not None and step.phase != phase:
            table.add_section()
        phase = step.phase
        table.add_row(  # Text, not markup: "W[1]" would read as a style tag
            Text(str(i)),
            Text(step.equation),
            Text("\n".join(op.label for op in step.operations)),
            Text("\n".join(_shapes(op) for op in step.operations)),
            Text(f"{step.flops:,}"),
        )
    table.add_section()
    for name, flops in totals(records).items():
        table.add_row("", Text(f"{name} pass, total"), "", "", Text(f"{flops:,}"))
    if not values:
        return table
    parts = [table]
    for title, matrix in _matrices(records):
        parts += [Text(title, style="bold"), Text(matrix)]
    return Group(*parts)


def as_text(records, values: bool = False) -> str:
    """The table of :func:`as_table` in plain text, for when rich is not installed."""
    rows = [[h] for h in HEADERS]
    grid = [rows]
    for i, step in enumerate(records, 1):
        grid.append(
            [
                [str(i)],
                [step.equation],
                [op.label for op in step.operations],
                [_shapes(op, "x", "->") for op in step.operations],
                [f"{step.flops:,}"],
            ]
        )
    for name, flops in totals(records).items():
        grid.append([[""], [f"{name} pass, total"], [""], [""], [f"{flops:,}"]])
    widths = [max(len(line) for row in grid for line in row[c]) for c in range(len(HEADERS))]
    right = {0, len(HEADERS) - 1}

    def lines(row):
        for k in range(max(len(cell) for cell in row)):
            cells = [cell[k] if k < len(cell) else "" for cell in row]
            yield "  ".join(
                c.rjust(w) if j in right else c.ljust(w)
                for j, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [getattr(records, "network", "")] if hasattr(records, "network") else []
    out += [*lines(grid[0]), rule]
    for row in grid[1:]:
        out += lines(row)
    if values:
        for title, matrix in _matrices(records, "x"):
            out += ["", title, matrix]
    return "\n".join(out)


# ---------------------------------------------------------------------- JSON


def _json_value(value: np.ndarray):
    """Nested lists; NaN and inf become null so that the JSON stays strict."""
    rows = np.asarray(value, dtype=float).tolist()

    def clean(x):
        return [clean(v) for v in x] if isinstance(x, list) else x if math.isfinite(x) else None

    return clean(rows)


def as_json(records, values: bool = False) -> str:
    """The records as a JSON document: ``{"network", "steps": [...], "inputs", flops totals}``.

    Each step holds name, phase, equation, latex, shape, flops and operations (kind, operands
    with their expression and shape, result shape, flops; function and primitives for calls of
    g, g' and dJ/dA); with ``values=True`` also its value as nested lists (and the inputs').
    """
    steps = []
    for step in records:
        d = step.to_dict()
        if values:
            d["value"] = _json_value(step.value)
        steps.append(d)
    inputs = {}
    for name, value in _inputs(records).items():
        inputs[name] = {"shape": list(np.shape(value))}
        if values:
            inputs[name]["value"] = _json_value(value)
    flops = totals(records)
    doc = {
        "network": getattr(records, "network", None),
        "inputs": inputs,
        "steps": steps,
        "forward_flops": flops["forward"],
        "backward_flops": flops["backward"],
        "total_flops": flops["forward"] + flops["backward"],
    }
    return json.dumps(doc, indent=2)


# ---------------------------------------------------------------------- LaTeX


def _stack(lines: list[str]) -> str:
    """Several lines in one table cell, with nothing but LaTeX's own tabular."""
    if len(lines) == 1:
        return lines[0]
    return r"\begin{tabular}[t]{@{}l@{}}" + r" \\ ".join(lines) + r"\end{tabular}"


def _flops_tex(n: int) -> str:
    return f"{n:,}".replace(",", r"\,")


def _latex_label(op: Operation) -> str:
    """The operation's kind in LaTeX text, with g, g' and dJ/dA set as mathematics."""
    text = latex_text(op.kind)
    text = text.replace("dJ/dA", r"$\partial J / \partial A$")
    text = re.sub(r"\bg('?)$", r"$g\1$", text)
    return f"{text} ({latex_text(op.function)})" if op.function else text


def as_latex(records) -> str:
    """A booktabs tabular of the steps: number, equation (math mode), operation kinds, operand
    shapes -> result shape, and flops, with the totals of both passes. Needs booktabs and
    amsmath."""
    out = [
        r"\begin{tabular}{@{}rlllr@{}}",
        r"\toprule",
        r" & Equation & Operations & Operand shapes $\to$ result & Flops \\",
    ]
    phase = None
    for i, step in enumerate(records, 1):
        if step.phase != phase:
            phase = step.phase
            out += [
                r"\midrule",
                r"\multicolumn{5}{@{}l}{\emph{" + f"{phase.capitalize()} pass" + r"}} \\",
            ]
        kinds = [_latex_label(op) for op in step.operations] or ["--"]
        shapes = [
            "$" + _shapes(op, r" \times ", r"\to", r"\text{scalar}") + "$" for op in step.operations
        ] or ["--"]
        cells = [str(i), f"${step.latex}$", _stack(kinds), _stack(shapes), _flops_tex(step.flops)]
        out.append(" & ".join(cells) + r" \\")
    out.append(r"\midrule")
    for name, flops in totals(records).items():
        label = r"\multicolumn{4}{@{}l}{" + f"{name.capitalize()} pass, total" + "}"
        out.append(f"{label} & {_flops_tex(flops)} " + r"\\")
    out += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(out)


# ---------------------------------------------------------------------- the command line


def example_data(network: Network, m: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random X (n_x, m) and targets that suit the network's loss: m class labels for
    cross-entropy, 0/1 entries (n_y, m) for binary cross-entropy, normal values for mse."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])  # not the weights' draws
    X = rng.standard_normal((network.n_x, m))
    if network.loss_name == "cross_entropy":
        Y = rng.integers(0, network.n_y, m)
    elif network.loss_name == "binary_cross_entropy":
        Y = rng.integers(0, 2, (network.n_y, m))
    else:
        Y = rng.standard_normal((network.n_y, m))
    return X, Y


def render(records, fmt: str = "table", values: bool = False, width: int | None = None) -> str:
    """The records as a string in one of FORMATS; "table" falls back to plain text without rich."""
    if fmt == "json":
        return as_json(records, values)
    if fmt == "latex":
        return as_latex(records)
    if fmt == "text":
        return as_text(records, values)
    if fmt != "table":
        raise ValueError(f"unknown trace format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    try:
        from rich.console import Console
    except ImportError:
        return as_text(records, values)
    width = width or shutil.get_terminal_size((120, 24)).columns
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(as_table(records, values))
    return "\n".join(line.rstrip() for line in console.file.getvalue().rstrip("\n").split("\n"))


def run_trace(
    sizes=(3, 4, 3, 2),
    m: int = 5,
    hidden: str = "relu",
    output: str = "softmax",
    seed: int | None = 0,
    values: bool = False,
    fmt: str = "table",
    loss: str | None = None,
) -> str:
    """``deltaprop trace``: build the network (by default with the output's natural loss) and
    random data of m examples from ``seed``, trace one pass, and render it in ``fmt``
    (FORMATS)."""
    network = Network(sizes, hidden=hidden, output=output, loss=loss, seed=seed)
    X, Y = example_data(network, m, seed)
    return render(trace(network, X, Y), fmt, values)


__all__ = [
    "FORMATS",
    "as_json",
    "as_latex",
    "as_table",
    "as_text",
    "example_data",
    "format_matrix",
    "render",
    "run_trace",
    "totals",
]
