"""Tables with text columns and missing values: the TableEncoder against scikit-learn's
OneHotEncoder, SimpleImputer and StandardScaler, the CSV reader, the model file, the command
line from training to prediction."""

import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from deltaprop import io
from deltaprop.core import DeltapropWarning, Network
from deltaprop.data import (
    DataError,
    MissingValueError,
    TableEncoder,
    UnusableColumnError,
    column_kinds,
    read_csv,
    read_features,
)
from deltaprop.io import ModelFileError
from deltaprop.model import Model

from .test_io import _drop, _set, rewritten

CLI = [sys.executable, "-m", "deltaprop"]


def run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def table(m=60, seed=0, missing=0.0):
    """Raw rows (m, 4) as a CSV reader gives them: age (numbers), sex, port (text), fare."""
    rng = np.random.default_rng(seed)
    X = np.empty((m, 4), dtype=object)
    X[:, 0] = [f"{a:g}" for a in rng.integers(1, 80, m)]
    X[:, 1] = rng.choice(["male", "female"], m)
    X[:, 2] = rng.choice(["S", "C", "Q"], m)
    X[:, 3] = [f"{f:.2f}" for f in rng.lognormal(2, 1, m)]
    if missing:
        gaps = rng.random((m, 4)) < missing
        X[gaps] = rng.choice(["", "NA", "?", "nan", "N/A", "null"], gaps.sum())
    return X


NAMES = ["age", "sex", "port", "fare"]


def numbers(column) -> np.ndarray:
    return np.array(
        [np.nan if c.lower() in ("", "na", "?", "nan", "n/a", "null") else float(c) for c in column]
    )


def texts(column) -> np.ndarray:
    return np.array(
        [None if c.lower() in ("", "na", "?", "nan", "n/a", "null") else c for c in column],
        dtype=object,
    )


# --------------------------------------------------------------------------- the encoder


def test_a_column_is_text_when_a_cell_that_is_not_missing_is_not_a_number():
    X = np.array([["1", "a", "", "1"], ["2", "3", "NA", "x"], ["", "4", "5", "2"]], dtype=object)
    assert column_kinds(X) == ["numeric", "categorical", "numeric", "categorical"]
    assert column_kinds(np.zeros((2, 3))) == ["numeric"] * 3


def test_the_encoding_equals_scikit_learns_one_hot_encoder_and_standard_scaler():
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train, test = table(80, seed=1), table(30, seed=2)
    test[0, 1], test[3, 2] = "other", "X"  # categories not seen in training
    encoder = TableEncoder(names=NAMES).fit(train)
    assert encoder.feature_names() == [
        "age",
        "sex=female",
        "sex=male",
        "port=C",
        "port=Q",
        "port=S",
        "fare",
    ]
    told = []
    Z = encoder.transform(test, dtype=np.float64, warn=told.append)
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own warning about the unknown categories
        expected_text = onehot.fit(train[:, [1, 2]]).transform(test[:, [1, 2]])
    scaler = StandardScaler().fit(train[:, [0, 3]].astype(float))
    expected_numbers = scaler.transform(test[:, [0, 3]].astype(float))
    np.testing.assert_array_equal(Z[:, 1:6], expected_text)
    np.testing.assert_allclose(Z[:, [0, 6]], expected_numbers, rtol=1e-12, atol=1e-12)
    assert told == [
        "column 'sex': a category not seen in training ('other'; 1 of 30 examples), encoded as "
        "all zeros",
        "column 'port': a category not seen in training ('X'; 1 of 30 examples), encoded as all "
        "zeros",
    ]


