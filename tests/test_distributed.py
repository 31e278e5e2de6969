"""Data-parallel training over MPI: N ranks equal one process on the same global batches, and a
rank that fails stops the whole run instead of hanging it.

The MPI runs start this very file under ``mpiexec -n N python tests/test_distributed.py ...``
(see ``worker`` at the bottom); the reference runs happen here, in one process. They are skipped
when mpi4py or an MPI launcher is missing (``pip install 'deltaprop[distributed]'``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from deltaprop.core import Network
from deltaprop.training import Callback, EarlyStopping, Trainer, make_optimizer

HERE = Path(__file__).resolve()

#: Settings of the runs compared with one process. m = 203 examples: with a batch of 50 the last
#: batch has 3 examples, fewer than 4 ranks, so a rank gets an empty shard.
CONFIGS = {
    "shuffled": {"batch_size": 50, "optimizer": "sgd", "lr": 0.1, "l2": 0.01, "epochs": 4},
    "full_batch_weighted": {
        "batch_size": None,
        "optimizer": "adam",
        "lr": 0.01,
        "epochs": 5,
        "sample_weight": True,
    },
    "ordered_early_stopping": {
        "batch_size": 16,
        "shuffle": False,
        "optimizer": "momentum",
        "lr": 0.05,
        "epochs": 8,
        "validation": True,
        "patience": 2,
    },
}
DROPOUT = {"batch_size": 32, "optimizer": "sgd", "lr": 0.2, "epochs": 6, "dropout": 0.3}


def problem(config: dict):
    """The same data and network on every rank and in the reference: (network, trainer
    settings, fit arguments) for ``config``."""
    rng = np.random.default_rng(7)
    m = 203
    X = rng.normal(size=(5, m))
    y = (X[0] > 0).astype(int) + (X[1] + 0.3 * rng.normal(size=m) > 0.5)
    net = Network([5, 12, 8, 3], seed=0)
    settings = {
        "epochs": config["epochs"],
        "batch_size": config["batch_size"],
        "l2": config.get("l2", 0.0),
        "shuffle": config.get("shuffle", True),
        "dropout": config.get("dropout", 0.0),
        "seed": 3,
        "callbacks": [EarlyStopping(patience=config["patience"])] if "patience" in config else [],
    }
    fit = {
        "X": X[:, :180],
        "Y": y[:180],
        "validation": (X[:, 180:], y[180:]) if config.get("validation") else None,
        "sample_weight": rng.random(180) if config.get("sample_weight") else None,
    }
    return net, make_optimizer(config["optimizer"], lr=config["lr"]), settings, fit


def results(trainer, history) -> dict[str, np.ndarray]:
    """What is compared: every weight and the per-epoch records."""
    arrays = {name: P.copy() for name, P in trainer.network.parameters()}
    for key in ("cost", "accuracy", "val_cost", "grad_norm", "dead_fraction"):
        arrays[key] = np.array(getattr(history, key), dtype=float)
    return arrays


# ---------------------------------------------------------------------- the launcher


def find_launcher() -> list[str] | None:
    """The mpiexec of the MPI that mpi4py uses (the one beside this Python first, as the PyPI
    ``mpich`` package installs it), with the options Open MPI needs to run as root and to put
    more ranks than cores."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        return None
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30)
    command = [found]
    if "Open MPI" in version.stdout + version.stderr or "OpenRTE" in version.stdout:
        command.append("--oversubscribe")
        if os.geteuid() == 0:
            command.append("--allow-run-as-root")
    return command


def mpi_launcher() -> list[str]:
    """The launcher command, after checking that it starts 2 ranks of mpi4py; skips the test
    when mpi4py or a launcher is missing or they do not fit together."""
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install 'deltaprop[distributed]')")
    command = find_launcher()
    if command is None:
        pytest.skip("no mpiexec/mpirun (pip install mpich, or apt-get install openmpi-bin)")
    probe = "from mpi4py import MPI; c = MPI.COMM_WORLD; c.Get_rank() or print(c.Get_size())"
    out = run(command, 2, ["-c", probe], timeout=60)
    if out.returncode != 0 or out.stdout.strip() != "2":  # not 1 twice: an MPI mismatch
        pytest.skip(
            f"mpiexec does not start 2 ranks of mpi4py: {out.stdout!r} {out.stderr[-500:]!r}"
        )
    return command


@pytest.fixture(scope="module")
def mpiexec():
    return mpi_launcher()


