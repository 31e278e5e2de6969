"""Fuzzing every file reader: whatever a file holds, reading it gives data, a model or a clear
one-line error of the reader's own type -- never another exception, never a traceback from the
command line, never code run from the file.

Hypothesis writes random and mutated files: delimited text, .npz data archives, IDX files and
MNIST folders, and model files and checkpoints made by mutating real ones. Each test checks the
project's rule for bad input through the library and through ``deltaprop.cli.main``: exit code
0, or 2 with one line on stderr.
"""

import contextlib
import gzip
import json
import math
import re
import struct
import tempfile
import warnings
import zipfile
from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deltaprop import io
from deltaprop.cli import main
from deltaprop.core import DeltapropWarning
from deltaprop.data import (
    DataError,
    TableEncoder,
    load,
    read_csv,
    read_features,
    read_idx,
    read_mnist_dir,
    read_npz,
)
from deltaprop.io import ModelFileError

# A numpy warning met while reading a file is a defect too: the command line prints it as a line.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def fuzz(examples: int):
    """Hypothesis settings of a fuzz test: ``examples`` files, no deadline (a file may take a
    training run)."""
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


# ---------------------------------------------------------------------- the properties


def one_line(error: BaseException) -> None:
    """The rule for a message: not empty, and a single line (as ``str.splitlines`` counts,
    which is how the command line cuts a message to its first line)."""
    text = str(error)
    assert text and len(text.splitlines()) == 1, repr(text)


def result_or_refusal(call, error_type):
    """``call()``, or None when it raised ``error_type`` with a one-line message. Any other
    exception propagates and fails the test."""
    try:
        return call()
    except error_type as e:
        one_line(e)
        return None


def check_dataset(ds, classification=True) -> None:
    """What every reader promises of a Dataset: X (m, n_x) of finite real numbers with m, n_x
    >= 1, labels (m,) that are numbers or text, weights and names that fit."""
    X, y = ds.X, ds.y
    assert X.ndim == 2 and X.shape[0] >= 1 and X.shape[1] >= 1
    assert X.dtype.kind in "iuf"
    if X.dtype.kind == "f":
        assert np.isfinite(X).all()
    assert y.shape == (X.shape[0],)
    assert y.dtype.kind in "biufU", y.dtype
    if classification:
        assert len(np.unique(y)) >= 2
    if ds.feature_names is not None:
        assert len(ds.feature_names) == X.shape[1]
    if ds.sample_weight is not None:
        w = ds.sample_weight
        assert w.shape == (X.shape[0],) and np.isfinite(w).all() and (w >= 0).all()
    if ds.test is not None:
        assert ds.test.X.shape[1] == X.shape[1]
        check_dataset(ds.test, classification=False)


def check_model(model) -> None:
    """A loaded model predicts on rows of its number of features, with one probability per
    class label."""
    n = model.n_features
    X = np.vstack([np.zeros((1, n)), np.random.default_rng(0).normal(size=(2, n))])
    assert len(model.predict(X)) == 3
    net = model.network
    if net.is_classifier and model.classes is not None:
        P = model.predict_proba(X)
        if not (net.output == "sigmoid" and net.n_y > 1):  # a single label per example
            assert P.shape == (3, len(model.classes))


def run_cli(*argv) -> tuple[int, str]:
    """(exit code, stderr) of ``deltaprop argv``, run in this process."""
    err = StringIO()
    with contextlib.redirect_stdout(StringIO()), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


def check_cli(*argv) -> int:
    """The command exits 0, or 2 with exactly one line on stderr, an error and no traceback."""
    code, err = run_cli(*argv)
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("deltaprop: error: "), err
    return code


