"""Tables with text columns and missing values: one-hot encoding, imputation, standardization.

Raw rows ``X_rows`` (m, n_columns) are a table's cells as a file has them: a 2-D object (or
str) array whose cells are text (a CSV reader's stripped fields; ``None`` or a float NaN also
mean missing), or a float array when every column holds numbers (NaN meaning missing).

A column is *categorical* when one of its cells is text that is neither a number nor a missing
value (:data:`MISSING`), otherwise *numeric*; :func:`column_kinds` decides it over a whole
table. :class:`TableEncoder`, fitted on the training rows only, turns raw rows into the
network's inputs, (m, n_x) floats:

- a numeric column is one input: missing cells filled (``impute``: the training mean or
  median), then standardized (the training mean and standard deviation, as
  :class:`~deltaprop.data.Standardizer` does);
- a categorical column with k categories (the sorted distinct texts of the training rows) is k
  inputs of 0 or 1, one-hot, not standardized (as scikit-learn's OneHotEncoder leaves them);
  missing cells are filled with the training rows' most frequent category (with ``impute``), or
  with ``impute_text="category"`` are a category of their own, :data:`MISSING_CATEGORY` (as
  scikit-learn's OneHotEncoder keeps them); a text not seen in training is all zeros (with a
  warning, passed to ``warn``).

Without ``impute``, a missing cell is a DataError. Everything fitted is plain arrays (see
:meth:`TableEncoder.state`), so a model file holds it without pickle.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import DataError, listing
from .preprocessing import Standardizer, _float_type

#: Texts that mean "missing" (compared without case and surrounding spaces).
MISSING = frozenset({"", "na", "n/a", "nan", "null", "?"})
#: The ways missing values can be filled: the training rows' mean or median (numeric columns);
#: categorical columns get their most frequent category with either.
IMPUTE = ("mean", "median")
#: What a missing text cell becomes (with ``impute``): the column's most frequent category, or
#: a category of its own.
IMPUTE_TEXT = ("most_frequent", "category")
#: The category of missing text cells with ``impute_text="category"`` (``sex=(missing)``).
MISSING_CATEGORY = "(missing)"
KINDS = ("numeric", "categorical")
#: A text column with more distinct values than this in training (or more than half the training
#: rows, when over :data:`_FEW`) is taken for an identifier or free text and refused.
MAX_CATEGORIES = 50
_FEW = 10


class UnusableColumnError(DataError):
    """A column that cannot be encoded and must be left out of the features: an identifier or
    free text (too many distinct texts), or one whose training values are all missing. The
    message ends with the advice to drop it; ``reason`` is the message without that advice,
    ``column`` the column's name (None without names) and ``index`` its position among the
    encoded columns (from 0)."""

    def __init__(self, reason: str, column: str | None = None, index: int | None = None):
        super().__init__(f"{reason}; drop the column")
        self.reason, self.column, self.index = reason, column, index


def too_many_categories(k: int, m: int) -> bool:
    """Whether k distinct texts in m rows are an identifier or free text rather than categories
    (see :data:`MAX_CATEGORIES`)."""
    return k > MAX_CATEGORIES or (k > _FEW and k > m / 2)


def is_number(cell) -> bool:
    """Whether a cell is a number (a float, or a text that reads as one)."""
    return _number(cell) is not None


def is_missing(cell) -> bool:
    """Whether a cell means "missing": None, a float NaN, or a text of :data:`MISSING`."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return cell.strip().lower() in MISSING
    return isinstance(cell, (float, np.floating)) and math.isnan(cell)


def _number(cell) -> float | None:
    """A cell as a number, or None when it is not one (text such as "male")."""
    if isinstance(cell, (str, np.str_)):
        try:
            return float(cell)
        except ValueError:
            return None
    if isinstance(cell, (bool, np.bool_)) or not isinstance(cell, (int, float, np.number)):
        return None
    return float(cell)


