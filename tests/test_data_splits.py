"""deltaprop.data.stratified_split: invariants (hypothesis) and edge cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop.data import DataError, stratified_split


@st.composite
def labels_and_fractions(draw):
    k = draw(st.integers(1, 5))
    sizes = draw(st.lists(st.integers(1, 40), min_size=k, max_size=k))
    y = np.repeat(np.arange(k), sizes)
    y = np.random.default_rng(draw(st.integers(0, 99))).permutation(y)
    parts = draw(st.sampled_from([2, 3]))
    weights = draw(st.lists(st.integers(1, 20), min_size=parts, max_size=parts))
    fractions = tuple(w / sum(weights) for w in weights)
    return y, fractions


@settings(max_examples=150, deadline=None)
@given(labels_and_fractions(), st.integers(0, 2**32 - 1))
def test_split_invariants(case, seed):
    y, fractions = case
    parts = stratified_split(y, fractions=fractions, seed=seed)
    assert len(parts) == len(fractions)
    # disjoint, and together exactly 0..m-1
    everything = np.concatenate(parts)
    assert len(everything) == len(y)
    np.testing.assert_array_equal(np.sort(everything), np.arange(len(y)))
    for part in parts:
        assert part.dtype == np.int64
        assert (np.diff(part) > 0).all()  # sorted
    for c in np.unique(y):
        n = int((y == c).sum())
        counts = [int((y[part] == c).sum()) for part in parts]
        if n < len(fractions):
            assert counts[0] == n  # too few members to spread: all in train
            continue
        assert min(counts) >= 1  # present in every part
        if n * min(fractions) >= 1:  # no part needed topping up: proportional within 1
            for count, f in zip(counts, fractions, strict=True):
                assert abs(count - n * f) <= 1
    # the parts' sizes follow the fractions too, when no class needed topping up
    if all((y == c).sum() * min(fractions) >= 1 for c in np.unique(y)):
        for part, f in zip(parts, fractions, strict=True):
            assert abs(len(part) - len(y) * f) <= 1
    # deterministic for a seed
    again = stratified_split(y, fractions=fractions, seed=seed)
    for a, b in zip(parts, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_split_totals_stay_close_across_many_classes():
    # 10 classes of 15: each class's test share is 1.5, so per-class rounding alone could give
    # every class 1 (10 in all) or 2 (20); the parts' totals must stay near 15.
    y = np.repeat(np.arange(10), 15)
    train, test = stratified_split(y, fractions=(0.9, 0.1), seed=0)
    assert abs(len(test) - 15) <= 1 and len(train) + len(test) == 150


def test_split_seeds_differ_and_strings_work():
    y = np.array(["a", "b"] * 50)
    a = stratified_split(y, seed=1)
    b = stratified_split(y, seed=2)
    assert not np.array_equal(a[1], b[1])
    assert len(a[0]) == 80 and len(a[1]) == 20
    assert (y[a[1]] == "a").sum() == 10


def test_three_parts_and_rare_classes():
    y = np.array([0] * 20 + [1] * 3 + [2] * 2)
    train, val, test = stratified_split(y, fractions=(0.6, 0.2, 0.2), seed=0)
    assert (y[train] == 2).sum() == 2  # 2 members < 3 parts: both in train
    for part in (train, val, test):
        assert (y[part] == 1).sum() == 1  # 3 members: one in each part


def test_a_whole_number_share_is_given_exactly():
    """The leftover members of a class go to parts whose share has a fraction: class 1's share of
    train, 6 x 0.5 = 3, is not rounded up even when train is furthest behind its target."""
    y = np.array([0] * 3 + [1] * 6)
    train, val, test = stratified_split(y, fractions=(0.5, 0.25, 0.25), seed=0)
    assert [(y[part] == 1).sum() for part in (train, val, test)] == [3, 2, 1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(fractions=(0.5, 0.6)), "must add up to 1"),
        (dict(fractions=(1.0,)), "give 2 fractions"),
        (dict(fractions=(0.25,) * 4), "give 2 fractions"),
        (dict(fractions=(1.2, -0.2)), "each fraction must be > 0"),
        (dict(fractions=(1.0, 0.0)), "each fraction must be > 0"),
        (dict(fractions=("a", "b")), "fractions must be numbers"),
        (dict(seed=1.5), "seed must be an integer"),
        (dict(seed=True), "seed must be an integer"),
    ],
)
def test_split_rejects_bad_arguments(kwargs, message):
    with pytest.raises(DataError, match=message):
        stratified_split(np.array([0, 1] * 5), **kwargs)


def test_split_rejects_bad_labels():
    with pytest.raises(DataError, match="cannot split 0 examples"):
        stratified_split(np.array([]))
    with pytest.raises(DataError, match=r"1-D array \(m,\)"):
        stratified_split(np.zeros((3, 2)))


def test_a_random_split_ignores_the_labels_and_is_the_same_for_a_seed():
    from deltaprop.data import random_split

    train, test = random_split(442, (0.75, 0.25), seed=3)
    assert (len(train), len(test)) == (332, 110)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(442))
    again = random_split(442, (0.75, 0.25), seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, test), again, strict=True))
    other = random_split(442, (0.75, 0.25), seed=4)
    assert not np.array_equal(test, other[1])
    assert [len(p) for p in random_split(2, (0.9, 0.1))] == [1, 1]  # no part left empty
    with pytest.raises(DataError, match="integer >= 0"):
        random_split(-1)
