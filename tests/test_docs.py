"""The Python examples of docs/ run as written, where a CPU can run them, and show what their
comments say; the commands, options, defaults, files and names the pages give exist. The README's
examples have their own test (test_readme.py)."""

import ast
import importlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
BENCHMARKS = ROOT / "benchmarks"
#: The pages a user reads: the README, docs/ and the benchmarks' README.
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), BENCHMARKS / "README.md"]

#: Every Python example of docs/, by file and position, and why a test does not run it here.
NOT_RUN = {
    ("array_api.md", 0): "needs a GPU (PyTorch and CuPy on CUDA)",
    ("distributed.md", 0): "runs under mpiexec (test_distributed.py runs DistributedTrainer)",
    ("sklearn.md", 1): "the parity experiment: minutes of cross-validation",
}
RUN = {
    ("onnx.md", 0),
    ("onnx.md", 1),
    ("your_data.md", 0),
    ("learning.md", 0),
    ("sklearn.md", 0),
    ("sklearn.md", 2),
    ("weights_and_dropout.md", 0),
    ("weights_and_dropout.md", 1),
}


def examples(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)


def run(name: str, position: int) -> dict:
    namespace = {}  # as a reader who copies the one example
    exec(compile(examples(name)[position], str(DOCS / name), "exec"), namespace)
    return namespace


pytestmark = pytest.mark.skipif(not DOCS.exists(), reason="not a source checkout")


def test_every_example_is_either_run_here_or_said_why_not():
    found = {(path.name, k) for path in DOCS.glob("*.md") for k in range(len(examples(path.name)))}
    assert found == RUN | set(NOT_RUN)


