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

#: Settings of the runs compared with one process, on m = 180 training examples.
#: "small_last_batch": batches of 59 leave a last one of 3 examples, fewer than 4 ranks, so a
#: rank gets an empty shard; the first batch weighs 0 in all and is skipped on every rank.
#: "rank_0_decides": every rank but 0 starts from other weights and another seed, which
#: rank 0's replace.
CONFIGS = {
    "shuffled": {"batch_size": 50, "optimizer": "sgd", "lr": 0.1, "l2": 0.01, "epochs": 4},
    "small_last_batch": {
        "batch_size": 59,
        "shuffle": False,
        "optimizer": "adam",
        "lr": 0.01,
        "epochs": 3,
        "sample_weight": True,
        "zero_weight_rows": 59,
    },
    "rank_0_decides": {
        "batch_size": 50,
        "optimizer": "sgd",
        "lr": 0.1,
        "epochs": 3,
        "differ_by_rank": True,
    },
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
    if "zero_weight_rows" in config:
        fit["sample_weight"][: config["zero_weight_rows"]] = 0
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


def test_ranks_that_disagree_on_data_or_settings_all_raise_a_value_error(mpiexec, tmp_path):
    """Rank 1 differs from rank 0 in one thing at a time (as after loading other data or
    resuming from another checkpoint): every rank raises the same ValueError, which names it."""
    out = run(mpiexec, 2, [str(HERE), "disagree", str(tmp_path)])
    assert out.returncode == 0, out.stderr[-3000:]
    told = [json.loads((tmp_path / f"disagree-rank{r}.json").read_text()) for r in range(2)]
    assert told[0] == told[1]
    for what, message in told[0].items():
        assert message.startswith(f"the 2 ranks disagree on: {what}; every rank must"), what
    assert list(told[0]) == list(DISAGREEMENTS)


def test_dropout_masks_differ_between_ranks_and_steps_and_repeat_on_resume(mpiexec, tmp_path):
    """Each rank draws its own masks for its columns, from (seed, epoch, step, rank) alone, so
    that a run resumed at that step draws them again."""
    out = run(mpiexec, 2, [str(HERE), "masks", str(tmp_path)])
    assert out.returncode == 0, out.stderr[-3000:]
    with np.load(tmp_path / "masks-rank0.npz") as a, np.load(tmp_path / "masks-rank1.npz") as b:
        masks = [dict(a), dict(b)]
    for rank in (0, 1):
        drawn = masks[rank]
        assert set(np.unique(drawn["0-0"])) == {0, 2}  # keep probability 0.5: 0 or 1/0.5
        np.testing.assert_array_equal(drawn["0-0"], drawn["0-0 again"])
        assert not np.array_equal(drawn["0-0"], drawn["0-1"])
        assert not np.array_equal(drawn["0-0"], drawn["1-0"])
    for key in masks[0]:
        assert not np.array_equal(masks[0][key], masks[1][key]), key


def test_one_process_raises_errors_instead_of_aborting(mpiexec, tmp_path):
    """Without mpiexec (one rank) nobody waits for this process: an error in training is an
    ordinary exception, which the caller can catch, not MPI_Abort. (And a time-out that is not
    a positive number is refused.)"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, str(HERE), "alone", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == [
        "refused: timeout must be a positive number of seconds, got 0",
        "refused: timeout must be a positive number of seconds, got -1.0",
        "refused: timeout must be a positive number of seconds, got nan",
        "caught RuntimeError: on purpose",
    ]
    assert "MPI_Abort" not in out.stderr


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
    """On rank 1 (or ``rank``), after the first epoch: leave the loop, raise, die, or ask to
    stop."""

    def __init__(self, how: str, rank: int = 1):
        self.how, self.rank = how, rank

    def on_epoch_end(self, trainer, epoch, logs):
        if trainer.rank != self.rank or epoch != 1:
            return
        if self.how == "leave":
            trainer.stop_training = True  # this rank returns from fit and exits; rank 0 waits
        elif self.how == "raise":
            raise RuntimeError("on purpose")
        elif self.how == "die":
            os.kill(os.getpid(), 9)
        elif self.how == "interrupt":
            trainer.request_interrupt("on purpose")  # as a signal handler would


#: For ``disagree``: what rank 1 changes in the shuffled problem, by the facts that then differ.
#: Each changes the fit arguments or the trainer in place; "number of parameters" is rank 1's
#: network, one hidden unit wider.
DISAGREEMENTS = {
    "number of examples m, sum of X, sum of Y": lambda fit, tr: fit.update(
        X=fit["X"][:, 1:], Y=fit["Y"][1:]
    ),
    "number of parameters": lambda fit, tr: None,
    "batch_size": lambda fit, tr: setattr(tr, "batch_size", 49),
    "epochs": lambda fit, tr: setattr(tr, "epochs", 5),
    "epoch to start from": lambda fit, tr: setattr(tr, "epoch", 1),
    "step to start from": lambda fit, tr: setattr(tr, "batch", 1),
    "shuffle": lambda fit, tr: setattr(tr, "shuffle", False),
    "dropout": lambda fit, tr: setattr(tr, "dropout", 0.1),
    "l2": lambda fit, tr: setattr(tr, "l2", 0.02),
    "sum of X": lambda fit, tr: fit.update(X=fit["X"] * 1.001),
    "sum of sample_weight": lambda fit, tr: fit.update(sample_weight=np.ones(180)),
}


def worker(mode: str, folder: str, *rest: str) -> None:
    """Run under mpiexec: train the named configurations and save each rank's results
    (``train``), or train with a failing or interrupted rank 1 (``leave``, ``raise``, ``die``,
    ``interrupt``); let rank 1 differ from rank 0 in one thing after another and save the
    errors (``disagree``); save some steps' dropout masks (``masks``). ``alone`` runs without
    mpiexec and catches the error of a failing callback."""
    from deltaprop.training import TrainingInterrupted
    from deltaprop.training.distributed import DistributedTrainer, mpi_world

    if mode == "train":
        for name in rest:
            config = DROPOUT if name == "dropout" else CONFIGS[name]
            net, optimizer, settings, fit = problem(config)
            if config.get("differ_by_rank"):
                rank = mpi_world().Get_rank()
                settings["seed"] += rank
                for _, P in net.parameters():
                    P += rank
            trainer = DistributedTrainer(net, optimizer, timeout=60, **settings)
            history = trainer.fit(**fit)
            np.savez(Path(folder) / f"{name}-rank{trainer.rank}.npz", **results(trainer, history))
            if trainer.is_root:
                print(f"{name}: trained on {trainer.size} ranks", json.dumps(history.cost[-1:]))
        return
    if mode == "disagree":
        rank, told = mpi_world().Get_rank(), {}
        for what, change in DISAGREEMENTS.items():
            net, optimizer, settings, fit = problem(CONFIGS["shuffled"])
            if rank == 1 and what == "number of parameters":
                net = Network([5, 13, 8, 3], seed=0)
            trainer = DistributedTrainer(net, optimizer, timeout=60, **settings)
            if rank == 1:
                change(fit, trainer)
            try:
                trainer.fit(**fit)
            except ValueError as e:
                told[what] = str(e)
        Path(folder, f"disagree-rank{rank}.json").write_text(json.dumps(told))
        return
    if mode == "masks":
        net, optimizer, settings, fit = problem({**DROPOUT, "dropout": 0.5})
        trainer = DistributedTrainer(net, optimizer, timeout=60, **settings)
        masks = {}
        for key, (epoch, step) in {
            "0-0": (0, 0),
            "0-1": (0, 1),
            "1-0": (1, 0),
            "0-0 again": (0, 0),
        }.items():
            trainer.epoch, trainer.batch = epoch, step
            masks[key] = net.dropout_masks(trainer._mask_rng(), 0.5, 16)[1]
        np.savez(Path(folder) / f"masks-rank{trainer.rank}.npz", **masks)
        return
    net, optimizer, settings, fit = problem({**CONFIGS["shuffled"], "epochs": 200})
    if mode == "alone":
        for timeout in (0, -1.0, float("nan")):
            try:
                DistributedTrainer(net, optimizer, timeout=timeout)
            except ValueError as e:
                print(f"refused: {e}")
        settings["callbacks"] = [Failure("raise", rank=0)]
        try:
            DistributedTrainer(net, optimizer, timeout=60, **settings).fit(**fit)
        except RuntimeError as e:
            print(f"caught RuntimeError: {e}")
        return
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
