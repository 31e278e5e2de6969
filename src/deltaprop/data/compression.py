"""Compressed files (gzip, bzip2, xz) and zip archives that hold one file, opened as the bytes
they hold. The kind is told by a file's first bytes, not its name, so a misnamed file is read
too; the names matter only to tell what kind of file is inside (data.csv.bz2 holds a CSV)."""

from __future__ import annotations

import gzip
import importlib
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import DataError, listing
from .remote import is_url

try:
    from lzma import LZMAError
except ImportError:  # a Python built without lzma (see _module)
    LZMAError = OSError

#: Suffixes of compressed files, which the suffix before them names the contents of.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")

#: What reading a damaged compressed file or archive raises besides OSError: EOFError (cut
#: short), zlib.error and LZMAError (damaged data), and from zipfile BadZipFile (a bad CRC),
#: RuntimeError (an encrypted member), NotImplementedError (a method it lacks, such as the
#: Deflate64 of Windows' large "compressed folders"), struct.error and OverflowError (a
#: damaged header).
READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    LZMAError,
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    struct.error,
    OverflowError,
)


def kind(head: bytes) -> str | None:
    """ "gzip", "bzip2", "xz" or "zip" for a file that starts with ``head`` (its first 10 bytes
    or more), else None."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # "BZh", the block size '1'..'9', then the first block's magic number (the digits of pi)
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a first member; an empty archive
        return "zip"
    return None


def open_bytes(source: Path | bytes, name: str) -> BinaryIO:
    """The bytes that ``source`` (a file, or bytes in memory) holds, decompressed: a stream to
    read and close. ``name`` is what messages call it. A zip archive must hold exactly one file
    (see :func:`only_member`)."""
    if isinstance(source, bytes):
        head, target = source[:10], io.BytesIO(source)
    else:
        with open(source, "rb") as f:
            head, target = f.read(10), source
    found = kind(head)
    if found == "gzip":
        return gzip.open(target, "rb")
    if found in ("bzip2", "xz"):
        return _module(found, name).open(target, "rb")
    if found == "zip":
        # The member keeps the archive's file open after the archive is closed, until it is.
        with zipfile.ZipFile(target) as archive:
            return archive.open(only_member(archive, name))
    return target if isinstance(source, bytes) else open(source, "rb")


def _module(found: str, name: str):
    """The standard library's module for bzip2 or xz, which a Python built without the C
    library it wraps lacks."""
    module = {"bzip2": "bz2", "xz": "lzma"}[found]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DataError(
            f"{name}: a file compressed with {found}, and this Python was built without the "
            f"{module} module: decompress the file first"
        ) from None


def only_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """The one file that the zip ``archive`` holds (see :func:`_files`), or a DataError that
    lists what it holds."""
    files = _files(archive)
    if not files:
        raise DataError(f"{name}: a zip archive that holds no file")
    if len(files) > 1:
        names = sorted(i.filename for i in files)
        raise DataError(
            f"{name}: a zip archive that holds {len(files)} files ({listing(names)}); name the "
            f"one to read, as in {name}/{names[0]}"
        )
    return files[0]


def archive_member(spec) -> tuple[str, str] | None:
    """(the archive, the file in it) for ``spec`` written as ``ARCHIVE.zip/FILE``, as
    ``zipfile.Path`` writes a file in an archive: when ARCHIVE.zip is a file (or an http(s)
    URL) and ``spec`` itself names none; else None."""
    if not isinstance(spec, (str, os.PathLike)):
        return None
    text = os.fspath(spec)
    found = re.search(r"\.zip/", text, flags=re.IGNORECASE)
    if found is None or found.end() == len(text):
        return None
    archive, member = text[: found.start() + 4], text[found.end() :]
    if is_url(archive):
        return archive, member
    if Path(text).exists() or not Path(archive).is_file():
        return None
    return archive, member


def member_bytes(archive: Path, member: str, name: str) -> bytes:
    """The bytes of the file ``member`` of the zip ``archive``; ``name`` is what messages call
    it. A DataError that lists the archive's files when it holds no such file."""
    try:
        with zipfile.ZipFile(archive) as opened:
            files = _files(opened)
            if member not in [info.filename for info in files]:
                raise DataError(
                    f"{name}: the archive holds no file {member!r}; it holds "
                    f"{listing(sorted(i.filename for i in files))}"
                )
            return opened.read(member)
    except READ_ERRORS as e:
        raise DataError(f"{name}: cannot be read ({e})") from None


def _files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of a zip archive: not its folders, nor the ``__MACOSX/`` entries that macOS
    adds."""
    return [
        info
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith("__MACOSX/")
    ]


def member_name(p: Path) -> str | None:
    """The name (without folders) of the file that the zip archive ``p`` holds; None when ``p``
    is not a zip archive."""
    with open(p, "rb") as f:
        if kind(f.read(10)) != "zip":
            return None
    try:
        with zipfile.ZipFile(p) as archive:
            return PurePosixPath(only_member(archive, str(p)).filename).name
    except READ_ERRORS as e:
        raise DataError(f"{p}: not a zip archive that can be read ({e})") from None
