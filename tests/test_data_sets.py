"""deltaprop.data data sets: bundled (scikit-learn), synthetic, ``load``, Dataset checks."""

import builtins
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deltaprop.data import (
    DataError,
    Dataset,
    check_dataset,
    load,
    load_bundled,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
)

# ---------------------------------------------------------------------- bundled


@pytest.mark.parametrize(
    "name, m, n_x, k",
    [
        ("digits", 1797, 64, 10),
        ("iris", 150, 4, 3),
        ("wine", 178, 13, 3),
        ("breast_cancer", 569, 30, 2),
    ],
)
def test_bundled_sets(name, m, n_x, k):
    ds = load_bundled(name)
    assert (ds.m, ds.n_x, len(ds.class_names)) == (m, n_x, k)
    assert ds.X.shape == (m, n_x) and ds.y.shape == (m,)
    assert ds.X.dtype == np.float64 and ds.y.dtype != object
    assert ds.kind == "tabular" and ds.test is None
    assert len(ds.feature_names) == n_x
    assert f"{m} examples" in ds.description and f"{k} classes" in ds.description
    assert ds.class_names == sorted(ds.class_names)


def test_digits_labels_are_the_digits():
    ds = load("digits")
    assert ds.y.dtype == np.int64 and ds.class_names == [str(d) for d in range(10)]
    assert ds.X.min() == 0 and ds.X.max() == 16


def test_iris_labels_are_species_names():
    assert load("iris").class_names == ["setosa", "versicolor", "virginica"]


def test_bundled_unknown_name():
    with pytest.raises(DataError, match="unknown bundled data set 'mnist'; choose one of digits"):
        load_bundled("mnist")


def test_bundled_without_scikit_learn(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(DataError) as e:
        load_bundled("iris")
    assert str(e.value) == (
        "the bundled data sets need scikit-learn: pip install 'deltaprop[datasets]'"
    )


def test_data_layer_imports_nothing_of_the_rest():
    import deltaprop.data

    package = Path(deltaprop.data.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text()
        assert "from .." not in text and "import deltaprop" not in text, source.name
    # scikit-learn is imported only when a bundled set is asked for
    code = "import sys, deltaprop.data; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------- synthetic


GENERATORS = {
    "moons": (make_moons, 2),
    "circles": (make_circles, 2),
    "spirals": (make_spirals, 3),
    "blobs": (make_blobs, 3),
    "xor": (make_xor, 2),
}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_synthetic_sets(name):
    make, k = GENERATORS[name]
    ds = make(m=101, seed=4)
    assert ds.X.shape == (101, 2) and ds.X.dtype == np.float64
    assert ds.y.dtype == np.int64 and set(ds.y.tolist()) == set(range(k))
    assert np.isfinite(ds.X).all()
    counts = np.bincount(ds.y)
    assert counts.max() - counts.min() <= 1  # balanced classes
    assert ds.class_names == [str(c) for c in range(k)]
    assert np.count_nonzero(np.diff(ds.y)) > 10  # shuffled, not in blocks of one class
    again = make(m=101, seed=4)
    np.testing.assert_array_equal(ds.X, again.X)
    np.testing.assert_array_equal(ds.y, again.y)
    other = make(m=101, seed=5)
    assert not np.array_equal(ds.X, other.X)
    assert load(name, m=101, seed=4).X.tolist() == ds.X.tolist()


def test_synthetic_shapes_follow_the_parameters():
    assert len(make_spirals(m=50, arms=5).class_names) == 5
    blobs = make_blobs(m=40, centers=4, n_x=7, spread=0.0)
    assert blobs.X.shape == (40, 7)
    assert len(np.unique(blobs.X, axis=0)) == 4  # spread 0: every point on its centre
    circles = make_circles(m=200, noise=0.0, factor=0.3)
    radius = np.hypot(*circles.X.T)
    np.testing.assert_allclose(radius[circles.y == 0], 1.0)
    np.testing.assert_allclose(radius[circles.y == 1], 0.3)
    xor = make_xor(m=40, noise=0.0)
    np.testing.assert_array_equal(xor.y, (np.sign(xor.X[:, 0]) != np.sign(xor.X[:, 1])))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_moons(m=1), "m must be at least 2"),
        (lambda: make_moons(noise=-0.1), "noise must be >= 0"),
        (lambda: make_moons(m=10.5), "m must be an integer"),
        (lambda: make_circles(factor=1.0), r"factor .* must be in \(0, 1\)"),
        (lambda: make_spirals(arms=1), "arms must be at least 2"),
        (lambda: make_spirals(m=4, arms=5), "m must be at least 5"),
        (lambda: make_blobs(centers=1), "centers must be at least 2"),
        (lambda: make_blobs(n_x=0), "n_x must be at least 1"),
        (lambda: make_blobs(spread=float("nan")), "spread must be a finite number"),
        (lambda: make_xor(seed=-1), "seed must be at least 0"),
    ],
)
def test_synthetic_parameters_are_validated(call, message):
    with pytest.raises(DataError, match=message):
        call()


