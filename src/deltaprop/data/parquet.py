"""Apache Parquet files (.parquet: pandas' ``to_parquet``, Spark, the Hugging Face Hub's data
sets) as the CSV text of their table, so that every reader of delimited text (columns by name,
text columns, missing cells) takes them unchanged, as :mod:`.spreadsheet` does for workbooks.
Reading them needs pyarrow (``pip install 'deltaprop[parquet]'``)."""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

from .errors import DataError, listing
from .paths import version

SUFFIX = ".parquet"


def is_parquet(path) -> bool:
    return Path(str(path)).suffix.lower() == SUFFIX


def table_as_csv(p: Path) -> bytes:
    """The table of the Parquet file ``p`` as CSV (UTF-8, ","): a header of the column names,
    then a line a row; a missing value (null) as an empty field, numbers as their shortest
    round trip, booleans as true and false, dates and times in ISO 8601. The index columns
    that pandas stores beside the data are left out. The last files converted are kept (by
    path, size and time of change): predict and evaluate read a file more than once."""
    return _converted(*version(p))


@functools.lru_cache(maxsize=2)
def _converted(path: str, size: int, mtime_ns: int) -> bytes:
    p = Path(path)
    try:
        import pyarrow as pa
        import pyarrow.csv
        import pyarrow.parquet
    except ImportError:
        raise DataError(
            f"{p}: reading .parquet files needs pyarrow: pip install 'deltaprop[parquet]' (or "
            "save the table as CSV)"
        ) from None
    try:
        table = pyarrow.parquet.read_table(p)
    except (pa.ArrowException, OSError) as e:
        raise DataError(f"{p}: not a Parquet file that can be read ({_first_line(e)})") from None
    table = table.drop_columns(_pandas_index(table.schema))
    others = [f for f in table.schema if not _is_cell(pa, f.type)]
    if others:
        raise DataError(
            f"{p}: column {others[0].name!r} is of type {others[0].type}; deltaprop reads "
            f"columns of numbers, text, booleans, dates and times (columns of other types: "
            f"{listing(f.name for f in others)})"
        )
    text = io.BytesIO()
    try:
        pyarrow.csv.write_csv(table, text, pyarrow.csv.WriteOptions(quoting_style="needed"))
    except pa.ArrowException as e:
        raise DataError(f"{p}: cannot be read as a table ({_first_line(e)})") from None
    return text.getvalue()


def _pandas_index(schema) -> list[str]:
    """The columns in which pandas stored a DataFrame's index (not its data): the names its
    metadata gives (a RangeIndex is stored as a description, not a column)."""
    try:
        pandas = json.loads((schema.metadata or {})[b"pandas"])
        return [c for c in pandas["index_columns"] if isinstance(c, str) and c in schema.names]
    except (KeyError, TypeError, ValueError):
        return []


def _is_cell(pa, t) -> bool:
    """Whether a column of Arrow type ``t`` holds one value a row that a CSV cell can show."""
    if pa.types.is_dictionary(t):  # a pandas Categorical
        return _is_cell(pa, t.value_type)
    return (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_decimal(t)
        or pa.types.is_boolean(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_temporal(t)
        or pa.types.is_null(t)
    )


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