@pytest.mark.parametrize("strategy", ["mean", "median"])
def test_imputation_equals_scikit_learns_simple_imputer(strategy):
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    train, test = table(100, seed=3, missing=0.15), table(40, seed=4, missing=0.15)
    encoder = TableEncoder(strategy, NAMES).fit(train)
    Z = encoder.transform(test, dtype=np.float64)
    nums = [numbers(train[:, j]) for j in (0, 3)]
    imputer = SimpleImputer(strategy=strategy).fit(np.column_stack(nums))
    assert [encoder.fill[0], encoder.fill[3]] == pytest.approx(imputer.statistics_, rel=1e-12)
    filled = imputer.transform(np.column_stack([numbers(test[:, j]) for j in (0, 3)]))
    scaled = StandardScaler().fit(imputer.transform(np.column_stack(nums))).transform(filled)
    np.testing.assert_allclose(Z[:, [0, 6]], scaled, rtol=1e-12, atol=1e-12)
    for j in (1, 2):  # text columns: the most frequent category
        frequent = SimpleImputer(strategy="most_frequent", missing_values=None)
        frequent.fit(texts(train[:, j]).reshape(-1, 1))
        assert encoder.fill[j] == frequent.statistics_[0]
    rows = [i for i in range(40) if test[i, 1].lower() in ("", "na", "?", "nan", "n/a", "null")]
    assert rows and all(Z[i, 1 + ["female", "male"].index(encoder.fill[1])] == 1 for i in rows)


def test_missing_text_as_its_own_category_equals_scikit_learns_one_hot_encoder():
    """impute_text="category": a missing text cell is the category "(missing)" where training
    had one (scikit-learn's OneHotEncoder keeps None as a category), elsewhere a category not
    seen in training (zeros, with a warning); the fitted state keeps it."""
    from sklearn.preprocessing import OneHotEncoder

    train, test = table(100, seed=3, missing=0.15), table(40, seed=4, missing=0.15)
    train[:, 1] = ["male", "female"] * 50  # sex: no missing cell in training
    encoder = TableEncoder("median", NAMES, impute_text="category").fit(train)
    assert encoder.categories[2].tolist() == ["(missing)", "C", "Q", "S"]
    assert encoder.categories[1].tolist() == ["female", "male"]
    assert "port=(missing)" in encoder.feature_names()
    told = []
    Z = encoder.transform(test, dtype=np.float64, warn=told.append)
    sklearn_ = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    sklearn_.fit(texts(train[:, 2]).reshape(-1, 1))
    expected = sklearn_.transform(texts(test[:, 2]).reshape(-1, 1))
    ours = [None if c == "(missing)" else c for c in encoder.categories[2]]
    order = [list(sklearn_.categories_[0]).index(c) for c in ours]
    np.testing.assert_array_equal(Z[:, 3:7], expected[:, order])
    gaps = np.count_nonzero(texts(test[:, 1]) == None)  # noqa: E711 (an object array)
    assert gaps and told == [
        f"column 'sex': a category not seen in training ('(missing)'; {gaps} of 40 examples), "
        "encoded as all zeros"
    ]
    again = TableEncoder.from_state(encoder.state())
    assert again.impute_text == "category" and repr(again).endswith("impute_text='category')")
    np.testing.assert_array_equal(again.transform(test, dtype=np.float64), Z)
    train[0, 2] = "(missing)"
    with pytest.raises(DataError, match="column 'port' holds the text '\\(missing\\)', which"):
        TableEncoder("median", NAMES, impute_text="category").fit(train)
    with pytest.raises(DataError, match="impute_text must be one of most_frequent, category"):
        TableEncoder("median", impute_text="constant")


def test_the_most_frequent_category_of_a_tie_is_the_first_in_sorted_order():
    X = np.array([["b"], ["a"], [""], ["b"], ["a"]], dtype=object)
    assert TableEncoder("mean").fit(X).fill == ["a"]


def test_a_missing_value_without_imputation_is_an_error():
    X = table(20)
    X[4, 0] = "NA"
    with pytest.raises(DataError, match=r"^column 'age', row 5: a missing value \(1 in the colu"):
        TableEncoder(names=NAMES).fit(X)
    fitted = TableEncoder(names=NAMES).fit(table(20))
    with pytest.raises(DataError, match="column 'age', row 5: a missing value, and the model fil"):
        fitted.transform(X)


def test_a_numeric_column_missing_in_the_whole_training_part_is_refused():
    X = table(20)
    X[:, 3] = ""
    with pytest.raises(DataError, match="^column 'fare': every value of the training part is mis"):
        TableEncoder("median", NAMES).fit(
            X, kinds=["numeric", "categorical", "categorical", "numeric"]
        )


