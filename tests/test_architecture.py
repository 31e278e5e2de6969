"""The layering of the house, checked: the core stands alone, the CLI is imported by nothing,
the data layer and the core do not know each other, and the code is ruff-clean."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import deltaprop

PACKAGE = Path(deltaprop.__file__).parent  # the installed package (a copy of src/deltaprop)
REPOSITORY = Path(__file__).resolve().parents[1]  # the checkout these tests belong to


def project_imports(path: Path) -> set[str]:
    """The deltaprop modules a file imports (absolute or relative), as dotted names."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if name.startswith("deltaprop"):
                found.add(name)
                found.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deltaprop"))
    return found


def files_of(subpackage: str):
    return sorted((PACKAGE / subpackage).rglob("*.py"))


def third_party_imports(nodes) -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    return {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
        for n in nodes
        if isinstance(n, (ast.Import, ast.ImportFrom)) and not getattr(n, "level", 0)
        for a in (n.names if isinstance(n, ast.Import) else [n])
    } - stdlib


def test_core_imports_only_numpy_and_itself():
    """numpy is the core's one dependency. The optional array libraries of the array API are
    imported lazily (inside functions), by core/arrays.py alone, when a user asks for them."""
    for path in files_of("core"):
        outside = {m for m in project_imports(path) if not m.startswith("deltaprop.core")}
        assert not outside, f"{path.name} imports {outside}"
        tree = ast.parse(path.read_text())
        module_level = third_party_imports(tree.body)
        assert module_level <= {"numpy"}, f"{path.name}: {module_level}"
        lazy = third_party_imports(ast.walk(tree)) - module_level
        allowed = {"array_api_compat", "cupy"} if path.name == "arrays.py" else set()
        assert lazy <= allowed, f"{path.name} imports {lazy - allowed} inside a function"


def test_data_and_core_do_not_know_each_other():
    for path in files_of("data"):
        outside = {m for m in project_imports(path) if not m.startswith("deltaprop.data")}
        assert not outside, f"{path.name} imports {outside}"


def test_nothing_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__main__.py" or path.parent == PACKAGE / "cli":  # the CLI imports itself
            continue
        assert not any(m.startswith("deltaprop.cli") for m in project_imports(path)), path


def test_importing_deltaprop_pulls_in_no_optional_dependency():
    code = (
        "import sys, deltaprop, deltaprop.core, deltaprop.training, deltaprop.data, deltaprop.io;"
        "print(sorted(m for m in ('sklearn', 'matplotlib', 'rich', 'torch', 'array_api_compat',"
        " 'array_api_strict', 'cupy', 'mpi4py') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff is not installed",
)
@pytest.mark.skipif(not (REPOSITORY / "pyproject.toml").exists(), reason="not a source checkout")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    ruff = Path(sys.executable).parent / "ruff"
    ruff = str(ruff) if ruff.exists() else "ruff"
    result = subprocess.run([ruff, *command, "."], cwd=REPOSITORY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
