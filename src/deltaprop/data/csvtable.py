"""Delimited text files (CSV, TSV, whitespace-separated .txt) as a table of text fields:
opening them (compressed, zipped, standard input), sniffing the delimiter, telling a header row, and
parsing the feature cells of every row. Which columns are features, labels or weights is
:mod:`deltaprop.data.csvfile`'s job.

Messages about a file count lines and columns from 1, as an editor or a spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import compression
from .encoding import MISSING, column_kinds, is_missing
from .errors import DataError
from .parquet import is_parquet, table_as_csv
from .paths import existing_file
from .remote import is_url, local_copy
from .spreadsheet import is_workbook, sheet_as_csv

# Delimiters the sniffer may choose from; " " means runs of whitespace.
_DELIMITERS = ",;\t| "
_SNIFF_LINES = 50
_SNIFF_CHARS = 64 * 1024
# Rows converted to float at a time: large enough that numpy does the parsing, small enough that
# the strings of a big file are never all in memory at once.
_BLOCK_ROWS = 4096
# A number written with a decimal comma ("1,5", "-0,25", "2,5e3"), as spreadsheets write them
# where the comma is the decimal mark, in files separated by semicolons.
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?")
#: How features are read: "numbers" (every cell must be one), "mixed" (text columns and, with
#: ``missing``, missing cells kept as text) or "text" (every cell kept as text).
CELLS = ("numbers", "mixed", "text")


class MissingValueError(DataError):
    """A feature cell that is missing (empty, or a text of ``encoding.MISSING`` such as "NA")
    where missing values are not accepted; the message names its line and column."""


class _NotNumbers(Exception):
    """A block of a "mixed" read holds a cell that is not a finite number: read it as text."""


class InMemoryFile:
    """The bytes of a stream that can be read only once (standard input, a pipe), held in memory
    so that they are read as a file is: once to sniff the delimiter, once to parse; or the CSV
    text of a workbook's sheet, whose ``delimiter`` is known. ``name`` is what messages call
    it."""

    def __init__(self, data: bytes, name: str, delimiter: str | None = None):
        self.data, self.name, self.delimiter = data, name, delimiter

    def __str__(self) -> str:
        return self.name


def _open_bytes(p):
    """The file's bytes, decompressed when it is compressed or a zip archive of one file."""
    return compression.open_bytes(p.data if isinstance(p, InMemoryFile) else p, str(p))


def _open_text(p, encoding: str):
    return io.TextIOWrapper(_open_bytes(p), encoding=encoding, newline="")


def codec(encoding: str) -> str:
    """The codec Python reads a text encoding's name with ("CP1251" -> "cp1251", "latin-1" ->
    "iso8859-1"); UTF-8 as "utf-8-sig", which drops the byte-order mark Excel writes. A
    DataError for a name Python does not know, or whose codec does not decode bytes to text
    (such as "base64")."""
    if not isinstance(encoding, str):
        raise DataError(f"encoding must be the name of a text encoding, got {encoding!r}")
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    # bytes.decode refuses the codecs that are not text encodings ("base64", "rot13") by this mark
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise DataError(
            f"unknown encoding {encoding!r}: give one Python knows, such as utf-8, cp1251, "
            "cp1250, shift_jis, gbk or latin-1"
        )
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _encoding(p, given: str | None = None) -> str:
    """The codec that decodes the text of ``p``: that of the encoding ``given``, when every byte
    decodes in it, else a DataError naming the line. Detected without it: UTF-16 when it starts with
    UTF-16's byte-order mark (Excel's "Unicode text"), UTF-8 (a BOM dropped: "utf-8-sig") when
    every byte decodes as UTF-8, else Windows-1252, the encoding Excel saves CSV files in on
    Western European systems (a guess, which read_csv's description of the data names). A
    DataError when not even that decodes."""
    if given is not None:
        name = codec(given)
        bad = _undecodable(p, name)
        if bad is not None:
            line, octets = bad
            raise DataError(
                f"{p}, line {line}: the bytes {octets.hex(' ')} are not text in {given} (is "
                "that the file's encoding?)"
            )
        return name
    with _open_bytes(p) as f:
        if f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        if _undecodable(p, encoding) is None:
            return encoding
    raise DataError(
        f"{p}: not a text file (neither UTF-8, UTF-16 nor Windows-1252; --encoding NAME reads "
        "another)"
    )


