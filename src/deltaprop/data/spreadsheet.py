"""Excel workbooks (.xlsx) as the CSV text their first sheet would be saved as, so that every
reader of delimited text (header detection, columns by name, text columns, missing cells) takes
them unchanged. Reading them needs openpyxl (``pip install 'deltaprop[excel]'``)."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import zipfile
from pathlib import Path

from .errors import DataError

#: The suffix of the workbooks read; .xls (Excel before 2007) is another format.
SUFFIX = ".xlsx"


def is_workbook(path) -> bool:
    return Path(str(path)).suffix.lower() == SUFFIX


def sheet_as_csv(p: Path) -> bytes:
    """The first sheet of the workbook ``p`` as CSV (UTF-8, ","): one line a row, the values
    Excel shows (a formula's last computed value), an empty cell as an empty field. Numbers are
    written as Python writes them (shortest round trip), TRUE and FALSE as text, a date as
    ISO 8601 text. The last workbooks converted are kept (by path, size and time of change):
    predict and evaluate read a file more than once."""
    stat = p.stat()
    return _converted(str(p.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _converted(path: str, size: int, mtime_ns: int) -> bytes:
    p = Path(path)
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise DataError(
            f"{p}: reading .xlsx files needs openpyxl: pip install 'deltaprop[excel]' (or save "
            "the sheet as CSV)"
        ) from None
    try:
        book = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise DataError(f"{p}: not an Excel workbook that can be read ({e})") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise DataError(f"{p}: the workbook has no sheet")
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    # A sheet may declare more columns than hold anything (formatted, then emptied): not columns.
    width = max(
        (max((j + 1 for j, c in enumerate(row) if c), default=0) for row in rows), default=0
    )
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(row[:width] for row in rows)
    return text.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
