"""Excel workbooks (.xlsx) as the CSV text a sheet (the first, unless one is named) would be
saved as, so that every reader of delimited text (header detection, columns by name, text
columns, missing cells) takes them unchanged. Reading them needs openpyxl
(``pip install 'deltaprop[excel]'``)."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import numbers
import zipfile
from pathlib import Path

from .errors import DataError, listing
from .paths import version

#: The suffix of the workbooks read; .xls (Excel before 2007) is another format.
SUFFIX = ".xlsx"


def is_workbook(path) -> bool:
    return Path(str(path)).suffix.lower() == SUFFIX


def sheet_as_csv(p: Path, sheet: int | str | None = None) -> tuple[bytes, str]:
    """A sheet of the workbook ``p`` as CSV (UTF-8, ","), and what messages call it: ``p``, with
    the sheet's name when it is not the first. ``sheet``: the first when None; a sheet's name
    (an exact match, else one that differs only in case, as Excel compares them); a number,
    counted from 1 as the workbook's tabs are, or a text of digits that no sheet is named.

    One line a row, the values Excel shows (a formula's last computed value), an empty cell as
    an empty field. Numbers are written as Python writes them (shortest round trip), TRUE and
    FALSE as text, a date as ISO 8601 text. The last sheets converted are kept (by path, size
    and time of change): predict and evaluate read a file more than once."""
    if isinstance(sheet, numbers.Integral) and not isinstance(sheet, bool):
        sheet = int(sheet)  # numpy's integers too
    elif sheet is not None and not isinstance(sheet, str):
        raise DataError(f"sheet must be a sheet's name or its number (from 1), got {sheet!r}")
    return _converted(*version(p), sheet, str(p))


@functools.lru_cache(maxsize=4)  # a training sheet and a test sheet, read by evaluate twice
def _converted(path: str, size: int, mtime_ns: int, sheet, shown: str) -> tuple[bytes, str]:
    p = Path(path)
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise DataError(
            f"{shown}: reading .xlsx files needs openpyxl: pip install 'deltaprop[excel]' (or "
            "save the sheet as CSV)"
        ) from None
    try:
        book = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise DataError(f"{shown}: not an Excel workbook that can be read ({e})") from None
    try:
        if not book.worksheets:
            raise DataError(f"{shown}: the workbook has no sheet")
        at = chosen_sheet(shown, [s.title for s in book.worksheets], sheet)
        rows = [[_cell(v) for v in row] for row in book.worksheets[at].iter_rows(values_only=True)]
        if at:
            shown += f" (sheet {book.worksheets[at].title!r})"
    finally:
        book.close()
    # A sheet may declare more columns than hold anything (formatted, then emptied): not columns.
    width = max(
        (max((j + 1 for j, c in enumerate(row) if c), default=0) for row in rows), default=0
    )
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(row[:width] for row in rows)
    return text.getvalue().encode("utf-8"), shown


def chosen_sheet(shown: str, titles: list[str], sheet: int | str | None) -> int:
    """The position (from 0) among the sheets ``titles`` of the one ``sheet`` names (see
    sheet_as_csv); a DataError that lists the sheets, or counts them, when it names none.
    ``shown``: the workbook, as messages call it."""
    if sheet is None:
        return 0
    if isinstance(sheet, str):
        if sheet in titles:  # a name wins over a number: a sheet may be called "2019"
            return titles.index(sheet)
        alike = [k for k, title in enumerate(titles) if title.casefold() == sheet.casefold()]
        if len(alike) == 1:
            return alike[0]
        if not (sheet.isascii() and sheet.isdigit()):
            names = listing(map(repr, titles), 20)
            raise DataError(f"{shown}: no sheet named {sheet!r}; its sheets are {names}")
        sheet = int(sheet)
    if not 1 <= sheet <= len(titles):
        count = f"{len(titles)} sheet" + ("" if len(titles) == 1 else "s")
        raise DataError(
            f"{shown}: no sheet {sheet}; the workbook has {count} (numbered from 1: "
            f"{listing(map(repr, titles), 20)})"
        )
    return sheet - 1


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