def sometimes(draw, odds: int) -> bool:
    """True about once in ``odds`` draws; False in the simplest example, which is the normal
    case, the one hypothesis shrinks a failure towards."""
    return draw(st.sampled_from([False] * (odds - 1) + [True]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def new_file(folder: Path, name: str, data: bytes) -> Path:
    """``data`` written to ``name`` in a fresh subfolder of ``folder``."""
    path = Path(tempfile.mkdtemp(dir=folder)) / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------- delimited text

WORDS = [
    "0", "1", "-2", "3.5", "1e3", "-1.5e-3", ".5", "+4", "3.0", "-0", "1e308", "-1e308",
    "nan", "inf", "-inf", "NaN", "Infinity", "1e999", "1_000", "0x1A", "9" * 25,
    "a", "cat", "dog", "label", "w", "x y", "", " ", "\t", '"', '""', '"1,2"', "'q'",
    "\ufeff1", "é", "a\u2028b", "\x85", "\x0b", "\x00", "\x1c",
]  # fmt: skip
NUMBERS = st.sampled_from(["0", "1", "-2", "3.5", "1e3", ".5", "7", " 2 ", "1e308", "-1e-300"])
LABELS = st.sampled_from(["0", "1", "2.0", "a", "b", "cat"])
CELLS = st.sampled_from(WORDS) | st.text(alphabet="0123456789.-+eE nafi,;\t\"'\r\n", max_size=6)
NAMES = st.sampled_from(["a", "b", "label", "w", "y", "x y", '"q,r"', "a\u2028b", "", "é"])
DELIMITERS = [",", ";", "\t", " ", "|", ", "]


@st.composite
def delimited_rows(draw) -> list[list[str]]:
    """Rows of numbers and a label (of two or three classes), and now and then rows of stray
    words, ragged rows, blank lines and a header of any names."""
    width = draw(st.integers(2, 5)) if not sometimes(draw, 6) else 1
    good = st.builds(
        lambda xs, label: [*xs, label],
        st.lists(NUMBERS, min_size=width - 1, max_size=width - 1),
        LABELS,
    )
    rows = draw(st.lists(good, min_size=draw(st.sampled_from([0, 2, 12])), max_size=30))
    for _ in range(draw(st.integers(1, 3)) if sometimes(draw, 3) else 0):
        bad = draw(st.lists(CELLS, max_size=6) | st.just([]))
        rows.insert(draw(st.integers(0, len(rows))), bad)
    if not sometimes(draw, 3):
        rows.insert(0, draw(st.lists(NAMES, min_size=width, max_size=width)))
    return rows


@st.composite
def delimited_bytes(draw) -> bytes:
    """A delimited file: rows (see delimited_rows) with any delimiter and line ending, maybe
    a BOM; now and then bytes that are not UTF-8, gzip (whole, cut short, damaged or a false
    header), or bytes or text of any kind."""
    if sometimes(draw, 8):
        return draw(st.binary(max_size=64) | st.text(max_size=80).map(str.encode))
    delimiter = draw(st.sampled_from(DELIMITERS))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rows = draw(delimited_rows())
    text = end.join(delimiter.join(row) for row in rows) + draw(st.sampled_from(["", end]))
    data = (draw(st.sampled_from(["", "\ufeff"])) + text).encode("utf-8")
    if sometimes(draw, 8):  # a byte that UTF-8 cannot start or continue with
        at = draw(st.integers(0, len(data)))
        data = (
            data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\xfe\xff"])) + data[at:]
        )
    return gzipped(draw, data)


def gzipped(draw, data: bytes) -> bytes:
    """``data`` as it is (mostly) or gzipped: whole, cut short, with a byte of its deflate
    data changed, or a gzip signature followed by anything."""
    if not sometimes(draw, 3):
        return data
    packing = draw(st.sampled_from(["gzip", "cut gzip", "bad gzip", "false gzip"]))
    if packing == "gzip":
        return gzip.compress(data)
    if packing == "cut gzip":
        data = gzip.compress(data)
        return data[: draw(st.integers(0, len(data) - 1))]
    if packing == "bad gzip":
        data = bytearray(gzip.compress(data))
        data[draw(st.integers(10, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    return b"\x1f\x8b" + draw(st.binary(max_size=40))


COLUMN = st.none() | st.integers(-6, 6) | st.sampled_from(["label", "a", "w", "missing", "x y"])
#: Columns to leave out (``read_csv``'s ignore), mostly none.
IGNORE = (
    st.none() | st.none() | st.lists(st.integers(-4, 4) | st.sampled_from(["a", "w"]), max_size=3)
)


@fuzz(600)
@given(
    data=delimited_bytes(),
    label=COLUMN,
    header=st.sampled_from([None, None, True, False]),
    delimiter=st.sampled_from([None] * 6 + [",", "\t", " ", ";", ";;", ""]),
    weight=st.none() | st.none() | st.integers(-3, 3) | st.sampled_from(["w", "a"]),
    ignore=IGNORE,
)
def test_read_csv_gives_data_or_a_one_line_data_error(
    folder, data, label, header, delimiter, weight, ignore
):
    path = new_file(folder, "d.csv", data)
    ds = result_or_refusal(
        lambda: read_csv(
            path, label=label, header=header, delimiter=delimiter, weight=weight, ignore=ignore
        ),
        DataError,
    )
    if ds is not None:
        assert ds.X.dtype == np.float64
        check_dataset(ds)


@fuzz(300)
@given(data=delimited_bytes(), label=COLUMN, missing=st.booleans(), ignore=IGNORE)
def test_read_csv_with_text_columns_gives_raw_rows_or_a_one_line_data_error(
    folder, data, label, missing, ignore
):
    """With text columns accepted, X is float64 as before, or the cells' text; a TableEncoder
    fitted on it encodes it, or refuses in one line."""
    path = new_file(folder, "t.csv", data)
    ds = result_or_refusal(
        lambda: read_csv(path, label=label, cells="mixed", missing=missing, ignore=ignore),
        DataError,
    )
    if ds is None:
        return
    assert ds.X.dtype in (np.float64, object) and ds.X.ndim == 2 and len(ds.y) == ds.m
    if ds.X.dtype == object:
        assert all(isinstance(cell, str) for cell in ds.X.flat)
        impute = "median" if missing else None
        encoder = TableEncoder(impute, ds.feature_names)
        Z = result_or_refusal(lambda: encoder.fit_transform(ds.X), DataError)
        if Z is not None:
            assert Z.shape == (ds.m, encoder.n_x) and np.isfinite(Z).all()
    else:
        check_dataset(ds)


@fuzz(300)
@given(data=delimited_bytes(), n_features=st.integers(1, 4), named=st.booleans())
def test_read_features_gives_rows_or_a_one_line_data_error(folder, data, n_features, named):
    """``named``: the model knows its columns by name (some of those the fuzzed headers use)."""
    path = new_file(folder, "f.csv", data)
    features = ["a", "w", "label", "x y"][:n_features] if named else None
    X = result_or_refusal(lambda: read_features(path, n_features, features=features), DataError)
    if X is not None:
        assert X.dtype == np.float64 and X.shape[1] == n_features and X.shape[0] >= 1
        assert np.isfinite(X).all()


@fuzz(150)
@given(
    data=delimited_bytes(),
    suffix=st.sampled_from([".csv", ".tsv", ".txt", ".csv.gz", ".dat"]),
    label=COLUMN,
)
def test_load_dispatches_text_files_to_data_or_a_one_line_data_error(folder, data, suffix, label):
    path = new_file(folder, f"d{suffix}", data)
    options = {} if label is None else {"label": label}
    ds = result_or_refusal(lambda: load(path, **options), DataError)
    if ds is not None:
        check_dataset(ds)


@fuzz(60)
@given(data=delimited_bytes(), label=st.none() | st.sampled_from(["0", "-1", "label", "9"]))
def test_train_and_predict_on_a_fuzzed_csv_exit_0_or_2_with_one_line(folder, made, data, label):
    path = new_file(folder, "d.csv", data)
    argv = ["train", "--data", path, "--epochs", "1", "--quiet", "--hidden", "2"]
    check_cli(*argv, *(["--label", label] if label is not None else []))
    check_cli("predict", made["model"], path)


# ---------------------------------------------------------------------- .npz members

DTYPES = [
    np.float64, np.float32, np.float16, np.int64, np.uint8, np.int8, np.bool_, np.complex128,
    "U3", "S3", "M8[s]", "m8[s]", [("a", "<f8"), ("b", "<i4")],
]  # fmt: skip
ANY_ARRAY = hnp.arrays(
    dtype=st.sampled_from(DTYPES),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)

UNPICKLED = []


def _unpickled():
    """What a pickle in a fuzzed file calls when it is unpickled: it must never be."""
    UNPICKLED.append(True)


class Exploit:
    def __reduce__(self):
        return (_unpickled, ())


def npy(array) -> bytes:
    """The bytes of a .npy file holding ``array`` (pickled when it holds objects)."""
    buffer = BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@st.composite
def forged_npy(draw) -> bytes:
    """A .npy file whose header says what it likes: any element type, huge or negative sizes,
    followed by a few bytes."""
    descr = draw(
        st.sampled_from(["<f8", "|u1", "|O", "<U3", "|V8", "|b1", "<c16", "<M8[s]", "nonsense"])
    )
    shape = draw(st.lists(st.sampled_from([0, 1, 3, 10**6, 2**40, 2**62, 2**63, -1]), max_size=3))
    fortran = draw(st.booleans())
    header = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {tuple(shape)}, }}"
    if sometimes(draw, 6):
        header = draw(st.text(max_size=40))
    header = header.encode("latin-1", "replace")
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return (
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", len(header))
        + header
        + draw(st.binary(max_size=48))
    )


def member_bytes(draw, array=None) -> bytes:
    """A member of an archive: ``array`` (or a random one) as .npy, or now and then a forged
    .npy, an array of Python objects (pickled) or bytes that are not .npy at all."""
    kind = (
        "array" if not sometimes(draw, 3) else draw(st.sampled_from(["forged", "objects", "raw"]))
    )
    if kind == "array":
        return npy(array if array is not None else draw(ANY_ARRAY))
    if kind == "forged":
        return draw(forged_npy())
    if kind == "objects":
        return npy(np.array([Exploit(), "x"], dtype=object))
    return draw(st.binary(max_size=32))


def zip_bytes(members: dict[str, bytes], compressed=False) -> bytes:
    buffer = BytesIO()
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():  # dated as a constant: the same bytes on every run
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def damage(draw, data: bytes, odds=3) -> bytes:
    """``data`` whole, or about once in ``odds`` cut short or with some bytes changed."""
    how = "whole" if not sometimes(draw, odds) else draw(st.sampled_from(["cut", "flip"]))
    if how == "cut" and data:
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "flip" and data:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    return data


@st.composite
def labels_array(draw, m: int, classes=3) -> np.ndarray:
    """m labels: ints, text, bytes, (m, 1), floats (whole, fractional, huge, NaN), or any type."""
    ints = hnp.arrays(np.int64, (m,), elements=st.integers(0, classes - 1), fill=st.nothing())
    floats = st.sampled_from([0.0, 1.0, 2.5, 1e300, -1e19, float("nan")])
    return draw(
        ints
        | ints.map(lambda y: y.reshape(m, 1))
        | ints.map(lambda y: np.array(list("abcd"))[y])
        | ints.map(lambda y: np.array([b"a", b"b", b"c", b"d"])[y])
        | hnp.arrays(np.float64, (m,), elements=floats, fill=st.nothing())
        | hnp.arrays(st.sampled_from(DTYPES), (m,))  # complex, dates, records...
    )


@st.composite
def npz_data_bytes(draw) -> bytes:
    """A data archive: X and y (good ones mostly), maybe a test part; now and then arrays of
    any type and shape, arrays missing or added, members of any kind, a damaged archive, or
    bytes that are not an archive."""
    if sometimes(draw, 10):
        return draw(st.binary(max_size=64))
    m, n = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    X = hnp.arrays(np.float64, (m, n), elements=st.floats(-1e3, 1e3), fill=st.nothing())
    arrays = {
        "X": draw(ANY_ARRAY if sometimes(draw, 5) else X),
        "y": draw(ANY_ARRAY if sometimes(draw, 5) else labels_array(m)),
    }
    if sometimes(draw, 3):
        k = draw(st.integers(0, 3))
        arrays["X_test"] = draw(hnp.arrays(np.float64, (k, n), elements=st.floats(-1e3, 1e3)))
        arrays["y_test"] = draw(labels_array(k, classes=4))
    if sometimes(draw, 6):
        del arrays[draw(st.sampled_from(sorted(arrays)))]
    members = {f"{name}.npy": member_bytes(draw, a) for name, a in arrays.items()}
    if sometimes(draw, 4):
        extra = draw(st.sampled_from(["X", "y", "extra.npy", "dir/", "y_test.npy", "X.npy"]))
        members[extra] = member_bytes(draw)
    return damage(draw, zip_bytes(members, compressed=draw(st.booleans())))


def same_labels(y: np.ndarray, saved: np.ndarray) -> bool:
    """Whether labels ``y`` are those ``saved`` in a file, flattened and decoded."""
    saved = saved.reshape(len(y)) if saved.ndim == 2 else saved
    if saved.dtype.kind == "S":
        saved = saved.astype(str)
    return np.array_equal(y, saved, equal_nan=y.dtype.kind == "f")


@fuzz(500)
@given(data=npz_data_bytes())
def test_read_npz_gives_data_or_a_one_line_data_error_and_never_unpickles(folder, data):
    path = new_file(folder, "d.npz", data)
    ds = result_or_refusal(lambda: read_npz(path), DataError)
    if ds is not None:
        check_dataset(ds)
        with np.load(path) as saved:  # a file read_npz accepts holds no objects
            assert same_labels(ds.y, saved["y"])
    assert not UNPICKLED


@fuzz(40)
@given(data=npz_data_bytes())
def test_train_and_predict_on_a_fuzzed_npz_exit_0_or_2_with_one_line(folder, made, data):
    path = new_file(folder, "d.npz", data)
    check_cli("train", "--data", path, "--epochs", "1", "--quiet", "--hidden", "2")
    check_cli("predict", made["model"], path)
    assert not UNPICKLED


# ---------------------------------------------------------------------- IDX files

IDX_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]
ITEMSIZE = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}


def idx_bytes(code: int, shape, body: bytes, zeros=b"\0\0") -> bytes:
    return zeros + bytes([code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + body


@st.composite
def idx_file_bytes(draw) -> bytes:
    """An IDX file: a header with any magic, type code, number and size of dimensions (up to
    ones that would need terabytes), and values of the announced length or another, cut
    short or not, gzipped or not."""
    code = draw(st.sampled_from(IDX_CODES) | st.integers(0, 255))
    ndim = draw(st.integers(1, 4) | st.sampled_from([0, 32, 64, 65, 255]))
    some = draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 10**9, 2**31, 2**32 - 1]), max_size=4))
    shape = (some + [1] * ndim)[:ndim]
    size = math.prod(shape) * ITEMSIZE.get(code, 1)
    if size <= 4096 and not sometimes(draw, 4):
        body = draw(st.binary(min_size=size, max_size=size))
    else:
        body = draw(st.binary(max_size=64))
    zeros = draw(st.sampled_from([b"\0\0"] * 6 + [b"\0\1", b"\x12\x34"]))
    data = idx_bytes(code, shape, body, zeros)
    if sometimes(draw, 5):
        data = data[: draw(st.integers(0, len(data)))]
    return gzip.compress(data) if sometimes(draw, 4) else data


IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@st.composite
def good_idx_bytes(draw, shape, code) -> bytes:
    """An IDX file as it should be: ``shape`` values of type ``code``, mostly 0, 1 and 2 (as
    labels are), else any (NaN, 1.5, -7, ...)."""
    dtype = np.dtype(IDX_TYPES[code])
    values = hnp.from_dtype(dtype, allow_nan=True, allow_infinity=True)
    elements = st.sampled_from([0, 1, 2]) | values if code != 0x08 else values
    array = draw(hnp.arrays(dtype, shape, elements=elements, fill=st.nothing()))
    data = idx_bytes(code, shape, array.tobytes())
    return gzip.compress(data) if sometimes(draw, 4) else data


@fuzz(500)
@given(data=idx_file_bytes())
def test_read_idx_gives_the_announced_array_or_a_one_line_data_error(folder, data):
    path = new_file(folder, "x-idx3-ubyte", data)
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    a = result_or_refusal(lambda: read_idx(path), DataError)
    if a is not None:
        ndim = raw[3]
        shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
        assert a.shape == shape and a.dtype.itemsize == ITEMSIZE[raw[2]]
        assert np.asarray(a).size == int(np.prod(shape))


@st.composite
def mnist_folder_files(draw) -> dict[str, bytes]:
    """The files of an MNIST folder: images and labels that agree (mostly) or not, each one
    possibly a fuzzed IDX file, a t10k part sometimes, in either spelling, gzipped or not."""
    m, rows, cols = draw(st.integers(2, 8)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    files = {}
    for part in ["train"] + (["t10k"] if draw(st.booleans()) else []):
        k = m if part == "train" else draw(st.integers(0, 3))
        images = draw(
            idx_file_bytes() if sometimes(draw, 5) else good_idx_bytes((k, rows, cols), 8)
        )
        code = draw(st.sampled_from(IDX_CODES))
        labels = draw(idx_file_bytes() if sometimes(draw, 5) else good_idx_bytes((k,), code))
        gz = draw(st.sampled_from(["", "", ".gz"]))
        sep = draw(st.sampled_from(["-", "-", "."]))
        for what, ndim, data in (("images", 3, images), ("labels", 1, labels)):
            if not sometimes(draw, 20):  # now and then a file is missing
                files[f"{part}-{what}{sep}idx{ndim}-ubyte{gz}"] = data
    return files


def mnist_folder(folder: Path, files: dict[str, bytes]) -> Path:
    d = Path(tempfile.mkdtemp(dir=folder))
    for name, data in files.items():
        (d / name).write_bytes(data)
    return d


def labels_file(d: Path, part: str) -> Path:
    """The labels file read_mnist_dir reads: plain before gzipped, "-idx" before ".idx"."""
    names = [f"{part}-labels{sep}idx1-ubyte{gz}" for gz in ("", ".gz") for sep in ("-", ".")]
    return next(d / name for name in names if (d / name).is_file())


@fuzz(400)
@given(files=mnist_folder_files())
def test_read_mnist_dir_gives_images_or_a_one_line_data_error(folder, files):
    """A Dataset of the folder's images, whose labels are the file's (not values cast to
    integers), or a one-line DataError."""
    d = mnist_folder(folder, files)
    ds = result_or_refusal(lambda: read_mnist_dir(d), DataError)
    if ds is not None:
        assert ds.kind == "image" and ds.X.dtype == np.uint8
        check_dataset(ds)
        assert np.array_equal(ds.y, read_idx(labels_file(d, "train")))


@fuzz(30)
@given(files=mnist_folder_files())
def test_train_on_a_fuzzed_mnist_folder_exits_0_or_2_with_one_line(folder, files):
    d = mnist_folder(folder, files)
    check_cli("train", "--data", d, "--epochs", "1", "--quiet", "--hidden", "2")


# ---------------------------------------------------------------------- model files


@pytest.fixture(scope="module")
def made(folder) -> dict[str, Path]:
    """A real model file and a real checkpoint (after epoch 1 of 1) from a tiny run on a CSV of
    4 features and 3 string labels, the CSV itself and a CSV of features to predict."""
    rng = np.random.default_rng(0)
    rows = ["a,b,c,d,label"] + [
        ",".join(f"{v:.3f}" for v in rng.normal(size=4)) + f",{['cat', 'dog', 'emu'][i % 3]}"
        for i in range(60)
    ]
    made = {
        "csv": new_file(folder, "d.csv", "\n".join(rows).encode()),
        "features": new_file(folder, "f.csv", b"1,2,3,4\n0.5,0,-1,2\n"),
        "model": folder / "model.npz",
        "checkpoint": folder / "checkpoint.npz",
    }
    argv = ["train", "--data", made["csv"], "--hidden", "3", "--epochs", "1", "--quiet"]
    assert run_cli(*argv, "--out", made["model"], "--checkpoint", made["checkpoint"])[0] == 0
    for path in (made["model"], made["checkpoint"]):
        with_fixed_times(path)
    return made


def with_fixed_times(path: Path) -> None:
    """Rewrite the run's times in the file ``path`` as 1.0. The examples hypothesis draws from
    a file (positions of bytes, among others) depend on its length; a time written as 0.00052
    in one run and 5.2e-05 in the next would make the same test draw other files."""

    def fixed(value, key=None):
        if key in ("time", "elapsed"):
            return [1.0] * len(value) if isinstance(value, list) else 1.0
        if isinstance(value, dict):
            return {k: fixed(v, k) for k, v in value.items()}
        return value

    members = members_of(path)
    metadata = json.loads(str(np.load(BytesIO(members["__metadata__.npy"]))))
    members["__metadata__.npy"] = npy(np.array(json.dumps(fixed(metadata))))
    path.write_bytes(zip_bytes(members))


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


JSON_WORDS = [
    "float32", "float64", "float16", "relu", "softmax", "sigmoid", "identity", "Standardizer",
    "PixelScaler", "adam", "sgd", "cosine", "deltaprop-model", "deltaprop-checkpoint", "digits",
    "cat", "",
]  # fmt: skip
JSON_KEYS = ["sizes", "dtype", "classes", "info", "settings", "data", "epoch", "batch", "x"]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 5)
    | st.sampled_from([-1, 2**31, 2**63, 10**30])
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(JSON_WORDS),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(JSON_KEYS) | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_paths(value, prefix=()):
    """Every place in a JSON value: tuples of keys and indices, the root first."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from json_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_paths(v, (*prefix, i))


def mutate_json(draw, meta):
    """``meta`` with one value replaced or removed, or a key added; as often at the top two
    levels (the network, the classes, the preprocessing, the run's settings) as deeper."""
    paths = list(json_paths(meta))
    paths = paths[:1] if sometimes(draw, 20) else paths[1:] or paths  # the root, now and then
    if draw(st.booleans()):
        paths = [p for p in paths if len(p) <= 2] or paths
    path = draw(st.sampled_from(paths))
    if not path:
        return draw(JSON)
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    how = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
    if how == "remove":
        del parent[path[-1]]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(JSON_KEYS))] = draw(JSON)
    else:
        parent[path[-1]] = draw(JSON)
    return meta