def _undecodable(p, encoding: str) -> tuple[int, bytes] | None:
    """Where the text of ``p`` stops decoding in ``encoding``: (its line, counted from 1, and
    the bytes that do not decode), or None when every byte does."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with _open_bytes(p) as f:
        while True:
            chunk = f.read(1 << 20)
            try:
                lines += decoder.decode(chunk, final=not chunk).count("\n")
            except UnicodeDecodeError as e:
                # e.object holds the bytes held over from the last chunk and this one
                before = e.object[: e.start].decode(encoding, errors="replace")
                return lines + before.count("\n"), e.object[e.start : e.end]
            if not chunk:
                return None


def _source(path, sheet: int | str | None = None, encoding: str | None = None):
    """A Path to a regular file, or an InMemoryFile for what can be read only once and for a
    workbook's ``sheet`` (see spreadsheet.sheet_as_csv), which alone takes one; a workbook's
    text takes no ``encoding``."""
    if sheet is not None and not is_workbook(path):
        raise DataError(
            f"{path}: sheet={sheet!r} picks a sheet of an Excel workbook (.xlsx); this is not one"
        )
    member = None if isinstance(path, InMemoryFile) else compression.archive_member(path)
    if isinstance(path, InMemoryFile):
        source = path
    elif member is not None:  # ARCHIVE.zip/FILE
        archive, inner = member
        if is_workbook(inner) or is_parquet(inner):
            raise DataError(
                f"{archive}: {inner} is in a zip archive, from which deltaprop reads delimited "
                f"text files: extract {inner} to read it"
            )
        local = local_copy(archive) if is_url(archive) else existing_file(archive)
        source = InMemoryFile(compression.member_bytes(local, inner, str(path)), str(path))
    else:
        p = local_copy(path) if is_url(path) else Path(path)
        if is_workbook(p):
            if encoding is not None:
                raise DataError(
                    f"{p}: encoding={encoding!r} is for delimited text files; an Excel workbook "
                    "holds its text as Unicode"
                )
            source = InMemoryFile(*sheet_as_csv(existing_file(p), sheet), delimiter=",")
        elif is_parquet(p):
            if encoding is not None:
                raise DataError(
                    f"{p}: encoding={encoding!r} is for delimited text files; a Parquet file "
                    "holds its text as Unicode"
                )
            source = InMemoryFile(table_as_csv(existing_file(p)), str(p), delimiter=",")
        elif not p.exists() or p.is_dir() or p.is_file():
            return existing_file(p)
        else:
            try:  # a pipe, /dev/stdin, <(command)
                source = InMemoryFile(p.read_bytes(), str(p))
            except OSError as e:
                raise DataError(f"{p}: cannot be read ({e.strerror})") from None
    if not source.data:
        raise DataError(f"{source}: the file is empty")
    return source


def _sample_lines(p: Path, encoding: str) -> list[str]:
    lines, chars = [], 0
    with _open_text(p, encoding) as f:
        for line in f:
            if line.strip():
                lines.append(line.rstrip("\r\n"))
                chars += len(line)
            if len(lines) >= _SNIFF_LINES or chars >= _SNIFF_CHARS:
                break
    return lines


def _count_delimiter(lines: list[str]) -> str:
    """Fallback when csv.Sniffer gives up: the first candidate that appears the same number of
    times on every sampled line, else the first that appears at all, else whitespace."""
    candidates = [d for d in _DELIMITERS if d != " "]
    for d in candidates:
        counts = {line.count(d) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return d
    for d in candidates:
        if d in lines[0]:
            return d
    return " "


def _sniff(p: Path, lines: list[str]) -> str:
    try:
        d = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:  # "Could not determine delimiter"
        return _count_delimiter(lines)
    if len(_split(lines[0], d)) < 2:  # a choice that leaves one column cannot be right
        return _count_delimiter(lines)
    if d == "," and _semicolons_separate(lines):
        return ";"
    return d


def _semicolons_separate(lines: list[str]) -> bool:
    """Whether ';' separates the fields of lines in which ',' could too: a file with decimal
    commas ("1,5;2;x"), where both occur as often on every line. ';' does when it is on every
    line as often, and gives at least as many fields as ','."""
    counts = {len(_split(line, ";")) for line in lines}
    n = counts.pop() if len(counts) == 1 else 0
    return n >= 2 and n >= len(_split(lines[0], ","))


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return line.split()
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


def _decimal_point(text: str) -> str:
    """A number with a decimal comma written with a point ("1,5" -> "1.5"); other text as is."""
    if "," in text and _DECIMAL_COMMA.fullmatch(text.strip()):
        return text.replace(",", ".")
    return text


def _comma_hint(text: str) -> str:
    """For a message about ``text`` that is not a number: a note when it has a decimal comma."""
    if _DECIMAL_COMMA.fullmatch(text.strip()):
        return (
            " (a comma in a number is read as a decimal comma only in a file whose fields are "
            "separated by ';', and never as a thousands separator)"
        )
    return ""


def _records(p: Path, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank line of ``p``. In a file separated by ';', a
    number with a decimal comma is given with a point, as spreadsheets of such locales mean it."""
    records = _fields(p, delimiter, encoding)
    if delimiter != ";":
        return records
    return ((number, [_decimal_point(f) for f in fields]) for number, fields in records)


