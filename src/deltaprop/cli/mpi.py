"""Which MPI launcher started this process, and the MPI world of a ``--distributed`` run."""

from __future__ import annotations

import os
import sys

from .errors import UsageError

#: Where MPI launchers announce a process's rank and their number: MPICH's Hydra (and Intel
#: MPI), Open MPI.
LAUNCHER_VARIABLES = (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"))


def launcher() -> tuple[int, int]:
    """(rank, number of processes) as an MPI launcher announced them in the environment; (0, 1)
    outside one. Known before MPI starts: ranks other than 0 keep quiet about bad arguments."""
    for rank, size in LAUNCHER_VARIABLES:
        if os.environ.get(rank, "").isdigit() and os.environ.get(size, "").isdigit():
            return int(os.environ[rank]), int(os.environ[size])
    return 0, 1


def asks_for_mpi(argv: list[str]) -> bool:
    """Whether the command line has --distributed (or an abbreviation argparse accepts)."""
    return any(a.startswith("--di") and "--distributed".startswith(a) for a in argv)


def mpi_world(distributed: bool):
    """MPI.COMM_WORLD for a ``--distributed`` run (None otherwise), after checking that MPI sees
    every process the launcher started: with the mpiexec of another MPI, each would be rank 0 of
    1, train alone and write the same files."""
    rank, started = launcher()
    if not distributed:
        if started > 1 and rank == 0:
            print(
                f"deltaprop: warning: started as one of {started} MPI processes without "
                "--distributed: each trains alone and writes the same files",
                file=sys.stderr,
            )
        return None
    from ..training.distributed import mpi_world

    comm = mpi_world()  # or an ImportError that says how to install mpi4py and an MPI
    if comm.Get_size() == 1 < started:
        raise UsageError(
            f"the launcher started {started} processes but MPI sees 1: it is not the mpiexec of "
            "the MPI that mpi4py uses (with the mpich wheel, run the mpiexec installed beside "
            "this Python)"
        )
    return comm
