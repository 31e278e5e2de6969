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
RUN = {("sklearn.md", 0), ("weights_and_dropout.md", 0), ("weights_and_dropout.md", 1)}


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