def _fields(p: Path, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields as written) for every non-blank line of ``p``."""
    try:
        with _open_text(p, encoding) as f:
            if delimiter == " ":
                for number, line in enumerate(f, start=1):
                    fields = line.split()
                    if fields:
                        yield number, fields
            else:
                reader = csv.reader(f, delimiter=delimiter, skipinitialspace=True)
                for fields in reader:
                    # Fields are not stripped here (that costs a third of the reading time);
                    # float parsing ignores surrounding spaces, and labels and names are stripped.
                    if fields and (len(fields) > 1 or fields[0].strip()):
                        yield reader.line_num, fields
    except UnicodeDecodeError:  # UTF-16 with a BOM, and then bytes that are not
        raise DataError(f"{p}: not a text file in {encoding}") from None
    except csv.Error as e:
        raise DataError(f"{p}: malformed CSV ({e})") from None
    except compression.READ_ERRORS as e:  # e.g. a truncated or corrupt .gz
        raise DataError(f"{p}: cannot be read ({e})") from None


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class Table:
    """An open delimited file: its delimiter, its first row, and the rows after it. ``sheet``:
    the sheet of a workbook to read (see spreadsheet.sheet_as_csv); ``encoding``: the text's, by
    a name Python knows (default: detected, see _encoding).

    A file whose every line ends with the delimiter ("1,2,0," as some exports write them) has
    an empty last field on every line: that field is not a column.
    """

    def __init__(
        self,
        path,
        delimiter: str | None,
        sheet: int | str | None = None,
        encoding: str | None = None,
    ):
        if encoding is not None:
            codec(encoding)  # an unknown name first: it is wrong whatever the file
        self.path = p = _source(path, sheet, encoding)
        if delimiter is None and isinstance(p, InMemoryFile):
            delimiter = p.delimiter  # a workbook's sheet, written as CSV
        try:
            self.encoding = _encoding(p, encoding)
            lines = _sample_lines(p, self.encoding) if delimiter is None else None
        except UnicodeDecodeError:  # UTF-16 with a BOM, and then bytes that are not
            raise DataError(f"{p}: not a text file in {self.encoding}") from None
        except compression.READ_ERRORS as e:  # e.g. a truncated or corrupt .gz
            raise DataError(f"{p}: cannot be read ({e})") from None
        if delimiter is None:
            if not lines:
                raise DataError(f"{p}: the file is empty (only blank lines)")
            try:
                delimiter = _sniff(p, lines)
            except csv.Error as e:  # e.g. a field beyond the csv module's limit
                raise DataError(f"{p}: malformed CSV ({e})") from None
        elif not isinstance(delimiter, str) or len(delimiter) != 1:
            raise DataError(f"delimiter must be one character, got {delimiter!r}")
        self.delimiter = delimiter
        #: Windows-1252 taken for want of anything better, which descriptions say
        self.guessed = encoding is None and self.encoding == "cp1252"
        self.rows = _records(p, delimiter, self.encoding)
        first = next(self.rows, None)
        if first is None:
            raise DataError(f"{p}: the file is empty (only blank lines)")
        self.first_line, self.first = first
        self.n_cols = len(self.first)
        self.trailing = False  # every line ends with the delimiter
        if delimiter != " " and self.n_cols > 2 and not self.first[-1].strip():
            ahead = self.peek(_SNIFF_LINES)
            if all(len(f) == self.n_cols and not f[-1].strip() for f in ahead):
                self.trailing, self.first, self.n_cols = True, self.first[:-1], self.n_cols - 1
                self.rows = self._trimmed(self.rows)

    def restart(self) -> None:
        """Read the rows after the first again, from the start of the file."""
        self.rows = _records(self.path, self.delimiter, self.encoding)
        next(self.rows)
        if self.trailing:
            self.rows = self._trimmed(self.rows)

    def _trimmed(self, rows):
        """``rows`` without the empty field after the delimiter that ends every line."""
        for number, fields in rows:
            if len(fields) == self.n_cols + 1:
                if fields[-1].strip():
                    raise DataError(
                        f"{self.path}, line {number}: {fields[-1].strip()!r} after the last "
                        f"column, where the lines above end with an empty field"
                    )
                fields = fields[:-1]
            yield number, fields

    def peek(self, n: int) -> list[list[str]]:
        """The fields of up to ``n`` rows after the first, which are left to be read."""
        ahead = list(itertools.islice(self.rows, n))
        self.rows = itertools.chain(ahead, self.rows)
        return [fields for _, fields in ahead]

    def has_header(self, columns: list[int], cells: str) -> bool:
        """Whether the first row names the ``columns`` (the features) rather than holding data:
        a field that is not a number means a header, except, when ``cells`` allows text columns,
        beside numbers: then the row is a header only if a column with text in it holds only
        numbers in the rows below (as csv.Sniffer.has_header reasons, column by column)."""
        words = [c for c in columns if not is_number(self.first[c])]
        if not words or cells == "numbers" or len(words) == len(columns):
            return bool(words)
        ahead = self.peek(_SNIFF_LINES)
        for c in words:
            below = [f[c] for f in ahead if c < len(f) and not is_missing(f[c])]
            if not is_missing(self.first[c]) and below and all(map(is_number, below)):
                return True
        return False


def _numbers(block: list[list[str]]) -> np.ndarray | None:
    """The block as float64 when numpy parses every cell, else None. Whole numbers are tried
    first: numpy parses them about 3x faster than decimals (an MNIST CSV's pixels), and a block
    with a decimal in it fails at its first (``-0`` is read as 0.0, not -0.0)."""
    try:
        return np.array(block, dtype=np.int64).astype(np.float64)
    except (ValueError, OverflowError):  # a decimal, an exponent, a missing cell; > 2**63
        pass
    try:
        return np.array(block, dtype=np.float64)
    except ValueError:
        return None


def _parse_features(
    p: Path, block: list[list[str]], lines: list[int], column_of: list[str], strict=True
) -> np.ndarray:
    """A block of rows of feature strings -> (rows, n_x) float64, or a DataError naming the line
    and column of the first value that is not a finite number (``strict``; else _NotNumbers)."""
    X = _numbers(block)
    if X is None or not np.isfinite(X).all():
        if not strict:
            raise _NotNumbers
        for i, row in enumerate(block):
            for j, text in enumerate(row):
                try:
                    value = float(text)
                except ValueError:
                    text = text.strip()
                    shown = repr(text) if text else "an empty value"
                    raise DataError(
                        f"{p}, line {lines[i]}, {column_of[j]}: {shown} is not a number"
                        f"{_comma_hint(text)}"
                    ) from None
                if not math.isfinite(value):
                    raise DataError(
                        f"{p}, line {lines[i]}, {column_of[j]}: {text.strip()!r} is not a "
                        "finite number"
                    )
        # numpy refused something Python's float accepts (such as "1_000"): use Python's
        X = np.array([[float(t) for t in row] for row in block], dtype=np.float64)
    return X


def read_rows(
    table: Table,
    label: int | None,
    names: list[str] | None,
    skip_first: bool,
    keep_label=True,
    guessed=False,
    cells="numbers",
    missing=False,
    kinds=None,
    feature_cols: list[int] | None = None,
    missing_values: frozenset[str] = frozenset(),
):
    """Every data row of ``table`` -> (X (m, n_x) of the ``feature_cols`` (default: every
    column but the ``label``), the label strings, or None when ``keep_label`` is false).
    ``guessed``: the header row was detected, not declared. X is float64, or for ``cells``
    "text" (and "mixed" when a cell is not a finite number, or with ``missing_values``) an
    object array of the cells' stripped text (see _read_text; ``kinds``: the kind of each
    feature column, when a model says them)."""
    p, n_cols = table.path, table.n_cols

    def column(c: int) -> str:
        return f"column {names[c]!r}" if names else f"column {c + 1}"

    if feature_cols is None:
        feature_cols = [c for c in range(n_cols) if c != label]
    column_of = [column(c) for c in feature_cols]
    select = _selector(n_cols, label, feature_cols)
    as_text = (table, label, column, skip_first, keep_label, guessed, missing, feature_cols)
    if cells == "text" or missing_values:
        return _read_text(*as_text, kinds=kinds, missing_values=missing_values)
    rows = table.rows if skip_first else _chain_first(table)
    blocks, labels = [], []
    block, lines = [], []
    strict = cells == "numbers"
    try:
        for number, fields in rows:
            check_fields(table, number, fields)
            if label is not None and keep_label:
                labels.append(_label_text(p, number, fields[label], column(label), not strict))
            block.append(select(fields))
            lines.append(number)
            if len(block) == _BLOCK_ROWS:
                blocks.append(_parse_features(p, block, lines, column_of, strict))
                block, lines = [], []
        if block:
            blocks.append(_parse_features(p, block, lines, column_of, strict))
    except _NotNumbers:  # a text column or a missing cell: read the file again, as text
        table.restart()
        return _read_text(*as_text)
    if not blocks:
        if guessed:
            _not_a_header(table, feature_cols)
        raise DataError(f"{p}: a header row but no data rows")
    X = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return X, (labels if label is not None and keep_label else None)


def _selector(n_cols: int, label: int | None, feature_cols: list[int]):
    """A function of a row's fields -> its feature fields, ``feature_cols`` in their order (the
    usual case, every column but the label, by slicing)."""
    if feature_cols == [c for c in range(n_cols) if c != label]:
        if label is None:
            return lambda fields: fields
        return lambda fields: fields[:label] + fields[label + 1 :]
    return lambda fields: [fields[c] for c in feature_cols]


def check_fields(table: Table, number: int, fields: list[str]) -> None:
    if len(fields) != table.n_cols:
        raise DataError(
            f"{table.path}, line {number}: {len(fields)} fields, expected {table.n_cols} "
            f"(as on line {table.first_line})"
        )


def _label_text(p, number: int, text: str, where: str, spelled=False) -> str:
    """A label's stripped text; empty, or with ``spelled`` a missing value's text ("NA", "?";
    "nan" is a number, which a target refuses in its own words), is a DataError: a label is
    never filled in."""
    text = text.strip()
    if not text:
        raise DataError(f"{p}, line {number}: the label ({where}) is empty")
    if spelled and text.lower() in MISSING and not is_number(text):
        raise DataError(f"{p}, line {number}: the label ({where}) is missing ({text!r})")
    return text


def _read_text(
    table,
    label,
    column,
    skip_first,
    keep_label,
    guessed,
    missing,
    feature_cols,
    kinds=None,
    missing_values=frozenset(),
):
    """``read_rows`` keeping the features as text: X (m, n_x) an object array of the cells'
    stripped text. A missing cell (see ``encoding.MISSING``, and the lower-case texts of
    ``missing_values``, which become empty cells) is a MissingValueError unless ``missing``; in a
    column whose other cells are all numbers, one that is not finite ("inf") is a DataError; any
    other text makes its column categorical, unless ``kinds`` (given) says the column is
    numeric: then it is a DataError."""
    p = table.path
    column_of = [column(c) for c in feature_cols]
    select = _selector(table.n_cols, label, feature_cols)
    rows = table.rows if skip_first else _chain_first(table)
    texts, labels, lines = [], [], []
    for number, fields in rows:
        check_fields(table, number, fields)
        if label is not None and keep_label:
            labels.append(_label_text(p, number, fields[label], column(label), True))
        texts.append([f.strip() for f in select(fields)])
        lines.append(number)
    if not texts:
        if guessed:
            _not_a_header(table, feature_cols)
        raise DataError(f"{p}: a header row but no data rows")
    if not missing:
        markers = MISSING | missing_values
        for i, row in enumerate(texts):
            for j, text in enumerate(row):
                if text.lower() in markers:
                    shown = f"the text {text!r}" if text else "an empty cell"
                    raise MissingValueError(
                        f"{p}, line {lines[i]}, {column_of[j]}: a missing value ({shown})"
                    )
    elif missing_values:
        texts = [["" if t.lower() in missing_values else t for t in row] for row in texts]
    X = np.empty((len(texts), len(texts[0])), dtype=object)
    X[...] = texts
    for j, kind in enumerate(column_kinds(X)):
        if kind == "categorical":
            _check_not_decimal_commas(X[:, j], lines, f"{p}, line {{}}, {column_of[j]}")
        if kind == "numeric":
            for i, text in enumerate(X[:, j]):
                if not is_missing(text) and not math.isfinite(float(text)):
                    raise DataError(
                        f"{p}, line {lines[i]}, {column_of[j]}: {text!r} is not a finite number"
                    )
        elif kinds is not None and kinds[j] == "numeric":
            i = next(i for i, t in enumerate(X[:, j]) if not is_missing(t) and not is_number(t))
            raise DataError(
                f"{p}, line {lines[i]}, {column_of[j]}: {X[i, j]!r} is not a number (the model "
                "takes numbers in this column)"
            )
    return X, (labels if label is not None and keep_label else None)


def _check_not_decimal_commas(column: np.ndarray, lines: list[int], where: str) -> None:
    """A text column whose every cell is a number, some with a decimal comma, would be one-hot
    encoded as categories: a DataError instead (``where`` has a {} for the line number)."""
    known = [t for t in column if not is_missing(t)]
    if all(is_number(t) or _DECIMAL_COMMA.fullmatch(t) for t in known):
        i = next(i for i, t in enumerate(column) if _DECIMAL_COMMA.fullmatch(t))
        raise DataError(
            f"{where.format(lines[i])}: {column[i]!r} is not a number{_comma_hint(column[i])}"
        )


def _not_a_header(table: Table, feature_cols: list[int]) -> None:
    """The only row of a file was taken for a header because a field is not a number; when
    other fields of the ``feature_cols`` are numbers, it is more likely a data row with a bad
    value: say which."""
    if any(is_number(table.first[c]) for c in feature_cols):
        c = next(c for c in feature_cols if not is_number(table.first[c]))
        raise DataError(
            f"{table.path}, line {table.first_line}, column {c + 1}: "
            f"{table.first[c].strip()!r} is not a number"
        )


def _chain_first(table: Table):
    yield table.first_line, table.first
    yield from table.rows
