"""The Python examples of docs/ run as written, where a CPU can run them, and show what their
comments say. The README's have their own test (test_readme.py)."""

import re
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).parent.parent / "docs"

#: Every Python example of docs/, by file and position, and why a test does not run it here.
NOT_RUN = {
    ("array_api.md", 0): "needs a GPU (PyTorch and CuPy on CUDA)",
    ("distributed.md", 0): "runs under mpiexec (test_distributed.py runs DistributedTrainer)",
    ("sklearn.md", 1): "the parity experiment: minutes of cross-validation",
}
RUN = {
    ("learning.md", 0),
    ("sklearn.md", 0),
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
