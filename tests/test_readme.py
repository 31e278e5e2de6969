"""The README's Python examples run as written and print what they say."""

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.skipif(not README.exists(), reason="not a source checkout")
def test_python_examples_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 3
    namespace = {}  # each block in a fresh namespace: a reader may copy any one of them
    exec(compile(blocks[0], str(README), "exec"), namespace)
    shapes, delta_shape, error = capsys.readouterr().out.splitlines()
    assert shapes == "(4, 3) (4, 1) (3, 5)" and delta_shape == "(3, 5)"
    assert float(error) < 1e-7
    exec(compile(blocks[1], str(README), "exec"), {})
    accuracy = float(capsys.readouterr().out.split()[-1])
    assert accuracy > 0.9
    pytest.importorskip("sklearn")
    namespace = {}
    exec(compile(blocks[2], str(README), "exec"), namespace)
    assert type(namespace["clf"][-1]).__name__ == "DeltaClassifier"
