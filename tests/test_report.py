"""The report: built from the code, compiled with LaTeX, read back from the PDF."""

import re
import shutil
import subprocess
import sys

import pytest

from deltaprop.report import build as report

HAVE_TEX = all(shutil.which(tool) for tool in ("latexmk", "pdflatex", "pdftotext"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One quick build for the module: the PDF when TeX is here, else the sources only."""
    folder = tmp_path_factory.mktemp("report")
    if HAVE_TEX:
        return report.build(out=folder / "report.pdf", quick=True)
    return report.build(quick=True, tex_only=folder / "tex")


def test_sources_fragments_and_figures_are_written(built):
    folder = built.folder
    assert (folder / "report.tex").exists()
    for name in ("numbers", "worked_example", "shape_table", "errata", "gradcheck", "results"):
        assert (folder / "generated" / f"{name}.tex").stat().st_size > 100, name
    for figure in ("digits_curves", "digits_confusion", "moons_boundary", "spirals_boundary"):
        assert (folder / "figures" / f"{figure}.pdf").exists(), figure
    assert built.numbers["gradcheck_worst"] < 1e-7


@pytest.mark.skipif(not HAVE_TEX, reason="TeX Live (latexmk, pdflatex) or pdftotext missing")
def test_pdf_reads_back_with_its_sections_algorithms_and_numbers(built):
    assert built.pdf.exists() and built.warnings == []
    text = subprocess.run(
        ["pdftotext", "-layout", str(built.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in (
        "Problem and notation",
        "Architecture",
        "Forward propagation",
        "Backward propagation",
        "The algorithmic framework",
        "A worked example",
        "Errata of the seed",
        "Verification",
        "Results",
    ):
        assert title in text, title
    for caption in (
        "Algorithm 1 Forward pass",
        "Algorithm 2 Backward pass",
        "Algorithm 3 Mini-batch gradient descent",
    ):
        assert re.search(r"\s+".join(caption.split()), text), caption
    accuracy = f"{built.numbers['digits_accuracy']:.4f}"
    assert f"test accuracy of {accuracy}" in " ".join(text.split())  # this run's number


def test_the_bias_broadcast_error_is_one_number(built):
    """The notation section and the errata quote the same computed error (on the same network)."""
    generated = built.folder / "generated"
    notation = re.search(r"wrong by up to \$([-\d.]+)\$", (generated / "numbers.tex").read_text())
    errata = re.search(r"off by up to ([-\d.]+)", (generated / "errata.tex").read_text())
    assert notation and errata and notation[1] == errata[1]


@pytest.mark.skipif(not HAVE_TEX, reason="TeX Live (latexmk, pdflatex) or pdftotext missing")
def test_tables_and_figures_are_numbered_consecutively(built):
    text = subprocess.run(
        ["pdftotext", str(built.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for kind in ("Table", "Figure"):
        numbers = sorted({int(n) for n in re.findall(rf"\b{kind} (\d+):", text)})
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 2, (kind, numbers)


def test_latex_warnings_are_found():
    log = (
        "LaTeX Warning: Reference `sec:x' on page 1 undefined on input line 3.\n"
        "Overfull \\hbox (3.5pt too wide) in paragraph at lines 1--2\n"
        "Overfull \\hbox (12.25pt too wide) in paragraph at lines 4--5\n"
    )
    found = report.latex_warnings(log)
    assert len(found) == 2 and "12.25pt" in found[1] and "sec:x" in found[0]


def test_without_tex_the_cli_says_what_to_install(tmp_path, monkeypatch):
    code = (
        "import shutil, sys; shutil.which = lambda name: None;"
        "from deltaprop.cli import main; sys.exit(main(['report', '--quick', '--out',"
        f" {str(tmp_path / 'r.pdf')!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install latexmk" in lines[0] and "--tex-only" in lines[0]
    assert not (tmp_path / "r.pdf").exists()
