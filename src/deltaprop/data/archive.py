"""The arrays of an .npz archive, read without trusting the file.

``np.load(allow_pickle=False)`` refuses pickles but believes the rest of a file: it allocates
the shape an array's header announces before reading a byte of it (a forged header asks for
terabytes), returns the raw bytes of a member that is not a .npy array, and lets through
whatever zipfile raises on a damaged archive (RuntimeError for a member marked encrypted,
NotImplementedError for an unknown compression, zlib.error, struct.error...).

:class:`NpzArchive` reads the same files, allocating memory only for bytes that are there (an
announced size must match the member's, and the values are read in chunks), with three errors:

- ``zipfile.BadZipFile``: the archive is damaged or cannot be read;
- :class:`PickledArrayError`: a member holds Python objects, which only unpickling could read;
- :class:`ArrayError`: a member is not a .npy array, or its header disagrees with its size.

Each message is one line, without the file's name (the caller knows it).
"""

from __future__ import annotations

import ast
import math
import struct
import zipfile

import numpy as np

from .compression import READ_ERRORS

_MAGIC = b"\x93NUMPY"
# .npy format version -> (struct format of the header's length, the header's encoding)
_HEADER = {1: ("<H", "latin1"), 2: ("<I", "latin1"), 3: ("<I", "utf8")}
_MAX_HEADER = 10_000  # characters, numpy's own limit for a header read without trust
_CHUNK = 1 << 20  # bytes read at a time
# What zipfile raises on a damaged archive or member, ValueError included.
_ZIP_ERRORS = (*READ_ERRORS, ValueError)


class ArrayError(ValueError):
    """A member of an archive that is not a readable .npy array (the message says why)."""


class PickledArrayError(ArrayError):
    """A member that holds Python objects: only unpickling, which can run code, could read it."""


def _first_line(error: BaseException) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


class NpzArchive:
    """The arrays of the .npz archive ``path``, by name (a member's name less ``.npy``):
    ``files`` lists them and ``archive[name]`` reads one. Use it as a context manager."""

    def __init__(self, path):
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except _ZIP_ERRORS as e:
            raise zipfile.BadZipFile(_first_line(e)) from None
        # name -> member; of members of the same name, the last, as zipfile's getinfo has it
        self._members = {i.filename.removesuffix(".npy"): i for i in infos if not i.is_dir()}
        self.files = list(self._members)

    def __getitem__(self, name: str) -> np.ndarray:
        info = self._members[name]
        try:
            member = self._zip.open(info.filename)  # by name: zipfile's messages show it
        except _ZIP_ERRORS as e:
            raise zipfile.BadZipFile(_first_line(e)) from None
        with member:
            return _read_npy(lambda n: _read(member, n), info.file_size)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read(member, n: int) -> bytes:
    """Up to ``n`` bytes of an open member; a damaged archive is a BadZipFile."""
    try:
        return member.read(n)
    except _ZIP_ERRORS as e:
        raise zipfile.BadZipFile(_first_line(e)) from None


def _read_npy(read, size: int) -> np.ndarray:
    """The array of a .npy file of ``size`` bytes, read with ``read(n)``."""
    shape, fortran_order, dtype, offset = _read_header(read)
    if dtype.hasobject:
        raise PickledArrayError("it holds Python objects, which only unpickling could read")
    return _values(read, size - offset, shape, fortran_order, dtype)


def _read_header(read) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, Fortran order, element type, length of the header in bytes) from the start of
    a .npy file: the magic string and version, the header's length, the header."""
    magic = read(len(_MAGIC) + 2)
    if len(magic) < len(_MAGIC) + 2 or not magic.startswith(_MAGIC):
        raise ArrayError("not a .npy array")
    version = magic[-2]
    if version not in _HEADER:
        raise ArrayError(f".npy format version {version}.{magic[-1]} is unknown")
    length_format, encoding = _HEADER[version]
    raw = read(struct.calcsize(length_format))
    if len(raw) < struct.calcsize(length_format):
        raise ArrayError("the .npy header is cut short")
    (length,) = struct.unpack(length_format, raw)
    if length > 4 * _MAX_HEADER:  # a character takes at most 4 bytes
        raise ArrayError(f"the .npy header is {length} bytes long, too long to trust")
    header = read(length)
    if len(header) < length:
        raise ArrayError("the .npy header is cut short")
    try:
        text = header.decode(encoding)
    except UnicodeDecodeError:
        raise ArrayError(f"the .npy header is not {encoding} text") from None
    if len(text) > _MAX_HEADER:
        raise ArrayError(f"the .npy header is {len(text)} characters long, too long to trust")
    return (*_parse_header(text), len(magic) + len(raw) + length)


def _parse_header(text: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, Fortran order, element type) from the text of a .npy header: a Python literal
    dict, read with ast.literal_eval (which evaluates nothing but literals)."""
    try:
        header = ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise ArrayError("the .npy header cannot be parsed") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ArrayError("the .npy header lacks the shape, element type or order")
    shape, fortran_order = header["shape"], header["fortran_order"]
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise ArrayError(f"the .npy header gives an invalid shape, {_short(shape)}")
    if not isinstance(fortran_order, bool):
        raise ArrayError(f"the .npy header gives an invalid order, {_short(fortran_order)}")
    try:
        dtype = np.lib.format.descr_to_dtype(header["descr"])
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError):
        raise ArrayError(
            f"the .npy header gives an invalid element type, {_short(header['descr'])}"
        ) from None
    return shape, fortran_order, dtype


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _values(read, found: int, shape, fortran_order: bool, dtype: np.dtype) -> np.ndarray:
    """The ``found`` bytes after a .npy header as an array of ``shape`` and ``dtype``, after
    checking that they are exactly what the header announces."""
    count = math.prod(shape)
    expected = count * dtype.itemsize
    if count and not dtype.itemsize:
        raise ArrayError(f"the .npy header gives elements of 0 bytes ({dtype})")
    if expected != found:
        dims = " x ".join(map(str, shape)) or "1"
        raise ArrayError(
            f"the .npy header announces {dims} values of {dtype} ({expected} bytes), "
            f"but {found} bytes follow it"
        )
    data = bytearray()
    while len(data) < expected:
        chunk = read(min(_CHUNK, expected - len(data)))
        if not chunk:
            raise ArrayError(f"the values end after {len(data)} of {expected} bytes")
        data += chunk
    if read(1):  # reading to the end also checks the member's CRC
        raise ArrayError(f"more than the {expected} bytes announced follow the .npy header")
    try:
        if not count:
            return np.empty(shape, dtype)
        values = np.frombuffer(data, dtype=dtype, count=count)
        return values.reshape(shape[::-1]).T if fortran_order else values.reshape(shape)
    except (ValueError, TypeError) as e:  # e.g. more dimensions than numpy has
        raise ArrayError(_first_line(e)) from None
