"""The README's Python examples run as written and print what they say; its command lines, file
layout and install lines name what exists."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SRC = ROOT / "src" / "deltaprop"

pytestmark = pytest.mark.skipif(not README.exists(), reason="not a source checkout")


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


def deltaprop_arguments(text: str) -> list[list[str]]:
    """The arguments of every ``deltaprop`` program (``deltaprop``, ``.venv/bin/deltaprop``, ...)
    run on a ``$ `` line of the console blocks of ``text``."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if not line.startswith("$ "):
                continue
            words = shlex.split(line[2:], comments=True)
            for k, word in enumerate(words):
                if word.split("/")[-1] == "deltaprop":
                    found.append(words[k + 1 :])
                    break
    return found


def test_the_command_lines_parse_and_show_every_command():
    """Each ``$ deltaprop ...`` line has options the command takes, and the block of command
    lines shows every command."""
    from deltaprop.cli import COMMANDS
    from deltaprop.cli.parser import build_parser

    shown = set()
    for arguments in deltaprop_arguments(README.read_text()):
        shown.add(build_parser().parse_args(arguments).command)  # a UsageError if not
    assert shown == set(COMMANDS)


def layout() -> dict[str, str]:
    """The README's Layout block: each path that starts a line, with its description (the
    indented lines under it included)."""
    section = README.read_text().split("\n## Layout\n", 1)[1]
    block = re.search(r"```\n(.*?)```", section, flags=re.S).group(1)
    entries = {}
    for line in block.splitlines():
        if line[:1].strip():
            path, _, text = line.partition(" ")
            entries[path] = text.strip()
        else:
            entries[path] += " " + line.strip()
    return entries


def test_the_layout_names_every_module_and_no_other():
    entries = layout()
    packages = {path for path in entries if path.startswith("src/") and path.endswith("/")}
    listed = {path for path in entries if path.startswith("src/") and path.endswith(".py")}
    files = set()
    for package in packages:
        files |= {package + name for name in re.findall(r"[\w/]+\.\w+\b", entries[package])}
    assert all((ROOT / path).is_file() for path in files | listed)
    listed |= {path for path in files if path.endswith(".py")}
    modules = {p.relative_to(ROOT).as_posix() for p in SRC.rglob("*.py")}
    inits = {path for path in modules if path.endswith("/__init__.py")}
    assert listed == modules - inits
    assert packages == {path.removesuffix("__init__.py") for path in inits} - {"src/deltaprop/"}
    docs = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert set(re.findall(r"\w+\.md", entries["docs/"])) == docs


def test_the_tex_packages_are_those_the_report_asks_for():
    from deltaprop.report.build import TEX_PACKAGES

    text = " ".join(README.read_text().split())
    (packages,) = re.findall(r"`apt-get install ([^`]*)`", text)
    assert packages.split() == TEX_PACKAGES.split()


def test_the_names_the_readme_lists_are_the_librarys():
    """Activations, losses and data sets: the README lists each of them, and no other."""
    from deltaprop.core import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
    from deltaprop.data import BUNDLED, SYNTHETIC
    from deltaprop.training import OPTIMIZERS

    text = " ".join(README.read_text().split())

    def names(start: str, end: str) -> list[str]:
        return re.findall(r"`(\w+)`", text.split(start, 1)[1].split(end, 1)[0])

    assert names("Activations: ", " (hidden or output)") == list(HIDDEN_ACTIVATIONS)
    assert set(names("Activations: ", "(output)")) == set(ACTIVATIONS)
    assert names("Losses: ", ".") == list(LOSSES)
    assert names("the bundled sets ", " (scikit-learn") == list(BUNDLED)
    assert names("the synthetic ", ", or your own") == list(SYNTHETIC)
    assert "five optimizers" in text and len(OPTIMIZERS) == 5


def test_the_defaults_the_readme_gives_are_trains():
    from deltaprop.cli.parser import DEFAULT_LR, build_parser

    text = " ".join(README.read_text().split())
    (command,) = re.findall(r"Without options, `deltaprop train` is `deltaprop ([^`]*)`", text)
    given = vars(build_parser().parse_args(command.split()))
    default = vars(build_parser().parse_args(["train"]))
    assert given.pop("lr") == DEFAULT_LR[default["optimizer"]] and default.pop("lr") is None
    assert given == default  # every other option given has its default value
    rates = text.split("(`--lr` depends on the optimizer: ", 1)[1].split(".)", 1)[0]
    shown = {}
    for rate, names in re.findall(r"([\d.]+) for ((?:`\w+`(?:,| and)? ?)+)", rates):
        shown.update((name, float(rate)) for name in re.findall(r"`(\w+)`", names))
    assert shown == DEFAULT_LR