def test_a_column_of_too_many_distinct_texts_is_refused_as_an_identifier():
    X = table(200)
    X[:, 1] = [f"passenger {i}" for i in range(200)]
    with pytest.raises(DataError) as error:
        TableEncoder(names=NAMES).fit(X)
    assert str(error.value) == (
        "column 'sex': 200 distinct text values in 200 training examples (such as 'passenger "
        "0'): an identifier or free text rather than categories (at most 50, and at most half "
        "the examples, are one-hot encoded); drop the column"
    )
    assert isinstance(error.value, UnusableColumnError)
    assert (error.value.column, error.value.index) == ("sex", 1)
    assert not error.value.reason.endswith("drop the column")
    X[:, 1] = [f"p{i % 12}" for i in range(200)]  # 12 categories: fine
    assert TableEncoder(names=NAMES).fit(X).n_x == 1 + 12 + 3 + 1


def test_a_word_among_many_numbers_is_taken_for_a_typo():
    X = table(100)
    X[7, 3] = "12,5"  # a decimal comma
    with pytest.raises(DataError) as error:
        TableEncoder(names=NAMES).fit(X)
    assert str(error.value) == (
        "column 'fare': '12,5' is not a number, but most of the column's 94 distinct values in "
        "training are: correct it, or write a missing value as an empty cell or NA"
    )


def test_a_few_categories_that_are_mostly_numbers_are_a_warning():
    """Ratings 1-5 and "unknown": six categories, which is legal but rarely meant."""
    X = table(60)
    X[:, 2] = [["1", "2", "3", "4", "5", "unknown"][i % 6] for i in range(60)]
    told = []
    assert TableEncoder(names=NAMES).fit(X, warn=told.append).n_x == 1 + 2 + 6 + 1
    assert told == [
        "column 'port': read as 6 categories, one-hot encoded, because of the text 'unknown' "
        "among its numbers; if that means a missing value, read it as one (missing_values; train "
        "--missing-values) and impute it"
    ]
    X[:, 2] = [["1", "2", "x", "y"][i % 4] for i in range(60)]  # half words: categories
    TableEncoder(names=NAMES).fit(X, warn=told.append)
    assert len(told) == 1


def test_the_kinds_come_from_the_whole_table_not_the_training_rows():
    """A column whose training rows are all numbers, but not the test rows', is text."""
    X = np.array([["1"], ["2"], ["x"]], dtype=object)
    encoder = TableEncoder().fit(X[:2], kinds=column_kinds(X))
    assert encoder.kinds == ["categorical"]
    assert encoder.transform(X[:2]).tolist() == [[1, 0], [0, 1]]


def test_a_breaking_encoder_is_caught(monkeypatch):
    """The comparison with scikit-learn fails when the encoding is wrong: put the categories in
    the wrong order and the one-hot columns no longer match."""
    import deltaprop.data.encoding as encoding

    original = encoding.TableEncoder._categories

    def reversed_categories(self, texts, j, m):
        return original(self, texts, j, m)[::-1]

    monkeypatch.setattr(encoding.TableEncoder, "_categories", reversed_categories)
    with pytest.raises(AssertionError):
        test_the_encoding_equals_scikit_learns_one_hot_encoder_and_standard_scaler()


# --------------------------------------------------------------------------- the CSV reader


def write(path, text):
    path.write_text(text)
    return path


TITANIC = "age,sex,fare,embarked,survived\n22,male,7.25,S,0\n,female,71.28,C,1\n30,female,8,NA,1\n"


def test_the_reader_keeps_text_columns_and_missing_cells_only_when_asked(tmp_path):
    p = write(tmp_path / "t.csv", TITANIC)
    with pytest.raises(DataError, match=r"t\.csv, line 2, column 'sex': 'male' is not a number$"):
        read_csv(p, label="survived")  # the default: numbers only, as before
    with pytest.raises(MissingValueError) as error:
        read_csv(p, label="survived", cells="mixed")
    assert str(error.value).endswith("t.csv, line 3, column 'age': a missing value (an empty cell)")
    ds = read_csv(p, label="survived", cells="mixed", missing=True)
    assert ds.X.dtype == object and ds.X.tolist() == [
        ["22", "male", "7.25", "S"],
        ["", "female", "71.28", "C"],
        ["30", "female", "8", "NA"],
    ]
    assert ds.feature_names == ["age", "sex", "fare", "embarked"]
    assert "4 features (2 of them text, one-hot encoded; 2 values missing)" in ds.description
    numeric = read_csv(write(tmp_path / "n.csv", "a,b,y\n1,2,0\n3,4,1\n"), cells="mixed")
    assert numeric.X.dtype == np.float64  # nothing to encode: read as before


