"""deltaprop.data preprocessing: Standardizer, PixelScaler, LabelEncoder, to_columns."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deltaprop.data import (
    DataError,
    LabelEncoder,
    PixelScaler,
    Standardizer,
    make_preprocessor,
    to_columns,
)

# ---------------------------------------------------------------------- Standardizer


def test_standardizer_matches_numpy():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(200, 4))
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.mean, X.mean(axis=0))
    np.testing.assert_allclose(s.std, X.std(axis=0))
    Z = s.transform(X)
    assert Z.dtype == np.float32 and Z.shape == X.shape
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-5)
    assert s.transform(X, dtype=np.float64).dtype == np.float64


def test_standardizer_uses_the_training_rows_only():
    train = np.array([[0.0], [2.0]])
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.transform(np.array([[4.0]]), dtype=np.float64), [[3.0]])


def test_standardizer_constant_feature_gets_std_one():
    X = np.column_stack([np.full(7, 0.1), np.arange(7.0)])
    s = Standardizer().fit(X)
    assert s.std[0] == 1.0
    np.testing.assert_allclose(s.transform(X)[:, 0], 0.0, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 5)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_standardizer_blockwise_statistics_are_exact(X):
    import deltaprop.data.preprocessing as pre

    saved = pre._BLOCK_VALUES
    pre._BLOCK_VALUES = 7  # force many small blocks, so that merging them is exercised
    try:
        s = Standardizer().fit(X)
        Z = s.transform(X, dtype=np.float64)
    finally:
        pre._BLOCK_VALUES = saved
    scale = 1 + np.abs(X).max()
    np.testing.assert_allclose(s.mean, X.mean(axis=0), atol=1e-9 * scale)
    std = X.std(axis=0)
    wide = std > 1e-6 * scale
    np.testing.assert_allclose(s.std[wide], std[wide], rtol=1e-7)
    assert np.isfinite(Z).all()


@pytest.mark.filterwarnings("error")  # numpy's overflow warnings were printed by the CLI
@pytest.mark.parametrize(
    "column,largest",
    [
        ([0.0, 0.0, 0.0, 1e308], "1e+308"),
        ([1.79e308] + [-1.79e308] * 99, "1.79e+308"),
        ([1e308, -1e308], "1e+308"),
        ([1.7e308, 1.6e308], "1.7e+308"),
    ],
)
def test_values_whose_statistics_overflow_are_one_data_error(column, largest):
    """Finite values whose mean or squared deviations overflow float64: the mean or std were
    inf or nan, and every value was standardized to nan (then reported as "X contains NaN")."""
    X = np.column_stack([np.zeros(len(column)), column])
    with pytest.raises(DataError) as error:
        Standardizer().fit(X)
    assert str(error.value) == (
        f"column 1: values up to {largest} are too large to standardize (their mean or squared "
        "deviations overflow float64); rescale this feature first"
    )
    Standardizer().fit(X / 1e300)  # rescaled, it fits


def test_a_value_that_standardizes_beyond_the_output_type_is_a_data_error():
    s = Standardizer().fit(np.array([[0.0], [2.0]]))
    with pytest.raises(DataError) as error:
        s.transform(np.array([[0.5], [1e300]]))
    assert str(error.value) == (
        "row 1, column 0: 1e+300, standardized with mean 1 and std 1, is beyond the range of "
        "float32"
    )
    assert s.transform(np.array([[1e300]]), dtype=np.float64)[0, 0] == 1e300 - 1


def test_a_non_finite_value_in_a_later_block_names_its_row(monkeypatch):
    import deltaprop.data.preprocessing as pre

    monkeypatch.setattr(pre, "_BLOCK_VALUES", 4)  # 2 rows of 2 features a block
    X = np.zeros((10, 2))
    X[7, 1] = np.nan
    with pytest.raises(DataError, match="row 7, column 1: nan is not a finite number"):
        Standardizer().fit(X)


def test_standardizer_errors():
    s = Standardizer()
    with pytest.raises(DataError, match="not fitted"):
        s.transform(np.zeros((2, 2)))
    s.fit(np.random.default_rng(0).normal(size=(5, 64)))
    with pytest.raises(DataError, match="the model was fitted on 64 features; this data has 10"):
        s.transform(np.zeros((3, 10)))
    with pytest.raises(DataError, match=r"expected a 2-D array .* got shape \(64,\)"):
        s.transform(np.zeros(64))
    bad = np.zeros((3, 64))
    bad[2, 5] = np.nan
    with pytest.raises(DataError, match="row 2, column 5: nan is not a finite number"):
        s.transform(bad)
    with pytest.raises(DataError, match="output dtype must be a floating type"):
        s.transform(np.zeros((1, 64)), dtype=np.int32)
    with pytest.raises(DataError, match="cannot fit a Standardizer on 0 examples"):
        Standardizer().fit(np.zeros((0, 3)))


def test_standardizer_state_roundtrip_through_npz(tmp_path):
    X = np.random.default_rng(1).normal(size=(30, 3))
    s = Standardizer().fit(X)
    state = s.state()
    assert set(state) == {"mean", "std"} and all(isinstance(v, np.ndarray) for v in state.values())
    np.savez(tmp_path / "m.npz", **state)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        restored = Standardizer.from_state(dict(f))
    np.testing.assert_array_equal(restored.transform(X), s.transform(X))
    with pytest.raises(DataError, match="Standardizer state lacks 'std'"):
        Standardizer.from_state({"mean": state["mean"]})
    with pytest.raises(DataError, match="std finite and > 0"):
        Standardizer.from_state({"mean": state["mean"], "std": np.zeros(3)})


def test_transform_makes_no_float64_copy_of_the_whole_array():
    X = np.random.default_rng(0).integers(0, 256, size=(6000, 784), dtype=np.uint8)
    s = Standardizer().fit(X)
    result_bytes = X.size * 4  # the float32 result itself
    whole_float64 = X.size * 8
    for scaler in (s, PixelScaler().fit(X)):
        tracemalloc.start()
        out = scaler.transform(X, dtype=np.float32)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert out.dtype == np.float32
        assert peak - result_bytes < whole_float64 / 2, type(scaler).__name__


# ---------------------------------------------------------------------- PixelScaler


def test_pixel_scaler():
    X = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    p = PixelScaler().fit(X)
    Z = p.transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, [[0, 1], [0.2, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(PixelScaler(16).transform(np.array([[8, 16]])), [[0.5, 1.0]])
    with pytest.raises(DataError, match="fitted on 2 features; this data has 3"):
        p.transform(np.zeros((1, 3), dtype=np.uint8))
    with pytest.raises(DataError, match="maximum must be a finite number > 0"):
        PixelScaler(0)


def test_pixel_scaler_refuses_non_finite_floats():
    with pytest.raises(DataError, match="row 1, column 0: inf is not a finite number"):
        PixelScaler().fit_transform(np.array([[0.5, 1.0], [np.inf, 2.0]]))


def test_pixel_scaler_state_roundtrip():
    p = PixelScaler(15.0).fit(np.zeros((2, 9)))
    restored = PixelScaler.from_state({k: np.asarray(v) for k, v in p.state().items()})
    assert restored.maximum == 15.0 and restored.n_x == 9
    with pytest.raises(DataError, match="PixelScaler state lacks 'maximum'"):
        PixelScaler.from_state({})
    with pytest.raises(DataError, match="n_x must be a positive integer, got 0"):
        PixelScaler.from_state({"maximum": np.array(255.0), "n_x": np.array(0)})


@pytest.mark.parametrize("n_x", [np.inf, np.nan])
def test_pixel_scaler_state_with_a_count_that_is_not_finite_is_a_data_error(n_x):
    """int() of inf raised OverflowError (and of nan a ValueError of its own words)."""
    with pytest.raises(
        DataError, match=f"PixelScaler state: n_x must be a positive integer, got {n_x}"
    ):
        PixelScaler.from_state({"maximum": np.array(255.0), "n_x": np.array(n_x)})


def test_make_preprocessor():
    assert isinstance(make_preprocessor("tabular"), Standardizer)
    assert isinstance(make_preprocessor("image"), PixelScaler)
    with pytest.raises(DataError, match="unknown kind of data 'audio'"):
        make_preprocessor("audio")


# ---------------------------------------------------------------------- LabelEncoder


def test_an_encoder_for_given_classes_keeps_their_order():
    enc = LabelEncoder.for_classes(["dog", "cat", "bird"])  # a model's units, not sorted
    assert enc.transform(["cat", "bird", "dog", "cat"]).tolist() == [1, 2, 0, 1]
    assert enc.inverse_transform(np.array([2, 0])).tolist() == ["bird", "dog"]
    assert LabelEncoder.for_classes([3, 1]).transform(np.array(["1", "3"])).tolist() == [1, 0]
    with pytest.raises(DataError, match="unseen label 'cow'"):
        enc.transform(["cow"])
    with pytest.raises(DataError, match="class labels must be distinct and at least one; 'cat'"):
        LabelEncoder.for_classes(["cat", "dog", "cat"])
    with pytest.raises(DataError, match="class labels must be distinct and at least one"):
        LabelEncoder.for_classes([])


def test_label_encoder_strings():
    enc = LabelEncoder().fit(["dog", "cat", "dog", "bird"])
    assert enc.classes_.tolist() == ["bird", "cat", "dog"] and enc.k == 3
    codes = enc.transform(["cat", "dog", "bird"])
    assert codes.dtype == np.int64 and codes.tolist() == [1, 2, 0]
    assert enc.inverse_transform(codes).tolist() == ["cat", "dog", "bird"]


def test_label_encoder_ints_stay_ints():
    enc = LabelEncoder().fit(np.array([7, 3, 7, 5]))
    assert enc.classes_.dtype.kind == "i" and enc.classes_.tolist() == [3, 5, 7]
    assert enc.transform([5, 7]).tolist() == [1, 2]
    assert enc.transform(np.array(["7"])).tolist() == [2]  # a label read back as text


def test_label_encoder_unseen_label():
    enc = LabelEncoder().fit(["a", "b"])
    with pytest.raises(DataError, match="unseen label 'zebra'; the known labels are a, b"):
        enc.transform(["a", "zebra"])
    ints = LabelEncoder().fit([0, 1, 2])
    with pytest.raises(DataError, match="unseen label 9; the known labels are 0, 1, 2"):
        ints.transform([9])
    with pytest.raises(DataError, match="unseen label 'cat'"):
        ints.transform(["cat"])
    with pytest.raises(DataError, match="class code 3 is out of range 0..2"):
        ints.inverse_transform([0, 3])


def test_label_encoder_state_is_never_object_dtype(tmp_path):
    enc = LabelEncoder().fit(np.array(["x", "yy", "x"], dtype=object))
    state = enc.state()
    assert state["classes"].dtype.kind == "U"
    np.savez(tmp_path / "c.npz", **state)
    with np.load(tmp_path / "c.npz", allow_pickle=False) as f:
        restored = LabelEncoder.from_state(dict(f))
    assert restored.transform(["yy"]).tolist() == [1]
    with pytest.raises(DataError, match="sorted and distinct"):
        LabelEncoder.from_state({"classes": np.array(["b", "a"])})
    with pytest.raises(DataError, match="must all be numbers or all strings, found int, str"):
        LabelEncoder().fit(np.array([1, "a"], dtype=object))
    with pytest.raises(DataError, match="not fitted"):
        LabelEncoder().transform([1])


def test_label_encoder_matches_whole_floats_to_text_classes():
    enc = LabelEncoder().fit(["1", "2", "x"])
    assert enc.transform(np.array([2.0, 1.0])).tolist() == [1, 0]  # 2.0 is "2", not "2.0"


def test_label_encoder_refuses_bools_nans_and_repeated_classes():
    with pytest.raises(DataError, match="must all be numbers or all strings, found bool, int"):
        LabelEncoder().fit(np.array([True, 2], dtype=object))
    with pytest.raises(DataError, match="label 1 is NaN"):
        LabelEncoder().fit([0.0, np.nan, 1.0])
    with pytest.raises(DataError, match="sorted and distinct"):
        LabelEncoder.from_state({"classes": np.array([1, 1, 2])})


# ---------------------------------------------------------------------- to_columns


def test_to_columns_is_the_transpose():
    X_rows = np.arange(6.0).reshape(3, 2)  # 3 examples, 2 features
    X = to_columns(X_rows)
    assert X.shape == (2, 3)
    assert np.shares_memory(X, X_rows)  # no dtype: a view
    np.testing.assert_array_equal(X[:, 1], X_rows[1])  # example 1 is column 1
    X32 = to_columns(X_rows, dtype=np.float32)
    assert X32.dtype == np.float32 and X32.shape == (2, 3)
    with pytest.raises(DataError, match="2-D array of examples as rows"):
        to_columns(np.zeros(3))
