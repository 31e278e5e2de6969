"""How files are read, from the command line: a workbook's sheet (``--sheet``, ``--test-sheet``)
and a text file's encoding (``--encoding``), which train records so that evaluate, plot and
``--resume`` read the files again as the run did, and which predict takes for its input."""

import json
import re

import numpy as np
import pytest

from deltaprop import io

from .test_cli_columns import cli, one_line_error

FAST = ["--hidden", "8", "--epochs", "20", "--quiet"]


def rows(m: int, seed: int, label=True) -> list[list]:
    """A header and ``m`` rows of two numbers x1, x2, labelled "up" when x1 + x2 > 0."""
    X = np.random.default_rng(seed).normal(size=(m, 2)).round(3)
    y = np.where(X.sum(axis=1) > 0, "up", "down")
    table = [[float(a), float(b), str(c)] for (a, b), c in zip(X, y, strict=True)]
    return [["x1", "x2", "label"][: 2 + label], *(r[: 2 + label] for r in table)]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """book.xlsx: a first sheet of notes (which no reader can train on), then "train" (300
    rows), "test" (100), and "new" (5 rows without labels)."""
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.title = "notes"
    workbook.active.append(["the data are on the other sheets"])
    for name, table in (("train", rows(300, 1)), ("test", rows(100, 2)), ("new", rows(5, 3, 0))):
        sheet = workbook.create_sheet(name)
        for row in table:
            sheet.append(row)
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    workbook.save(path)
    return path


def accuracy(out: str) -> str:
    """The test accuracy a train or evaluate command printed."""
    return re.search(r"accuracy: (\d\.\d{4})", out).group(1)


def test_train_reads_the_sheets_asked_for_and_evaluate_reads_them_again(book, capsys, tmp_path):
    model = tmp_path / "m.npz"
    argv = ["train", "--data", book, "--sheet", "train", "--test-data", book]
    code, out, err = cli(capsys, *argv, "--test-sheet", "test", *FAST, "--out", model)
    assert code == 0, err
    assert out.startswith(
        f"data: {book.resolve()} (sheet 'train'): 300 examples, 2 features, 2 classes (labels "
        f"from column 'label'). Test part: {book.resolve()} (sheet 'test'), 100 examples.\n"
    )
    assert float(accuracy(out)) > 0.9 and "(100 examples)" in out
    settings = io.load(model).info["settings"]
    assert (settings["sheet"], settings["test_sheet"], "encoding" in settings) == (
        "train", "test", False
    )  # fmt: skip
    code, evaluated, err = cli(capsys, "evaluate", model)
    assert code == 0, err
    assert evaluated.startswith(f"data: {book.resolve()}, sheet test (test part, 100 examples)\n")
    assert accuracy(evaluated) == accuracy(out)
    code, again, err = cli(capsys, "evaluate", model, "--data", book, "--sheet", "3")
    assert code == 0, err  # the test sheet by its number, all of it: the same examples
    assert again.startswith(f"data: {book}, sheet 3 (all, 100 examples)\n")
    assert accuracy(again) == accuracy(out)
    code, whole, err = cli(capsys, "evaluate", model, "--all")
    assert whole.startswith(f"data: {book.resolve()}, sheet train (all, 300 examples)\n"), err


def test_plot_draws_the_test_part_of_the_sheets_the_run_read(book, capsys, tmp_path):
    pytest.importorskip("matplotlib")
    from deltaprop.explain.plots import command_data

    model = tmp_path / "m.npz"
    argv = ["train", "--data", book, "--sheet", "train", *FAST, "--out", model]
    assert cli(capsys, *argv)[0] == 0
    X_test, y_test = command_data(io.load(model), None)
    assert X_test.shape == (2, 75) and y_test.shape == (75,)  # a quarter of the 300 rows
    code, out, err = cli(capsys, "plot", model, "--out", tmp_path / "figures")
    assert code == 0, err
    assert (tmp_path / "figures" / "confusion_matrix.png").exists()
    other = command_data(io.load(model), str(book), sheet="test")  # all 100 rows of "test"
    assert other.m == 100 and other.X.shape[1] == 2
    code, out, err = cli(capsys, "plot", model, "--data", book, "--sheet", "test",
                         "--out", tmp_path / "other")  # fmt: skip
    assert code == 0 and (tmp_path / "other" / "confusion_matrix.png").exists(), err
    assert "--sheet and --encoding say how to read --data" in one_line_error(
        capsys, "plot", model, "--sheet", "test", "--out", tmp_path / "x"
    )