def metadata_text(draw, members) -> str:
    """The metadata's JSON mutated a few times, then maybe a number made 5000 digits long, or
    text that is not JSON or nests too deeply."""
    try:
        with np.errstate(all="ignore"):  # numpy's own reader, on a member forged before
            meta = json.loads(str(np.load(BytesIO(members["__metadata__.npy"]))))
    except (ValueError, TypeError, OSError, EOFError, RecursionError):  # an earlier mutation
        meta = draw(JSON)
    for _ in range(draw(st.integers(1, 3))):
        meta = mutate_json(draw, meta)
    text = json.dumps(meta)
    how = draw(st.sampled_from(["json"] * 6 + ["long number", "not json", "deep"]))
    if how == "long number":
        numbers = list(re.finditer(r"\d+", text))
        if numbers:
            hit = draw(st.sampled_from(numbers))
            text = text[: hit.start()] + "9" * 5000 + text[hit.end() :]
    elif how == "not json":
        text = draw(st.text(max_size=20))
    elif how == "deep":
        text = "[" * 100_000 + "]" * 100_000
    return text


MEMBER_NAMES = [
    "W[1]", "b[1]", "W[2]", "b[2]", "W[3]", "classes", "preprocessing/mean",
    "preprocessing/std", "preprocessing/maximum", "preprocessing/n_x", "X",
    "trainer/optimizer/M:W[1]", "trainer/epoch_start/W[1]",
]  # fmt: skip