def test_a_first_row_of_numbers_and_text_is_data_not_a_header(tmp_path):
    p = write(tmp_path / "t.csv", TITANIC.split("\n", 1)[1])  # no header row
    ds = read_csv(p, cells="mixed", missing=True)
    assert (
        ds.m == 3 and ds.feature_names is None and ds.X[0].tolist() == ["22", "male", "7.25", "S"]
    )
    with pytest.raises(DataError, match="line 2, column '22': an empty value is not a number"):
        read_csv(p)  # numbers only: the first row is a header, and line 2 has text


def test_a_header_with_a_number_for_a_name_is_still_a_header(tmp_path):
    """Numbers beside text in the first row: it is a header when a column with text in it
    holds only numbers below (here 'age'), however the other names read."""
    p = write(tmp_path / "h.csv", "age,sex,2019,y\n22,male,3.5,1\n30,female,NA,0\n41,male,2,1\n")
    ds = read_csv(p, cells="mixed", missing=True)
    assert ds.m == 3 and ds.feature_names == ["age", "sex", "2019"]
    assert ds.X[:, 0].tolist() == ["22", "30", "41"]
    X = read_features(p, 3, cells="mixed", missing=True)  # its label column last, dropped
    assert X.shape == (3, 3) and X[0].tolist() == ["22", "male", "3.5"]
    ambiguous = write(tmp_path / "a.csv", "sex,2019,y\nmale,3.5,1\nfemale,2,0\n")
    assert read_csv(ambiguous, cells="mixed").m == 3  # no column says so: a data row


def test_a_missing_spelling_is_named_and_inf_is_still_refused(tmp_path):
    p = write(tmp_path / "t.csv", "a,b,y\n1,x,0\n2,N/A,1\n")
    with pytest.raises(MissingValueError, match=r"line 3, column 'b': a missing value \(the text "):
        read_csv(p, cells="mixed")
    q = write(tmp_path / "i.csv", "a,b,y\n1,x,0\ninf,y,1\n")
    with pytest.raises(DataError, match=r"line 3, column 'a': 'inf' is not a finite number$"):
        read_csv(q, cells="mixed")


def test_more_texts_can_mean_a_missing_value(tmp_path):
    """missing_values: "unknown" and a sentinel number read as empty cells, in any case, in
    the features only; without ``missing`` they are named as missing values."""
    p = write(tmp_path / "m.csv", "rating,price,y\n1,-999,0\nUnknown,3.5,1\n5,2,unknown\n")
    ds = read_csv(p, cells="mixed", missing=True, missing_values=["unknown", " -999 "])
    assert ds.X.tolist() == [["1", ""], ["", "3.5"], ["5", "2"]]
    assert column_kinds(ds.X) == ["numeric", "numeric"] and ds.y.tolist() == ["0", "1", "unknown"]
    X = read_features(p, 2, cells="text", missing=True, missing_values=["UNKNOWN"])
    assert X.tolist() == [["1", "-999"], ["", "3.5"], ["5", "2"]]  # the label column dropped
    with pytest.raises(MissingValueError, match=r"line 3, column 'rating': a missing value \(the "):
        read_csv(p, cells="mixed", missing_values=["unknown"])
    for values, message in [
        (["?", ""], "an empty text is always a missing value"),
        ("unknown", "missing_values must be a list of texts"),
    ]:
        with pytest.raises(DataError, match=message):
            read_csv(p, cells="mixed", missing=True, missing_values=values)
    with pytest.raises(DataError, match="missing_values are kept as missing cells: give cells="):
        read_csv(p, missing_values=["unknown"])


@pytest.mark.parametrize("cells", ["mixed", "text"])
def test_a_missing_label_is_an_error_never_a_class(tmp_path, cells):
    p = write(tmp_path / "t.csv", "a,b,y\n1,x,0\n2,y,?\n3,x,1\n")
    with pytest.raises(
        DataError, match=r"t\.csv, line 3: the label \(column 'y'\) is missing \('\?'\)$"
    ):
        read_csv(p, cells=cells, missing=True)


