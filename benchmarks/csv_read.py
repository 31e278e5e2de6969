"""Reading a CSV file: deltaprop's reader next to numpy's and (when installed) pandas'.

    python benchmarks/csv_read.py [--quick] [--rows M] [--repeats N] [--out DIR]

Two files are written into a temporary folder: an MNIST-shaped one (a header, the label first,
784 whole-number pixels 0..255, most of them 0, as Kaggle's digit files are) and one of decimals
(50 features written with 6 significant digits, a text label last). Each reader takes each file
in turn, in a rotating order, ``--repeats`` times after one untimed read; the run stops with an
error unless every reader returned the same features. Readers: ``deltaprop.data.read_csv``
(what ``deltaprop train --data FILE`` calls: sniffing, header detection, checks, line numbers
in its errors), ``np.loadtxt`` (numpy's C parser, told the delimiter, the header and the label
column) and ``pandas.read_csv`` (told the same). Reported: the median time of each and its
ratio to deltaprop's. Results go to DIR/csv_read.json and a table to standard output.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from report import machine, small_parser, write_json

from deltaprop.data import read_csv


def write_files(folder: Path, rows: int) -> list[dict]:
    """The two files, and how each reader is told to read them."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(rows, 784))
    pixels[rng.random(pixels.shape) < 0.8] = 0  # MNIST's pixels are mostly background
    labels = rng.integers(0, 10, size=rows)
    mnist = folder / "mnist.csv"
    with open(mnist, "w") as f:
        f.write("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        np.savetxt(f, np.column_stack([labels, pixels]), fmt="%d", delimiter=",")
    values = rng.standard_normal((rows, 50))
    decimals = folder / "decimals.csv"
    with open(decimals, "w") as f:
        f.write(",".join(f"x{i}" for i in range(50)) + ",kind\n")
        for row, kind in zip(values, rng.choice(["a", "b", "c"], size=rows), strict=True):
            f.write(",".join(f"{v:.6g}" for v in row) + f",{kind}\n")
    return [
        {"name": f"MNIST-shaped, {rows:,} x 785 whole numbers", "path": mnist, "label": 0},
        {"name": f"{rows:,} x 50 decimals and a text label", "path": decimals, "label": 50},
    ]


def readers() -> dict:
    """name -> function(path, label column) -> X (m, n_x) float64."""
    found = {
        "deltaprop": lambda path, label: read_csv(path, label=label).X,
        "numpy loadtxt": lambda path, label: np.loadtxt(
            path,
            delimiter=",",
            skiprows=1,
            usecols=[c for c in range(_n_cols(path)) if c != label],
        ),
    }
    try:
        import pandas
    except ImportError:
        return found
    found["pandas"] = lambda path, label: (
        pandas.read_csv(path).drop(columns=pandas.read_csv(path, nrows=0).columns[label])
    ).to_numpy(dtype=np.float64)
    return found


def _n_cols(path: Path) -> int:
    with open(path) as f:
        return f.readline().count(",") + 1


def measure(file: dict, methods: dict, repeats: int) -> dict:
    reference = None
    for name, read in methods.items():  # untimed: imports, the page cache; and the same X
        X = read(file["path"], file["label"])
        if reference is None:
            reference = X
        elif not np.array_equal(X, reference):
            raise AssertionError(f"{name} read other features from {file['path'].name}")
    times = {name: [] for name in methods}
    names = list(methods)
    for i in range(repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            methods[name](file["path"], file["label"])
            times[name].append(time.perf_counter() - start)
    median = {name: float(np.median(t)) for name, t in times.items()}
    return {
        "name": file["name"],
        "megabytes": file["path"].stat().st_size / 1e6,
        "shape": list(reference.shape),
        "seconds": times,
        "median_s": median,
        "over_deltaprop": {name: t / median["deltaprop"] for name, t in median.items()},
    }


def main(argv=None) -> int:
    parser = small_parser(__doc__, "500 rows, 2 repeats (a dry run)", "timed reads each")
    parser.add_argument("--rows", type=int, default=20_000, help="rows per file (default 20000)")
    args = parser.parse_args(argv)
    rows, repeats = (500, 2) if args.quick else (args.rows, args.repeats)
    methods = readers()
    with tempfile.TemporaryDirectory() as folder:
        results = [measure(f, methods, repeats) for f in write_files(Path(folder), rows)]
    print("| file | MB | " + " | ".join(f"{n} [s]" for n in methods) + " | "
          + " | ".join(f"{n} / deltaprop" for n in methods if n != "deltaprop") + " |")  # fmt: skip
    print("|---|---:|" + "---:|" * (2 * len(methods) - 1))
    for r in results:
        times = " | ".join(f"{r['median_s'][n]:.3f}" for n in methods)
        ratios = " | ".join(f"{r['over_deltaprop'][n]:.2f}" for n in methods if n != "deltaprop")
        print(f"| {r['name']} | {r['megabytes']:.1f} | {times} | {ratios} |")
    if "pandas" not in methods:
        print("pandas: not installed, skipped")
    facts = machine(readers=list(methods))
    out = write_json({"machine": facts, "results": results}, args.out, "csv_read.json")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
