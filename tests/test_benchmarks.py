"""The benchmark (benchmarks/run.py) at toy size, so that it cannot rot.

Nothing here asserts anything about time: only that the command runs, measures every system on
every configuration (or reports a missing library as skipped), writes its JSON and plot, prints the
table rows, and that its plain numpy reference really is the engine's mathematics.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
BENCHMARKS = REPOSITORY / "benchmarks"
SYSTEMS = ("deltaprop", "numpy", "sklearn", "torch")
TOY = [
    "--examples", "384",
    "--seed-steps", "10",
    "--batch-sizes", "32", "64",
    "--repeats", "1",
    "--memory-examples", "600",
    "--gemm-time", "0.005",
    "--pause", "0",
    "--plain",
]  # fmt: skip


def run_script(name: str, *args: str, timeout: int = 300, env=None):
    """Run benchmarks/<name> with ``args`` from the repository root, output captured."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def quick_run(name: str, out) -> tuple:
    """benchmarks/<name>.py --quick, which must succeed, and the report it wrote to
    ``out``/<name>.json."""
    done = run_script(f"{name}.py", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done, json.loads((out / f"{name}.json").read_text())


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    # One thread per pool: at toy size threads only add waiting, most of all on a busy machine.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = run_script("run.py", *TOY, "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, out, json.loads((out / "results.json").read_text())


def test_every_system_runs_every_configuration_or_is_skipped(toy_run):
    _, _, report = toy_run
    workloads = {w["name"] for w in report["workloads"]}
    assert workloads == {"seed", "mnist-b32", "mnist-b64", "mnist-b128"}
    results = {(r["system"], r["workload"]): r for r in report["results"]}
    for workload in workloads:
        assert results[("gemm", workload)]["gflops"] > 0
        for system in SYSTEMS:
            r = results[(system, workload)]
            module = {"numpy": "numpy", "deltaprop": "deltaprop"}.get(system, system)
            if not installed(module):
                assert r["status"] == "skipped", r
                continue
            # The same work for everybody: the step count and float32 are checked per run.
            assert r["status"] == "ok", r
            assert len(r["times_s"]) == 1
            assert r["dtype"] == "float32"
            assert r["gflops"] > 0 and r["fraction_of_gemm"] > 0
    assert results[("deltaprop", "seed")]["time_ratio_to_deltaprop"] == 1


def test_json_records_the_machine_the_blas_and_the_targets(toy_run):
    _, _, report = toy_run
    env = report["environment"]
    assert env["cpu"] and env["cores"] >= 1
    assert env["blas"]["threads"] >= 1
    assert "numpy" in env["versions"] and "deltaprop" in env["versions"]
    names = [t["name"] for t in report["targets"]]
    assert len(names) == 9  # 5 speed targets, 2 memory targets for each of 2 paths
    memory = report["memory"]
    assert set(memory) == {"library", "cli"}
    for path in memory.values():
        assert "error" not in path, path
        assert path["peak_bytes"] >= path["baseline_bytes"] > 0
    assert memory["cli"]["exit_code"] == 0


def test_the_table_and_the_plot_are_written(toy_run):
    done, out, _ = toy_run
    table = done.stdout
    for title in ("numpy GEMM (same shapes)", "deltaprop", "numpy transcription"):
        assert title in table
    assert "sklearn MLPClassifier" in table
    assert "PyTorch" in table  # a row either way: measured, or "skipped: PyTorch not installed"
    assert "3-4-3-2, m=1,000, 10 full-batch steps" in table
    assert "784-256-128-10, m=384, b=32, 1 epoch" in table
    for heading in ("Batch-size sweep", "Peak memory", "Targets"):
        assert heading in table
    if installed("matplotlib"):
        assert (out / "throughput.png").stat().st_size > 0


def test_the_plain_transcription_takes_the_engines_gradient_step(monkeypatch):
    """The reference point is honest: one step of the benchmark's plain numpy transcription
    gives the same weights as the engine's gradients and update."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from systems import plain_numpy_sgd

    from deltaprop import Network

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((3, 50)), rng.integers(0, 2, 50)
    net = Network([3, 4, 3, 2], seed=0)
    W, b = {l: net.W[l].copy() for l in net.W}, {l: net.b[l].copy() for l in net.b}
    Y = np.eye(2)[:, y]
    steps, cost = plain_numpy_sgd(W, b, X, Y, lr=0.1, batch_size=50, epochs=1, rng=None)
    assert steps == 1
    assert cost == pytest.approx(net.cost(X, y))
    dW, db = net.gradients(X, y)
    net.update(dW, db, alpha=0.1)
    for l in net.W:
        np.testing.assert_allclose(W[l], net.W[l], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b[l], net.b[l], rtol=1e-10, atol=1e-12)


def test_a_missing_library_is_reported_as_skipped(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setitem(sys.modules, "torch", None)  # "import torch" now raises ImportError
    from systems import TorchSGD

    assert TorchSGD().load(threads=1).startswith("PyTorch not installed")


def test_the_gpu_check_runs_dry_on_the_cpu(tmp_path):
    """benchmarks/gpu_check.py is the one script a session with a GPU runs; here it runs on
    PyTorch's CPU at toy size so that it cannot rot (its numbers mean nothing on a CPU). numpy
    stands in for a second library; a library that is not installed is skipped, with why."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    args = ["--device", "cpu", "--quick", "--libraries", "numpy", "torch", "not_a_library"]
    out = tmp_path / "new" / "folder"  # made by the script
    done = run_script("gpu_check.py", *args, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    result = json.loads((out / "gpu_check.json").read_text())
    assert result["libraries"] == ["numpy", "torch"]
    assert "not installed" in result["skipped"]["not_a_library"]
    networks = [(row["library"], row["network"]) for row in result["gradients"]]
    assert networks == [
        (library, network)
        for library in ("numpy", "torch")
        for network in ("3-4-3-2", "784-256-128-10")
    ]
    assert all(row["passed"] for row in result["gradients"])
    assert result["graph"]["passed"] and result["graph"]["graph_vs_trainer"] < 1e-3
    cases = [(row["batch"], row["optimizer"]) for row in result["training"]]
    assert cases == [(128, "sgd"), (1024, "sgd"), (128, "adam")]
    for row in result["training"]:
        graphs = {"deltaprop[torch] graph", "torch graph"} if row["optimizer"] == "sgd" else set()
        assert set(row["seconds"]) == {"deltaprop[numpy]", "deltaprop[torch]", "torch"} | graphs
        assert all(seconds > 0 for seconds in row["seconds"].values())
        assert row["errors"] == {}
    assert "-> ok" in done.stdout and "not_a_library: skipped" in done.stdout


def test_the_gpu_check_keeps_the_other_numbers_when_one_run_fails(monkeypatch, tmp_path):
    """A failure on one library is recorded as one line, the other runs go on, and the exit
    code says that something failed."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import gpu_check

    def out_of_memory(*args):
        raise RuntimeError("out of device memory\nand a second line")

    monkeypatch.setattr(gpu_check, "deltaprop_epoch", out_of_memory)
    args = ["--device", "cpu", "--quick", "--libraries", "numpy", "--out", str(tmp_path)]
    assert gpu_check.main(args) == 1
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert len(result["training"]) == 3
    for row in result["training"]:
        assert row["errors"] == {"deltaprop[numpy]": "RuntimeError: out of device memory"}
        graph = {"torch graph"} if row["optimizer"] == "sgd" else set()
        assert set(row["seconds"]) == {"torch"} | graph


def test_the_graph_check_fails_when_the_replayed_step_does_not_train(monkeypatch):
    """The check of a graphed epoch against the Trainer's must catch a graph that replays
    nothing new (here: one that replays nothing at all), as a stale capture would."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import gpu_check

    assert gpu_check.check_graph(torch, "cpu")["passed"]

    def stale(torch, device, step):
        step()  # the capture's own run, then replays that change nothing
        return lambda: None

    monkeypatch.setattr(gpu_check, "capture", stale)
    check = gpu_check.check_graph(torch, "cpu")
    assert not check["passed"] and check["graph_vs_trainer"] > 0.1


def test_the_launch_count_runs_and_sees_what_a_step_asks_of_a_gpu(tmp_path):
    """benchmarks/launches.py counts, per training step, the kernels each trainer would launch
    and its reads back to the host; counts, not times, so they are checked here."""
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    out = tmp_path / "new" / "folder"  # made by the script
    done = run_script("launches.py", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    result = json.loads((out / "launches.json").read_text())
    rows = {(row["optimizer"], row["dropout"]): row for row in result["steps"]}
    assert set(rows) == {("sgd", 0.0), ("adam", 0.0), ("sgd", 0.2)}
    for row in rows.values():
        for trainer in ("deltaprop", "torch"):
            assert row[trainer]["by_operator"]["mm"] >= 5  # at least the products were counted
        # deltaprop reads back per epoch (8 steps here), never once per step
        assert 0 < row["deltaprop"]["reads_back"] < 4
        # and compares its predictions with the labels there too, for all the steps at once
        assert row["deltaprop"]["by_operator"].get("eq", 0) < 1
    # the epoch's permutation, and dropout masks sent for many steps at once: never one a step
    assert all(row["deltaprop"]["transfers"] < 1 for row in rows.values())
    assert (
        rows[("sgd", 0.2)]["deltaprop"]["transfers"] > rows[("sgd", 0.0)]["deltaprop"]["transfers"]
    )
    assert "kernels" in done.stdout


def test_the_gpu_check_says_when_there_is_no_gpu():
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is here")
    done = run_script("gpu_check.py", "--device", "cuda", timeout=120)
    assert done.returncode == 2 and "no CUDA device" in done.stderr


def test_the_estimators_benchmark_times_the_same_fits(tmp_path):
    """benchmarks/estimators.py at toy size: each problem's two fits end with the same network,
    and every fit was timed (nothing is asserted about the times)."""
    pytest.importorskip("sklearn")
    done, report = quick_run("estimators", tmp_path)
    results = report["results"]
    assert [r["name"].split(" ")[0] for r in results] == ["digits,"] * 3 + ["diabetes"]
    for r in results:
        assert r["same_n_iter_and_loss"] and r["max_weight_difference"] < 1e-9, r
        assert all(len(t) == 2 and min(t) > 0 for t in r["seconds"].values())
    assert "| digits, lbfgs |" in done.stdout


def test_the_csv_benchmark_reads_the_same_features_with_every_reader(tmp_path):
    """benchmarks/csv_read.py at toy size: it exits 0 only when every reader returned the same X
    from both files; every read was timed (nothing is asserted about the times)."""
    done, report = quick_run("csv_read", tmp_path)
    results = report["results"]
    assert [r["shape"] for r in results] == [[500, 784], [500, 50]]
    for r in results:
        assert {"deltaprop", "numpy loadtxt"} <= set(r["seconds"])
        assert all(len(t) == 2 and min(t) > 0 for t in r["seconds"].values())
    assert "| MNIST-shaped, 500 x 785 whole numbers |" in done.stdout


def test_the_predict_benchmark_times_the_same_probabilities(tmp_path):
    """benchmarks/predict.py at toy timings: it exits 0 only when every system gave deltaprop's
    probabilities and labels; every size was timed (nothing is asserted about the times)."""
    done, report = quick_run("predict", tmp_path)
    expected = {"deltaprop"} | {
        name
        for name, module in [("onnxruntime", "onnxruntime"), ("scikit-learn", "sklearn"),
                             ("PyTorch", "torch")]
        if installed(module)
    }  # fmt: skip
    assert set(report["machine"]["systems"]) == expected
    assert [r["rows"] for r in report["results"]] == [1, 128, 10_000]
    for r in report["results"]:
        assert set(r["seconds"]) == expected
        assert all(len(t) == 2 and min(t) > 0 for t in r["seconds"].values())
    assert "| 10,000 |" in done.stdout


def test_the_predict_benchmarks_check_fails_for_other_probabilities(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from predict import SIZES, check

    from deltaprop import Network
    from deltaprop.model import Model

    model = Model(Network(SIZES, seed=0))
    X = np.random.default_rng(0).random((16, SIZES[0]))
    check({"deltaprop": model.predict_proba, "same": model.predict_proba}, X)
    shifted = Model(Network(SIZES, seed=0))
    shifted.network.b[3][0] += 1e-3  # a bias a little off: probabilities off by ~1e-4
    with pytest.raises(AssertionError, match="wrong: other probabilities than deltaprop's"):
        check({"deltaprop": model.predict_proba, "wrong": shifted.predict_proba}, X)