def test_a_sample_weight_column_must_hold_numbers(tmp_path):
    p = write(tmp_path / "w.csv", "a,w,y\nx,1,0\ny,,1\n")
    with pytest.raises(DataError, match="the sample-weight column 'w' holds an empty cell, not a"):
        read_csv(p, weight="w", cells="mixed", missing=True)
    ds = read_csv(write(tmp_path / "v.csv", "a,w,y\nx,1,0\ny,2.5,1\n"), weight="w", cells="mixed")
    assert ds.sample_weight.tolist() == [1.0, 2.5] and ds.X.tolist() == [["x"], ["y"]]


def test_features_for_prediction_tell_a_header_by_the_models_column_names(tmp_path):
    kinds = ["numeric", "categorical"]
    headerless = write(tmp_path / "a.csv", "22,male\n30,female\n")
    X = read_features(headerless, 2, cells="text", names=["age", "sex"], kinds=kinds)
    assert X.tolist() == [["22", "male"], ["30", "female"]]
    with_header = write(tmp_path / "b.csv", "age,sex,survived\n22,male,1\n")
    X = read_features(with_header, 2, cells="text", names=["age", "sex"], kinds=kinds)
    assert X.tolist() == [["22", "male"]]


def test_text_in_a_column_the_model_takes_as_numbers_names_its_line(tmp_path):
    p = write(tmp_path / "bad.csv", "age,sex\n22,male\nabc,female\n")
    with pytest.raises(DataError) as error:
        read_features(p, 2, cells="text", names=["age", "sex"], kinds=["numeric", "categorical"])
    assert str(error.value) == (
        f"{p}, line 3, column 'age': 'abc' is not a number (the model takes numbers in this column)"
    )


# --------------------------------------------------------------------------- the model file


@pytest.fixture
def encoded_model():
    X = table(50, seed=5, missing=0.1)
    encoder = TableEncoder("median", NAMES).fit(X)
    net = Network([encoder.n_x, 6, 2], seed=0, dtype=np.float64)
    return Model(net, np.array(["died", "survived"]), encoder, {"data": "t"}), X


def metadata_of(path) -> dict:
    return json.loads(str(np.load(path, allow_pickle=False)["__metadata__"]))


def test_the_encoding_round_trips_through_the_model_file(tmp_path, encoded_model):
    model, X = encoded_model
    assert model.n_features == 4 and model.network.n_x == 7
    path = io.save(model, tmp_path / "m.npz")
    assert metadata_of(path)["format_version"] == 3
    assert metadata_of(path)["preprocessing"] == "TableEncoder"
    loaded = io.load(path)
    assert loaded.n_features == 4 and loaded.preprocessor.categories[1].tolist() == [
        "female",
        "male",
    ]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.preprocessor.fill == model.preprocessor.fill


def test_an_unseen_category_is_one_warning_per_column(encoded_model):
    model, X = encoded_model
    X = X[:3].copy()
    X[:, 2] = ["Z", "Y", "Z"]
    with pytest.warns(DeltapropWarning) as record:
        model.predict(X)
    assert [str(w.message) for w in record] == [
        "column 'port': 2 categories not seen in training ('Y', 'Z'; 3 of 3 examples), encoded "
        "as all zeros"
    ]


def test_a_reader_of_versions_1_and_2_refuses_an_encoded_file(tmp_path, encoded_model, monkeypatch):
    path = io.save(encoded_model[0], tmp_path / "m.npz")
    monkeypatch.setattr(io, "READ_VERSIONS", (1, 2))
    with pytest.raises(
        ModelFileError, match="format version 3; this deltaprop reads versions 1 an"
    ):
        io.load(path)