# ---------------------------------------------------------------------- load


def test_load_unknown_name_lists_the_valid_ones():
    with pytest.raises(DataError) as e:
        load("mnist-fashion")
    message = str(e.value)
    assert "unknown data set 'mnist-fashion'" in message
    assert "digits, iris, wine, breast_cancer" in message
    assert "moons, circles, spirals, blobs, xor" in message
    assert "no file or directory of that name was found" in message
    assert "\n" not in message


def test_load_options_are_checked():
    with pytest.raises(DataError, match="moons: unknown option 'arms'; its options are m, noise"):
        load("moons", arms=3)
    with pytest.raises(DataError, match="iris: unknown option 'label'; it takes no options"):
        load("iris", label=0)


def test_load_paths(tmp_path):
    (tmp_path / "d.tsv").write_text("a\tb\tc\n1\t2\tx\n3\t4\ty\n")
    assert load(tmp_path / "d.tsv").feature_names == ["a", "b"]
    (tmp_path / "e.csv").write_text("c,a,b\nx,1,2\ny,3,4\n")
    assert load(str(tmp_path / "e.csv"), label="c").y.tolist() == ["x", "y"]
    np.savez(tmp_path / "f.npz", X=np.ones((2, 3)), y=np.array([0, 1]))
    assert load(str(tmp_path / "f.npz")).n_x == 3
    (tmp_path / "g.json").write_text("{}")
    with pytest.raises(DataError, match=r"g\.json: unknown type of file; deltaprop reads \.csv"):
        load(tmp_path / "g.json")


def test_load_reads_uci_data_files(tmp_path):
    """The UCI repository's ``.data`` files: comma-separated without a header (iris.data, with
    ``?`` for a missing value in many sets), or whitespace-separated (housing.data)."""
    (tmp_path / "iris.data").write_text("5.1,3.5,Iris-setosa\n?,3.0,Iris-versicolor\n")
    ds = load(tmp_path / "iris.data", cells="mixed", missing=True)
    assert ds.X.tolist() == [["5.1", "3.5"], ["?", "3.0"]]  # raw rows, for a TableEncoder
    assert ds.y.tolist() == ["Iris-setosa", "Iris-versicolor"]
    (tmp_path / "housing.dat").write_text(" 0.00632  18.00   24.00\n 0.02731   0.00   21.60\n")
    ds = load(tmp_path / "housing.dat")
    np.testing.assert_array_equal(ds.X, [[0.00632, 18.0], [0.02731, 0.0]])
    assert ds.y.tolist() == ["24.00", "21.60"]


def test_load_reads_a_tsv_as_tab_separated(tmp_path):
    """Labels with a comma in every row would make the sniffer choose ","."""
    (tmp_path / "d.tsv").write_text("1\t2\tx,y\n3\t4\tz,w\n")
    ds = load(tmp_path / "d.tsv")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    assert ds.y.tolist() == ["x,y", "z,w"]


def test_load_an_idx_file_says_to_give_its_directory(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    with pytest.raises(DataError, match=r"\(for IDX files, give the directory that holds them\)"):
        load(tmp_path / "train-images-idx3-ubyte")


# ---------------------------------------------------------------------- Dataset, check_dataset


def dataset(X, y, **kw):
    y = np.asarray(y)
    return Dataset("t", np.asarray(X), y, [str(c) for c in np.unique(y)], "test", **kw)


def test_dataset_properties_and_repr():
    ds = dataset(np.zeros((5, 3)), [0, 1, 0, 1, 1])
    assert (ds.m, ds.n_x) == (5, 3)
    assert repr(ds) == "Dataset(name='t', m=5, n_x=3, classes=2, kind='tabular')"
    assert check_dataset(ds) is ds


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros(4), [0, 1, 0, 1], r"X must be a 2-D array .* got shape \(4,\)"),
        (np.array([["a", "b"]]), [0], "X must hold real numbers, got dtype <U1"),
        (np.zeros((0, 2)), [], "no examples"),
        (np.zeros((3, 2)), [0, 1], "X has 3 examples but y has 2 labels"),
        (np.zeros((2, 2)), [[0], [1]], "y must be a 1-D array"),
        (np.zeros((3, 2)), ["x", "x", "x"], "only one class 'x' in the labels"),
        (np.array([[0.0, 1.0], [2.0, np.nan]]), [0, 1], "X has nan at row 1, column 1"),
    ],
)
def test_check_dataset_errors(X, y, message):
    with pytest.raises(DataError, match=message):
        check_dataset(dataset(X, y))


