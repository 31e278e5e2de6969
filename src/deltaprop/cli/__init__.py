"""The ``deltaprop`` command line. Parses, prints, exits 0 (done), 1 (training or a gradient check
failed), 2 (bad input: one line on stderr, no traceback), 130/143 (interrupted; a checkpoint is
saved) or 141 (the reader of standard output went away, as in ``deltaprop ... | head``).
No mathematics here. Imported by nothing."""

from __future__ import annotations

import os
import sys
import warnings

from .errors import EXIT_BROKEN_PIPE, EXIT_USAGE, Reported, first_line, show_warning
from .export import cmd_export
from .info import cmd_info
from .inspect import cmd_inspect
from .models import cmd_evaluate, cmd_plot, cmd_predict
from .mpi import asks_for_mpi, launcher
from .parser import build_parser
from .resume import given_options
from .teaching import cmd_errata, cmd_gradcheck, cmd_report, cmd_trace
from .train import cmd_train

COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "report": cmd_report,
    "trace": cmd_trace,
    "gradcheck": cmd_gradcheck,
    "errata": cmd_errata,
    "plot": cmd_plot,
    "info": cmd_info,
    "inspect": cmd_inspect,
    "export": cmd_export,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Under mpirun every rank parses the same arguments and meets the same errors: rank 0 tells.
    speaker = not asks_for_mpi(argv) or launcher()[0] == 0
    previous, warnings.showwarning = warnings.showwarning, show_warning
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            args.given = given_options(argv, vars(args))
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit, where it could not be caught
        return code
    except Reported as e:  # already told
        return e.code
    except BrokenPipeError:
        # Whoever read standard output has gone (| head): stop quietly. Standard output goes to
        # devnull, so that Python's flush at exit meets no pipe (see the Python docs, "Note on
        # SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except MemoryError as e:  # numpy's says how much it wanted for which shape
        if speaker:
            print(f"deltaprop: error: not enough memory: {first_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, ImportError) as e:  # bad input, a missing optional package
        if speaker:
            print(f"deltaprop: error: {first_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        warnings.showwarning = previous
