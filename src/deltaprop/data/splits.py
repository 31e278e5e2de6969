"""Seeded splits of a data set into train/test or train/validation/test parts: stratified by
class for classification, plain random for regression targets."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import DataError


def _check_fractions(fractions) -> np.ndarray:
    try:
        f = np.array(fractions, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"fractions must be numbers, got {fractions!r}") from None
    if f.ndim != 1 or len(f) not in (2, 3):
        raise DataError(
            f"give 2 fractions (train, test) or 3 (train, validation, test), got {fractions!r}"
        )
    if not np.isfinite(f).all() or (f <= 0).any():
        raise DataError(f"each fraction must be > 0, got {fractions!r}")
    if not math.isclose(f.sum(), 1.0, abs_tol=1e-6):
        raise DataError(f"the fractions must add up to 1, got {fractions!r} (sum {f.sum():g})")
    return f / f.sum()


def _apportion(n: int, f: np.ndarray, deficit: np.ndarray) -> np.ndarray:
    """Counts per part for a class of n members: floor(n * f) each, and the leftover members to
    the parts with a fractional share, those furthest behind their overall target first (so
    the parts' totals stay close to their fractions too, not only each class's counts).
    ``deficit``: per part, its target after this class minus what it has been given so far."""
    ideal = n * f
    counts = np.floor(ideal).astype(np.int64)
    left = n - int(counts.sum())
    if left:
        # Parts with a fractional share first (a 1e-9 tolerance for rounding in n * f), then
        # by deficit; np.lexsort sorts by its last key first.
        fractional = ideal - counts > 1e-9
        behind = deficit - counts  # how far each part would still be behind its target
        order = np.lexsort((-behind, ~fractional))
        counts[order[:left]] += 1
    return counts


def stratified_split(y, fractions=(0.8, 0.2), seed: int | None = 0) -> tuple[np.ndarray, ...]:
    """Split the examples of labels ``y`` (m,) into parts of the given ``fractions`` (2 parts:
    train, test; or 3: train, validation, test; they must add up to 1).

    Returns one sorted int64 index array per part; together they are disjoint and cover 0..m-1.
    Each class is split on its own (stratified), so every part has the class mix of the whole:
    each class's count in a part is within one example of its fraction. A class with at least
    one member per part is present in every part, even where that takes it further from the
    fractions (a rare class would otherwise vanish from the test part); a class with fewer
    members than parts goes wholly to train. Which members go where is drawn from ``seed``:
    the same seed gives the same split.
    """
    f = _check_fractions(fractions)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise DataError(f"seed must be an integer or None, got {seed!r}")
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"labels must be a 1-D array (m,), got shape {y.shape}")
    if len(y) == 0:
        raise DataError("cannot split 0 examples")
    rng = np.random.default_rng(seed)
    _, codes = np.unique(y, return_inverse=True)
    # All examples grouped by class (a stable sort keeps the grouping independent of the seed).
    by_class = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    parts: list[list[np.ndarray]] = [[] for _ in f]
    given = np.zeros(len(f))  # examples handed to each part so far
    start = 0
    for n in sizes:
        members = rng.permutation(by_class[start : start + n])
        start += n
        if n < len(f):
            counts = np.zeros(len(f), dtype=np.int64)
            counts[0] = n
        else:
            counts = _apportion(n, f, deficit=f * (given.sum() + n) - given)
            for j in np.flatnonzero(counts == 0):  # borrow from the largest part
                counts[np.argmax(counts)] -= 1
                counts[j] = 1
        for j, piece in enumerate(np.split(members, np.cumsum(counts)[:-1])):
            parts[j].append(piece)
        given += counts
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)


def random_split(m: int, fractions=(0.8, 0.2), seed: int | None = 0) -> tuple[np.ndarray, ...]:
    """Split m examples at random, without regard to their labels (for a regression target),
    into parts of the given ``fractions``, as :func:`stratified_split` splits a single class:
    the same counts per part, every part non-empty when m allows, the same seed the same split.
    Returns one sorted int64 index array per part."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
        raise DataError(f"the number of examples must be an integer >= 0, got {m!r}")
    return stratified_split(np.zeros(int(m), dtype=np.int64), fractions, seed)