def test_resume_reads_the_saved_sheet_and_refuses_another(book, capsys, tmp_path):
    """A run resumed from its checkpoint ends with the weights of the run left uninterrupted,
    which it could not if it read another sheet; changing the sheet is refused."""
    checkpoint, resumed, whole = tmp_path / "ck.npz", tmp_path / "resumed.npz", tmp_path / "w.npz"
    argv = ["train", "--data", book, "--sheet", "train", "--hidden", "8", "--quiet"]
    assert cli(capsys, *argv, "--epochs", "2", "--checkpoint", checkpoint)[0] == 0
    code, _, err = cli(capsys, "train", "--resume", checkpoint, "--epochs", "4", "--out", resumed)
    assert code == 0, err
    assert cli(capsys, *argv, "--epochs", "4", "--out", whole)[0] == 0
    ours, theirs = io.load(resumed).network, io.load(whole).network
    for l in ours.W:
        np.testing.assert_array_equal(ours.W[l], theirs.W[l])
    assert one_line_error(capsys, "train", "--resume", checkpoint, "--sheet", "test") == (
        "--resume continues the saved run; --sheet cannot be changed (saved: train)"
    )
    # not recorded, as in a checkpoint from before the option: the default, which stays
    assert one_line_error(capsys, "train", "--resume", checkpoint, "--encoding", "cp1251") == (
        "--resume continues the saved run; --encoding cannot be changed (saved: the default)"
    )


def test_a_run_on_the_first_sheet_records_no_sheet_and_reads_the_first(book, capsys, tmp_path):
    """The settings a run records without --sheet and --encoding are those older versions
    recorded (which refuse settings they do not know when they resume), and a model file
    without them reads the first sheet."""
    from deltaprop.cli.resume import RUN_KEYS, WHEN_GIVEN

    plain = tmp_path / "plain.xlsx"
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    for row in rows(200, 4):
        workbook.active.append(row)
    workbook.create_sheet("other").append(["not", "data"])
    workbook.save(plain)
    model, checkpoint = tmp_path / "m.npz", tmp_path / "ck.npz"
    argv = ["train", "--data", plain, *FAST, "--out", model, "--checkpoint", checkpoint]
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    assert out.startswith(f"data: {plain.resolve()}: 200 examples")
    for path in (model, checkpoint):
        recorded = io.load_any(path)[0].info["settings"]
        assert set(recorded) == set(RUN_KEYS) - set(WHEN_GIVEN)
    code, evaluated, err = cli(capsys, "evaluate", model)
    assert code == 0, err
    assert evaluated.startswith(f"data: {plain.resolve()} (test part, 50 examples)\n")
    assert accuracy(evaluated) == accuracy(out)


def test_predict_reads_the_sheet_asked_for(book, capsys, tmp_path):
    model = tmp_path / "m.npz"
    assert cli(capsys, "train", "--data", book, "--sheet", "train", *FAST, "--out", model)[0] == 0
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("".join(",".join(map(str, row)) + "\n" for row in rows(5, 3, False)))
    code, out, err = cli(capsys, "predict", model, book, "--sheet", "new")
    assert code == 0, err
    assert out == cli(capsys, "predict", model, csv_file)[1]
    assert len(out.splitlines()) == 6 and out.startswith("prediction,p_down,p_up\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sheet", "tset"], "{book}: no sheet named 'tset'; its sheets are 'notes', 'train', "),
        (["--sheet", "5"], "{book}: no sheet 5; the workbook has 4 sheets (numbered from 1: "),
        (["--sheet", "0"], "{book}: no sheet 0; the workbook has 4 sheets (numbered from 1: "),
        (
            ["--sheet", "train", "--test-sheet", "test"],
            "--test-sheet test is a sheet of --test-data; give --test-data (the sheet of --data "
            "is --sheet)",
        ),
        (["--encoding", "cp1251"], "--encoding cp1251 is for delimited text files (CSV, TSV, "),
    ],
)
def test_a_sheet_that_is_not_there_or_an_option_that_does_not_apply_is_one_line(
    book, capsys, args, message
):
    line = one_line_error(capsys, "train", "--data", book, *args, *FAST)
    assert line.startswith(message.format(book=book.resolve())), line


