"""``deltaprop train --distributed`` as a user meets it under ``mpiexec``: the model of one
process, rank 0 alone prints and writes files, bad input stops every rank with one line, and an
interrupted run resumes. Every subprocess has a time-out, so a hang fails a test instead of
stalling the suite. Skipped without mpi4py or an MPI launcher
(``pip install 'deltaprop[distributed]'``)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deltaprop import cli, io

from .test_distributed import mpi_launcher

CLI = [sys.executable, "-m", "deltaprop"]
#: One BLAS thread per rank (the ranks share the cores), and output as it is printed.
ENV = {
    **os.environ,
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONUNBUFFERED": "1",
}
#: ``python -c`` program: the CLI, run by rank r in the folder rank<r>, so that relative output
#: paths show which rank wrote what.
IN_OWN_FOLDER = (
    "import os, sys; from mpi4py import MPI; os.chdir(f'rank{MPI.COMM_WORLD.Get_rank()}'); "
    "from deltaprop.cli import main; raise SystemExit(main(sys.argv[1:]))"
)
#: A small run; float64, so that two ranks and one process agree to rounding.
SMALL = ["train", "--data", "iris", "--hidden", "16", "8", "--epochs", "12", "--lr", "0.01"]
SMALL += ["--dtype", "float64", "--seed", "5"]


@pytest.fixture(scope="module")
def mpiexec():
    return mpi_launcher()


def run(command, cwd=None, env=ENV, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*map(str, command)], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def assert_same_weights(model_a, model_b):
    a, b = model_a.network, model_b.network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-12, err_msg=name)


def one_line_error(result, mpiexec) -> str:
    """The single line of a bad-input failure (exit 2, no traceback). Open MPI's mpirun adds a
    banner of its own about the exit status; MPICH's mpiexec adds nothing."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    if "--oversubscribe" in mpiexec:  # Open MPI
        lines = [line for line in lines if line.startswith("deltaprop")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def without_times(text: str) -> list[str]:
    """The lines a run prints, without the seconds in the progress lines and the number of
    ranks in the summary, which differ between one process and several ranks."""
    text = re.sub(r", \d+ MPI ranks?", "", text)
    return [re.sub(r"\s+[\d.]+s$", "", line) for line in text.splitlines()]


# ---------------------------------------------------------------------- the same model


@pytest.mark.parametrize(
    "options",
    [["--batch-size", "16", "--plots", "figures"], ["--full-batch"]],
    ids=["mini-batch", "full-batch"],
)
def test_two_ranks_train_the_model_of_one_process_and_rank_0_alone_speaks(
    mpiexec, tmp_path, options
):
    for folder in ("single", "rank0", "rank1"):
        (tmp_path / folder).mkdir()
    args = [*SMALL, *options, "--out", "model.npz", "--checkpoint-every", "4"]
    one = run([*CLI, *args], cwd=tmp_path / "single")
    assert one.returncode == 0, one.stderr
    two = run(
        [*mpiexec, "-n", "2", sys.executable, "-c", IN_OWN_FOLDER, *args, "--distributed"],
        cwd=tmp_path,
    )
    assert two.returncode == 0, two.stderr

    assert_same_weights(
        io.load(tmp_path / "single/model.npz"), io.load(tmp_path / "rank0/model.npz")
    )
    # what one process prints, once (rank 1 prints nothing), and only rank 0 writes files
    assert without_times(two.stdout) == without_times(one.stdout)
    assert "2 MPI ranks" in two.stdout and two.stderr == one.stderr
    assert sorted(os.listdir(tmp_path / "rank0")) == sorted(os.listdir(tmp_path / "single"))
    assert {"model.npz", "model.npz.checkpoint.npz"} <= set(os.listdir(tmp_path / "rank0"))
    assert os.listdir(tmp_path / "rank1") == []


def test_distributed_without_mpiexec_is_one_rank(mpiexec, tmp_path):
    plain = run([*CLI, *SMALL, "--out", "plain.npz", "--quiet"], cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    alone = run([*CLI, *SMALL, "--out", "alone.npz", "--quiet", "--distributed"], cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert "1 MPI rank\n" in alone.stdout
    assert_same_weights(io.load(tmp_path / "plain.npz"), io.load(tmp_path / "alone.npz"))


# ---------------------------------------------------------------------- bad input

SAME = None  # rank 1 runs rank 0's command


@pytest.mark.parametrize(
    "rank0, rank1, message",
    [
        # every rank meets it: in the arguments, in the data; rank 0 alone reports it
        (["--mpi-timeout", "0"], SAME, "argument --mpi-timeout: expected a positive number"),
        (["--data", "nonsense"], SAME, "unknown data set 'nonsense'"),
        # only rank 0 checks its output folder; only rank 1 cannot load its data
        (["--out", "nowhere/m.npz"], SAME, "--out nowhere/m.npz: folder nowhere does not exist"),
        (["--data", "iris"], ["--data", "nonsense"], "unknown data set 'nonsense'"),
        # the ranks load different data: the trainer's check finds it
        (["--data", "iris"], ["--data", "wine"], "the 2 ranks disagree on: number of examples"),
    ],
)
def test_bad_input_under_mpiexec_stops_every_rank_with_one_line(
    mpiexec, tmp_path, rank0, rank1, message
):
    """Rank 0 and rank 1 run their own command lines (MPI's ``:``), so that one rank alone can
    fail. The run must end, with exit 2 and one line, whichever rank failed."""
    first = [*CLI, "train", "--distributed", "--quiet", "--epochs", "2", *rank0]
    second = first if rank1 is SAME else [*first[: -len(rank0)], *rank1]
    result = run([*mpiexec, "-n", "1", *first, ":", "-n", "1", *second], cwd=tmp_path, timeout=60)
    assert message in one_line_error(result, mpiexec)
    assert result.stdout.strip() == "" and os.listdir(tmp_path) == []


#: ``python -c`` program: the CLI, with a bug in rank 1's loading of the data.
BUG_ON_RANK_1 = (
    "import sys; from mpi4py import MPI; from deltaprop import cli\n"
    "from deltaprop.cli import train  # where set_up looks prepare_run up\n"
    "def bug(*args): raise RuntimeError('a bug')\n"
    "if MPI.COMM_WORLD.Get_rank() == 1: train.prepare_run = bug\n"
    "raise SystemExit(cli.main(sys.argv[1:]))"
)


def test_a_bug_on_one_rank_while_loading_stops_every_rank_at_once(mpiexec, tmp_path):
    """Not an input error that the ranks share after loading: rank 1 aborts the run at once
    rather than leave rank 0 waiting for it until the time-out (60 s here)."""
    started = time.monotonic()
    args = ["train", "--distributed", "--data", "iris", "--mpi-timeout", "60", "--quiet"]
    result = run([*mpiexec, "-n", "2", sys.executable, "-c", BUG_ON_RANK_1, *args], cwd=tmp_path)
    assert result.returncode != 0
    assert "rank 1 of 2 stopped with RuntimeError: a bug (while loading)" in result.stderr
    assert time.monotonic() - started < 30 and os.listdir(tmp_path) == []


def test_without_mpi4py_distributed_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    assert cli.main(["train", "--distributed", "--data", "iris"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(
        "deltaprop: error: distributed training needs mpi4py and an MPI: "
        "pip install 'deltaprop[distributed]'"
    )


@pytest.mark.parametrize("rank", [0, 1])
def test_a_launcher_of_another_mpi_is_an_error_not_separate_runs(mpiexec, tmp_path, rank):
    """A launcher announced 2 processes (as MPICH's does, in PMI_RANK and PMI_SIZE) but MPI
    sees one: each process would train alone and write the same files. Rank 0 says so."""
    if "--oversubscribe" in mpiexec:
        pytest.skip("the PMI_* variables of this test are MPICH's")
    env = {**ENV, "PMI_RANK": str(rank), "PMI_SIZE": "2"}
    result = run([*CLI, *SMALL, "--distributed", "--out", "m.npz"], cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    if rank == 0:
        assert "started 2 processes but MPI sees 1" in one_line_error(result, mpiexec)
    else:
        assert result.stderr == ""
    assert result.stdout == "" and os.listdir(tmp_path) == []


# ---------------------------------------------------------------------- interrupt and resume

LONG = ["train", "--data", "digits", "--hidden", "16", "--epochs", "60", "--batch-size", "16"]
LONG += ["--seed", "3", "--dtype", "float64", "--lr", "0.003"]


def interrupt(command, signum, cwd, timeout=60) -> tuple[int, str]:
    """Start ``command``, send it ``signum`` once it prints its first progress line; (exit
    status, stderr)."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=cwd
    )
    try:
        for line in proc.stdout:  # mpiexec ends the pipe when the ranks exit
            if line.startswith("epoch"):
                proc.send_signal(signum)
                break
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def test_an_interrupted_run_resumes_to_the_model_of_one_process(mpiexec, tmp_path):
    full = tmp_path / "full.npz"
    assert run([*CLI, *LONG, "--out", full, "--quiet"]).returncode == 0

    checkpoint, resumed = tmp_path / "ckpt.npz", tmp_path / "resumed.npz"
    code, err = interrupt(
        [
            *mpiexec,
            "-n",
            "2",
            *CLI,
            *LONG,
            "--distributed",
            "--out",
            resumed,
            "--checkpoint",
            checkpoint,
        ],
        signal.SIGINT,
        tmp_path,
    )
    assert code == 130, err
    told = [line for line in err.splitlines() if line.startswith("deltaprop")]
    assert len(told) == 1 and "Traceback" not in err, err
    assert told[0].startswith("deltaprop: interrupted by SIGINT: stopped in epoch ")
    assert told[0].endswith(
        f"continue with: mpiexec -n 2 deltaprop train --distributed --resume {checkpoint}"
    )
    assert checkpoint.exists() and not resumed.exists()

    # the checkpoint of 2 ranks continues in one process, and (a copy, since a finished run
    # leaves its final state in its checkpoint) on 2 ranks again
    spare = tmp_path / "spare.npz"
    shutil.copy(checkpoint, spare)
    alone = run([*CLI, "train", "--resume", checkpoint, "--quiet"])
    assert alone.returncode == 0, alone.stderr
    assert_same_weights(io.load(full), io.load(resumed))
    resumed.unlink()
    again = run([*mpiexec, "-n", "2", *CLI, "train", "--distributed", "--resume", spare])
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("resuming") == 1 and again.stdout.count("model saved") == 1
    assert_same_weights(io.load(full), io.load(resumed))


def test_a_regression_run_on_two_ranks_is_the_model_of_one_process(mpiexec, tmp_path):
    for folder in ("single", "rank0", "rank1"):
        (tmp_path / folder).mkdir()
    args = ["train", "--data", "diabetes", "--regression", "--hidden", "8", "--epochs", "4"]
    args += ["--batch-size", "16", "--dtype", "float64", "--seed", "5", "--out", "model.npz"]
    one = run([*CLI, *args, "--quiet"], cwd=tmp_path / "single")
    assert one.returncode == 0, one.stderr
    two = run(
        [
            *mpiexec,
            "-n",
            "2",
            sys.executable,
            "-c",
            IN_OWN_FOLDER,
            *args,
            "--quiet",
            "--distributed",
        ],
        cwd=tmp_path,
    )
    assert two.returncode == 0, two.stderr
    single, rank0 = io.load(tmp_path / "single/model.npz"), io.load(tmp_path / "rank0/model.npz")
    assert_same_weights(single, rank0)
    np.testing.assert_array_equal(single.target_scaler.std, rank0.target_scaler.std)
    assert without_times(two.stdout) == without_times(one.stdout) and "test RMSE" in one.stdout