def test_check_dataset_names_the_feature_and_allows_one_class_for_regression():
    X = np.zeros((20_000, 2))  # more rows than are scanned at a time
    X[15_000, 0] = -np.inf
    ds = dataset(X, np.arange(20_000) % 2, feature_names=["width", "height"])
    with pytest.raises(DataError, match=r"X has -inf at row 15000, column 0 \('width'\)"):
        check_dataset(ds)
    assert check_dataset(dataset(np.zeros((2, 2)), [1, 1]), classification=False).m == 2


def test_check_dataset_test_part_must_match():
    test = dataset(np.zeros((2, 3)), [0, 1])
    ds = dataset(np.zeros((4, 2)), [0, 1, 0, 1], test=test)
    with pytest.raises(DataError, match="training part has 2 features but the test part has 3"):
        check_dataset(ds)


# --------------------------------------------------------------------------- regression targets


def test_diabetes_is_a_regression_set_with_a_real_valued_target():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_diabetes

    ds = load("diabetes")
    assert ds.task == "regression" and ds.class_names == [] and ds.label_name == "progression"
    assert ds.X.shape == (442, 10) and ds.y.dtype == np.float64
    np.testing.assert_array_equal(ds.y, load_diabetes().target)
    assert "regression" in repr(ds) and "a real-valued target" in ds.description


def test_linnerud_is_a_regression_set_of_three_targets():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_linnerud

    from deltaprop.data import numeric_targets

    ds = load("linnerud")
    assert ds.task == "regression" and ds.class_names == [] and ds.label_name is None
    assert ds.X.shape == (20, 3) and ds.y.shape == (20, 3) and ds.y.dtype == np.float64
    assert ds.feature_names == ["Chins", "Situps", "Jumps"]
    assert ds.target_names == ["Weight", "Waist", "Pulse"]
    np.testing.assert_array_equal(ds.y, load_linnerud().target)
    np.testing.assert_array_equal(numeric_targets(ds), ds.y)
    assert "3 real-valued targets (Weight, Waist, Pulse)" in ds.description


def test_several_csv_targets_are_read_as_an_m_by_k_float_array(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,p,b,q\n1,2.5,3,4\n5,6,7,-8e1\n")
    ds = load(path, label=["q", "p"])
    assert ds.task == "regression" and ds.target_names == ["q", "p"]
    np.testing.assert_array_equal(ds.y, [[4.0, 2.5], [-80.0, 6.0]])
    assert ds.feature_names == ["a", "b"] and ds.X.tolist() == [[1, 3], [5, 7]]
    bare = tmp_path / "bare.csv"
    bare.write_text("1,2.5,3,4\n5,6,7,8\n")
    ds = load(bare, label=[1, -1])
    assert ds.target_names is None and ds.y.tolist() == [[2.5, 4.0], [6.0, 8.0]]
    assert ds.X.tolist() == [[1, 3], [5, 7]]
    with pytest.raises(DataError, match="the target column 1 \\(from 0\\) is given twice"):
        load(bare, label=[1, -3])


def test_numeric_targets_reads_a_label_column_as_numbers_and_names_a_bad_one():
    from deltaprop.data import numeric_targets

    X = np.zeros((3, 1))
    text = Dataset("t.csv", X, np.array(["1.5", "2", "-3e1"]), [], "", label_name="price")
    np.testing.assert_array_equal(numeric_targets(text), [1.5, 2.0, -30.0])
    words = Dataset("t.csv", X, np.array(["1.5", "cheap", "2"]), [], "", label_name="price")
    with pytest.raises(DataError, match="t.csv: the target column 'price' is not numeric: row 1"):
        numeric_targets(words)
    infinite = Dataset("t.csv", X, np.array([1.0, np.inf, 2.0]), [], "")
    with pytest.raises(DataError, match="holds inf at row 1; a regression target must be a finite"):
        numeric_targets(infinite)


@pytest.mark.parametrize(
    "labels, found",
    [
        (["1", "2.5", "3"], "2.5"),  # text that reads as numbers, one not whole
        ([0.0, 1.0, 0.25], 0.25),
        (["1", "2.0", "3"], None),  # whole numbers may be class codes
        ([0, 1, 2], None),
        (["1.5", "cat"], None),  # words: labels
        ([1.5, np.nan], None),  # not every label a finite number
    ],
)
def test_fractional_label_finds_a_quantity_among_labels(labels, found):
    from deltaprop.data import fractional_label

    assert fractional_label(np.array(labels)) == found


def test_a_regression_set_must_hold_finite_targets():
    ds = Dataset("r", np.zeros((2, 1)), np.array([1.0, np.nan]), [], "", task="regression")
    with pytest.raises(DataError, match="finite real numbers"):
        check_dataset(ds)
