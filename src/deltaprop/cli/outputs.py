"""The files and folders a command writes: checked before any work; the figures it could not
draw, told."""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import UsageError


def check_output(option: str, path: str, folder: bool = False) -> None:
    """Fail before any work when ``path`` cannot be written: a file whose folder is missing or
    is a folder itself, or (``folder``) a folder that is a file."""
    p = Path(path)
    if folder:
        if p.exists() and not p.is_dir():
            raise UsageError(f"{option} {path} is a file; give a folder for the figures")
        return
    if p.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    if not p.resolve().parent.is_dir():
        raise UsageError(f"{option} {path}: folder {p.parent} does not exist")


def tell_skipped(skipped) -> None:
    for name, why in skipped:
        print(f"deltaprop: {name} not drawn: {why}", file=sys.stderr)
