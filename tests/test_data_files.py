"""deltaprop.data file readers: CSV/TSV, .npz, IDX (plain and gzipped), MNIST directories."""

import bz2
import datetime
import gzip
import io
import json
import lzma
import re
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deltaprop.data import (
    DataError,
    load,
    read_csv,
    read_features,
    read_idx,
    read_mnist_dir,
    read_npz,
)


def write(path, text):
    path.write_text(text)
    return path


def idx_bytes(array, code=0x08):
    """An IDX file's bytes: magic 0x0000<code><ndim>, big-endian sizes, then the values."""
    array = np.asarray(array)
    head = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, code=0x08, gz=False):
    data = idx_bytes(array, code)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def mnist_dir(tmp_path, m=12, rows=4, cols=3, test_m=None, gz=False):
    """A tiny MNIST-layout directory with images (m, rows, cols) and labels 0..2."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(m, rows, cols), dtype=np.uint8)
    labels = (np.arange(m) % 3).astype(np.uint8)
    ext = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{ext}", images, gz=gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{ext}", labels, gz=gz)
    if test_m:
        write_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}", images[:test_m], gz=gz)
        write_idx(tmp_path / f"t10k-labels-idx1-ubyte{ext}", labels[:test_m], gz=gz)
    return tmp_path, images, labels


# ---------------------------------------------------------------------- CSV: good input


def test_csv_with_header_string_labels(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,species\n1,2,cat\n3,4.5,dog\n5,6,cat\n")
    ds = read_csv(p)
    assert ds.X.shape == (3, 2) and ds.X.dtype == np.float64
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4.5], [5, 6]])
    assert ds.y.tolist() == ["cat", "dog", "cat"]
    assert ds.class_names == ["cat", "dog"]
    assert ds.feature_names == ["a", "b"]
    assert ds.kind == "tabular" and ds.m == 3 and ds.n_x == 2
    assert "3 examples" in ds.description and "2 classes" in ds.description


def test_csv_without_header_keeps_int_labels(tmp_path):
    p = write(tmp_path / "d.csv", "0.5,1,0\n1.5,2,1\n2.5,3,1\n")
    ds = read_csv(p)
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [0, 1, 1]
    assert ds.feature_names is None and ds.X.shape == (3, 2)


def test_csv_whole_float_labels_become_ints(tmp_path):
    ds = read_csv(write(tmp_path / "d.csv", "1,2,0.0\n3,4,1.0\n"))
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [0, 1]


def test_csv_label_by_name_and_by_negative_index(tmp_path):
    p = write(tmp_path / "d.csv", "y,a,b\nno,1,2\nyes,3,4\n")
    by_name = read_csv(p, label="y")
    assert by_name.y.tolist() == ["no", "yes"] and by_name.feature_names == ["a", "b"]
    by_index = read_csv(p, label=-3)
    np.testing.assert_array_equal(by_index.X, by_name.X)
    by_zero = read_csv(p, label=0)
    np.testing.assert_array_equal(by_zero.X, [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    "text",
    [
        "a;b;label\n1;2;x\n3;4;y\n",
        "a\tb\tlabel\n1\t2\tx\n3\t4\ty\n",
        "a b label\n1  2 x\n3 4   y\n",
        "a|b|label\n1|2|x\n3|4|y\n",
        '"a","b","label"\n"1","2","x"\n"3","4","y"\n',
    ],
    ids=["semicolon", "tab", "spaces", "pipe", "quoted"],
)
def test_csv_delimiter_is_sniffed(tmp_path, text):
    ds = read_csv(write(tmp_path / "d.txt", text))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    assert ds.y.tolist() == ["x", "y"] and ds.feature_names == ["a", "b"]


def test_a_file_separated_by_semicolons_may_write_numbers_with_a_decimal_comma(tmp_path):
    """As spreadsheets export CSV where the comma is the decimal mark: '1,5' is 1.5, in the
    features, a regression target and the weights; text with a comma stays text."""
    text = "a;b;w;y\n1,5;-0,25;1;0\n3;,5;2,5;1\n2,5e1;4;1;0\n"
    ds = read_csv(write(tmp_path / "eu.csv", text), label="y", weight="w")
    np.testing.assert_array_equal(ds.X, [[1.5, -0.25], [3, 0.5], [25, 4]])
    assert ds.sample_weight.tolist() == [1, 2.5, 1] and ds.y.tolist() == [0, 1, 0]
    two = read_csv(write(tmp_path / "t.csv", "a;b;y\n1;0;0,5\n2,5;1;1,25\n"), label=["y", "a"])
    assert two.y.tolist() == [[0.5, 1], [1.25, 2.5]]
    headerless = read_csv(write(tmp_path / "h.csv", "1,5;2;x\n3;4,5;y\n"), cells="mixed")
    assert headerless.feature_names is None and headerless.X.tolist() == [[1.5, 2], [3, 4.5]]
    words = read_csv(write(tmp_path / "w.csv", "a;b;y\n1;x,y;0\n2;1,2,3;1\n"), cells="mixed")
    assert words.X[:, 1].tolist() == ["x,y", "1,2,3"]
    commas = read_csv(write(tmp_path / "c.csv", "a,tags,y\n1,x;y,0\n2,z;w,1\n"), cells="mixed")
    assert commas.X.tolist() == [["1", "x;y"], ["2", "z;w"]]  # ';' inside fields: ',' separates


@pytest.mark.parametrize("cells", ["numbers", "mixed"])
def test_a_decimal_comma_elsewhere_is_an_error_not_a_category(tmp_path, cells):
    """With tabs or quoted commas, '1,5' could be a thousands separator: refused, never one-hot
    encoded as the category '1,5'."""
    p = write(tmp_path / "eu.tsv", "a\tb\ty\n1\tx\t0\n1,5\ty\t1\n")
    with pytest.raises(DataError) as error:
        read_csv(p, cells=cells, ignore=["b"])
    assert str(error.value) == (
        f"{p}, line 3, column 'a': '1,5' is not a number (a comma in a number is read as a "
        "decimal comma only in a file whose fields are separated by ';', and never as a thousands "
        "separator)"
    )


def test_a_delimiter_that_ends_every_line_adds_no_column(tmp_path):
    """'1,2,0,' as some exports write every line: no empty last column (which would be taken
    for the label), with or without a header, numbers or text, for training or prediction."""
    ds = read_csv(write(tmp_path / "h.csv", "a,b,y,\n1,2,0,\n3,4,1,\n"))
    assert ds.feature_names == ["a", "b"] and ds.X.tolist() == [[1, 2], [3, 4]]
    assert ds.y.tolist() == [0, 1]
    assert read_csv(write(tmp_path / "n.csv", "1;2;0;\n3;4;1;\n")).X.tolist() == [[1, 2], [3, 4]]
    text = read_csv(write(tmp_path / "t.csv", "a,b,y,\n1,x,0,\n3,y,1,\n"), cells="mixed")
    assert text.X.tolist() == [["1", "x"], ["3", "y"]] and text.y.tolist() == [0, 1]
    assert read_features(tmp_path / "t.csv", 2, cells="text").tolist() == text.X.tolist()
    late = "a,b,y,\n" + "1,2,0,\n" * 60 + "3,4,1,5\n"
    with pytest.raises(DataError, match=r"l\.csv, line 62: '5' after the last column, where the "):
        read_csv(write(tmp_path / "l.csv", late))
    with pytest.raises(DataError, match=r"line 2, column 'c': an empty value is not a number"):
        read_csv(write(tmp_path / "c.csv", "a,b,y,c\n1,2,0,\n3,4,1,\n"), label="y")  # named


def test_csv_explicit_delimiter_and_header(tmp_path):
    p = write(tmp_path / "d.csv", "1;2;0\n3;4;1\n")
    ds = read_csv(p, delimiter=";", header=False)
    assert ds.m == 2
    # header=True takes the first row as names even though it is numeric
    assert read_csv(write(tmp_path / "e.csv", "1,2,0\n3,4,1\n5,6,0\n"), header=True).m == 2


def test_csv_blank_lines_bom_and_crlf(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"\xef\xbb\xbfa,b,c\r\n\r\n1,2,0\r\n3,4,1\r\n\r\n")
    ds = read_csv(p)
    assert ds.feature_names == ["a", "b"] and ds.m == 2


def test_csv_gzipped(tmp_path):
    p = tmp_path / "d.csv.gz"
    p.write_bytes(gzip.compress(b"a,b,c\n1,2,0\n3,4,1\n"))
    assert read_csv(p).m == 2
    assert load(str(p)).m == 2


TABLE = b"a,b,label\n1,2,x\n3,4,y\n5,6,x\n"


def _zip(path, members: dict, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name, compress",
    [("d.csv.bz2", bz2.compress), ("d.csv.xz", lzma.compress), ("d.csv", bz2.compress)],
)
def test_compressed_csv_is_read_as_the_csv(tmp_path, name, compress):
    """bzip2 and xz, told by their first bytes: a misnamed file (the last) is read too."""
    (tmp_path / "plain.csv").write_bytes(TABLE)
    plain = read_csv(tmp_path / "plain.csv", label="label")
    (tmp_path / name).write_bytes(compress(TABLE))
    for ds in (read_csv(tmp_path / name, label="label"), load(tmp_path / name, label="label")):
        np.testing.assert_array_equal(ds.X, plain.X)
        assert ds.y.tolist() == plain.y.tolist() == ["x", "y", "x"]


def test_a_zip_archive_of_one_text_file_is_read_as_that_file(tmp_path):
    """A folder, the __MACOSX/ entries macOS adds and the member's compression do not matter;
    the member's name says its kind (a .tsv is separated by tabs)."""
    tsv = TABLE.replace(b",", b"\t")
    archive = _zip(
        tmp_path / "d.zip",
        {"data/": b"", "data/d.tsv": tsv, "__MACOSX/data/._d.tsv": b"\0\5junk"},
    )
    ds = load(archive, label="label")
    assert ds.feature_names == ["a", "b"] and ds.y.tolist() == ["x", "y", "x"]
    stored = _zip(tmp_path / "stored.zip", {"d.csv": TABLE}, zipfile.ZIP_STORED)
    assert load(stored, label="label").X.tolist() == ds.X.tolist()


