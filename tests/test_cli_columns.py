"""A table as people have them (Kaggle's Titanic): columns left out with ``train --ignore``, and
a model that takes its input columns by name from whatever file ``predict`` or ``evaluate`` is
given."""

import bz2
import csv
import json
import re
import zipfile

import numpy as np
import pytest

from deltaprop import io
from deltaprop.cli import main

HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked"
IGNORE = ["PassengerId", "Name", "Ticket", "Cabin"]
INPUTS = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]
FAST = ["--hidden", "16", "--epochs", "30", "--batch-size", "32", "--quiet"]


def passengers(m: int, seed: int) -> list[list[str]]:
    """Titanic-shaped rows: an identifier, the label, numbers, unique names and tickets, ages
    and ports sometimes missing, cabins mostly missing; women and the first class survive."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(m):
        pclass, sex = int(rng.integers(1, 4)), str(rng.choice(["male", "female"]))
        survived = int((sex == "female") ^ (rng.random() < 0.02 + 0.04 * pclass))
        rows.append(
            [
                str(i + 1),
                str(survived),
                str(pclass),
                f"Passenger, Mr. Number {i}",
                sex,
                "" if rng.random() < 0.1 else f"{rng.uniform(1, 70):.0f}",
                str(rng.integers(0, 4)),
                str(rng.integers(0, 3)),
                f"A/{rng.integers(0, 10**6)}",
                f"{rng.uniform(5, 100) * (4 - pclass):.2f}",
                f"C{rng.integers(1, 150)}" if rng.random() < 0.2 else "",
                "" if rng.random() < 0.03 else str(rng.choice(["S", "C", "Q"])),
            ]
        )
    return rows


def write_table(path, header: list[str], rows, columns=None):
    """A CSV of ``rows`` under ``header``, with only the named ``columns``, in their order."""
    at = [header.index(c) for c in (columns or header)]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header[j] for j in at])
        writer.writerows([[row[j] for j in at] for row in rows])
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *args) -> str:
    code, _, err = cli(capsys, *args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0].removeprefix("deltaprop: error: ")


@pytest.fixture(scope="module")
def titanic(tmp_path_factory):
    """train.csv (300 passengers), test.csv (100 others, without Survived) and the model
    trained on the first with the identifiers and free text ignored."""
    folder = tmp_path_factory.mktemp("titanic")
    header = HEADER.split(",")
    train = write_table(folder / "train.csv", header, passengers(300, 0))
    test_columns = [c for c in header if c != "Survived"]
    test = write_table(folder / "test.csv", header, passengers(100, 1), test_columns)
    model = folder / "model.npz"
    argv = ["train", "--data", train, "--label", "Survived", "--ignore", *IGNORE]
    assert main([*map(str, argv), "--impute", "median", *FAST, "--out", str(model)]) == 0
    return folder, train, test, model


def test_train_leaves_the_ignored_columns_out_and_the_model_names_its_inputs(titanic, capsys):
    _, train, _, model = titanic
    loaded = io.load(model)
    assert loaded.info["features"] == INPUTS and loaded.info["label_name"] == "Survived"
    assert loaded.info["settings"]["ignore"] == IGNORE
    assert loaded.n_features == 7 and loaded.preprocessor.names == INPUTS
    assert ": 300 examples, 7 features (2 of them text" in loaded.info["description"]
    assert loaded.info["metrics"]["test_accuracy"] > 0.75
    lines = cli(capsys, "info", model)[1].splitlines()
    assert "inputs: Pclass, Sex, Age, SibSp, Parch, Fare, Embarked" in lines
    assert "ignored: PassengerId, Name, Ticket, Cabin" in lines
    facts = json.loads(cli(capsys, "info", model, "--json")[1])
    assert facts["inputs"] == INPUTS and facts["ignored"] == IGNORE


def test_predict_takes_the_models_columns_by_name_in_any_order(titanic, capsys, tmp_path):
    _, _, test, model = titanic
    code, out, err = cli(capsys, "predict", model, test)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "prediction,p_0,p_1" and len(lines) == 1 + 100
    # the same passengers with the model's columns alone, in its order, and no header: by position
    with open(test, newline="") as f:
        header, *rows = list(csv.reader(f))
    bare = tmp_path / "bare.csv"
    write_table(bare, header, rows, INPUTS)
    bare.write_text(bare.read_text().split("\n", 1)[1])
    assert cli(capsys, "predict", model, bare)[1] == out
    # every column in the reverse order, plus one the model has never seen
    reversed_ = write_table(tmp_path / "reversed.csv", header, rows, header[::-1])
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "".join(f"{line},x{i}\n" for i, line in enumerate(reversed_.read_text().splitlines()))
    )
    assert cli(capsys, "predict", model, reversed_)[1] == out
    assert cli(capsys, "predict", model, extra)[1] == out


def test_predict_keeps_the_columns_asked_for_beside_the_predictions(titanic, capsys, tmp_path):
    """A submission file: the identifier of each passenger, then its prediction."""
    _, _, test, model = titanic
    plain = cli(capsys, "predict", model, test)[1].splitlines()
    code, out, err = cli(capsys, "predict", model, test, "--keep", "PassengerId", "Name")
    assert code == 0, err
    with open(test, newline="") as f:
        rows = list(csv.DictReader(f))
    kept = list(csv.reader(out.splitlines()))
    assert kept[0] == ["PassengerId", "Name", *plain[0].split(",")]
    assert [row[:2] for row in kept[1:]] == [[r["PassengerId"], r["Name"]] for r in rows]
    assert [",".join(row[2:]) for row in kept[1:]] == plain[1:]  # the same predictions
    assert "'Nope'" in one_line_error(capsys, "predict", model, test, "--keep", "Nope")
    npz = tmp_path / "x.npz"
    np.savez(npz, X=np.zeros((2, 7)))
    assert "--keep copies columns of a CSV" in one_line_error(
        capsys, "predict", model, npz, "--keep", "PassengerId"
    )


def test_predict_writes_a_kaggle_submission_with_labels_only(titanic, capsys, tmp_path):
    """--labels-only: the predicted labels alone, under the training file's label name."""
    _, _, test, model = titanic
    plain = list(csv.reader(cli(capsys, "predict", model, test)[1].splitlines()))
    code, out, err = cli(capsys, "predict", model, test, "--keep", "PassengerId", "--labels-only")
    assert code == 0, err
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["PassengerId", "Survived"] and len(rows) == 101
    assert [row[1] for row in rows[1:]] == [row[0] for row in plain[1:]]
    houses = tmp_path / "houses.csv"
    houses.write_text("size,price\n" + "".join(f"{i},{2 * i}\n" for i in range(40)))
    regression = tmp_path / "r.npz"
    argv = ["train", "--data", houses, "--label", "price", "--regression", *FAST]
    assert cli(capsys, *argv, "--out", regression)[0] == 0
    assert one_line_error(capsys, "predict", regression, houses, "--labels-only") == (
        f"--labels-only writes a classifier's labels; {regression} predicts values, which "
        "predict writes alone already"
    )


