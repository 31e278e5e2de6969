"""What a table's columns are, before training on it: each column's kind, its missing cells, its
distinct values, and what training would make of it, as TableEncoder and the readers decide
(``deltaprop inspect`` prints it). Nothing here changes how data are read."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from .dataset import Dataset
from .encoding import as_text, column_kinds, is_missing, is_number, too_many_categories

#: Values of a column shown as examples: its most frequent ones.
SHOWN = 3


@dataclass
class ColumnProfile:
    """One column. ``kind``: "number" or "text"; ``role``: "feature" or "label"; ``inputs``:
    the network inputs it becomes (0 when training would refuse it); ``notes``: what stands
    in the way or deserves a look, each a short phrase."""

    name: str
    kind: str
    role: str
    missing: int
    distinct: int
    values: list[str]
    inputs: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def profile(ds: Dataset) -> list[ColumnProfile]:
    """The feature columns of ``ds`` (read with text and missing cells kept: ``cells="mixed"``,
    ``missing=True``), then its label column."""
    X = ds.X
    m = len(X)
    names = ds.feature_names or [f"column {j + 1}" for j in range(X.shape[1])]
    kinds = column_kinds(X)
    columns = [_feature(str(names[j]), X[:, j], kinds[j], m) for j in range(X.shape[1])]
    return [*columns, _label(ds)]


def _feature(name: str, cells: np.ndarray, kind: str, m: int) -> ColumnProfile:
    gaps = [is_missing(c) for c in cells]
    known = [as_text(c) for c, gap in zip(cells, gaps, strict=True) if not gap]
    counts = Counter(known)
    k, missing = len(counts), sum(gaps)
    column = ColumnProfile(
        name=name,
        kind="number" if kind == "numeric" else "text",
        role="feature",
        missing=missing,
        distinct=k,
        values=[v for v, _ in counts.most_common(SHOWN)],
        inputs=1 if kind == "numeric" else k,
    )
    if missing:
        column.notes.append(f"{missing} missing: --impute fills them")
    if not known:
        column.inputs = 0
        column.notes.append("nothing but missing values: --ignore it")
    elif kind == "numeric":
        if k == m > 10 and all(float(v).is_integer() for v in counts):
            column.notes.append("every value different: an identifier? --ignore it")
        if k == 1:
            column.notes.append("one value: it tells nothing")
    elif too_many_categories(k, m):
        column.inputs = 0
        words = [v for v in counts if not is_number(v)]
        if len(words) < k / 2:
            column.notes.append(
                f"numbers, and text such as {words[0]!r}: --missing-values if it means a gap"
            )
        else:
            column.notes.append("an identifier or free text, refused: --ignore it")
    else:
        numbers = [v for v in counts if is_number(v)]
        if len(numbers) > k / 2:
            column.notes.append("mostly numbers, read as categories: --missing-values?")
    return column


def _label(ds: Dataset) -> ColumnProfile:
    y = ds.y
    if y.ndim == 2:  # several targets: described by their count
        return ColumnProfile(
            name=", ".join(ds.target_names or []) or "targets",
            kind="number",
            role="label",
            missing=0,
            distinct=0,
            values=[],
            inputs=0,
            notes=[f"{y.shape[1]} targets: --regression"],
        )
    counts = Counter(as_text(v) for v in y)
    column = ColumnProfile(
        name=ds.label_name or "label",
        kind="number" if all(is_number(v) for v in counts) else "text",
        role="label",
        missing=0,
        distinct=len(counts),
        values=[v for v, _ in counts.most_common(SHOWN)],
        inputs=0,
    )
    k, m = len(counts), len(y)
    if column.kind == "number" and too_many_categories(k, m):
        column.notes.append(f"{k} different values: a number to predict? --regression")
    else:
        smallest = min(counts.values())
        column.notes.append(f"{k} classes, the smallest {smallest} examples")
        if smallest * k * 5 < m:  # a class under a fifth of its even share
            column.notes.append("unbalanced: --class-weight balanced?")
    return column