def retyped(draw, member: bytes) -> bytes:
    """The array of a .npy ``member`` in another dtype or shape (the member as it is when it
    is not a readable array)."""
    retype = draw(st.booleans())
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(st.sampled_from([(-1,), (1, -1), (-1, 1)]))
    try:
        with np.errstate(all="ignore"):  # numpy's own reader, on a member forged before
            a = np.load(BytesIO(member))
        with warnings.catch_warnings():  # a complex member cast to real: a forgery like another
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return npy(a.astype(dtype) if retype else a.reshape(shape))
    except (ValueError, TypeError, OSError, EOFError):  # not an array, or not convertible
        return member


def scaling_members(draw) -> dict[str, bytes]:
    """Preprocessing statistics that are well formed but may fit another number of features:
    a Standardizer's mean and std, or a PixelScaler's maximum and number of features."""
    numbers = st.sampled_from([0.0, 1.0, 255.0, -1.0, 1e300, float("inf"), float("nan")])
    if draw(st.booleans()):
        k = draw(st.integers(1, 6))
        mean = draw(hnp.arrays(np.float64, k, elements=st.floats(-10, 10)))
        std = draw(hnp.arrays(np.float64, k, elements=st.floats(0.1, 10)))
        return {"preprocessing/mean.npy": npy(mean), "preprocessing/std.npy": npy(std)}
    n_x = draw(st.sampled_from([1, 4, 5, 0, -2]) | numbers)
    return {
        "preprocessing/maximum.npy": npy(np.array(draw(numbers))),
        "preprocessing/n_x.npy": npy(np.array(n_x)),
    }


