"""IDX files, the raw format of MNIST and Fashion-MNIST, and directories that hold them.

An IDX file is a big-endian header -- two zero bytes, a type code, the number of dimensions d,
then d 32-bit sizes -- followed by the values in C order. MNIST's images have magic 0x00000803
(unsigned bytes, 3 dimensions: m, rows, cols) and its labels 0x00000801 (unsigned bytes, m).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from .dataset import Dataset, check_dataset, make_dataset
from .errors import DataError
from .paths import existing_file, is_gzip

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# The most dimensions a numpy array has (NPY_MAXDIMS since numpy 2.0); an IDX header may give 255.
_MAX_DIMS = 64

# type code -> element type (IDX stores numbers big-endian)
_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _header(p: Path, head: bytes) -> tuple[np.dtype, tuple[int, ...], int]:
    """(element type, shape, header length in bytes) from the first bytes of an IDX file."""
    if len(head) < 4:
        raise DataError(f"{p}: {len(head)} bytes, too short for an IDX header")
    magic = int.from_bytes(head[:4], "big")
    code, ndim = head[2], head[3]
    if head[:2] != b"\x00\x00" or code not in _TYPES or ndim == 0:
        raise DataError(
            f"{p}: not an IDX file: magic number 0x{magic:08x}, expected 0x{IMAGES_MAGIC:08x} "
            f"(images), 0x{LABELS_MAGIC:08x} (labels) or another 0x0000TTDD"
        )
    if ndim > _MAX_DIMS:
        raise DataError(
            f"{p}: the IDX header announces {ndim} dimensions; numpy arrays have at most "
            f"{_MAX_DIMS}"
        )
    length = 4 + 4 * ndim
    if len(head) < length:
        raise DataError(f"{p}: the IDX header announces {ndim} sizes but the file ends first")
    shape = tuple(int.from_bytes(head[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return _TYPES[code], shape, length


def _check_length(p: Path, dtype: np.dtype, shape: tuple[int, ...], found: int) -> None:
    """The ``found`` bytes after the header are the values the header announces, and numpy
    can hold an array of that shape."""
    expected = math.prod(shape) * dtype.itemsize
    dims = " x ".join(map(str, shape))
    if found != expected:
        raise DataError(
            f"{p}: the IDX header says {dims} values of {dtype.itemsize} byte(s) "
            f"({expected} bytes) but {found} bytes follow the header"
        )
    # numpy multiplies the sizes other than 0 even for an empty array, and refuses an overflow
    if math.prod(n for n in shape if n) * dtype.itemsize > np.iinfo(np.intp).max:
        raise DataError(f"{p}: the IDX header's sizes {dims} are too large for a numpy array")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file into an array of the shape its header gives, e.g. (m, rows, cols) uint8.

    A plain file is memory-mapped (np.memmap, read-only): nothing is read until it is used, and
    the file's 47 MB of MNIST pixels are never copied. A gzipped file (detected by its content,
    not its name) is decompressed once into memory and viewed without a further copy (read-only).
    """
    p = existing_file(path)
    if is_gzip(p):
        try:
            with gzip.open(p, "rb") as f:
                data = f.read()
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{p}: corrupt gzip data ({e})") from None
        dtype, shape, offset = _header(p, data[: 4 + 4 * 255])  # the longest possible header
        _check_length(p, dtype, shape, len(data) - offset)
        return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    with open(p, "rb") as f:
        head = f.read(4)
        if len(head) == 4:
            head += f.read(4 * head[3])
    dtype, shape, offset = _header(p, head)
    _check_length(p, dtype, shape, p.stat().st_size - offset)
    if math.prod(shape) == 0:  # an empty file region cannot be mapped
        return np.empty(shape, dtype)
    return np.memmap(p, dtype=dtype, mode="r", offset=offset, shape=shape)


def _find(directory: Path, part: str, what: str, ndim: int) -> Path | None:
    """The file for e.g. part "train", what "images": train-images-idx3-ubyte, or its .gz, or
    the train-images.idx3-ubyte spelling of some copies. A plain file wins (it can be mapped)."""
    for suffix in ("", ".gz"):
        for sep in ("-", "."):
            candidate = directory / f"{part}-{what}{sep}idx{ndim}-ubyte{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _pair(directory: Path, part: str) -> tuple[np.ndarray, np.ndarray, str] | None:
    """(X (m, rows*cols) uint8, y (m,) int64, "rowsxcols") for one part, or None when neither
    of its files is there."""
    images_path = _find(directory, part, "images", 3)
    labels_path = _find(directory, part, "labels", 1)
    if images_path is None and labels_path is None:
        return None
    if images_path is None or labels_path is None:
        found, missing = (
            (images_path, f"{part}-labels-idx1-ubyte[.gz]")
            if labels_path is None
            else (labels_path, f"{part}-images-idx3-ubyte[.gz]")
        )
        raise DataError(f"{directory}: found {found.name} but not {missing}")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(
            f"{images_path}: expected images (magic 0x{IMAGES_MAGIC:08x}: m x rows x cols "
            f"unsigned bytes), found a {images.ndim}-D array of {images.dtype}"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":  # float labels would be truncated
        raise DataError(
            f"{labels_path}: expected labels (magic 0x{LABELS_MAGIC:08x}: m values, or another "
            f"integer type), found a {labels.ndim}-D array of {labels.dtype}"
        )
    if len(images) != len(labels):
        raise DataError(f"{directory}: {len(images)} {part} images but {len(labels)} {part} labels")
    m, rows, cols = images.shape
    # A reshape of the C-ordered memmap is a view: the pixels stay on disk.
    return images.reshape(m, rows * cols), np.asarray(labels, dtype=np.int64), f"{rows}x{cols}"


def read_mnist_dir(path: str | os.PathLike) -> Dataset:
    """Read a directory in the MNIST layout (MNIST, Fashion-MNIST, KMNIST...).

    It must hold train-images-idx3-ubyte and train-labels-idx1-ubyte (each possibly .gz); if
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte are there too they become ``.test``.
    X is (m, rows*cols) uint8 -- for plain files a view of the memory map, not a copy -- y (m,)
    int64, kind "image".
    """
    d = Path(path)
    if not d.exists():
        raise DataError(f"{d}: no such directory")
    if not d.is_dir():
        raise DataError(f"{d}: not a directory (expected one holding MNIST-format IDX files)")
    train = _pair(d, "train")
    if train is None:
        raise DataError(
            f"{d}: no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] found"
        )
    test = None
    tested = _pair(d, "t10k")
    if tested is not None:
        X_test, y_test, _ = tested
        description = f"{d} (t10k test part): {len(y_test)} images."
        test = make_dataset(f"{d} (test part)", X_test, y_test, description, kind="image")
    X, y, size = train
    with_test = f"; test part: {test.m} examples" if test is not None else ""
    description = (
        f"MNIST-format images from {d}: {X.shape[0]} training examples of {size} pixels "
        f"({X.shape[1]} features), {len(np.unique(y))} classes{with_test}."
    )
    ds = make_dataset(str(d), X, y, description, kind="image", test=test)
    return check_dataset(ds)
