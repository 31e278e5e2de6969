"""``load``: one entry point from a name or a path to a Dataset."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

from . import compression
from .bundled import BUNDLED, load_bundled
from .csvfile import read_csv
from .dataset import Dataset
from .errors import DataError, listing
from .idx import read_mnist_dir
from .npzfile import read_npz
from .remote import is_url, local_copy
from .synthetic import SYNTHETIC

#: .data: the UCI repository's files; .xlsx: an Excel workbook's first sheet, and .parquet: a
#: Parquet file's table, read as CSV
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".data", ".dat", ".xlsx", ".parquet")


def _check_options(what: str, given: dict, accepted) -> None:
    unknown = [name for name in given if name not in accepted]
    if unknown:
        options = f"its options are {listing(accepted)}" if accepted else "it takes no options"
        raise DataError(f"{what}: unknown option {unknown[0]!r}; {options}")


def _suffix(p: Path) -> str:
    """The suffix that names the kind of data: past a final .gz, .bz2 or .xz (data.csv.gz ->
    .csv), and of the file inside a zip archive of one file (data.zip holding data.csv -> .csv),
    which must be delimited text."""
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] in compression.COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] == ".zip":
        member = compression.member_name(p)
        if member is not None:
            return _archived_suffix(member, p)
    return suffixes[-1] if suffixes else ""


def _archived_suffix(member: str, archive) -> str:
    """The suffix of the file ``member`` of a zip ``archive``; a DataError that says to
    extract it when it is not delimited text, which alone is read from an archive."""
    suffix = _suffix(Path(member))
    if suffix not in _TEXT_SUFFIXES or suffix in (".xlsx", ".parquet"):
        raise DataError(
            f"{archive}: {member} is in a zip archive, from which deltaprop reads delimited text "
            f"files: extract {member} to read it"
        )
    return suffix


def _load_text(p, suffix: str, options: dict) -> Dataset:
    """A delimited text file (also a workbook's sheet, a Parquet table) with ``options`` (see
    read_csv)."""
    _check_options(
        str(p),
        options,
        (
            "label",
            "header",
            "delimiter",
            "weight",
            "cells",
            "missing",
            "ignore",
            "features",
            "missing_values",
            "test_part",
            "sheet",
            "encoding",
        ),
    )
    if suffix == ".tsv":
        options.setdefault("delimiter", "\t")
    return read_csv(p, **options)


def load(spec: str | os.PathLike, **options) -> Dataset:
    """The Dataset that ``spec`` names.

    ``spec`` is a bundled set ("digits", "iris", "wine", "breast_cancer"), a synthetic one
    ("moons", "circles", "spirals", "blobs", "xor"; ``options`` go to its generator, e.g.
    ``m=1000, seed=3``), or a path: a directory in the MNIST layout, a delimited text file
    (``.csv``, ``.tsv``, ``.txt``, ``.data``, ``.dat``, also compressed with gzip, bzip2 or xz,
    or in a zip archive: alone, or named as in ``titanic.zip/train.csv``; ``options``: label,
    header, delimiter, weight, encoding, ...; see read_csv), an Excel workbook (``.xlsx``;
    ``sheet``: which, by name or number from 1, default the first), a Parquet file
    (``.parquet``) or a ``.npz`` archive; or such a file's http(s) URL, downloaded once (see
    :mod:`.remote`). Names win over paths: write ``./digits`` for a directory called digits.
    """
    if isinstance(spec, str) and spec in BUNDLED:
        _check_options(spec, options, ())
        return load_bundled(spec)
    if isinstance(spec, str) and spec in SYNTHETIC:
        make = SYNTHETIC[spec]
        _check_options(spec, options, tuple(inspect.signature(make).parameters))
        return make(**options)
    member = compression.archive_member(spec)
    if member is not None:  # ARCHIVE.zip/FILE
        return _load_text(spec, _archived_suffix(member[1], member[0]), options)
    if is_url(spec):  # downloaded once, then read as the file it is, under its URL's name
        local = local_copy(spec)
        ds = load(local, **options)
        ds.description = ds.description.replace(str(local), spec)
        return ds
    p = Path(spec)
    if p.is_dir():
        _check_options(str(p), options, ())
        return read_mnist_dir(p)
    if p.is_file():
        suffix = _suffix(p)
        if suffix in _TEXT_SUFFIXES:
            return _load_text(p, suffix, options)
        if suffix == ".npz":
            _check_options(str(p), options, ("test_part",))
            return read_npz(p, **options)
        hint = " (for IDX files, give the directory that holds them)" if "idx" in p.name else ""
        raise DataError(
            f"{p}: unknown type of file; deltaprop reads .csv, .tsv, .txt, .data, .dat (also "
            f"compressed: .gz, .bz2, .xz, or alone in a .zip), .xlsx, .parquet, .npz, or a "
            f"directory of MNIST-format IDX files{hint}"
        )
    raise DataError(
        f"unknown data set {str(spec)!r}: not a bundled set ({listing(BUNDLED)}), not a synthetic "
        f"one ({listing(SYNTHETIC)}), and no file or directory of that name was found"
    )