def test_sheet_and_encoding_are_refused_where_they_change_nothing(book, capsys, tmp_path):
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n")
    np.savez(tmp_path / "d.npz", X=np.eye(4), y=np.arange(4) % 2)
    (tmp_path / "mnist").mkdir()
    sheet = "--sheet x picks a sheet of an Excel workbook (.xlsx); "
    encoding = "--encoding x is for delimited text files (CSV, TSV, .txt); "
    folder = tmp_path.resolve()
    for data, option, message in [
        ("iris", "--sheet", f"{sheet}iris is a bundled data set"),
        (csv_file, "--sheet", f"{sheet}{folder}/d.csv is not one"),
        ("digits", "--encoding", f"{encoding}digits is a bundled data set"),
        ("moons", "--encoding", f"{encoding}moons is a synthetic data set"),
        (tmp_path / "d.npz", "--encoding", f"{encoding}{folder}/d.npz is an .npz file"),
        (tmp_path / "mnist", "--encoding", f"{encoding}{folder}/mnist is a folder of IDX files"),
        (tmp_path / "d.parquet", "--encoding", f"{encoding}{folder}/d.parquet is a Parquet file"),
    ]:
        assert one_line_error(capsys, "train", "--data", data, option, "x", *FAST) == message
    test = ["train", "--data", book, "--sheet", "train", "--test-data", csv_file]
    assert one_line_error(capsys, *test, "--test-sheet", "2", *FAST) == (
        f"--test-sheet 2 picks a sheet of an Excel workbook (.xlsx); {folder}/d.csv is not one"
    )
    model = tmp_path / "m.npz"
    assert (
        cli(capsys, "train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model)[0] == 0
    )
    assert one_line_error(capsys, "predict", model, csv_file, "--sheet", "1") == (
        f"--sheet 1 picks a sheet of an Excel workbook (.xlsx); {csv_file} is not one"
    )
    assert one_line_error(capsys, "predict", model, "-", "--sheet", "1") == (
        "--sheet 1 picks a sheet of an Excel workbook (.xlsx); standard input is not one"
    )
    assert one_line_error(capsys, "predict", model, book, "--encoding", "latin-1") == (
        f"--encoding latin-1 is for delimited text files (CSV, TSV, .txt); {book} is an Excel "
        "workbook"
    )
    assert one_line_error(capsys, "predict", model, tmp_path / "d.npz", "--encoding", "gbk") == (
        f"--encoding gbk is for delimited text files (CSV, TSV, .txt); {tmp_path / 'd.npz'} is "
        "an .npz file"
    )


CITIES = ["Москва", "Тверь", "Омск"]


@pytest.fixture(scope="module")
def cyrillic(tmp_path_factory):
    """people.csv, saved as Excel saves CSV on a Russian system (Windows-1251, ';', decimal
    commas): name, city, height and a label, да or нет; new.csv, two people to predict."""
    folder = tmp_path_factory.mktemp("cyrillic")
    rng = np.random.default_rng(0)
    lines = ["имя;город;рост;метка"]
    for i in range(120):
        city = int(rng.integers(3))
        height = f"{rng.normal() + city:.2f}".replace(".", ",")
        lines.append(f"Иван{i};{CITIES[city]};{height};{'да' if city == 0 else 'нет'}")
    (folder / "people.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1251"))
    new = "имя;город;рост\nПётр;Москва;0,1\nОльга;Омск;2,2\n"
    (folder / "new.csv").write_bytes(new.encode("cp1251"))
    return folder