@pytest.mark.parametrize(
    "members, message",
    [
        (
            {"train.csv": TABLE, "test.csv": TABLE, "gender_submission.csv": TABLE},
            r"k\.zip: a zip archive that holds 3 files \(gender_submission\.csv, test\.csv, "
            r"train\.csv\); name the one to read, as in .*k\.zip/gender_submission\.csv$",
        ),
        ({}, r"k\.zip: a zip archive that holds no file$"),
        ({"x.npz": b"PK"}, r"k\.zip: x\.npz is in a zip archive, .* extract x\.npz to read it"),
        ({"b.xlsx": b"PK"}, r"k\.zip: b\.xlsx is in a zip archive, .* extract b\.xlsx"),
    ],
)
def test_a_zip_archive_of_anything_else_is_refused_saying_what_it_holds(tmp_path, members, message):
    archive = _zip(tmp_path / "k.zip", members)
    with pytest.raises(DataError, match=message):
        load(archive, label="label")


def test_a_file_in_a_zip_archive_is_named_after_the_archive(tmp_path, monkeypatch):
    """ARCHIVE.zip/FILE, as zipfile.Path writes it: Kaggle's archive of a competition's files;
    a file in a folder of it; one it does not hold, or that is not text, is one line."""
    archive = _zip(
        tmp_path / "titanic.zip",
        {"train.csv": TABLE, "test.csv": TABLE.replace(b"x\n", b"z\n"), "data/t.tsv": TABLE},
    )
    (tmp_path / "plain.csv").write_bytes(TABLE)
    plain = load(tmp_path / "plain.csv", label="label")
    ds = load(f"{archive}/train.csv", label="label")
    np.testing.assert_array_equal(ds.X, plain.X)
    assert ds.description.startswith(f"{archive}/train.csv: 3 examples")
    assert load(f"{archive}/test.csv", label="label").y.tolist() == ["z", "y", "z"]
    assert read_features(f"{archive}/data/t.tsv", 2).tolist() == plain.X.tolist()
    monkeypatch.chdir(tmp_path)  # a relative path works as well, and a run records it whole
    assert load("titanic.zip/train.csv", label="label").m == 3
    from deltaprop.data.paths import absolute, exists

    assert exists("titanic.zip/train.csv") and not exists("titanic.zip.csv")
    assert absolute("titanic.zip/train.csv") == f"{tmp_path.resolve()}/titanic.zip/train.csv"
    url = "https://example.org/titanic.zip/train.csv"
    assert exists(url) and absolute(url) == url
    with pytest.raises(
        DataError,
        match=r"titanic\.zip/nope\.csv: the archive holds no file 'nope\.csv'; it holds "
        r"data/t\.tsv, test\.csv, train\.csv$",
    ):
        load(f"{archive}/nope.csv")
    _zip(tmp_path / "m.zip", {"x.npz": b"PK", "b.xlsx": b"PK", "a.csv": TABLE})
    for inner in ("x.npz", "b.xlsx"):
        with pytest.raises(DataError, match=rf"{inner} is in a zip archive, .* extract {inner}"):
            load(tmp_path / "m.zip" / inner)
    with pytest.raises(DataError, match=r"b\.xlsx is in a zip archive"):
        read_features(tmp_path / "m.zip" / "b.xlsx", 2)


def _damaged(data: bytes) -> bytes:
    """``data`` with a byte of its middle flipped."""
    data = bytearray(data)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("cut.csv.bz2", lambda t: bz2.compress(t)[:-20], "Compressed file ended"),
        ("bad.csv.bz2", lambda t: _damaged(bz2.compress(t)), "Invalid data stream"),
        ("cut.csv.xz", lambda t: lzma.compress(t)[:-20], "Compressed file ended"),
        ("bad.csv.xz", lambda t: _damaged(lzma.compress(t)), "Corrupt input data"),
    ],
)
def test_a_damaged_compressed_file_is_a_data_error(tmp_path, name, make, message):
    p = tmp_path / name
    p.write_bytes(make(TABLE * 50))
    with pytest.raises(DataError, match=rf"{re.escape(name)}: cannot be read \({message}"):
        read_csv(p, label="label")


def test_a_python_without_the_decompressor_says_so(tmp_path, monkeypatch):
    """A Python built without liblzma (as pyenv builds it on a machine without its headers)."""
    (tmp_path / "d.csv.xz").write_bytes(lzma.compress(TABLE))
    monkeypatch.setitem(sys.modules, "lzma", None)  # import lzma: ImportError
    with pytest.raises(
        DataError, match=r"d\.csv\.xz: a file compressed with xz, and this Python was built without"
    ):
        read_csv(tmp_path / "d.csv.xz", label="label")


def test_a_damaged_zip_archive_is_a_data_error(tmp_path):
    stored = _zip(tmp_path / "s.zip", {"d.csv": TABLE}, zipfile.ZIP_STORED).read_bytes()
    (tmp_path / "crc.zip").write_bytes(stored.replace(b"3,4,y", b"3,4,z"))
    with pytest.raises(DataError, match=r"crc\.zip: cannot be read \(Bad CRC-32 for file 'd\.csv'"):
        load(tmp_path / "crc.zip", label="label")
    (tmp_path / "cut.zip").write_bytes(stored[: len(stored) // 2])
    with pytest.raises(DataError, match=r"cut\.zip: not a zip archive that can be read"):
        load(tmp_path / "cut.zip", label="label")


def test_an_encrypted_zip_member_is_a_data_error(tmp_path):
    """zipfile cannot write encrypted members: the flag that marks one is set by hand (bit 0
    of the general-purpose flags, in the member's local header and in the central directory)."""
    data = bytearray(_zip(tmp_path / "s.zip", {"d.csv": TABLE}).read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + flags_at] |= 1
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"locked\.zip: cannot be read \(.*encrypted"):
        load(tmp_path / "locked.zip", label="label")


def test_csv_larger_than_one_block(tmp_path):
    m = 10_000  # more rows than the reader converts at a time
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 3))
    y = np.arange(m) % 2
    np.savetxt(tmp_path / "big.csv", np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    ds = read_csv(tmp_path / "big.csv")
    np.testing.assert_array_equal(ds.X, X)
    assert ds.y.tolist() == y.tolist()


def test_whole_numbers_read_as_python_reads_them_in_every_block(tmp_path):
    """Whole numbers take a faster path than decimals; both must give float(text): spaces, a
    sign, digit separators, 2**53 + 1 (rounded), numbers beyond int64 (the second block), and
    decimals after blocks of whole numbers (the last)."""
    whole = [" 7", "+5", "-12", "1_000", "007", str(2**53 + 1), "16777217", "255"]
    rows = [",".join(whole[(i + j) % len(whole)] for j in range(4)) + ",0" for i in range(9000)]
    rows[5000] = f"{2**63},-{'9' * 25},1,2,1"
    rows[-1] = "0.5,1e3,-2.25,3,1"
    (tmp_path / "ints.csv").write_text("\n".join(rows) + "\n")
    X = read_csv(tmp_path / "ints.csv").X
    expected = [[float(t) for t in row.split(",")[:4]] for row in rows]
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, expected)


