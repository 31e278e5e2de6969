"""Presenting the results: the table (rich when installed, plain text otherwise), the batch-size
sweep, the targets, the JSON file and the throughput plot."""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

MB = 1e6

COLUMNS = (
    "system",
    "configuration",
    "time [s]: median [min-max]",
    "GFLOP/s",
    "x GEMM rate",
    "time / deltaprop",
)


def _number(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _seconds(value: float) -> str:
    return f"{value:.3g}"


def result_row(result: dict, workload: dict) -> tuple[str, ...]:
    """One row of the main table for a result (a system on a workload)."""
    title = result["title"]
    if result["status"] != "ok":
        return (title, workload["label"], f"{result['status']}: {result['reason']}", "", "", "")
    time = (
        f"{_seconds(result['median_s'])} [{_seconds(result['min_s'])}-{_seconds(result['max_s'])}]"
    )
    return (
        title,
        workload["label"],
        time,
        _number(result["gflops"], 1),
        _number(result["fraction_of_gemm"]),
        _number(result["time_ratio_to_deltaprop"]),
    )


def main_rows(report: dict) -> list[tuple[str, ...]]:
    workloads = {w["name"]: w for w in report["workloads"]}
    return [result_row(r, workloads[r["workload"]]) for r in report["results"]]


def sweep_rows(report: dict) -> tuple[list[str], list[tuple[str, ...]]]:
    """GFLOP/s of every system (and numpy's GEMM rate) per batch size of the MNIST-shaped set."""
    sweep = [w for w in report["workloads"] if w["group"] == "mnist"]
    systems = list(dict.fromkeys(r["system"] for r in report["results"]))
    header = ["batch", *(f"{s} GFLOP/s" for s in systems), "deltaprop x GEMM"]
    by_key = {(r["system"], r["workload"]): r for r in report["results"]}
    rows = []
    for w in sweep:
        cells = [str(w["batch_size"])]
        for s in systems:
            r = by_key.get((s, w["name"]))
            cells.append(_number(r["gflops"], 1) if r and r["status"] == "ok" else "-")
        dp = by_key.get(("deltaprop", w["name"]))
        cells.append(_number(dp["fraction_of_gemm"]) if dp and dp["status"] == "ok" else "-")
        rows.append(tuple(cells))
    return header, rows


def target_rows(report: dict) -> list[tuple[str, ...]]:
    return [
        (
            t["name"],
            "-" if t["value"] is None else f"{t['value']:.3g}",
            f"{t['comparison']} {t['threshold']:.3g}",
            {True: "met", False: "NOT met", None: "not measured"}[t["met"]],
        )
        for t in report["targets"]
    ]


def memory_rows(report: dict) -> list[tuple[str, ...]]:
    rows = []
    for path, m in report.get("memory", {}).items():
        if "error" in m:
            rows.append((path, m["error"], "", "", ""))
            continue
        rows.append(
            (
                path,
                f"{m['data_bytes'] / MB:.0f}",
                f"{m['peak_bytes'] / MB:.0f} (limit {m['limit_bytes'] / MB:.0f})",
                f"{m['peak_over_baseline_bytes'] / MB:.0f} = {m['copies_of_data']:.2f} x data",
                "yes" if m["peak_within_limit"] and m["at_most_two_copies"] else "NO",
            )
        )
    return rows


MEMORY_COLUMNS = ("path", "data [MB]", "peak RSS [MB]", "peak - baseline [MB]", "within limits")
TARGET_COLUMNS = ("target", "measured", "required", "")


def _plain_table(title: str, header, rows) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = [title, line, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out + [line, ""])


def print_tables(report: dict, plain: bool = False) -> None:
    """Print the main table, the sweep, the memory measurements and the targets."""
    tables = [
        (
            "Training time (same data, network, batch size, steps, SGD, float32)",
            COLUMNS,
            main_rows(report),
        ),
        ("Batch-size sweep, MNIST-shaped set: throughput", *sweep_rows(report)),
        ("Peak memory (MNIST-sized float32 set)", MEMORY_COLUMNS, memory_rows(report)),
        ("Targets", TARGET_COLUMNS, target_rows(report)),
    ]
    try:
        if plain:
            raise ImportError
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table
    except ImportError:
        for title, header, rows in tables:
            if rows:
                print(_plain_table(title, header, rows))
        return
    console = Console(width=max(Console().width, 150))
    for title, header, rows in tables:
        if not rows:
            continue
        table = Table(title=escape(title), title_justify="left")
        for i, column in enumerate(header):
            table.add_column(escape(column), justify="left" if i < 2 else "right", overflow="fold")
        for row in rows:
            table.add_row(*map(escape, row))
        console.print(table)


def small_parser(doc: str, quick: str, repeats: str) -> argparse.ArgumentParser:
    """The options of every benchmark but run.py: --quick (``quick`` says what it does),
    --repeats N (default 5; ``repeats`` says of what) and --out DIR."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--repeats", type=int, default=5, help=f"{repeats} (default 5)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    return parser


def machine(**more) -> dict:
    """Python's, numpy's and deltaprop's versions and the processor a benchmark ran on, and
    ``more``."""
    import deltaprop

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "deltaprop": deltaprop.__version__,
        "processor": platform.processor() or platform.machine(),
        **more,
    }


def write_json(report: dict, out: Path, name: str = "results.json") -> Path:
    """``report`` as DIR/``name``, indented JSON; the folder is made when missing."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def plot_throughput(report: dict, out: Path) -> Path | None:
    """GFLOP/s against batch size for every system, with numpy's GEMM rate; None without
    matplotlib or without a sweep."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    workloads = {w["name"]: w for w in report["workloads"] if w["group"] == "mnist"}
    if not workloads:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series: dict[str, list] = {}
    for r in report["results"]:
        if r["workload"] in workloads and r["status"] == "ok":
            flops = workloads[r["workload"]]["flops"] / 1e9
            point = (workloads[r["workload"]]["batch_size"], r["gflops"])
            span = (flops / r["max_s"], flops / r["min_s"])  # GFLOP/s of the slowest, fastest run
            series.setdefault(r["title"], []).append((*point, *span))
    for title, points in series.items():
        batch, gflops, low, high = (np.array(v) for v in zip(*sorted(points), strict=True))
        style = {"linestyle": "--", "color": "black"} if "GEMM" in title else {"marker": "o"}
        spread = np.maximum(0, [gflops - low, high - gflops])  # (rounding can make it -1e-15)
        ax.errorbar(batch, gflops, yerr=spread, label=title, capsize=3, **style)
    ax.set_xscale("log", base=2)
    batches = sorted({w["batch_size"] for w in workloads.values()})
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.minorticks_off()
    ax.set_xlabel("batch size")
    ax.set_ylabel("GFLOP/s (6 x weights x examples / median time)")
    sizes = next(iter(workloads.values()))["sizes"]
    m = next(iter(workloads.values()))["m"]
    blas = report["environment"]["blas"]
    ax.set_title(
        f"One epoch of {m:,} x {sizes[0]}, network {'-'.join(map(str, sizes))}, float32\n"
        f"{report['environment']['cpu']}, {blas.get('name')} with {blas.get('threads')} threads",
        fontsize=9,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "throughput.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
