"""The report: built from the code, compiled with LaTeX, read back from the PDF."""

import re
import shutil
import subprocess
import sys

import pytest

from deltaprop.report import build as report
from deltaprop.report.errata import ErratumRecord, errata_records
from deltaprop.report.latex import number

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


def test_the_bias_finding_quotes_the_errata_number_to_three_digits():
    """The errata's finding prints the broadcast error with three significant digits; the notation
    section must print the same digits, whatever the value."""
    record = ErratumRecord("E2", "bias_shape", "", "", "", "wrong", "", value=0.123456)
    finding = report.bias_broadcast_finding([record])
    assert "wrong by up to $0.123$" in finding and "erratum E2" in finding


def test_the_generated_sources_carry_every_erratum_and_its_id(built):
    """errata.tex has a row for every record, and the prose's macro names the ReLU-output one."""
    generated = built.folder / "generated"
    records = errata_records()
    tex = (generated / "errata.tex").read_text()
    for r in records:
        assert f"\n{r.id} & " in tex, r.id
    assert r"\label{tab:errata}" in tex
    (relu_output,) = [r for r in records if r.key == "relu_output"]
    macro = rf"\newcommand{{\ReluOutputErratum}}{{{relu_output.id}}}"
    assert macro in (generated / "numbers.tex").read_text()


def test_the_gradcheck_table_puts_each_error_in_its_row_and_column_and_finds_the_worst():
    hidden = list(report.HIDDEN_ACTIVATIONS)
    rows, error = [], {}
    for k, (output, loss) in enumerate(report.COMBINATIONS):
        for j, h in enumerate(hidden):
            error[output, loss, h] = (k * len(hidden) + j + 1) * 1e-10
            rows.append((output, loss, h, error[output, loss, h]))
    tex, worst = report.gradcheck_table(rows, [("sample weights", 2e-7), ("both", 1e-11)])
    assert worst == 2e-7 and f"The largest is ${number(2e-7)}$" in tex
    for output, loss in report.COMBINATIONS:
        cells = " & ".join(f"${number(error[output, loss, h])}$" for h in hidden)
        line = rf"{report.tex_text(output)} & {report.LOSS_SHORT[loss]} & {cells} \\"
        assert line in tex.splitlines(), (output, loss)


def fake_run(name, accuracy, callbacks=()):
    exp = next(e for e in report.EXPERIMENTS if e.name == name)
    return {
        "name": name, "accuracy": accuracy, "epochs": 3, "m_train": 100, "m_val": 20,
        "m_test": 40, "sizes": [4, 8, 2], "description": "A data set.", "val_accuracy": 0.5,
        "time": 1.0, "callbacks": list(callbacks), "exp": exp,
    }  # fmt: skip


def test_the_results_table_gives_each_runs_split_and_test_accuracy():
    tex = report.results_fragment([fake_run("digits", 0.91234), fake_run("moons", 0.875)])
    assert re.search(r"^digits & 4--8--2 & 3 & .* & 100/20/40 & 0\.9123 \\\\$", tex, re.M)
    assert re.search(r"^moons & .* & 100/20/40 & 0\.8750 \\\\$", tex, re.M)
    assert "test accuracy of 0.9123 after 3 epochs" in tex


def test_a_run_with_callbacks_must_say_which_weights_it_tests():
    runs = [fake_run("digits", 0.9), fake_run("moons", 0.8, callbacks=["early stopping"])]
    with pytest.raises(report.ReportError, match="callbacks"):
        report.final_weights(runs)


def test_the_worked_example_prints_the_cost_of_its_own_pass():
    net, X, y = report.seed_network_example()
    assert rf"$\mathcal{{J}} = {number(net.cost(X, y))}$" in report.worked_example()


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


def test_wide_boxes_of_either_kind_are_reported_from_just_over_10pt():
    log = (
        "Overfull \\hbox (10.0pt too wide) in paragraph at lines 1--2\n"
        "Overfull \\vbox (10.5pt too high) has occurred while \\output is active\n"
    )
    (found,) = report.latex_warnings(log)
    assert "vbox (10.5pt" in found


def test_without_latexmk_the_build_stops_before_the_experiments(tmp_path, monkeypatch):
    """TeX is checked first, and both latexmk and pdflatex are needed."""

    def experiments(*args, **kwargs):
        raise AssertionError("the experiments ran")

    monkeypatch.setattr(report, "write_fragments", experiments)
    monkeypatch.setattr(report.shutil, "which", lambda name: None if name == "latexmk" else name)
    with pytest.raises(report.ReportError, match="apt-get install latexmk"):
        report.build(out=tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_without_matplotlib_the_build_names_the_extra_before_the_experiments(tmp_path, monkeypatch):
    """A user who installed only the data sets' extra learns at once everything that is
    missing, not one library per try."""

    def experiments(*args, **kwargs):
        raise AssertionError("the experiments ran")

    monkeypatch.setattr(report, "write_fragments", experiments)
    monkeypatch.setattr(report, "find_spec", lambda name: None if name == "matplotlib" else name)
    with pytest.raises(report.ReportError) as caught:
        report.build(out=tmp_path / "r.pdf", tex_only=tmp_path / "tex")
    assert str(caught.value) == "the report needs matplotlib: pip install 'deltaprop[report]'"
    monkeypatch.setattr(report, "find_spec", lambda name: None)
    with pytest.raises(report.ReportError, match="needs scikit-learn and matplotlib: pip"):
        report.build(out=tmp_path / "r.pdf")


def test_the_pdf_replaces_the_old_one_atomically(tmp_path, monkeypatch):
    """A reader of the old report (here, a second link to it) keeps the old file, whole: the new
    PDF is written beside it and renamed over it, not written into it."""
    out, other = tmp_path / "report.pdf", tmp_path / "old.pdf"
    out.write_bytes(b"old report")
    other.hardlink_to(out)

    def compiled(folder):
        (folder / "report.pdf").write_bytes(b"new report")
        return folder / "report.pdf", []

    monkeypatch.setattr(report, "require_tex", lambda: None)
    monkeypatch.setattr(report, "write_fragments", lambda folder, quick=False: {})
    monkeypatch.setattr(report, "compile_pdf", compiled)
    result = report.build(out=out)
    assert result.pdf == out and out.read_bytes() == b"new report"
    assert other.read_bytes() == b"old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf", "report.pdf"]


@pytest.mark.skipif(not HAVE_TEX, reason="TeX Live (latexmk, pdflatex) or pdftotext missing")
def test_a_latex_error_is_named_in_the_message(tmp_path):
    (tmp_path / "report.tex").write_text(
        "\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}\n"
    )
    with pytest.raises(report.ReportError, match="Undefined control sequence"):
        report.compile_pdf(tmp_path)


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
