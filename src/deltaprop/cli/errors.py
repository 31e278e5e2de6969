"""Exit codes, the errors of the command line, and how errors and warnings reach the user:
one plain line on stderr."""

from __future__ import annotations

import contextlib
import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program killed by SIGPIPE


class UsageError(ValueError):
    """Bad command-line input (reported in one line, exit code 2)."""


class Reported(Exception):
    """Stop with exit code ``code``: the message has been printed already, by this process or,
    under MPI, by another rank."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def first_line(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError) and error.filename:  # as the data readers say it
        return f"no such file: {error.filename}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` for the command line: one plain line, no source location (a user
    of the command did not write the code it points to)."""
    from ..core import DeltapropWarning

    kind = "" if issubclass(category, DeltapropWarning) else f"{category.__name__}: "
    with contextlib.suppress(OSError):  # as warnings' own: a warning never stops the command
        print(f"deltaprop: warning: {kind}{message}", file=file or sys.stderr)