def as_text(cell) -> str:
    """A cell as a category's text; a number written as a file would have it (3.0 -> "3")."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, (float, np.floating)) and float(cell).is_integer():
        return str(int(cell))
    return str(cell)


def _table(X_rows) -> np.ndarray:
    X = np.asarray(X_rows)
    if X.ndim != 2:
        raise DataError(f"expected a 2-D array of examples as rows (m, n_x), got shape {X.shape}")
    if X.dtype.kind not in "OUSfiu":
        raise DataError(f"expected numbers or text as cells, got dtype {X.dtype}")
    return X


def column_kinds(X_rows) -> list[str]:
    """ "numeric" or "categorical" for each column of raw rows (m, n_columns): categorical when
    a cell that is not missing is not a number. Decide it over the whole table, so that every
    part of it is read the same way."""
    X = _table(X_rows)
    if X.dtype.kind in "fiu":
        return ["numeric"] * X.shape[1]
    return [
        "categorical"
        if any(not is_missing(c) and _number(c) is None for c in X[:, j])
        else "numeric"
        for j in range(X.shape[1])
    ]


def text_note(X_rows) -> str:
    """For raw rows with text, what a description adds to its count of features: how many
    columns are text and how many cells are missing; "" for numbers."""
    X = np.asarray(X_rows)
    if X.dtype != object:
        return ""
    n_text = column_kinds(X).count("categorical")
    n_missing = sum(is_missing(c) for c in X.flat)
    notes = [f"{n_text} of them text, one-hot encoded"] if n_text else []
    notes += [f"{n_missing} values missing"] if n_missing else []
    return f" ({'; '.join(notes)})" if notes else ""


class TableEncoder:
    """Raw rows (m, n_columns) -> network inputs (m, n_x): one-hot text columns, filled missing
    cells, standardized numeric columns (see the module's description).

    ``impute``: None (a missing cell is an error), "mean" or "median". ``impute_text``: with
    ``impute``, what a missing text cell becomes: "most_frequent" (its column's most frequent
    training category) or "category" (:data:`MISSING_CATEGORY`, one more category where the
    training rows have missing cells; elsewhere a category not seen in training). ``names``:
    the columns' names, for messages and for the inputs' names (``sex=female``); default
    "column 1", ...
    """

    def __init__(
        self,
        impute: str | None = None,
        names: list[str] | None = None,
        impute_text: str = "most_frequent",
    ) -> None:
        if impute is not None and impute not in IMPUTE:
            raise DataError(f"impute must be one of {', '.join(IMPUTE)} or None, got {impute!r}")
        if impute_text not in IMPUTE_TEXT:
            raise DataError(
                f"impute_text must be one of {', '.join(IMPUTE_TEXT)}, got {impute_text!r}"
            )
        self.impute, self.impute_text = impute, impute_text
        self.names = None if names is None else [str(n) for n in names]
        self.kinds: list[str] | None = None
        #: per column: its sorted categories (str array) if categorical, else None
        self.categories: list[np.ndarray | None] = []
        #: per column: the value a missing cell gets (float or str), or None without impute
        self.fill: list[float | str | None] = []
        #: the Standardizer of the numeric columns, in their order
        self.scaler: Standardizer | None = None

    # ------------------------------------------------------------------ sizes and names

    @property
    def n_columns(self) -> int | None:
        """Number of raw columns it was fitted on (None before fit)."""
        return None if self.kinds is None else len(self.kinds)

    @property
    def n_x(self) -> int | None:
        """Number of inputs it makes (the network's n_x): one per numeric column, one per
        category of a categorical column."""
        if self.kinds is None:
            return None
        return sum(1 if c is None else len(c) for c in self.categories)

    def _name(self, j: int) -> str:
        return self.names[j] if self.names else f"column {j + 1}"

    def _where(self, j: int) -> str:
        return f"column {self.names[j]!r}" if self.names else f"column {j + 1}"

    def feature_names(self) -> list[str]:
        """The name of each input: a numeric column's name, ``name=category`` for one-hot ones."""
        out = []
        for j, cats in enumerate(self.categories):
            name = self._name(j)
            out += [name] if cats is None else [f"{name}={c}" for c in cats]
        return out

    @property
    def categorical(self) -> bool:
        """Whether any column is categorical."""
        return bool(self.kinds) and "categorical" in self.kinds

    # ------------------------------------------------------------------ fit and transform

    def fit(self, X_rows, kinds: list[str] | None = None, warn=None) -> TableEncoder:
        """Learn, from the training rows (m, n_columns), each column's kind (``kinds``, as
        :func:`column_kinds` decided them over the whole table; default: from these rows), a
        categorical column's categories, the fill values and the numeric columns' mean and std.
        ``warn`` (a function of one message) is told of a column of categories most of which
        are numbers: a word such as "unknown" may stand for a missing value there."""
        X = _table(X_rows)
        m, n = X.shape
        if m < 1 or n < 1:
            raise DataError(f"cannot fit on {m} examples of {n} columns")
        if self.names is not None and len(self.names) != n:
            raise DataError(f"{len(self.names)} column names for {n} columns")
        kinds = column_kinds(X) if kinds is None else list(kinds)
        if len(kinds) != n or any(k not in KINDS for k in kinds):
            raise DataError(f"kinds must be {n} of {', '.join(KINDS)}, got {kinds!r}")
        self.kinds, self.categories, self.fill = kinds, [], []
        numeric = []
        for j, kind in enumerate(kinds):
            if kind == "numeric":
                values = self._numbers(X[:, j], j)
                self.categories.append(None)
                self.fill.append(self._fill_number(values, j))
                values[np.isnan(values)] = self.fill[j] if self.impute else 0.0
                numeric.append(values)
            else:
                texts = self._texts(X[:, j], j)
                fill = self._text_fill(texts, j)
                if fill == MISSING_CATEGORY:
                    texts = [fill if t is None else t for t in texts]
                self.categories.append(self._categories(texts, j, m))
                self.fill.append(fill)
                if warn is not None:
                    self._check_numbers_as_categories(j, warn)
        self.scaler = Standardizer().fit(np.column_stack(numeric)) if numeric else None
        return self

    def transform(self, X_rows, dtype=np.float32, warn=None) -> np.ndarray:
        """Raw rows (m, n_columns) -> inputs (m, n_x) in ``dtype``. ``warn`` (a function of one
        message) is told, once per column, of texts not seen in training (encoded as zeros)."""
        if self.kinds is None:
            raise DataError("the TableEncoder is not fitted; call fit on the training rows first")
        X = _table(X_rows)
        if X.shape[1] != self.n_columns:
            raise DataError(
                f"the model was fitted on {self.n_columns} columns; this data has {X.shape[1]}"
            )
        m = X.shape[0]
        out = np.zeros((m, self.n_x), dtype=_float_type(dtype))
        numeric, at = [], []
        offset = 0
        for j, cats in enumerate(self.categories):
            if cats is None:
                values = self._numbers(X[:, j], j)
                gaps = np.isnan(values)
                if gaps.any():
                    values[gaps] = self._filled(j, gaps)
                numeric.append(values)
                at.append(offset)
                offset += 1
                continue
            texts = self._texts(X[:, j], j)
            gaps = np.array([t is None for t in texts], dtype=bool)
            if gaps.any():
                fill = self._filled(j, gaps)
                texts = [fill if t is None else t for t in texts]
            texts = np.array(texts, dtype=str).reshape(m)
            index = np.searchsorted(cats, texts)
            index[index == len(cats)] = 0
            seen = cats[index] == texts
            out[np.flatnonzero(seen), offset + index[seen]] = 1
            if not seen.all() and warn is not None:
                unseen = [str(t) for t in np.unique(texts[~seen])]
                what = "a category" if len(unseen) == 1 else f"{len(unseen)} categories"
                warn(
                    f"{self._where(j)}: {what} not seen in training ({listing(map(repr, unseen))}; "
                    f"{np.count_nonzero(~seen)} of {m} examples), encoded as all zeros"
                )
            offset += len(cats)
        if numeric:
            out[:, at] = self.scaler.transform(np.column_stack(numeric), dtype=out.dtype)
        return out

    def fit_transform(self, X_rows, dtype=np.float32, kinds=None, warn=None) -> np.ndarray:
        return self.fit(X_rows, kinds, warn).transform(X_rows, dtype=dtype, warn=warn)

    # ------------------------------------------------------------------ cells

    def _numbers(self, column: np.ndarray, j: int) -> np.ndarray:
        """A numeric column's cells as float64 (m,), NaN where missing; a DataError naming the
        row (from 1) of a cell that is not a finite number."""
        if column.dtype.kind in "fiu":
            values = column.astype(np.float64)
            bad = np.isinf(values)
        else:
            values = np.empty(len(column))
            bad = np.zeros(len(column), dtype=bool)
            for i, cell in enumerate(column):
                number = math.nan if is_missing(cell) else _number(cell)
                if number is None:
                    raise DataError(
                        f"{self._where(j)}, row {i + 1}: {as_text(cell)!r} is not a number"
                    )
                values[i] = number
                bad[i] = math.isinf(number)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{self._where(j)}, row {i + 1}: {column[i]} is not a finite number")
        return values

    def _texts(self, column: np.ndarray, j: int) -> list[str | None]:
        """A categorical column's cells as text, None where missing."""
        return [None if is_missing(c) else as_text(c) for c in column]

    def _filled(self, j: int, gaps: np.ndarray):
        """The fill value of column j, or a DataError when there is none."""
        if self.fill[j] is None:
            i = int(np.argmax(gaps))
            raise DataError(
                f"{self._where(j)}, row {i + 1}: a missing value, and the model fills none (it "
                "was fitted without imputation)"
            )
        return self.fill[j]

    def _fill_number(self, values: np.ndarray, j: int) -> float | None:
        gaps = np.isnan(values)
        if not self.impute:
            if gaps.any():
                self._missing(j, gaps)
            return None
        if gaps.all():
            raise self._unusable(
                j, "every value of the training part is missing; there is nothing to fill it with"
            )
        known = values[~gaps]
        with np.errstate(over="ignore"):
            fill = float(np.mean(known) if self.impute == "mean" else np.median(known))
        if not math.isfinite(fill):
            raise DataError(f"{self._where(j)}: its {self.impute} overflows float64")
        return fill

    def _missing(self, j: int, gaps) -> None:
        i = int(np.argmax(gaps))
        raise DataError(
            f"{self._where(j)}, row {i + 1}: a missing value ({int(np.sum(gaps))} in the column); "
            "fill missing values with impute='mean' or 'median'"
        )

    def _categories(self, texts: list[str | None], j: int, m: int) -> np.ndarray:
        known = [t for t in texts if t is not None]
        if not known:
            raise self._unusable(
                j, "every value of the training part is missing; there are no categories to learn"
            )
        categories = np.unique(np.array(known, dtype=str))
        k = len(categories)
        if too_many_categories(k, m):
            words = [str(c) for c in categories if _number(c) is None]
            if len(words) < k / 2:  # numbers, and a few words: a typo rather than categories
                raise DataError(
                    f"{self._where(j)}: {words[0]!r} is not a number, but most of the column's "
                    f"{k} distinct values in training are: correct it, or write a missing value "
                    "as an empty cell or NA"
                )
            raise self._unusable(
                j,
                f"{k} distinct text values in {m} training examples (such as "
                f"{str(categories[0])!r}): an identifier or free text rather than categories (at "
                f"most {MAX_CATEGORIES}, and at most half the examples, are one-hot encoded)",
            )
        return categories

    def _check_numbers_as_categories(self, j: int, warn) -> None:
        """Tell ``warn`` when most of column j's categories are numbers (ratings 1-5 and
        "unknown"): each number becomes a category of its own, which is rarely what was meant."""
        categories = [str(c) for c in self.categories[j]]
        words = [c for c in categories if _number(c) is None]
        if len(words) < len(categories) / 2:
            warn(
                f"{self._where(j)}: read as {len(categories)} categories, one-hot encoded, "
                f"because of the text {listing(map(repr, words), 3)} among its numbers; if that "
                "means a missing value, read it as one (missing_values; train --missing-values) "
                "and impute it"
            )

    def _unusable(self, j: int, why: str) -> UnusableColumnError:
        name = self.names[j] if self.names else None
        return UnusableColumnError(f"{self._where(j)}: {why}", name, j)

    def _text_fill(self, texts: list[str | None], j: int) -> str | None:
        """With ``impute``, MISSING_CATEGORY (``impute_text="category"``) or the most frequent
        category (the first in sorted order on a tie, as scikit-learn's SimpleImputer chooses);
        without, None (and missing cells are an error)."""
        gaps = np.array([t is None for t in texts], dtype=bool)
        if not self.impute:
            if gaps.any():
                self._missing(j, gaps)
            return None
        if self.impute_text == "category":
            if MISSING_CATEGORY in texts:
                raise DataError(
                    f"{self._where(j)} holds the text {MISSING_CATEGORY!r}, which is the "
                    "category of its missing cells with impute_text='category'"
                )
            return MISSING_CATEGORY
        known = np.array([t for t in texts if t is not None])
        values, counts = np.unique(known, return_counts=True)
        return str(values[int(np.argmax(counts))])

    # ------------------------------------------------------------------ state

    def state(self) -> dict[str, np.ndarray]:
        """The fitted encoding as plain arrays, for a model file:

        ``kinds`` (n_columns,) text; ``names`` (n_columns,) text (absent without names);
        ``impute`` 0-d text ("mean", "median" or "none"); ``categories/<j>`` (k,) text for each
        categorical column j (from 0); ``fill/<j>`` 0-d, for each column with ``impute``: a
        float (numeric) or a text (categorical); ``mean`` and ``std`` (n_numeric,) of the
        numeric columns (absent when there are none)."""
        if self.kinds is None:
            raise DataError("the TableEncoder is not fitted; there is no state to save")
        state = {
            "kinds": np.array(self.kinds, dtype=str),
            "impute": np.array(self.impute or "none"),
        }
        if self.names is not None:
            state["names"] = np.array(self.names, dtype=str)
        for j, cats in enumerate(self.categories):
            if cats is not None:
                state[f"categories/{j}"] = cats.astype(str)
            if self.fill[j] is not None:
                fill = self.fill[j]
                state[f"fill/{j}"] = np.array(fill, dtype=np.float64 if cats is None else str)
        if self.scaler is not None:
            state.update(self.scaler.state())
        return state

    @classmethod
    def from_state(cls, state: dict) -> TableEncoder:
        """A fitted TableEncoder from what :meth:`state` returned; a DataError (one line) for
        anything that does not fit together."""
        kinds = _text_array(state, "kinds", 1)
        impute = str(_text_array(state, "impute", 0))
        if impute not in (*IMPUTE, "none"):
            raise DataError(f"TableEncoder state: unknown impute {impute!r}")
        unknown = sorted(set(map(str, kinds)) - set(KINDS))
        if unknown:
            raise DataError(f"TableEncoder state: unknown column kind {unknown[0]!r}")
        n = len(kinds)
        if n < 1:
            raise DataError("TableEncoder state: no columns")
        names = None
        if "names" in state:
            names = [str(s) for s in _text_array(state, "names", 1)]
            if len(names) != n:
                raise DataError(f"TableEncoder state: {len(names)} names for {n} columns")
        new = cls(None if impute == "none" else impute, names)  # impute_text: from the fills
        new.kinds = [str(k) for k in kinds]
        expected = {"kinds", "impute", "names", "mean", "std"}
        for j, kind in enumerate(new.kinds):
            cats = None
            if kind == "categorical":
                cats = _text_array(state, f"categories/{j}", 1)
                if len(cats) < 1 or not np.array_equal(np.unique(cats), cats):
                    raise DataError(
                        f"TableEncoder state: the categories of {new._where(j)} must be distinct "
                        "texts in sorted order"
                    )
                expected.add(f"categories/{j}")
            new.categories.append(cats)
            new.fill.append(new._state_fill(state, j, cats))
            expected.add(f"fill/{j}")
        if MISSING_CATEGORY in new.fill:
            new.impute_text = "category"
        extra = sorted(set(state) - expected)
        if extra:
            raise DataError(f"TableEncoder state: unexpected entry {extra[0]!r}")
        n_numeric = new.kinds.count("numeric")
        if n_numeric:
            new.scaler = Standardizer.from_state(state)
            if new.scaler.n_x != n_numeric:
                raise DataError(
                    f"TableEncoder state: mean and std for {new.scaler.n_x} columns, but "
                    f"{n_numeric} are numeric"
                )
        elif "mean" in state or "std" in state:
            raise DataError("TableEncoder state: mean and std, but no numeric column")
        return new

    def _state_fill(self, state: dict, j: int, cats):
        key = f"fill/{j}"
        if self.impute is None:
            if key in state:
                raise DataError(f"TableEncoder state: {key!r} without imputation")
            return None
        if key not in state:
            raise DataError(f"TableEncoder state lacks {key!r}")
        value = np.asarray(state[key])
        if value.shape != ():
            raise DataError(f"TableEncoder state: {key!r} must be a single value")
        if cats is None:
            if value.dtype.kind not in "iuf" or not np.isfinite(value):
                raise DataError(
                    f"TableEncoder state: {key!r} of numeric {self._where(j)} must be a finite "
                    f"number, got a {value.dtype} value"
                )
            return float(value)
        if value.dtype.kind != "U" or str(value) not in {*cats.tolist(), MISSING_CATEGORY}:
            raise DataError(
                f"TableEncoder state: {key!r} of categorical {self._where(j)} must be one of its "
                f"categories or {MISSING_CATEGORY!r}"
            )
        return str(value)

    def __repr__(self) -> str:
        text = f", impute_text={self.impute_text!r}" if self.impute_text != "most_frequent" else ""
        return (
            f"TableEncoder(n_columns={self.n_columns}, n_x={self.n_x}, impute={self.impute!r}"
            f"{text})"
        )


def _text_array(state: dict, key: str, ndim: int) -> np.ndarray:
    if key not in state:
        raise DataError(f"TableEncoder state lacks {key!r}")
    value = np.asarray(state[key])
    if value.dtype.kind != "U" or value.ndim != ndim:
        shape = "a single text" if ndim == 0 else "a 1-D array of text"
        raise DataError(
            f"TableEncoder state: {key!r} must be {shape}, got a {value.dtype} array of shape "
            f"{value.shape}"
        )
    return value