@st.composite
def mutated_model_bytes(draw, original: Path) -> bytes:
    """The file ``original`` after a few mutations of its members (removed, replaced by any
    array, a forged .npy, an object array or raw bytes, added) and of its metadata (values of
    any JSON type in any place, or a metadata array of another type), then maybe cut short or
    with bytes changed."""
    members = members_of(original)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(
            st.sampled_from(["metadata"] * 4 + ["remove", "replace", "add", "array", "scaling"])
        )
        name = draw(st.sampled_from(sorted(members) + [f"{n}.npy" for n in MEMBER_NAMES]))
        if how == "metadata" and "__metadata__.npy" in members:
            members["__metadata__.npy"] = npy(np.array(metadata_text(draw, members)))
        elif how == "scaling":
            members.update(scaling_members(draw))
        elif how == "remove":
            members.pop(name, None)
        elif how in ("replace", "add"):
            members[name] = member_bytes(draw)
        elif how == "array" and name in members:
            members[name] = retyped(draw, members[name])
    return damage(draw, zip_bytes(members), odds=6)


@fuzz(500)
@given(st.data())
def test_a_mutated_model_loads_and_predicts_or_gives_a_one_line_error(folder, made, data):
    path = new_file(folder, "m.npz", data.draw(mutated_model_bytes(made["model"])))
    model = result_or_refusal(lambda: io.load(path), ModelFileError)
    if model is not None:
        check_model(model)
    assert not UNPICKLED