def test_files_without_an_encoding_are_written_and_read_as_before(tmp_path):
    """A version 1 file as deltaprop wrote it before the encoding existed still loads."""
    from deltaprop.data import Standardizer

    net = Network([2, 3, 2], seed=0)
    std = Standardizer().fit(np.array([[0.0, 1.0], [2.0, 5.0]]))
    path = io.save(Model(net, np.array([0, 1]), std), tmp_path / "old.npz")
    assert metadata_of(path)["format_version"] == 1
    assert set(np.load(path).files) == {
        "__metadata__",
        "W[1]",
        "b[1]",
        "W[2]",
        "b[2]",
        "classes",
        "preprocessing/mean",
        "preprocessing/std",
    }
    loaded = io.load(path)
    assert loaded.n_features == 2 and isinstance(loaded.preprocessor, Standardizer)


def _version(arrays, meta):
    meta["format_version"] = 2


def _narrower(arrays, meta):
    """One category fewer: the encoding makes 6 inputs, the network takes 7."""
    arrays["preprocessing/categories/2"] = np.array(["C", "Q"])
    arrays["preprocessing/fill/2"] = np.array("C")


@pytest.mark.parametrize(
    "change,message",
    [
        (_set("preprocessing/categories/1", np.array(["male", "female"])), "must be distinct text"),
        (_set("preprocessing/categories/1", np.array([0.0, 1.0])), "'categories/1' must be a 1-D"),
        (_set("preprocessing/categories/1", np.array(["a", "a"])), "must be distinct texts in so"),
        (_drop("preprocessing/categories/2"), "TableEncoder state lacks 'categories/2'"),
        (
            _set("preprocessing/kinds", np.array(["numeric", "date", "text", "numeric"])),
            "unknown column kind 'date'",
        ),
        (_set("preprocessing/kinds", np.array([1, 2, 3, 4])), "'kinds' must be a 1-D array of t"),
        (_set("preprocessing/fill/0", np.array("old")), "'fill/0' of numeric column 'age' must be"),
        (_set("preprocessing/fill/1", np.array(1.5)), "'fill/1' of categorical column 'sex' must"),
        (_set("preprocessing/fill/1", np.array("boy")), "'fill/1' of categorical column 'sex' mu"),
        (_set("preprocessing/fill/3", np.array(np.inf)), "'fill/3' of numeric column 'fare' must"),
        (_drop("preprocessing/fill/3"), "TableEncoder state lacks 'fill/3'"),
        (_set("preprocessing/impute", np.array("mode")), "unknown impute 'mode'"),
        (_set("preprocessing/names", np.array(["a", "b"])), "2 names for 4 columns"),
        (_set("preprocessing/extra", np.array([1.0])), "unexpected entry 'extra'"),
        (_set("preprocessing/mean", np.array([1.0])), "mean and std|must be equal"),
        (_narrower, "its preprocessing makes 6 features, but the network takes 7"),
        (_version, "preprocessing TableEncoder needs format version 3, but the file says 2"),
    ],
)
def test_a_damaged_encoding_is_a_one_line_model_file_error(
    tmp_path, encoded_model, change, message
):
    path = rewritten(io.save(encoded_model[0], tmp_path / "m.npz"), change)
    with pytest.raises(ModelFileError, match=message) as error:
        io.load(path)
    assert len(str(error.value).splitlines()) == 1


def test_a_model_refuses_an_encoding_of_another_width(encoded_model):
    from deltaprop.core import InputError

    model, _ = encoded_model
    with pytest.raises(InputError, match="the encoding makes 7 inputs, but the network takes 5"):
        Model(Network([5, 2]), None, model.preprocessor)


# --------------------------------------------------------------------------- the command line


def titanic_like(m=400, seed=0) -> str:
    """A mixed CSV: numbers with missing cells, text columns (one with missing cells), a label
    that depends on them."""
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 80, m)
    sex = rng.choice(["male", "female"], m)
    pclass = rng.choice(["first", "second", "third"], m)
    fare = np.round(rng.lognormal(2, 1, m), 2)
    port = rng.choice(["S", "C", "Q"], m)
    score = 2.5 * (sex == "female") + 1.2 * (pclass == "first") - 0.03 * (age - 30) - 1
    survived = (rng.random(m) < 1 / (1 + np.exp(-score))).astype(int)
    lines = ["age,sex,pclass,fare,embarked,survived"]
    for i in range(m):
        a = "" if rng.random() < 0.1 else str(age[i])
        e = "NA" if rng.random() < 0.03 else port[i]
        lines.append(f"{a},{sex[i]},{pclass[i]},{fare[i]},{e},{survived[i]}")
    return "\n".join(lines) + "\n"