def test_the_sklearn_column_transformer_example_predicts_what_its_comment_says():
    pytest.importorskip("sklearn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the MLP's ConvergenceWarning on 40 rows
        ns = run("sklearn.md", 2)
    X_new = np.array([[25, "female", "X"]], dtype=object)
    model, X = ns["model"], ns["X"]
    assert model.predict(X_new).tolist() == [1]
    # MLPClassifier in its place, from the same random_state (the same initial weights),
    # predicts the same labels (its score is 0.75 too: 200 Adam steps of 0.001 do not fit the 40
    # rows). The probabilities differ by up to 7e-4: scikit-learn's Adam adds epsilon elsewhere.
    from sklearn.base import clone
    from sklearn.neural_network import MLPClassifier

    theirs = clone(model).set_params(deltaclassifier=MLPClassifier((8,), random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.fit(X, ns["y"])
    np.testing.assert_array_equal(model.predict(X), theirs.predict(X))


def test_the_sklearn_grid_search_example_gives_the_shapes_its_comments_say():
    pytest.importorskip("sklearn")
    ns = run("sklearn.md", 0)
    clf, n_1 = ns["clf"], ns["clf"].hidden_layer_sizes[0]
    assert ns["search"].predict_proba(ns["X"][:5]).shape == (5, 10)
    assert clf.coefs_[0].shape == (64, n_1)
    assert clf.network_.W[1].shape == (n_1, 64)
    np.testing.assert_array_equal(clf.network_.W[1], clf.coefs_[0].T)
    assert clf.network_.forward(ns["X_scaled"].T).shape == (10, 5)


def test_the_weights_and_dropout_examples_train(capsys):
    pytest.importorskip("sklearn")
    ns = run("weights_and_dropout.md", 0)
    assert ns["X"].shape == (2, 400) and ns["w"].shape == (400,)
    cost = float(capsys.readouterr().out)
    assert cost == pytest.approx(ns["net"].cost(ns["X"], ns["data"].y, sample_weight=ns["w"]))
    assert 0 < cost < np.log(2)  # learned something: below the cost of guessing
    ns = run("weights_and_dropout.md", 1)
    assert ns["clf"].score(ns["X"], ns["y"]) > 0.5
    assert ns["reg"].predict(ns["X"]).shape == (500,)


def test_the_learning_example_checks_a_formula_of_ones_own(capsys):
    ns = run("learning.md", 0)
    seed, right = capsys.readouterr().out.split()
    assert seed == "1.00"  # the seed's dJ/dW[3]: the opposite sign
    assert float(right) < 1e-8 and ns["check"].passed()
    dW, _ = ns["net"].gradients(ns["X"], ns["y"])
    np.testing.assert_allclose(ns["right_dW3"], dW[3])


def console_commands(name: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown under it) of every `$ deltaprop ...` in the console
    blocks of a page; "..." marks lines left out."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", (DOCS / name).read_text(), flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found and line != "...":
                found[-1][1].append(line)
    return found


def test_the_learning_pages_commands_print_what_it_shows(tmp_path):
    import os
    import shlex
    import subprocess
    import sys

    commands = console_commands("learning.md")
    assert len(commands) >= 6
    env = {**os.environ, "COLUMNS": "100"}  # the width the page's trace table was printed at
    for command, shown in commands:
        argv = shlex.split(command)
        assert argv[0] == "deltaprop"
        result = subprocess.run(
            [sys.executable, "-m", "deltaprop", *argv[1:]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert result.returncode == 0, (command, result.stderr)
        printed = result.stdout.splitlines()
        missing = [line for line in shown if line not in printed]
        assert not missing, (command, missing)


def test_the_data_pages_files_and_commands_give_what_it_shows(tmp_path, monkeypatch):
    """docs/your_data.md as a reader follows it: its Python block writes the files in a fresh
    folder, then every command runs there and prints the lines shown (a path printed in full
    is shown relative to that folder)."""
    import shlex

    monkeypatch.chdir(tmp_path)
    run("your_data.md", 0)
    commands = console_commands("your_data.md")
    assert [shlex.split(c)[1] for c, _ in commands] == ["inspect", "train", "info", "predict"]
    for command, shown in commands:
        printed = deltaprop_in(tmp_path, command).replace(f"{tmp_path}/", "").splitlines()
        missing = [line for line in shown if line not in printed]
        assert not missing, (command, missing, printed)


def deltaprop_in(folder, command: str) -> str:
    """What ``command`` (``deltaprop ...``, as a page writes it) prints, run in ``folder``; it
    must succeed."""
    import shlex

    result = subprocess.run(
        [sys.executable, "-m", "deltaprop", *shlex.split(command)[1:]],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, (command, result.stderr)
    return result.stdout


def test_the_onnx_pages_commands_and_examples_print_what_it_shows(tmp_path, monkeypatch, capsys):
    """docs/onnx.md as a reader follows it, in a fresh folder: train and export the iris model,
    whose Python block then prints what its comments say; then the passengers model of
    docs/your_data.md, whose labels from onnxruntime are those deltaprop predict writes."""
    import shlex

    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)

    def deltaprop(command: str) -> list[str]:
        return deltaprop_in(tmp_path, command).splitlines()

    commands = [(c, shown) for c, shown in console_commands("onnx.md") if "pip" not in c]
    assert [shlex.split(c)[1:3] for c, _ in commands] == [
        ["train", "--data"],
        ["export", "iris.npz"],
        ["export", "passengers.npz"],
    ]
    for command, shown in commands[:2]:
        printed = deltaprop(command)
        assert [line for line in shown if line not in printed] == [], (command, printed)
    run("onnx.md", 0)
    said = re.findall(r"print\(.*\)  # (.*?)(?::.*)?$", examples("onnx.md")[0], flags=re.M)
    assert (
        capsys.readouterr().out.splitlines()
        == said
        == [
            "['setosa' 'setosa' 'setosa'] (150, 3)",
            "True",
            "True",
        ]
    )
    run("your_data.md", 0)  # the passengers' files
    deltaprop(console_commands("your_data.md")[1][0])  # train passengers.npz
    command, shown = commands[2]
    assert deltaprop(command) == shown
    run("onnx.md", 1)
    predicted = deltaprop("deltaprop predict passengers.npz new_passengers.csv --labels-only")
    said = re.findall(r"print\(label\)  # (.*)$", examples("onnx.md")[1], flags=re.M)
    assert capsys.readouterr().out.splitlines() == said == [f"[{' '.join(predicted[1:])}]"]


def test_the_pages_command_lines_parse():
    """Every ``$ deltaprop ...`` line of a console block has options its command takes."""
    from deltaprop.cli.parser import build_parser

    from .test_readme import deltaprop_arguments

    lines = [args for page in DOCS.glob("*.md") for args in deltaprop_arguments(page.read_text())]
    assert len(lines) >= 10
    for arguments in lines:
        build_parser().parse_args(arguments)  # a UsageError names what is wrong


def test_the_files_the_pages_name_exist():
    """Paths in the repository (src/..., tests/..., benchmarks/..., docs/...) and relative links."""
    for page in PAGES:
        text = page.read_text()
        named = re.findall(r"(?<![\w/.-])(?:src|tests|benchmarks|docs)/[\w./*-]*[\w*/]", text)
        for path in named:
            assert list(ROOT.glob(path.rstrip("/"))), (page.name, path)
        for link in re.findall(r"\]\(([\w./-]+)(?:#[\w-]*)?\)", text):  # not http://...
            assert (page.parent / link).exists(), (page.name, link)


def test_the_python_names_the_pages_give_exist():
    """``deltaprop.x.y`` names: a module, or an attribute of one."""
    for page in PAGES:
        for name in set(re.findall(r"deltaprop(?:\.[A-Za-z_]\w*)+", page.read_text())):
            parts = name.split(".")
            for k in range(len(parts), 0, -1):
                if parts[:k] == ["deltaprop", "sklearn"]:
                    pytest.importorskip("sklearn")
                try:
                    found = importlib.import_module(".".join(parts[:k]))
                    break
                except ModuleNotFoundError as e:
                    assert e.name.startswith("deltaprop"), e  # not a missing optional package
            for attribute in parts[k:]:
                assert hasattr(found, attribute), (page.name, name)
                found = getattr(found, attribute)


def test_the_extras_the_pages_install_exist():
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = set(pyproject["project"]["optional-dependencies"])
    named = set()
    for page in PAGES:
        for group in re.findall(r"(?:\.|deltaprop)\[([\w,-]+)\]'", page.read_text()):
            named |= set(group.split(","))
    assert named and named <= extras, named - extras


def test_the_sklearn_parameter_table_gives_the_estimators_defaults():
    pytest.importorskip("sklearn")
    from deltaprop.sklearn import DeltaClassifier, DeltaRegressor

    defaults = {**DeltaClassifier().get_params(), **DeltaRegressor().get_params()}
    text = (DOCS / "sklearn.md").read_text()
    table = text.split("\n## Parameters\n", 1)[1].split("\n### ", 1)[0]
    shown = {}
    for row in re.findall(r"^\| (`.*?) \| (`.*?`) \|", table, flags=re.M):
        names = re.findall(r"`(\w+)`", row[0])
        values = [ast.literal_eval(v) for v in re.findall(r"`([^`]*)`", row[1])]
        assert len(names) == len(values), row
        shown.update(zip(names, values, strict=True))
    assert shown == defaults


def test_the_benchmarks_readme_lists_every_file():
    rows = re.findall(r"^\| `([^`]+)` \|", (BENCHMARKS / "README.md").read_text(), flags=re.M)
    files = {
        p.name + "/" * p.is_dir()
        for p in BENCHMARKS.iterdir()
        if p.name != "README.md" and not p.name.startswith((".", "__"))
    }
    assert set(rows) == files


def test_the_benchmark_options_the_pages_give_exist():
    """The options of benchmarks/run.py that performance.md and the benchmarks' README list."""
    text = (DOCS / "performance.md").read_text().split("\nOptions: ", 1)[1].split("\n\n", 1)[0]
    text += (BENCHMARKS / "README.md").read_text().split("```console", 1)[1].split("```", 1)[0]
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(named) >= 8 and named <= set(re.findall(r"--[a-z][a-z-]*", result.stdout))
