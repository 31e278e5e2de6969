"""Turning a user's path into an existing, readable file, or a DataError that says why not; and
whether a path, a URL or a file in a zip archive names data at all."""

from __future__ import annotations

import os
from pathlib import Path

from .compression import archive_member, kind
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
    """True for a gzip file, by its first bytes (compression.kind), so a misnamed file is
    handled too."""
    try:
        with open(p, "rb") as f:
            return kind(f.read(10)) == "gzip"
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror})") from None


def version(p: Path) -> tuple[str, int, int]:
    """The file ``p`` as a cache key: its resolved path, size and time of change, so that a
    file that changes is read again."""
    stat = p.stat()
    return str(p.resolve()), stat.st_size, stat.st_mtime_ns


def exists(spec) -> bool:
    """Whether ``spec`` names data to read: a file or folder that exists, an http(s) URL (which
    is downloaded when read), or a file in a zip archive (``ARCHIVE.zip/FILE``)."""
    return is_url(spec) or archive_member(spec) is not None or Path(spec).exists()


def absolute(spec) -> str:
    """``spec`` as a run records it, so that it names the same data from any folder: a URL as
    it is, a path (also the archive's, of a file in a zip archive) made absolute."""
    member = archive_member(spec)
    if member is not None:
        archive, inner = member
        return spec if is_url(archive) else f"{Path(archive).resolve()}/{inner}"
    return spec if is_url(spec) else str(Path(spec).resolve())
