"""Training speed of deltaprop side by side with a plain numpy transcription of the seed's
equations, scikit-learn's MLPClassifier and PyTorch (CPU), and deltaprop's peak memory.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py [--quick] [--repeats N]
        [--out DIR]

Configurations (all float32, plain SGD with one learning rate, identical data and step counts):
the seed's 3-4-3-2 network for 1,000 full-batch steps on 1,000 examples, and one epoch of an
MNIST-shaped set (60,000 x 784) on 784-256-128-10 for each batch size of a sweep (32..4096; the
headline is 128). numpy's GEMM rate on the same layer shapes is measured in the same run.

Every system gets one untimed warm-up run per configuration; then the systems take turns (in a
rotating order) for ``--repeats`` timed runs, with a short pause between runs so that the idle
threads of one library's pool do not spin on the cores the next one needs. The table gives the
median, minimum and maximum. Results go to DIR/results.json and the sweep to DIR/throughput.png.
Systems that are not installed are reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import report
from gemm import needed_fraction
from systems import GEMM, SYSTEMS
from workloads import Data, Workload, make_data, mnist_workload, seed_workload

HERE = Path(__file__).resolve().parent
SWEEP = (32, 64, 128, 256, 512, 1024, 2048, 4096)
QUICK_SWEEP = (32, 128, 1024, 4096)
HEADLINE_BATCH = 128
#: Environment variables that force an OpenBLAS kernel or cache size; a current numpy is slower
#: with the values older builds needed.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: A load average above this many per usable core at the start says that the machine is busy.
BUSY = 0.5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 repeats, batch sizes 32 128 1024 4096")
    p.add_argument("--repeats", type=int, help="timed runs per system and configuration (5)")
    p.add_argument("--out", type=Path, default=HERE / "results", help="folder for JSON and plot")
    p.add_argument("--examples", type=int, default=60_000, help="size of the MNIST-shaped set")
    p.add_argument("--seed-steps", type=int, default=1000, help="full-batch steps of the seed net")
    p.add_argument("--batch-sizes", type=int, nargs="+", help="the sweep (32 64 ... 4096)")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate of every system")
    p.add_argument("--no-shuffle", action="store_true", help="no system shuffles the examples")
    p.add_argument(
        "--systems",
        nargs="+",
        choices=list(SYSTEMS),
        default=list(SYSTEMS),
        help="systems to run (default: all)",
    )
    p.add_argument("--memory-examples", type=int, default=60_000, help="set size for memory")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurements")
    p.add_argument(
        "--gemm-time", type=float, default=0.2, help="seconds to measure the needed GEMM share"
    )
    p.add_argument("--pause", type=float, default=0.2, help="seconds between timed runs")
    p.add_argument("--plain", action="store_true", help="plain-text tables even with rich")
    p.add_argument("--seed", type=int, default=0, help="seed of data, weights and shuffling")
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.batch_sizes is None:
        args.batch_sizes = list(QUICK_SWEEP if args.quick else SWEEP)
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


# ---------------------------------------------------------------------------- the machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> tuple[dict, list[dict]]:
    """(numpy's BLAS: name, version, kernel, threads; every thread pool threadpoolctl sees)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"name": "unknown (threadpoolctl not installed)", "threads": os.cpu_count()}, []
    pools = threadpool_info()
    blas = [p for p in pools if p.get("user_api") == "blas"]
    mine = next((p for p in blas if "numpy" in p.get("filepath", "")), blas[0] if blas else {})
    pools = [{**p, "filepath": short_path(p.get("filepath"))} for p in pools]
    return {
        "name": mine.get("internal_api", "unknown"),
        "version": mine.get("version"),
        "kernel": mine.get("architecture"),
        "threads": mine.get("num_threads", os.cpu_count()),
        "threading_layer": mine.get("threading_layer"),
        "filepath": short_path(mine.get("filepath")),
    }, pools


def short_path(path: str | None) -> str | None:
    """A library's file as its folder and name (numpy.libs/libscipy_openblas64_...so): which
    library it is, without the machine's paths."""
    if not path:
        return path
    p = Path(path)
    return f"{p.parent.name}/{p.name}"


def environment(blas: dict, pools: list[dict], versions: dict) -> dict:
    try:
        usable_cores = len(os.sched_getaffinity(0))
    except AttributeError:
        usable_cores = os.cpu_count()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "blas": blas,
        "threadpools": pools,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "openblas_overrides": {k: os.environ[k] for k in OPENBLAS_OVERRIDES if k in os.environ},
        # absolute paths (the script, --out) as their last part: no machine paths in the JSON
        "command": " ".join(
            [Path(sys.executable).name]
            + [Path(a).name if os.path.isabs(a) else a for a in sys.argv]
        ),
    }


