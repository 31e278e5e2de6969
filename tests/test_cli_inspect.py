"""deltaprop inspect: each column of a table as training would take it, and a train command
that works on the table as it is."""

import json
import shlex

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.data import load
from deltaprop.data.profile import profile


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def table(tmp_path):
    """People as a form collects them: an identifier, a name (free text), an age with gaps, a
    rating with a word among its numbers, a colour, and whether they bought (unbalanced)."""
    rng = np.random.default_rng(0)
    m = 120
    lines = ["id,name,age,rating,colour,bought"]
    for i in range(m):
        age = "" if i % 9 == 0 else str(int(rng.integers(18, 80)))
        rating = "unknown" if i % 17 == 0 else str(int(rng.integers(1, 6)))
        colour = ["red", "green", "blue"][i % 3]
        bought = "yes" if i % 12 == 0 else "no"
        lines.append(f"{1000 + i},Person {i},{age},{rating},{colour},{bought}")
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_each_column_is_described_as_training_would_take_it(table):
    columns = {c.name: c for c in profile(load(table, cells="mixed", missing=True))}
    assert list(columns) == ["id", "name", "age", "rating", "colour", "bought"]
    assert columns["id"].kind == "number" and "an identifier? --ignore it" in columns["id"].notes[0]
    assert columns["name"].inputs == 0 and "free text, refused" in columns["name"].notes[0]
    assert columns["age"].missing == 14 and columns["age"].notes == [
        "14 missing: --impute fills them"
    ]
    assert columns["rating"].kind == "text" and columns["rating"].distinct == 6
    assert "mostly numbers, read as categories" in columns["rating"].notes[0]
    assert columns["colour"].inputs == 3 and columns["colour"].notes == []
    assert columns["colour"].values == ["red", "green", "blue"]  # most frequent first; a tie
    label = columns["bought"]
    assert label.role == "label" and label.distinct == 2
    assert label.notes == [
        "2 classes, the smallest 10 examples",
        "unbalanced: --class-weight balanced?",
    ]


def test_the_suggested_command_trains_on_the_table_as_it_is(table, capsys, tmp_path):
    code, out, err = cli(capsys, "inspect", table, "--missing-values", "unknown")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"data: {table}: 120 examples, 5 features")
    assert lines[2].split() == ["column", "kind", "missing", "distinct", "most", "frequent",
                                "inputs", "notes"]  # fmt: skip
    assert "inputs: 5 from 3 columns" in lines  # age, rating (with gaps, as --missing-values
    # says), colour (3 categories); id and name left out
    command = lines[-1].removeprefix("train: ")
    assert command == (
        f"deltaprop train --data {table} --ignore id name --impute median --missing-values unknown"
    )
    argv = shlex.split(command)[1:]
    assert cli(capsys, *argv, "--epochs", "2", "--quiet")[0] == 0
    rating = next(line.split() for line in lines if line.startswith("rating "))
    assert rating[:4] == ["rating", "number", "8", "5"]  # "unknown" read as a gap


def test_a_numeric_label_with_many_values_suggests_regression(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    path = tmp_path / "houses.csv"
    rows = "".join(f"{a:.3f},{b:.3f},{100 + 10 * a + b:.2f}\n" for a, b in X)
    path.write_text("size,age,price\n" + rows)
    code, out, err = cli(capsys, "inspect", path, "--label", "price")
    assert code == 0, err
    assert "78 different values: a number to predict? --regression" in out
    command = out.splitlines()[-1].removeprefix("train: ")
    assert command == f"deltaprop train --data {path} --label price --regression"
    assert cli(capsys, *shlex.split(command)[1:], "--epochs", "2", "--quiet")[0] == 0


def test_inspect_as_json_and_on_a_bundled_set(capsys, table):
    code, out, _ = cli(capsys, "inspect", table, "--json")
    facts = json.loads(out)
    assert [c["name"] for c in facts["columns"]][-1] == "bought"
    assert facts["columns"][2]["missing"] == 14
    assert facts["train"].endswith("--ignore id name --impute median")  # rating: 6 categories
    code, out, _ = cli(capsys, "inspect", "iris")
    assert code == 0 and out.splitlines()[-1] == "train: deltaprop train --data iris"
    assert "label  3 classes, the smallest 50 examples" in out


def test_inspect_errors_are_one_line(capsys, tmp_path):
    for argv, message in [
        (["inspect", tmp_path / "none.csv"], "no file or directory of that name was found"),
        (["inspect", "iris", "--label", "x"], "--label applies to CSV files; iris is a bundled"),
    ]:
        code, _, err = cli(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


def test_values_with_commas_are_quoted_and_long_ones_cut():
    from deltaprop.cli.inspect import _shown

    assert _shown("male") == "male"
    assert _shown("Braund, Mr. Owen") == "'Braund, Mr. Owen'"
    assert _shown("x" * 30) == "x" * 21 + "..."
