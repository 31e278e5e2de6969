"""Peak memory while training on an MNIST-sized float32 set, in a fresh process each time.

Two paths are measured:

- ``library``: ``Trainer(...).fit(X_rows.T, y)`` on a C-contiguous (m, 784) float32 array made in
  the process (one epoch, plain SGD, the benchmark's batch size).
- ``cli``: ``deltaprop train --data DIR --epochs 1 --quiet`` on a folder of synthetic MNIST-sized
  IDX files (train and t10k parts, random pixels and labels) written into a temporary folder.
  The child process calls ``deltaprop.cli.main``, the function the ``deltaprop`` command runs.

Each child reports its resident set size after its imports (``baseline``) and its peak resident
set size (``VmHWM`` from /proc/self/status, which counts the pages of memory-mapped files that
were read too). Run as a script, this file is the child: ``python memory.py library|cli ...``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

N_X = 784
MB = 1e6  # memory is reported in decimal megabytes


def _status_bytes(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (VmRSS, VmHWM) in bytes; None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    if field == "VmHWM":  # elsewhere the peak comes from getrusage (kilobytes on Linux)
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return None


# ---------------------------------------------------------------------------- IDX files


def write_idx(path: Path, array: np.ndarray) -> None:
    """One IDX file of unsigned bytes: magic 0x0000 08 d, d big-endian sizes, the values."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with open(path, "wb") as f:
        f.write(header)
        array.tofile(f)


def write_mnist_folder(folder: Path, m: int, m_test: int, seed: int = 0) -> Path:
    """A folder in the MNIST layout with m training and m_test test images of 28 x 28."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for part, count in (("train", m), ("t10k", m_test)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        write_idx(folder / f"{part}-images-idx3-ubyte", images)
        write_idx(folder / f"{part}-labels-idx1-ubyte", labels)
    return folder


# ---------------------------------------------------------------------------- children


def child_library(m: int, batch: int, lr: float) -> dict:
    from deltaprop.core import Network
    from deltaprop.training import GradientDescent, Trainer

    baseline = _status_bytes("VmRSS")
    rng = np.random.default_rng(0)
    X_rows = rng.random((m, N_X), dtype=np.float32)  # made in float32: no float64 temporary
    y = rng.integers(0, 10, m)
    with_data = _status_bytes("VmRSS")
    net = Network((N_X, 256, 128, 10), seed=0, dtype=np.float32)
    Trainer(net, GradientDescent(lr), epochs=1, batch_size=batch, seed=0).fit(X_rows.T, y)
    return {"baseline": baseline, "with_data": with_data, "peak": _status_bytes("VmHWM")}


def child_cli(arguments: list[str]) -> dict:
    import deltaprop.cli

    baseline = _status_bytes("VmRSS")
    exit_code = deltaprop.cli.main(arguments)
    return {"baseline": baseline, "peak": _status_bytes("VmHWM"), "exit_code": exit_code}


# ---------------------------------------------------------------------------- the parent side


def _run_child(arguments: list[str], workdir: Path) -> dict:
    report = workdir / "memory-report.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--report", str(report), *arguments]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if done.returncode != 0 or not report.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"memory child {arguments[0]} failed ({done.returncode}): {tail}")
    return json.loads(report.read_text())


def _summary(child: dict, data_bytes: int, command: str) -> dict:
    """The child's numbers with the limits of the issue: peak <= 1.5 x data + 100 MB, and no more
    than two copies of the data held (peak minus the baseline after imports <= 2 x data)."""
    limit = 1.5 * data_bytes + 100 * MB
    peak, baseline = child["peak"], child["baseline"]
    extra = peak - baseline
    return {
        "command": command,
        "data_bytes": data_bytes,
        "baseline_bytes": baseline,
        "peak_bytes": peak,
        "peak_over_baseline_bytes": extra,
        "copies_of_data": extra / data_bytes,
        "limit_bytes": limit,
        "peak_within_limit": peak <= limit,
        "at_most_two_copies": extra <= 2 * data_bytes,
        **{k: v for k, v in child.items() if k not in ("peak", "baseline")},
    }


def measure_library(m: int, batch: int, lr: float) -> dict:
    """Peak memory of one epoch of ``Trainer.fit`` on an (m, 784) float32 array."""
    with tempfile.TemporaryDirectory(prefix="deltaprop-mem-") as tmp:
        child = _run_child(
            ["library", "--examples", str(m), "--batch", str(batch), "--lr", str(lr)], Path(tmp)
        )
    command = f"Trainer(net, GradientDescent({lr}), epochs=1, batch_size={batch}).fit(X_rows.T, y)"
    return _summary(child, m * N_X * 4, command)


def measure_cli(m: int, m_test: int) -> dict:
    """Peak memory of ``deltaprop train --data DIR --epochs 1`` on a synthetic MNIST folder with m
    training and m_test test images (the data's size is that of m x 784 float32)."""
    with tempfile.TemporaryDirectory(prefix="deltaprop-mem-") as tmp:
        folder = write_mnist_folder(Path(tmp) / "mnist", m, m_test)
        arguments = ["train", "--data", str(folder), "--epochs", "1", "--quiet"]
        child = _run_child(["cli", "--", *arguments], Path(tmp))
    if child["exit_code"] != 0:
        raise RuntimeError(f"deltaprop train exited with {child['exit_code']}")
    command = "deltaprop train --data <folder> --epochs 1 --quiet"
    summary = _summary(child, m * N_X * 4, command)
    summary["idx_examples"] = {"train": m, "t10k": m_test}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="child process of the memory benchmark")
    parser.add_argument("--report", required=True, help="where to write the JSON result")
    sub = parser.add_subparsers(dest="path", required=True)
    lib = sub.add_parser("library")
    lib.add_argument("--examples", type=int, required=True)
    lib.add_argument("--batch", type=int, required=True)
    lib.add_argument("--lr", type=float, required=True)
    cli = sub.add_parser("cli")
    cli.add_argument("arguments", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.path == "library":
        result = child_library(args.examples, args.batch, args.lr)
    else:
        result = child_cli([a for a in args.arguments if a != "--"])
    Path(args.report).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