# ---------------------------------------------------------------------------- measuring


def summarise(system, workload: Workload, outcomes: list, gemm_s: float) -> dict:
    times = [o.seconds for o in outcomes]
    median = float(np.median(times))
    result = {
        "system": system.name,
        "title": system.title,
        "workload": workload.name,
        "status": "ok",
        "reason": None,
        "times_s": times,
        "median_s": median,
        "min_s": min(times),
        "max_s": max(times),
        "gflops": workload.flops / median / 1e9,
        "fraction_of_gemm": gemm_s / median,
        "steps": outcomes[-1].steps,
        "dtype": outcomes[-1].dtype,
        "last_cost": outcomes[-1].cost,
    }
    # The comparison is only fair if every system did the same work in float32.
    problems = []
    if any(o.steps != workload.steps for o in outcomes):
        problems.append(f"took {outcomes[-1].steps} steps, not {workload.steps}")
    if any(o.dtype != "float32" for o in outcomes):
        problems.append(f"computed in {outcomes[-1].dtype}, not float32")
    if not all(np.isfinite(o.cost) for o in outcomes):
        problems.append("the cost became NaN or inf")
    if problems:
        result.update(status="invalid", reason="; ".join(problems))
    return result


def not_run(system, workload: Workload, status: str, reason: str) -> dict:
    return {
        "system": system.name,
        "title": system.title,
        "workload": workload.name,
        "status": status,
        "reason": reason,
        "times_s": [],
        "median_s": None,
        "gflops": None,
        "fraction_of_gemm": None,
        "time_ratio_to_deltaprop": None,
    }


def benchmark(workload: Workload, data: Data, systems: list, args) -> list[dict]:
    """numpy's GEMMs and all systems on one workload: a warm-up run each, then ``args.repeats``
    timed runs in rotating order (the GEMM reference takes its turn like the others)."""
    systems = [GEMM, *systems]
    failed: dict[str, str] = {}
    warmup = workload.warmup()
    for system in systems:
        try:
            system.train(warmup, data.head(warmup.m), args.seed)
        except Exception as e:  # report the failure in the table, keep measuring the others
            failed[system.name] = f"{type(e).__name__}: {e}"
            traceback.print_exc()
    outcomes: dict[str, list] = {s.name: [] for s in systems}
    for repeat in range(args.repeats):
        turn = repeat % len(systems)
        for system in systems[turn:] + systems[:turn]:
            if system.name in failed:
                continue
            time.sleep(args.pause)
            try:
                outcomes[system.name].append(system.train(workload, data, args.seed))
            except Exception as e:
                failed[system.name] = f"{type(e).__name__}: {e}"
                traceback.print_exc()
    if GEMM.name in failed:
        raise RuntimeError(f"numpy's GEMMs failed: {failed[GEMM.name]}")
    gemm_s = float(np.median([o.seconds for o in outcomes[GEMM.name]]))
    results = {}
    for system in systems:
        if system.name in failed:
            results[system.name] = not_run(system, workload, "error", failed[system.name])
        else:
            results[system.name] = summarise(system, workload, outcomes[system.name], gemm_s)
    needed = needed_fraction(workload.sizes, workload.batch, min_time=args.gemm_time)
    results[GEMM.name].update(needed_fraction=needed, floor_s=needed * gemm_s)
    reference = results.get("deltaprop")
    for r in results.values():
        ok = reference is not None and reference["status"] == "ok" and r["status"] == "ok"
        r["time_ratio_to_deltaprop"] = r["median_s"] / reference["median_s"] if ok else None
    return list(results.values())


# ---------------------------------------------------------------------------- targets


def _target(name, value, comparison, threshold) -> dict:
    met = (
        None
        if value is None
        else (value >= threshold if comparison == ">=" else value <= threshold)
    )
    return {
        "name": name,
        "value": value,
        "comparison": comparison,
        "threshold": threshold,
        "met": met,
    }