def test_evaluate_its_test_part_and_all_of_a_file_by_name(titanic, capsys, tmp_path):
    _, train, _, model = titanic
    code, out, err = cli(capsys, "evaluate", model, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["examples"] == 75
    assert report["accuracy"] == pytest.approx(io.load(model).info["metrics"]["test_accuracy"])
    code, out, err = cli(capsys, "evaluate", model, "--data", train, "--all", "--json")
    assert code == 0, err
    everything = json.loads(out)
    assert everything["examples"] == 300
    # the label found by its name, wherever it is, and the other columns left out
    with open(train, newline="") as f:
        header, *rows = list(csv.reader(f))
    shuffled = write_table(tmp_path / "shuffled.csv", header, rows, sorted(header))
    code, out, err = cli(capsys, "evaluate", model, "--data", shuffled, "--json")
    assert code == 0, err
    assert json.loads(out) == everything
    code, out, err = cli(capsys, "plot", model, "--out", tmp_path / "plots")
    assert code == 0, err
    assert (tmp_path / "plots" / "confusion_matrix.png").exists()


def test_resuming_a_run_with_ignored_columns_gives_the_uninterrupted_weights(titanic, tmp_path):
    _, train, _, _ = titanic
    argv = ["train", "--data", str(train), "--label", "Survived", "--ignore", *IGNORE]
    argv += ["--impute", "median", "--hidden", "8", "--quiet", "--seed", "2"]
    full, checkpoint, resumed = tmp_path / "full.npz", tmp_path / "ckpt.npz", tmp_path / "r.npz"
    assert main([*argv, "--epochs", "6", "--out", str(full)]) == 0
    assert main([*argv, "--epochs", "3", "--checkpoint", str(checkpoint)]) == 0
    assert main(["train", "--resume", str(checkpoint), "--epochs", "6", "--out", str(resumed)]) == 0
    a, b = io.load(full).network, io.load(resumed).network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(P, Q), name
    assert io.load(resumed).info["settings"]["ignore"] == IGNORE


def test_resume_refuses_other_ignored_columns(titanic, capsys, tmp_path):
    _, train, _, _ = titanic
    checkpoint = tmp_path / "ckpt.npz"
    argv = ["train", "--data", train, "--label", "Survived", "--ignore", *IGNORE]
    assert cli(capsys, *argv, "--impute", "median", *FAST[:2], "--epochs", "1", "--quiet",
               "--checkpoint", checkpoint)[0] == 0  # fmt: skip
    assert one_line_error(capsys, "train", "--resume", checkpoint, "--ignore", "Name") == (
        "--resume continues the saved run; --ignore cannot be changed (saved: PassengerId Name "
        "Ticket Cabin)"
    )
    # the same columns in another order are the same run
    again = ["train", "--resume", checkpoint, "--ignore", *IGNORE[::-1], "--epochs", "2"]
    assert cli(capsys, *again, "--out", tmp_path / "again.npz")[0] == 0


def test_more_missing_value_texts_go_from_training_to_prediction(capsys, tmp_path):
    """--missing-values: the model file keeps the texts, so evaluate and predict read them as
    missing values too; resuming with them in another order is the same run."""
    rows = [[["1", "2", "3", "unknown"][i % 4], str(i % 7), "-999" if i % 9 else "4", str(i % 2)]
            for i in range(120)]  # fmt: skip
    train = write_table(tmp_path / "train.csv", ["rating", "x", "z", "y"], rows)
    model, checkpoint = tmp_path / "m.npz", tmp_path / "ckpt.npz"
    argv = ["train", "--data", train, "--label", "y", "--impute", "mean", *FAST[:2], "--quiet"]
    marked = [*argv, "--missing-values", "unknown", "-999"]
    assert cli(capsys, *marked, "--epochs", "2", "--out", model)[0] == 0
    loaded = io.load(model)
    assert loaded.preprocessor.kinds == ["numeric", "numeric", "numeric"]  # 'unknown' is none
    assert loaded.preprocessor.fill[2] == 4.0  # the mean of the z that are not -999
    assert "missing values also written as: unknown, -999" in cli(capsys, "info", model)[1]
    new = write_table(tmp_path / "new.csv", ["x", "z", "rating"], [["1", "-999", "unknown"]])
    code, out, err = cli(capsys, "predict", model, new)
    assert code == 0, err
    rating = repr(float(loaded.preprocessor.fill[0]))  # the training part's mean
    filled = write_table(tmp_path / "filled.csv", ["x", "z", "rating"], [["1", "4", rating]])
    assert out == cli(capsys, "predict", model, filled)[1]
    for where in (["--data", train, "--all"], []):  # a file, and the run's own test part
        code, out, err = cli(capsys, "evaluate", model, *where)
        assert code == 0, err
    assert cli(capsys, *marked, "--epochs", "1", "--checkpoint", checkpoint)[0] == 0
    again = ["train", "--resume", checkpoint, "--missing-values", "-999", "unknown"]
    assert cli(capsys, *again, "--epochs", "2")[0] == 0
    assert one_line_error(capsys, "train", "--resume", checkpoint, "--missing-values", "n/a") == (
        "--resume continues the saved run; --missing-values cannot be changed (saved: unknown -999)"
    )


TRAIN = ["train", "--label", "Survived", "--impute", "median", "--epochs", "1", "--quiet"]


@pytest.mark.parametrize(
    "ignore,message",
    [
        (["Nobody"], "no column named 'Nobody' to ignore; the columns are PassengerId, Survived"),
        (["12"], "there is no column 12 to ignore; the file has 12 columns (indices 0..11"),
        (["-13"], "there is no column -13 to ignore; the file has 12 columns"),
        (["Name", "Survived"], "the ignored column 'Survived' is the label column"),
        (["1"], "the ignored column 'Survived' is the label column"),
        (HEADER.replace("Survived,", "").split(","), "every feature column is ignored; none is"),
    ],
)
def test_ignoring_what_is_not_a_feature_is_one_line(titanic, capsys, ignore, message):
    _, train, _, _ = titanic
    error = one_line_error(capsys, *TRAIN, "--data", train, "--ignore", *ignore)
    assert error == f"{train}: {message}" or error.startswith(f"{train}: {message}")


def test_the_sample_weight_column_cannot_be_ignored(titanic, capsys):
    _, train, _, _ = titanic
    error = one_line_error(
        capsys, *TRAIN, "--data", train, "--sample-weight", "Fare", "--ignore", "Name", "Fare"
    )
    assert error == f"{train}: the ignored column 'Fare' is the sample-weight column"


def test_ignore_applies_to_csv_files_only(capsys):
    error = one_line_error(capsys, "train", "--data", "iris", "--ignore", "0")
    assert error == "--ignore applies to CSV files; iris is a bundled data set"


def test_a_column_the_encoding_cannot_use_says_how_to_leave_it_out(titanic, capsys, tmp_path):
    _, train, _, _ = titanic
    error = one_line_error(capsys, *TRAIN, "--data", train, "--ignore", "PassengerId", "Ticket")
    assert re.match(r"column 'Name': (\d+) distinct text values in \1 training examples", error)
    assert error.endswith("are one-hot encoded); leave it out with --ignore Name")
    with open(train, newline="") as f:
        header, *rows = list(csv.reader(f))
    for row in rows:
        row[header.index("Age")] = ""
    empty = write_table(tmp_path / "no-ages.csv", header, rows)
    error = one_line_error(capsys, *TRAIN, "--data", empty, "--ignore", *IGNORE)
    assert error == (
        "column 'Age': every value of the training part is missing; there is nothing to fill it "
        "with; leave it out with --ignore Age"
    )


def test_a_file_that_lacks_some_of_the_models_columns_is_one_line(titanic, capsys, tmp_path):
    _, train, test, model = titanic
    with open(test, newline="") as f:
        header, *rows = list(csv.reader(f))
    lacking = write_table(tmp_path / "lacking.csv", header, rows, ["Pclass", "Name", "Sex", "Fare"])
    expected = (
        f"{lacking}: the header lacks the model's columns 'Age', 'SibSp', 'Parch', 'Embarked'"
    )
    assert one_line_error(capsys, "predict", model, lacking) == expected
    assert one_line_error(capsys, "evaluate", model, "--data", lacking) == expected
    # the passengers to predict have no label: evaluate says which column it looked for
    error = one_line_error(capsys, "evaluate", model, "--data", test)
    assert error.startswith(f"{test}: no column named 'Survived'; the columns are PassengerId")


def damaged_record_error(titanic, capsys, tmp_path, damage) -> str:
    """predict's one-line error with a model whose ``info`` ``damage`` changed; info still
    shows the rest of the file."""
    _, _, test, model = titanic
    loaded = io.load(model)
    damage(loaded.info)
    damaged = tmp_path / "damaged.npz"
    io.save(loaded, damaged)
    error = one_line_error(capsys, "predict", damaged, test)
    assert cli(capsys, "info", damaged)[0] == 0
    return error


@pytest.mark.parametrize(
    "features", ["Pclass", ["Pclass", "Sex"], [*INPUTS[:-1], 3], [*INPUTS[:-1], "Pclass"]]
)
def test_a_damaged_record_of_the_input_columns_is_one_line(titanic, capsys, tmp_path, features):
    error = damaged_record_error(
        titanic, capsys, tmp_path, lambda info: info.update(features=features)
    )
    assert error.startswith("the model's file records its input columns as ")
    assert error.endswith(", not 7 distinct column names")


@pytest.mark.parametrize("values", ["unknown", [], ["unknown", 3]])
def test_a_damaged_record_of_the_missing_value_texts_is_one_line(titanic, capsys, tmp_path, values):
    error = damaged_record_error(
        titanic, capsys, tmp_path, lambda info: info["settings"].update(missing_values=values)
    )
    assert error.startswith("the model's file records missing_values = ")
    assert error.endswith(", not a list of texts")


def test_a_headerless_file_ignores_columns_by_index(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(120):
        x = rng.normal(size=2)
        rows.append(f"{i},id-{i},{x[0]:.3f},{x[1]:.3f},{int(x[0] + x[1] > 0)}")
    data = tmp_path / "plain.csv"
    data.write_text("\n".join(rows) + "\n")
    model = tmp_path / "plain.npz"
    assert cli(capsys, "train", "--data", data, "--ignore", "0", "1", *FAST, "--out", model)[0] == 0
    loaded = io.load(model)
    assert loaded.n_features == 2 and "features" not in loaded.info
    new = tmp_path / "new.csv"
    new.write_text("1.0,1.0\n-1.0,-1.0\n")
    code, out, err = cli(capsys, "predict", model, new)
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["1", "0"]


def test_keep_needs_the_header_that_the_model_reads_as_one(capsys, tmp_path):
    """A first row of numbers beside the kept column's name is an example for a model that
    takes its columns by position; the rows would not line up, so it is one line."""
    model = tmp_path / "moons.npz"
    assert main(["train", "--data", "moons", "--epochs", "1", "--quiet", "--out", str(model)]) == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("0.5,0.1,id\n0.2,0.3,a\n")
    message = one_line_error(capsys, "predict", model, rows, "--keep", "id")
    assert message.endswith(
        "--keep needs a header row, but the model read the first row as an "
        "example (2 examples from 2 rows)"
    )


def headerless(path, rows) -> str:
    path.write_text("".join(",".join(map(str, row)) + "\n" for row in rows))
    return path


def test_predict_takes_a_headerless_file_laid_out_as_the_training_file(capsys, tmp_path):
    """A file without a header, its label first, a weight and an identifier among the features
    (given by position): predict on the training file itself reads the features where training
    read them. Before, a file of one column more than the features was read as a label last,
    and whole-number labels first were silently taken for a feature."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).round(3)
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    ids, w = np.arange(120), np.ones(120)
    rows = [[y[i], X[i, 0], ids[i], X[i, 1], w[i], X[i, 2]] for i in range(120)]
    train = headerless(tmp_path / "train.csv", rows)
    features = headerless(tmp_path / "features.csv", X.tolist())
    model = tmp_path / "m.npz"
    args = ["--label", "0", "--ignore", "2", "--sample-weight", "-2"]
    assert cli(capsys, "train", "--data", train, *args, *FAST, "--out", model)[0] == 0
    code, from_training_file, err = cli(capsys, "predict", model, train)
    assert code == 0, err
    assert from_training_file == cli(capsys, "predict", model, features)[1]
    wrong = headerless(tmp_path / "wrong.csv", [row[:5] for row in rows])
    assert one_line_error(capsys, "predict", model, wrong) == (
        f"{wrong}: the model was fitted on 3 features; this file has 5 columns (expected 3, or "
        "6 as the training file: the features in columns 2, 4, 6)"
    )


def test_predict_takes_a_headerless_file_with_several_targets_given_by_position(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 2)).round(3)
    rows = [[*x, x[0] + x[1], x[0] - x[1]] for x in X.tolist()]
    train = headerless(tmp_path / "train.csv", rows)
    model = tmp_path / "m.npz"
    argv = ["train", "--data", train, "--label", "2", "3", "--regression", *FAST]
    assert cli(capsys, *argv, "--out", model)[0] == 0
    code, out, err = cli(capsys, "predict", model, train)
    assert code == 0, err
    assert out == cli(capsys, "predict", model, headerless(tmp_path / "x.csv", X.tolist()))[1]
    assert out.startswith("y0,y1\n") and len(out.splitlines()) == len(X) + 1


def test_a_model_whose_label_was_named_takes_a_headerless_file_of_its_features_alone(
    titanic, capsys, tmp_path
):
    """Where the label lay among the columns is not known without a header: a headerless file
    of one column more is refused rather than read as a label last."""
    _, _, _, model = titanic
    rows = [[3, "male", 22, 1, 0, 7.25, "S"], [1, "female", 38, 1, 0, 71.28, "C"]]
    features = headerless(tmp_path / "f.csv", rows)
    assert cli(capsys, "predict", model, features)[0] == 0
    extra = headerless(tmp_path / "g.csv", [[*row, 0] for row in rows])
    assert one_line_error(capsys, "predict", model, extra) == (
        f"{extra}: the model was fitted on 7 features; this file has 8 columns (expected 7, or "
        "a header row naming the model's columns (Pclass, Sex, Age, SibSp, Parch, Fare, "
        "Embarked))"
    )


def test_a_test_file_beside_the_training_file_is_the_test_part(titanic, capsys, tmp_path):
    """train --test-data: the test part is that file, its columns taken by the training file's
    header names (here in another order, with the ignored columns gone), and evaluate tests
    the model on it again."""
    folder, train, _, _ = titanic
    header = HEADER.split(",")
    order = ["Survived", *reversed(INPUTS)]
    test = write_table(tmp_path / "labelled_test.csv", header, passengers(120, 5), order)
    model = tmp_path / "m.npz"
    argv = ["train", "--data", train, "--label", "Survived", "--ignore", *IGNORE]
    code, out, err = cli(capsys, *argv, "--impute", "median", *FAST, "--test-data", test,
                         "--json", "--out", model)  # fmt: skip
    assert code == 0, err
    accuracy = json.loads(out)["test_accuracy"]
    loaded = io.load(model)
    assert loaded.info["settings"]["test_data"] == str(test.resolve())
    assert f"Test part: {test.resolve()}, 120 examples." in loaded.info["description"]
    code, out, err = cli(capsys, "evaluate", model, "--json")
    assert code == 0, err
    assert json.loads(out) | {"accuracy": accuracy, "examples": 120} == json.loads(out)
    code, out, _ = cli(capsys, "evaluate", model)
    assert out.startswith(f"data: {test.resolve()} (test part, 120 examples)\n")
    fewer = write_table(tmp_path / "fewer.csv", header, passengers(20, 6), order[:-1])
    assert one_line_error(capsys, *argv, "--impute", "median", *FAST, "--test-data", fewer) == (
        f"{fewer.resolve()}: the header lacks the model's column 'Pclass'"
    )
    assert one_line_error(capsys, "train", "--data", "iris", "--test-data", test) == (
        f"--test-data {test.resolve()}: the test part must be a file of the training data's "
        "kind (a bundled data set)"
    )


def assert_trains_and_predicts_as_the_csv(capsys, tmp_path, titanic, convert, suffix):
    """The passengers' files converted (``convert(csv_path, path)``) to ``suffix`` files train
    the model the CSV files train, which predicts what the CSV model predicts."""
    _, train, test, _ = titanic
    argv = ["train", "--label", "Survived", "--ignore", *IGNORE, "--impute", "median", *FAST]
    from_csv, from_other = tmp_path / "csv.npz", tmp_path / "other.npz"
    assert cli(capsys, *argv, "--data", train, "--out", from_csv)[0] == 0
    converted = convert(train, tmp_path / f"train{suffix}")
    assert cli(capsys, *argv, "--data", converted, "--out", from_other)[0] == 0
    ours, theirs = io.load(from_csv).network, io.load(from_other).network
    for l in ours.W:
        np.testing.assert_array_equal(ours.W[l], theirs.W[l])
    test_converted = convert(test, tmp_path / f"test{suffix}")
    code, out, err = cli(capsys, "predict", from_other, test_converted, "--keep", "PassengerId")
    assert code == 0, err
    assert out == cli(capsys, "predict", from_csv, test, "--keep", "PassengerId")[1]


def test_an_excel_workbook_trains_and_predicts_as_its_csv_does(titanic, capsys, tmp_path):
    """The same passengers as a workbook (numbers as numbers, empty cells empty)."""
    openpyxl = pytest.importorskip("openpyxl")

    def as_workbook(csv_path, path):
        book = openpyxl.Workbook()
        with open(csv_path, newline="") as f:
            for i, row in enumerate(csv.reader(f)):
                book.active.append([_number(cell) if i else cell for cell in row])
        book.save(path)
        return path

    assert_trains_and_predicts_as_the_csv(capsys, tmp_path, titanic, as_workbook, ".xlsx")


def _number(cell: str):
    """A CSV cell as a spreadsheet holds it: a number, an empty cell (None), or text."""
    if not cell:
        return None
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell


def test_kaggles_zip_and_compressed_files_are_read_as_the_files_they_hold(
    titanic, capsys, tmp_path
):
    """Kaggle serves a competition's files in one zip: deltaprop names them and asks for the one
    to read, which titanic.zip/train.csv names; it trains the model that train.csv does, and
    predict takes titanic.zip/test.csv as test.csv. A zip of train.csv alone trains that model
    too, evaluate reads the zip again, and predict takes a bzip2-compressed test.csv as the
    plain one."""
    _, train, test, model = titanic
    kaggle = tmp_path / "titanic.zip"
    with zipfile.ZipFile(kaggle, "w") as archive:
        for path in (train, test):
            archive.write(path, path.name)
    argv = ["train", "--label", "Survived", "--ignore", *IGNORE, "--impute", "median", *FAST]
    assert one_line_error(capsys, *argv, "--data", kaggle) == (
        f"{kaggle}: a zip archive that holds 2 files (test.csv, train.csv); name the one to "
        f"read, as in {kaggle}/test.csv"
    )
    from_member = tmp_path / "from_member.npz"
    assert cli(capsys, *argv, "--data", f"{kaggle}/train.csv", "--out", from_member)[0] == 0
    for l, W in io.load(model).network.W.items():
        np.testing.assert_array_equal(W, io.load(from_member).network.W[l])
    predicted = cli(capsys, "predict", from_member, f"{kaggle}/test.csv")[1]
    assert predicted == cli(capsys, "predict", model, test)[1]
    zipped = tmp_path / "train.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(train, train.name)
    from_zip = tmp_path / "from_zip.npz"
    assert cli(capsys, *argv, "--data", zipped, "--out", from_zip)[0] == 0
    net, net_zip = io.load(model).network, io.load(from_zip).network
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(net.W[l], net_zip.W[l])
    code, out, err = cli(capsys, "evaluate", from_zip)
    assert code == 0 and f"data: {zipped} (test part" in out, err
    assert out.split("\n", 1)[1] == cli(capsys, "evaluate", model)[1].split("\n", 1)[1]
    compressed = tmp_path / "test.csv.bz2"
    compressed.write_bytes(bz2.compress(test.read_bytes()))
    assert cli(capsys, "predict", from_zip, compressed)[1] == cli(capsys, "predict", model, test)[1]


def test_a_parquet_file_trains_and_predicts_as_its_csv_does(titanic, capsys, tmp_path):
    """The same passengers as Parquet files (typed columns, nulls for the gaps)."""
    pytest.importorskip("pyarrow")
    import pyarrow.csv
    import pyarrow.parquet

    def as_parquet(csv_path, path):
        table = pyarrow.csv.read_csv(csv_path)
        assert table["Age"].null_count > 0 and table.schema.field("Fare").type == "double"
        pyarrow.parquet.write_table(table, path)
        return path

    assert_trains_and_predicts_as_the_csv(capsys, tmp_path, titanic, as_parquet, ".parquet")