def run(command, n, args, timeout=60) -> subprocess.CompletedProcess:
    """``mpiexec -n n python args``, one BLAS thread per rank (2 ranks on 2 cores otherwise
    compete with the BLAS threads)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env["MKL_NUM_THREADS"] = "1"
    full = [*command, "-n", str(n), sys.executable, *args]
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env)


# ---------------------------------------------------------------------- the tests


def test_shards_cover_every_example_once_and_differ_by_at_most_one():
    from deltaprop.training.distributed import shard

    for k in (0, 1, 3, 7, 128, 203):
        for size in (1, 2, 3, 4, 8):
            bounds = [shard(k, size, r) for r in range(size)]
            assert bounds[0][0] == 0 and bounds[-1][1] == k
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
            lengths = [hi - lo for lo, hi in bounds]
            assert max(lengths) - min(lengths) <= 1


def test_without_mpi4py_the_error_says_how_to_install_it(monkeypatch):
    from deltaprop.training import distributed

    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'deltaprop\[distributed\]' \(the mpi4py"):
        distributed.load_mpi()


@pytest.mark.parametrize("n", [2, 4])
def test_n_ranks_train_the_same_weights_as_one_process(mpiexec, tmp_path, n):
    started = time.monotonic()
    out = run(mpiexec, n, [str(HERE), "train", str(tmp_path), *CONFIGS], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("trained") == len(CONFIGS)  # rank 0 alone prints
    for name, config in CONFIGS.items():
        net, optimizer, settings, fit = problem(config)
        trainer = Trainer(net, optimizer, **settings)
        expected = results(trainer, trainer.fit(**fit))
        for rank in range(n):
            with np.load(tmp_path / f"{name}-rank{rank}.npz") as got:
                assert set(got.files) == set(expected)
                for key, value in expected.items():
                    np.testing.assert_allclose(
                        got[key],
                        value,
                        rtol=1e-10,
                        atol=1e-12,
                        err_msg=f"{name}, {key}, rank {rank}",
                    )
    assert time.monotonic() - started < 60


def test_with_dropout_the_ranks_stay_equal_and_learn(mpiexec, tmp_path):
    out = run(mpiexec, 2, [str(HERE), "train", str(tmp_path), "dropout"], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    with np.load(tmp_path / "dropout-rank0.npz") as a, np.load(tmp_path / "dropout-rank1.npz") as b:
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        assert a["cost"][-1] < a["cost"][0]
        # the same global batches, other masks: close to one process in distribution only
        net, optimizer, settings, fit = problem(DROPOUT)
        single = Trainer(net, optimizer, **settings).fit(**fit)
        assert not np.allclose(a["cost"], single.cost, rtol=1e-6)


def test_an_interrupt_on_one_rank_stops_every_rank_after_the_same_step(mpiexec, tmp_path):
    out = run(mpiexec, 2, [str(HERE), "interrupt", str(tmp_path), "60"])
    assert out.returncode == 0, out.stderr[-3000:]
    stops = [(tmp_path / f"stopped-rank{r}.txt").read_text() for r in range(2)]
    assert stops == [
        "rank 0 stopped: interrupted on another rank: stopped in epoch 2 after step 1",
        "rank 1 stopped: on purpose: stopped in epoch 2 after step 1",
    ]


@pytest.mark.parametrize(
    "failure, message, timeout",
    [
        ("leave", "rank 0 of 2 waited 3 s for the gradient Allreduce of epoch 2, step 1", 3),
        ("raise", "rank 1 of 2 stopped with RuntimeError: on purpose (in epoch 1, step 4)", 60),
        ("die", None, 60),
    ],
)
def test_a_rank_that_fails_stops_the_whole_run(mpiexec, tmp_path, failure, message, timeout):
    """Rank 1 leaves the training loop after epoch 1 (and exits), raises, or is killed: the run
    ends with an error within a bounded time instead of hanging in the Allreduce."""
    started = time.monotonic()
    out = run(mpiexec, 2, [str(HERE), failure, str(tmp_path), str(timeout)], timeout=60)
    elapsed = time.monotonic() - started
    assert out.returncode != 0, out.stdout + out.stderr
    assert "all epochs done" not in out.stdout
    if message:
        assert message in out.stderr, out.stderr[-3000:]
        assert out.stderr.count("Stopping every rank (MPI_Abort)") == 1, out.stderr[-3000:]
    assert elapsed < (30 if failure == "leave" else 20)


# ---------------------------------------------------------------------- the MPI side


class Failure(Callback):
    """On rank 1, after the first epoch: leave the loop, raise, die, or ask to stop."""

    def __init__(self, how: str):
        self.how = how

    def on_epoch_end(self, trainer, epoch, logs):
        if trainer.rank != 1 or epoch != 1:
            return
        if self.how == "leave":
            trainer.stop_training = True  # this rank returns from fit and exits; rank 0 waits
        elif self.how == "raise":
            raise RuntimeError("on purpose")
        elif self.how == "die":
            os.kill(os.getpid(), 9)
        elif self.how == "interrupt":
            trainer.request_interrupt("on purpose")  # as a signal handler would


def worker(mode: str, folder: str, *rest: str) -> None:
    """Run under mpiexec: train the named configurations and save each rank's results
    (``train``), or train with a failing or interrupted rank 1 (``leave``, ``raise``, ``die``,
    ``interrupt``)."""
    from deltaprop.training import TrainingInterrupted
    from deltaprop.training.distributed import DistributedTrainer, mpi_world

    if mode == "train":
        for name in rest:
            config = DROPOUT if name == "dropout" else CONFIGS[name]
            net, optimizer, settings, fit = problem(config)
            trainer = DistributedTrainer(net, optimizer, timeout=60, **settings)
            history = trainer.fit(**fit)
            np.savez(Path(folder) / f"{name}-rank{trainer.rank}.npz", **results(trainer, history))
            if trainer.is_root:
                print(f"{name}: trained on {trainer.size} ranks", json.dumps(history.cost[-1:]))
        return
    net, optimizer, settings, fit = problem({**CONFIGS["shuffled"], "epochs": 200})
    settings["callbacks"] = [Failure(mode)]
    mpi_world().Barrier()  # start together: the short time-out is for the training, not imports
    trainer = DistributedTrainer(net, optimizer, timeout=float(rest[0]), **settings)
    try:
        trainer.fit(**fit)
    except TrainingInterrupted as e:
        Path(folder, f"stopped-rank{trainer.rank}.txt").write_text(
            f"rank {trainer.rank} stopped: {e}"
        )
        return
    if trainer.is_root:
        print("all epochs done")


if __name__ == "__main__":
    worker(*sys.argv[1:])