def test_read_features_drops_a_label_column(tmp_path):
    with_label = write(tmp_path / "a.csv", "a,b,label\n1,2,x\n3,4,\n")
    np.testing.assert_array_equal(read_features(with_label, 2), [[1, 2], [3, 4]])
    without = write(tmp_path / "b.csv", "1,2\n3,4\n")
    np.testing.assert_array_equal(read_features(without, 2), [[1, 2], [3, 4]])
    with pytest.raises(DataError, match="fitted on 5 features; this file has 2 columns"):
        read_features(without, 5)
    one = write(tmp_path / "c.csv", "1\n3\n")
    with pytest.raises(DataError, match=r"this file has 1 column \(expected 5, or 6 with a"):
        read_features(one, 5)


def test_text_labels_in_a_file_without_a_header_are_not_taken_for_one(tmp_path):
    """Only the feature columns decide whether the first row is a header."""
    p = write(tmp_path / "d.csv", "1,2,cat\n3,4,dog\n5,6,cat\n")
    ds = read_csv(p)
    assert ds.m == 3 and ds.feature_names is None
    assert ds.y.tolist() == ["cat", "dog", "cat"]
    np.testing.assert_array_equal(read_features(p, 2), [[1, 2], [3, 4], [5, 6]])


def test_csv_pipes_with_trailing_spaces(tmp_path):
    """csv.Sniffer picks " " for these lines, which leaves one column: the delimiter is then
    found by counting."""
    ds = read_csv(write(tmp_path / "d.txt", "1|2|0 \n3|4|1 \n5|6|0 \n"))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert ds.y.tolist() == [0, 1, 0]


def test_whole_number_labels_that_int64_cannot_hold_exactly_stay_text(tmp_path):
    big = read_csv(write(tmp_path / "big.csv", "1,2,99999999999999999999\n3,4,1\n"))
    assert big.y.tolist() == ["99999999999999999999", "1"]
    # 2**53 and 2**53 + 1 are the same float64: as ints they would merge into one class
    near = read_csv(
        write(tmp_path / "near.csv", "1,2,9007199254740992.0\n3,4,9007199254740993.0\n")
    )
    assert near.y.tolist() == ["9007199254740992.0", "9007199254740993.0"]