def test_a_cp1251_file_trains_and_predicts_its_labels_exactly(cyrillic, capsys):
    people, new, model = (cyrillic / n for n in ("people.csv", "new.csv", "model.npz"))
    argv = ["train", "--data", people, "--label", "метка", "--ignore", "имя"]
    code, out, err = cli(capsys, *argv, "--encoding", "cp1251", *FAST, "--out", model)
    assert code == 0, err
    assert out.startswith(f"data: {people.resolve()}: 120 examples, 2 features (1 of them text")
    assert io.load(model).info["settings"]["encoding"] == "cp1251"
    assert io.load(model).info["features"] == ["город", "рост"]
    code, predicted, err = cli(
        capsys, "predict", model, new, "--encoding", "cp1251", "--keep", "имя"
    )
    assert code == 0, err
    lines = predicted.splitlines()
    assert lines[0] == "имя,prediction,p_да,p_нет"
    assert [line.split(",")[:2] for line in lines[1:]] == [["Пётр", "да"], ["Ольга", "нет"]]
    code, evaluated, err = cli(capsys, "evaluate", model)  # the file read in cp1251 again
    assert code == 0, err
    assert accuracy(evaluated) == accuracy(out)
    # without --encoding, predict reads the header as Windows-1252, which names no column
    assert one_line_error(capsys, "predict", model, new) == (
        f"{new} (not UTF-8: read as Windows-1252; --encoding NAME reads another): the model was "
        "fitted on 2 features; this file has 3 columns (expected 2, or a header row naming the "
        "model's columns (город, рост))"
    )


def test_without_encoding_a_cp1251_file_is_read_as_windows_1252(cyrillic, capsys):
    """Every byte of Windows-1251 text decodes in Windows-1252 too, into other letters: the
    model learns those, the description says what was guessed, and predict writes them back."""
    people, new, model = (cyrillic / n for n in ("people.csv", "new.csv", "guessed.npz"))
    code, out, err = cli(capsys, "train", "--data", people, "--ignore", "0", *FAST, "--out", model)
    assert code == 0, err
    assert out.startswith(
        f"data: {people.resolve()} (not UTF-8: read as Windows-1252; --encoding NAME reads "
        "another): 120 examples"
    )
    garbled = [word.encode("cp1251").decode("cp1252") for word in ("да", "нет")]
    assert garbled == ["äà", "íåò"]
    code, predicted, err = cli(capsys, "predict", model, new)
    assert code == 0, err
    assert predicted.splitlines()[0] == f"prediction,p_{garbled[0]},p_{garbled[1]}"
    assert predicted.splitlines()[1].split(",")[0] == garbled[0]


def test_an_encoding_unknown_or_wrong_is_one_line(cyrillic, capsys):
    people = cyrillic / "people.csv"
    assert one_line_error(capsys, "train", "--data", people, "--encoding", "cp9999") == (
        "unknown encoding 'cp9999': give one Python knows, such as utf-8, cp1251, cp1250, "
        "shift_jis, gbk or latin-1"
    )
    assert one_line_error(capsys, "train", "--data", people, "--encoding", "utf-8") == (
        f"{people.resolve()}, line 1: the bytes e8 are not text in utf-8 (is that the file's "
        "encoding?)"
    )
    model = cyrillic / "iris.npz"
    assert (
        cli(capsys, "train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model)[0] == 0
    )
    bad = cyrillic / "bad.csv"
    bad.write_bytes(b"5.1,3.5,1.4,0.2\n4.9,3.0,1.4,0.2\n4.7,3.2,1.3,\xff\n")
    assert one_line_error(capsys, "predict", model, bad, "--encoding", "base64") == (
        "unknown encoding 'base64': give one Python knows, such as utf-8, cp1251, cp1250, "
        "shift_jis, gbk or latin-1"
    )
    assert one_line_error(capsys, "predict", model, bad, "--encoding", "ascii") == (
        f"{bad}, line 3: the bytes ff are not text in ascii (is that the file's encoding?)"
    )


def test_info_shows_the_sheet_in_the_data_it_describes_and_its_settings(book, capsys, tmp_path):
    model = tmp_path / "m.npz"
    assert cli(capsys, "train", "--data", book, "--sheet", "2", *FAST, "--out", model)[0] == 0
    code, out, _ = cli(capsys, "info", model, "--json")
    facts = json.loads(out)
    assert facts["settings"]["sheet"] == "2"
    assert facts["data"].startswith(f"{book.resolve()} (sheet 'train'): 300 examples")
    text = cli(capsys, "info", model)[1].splitlines()
    assert f"data: {facts['data']}" in text
    assert next(line for line in text if line.startswith("settings: ")).endswith(", sheet 2")
