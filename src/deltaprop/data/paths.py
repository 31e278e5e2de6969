"""Turning a user's path into an existing, readable file, or a DataError that says why not."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError
from .remote import is_url, local_copy


def existing_file(path: str | os.PathLike) -> Path:
    """``path`` as a Path, after checking it names a non-empty regular file; for an http(s)
    URL, its downloaded copy (see :mod:`.remote`)."""
    p = local_copy(path) if is_url(path) else Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a directory, expected a file")
    try:
        size = p.stat().st_size
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror})") from None
    if size == 0:
        raise DataError(f"{p}: the file is empty")
    return p


def is_gzip(p: Path) -> bool:
    """True for a gzip file: by its first two bytes (1f 8b), so a misnamed file is handled too."""
    try:
        with open(p, "rb") as f:
            return f.read(2) == b"\x1f\x8b"
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror})") from None


def version(p: Path) -> tuple[str, int, int]:
    """The file ``p`` as a cache key: its resolved path, size and time of change, so that a
    file that changes is read again."""
    stat = p.stat()
    return str(p.resolve()), stat.st_size, stat.st_mtime_ns