# ---------------------------------------------------------------------- CSV: bad input


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: no such file"):
        read_csv(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        read_csv(write(tmp_path / "d.csv", ""))
    with pytest.raises(DataError, match="empty"):
        read_csv(write(tmp_path / "blank.csv", "\n\n  \n"))


def test_header_only(tmp_path):
    with pytest.raises(DataError, match="a header row but no data rows"):
        read_csv(write(tmp_path / "d.csv", "a,b,label\n"))


def test_a_single_row_with_numbers_is_data_with_a_bad_value_not_a_header(tmp_path):
    with pytest.raises(DataError, match=r"d\.csv, line 1, column 2: 'x' is not a number$"):
        read_csv(write(tmp_path / "d.csv", "1,x,3,0\n"))
    with pytest.raises(DataError, match=r"f\.csv, line 1, column 4: 'x' is not a number$"):
        read_features(write(tmp_path / "f.csv", "1,2,3,x\n"), 4)
    with pytest.raises(DataError, match="a header row but no data rows"):  # declared a header
        read_csv(write(tmp_path / "h.csv", "1,x,3,0\n"), header=True)
    with pytest.raises(DataError, match=r"i\.csv, line 1, column 3: 'x' is not a number$"):
        read_csv(write(tmp_path / "i.csv", "A1,2,x,0\n"), ignore=[0])  # not the ignored 'A1'


def test_ragged_rows_name_the_line_and_counts(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,c\n1,2,0\n\n3,4\n")
    with pytest.raises(DataError, match=r"d\.csv, line 4: 2 fields, expected 3"):
        read_csv(p)


def test_non_numeric_feature_names_row_and_column(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,c\n1,2,0\n3,oops,1\n")
    with pytest.raises(DataError, match=r"line 3, column 'b': 'oops' is not a number"):
        read_csv(p)
    q = write(tmp_path / "e.csv", "1,2,0\n3,4,1\n5,,1\n")
    with pytest.raises(DataError, match=r"line 3, column 2: an empty value is not a number"):
        read_csv(q)


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity"])
def test_nan_or_inf_feature(tmp_path, bad):
    p = write(tmp_path / "d.csv", f"a,b,c\n1,2,0\n3,{bad},1\n")
    with pytest.raises(DataError, match=rf"line 3, column 'b': '{bad}' is not a finite number"):
        read_csv(p)


def test_single_class(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,c\n1,2,x\n3,4,x\n")
    with pytest.raises(DataError, match="only one class 'x' in the labels"):
        read_csv(p)


def test_label_column_that_does_not_exist(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,c\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="no column named 'target'; the columns are a, b, c"):
        read_csv(p, label="target")
    with pytest.raises(DataError, match=r"no column 5; the file has 3 columns .*: a, b, c"):
        read_csv(p, label=5)
    q = write(tmp_path / "e.csv", "1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"no column -4; the file has 3 columns \(indices 0..2"):
        read_csv(q, label=-4)
    with pytest.raises(DataError, match="given by name, but header=False"):
        read_csv(q, label="c", header=False)


def test_a_column_name_with_a_line_break_keeps_the_message_on_one_line(tmp_path):
    """Names are listed as they are, except one with a character that is not printable (here
    U+2028, a line separator to str.splitlines), which is shown as its repr."""
    p = write(tmp_path / "d.csv", "a,b\u2028c,label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as error:
        read_csv(p, label="target")
    assert str(error.value).endswith(r"the columns are a, 'b\u2028c', label")
    assert len(str(error.value).splitlines()) == 1


def test_empty_label_and_single_column(tmp_path):
    with pytest.raises(DataError, match=r"line 2: the label \(column 'c'\) is empty"):
        read_csv(write(tmp_path / "d.csv", "a,b,c\n1,2,\n"))
    with pytest.raises(DataError, match="a single column"):
        read_csv(write(tmp_path / "e.csv", "1\n2\n"))


def test_not_text(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"\x81\x8d\x00binary\x90")  # neither UTF-8 nor Windows-1252
    with pytest.raises(DataError, match=r"d\.csv: not a text file \(neither UTF-8, UTF-16 nor Wi"):
        read_csv(p)
    p.write_bytes("a,b\n1,x\n".encode("utf-16") + b"\x00")  # a byte after the last character
    with pytest.raises(DataError, match=r"d\.csv: not a text file in utf-16$"):
        read_csv(p)


ACCENTED = "name;city;score;label\nJosé;Málaga;1,5;a\nRené;Köln;2,5;b\nZoë;Genève;0,5;a\n"


def test_excels_encodings_are_read(tmp_path):
    """Excel saves "CSV" in the system's code page (Windows-1252 in Western Europe: a guess,
    which the data's description names) and "Unicode text" as UTF-16 with a BOM, tabs."""
    p = tmp_path / "d.csv"
    p.write_bytes(ACCENTED.encode("cp1252"))
    ds = read_csv(p, cells="mixed")
    assert ds.X[:, 1].tolist() == ["Málaga", "Köln", "Genève"] and ds.X[0, 2] == "1.5"
    assert ds.description.startswith(
        f"{p} (not UTF-8: read as Windows-1252; --encoding NAME reads another): 3 examples"
    )
    p.write_bytes(ACCENTED.replace(";", "\t").replace(",", ".").encode("utf-16"))
    ds = read_csv(p, cells="mixed")
    assert ds.X[:, 0].tolist() == ["José", "René", "Zoë"] and ds.y.tolist() == ["a", "b", "a"]
    assert ds.description.startswith(f"{p}: 3 examples")
    p.write_bytes(gzip.compress(ACCENTED.encode("cp1252")))
    assert read_csv(p.rename(tmp_path / "d.csv.gz"), cells="mixed").X[2, 1] == "Genève"


def test_corrupt_gzip_data_is_a_data_error(tmp_path):
    """A gzip header followed by damaged deflate data: zlib's error, not an IOError, reports
    it; it is a DataError all the same, whether the damage shows while sniffing or later."""
    data = bytearray(gzip.compress(b"a,b,label\n1,2,x\n3,4,y\n"))
    data[10] |= 0b110  # the first block: type 3, which deflate does not have
    p = tmp_path / "d.csv.gz"
    p.write_bytes(bytes(data))
    with pytest.raises(
        DataError, match=r"d\.csv\.gz: cannot be read \(Error -3 while decompressing"
    ):
        read_csv(p)
    with pytest.raises(
        DataError, match=r"d\.csv\.gz: cannot be read \(Error -3 while decompressing"
    ):
        read_csv(p, delimiter=",")


def test_a_field_too_long_for_the_csv_module_on_the_first_line_is_a_data_error(tmp_path):
    """The csv module refuses fields over 131072 characters; met while sniffing the delimiter
    it is the same DataError as later in the file."""
    p = write(tmp_path / "d.csv", '"' + "1" * 200_000 + '",2\n3,4\n')
    with pytest.raises(DataError, match=r"d\.csv: malformed CSV \(field larger than field limit"):
        read_csv(p)


def test_an_empty_first_field_is_reported_not_skipped_as_a_blank_line(tmp_path):
    p = write(tmp_path / "d.csv", "a,b,label\n1,2,x\n,4,y\n5,6,y\n")
    with pytest.raises(DataError, match=r"line 3, column 'a': an empty value is not a number"):
        read_csv(p)


def test_a_label_name_that_two_columns_share_is_refused(tmp_path):
    p = write(tmp_path / "d.csv", "a,a,c\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="2 columns are named 'a'; give an index"):
        read_csv(p, label="a")


# ---------------------------------------------------------------------- .npz


def test_npz_roundtrip_with_test_part(tmp_path):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array(["a", "b"] * 3)
    np.savez(tmp_path / "d.npz", X=X, y=y, X_test=X[:2], y_test=y[:2])
    ds = read_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(ds.X, X)
    assert ds.y.tolist() == y.tolist() and ds.class_names == ["a", "b"]
    assert ds.test is not None and ds.test.m == 2


def test_npz_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"absent\.npz: no such file"):
        read_npz(tmp_path / "absent.npz")


def test_npz_missing_array(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), labels=np.arange(3))
    with pytest.raises(DataError, match=r"no array 'y' \(the file holds X, labels\)"):
        read_npz(tmp_path / "d.npz")
    np.savez(tmp_path / "e.npz", y=np.arange(3))
    with pytest.raises(DataError, match="no array 'X'"):
        read_npz(tmp_path / "e.npz")


def test_npz_with_pickled_objects_is_refused(tmp_path):
    y = np.array([{"a": 1}, "b", 3], dtype=object)
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=y)
    with pytest.raises(DataError, match="array 'y' holds Python objects.*refused"):
        read_npz(tmp_path / "d.npz")


def test_npz_that_is_not_an_archive(tmp_path):
    p = write(tmp_path / "d.npz", "not a zip at all")
    with pytest.raises(DataError, match=r"not a \.npz archive"):
        read_npz(p)


def test_npz_shapes_are_checked(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=np.arange(4))
    with pytest.raises(DataError, match="X has 3 examples but y has 4 labels"):
        read_npz(tmp_path / "d.npz")
    np.savez(tmp_path / "e.npz", X=np.zeros(3), y=np.arange(3))
    with pytest.raises(DataError, match=r"X must be 2-D \(m, n_x\)"):
        read_npz(tmp_path / "e.npz")


def test_npz_nan_names_row_and_column(tmp_path):
    X = np.zeros((3, 2))
    X[2, 1] = np.inf
    np.savez(tmp_path / "d.npz", X=X, y=np.array([0, 1, 0]))
    with pytest.raises(DataError, match="X has inf at row 2, column 1"):
        read_npz(tmp_path / "d.npz")


def test_npz_labels_are_made_plain(tmp_path):
    """y of shape (m, 1) is flattened, bytes are decoded, whole-number floats become int64."""
    X = np.zeros((3, 2))
    np.savez(tmp_path / "column.npz", X=X, y=np.array([[0], [1], [0]]))
    assert read_npz(tmp_path / "column.npz").y.tolist() == [0, 1, 0]
    np.savez(tmp_path / "bytes.npz", X=X, y=np.array([b"a", b"b", b"a"]))
    y = read_npz(tmp_path / "bytes.npz").y
    assert y.dtype.kind == "U" and y.tolist() == ["a", "b", "a"]
    np.savez(tmp_path / "floats.npz", X=X, y=np.array([0.0, 1.0, 2.0]))
    y = read_npz(tmp_path / "floats.npz").y
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2]


def test_npz_byte_labels_are_utf8_text_or_a_data_error(tmp_path):
    X = np.zeros((2, 2))
    np.savez(tmp_path / "utf8.npz", X=X, y=np.array(["é".encode(), b"a"]))
    assert read_npz(tmp_path / "utf8.npz").y.tolist() == ["é", "a"]
    np.savez(tmp_path / "latin1.npz", X=X, y=np.array([b"\x80", b"a"]))
    with pytest.raises(DataError, match=r"latin1.npz: y holds bytes that are not UTF-8 text"):
        read_npz(tmp_path / "latin1.npz")


@pytest.mark.parametrize(
    "y,dtype",
    [
        (np.array([1j, 2, 3]), "complex128"),
        (np.array(["2020-01-01", "2020-01-02", "2020-01-01"], dtype="M8[D]"), "datetime64[D]"),
        (np.array([(1, 2.0), (2, 3.0), (1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]), None),
    ],
)
def test_npz_labels_that_are_not_numbers_or_text_are_refused(tmp_path, y, dtype):
    """They were read as they were (classes "1j", "(2+0j)"...), to be refused later by the
    LabelEncoder of whatever used them."""
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=y)
    with pytest.raises(DataError) as error:
        read_npz(tmp_path / "d.npz")
    assert str(error.value) == (
        f"{tmp_path / 'd.npz'}: y must hold numbers or text (labels), got dtype {dtype or y.dtype}"
    )


def test_npz_whole_float_labels_beyond_int64_stay_floats(tmp_path):
    """1e300 is a whole number; cast to int64 it became -9223372036854775808."""
    X = np.zeros((3, 2))
    np.savez(tmp_path / "d.npz", X=X, y=np.array([0.0, 1e300, 2.0**53]))
    y = read_npz(tmp_path / "d.npz").y
    assert y.dtype == np.float64 and y.tolist() == [0.0, 1e300, 2.0**53]
    np.savez(tmp_path / "e.npz", X=X, y=np.array([0.0, 1.0, 2.0**53 - 1]))
    assert read_npz(tmp_path / "e.npz").y.tolist() == [0, 1, 2**53 - 1]


@pytest.mark.filterwarnings("error")
def test_npz_float16_labels_become_ints_without_a_warning(tmp_path):
    """Comparing float16 labels with 2**53 cast 2**53 to float16: numpy's RuntimeWarning, which
    the command line prints as a line of its own."""
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=np.array([0, 1, 2], dtype=np.float16))
    assert read_npz(tmp_path / "d.npz").y.tolist() == [0, 1, 2]


def test_npz_test_part_needs_both_arrays(tmp_path):
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    np.savez(tmp_path / "d.npz", X=X, y=y, X_test=X)
    with pytest.raises(DataError, match="X_test and y_test must come together; found only one"):
        read_npz(tmp_path / "d.npz")


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def forged_npy(header: str, values: bytes) -> bytes:
    """A .npy file (format 1.0) with the header text ``header``, then ``values``."""
    text = header.encode("latin-1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + values


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_npz_compressed_fortran_ordered_and_text_arrays_read_as_np_load_reads_them(tmp_path):
    X = np.asfortranarray(np.arange(12.0).reshape(6, 2))
    y = np.array([b"cat", b"dog"] * 3)
    np.savez_compressed(tmp_path / "d.npz", X=X, y=y, X_test=X[:0], y_test=y[:0])
    with pytest.raises(DataError, match=r"\(test part\): no examples"):
        read_npz(tmp_path / "d.npz")
    np.savez_compressed(tmp_path / "d.npz", X=X, y=y, X_test=X[:2], y_test=y[:2])
    ds = read_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(ds.X, X)
    assert ds.y.tolist() == ["cat", "dog"] * 3 and ds.test.y.tolist() == ["cat", "dog"]


def test_npz_whose_header_announces_a_huge_array_is_refused_without_allocating_it(tmp_path):
    """np.load allocates the shape a header announces (here 32 TiB) before reading a value."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 4), }"
    members = {"X.npy": forged_npy(header, bytes(64)), "y.npy": npy_bytes(np.arange(2))}
    p = tmp_path / "d.npz"
    p.write_bytes(zip_bytes(members))
    with pytest.raises(DataError) as error:
        read_npz(p)
    assert str(error.value) == (
        f"{p}: array 'X' cannot be read (the .npy header announces 1099511627776 x 4 values of "
        "float64 (35184372088832 bytes), but 64 bytes follow it)"
    )


def test_npz_member_that_is_not_a_npy_array_is_refused(tmp_path):
    """np.load returns the bytes of a member that is not .npy (here one named X, no suffix)."""
    p = tmp_path / "d.npz"
    p.write_bytes(zip_bytes({"X": b"1,2\n3,4\n", "y.npy": npy_bytes(np.arange(2))}))
    with pytest.raises(DataError, match=r"d\.npz: array 'X' cannot be read \(not a \.npy array\)$"):
        read_npz(p)


@pytest.mark.parametrize(
    "field,value,message",
    [
        (8, 0x1, "File 'y.npy' is encrypted, password required for extraction"),
        (10, 99, "That compression method is not supported"),
    ],
)
def test_npz_member_that_zipfile_cannot_open_is_a_corrupt_archive(tmp_path, field, value, message):
    """A member flagged as encrypted (zipfile: RuntimeError) or compressed by an unknown
    method (NotImplementedError): the central directory's flags (offset 8 in an entry) and
    method (offset 10) of y.npy are changed."""
    data = zip_bytes({"X.npy": npy_bytes(np.zeros((2, 2))), "y.npy": npy_bytes(np.arange(2))})
    at = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1) + field
    p = tmp_path / "d.npz"
    p.write_bytes(data[:at] + struct.pack("<H", value) + data[at + 2 :])
    with pytest.raises(DataError) as error:
        read_npz(p)
    assert str(error.value) == f"{p}: corrupt .npz archive ({message})"


# ---------------------------------------------------------------------- IDX


def test_idx_plain_is_a_memmap(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    a = read_idx(write_idx(tmp_path / "x-idx3-ubyte", images))
    assert isinstance(a, np.memmap)
    assert a.shape == (2, 3, 4) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, images)


def test_idx_gzipped(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    a = read_idx(write_idx(tmp_path / "y-idx1-ubyte.gz", labels, gz=True))
    assert not isinstance(a, np.memmap)
    np.testing.assert_array_equal(a, labels)


def test_idx_other_element_types(tmp_path):
    values = np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float32)
    a = read_idx(write_idx(tmp_path / "f.idx", values, code=0x0D))
    np.testing.assert_array_equal(a, values)
    ints = np.array([-70000, 5], dtype=np.int32)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "i.idx", ints, code=0x0C)), ints)


def test_idx_wrong_magic(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(struct.pack(">I", 0x12345678) + bytes(16))
    with pytest.raises(DataError, match="not an IDX file: magic number 0x12345678"):
        read_idx(p)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_length_disagrees_with_header(tmp_path, gz):
    data = idx_bytes(np.zeros((4, 2, 2), dtype=np.uint8))[:-3]  # 3 bytes short
    p = tmp_path / "short"
    p.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataError, match=r"says 4 x 2 x 2 values .*\(16 bytes\) but 13 bytes"):
        read_idx(p)
    p.write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)) + b"extra")
    with pytest.raises(DataError, match=r"\(4 bytes\) but 9 bytes follow"):
        read_idx(p)


def test_idx_missing_and_empty(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_idx(tmp_path / "none")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        read_idx(tmp_path / "empty")


def test_idx_with_no_dimensions_is_not_an_idx_file(tmp_path):
    p = tmp_path / "scalar"
    p.write_bytes(struct.pack(">HBB", 0, 0x08, 0) + b"\x07")
    with pytest.raises(DataError, match="not an IDX file: magic number 0x00000800"):
        read_idx(p)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_with_more_dimensions_than_numpy_has_is_refused(tmp_path, gz):
    """An IDX header may announce up to 255 dimensions; numpy's ValueError for more than 64
    escaped read_idx."""
    data = struct.pack(">HBB", 0, 0x08, 65) + struct.pack(">65I", *[1] * 65) + b"\x07"
    p = tmp_path / "many"
    p.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataError) as error:
        read_idx(p)
    assert str(error.value) == (
        f"{p}: the IDX header announces 65 dimensions; numpy arrays have at most 64"
    )


@pytest.mark.parametrize("gz", [False, True])
def test_idx_of_no_values_whose_other_sizes_overflow_numpy_is_refused(tmp_path, gz):
    """0 x 4294967295 x 4294967295 values: the file's length (none) agrees, but numpy refuses
    the shape (ValueError, "array is too big")."""
    data = struct.pack(">HBB3I", 0, 0x08, 3, 0, 2**32 - 1, 2**32 - 1)
    p = tmp_path / "empty"
    p.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataError) as error:
        read_idx(p)
    assert str(error.value) == (
        f"{p}: the IDX header's sizes 0 x 4294967295 x 4294967295 are too large for a numpy array"
    )
    p.write_bytes(struct.pack(">HBB3I", 0, 0x08, 3, 0, 2**31, 2**31))  # 2**62 bytes: allowed
    assert read_idx(p).shape == (0, 2**31, 2**31)


# ---------------------------------------------------------------------- MNIST directories


def test_mnist_dir_plain_is_not_copied(tmp_path):
    d, images, labels = mnist_dir(tmp_path, m=12, rows=4, cols=3, test_m=5)
    ds = read_mnist_dir(d)
    assert ds.kind == "image" and ds.X.dtype == np.uint8
    assert ds.X.shape == (12, 12) and ds.y.dtype == np.int64
    assert isinstance(ds.X, np.memmap)  # a reshaped view of the map, not an in-memory copy
    assert not ds.X.flags.owndata
    np.testing.assert_array_equal(ds.X, images.reshape(12, 12))
    assert ds.y.tolist() == labels.tolist() and ds.class_names == ["0", "1", "2"]
    assert ds.test is not None and ds.test.m == 5 and ds.test.kind == "image"
    assert "4x3 pixels" in ds.description


def test_mnist_dir_gzipped_without_test(tmp_path):
    d, images, _ = mnist_dir(tmp_path, gz=True)
    ds = load(str(d))
    np.testing.assert_array_equal(ds.X, images.reshape(len(images), -1))
    assert ds.test is None


def test_mnist_dir_counts_differ(tmp_path):
    d, images, labels = mnist_dir(tmp_path)
    write_idx(d / "train-labels-idx1-ubyte", labels[:-1])
    with pytest.raises(DataError, match="12 train images but 11 train labels"):
        read_mnist_dir(d)


def test_mnist_dir_missing_files(tmp_path):
    with pytest.raises(DataError, match="no train-images-idx3-ubyte"):
        read_mnist_dir(tmp_path)
    with pytest.raises(DataError, match="no such directory"):
        read_mnist_dir(tmp_path / "absent")
    d, images, labels = mnist_dir(tmp_path)
    write_idx(d / "t10k-images-idx3-ubyte", images)
    with pytest.raises(DataError, match="found t10k-images-idx3-ubyte but not t10k-labels"):
        read_mnist_dir(d)


def test_mnist_dir_images_file_holding_labels(tmp_path):
    d, images, labels = mnist_dir(tmp_path)
    write_idx(d / "train-images-idx3-ubyte", labels)
    with pytest.raises(DataError, match="expected images .* found a 1-D array"):
        read_mnist_dir(d)


def test_mnist_dir_plain_file_wins_over_its_gzip(tmp_path):
    d, images, labels = mnist_dir(tmp_path)
    write_idx(d / "train-images-idx3-ubyte.gz", 255 - images, gz=True)
    ds = read_mnist_dir(d)
    assert isinstance(ds.X, np.memmap)
    np.testing.assert_array_equal(ds.X, images.reshape(len(images), -1))


def test_mnist_dir_dotted_spelling(tmp_path):
    d, images, labels = mnist_dir(tmp_path)
    (d / "train-images-idx3-ubyte").rename(d / "train-images.idx3-ubyte")
    (d / "train-labels-idx1-ubyte").rename(d / "train-labels.idx1-ubyte")
    ds = read_mnist_dir(d)
    np.testing.assert_array_equal(ds.X, images.reshape(len(images), -1))
    assert ds.y.tolist() == labels.tolist()


@pytest.mark.parametrize("values", [[0.0, 1.5, 2.0], [0.0, np.nan, 1.0], [0.0, 1e19, 1.0]])
def test_mnist_dir_labels_that_are_not_integers_are_refused(tmp_path, values):
    """Labels of type float (IDX codes 0x0D, 0x0E) were cast to int64: 1.5 became 1, NaN and
    1e19 became -9223372036854775808."""
    d, _, _ = mnist_dir(tmp_path, m=3)
    p = write_idx(d / "train-labels-idx1-ubyte", np.array(values, dtype=np.float32), code=0x0D)
    with pytest.raises(DataError) as error:
        read_mnist_dir(d)
    assert str(error.value) == (
        f"{p}: expected labels (magic 0x00000801: m values, or another integer type), "
        "found a 1-D array of >f4"
    )


def test_mnist_dir_images_that_are_not_bytes(tmp_path):
    d, images, labels = mnist_dir(tmp_path)
    write_idx(d / "train-images-idx3-ubyte", images.astype(np.int32), code=0x0C)
    with pytest.raises(DataError, match=r"expected images .* found a 3-D array of >i4"):
        read_mnist_dir(d)


def test_csv_weight_column_is_taken_out_of_the_features(tmp_path):
    p = write(tmp_path / "w.csv", "a,w,b,label\n1,0.5,2,x\n3,2,4,y\n5,0,6,x\n")
    ds = read_csv(p, weight="w")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.sample_weight, [0.5, 2, 0])
    assert ds.feature_names == ["a", "b"]
    assert read_csv(p).sample_weight is None


def test_csv_bad_weight_columns(tmp_path):
    p = write(tmp_path / "w.csv", "a,w,label\n1,-1,x\n3,2,y\n")
    with pytest.raises(DataError, match="sample weight -1 in row 0 is negative"):
        read_csv(p, weight="w")
    with pytest.raises(DataError, match="no column named 'weight'"):
        read_csv(p, weight="weight")
    with pytest.raises(DataError, match="is the label column"):
        read_csv(p, weight="label")


def test_a_weight_column_by_name_without_a_header_is_named_in_the_error(tmp_path):
    p = write(tmp_path / "w.csv", "1,0.5,0\n2,1,1\n")
    with pytest.raises(
        DataError, match="the sample-weight column 'w' is given by name, but header"
    ):
        read_csv(p, label=2, weight="w", header=False)


def test_csv_weight_column_with_the_label_column_before_it(tmp_path):
    p = write(tmp_path / "w.csv", "label,a,w,b\nx,1,0.5,2\ny,3,2,4\nx,5,0,6\n")
    ds = read_csv(p, label="label", weight="w")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.sample_weight, [0.5, 2, 0])
    assert ds.feature_names == ["a", "b"]


def test_a_negative_weight_names_its_row(tmp_path):
    p = write(tmp_path / "w.csv", "a,w,label\n1,1,x\n3,2,y\n5,-0.5,x\n")
    with pytest.raises(DataError, match=r"sample weight -0\.5 in row 2 is negative"):
        read_csv(p, weight="w")


# --------------------------------------------------------------------------- ignored columns

PEOPLE = "id,name,age,fare,y\n1,Ann Lee,30,7.5,0\n2,Bo Ma,40,8.5,1\n3,Cy Ng,50,9.5,0\n"


def test_ignored_columns_are_left_out_of_the_features(tmp_path):
    p = write(tmp_path / "people.csv", PEOPLE)
    ds = read_csv(p, ignore=["id", "name"])  # text in "name": never read as a number
    assert ds.X.dtype == np.float64 and ds.X.tolist() == [[30, 7.5], [40, 8.5], [50, 9.5]]
    assert ds.feature_names == ["age", "fare"] and ds.y.tolist() == [0, 1, 0]
    assert ", 2 features, " in ds.description
    by_index = read_csv(p, ignore=[0, -4])  # -4: "name"
    assert np.array_equal(by_index.X, ds.X) and by_index.feature_names == ["age", "fare"]
    text = read_csv(p, ignore=["id"], cells="text")
    assert text.X[:, 0].tolist() == ["Ann Lee", "Bo Ma", "Cy Ng"] and text.X.shape == (3, 3)
    weighted = read_csv(p, label="y", weight="fare", ignore=["name", "id"])
    assert weighted.X.tolist() == [[30], [40], [50]] and weighted.sample_weight.tolist()[0] == 7.5
    assert weighted.feature_names == ["age"]
    headerless = write(tmp_path / "headerless.csv", "1,Ann,30,0\n2,Bo,40,1\n")
    assert read_csv(headerless, ignore=[1], cells="mixed").X.tolist() == [[1, 30], [2, 40]]


@pytest.mark.parametrize(
    "options,message",
    [
        ({"ignore": ["nope"]}, r"no column named 'nope' to ignore; the columns are id, name"),
        ({"ignore": [5]}, r"there is no column 5 to ignore; the file has 5 columns"),
        ({"ignore": ["y"]}, r"the ignored column 'y' is the label column"),
        ({"ignore": [-1]}, r"the ignored column 'y' is the label column"),
        ({"ignore": ["fare"], "weight": "fare"}, r"the ignored column 'fare' is the sample-wei"),
        ({"ignore": ["id", "name", "age", "fare"]}, r"every feature column is ignored"),
        ({"ignore": ["id", "name", "age"], "weight": "fare"}, r"every feature column is ignored"),
        ({"ignore": ["id"], "header": False}, r"the ignored column 'id' is given by name, but h"),
    ],
)
def test_ignoring_a_column_that_is_not_a_feature_is_refused(tmp_path, options, message):
    p = write(tmp_path / "people.csv", PEOPLE)
    with pytest.raises(DataError, match=message):
        read_csv(p, cells="mixed", **options)


def test_features_by_name_take_the_columns_in_their_order(tmp_path):
    p = write(tmp_path / "people.csv", PEOPLE)
    ds = read_csv(p, features=["fare", "age"], cells="text")
    assert ds.X.tolist() == [["7.5", "30"], ["8.5", "40"], ["9.5", "50"]]
    assert ds.feature_names == ["fare", "age"] and ds.y.tolist() == [0, 1, 0]
    with pytest.raises(DataError, match=r"the header lacks the model's columns 'sex', 'class'$"):
        read_csv(p, features=["age", "sex", "class"])
    with pytest.raises(DataError, match="the label column 'y' is one of the feature columns"):
        read_csv(p, features=["age", "y"])


def test_read_features_takes_a_models_columns_by_name(tmp_path):
    p = write(tmp_path / "people.csv", PEOPLE)
    X = read_features(p, 2, features=["fare", "age"])
    assert X.tolist() == [[7.5, 30], [8.5, 40], [9.5, 50]]
    text = read_features(p, 2, cells="text", features=["name", "age"])
    assert text[:, 0].tolist() == ["Ann Lee", "Bo Ma", "Cy Ng"]
    with pytest.raises(DataError, match=r"people.csv: the header lacks the model's column 'sex'$"):
        read_features(p, 2, features=["age", "sex"])
    # no header, or one that names none of them: the columns by position, as before
    positional = write(tmp_path / "positional.csv", "a,b\n1,2\n3,4\n")
    assert read_features(positional, 2, features=["age", "fare"]).tolist() == [[1, 2], [3, 4]]
    wide = write(tmp_path / "wide.csv", "a,b,c,d\n1,2,3,4\n")
    with pytest.raises(DataError, match=r"or a header row naming the model's columns \(age, f"):
        read_features(wide, 2, features=["age", "fare"])


# --------------------------------------------------------------------------- round trips

TABLES = st.tuples(st.integers(2, 12), st.integers(1, 4)).flatmap(
    lambda shape: st.tuples(
        hnp.arrays(
            np.float64,
            shape,
            elements=st.one_of(
                st.integers(-1000, 1000).map(float),
                st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
            ),
        ),
        st.lists(st.integers(0, 3), min_size=shape[0] - 2, max_size=shape[0] - 2).map(
            lambda labels: [0, 1, *labels]  # two classes at least
        ),
    )
)


@settings(max_examples=300, deadline=None)
@given(
    table=TABLES,
    delimiter=st.sampled_from([",", ";", "\t", "|", " "]),
    header=st.booleans(),
    trailing=st.booleans(),
    comma=st.booleans(),
    colours=st.none() | st.lists(st.sampled_from(["red", "green", "blue"]), min_size=12),
)
def test_a_table_written_as_spreadsheets_write_it_reads_back_exactly(
    table, delimiter, header, trailing, comma, colours
):
    """Numbers written with repr (or a decimal comma in a ';' file), with or without a header,
    with or without a delimiter ending every line, with or without a text column first: the
    reader gives back X, y and the names."""
    X, y = table
    m, n = X.shape
    names = [f"x{j}" for j in range(n)] + ["label"]
    cells = [[repr(float(v)) for v in row] + [str(c)] for row, c in zip(X, y, strict=True)]
    if comma and delimiter == ";":
        cells = [[c.replace(".", ",") for c in row] for row in cells]
    if colours is not None:
        names, cells = ["colour", *names], [[colours[i], *row] for i, row in enumerate(cells)]
    end = delimiter if trailing and delimiter != " " else ""
    text = "".join(delimiter.join(line) + end + "\n" for line in [names] * header + cells)
    with tempfile.TemporaryDirectory() as folder:
        ds = read_csv(write(Path(folder) / "t.csv", text), cells="mixed")
    if colours is None:
        np.testing.assert_array_equal(ds.X, X)
    else:
        assert ds.X[:, 0].tolist() == colours[:m]
        np.testing.assert_array_equal(ds.X[:, 1:].astype(np.float64), X)
    assert ds.y.tolist() == y and ds.feature_names == (names[:-1] if header else None)


def workbook(path, rows, more_sheets=()):
    """An .xlsx file whose first sheet holds ``rows`` (lists of cell values)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for name in more_sheets:
        book.create_sheet(name).append(["not", "read"])
    book.save(path)
    return path


def test_an_excel_workbooks_first_sheet_is_read_as_its_csv(tmp_path):
    """Numbers as the sheet holds them, text columns, an empty cell as missing, TRUE and FALSE
    as text, dates as ISO text; the other sheets are not read."""
    rows = [["x", "colour", "flag", "when", "label"]]
    rows += [[0.1 + 0.2 * i, ["red", "blue"][i % 2], i % 3 == 0, datetime.date(2026, 1, 1 + i),
              "ab"[i % 2]] for i in range(6)]  # fmt: skip
    rows[3][1] = None
    p = workbook(tmp_path / "book.xlsx", rows, more_sheets=["notes"])
    from openpyxl import load_workbook

    ds = read_csv(p, label="label", cells="mixed", missing=True)
    assert ds.feature_names == ["x", "colour", "flag", "when"]
    assert ds.y.tolist() == ["a", "b", "a", "b", "a", "b"]
    held = [r[0] for r in load_workbook(p).active.iter_rows(min_row=2, values_only=True)]
    assert [float(v) for v in ds.X[:, 0]] == held and held[1] == 0.3
    assert ds.X[:3, 1].tolist() == ["red", "blue", ""] and ds.X[:2, 2].tolist() == ["TRUE", "FALSE"]
    assert ds.X[0, 3] == "2026-01-01T00:00:00"
    numbers = read_csv(workbook(tmp_path / "n.xlsx", [["a", "b"], [1, 0], [2.5, 1], [-3, 0]]))
    np.testing.assert_array_equal(numbers.X, [[1.0], [2.5], [-3.0]])
    from openpyxl.styles import Font

    book = load_workbook(tmp_path / "n.xlsx")
    book.active.cell(row=2, column=6).font = Font(bold=True)  # a sheet six columns wide
    book.save(tmp_path / "wide.xlsx")
    assert next(load_workbook(tmp_path / "wide.xlsx").active.iter_rows(values_only=True)) == (
        "a", "b", None, None, None, None
    )  # fmt: skip
    np.testing.assert_array_equal(read_csv(tmp_path / "wide.xlsx").X, numbers.X)
    assert read_features(tmp_path / "n.xlsx", 1, features=["a"]).tolist() == [[1.0], [2.5], [-3.0]]


def test_a_workbook_that_cannot_be_read_is_one_line(tmp_path, monkeypatch):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"fake\.xlsx: not an Excel workbook that can be read"):
        read_csv(fake)
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(DataError, match=r"empty\.xlsx: the file is empty"):
        read_csv(empty)
    book = workbook(tmp_path / "book.xlsx", [[1, 2]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if it were not installed
    with pytest.raises(DataError, match=r"reading \.xlsx files needs openpyxl: pip install"):
        read_csv(book)


def parquet_file(path, columns: dict, metadata=None):
    """A Parquet file of the table ``columns`` (name -> pyarrow array or list)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet

    table = pa.table(columns)
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    pyarrow.parquet.write_table(table, path)
    return path


def test_a_parquet_files_table_is_read_as_its_csv(tmp_path):
    """Numbers exactly (float32 too), text and categorical (dictionary) columns, a null as
    missing, booleans and dates as text; pandas' index column (named in its metadata) left
    out."""
    pa = pytest.importorskip("pyarrow")
    x = [0.1 + 0.2 * i for i in range(6)]
    p = parquet_file(
        tmp_path / "t.parquet",
        {
            "__index_level_0__": [10, 11, 12, 13, 14, 15],
            "x": x,
            "small": pa.array([0.1, 1e-8, 3.0, 0.5, 2.0, -1.5], pa.float32()),
            "count": pa.array([1, 2, None, 4, 5, 2**53 + 1], pa.int64()),
            "colour": pa.array(["red", "blue", None, "red", "blue", "red"]).dictionary_encode(),
            "flag": [True, False, True, None, False, True],
            "when": [datetime.date(2026, 1, 1 + i) for i in range(6)],
            "label": list("ababab"),
        },
        metadata={b"pandas": json.dumps({"index_columns": ["__index_level_0__"]}).encode()},
    )
    ds = read_csv(p, label="label", cells="mixed", missing=True)
    assert ds.feature_names == ["x", "small", "count", "colour", "flag", "when"]
    assert ds.y.tolist() == list("ababab")
    assert [float(v) for v in ds.X[:, 0]] == x
    small = np.array([float(v) for v in ds.X[:, 1]]).astype(np.float32)
    np.testing.assert_array_equal(small, np.array([0.1, 1e-8, 3.0, 0.5, 2.0, -1.5], np.float32))
    assert ds.X[:3, 2].tolist() == ["1", "2", ""] and ds.X[5, 2] == str(2**53 + 1)  # exactly
    assert ds.X[:3, 3].tolist() == ["red", "blue", ""]
    assert ds.X[:4, 4].tolist() == ["true", "false", "true", ""] and ds.X[0, 5] == "2026-01-01"
    numbers = parquet_file(tmp_path / "n.parquet", {"a": [1, 2, 3], "b": [0.5, -2.0, 7.25]})
    np.testing.assert_array_equal(read_csv(numbers, label="b").X, [[1.0], [2.0], [3.0]])
    assert read_features(numbers, 1, features=["a"]).tolist() == [[1.0], [2.0], [3.0]]
    assert load(numbers, label="a").m == 3


def test_a_parquet_file_that_cannot_be_read_is_one_line(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    fake = tmp_path / "fake.parquet"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"fake\.parquet: not a Parquet file that can be read \("):
        read_csv(fake)
    nested = parquet_file(
        tmp_path / "img.parquet",
        {"image": pa.array([b"\x89PNG"]), "pixels": [[1, 2]], "label": [1]},
    )
    with pytest.raises(
        DataError,
        match=r"img\.parquet: column 'image' is of type binary; deltaprop reads columns of "
        r"numbers, text, booleans, dates and times \(columns of other types: image, pixels\)$",
    ):
        read_csv(nested)
    empty = parquet_file(tmp_path / "empty.parquet", {"a": pa.array([], pa.int64()), "b": []})
    with pytest.raises(DataError, match=r"empty\.parquet: a header row but no data rows"):
        read_csv(empty)
    book = parquet_file(tmp_path / "ok.parquet", {"a": [1, 2], "b": [0, 1]})
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    with pytest.raises(DataError, match=r"reading \.parquet files needs pyarrow: pip install"):
        read_csv(book)


def sheets(path, named: dict):
    """An .xlsx file with a sheet of each name in ``named`` (its rows, lists of cell values), in
    that order."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in named.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def labelled(m: int, offset: float = 0.0) -> list[list]:
    """A header and ``m`` rows: x, z, label ("a" or "b")."""
    return [["x", "z", "label"], *([i + offset, -i, "ab"[i % 2]] for i in range(m))]


def test_a_sheet_is_read_by_its_name_or_its_number_from_1(tmp_path):
    """A name that is all digits names its sheet before any number does; a name is found in
    any case, as Excel finds it; the data's description names a sheet that is not the first."""
    book = sheets(
        tmp_path / "book.xlsx",
        {"first": labelled(2, 100), "train": labelled(6), "3": labelled(4, 0.5)},
    )
    assert read_csv(book).X[:, 0].tolist() == [100, 101]  # the first sheet, as before
    for sheet in ("train", "TRAIN", 2, "2"):
        ds = read_csv(book, sheet=sheet)
        assert ds.X[:, 0].tolist() == [0, 1, 2, 3, 4, 5] and ds.y.tolist() == list("ababab")
        assert ds.description.startswith(f"{book} (sheet 'train'): 6 examples, 2 features")
    assert read_csv(book, sheet="3").X[:, 0].tolist() == [0.5, 1.5, 2.5, 3.5]  # the name "3"
    assert read_csv(book, sheet=np.int64(3)).X[:, 0].tolist() == [0.5, 1.5, 2.5, 3.5]
    assert read_csv(book, sheet="first").description.startswith(f"{book}: 2 examples")
    assert load(book, sheet="train").m == 6
    assert read_features(book, 2, sheet="3", features=["x", "z"])[:, 0].tolist() == [
        0.5, 1.5, 2.5, 3.5
    ]  # fmt: skip
    from deltaprop.data import first_row, read_columns

    assert first_row(book, sheet=2) == ["x", "z", "label"]
    assert read_columns(book, ["label"], sheet="train") == [[c] for c in "ababab"]


def test_a_sheet_the_workbook_lacks_is_named_with_those_it_has(tmp_path):
    book = sheets(tmp_path / "book.xlsx", {"train": labelled(4), "test": labelled(4)})
    with pytest.raises(DataError, match=r"book\.xlsx: no sheet named 'tset'; its sheets are "):
        read_csv(book, sheet="tset")
    with pytest.raises(DataError, match=r"its sheets are 'train', 'test'$"):
        read_csv(book, sheet="tset")
    for number in (3, "3", 0):
        with pytest.raises(
            DataError, match=rf"book\.xlsx: no sheet {number}; the workbook has 2 sheets \("
        ):
            read_csv(book, sheet=number)
    for wrong in (1.0, True):
        with pytest.raises(DataError, match=r"sheet must be a sheet's name or its number \(fr"):
            read_csv(book, sheet=wrong)
    csv_file = write(tmp_path / "d.csv", "x,z,label\n1,2,a\n3,4,b\n")
    with pytest.raises(DataError, match=r"d\.csv: sheet='train' picks a sheet of an Excel wor"):
        read_csv(csv_file, sheet="train")
    with pytest.raises(DataError, match=r"book\.xlsx: encoding='cp1251' is for delimited text"):
        read_csv(book, encoding="cp1251")
    np.savez(tmp_path / "d.npz", X=np.eye(3), y=np.arange(3))
    with pytest.raises(DataError, match=r"d\.npz: unknown option 'sheet'; its options are test"):
        load(tmp_path / "d.npz", sheet="train")


CYRILLIC = "имя;город;рост;метка\nИван;Москва;1,5;да\nОльга;Тверь;2,5;нет\nПётр;Омск;0,5;да\n"


def test_a_file_in_another_encoding_is_read_in_the_one_given(tmp_path):
    """Cyrillic text saved by Excel in Windows-1251 decodes as Windows-1252 too, into other
    letters: the guess is said, with the option that reads it right."""
    p = tmp_path / "d.csv"
    p.write_bytes(CYRILLIC.encode("cp1251"))
    guessed = read_csv(p, cells="mixed")
    assert guessed.y.tolist() == ["äà", "íåò", "äà"] and guessed.feature_names[0] == "èìÿ"
    assert guessed.description.startswith(
        f"{p} (not UTF-8: read as Windows-1252; --encoding NAME reads another): 3 examples"
    )
    for name in ("cp1251", "CP1251", "windows-1251"):
        ds = read_csv(p, cells="mixed", encoding=name)
        assert ds.y.tolist() == ["да", "нет", "да"] and ds.X[:, 1].tolist() == [
            "Москва",
            "Тверь",
            "Омск",
        ]
        assert ds.feature_names == ["имя", "город", "рост"] and ds.X[0, 2] == "1.5"
        assert ds.description.startswith(f"{p}: 3 examples")
    given_1252 = read_csv(p, cells="mixed", encoding="cp1252")  # not a guess: nothing to say
    assert given_1252.y.tolist() == guessed.y.tolist()
    assert given_1252.description.startswith(f"{p}: 3 examples")
    assert load(p, cells="mixed", encoding="cp1251").y.tolist() == ["да", "нет", "да"]
    assert read_features(p, 3, cells="text", encoding="cp1251")[1].tolist() == [
        "Ольга", "Тверь", "2.5"
    ]  # fmt: skip
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(CYRILLIC.encode("cp1251")))
    assert read_csv(gz, cells="mixed", encoding="cp1251").y.tolist() == ["да", "нет", "да"]


@pytest.mark.parametrize("encoding", ["shift_jis", "gbk", "cp1250", "latin-1", "utf-16"])
def test_the_encodings_of_other_systems_read_back_exactly(tmp_path, encoding):
    labels = {"shift_jis": ["猫", "犬"], "gbk": ["猫", "狗"], "cp1250": ["ąę", "łś"]}
    a, b = labels.get(encoding, ["Zoë", "Ærø"])
    text = f"x,z,label\n1,2,{a}\n3,4,{b}\n5,6,{a}\n"
    p = tmp_path / "d.csv"
    p.write_bytes(text.encode(encoding))
    assert read_csv(p, encoding=encoding).y.tolist() == [a, b, a]


def test_an_unknown_encoding_or_bytes_it_cannot_read_are_one_line(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes("x,label\n1,a\n2,b\n3,\u0434\n".encode())  # UTF-8: a Cyrillic letter, line 4
    for name in ("cp9999", "base64", "rot13", ""):
        with pytest.raises(DataError, match=rf"^unknown encoding '{name}': give one Python k"):
            read_csv(p, encoding=name)
    with pytest.raises(DataError, match=r"^encoding must be the name of a text encoding, got 5"):
        read_csv(p, encoding=5)
    with pytest.raises(
        DataError, match=r"d\.csv, line 4: the bytes d0 are not text in ascii \(is that the fi"
    ):
        read_csv(p, encoding="ascii")
    big = tmp_path / "big.csv.gz"  # past the first megabyte that is decoded at a time
    rows = "".join(f"{i},a\n" for i in range(300_000))
    big.write_bytes(gzip.compress(f"x,label\n{rows}9,\u0434\n".encode()))
    with pytest.raises(DataError, match=r"big\.csv\.gz, line 300002: the bytes d0 are not text"):
        read_csv(big, encoding="ascii")
    p.write_bytes(b"\x81\x8d\x00binary\x90")
    with pytest.raises(DataError, match=r"\(neither .* Windows-1252; --encoding NAME reads anot"):
        read_csv(p)


def test_standard_input_is_read_in_the_encoding_given(tmp_path):
    from deltaprop.data.csvtable import InMemoryFile

    given = InMemoryFile(CYRILLIC.encode("cp1251"), "standard input")
    assert read_csv(given, cells="mixed", encoding="cp1251").y.tolist() == ["да", "нет", "да"]
    with pytest.raises(DataError, match=r"^standard input: sheet='x' picks a sheet of an Exc"):
        read_csv(given, sheet="x")