FAST = ["--hidden", "16", "--epochs", "6", "--batch-size", "32", "--seed", "1"]


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    return result.stderr.strip()


def test_train_evaluate_predict_and_resume_on_a_mixed_csv(tmp_path):
    data = write(tmp_path / "t.csv", titanic_like())
    base = ["train", "--data", data, "--label", "survived", *FAST]
    assert re.fullmatch(
        rf"deltaprop: error: {re.escape(str(data))}, line \d+, column 'age': a missing value \(an "
        r"empty cell\); add --impute mean or --impute median to fill missing values",
        one_line_error(run(*base)),
    )

    model = tmp_path / "m.npz"
    trained = run(*base, "--impute", "mean", "--out", model, "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout)
    assert metrics["test_accuracy"] > 0.6
    loaded = io.load(model)
    assert loaded.n_features == 5 and loaded.network.n_x == 1 + 2 + 3 + 1 + 3
    assert loaded.info["settings"]["impute"] == "mean"

    evaluated = run("evaluate", model, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["accuracy"] == pytest.approx(metrics["test_accuracy"])
    everything = run("evaluate", model, "--all", "--json")
    assert everything.returncode == 0, everything.stderr
    assert json.loads(everything.stdout)["examples"] == 400
    other = write(tmp_path / "other.csv", titanic_like(50, seed=9))
    elsewhere = run("evaluate", model, "--data", other, "--label", "survived", "--json")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert json.loads(elsewhere.stdout)["examples"] == 50

    new = write(
        tmp_path / "new.csv",
        "age,sex,pclass,fare,embarked\n29,female,first,90,S\n"
        ",male,third,7.9,X\n51,male,crew,NA,C\n",
    )
    predicted = run("predict", model, new)
    assert predicted.returncode == 0, predicted.stderr
    rows = predicted.stdout.splitlines()
    assert rows[0] == "prediction,p_0,p_1" and len(rows) == 4
    assert predicted.stderr.splitlines() == [
        "deltaprop: warning: column 'pclass': a category not seen in training ('crew'; 1 of 3 "
        "examples), encoded as all zeros",
        "deltaprop: warning: column 'embarked': a category not seen in training ('X'; 1 of 3 "
        "examples), encoded as all zeros",
    ]
    headerless = write(tmp_path / "bare.csv", "29,female,first,90,S\n,male,third,7.9,X\n")
    again = run("predict", model, headerless)
    assert again.stdout.splitlines()[1:] == rows[1:3]

    plotted = run("plot", model, "--out", tmp_path / "plots")
    assert plotted.returncode == 0, plotted.stderr
    assert "decision_boundary not drawn: the data have text columns" in plotted.stderr

    # a run of 3 epochs, resumed to 6, ends where the run of 6 ended
    checkpoint, resumed = tmp_path / "ck.npz", tmp_path / "resumed.npz"
    short = [a if a != "6" else "3" for a in base]
    first = run(
        *short, "--impute", "mean", "--checkpoint", checkpoint, "--checkpoint-every", "1", "--quiet"
    )
    assert first.returncode == 0, first.stderr
    rest = run("train", "--resume", checkpoint, "--epochs", "6", "--out", resumed, "--quiet")
    assert rest.returncode == 0, rest.stderr
    a, b = io.load(model).network, io.load(resumed).network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(P, Q), name


def test_a_model_without_imputation_says_it_fills_no_missing_values(tmp_path):
    text = titanic_like(200, seed=2).replace(",NA,", ",S,")
    rows = text.splitlines()
    complete = [r for r in rows if not r.startswith(",")]
    data = write(tmp_path / "t.csv", "\n".join(complete) + "\n")
    model = tmp_path / "m.npz"
    trained = run("train", "--data", data, "--label", "survived", *FAST, "--out", model, "--quiet")
    assert trained.returncode == 0, trained.stderr
    new = write(tmp_path / "new.csv", "age,sex,pclass,fare,embarked\n,male,third,7.9,S\n")
    assert one_line_error(run("predict", model, new)) == (
        f"deltaprop: error: {new}, line 2, column 'age': a missing value (an empty cell); the "
        "model was trained without --impute, so it fills no missing values"
    )


def test_impute_applies_to_csv_files_only(tmp_path):
    assert one_line_error(run("train", "--data", "iris", "--impute", "mean")) == (
        "deltaprop: error: --impute applies to CSV files; iris is a bundled data set"
    )


def test_an_identifier_column_is_refused_in_one_line(tmp_path):
    rows = ["name,age,y"] + [f"person {i},{i % 50},{i % 2}" for i in range(300)]
    data = write(tmp_path / "ids.csv", "\n".join(rows) + "\n")
    assert re.fullmatch(
        r"deltaprop: error: column 'name': (\d+) distinct text values in \1 training examples "
        r"\(such as 'person \d+'\): an identifier or free text rather than categories \(at most "
        r"50, and at most half the examples, are one-hot encoded\); leave it out with "
        r"--ignore name",
        one_line_error(run("train", "--data", data, *FAST)),
    )
    assert run("train", "--data", data, "--ignore", "name", *FAST).returncode == 0


def test_train_warns_of_numbers_read_as_categories(tmp_path):
    ratings = ["1", "2", "3", "4", "5", "unknown"]
    rows = ["rating,price,y"] + [f"{ratings[i % 6]},{i % 7},{i % 2}" for i in range(60)]
    result = run("train", "--data", write(tmp_path / "r.csv", "\n".join(rows) + "\n"), *FAST)
    assert result.returncode == 0
    assert "deltaprop: warning: column 'rating': read as 6 categories" in result.stderr


def test_a_regression_on_a_mixed_csv_with_sample_weights(tmp_path):
    rows = titanic_like(300, seed=4).splitlines()
    # fare becomes the target, survived a weight column
    lines = ["age,sex,pclass,embarked,w,fare"] + [
        ",".join([r[0], r[1], r[2], r[4], str(1 + int(r[5])), r[3]])
        for r in (row.split(",") for row in rows[1:])
    ]
    data = write(tmp_path / "fare.csv", "\n".join(lines) + "\n")
    model = tmp_path / "r.npz"
    trained = run(
        "train",
        "--data",
        data,
        "--regression",
        "--sample-weight",
        "w",
        "--impute",
        "median",
        *FAST,
        "--out",
        model,
    )
    assert trained.returncode == 0, trained.stderr
    assert "4 features (3 of them text, one-hot encoded; " in trained.stdout
    assert "a real-valued target ('fare')" in trained.stdout
    assert io.load(model).n_features == 4
    evaluated = run("evaluate", model, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["target"] == "fare"


def test_train_keeps_missing_text_as_a_category_with_impute_text(tmp_path):
    data = write(tmp_path / "t.csv", titanic_like())
    base = ["train", "--data", data, "--label", "survived", *FAST, "--quiet"]
    assert one_line_error(run(*base, "--impute-text", "category")) == (
        "deltaprop: error: --impute-text category says what a missing text value becomes once "
        "--impute lets missing values in; add --impute mean or --impute median"
    )
    model, checkpoint = tmp_path / "m.npz", tmp_path / "ck.npz"
    options = ["--impute", "median", "--impute-text", "category", "--checkpoint", checkpoint]
    trained = run(*base, *options, "--out", model)
    assert trained.returncode == 0, trained.stderr
    loaded = io.load(model)
    assert loaded.preprocessor.feature_names()[-4:] == [
        "embarked=(missing)",
        "embarked=C",
        "embarked=Q",
        "embarked=S",
    ]
    assert "or a category of their own (text)" in run("info", model).stdout
    new = write(tmp_path / "new.csv", "age,sex,pclass,fare,embarked\n30,female,first,50,\n")
    predicted = run("predict", model, new)
    assert predicted.returncode == 0 and predicted.stderr == "", predicted.stderr
    X = loaded.preprocessor.transform(np.array([["30", "female", "first", "50", None]], object))
    assert X[0, -4:].tolist() == [1, 0, 0, 0]
    assert "--impute-text cannot be changed (saved: category)" in one_line_error(
        run("train", "--resume", checkpoint, "--impute-text", "most_frequent")
    )