def targets(results: list[dict], memory: dict, headline: str) -> list[dict]:
    """The issue's targets, evaluated on this run's own numbers."""
    by_key = {(r["system"], r["workload"]): r for r in results}

    def value(system, workload, key):
        r = by_key.get((system, workload))
        return r[key] if r is not None and r["status"] == "ok" else None

    out = [
        _target(
            f"{headline}: deltaprop GFLOP/s / numpy GEMM GFLOP/s",
            value("deltaprop", headline, "fraction_of_gemm"),
            ">=",
            0.7,
        ),
        _target(
            f"{headline}: MLPClassifier time / deltaprop time",
            value("sklearn", headline, "time_ratio_to_deltaprop"),
            ">=",
            2.0,
        ),
        _target(
            f"{headline}: PyTorch time / deltaprop time",
            value("torch", headline, "time_ratio_to_deltaprop"),
            ">=",
            1.8,
        ),
        _target(
            "seed: MLPClassifier time / deltaprop time",
            value("sklearn", "seed", "time_ratio_to_deltaprop"),
            ">=",
            6.0,
        ),
        _target(
            "seed: PyTorch time / deltaprop time",
            value("torch", "seed", "time_ratio_to_deltaprop"),
            ">=",
            6.0,
        ),
    ]
    for path, m in memory.items():
        ok = "error" not in m
        out.append(
            _target(
                f"memory, {path}: peak RSS / (1.5 x data + 100 MB)",
                m["peak_bytes"] / m["limit_bytes"] if ok else None,
                "<=",
                1.0,
            )
        )
        out.append(
            _target(
                f"memory, {path}: (peak - baseline) / data (copies held)",
                m["copies_of_data"] if ok else None,
                "<=",
                2.0,
            )
        )
    return out


# ---------------------------------------------------------------------------- main


def measure_memory(args) -> dict:
    import memory

    out = {}
    for path, measure in (
        ("library", lambda: memory.measure_library(args.memory_examples, HEADLINE_BATCH, args.lr)),
        ("cli", lambda: memory.measure_cli(args.memory_examples, args.memory_examples // 6)),
    ):
        try:
            out[path] = measure()
        except Exception as e:
            out[path] = {"error": f"{type(e).__name__}: {e}"}
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = [k for k in OPENBLAS_OVERRIDES if k in os.environ]
    if overrides:
        unset = " ".join(f"-u {k}" for k in OPENBLAS_OVERRIDES)
        print(
            f"warning: {', '.join(overrides)} set; it forces an OpenBLAS kernel or cache size "
            "instead of the one numpy picks for this CPU, so these numbers are not numpy's "
            f"own. For those, run: env {unset} python benchmarks/run.py",
            file=sys.stderr,
        )
    blas, _ = blas_info()
    threads = int(blas["threads"] or os.cpu_count() or 1)
    systems, skipped, versions = [], {}, {"numpy": np.__version__}
    for name in args.systems:
        system = SYSTEMS[name]
        reason = system.load(threads)
        if reason is None:
            systems.append(system)
            versions[name] = system.version()
        else:
            skipped[name] = reason
    blas, pools = blas_info()  # again, now that every library has loaded its own pools
    env = environment(blas, pools, versions)
    load = env["load_average_at_start"]
    print(
        (f"load average {load[0]:.2f}; " if load else "")
        + f"{env['cpu']}, {env['usable_cores']} cores; numpy {np.__version__} with {blas['name']} "
        f"{blas.get('version')} (kernel {blas.get('kernel')}), {threads} threads; "
        f"systems: {', '.join(s.name for s in systems)}"
        + (f"; skipped: {', '.join(skipped)}" if skipped else ""),
        file=sys.stderr,
    )
    if load and load[0] > BUSY * env["usable_cores"]:
        print(
            f"warning: the machine is busy (load average {load[0]:.2f} on "
            f"{env['usable_cores']} cores): other work shares the cores, so the times and even "
            "the ratios may be off; run again when it is quiet",
            file=sys.stderr,
        )

    shuffle = not args.no_shuffle
    workloads = [seed_workload(args.seed_steps, args.lr)]
    batch_sizes = sorted(set(args.batch_sizes) | {HEADLINE_BATCH})
    workloads += [mnist_workload(b, args.examples, args.lr, shuffle) for b in batch_sizes]
    first_of_group = {w.group: w for w in reversed(workloads)}  # one data set per group
    datasets = {group: make_data(w, args.seed) for group, w in first_of_group.items()}
    results = []
    for workload in workloads:
        started = time.perf_counter()
        results += benchmark(workload, datasets[workload.group], systems, args)
        results += [not_run(SYSTEMS[n], workload, "skipped", r) for n, r in skipped.items()]
        print(
            f"  {workload.label}: {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    memory = {} if args.no_memory else measure_memory(args)
    if hasattr(os, "getloadavg"):
        env["load_average_at_end"] = list(os.getloadavg())
    headline = mnist_workload(HEADLINE_BATCH, args.examples, args.lr, shuffle).name
    result = {
        "environment": env,
        "settings": {
            "repeats": args.repeats,
            "lr": args.lr,
            "shuffle": shuffle,
            "seed": args.seed,
            "headline": headline,
            "flop_count": "6 x weights x examples seen",
        },
        "workloads": [w.to_dict() for w in workloads],
        "results": results,
        "memory": memory,
        "targets": targets(results, memory, headline),
    }
    report.print_tables(result, plain=args.plain)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {report.write_json(result, args.out)}")
    plot = report.plot_throughput(result, args.out)
    if plot is not None:
        print(f"wrote {plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