@pytest.fixture(scope="module")
def encoded(folder) -> Path:
    """A model file with a TableEncoder (version 3): a numeric column and two text columns,
    with fill values."""
    from deltaprop.core import Network
    from deltaprop.model import Model

    rng = np.random.default_rng(0)
    X = np.empty((40, 3), dtype=object)
    X[:, 0] = [f"{v:.2f}" for v in rng.normal(size=40)]
    X[:, 1] = rng.choice(["a", "b", "c"], 40)
    X[:, 2] = rng.choice(["x", "y", ""], 40)
    encoder = TableEncoder("mean", ["n", "t", "u"]).fit(X)
    model = Model(Network([encoder.n_x, 3, 2], seed=0), np.array(["no", "yes"]), encoder)
    return io.save(model, folder / "encoded.npz")


@fuzz(300)
@given(st.data())
def test_a_mutated_encoded_model_loads_and_predicts_or_gives_a_one_line_error(
    folder, encoded, data
):
    path = new_file(folder, "e.npz", data.draw(mutated_model_bytes(encoded)))
    model = result_or_refusal(lambda: io.load(path), ModelFileError)
    if model is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeltapropWarning)  # numbers as unseen categories
            check_model(model)
    assert not UNPICKLED


@fuzz(200)
@given(st.data())
def test_evaluate_predict_and_info_with_a_mutated_model_exit_0_or_2_with_one_line(
    folder, made, data
):
    path = new_file(folder, "m.npz", data.draw(mutated_model_bytes(made["model"])))
    check_cli("evaluate", path)
    check_cli("evaluate", path, "--data", made["csv"], "--all")
    check_cli("predict", path, made["features"])
    check_cli("info", path, "--json")
    assert not UNPICKLED


@fuzz(300)
@given(st.data())
def test_a_mutated_checkpoint_loads_or_gives_a_one_line_error(folder, made, data):
    path = new_file(folder, "c.npz", data.draw(mutated_model_bytes(made["checkpoint"])))
    loaded = result_or_refusal(lambda: io.load_checkpoint(path), ModelFileError)
    if loaded is not None:
        model, scalars, arrays, run = loaded
        check_model(model)
        assert isinstance(scalars, dict) and isinstance(run, dict)
        assert all(isinstance(a, np.ndarray) for a in arrays.values())
    assert not UNPICKLED


@fuzz(150)
@given(st.data())
def test_resuming_a_mutated_checkpoint_exits_0_or_2_with_one_line(folder, made, data):
    path = new_file(folder, "c.npz", data.draw(mutated_model_bytes(made["checkpoint"])))
    out = path.with_name("out.npz")
    check_cli("info", path)
    check_cli("train", "--resume", path, "--epochs", "2", "--quiet", "--out", out)
    assert not UNPICKLED
