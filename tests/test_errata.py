"""The errata of the seed: every verdict is computed, every wrong formula is shown failing, every
corrected one passes, and the LaTeX table compiles on an A4 page without overfull boxes."""

import json
import re
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from deltaprop.report import errata
from deltaprop.report.errata import (
    VERDICTS,
    errata_entry,
    errata_json,
    errata_latex,
    errata_records,
    errata_summary,
)

WRONG = 1e-2  # a seed formula whose relative error is above this is wrong
RIGHT = 1e-7  # a formula whose relative error is below this agrees with the finite differences
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def records():
    return errata_records(seed=0)


def by_key(records, key):
    (record,) = [r for r in records if r.key == key]
    return record


def fails(error) -> bool:
    """The numeric verdict shows a failure: a large relative error, or what broke, in words."""
    if isinstance(error, str):
        return bool(re.search(r"shape|broadcast|inf", error))
    return error is not None and error > WRONG


# ---------------------------------------------------------------------- the records


def test_every_entry_is_complete_and_numbered_in_order(records):
    assert [r.id for r in records] == [f"E{k}" for k in range(1, len(records) + 1)]
    assert len({r.key for r in records}) == len(records)
    for r in records:
        assert r.verdict in VERDICTS, r.id
        assert r.section and r.seed_latex and r.correct_latex and r.explanation, r.id
        assert re.match(r"[123]\b|2\.\d", r.section), r.section
        assert r.explanation.isascii(), r.id  # plain text for the terminal and for LaTeX
        # Every entry says something computed: an error, a finding or a value.
        assert r.seed_error is not None or r.finding or r.value is not None, r.id


def test_the_audit_covers_every_section_of_the_seed(records):
    sections = " ".join(r.section for r in records)
    for number in ("2.1.2", "2.1.3", "2.1.4", "2.2", "2.3", "2.4", "2.5.1", "2.5.2", "2.5.3",
                   "2.5.4", "2.5.5", "2.6", "3 "):  # fmt: skip
        assert number in sections, number
    verdicts = {r.verdict for r in records}
    assert verdicts == set(VERDICTS)


def test_the_entries_follow_the_seeds_order(records):
    """The table lists the seed's equations in the order the seed writes them."""
    assert [r.key for r in records] == [
        "shapes", "bias_shape", "y_hat_shape", "cost_notation", "architecture", "forward",
        "loss", "dJ_dA", "dJ_dA_softmax", "update", "chain_rule", "dW3", "db3", "delta3",
        "dW2", "db2", "delta2", "dW1", "db1", "relu", "relu_prime", "relu_output",
        "general_dW", "general_db", "general_delta", "delta_L", "delta3_general", "note_dW",
        "note_db", "note_delta", "note_delta_L",
    ]  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_formulas_fail_and_corrected_ones_pass(seed):
    for r in errata_records(seed=seed):
        if r.verdict == "wrong":
            assert fails(r.seed_error), (r.id, r.key, r.seed_error)
        if r.verdict == "correct" and isinstance(r.seed_error, float):
            assert r.seed_error < RIGHT, (r.id, r.key, r.seed_error)
        if r.verdict == "inherited":
            # wrong numbers along the seed's chain, yet right as a step on the true delta
            assert fails(r.seed_error), (r.id, r.seed_error)
            assert any(isinstance(c.seed_error, float) and c.seed_error < RIGHT for c in r.also)
        if r.verdict == "ambiguous":
            # one reading fails (shape or number), another one passes
            readings = [r.seed_error, r.literal_reading, *(c.seed_error for c in r.also)]
            assert any(fails(x) for x in readings), r.id
        for error in [r.correct_error, *(c.correct_error for c in r.also)]:
            assert error is None or error < RIGHT, (r.id, r.key, error)
        if isinstance(r.seed_error, float):
            assert r.correct_error is not None, r.id  # a gradient formula has its correction


def test_an_ambiguous_entry_shows_a_reading_that_passes_and_one_that_fails(records):
    """As the legend defines it: right under one reading, wrong under another, both shown."""
    for r in records:
        if r.verdict == "ambiguous":
            readings = [r.seed_error, r.literal_reading, *(c.seed_error for c in r.also)]
            assert any(fails(x) for x in readings), r.id
            assert any(isinstance(x, float) and x < RIGHT for x in readings), r.id


def test_the_settings_stay_off_the_kink_with_positive_outputs():
    for seed in SEEDS:
        literal, intended = errata.draw_settings(seed)
        for l in (1, 2):
            assert np.abs(literal.Z[l]).min() >= errata.MARGIN
        assert literal.Z[3].min() >= errata.OUTPUT_FLOOR and (literal.net.b[3] > 0).all()
        assert literal.net.output == "relu" and intended.net.output == "softmax"
        np.testing.assert_array_equal(literal.Z[2], intended.Z[2])  # same weights and data


# ---------------------------------------------------------------------- named findings


def test_the_sign_of_dJ_dA_and_the_missing_1_over_m(records):
    m = errata.M
    assert by_key(records, "dJ_dA").seed_error > 0.5
    # Y - A against (A - Y)/m: opposite directions, relative error exactly 1
    assert by_key(records, "dJ_dA_softmax").seed_error == pytest.approx(1.0, abs=1e-6)
    # softmax: the seed's delta[3] is m times too large; (m - 1)/(m + 1) in relative error
    (softmax,) = by_key(records, "delta3").also
    assert softmax.seed_error == pytest.approx((m - 1) / (m + 1), abs=1e-6)
    # 2.6: dJ/dA[L] already carries 1/m, so delta[L] is m times too small
    assert by_key(records, "delta_L").seed_error == pytest.approx((m - 1) / (m + 1), abs=1e-6)
    assert by_key(records, "delta3_general").value == pytest.approx(1.0, abs=1e-9)


def test_dW3_is_wrong_for_relu_but_right_for_softmax(records):
    record = by_key(records, "dW3")
    assert record.seed_error > WRONG
    assert record.also[0].label == errata.SOFTMAX_CE and record.also[0].seed_error < RIGHT
    assert record.literal_reading == "shape error: (2, 5) @ (2, 5)"


def test_shape_findings(records):
    assert by_key(records, "db2").seed_error == "shape (3, 5), expected (3, 1)"
    assert by_key(records, "db1").seed_error == "shape (4, 5), expected (4, 1)"
    assert by_key(records, "general_db").seed_error == "shape (2, 5), expected (2, 1)"
    assert by_key(records, "loss").seed_error == "shape error: (2, 5) @ (2, 5)"
    assert by_key(records, "note_delta").seed_error == "shape error: (3, 2) * (2, 5)"
    assert by_key(records, "bias_shape").seed_error == "broadcast error: (4, 5) + (4,)"
    assert "(2, 2)" in by_key(records, "note_db").finding


def test_loss_matrix_trace_and_silent_bias_error(records):
    loss = by_key(records, "loss")
    assert loss.value < 1e-12 and "(2, 2) matrix" in loss.finding  # trace = the true cost
    assert by_key(records, "bias_shape").value > 1e-2  # n[1] = m: runs, and Z[1] is wrong
    assert by_key(records, "forward").value == 0
    assert by_key(records, "update").value == pytest.approx(1, abs=1e-2)
    assert by_key(records, "relu_output").seed_error.startswith("J = inf")


def test_db3_is_wrong_for_relu_right_for_softmax_and_sums_over_the_examples(records):
    """2.5.1's db[3] with the sum over the examples: right for softmax, as the explanation says;
    the sum over every entry gives one number where a column is needed."""
    softmax, every_entry = by_key(records, "db3").also
    assert softmax.label == errata.SOFTMAX_CE and softmax.seed_error < RIGHT
    assert every_entry.label == "sum over every entry"
    assert every_entry.seed_error == "shape (), expected (2, 1)"


def test_the_hidden_steps_carry_the_factor_m_of_the_seeds_softmax_delta3(records):
    """For softmax the seed's delta[3] is m times too large, and each step below is linear in it:
    delta[2], dW[2] and dW[1] along the seed's chain are m times too large too."""
    m = errata.M
    for key in ("dW2", "delta2", "dW1"):
        softmax = by_key(records, key).also[0]
        assert softmax.label == errata.SOFTMAX_CE, key
        assert softmax.seed_error == pytest.approx((m - 1) / (m + 1), abs=1e-6), key


def test_the_two_readings_of_the_sections_3_delta_L(records):
    """With L the cost J the 1/m is counted twice (m times too small); with L the loss of one
    example the formula is right."""
    m = errata.M
    record = by_key(records, "note_delta_L")
    assert record.seed_error == pytest.approx((m - 1) / (m + 1), abs=1e-6)
    (per_example,) = record.also
    assert "per example" in per_example.label and per_example.seed_error < RIGHT


def test_the_cost_notation_finds_gradients_shaped_like_the_parameters(records):
    finding = by_key(records, "cost_notation").finding
    assert "have the shapes of W[l], b[l]" in finding and "NOT" not in finding


def test_the_loss_matrix_off_diagonal_entries_are_the_cross_class_terms():
    """Y log(A[3])^T has entry (k, j) = -(1/m) sum_i Y[k, i] log A[3][j, i]; off the diagonal,
    the log-outputs of class j summed over the examples of class k."""
    literal, _ = errata.draw_settings(0)
    A3, Y, m = literal.A[3], literal.Y, literal.m
    cross = [-np.log(A3[j, Y[k] == 1]).sum() / m for k in range(2) for j in range(2) if j != k]
    finding = by_key(errata_records(), "loss").finding
    assert f"off-diagonal entries up to {max(abs(c) for c in cross):.3g};" in finding


def test_scaling_the_relu_output_by_10_lowers_the_cost_by_log_10(records):
    """ReLU is positively homogeneous: the output layer times 10 multiplies every (positive)
    A[3] by 10, and J = -(1/m) sum Y log A drops by exactly log 10: unbounded below."""
    finding = by_key(records, "relu_output").finding
    J, J_scaled = map(float, re.search(r"`J = ([-\d.]+)`, and ([-\d.]+) with", finding).groups())
    assert J_scaled == pytest.approx(J - np.log(10), abs=2e-3)


def test_the_literal_readings_say_which_matrix_product_fails(records):
    assert by_key(records, "chain_rule").literal_reading == "shape error: (2, 5) @ (2, 5)"
    assert by_key(records, "general_delta").literal_reading == "shape error: (3, 5) @ (3, 5)"
    assert by_key(records, "db1").literal_reading == "shape error: (4, 5) @ (4, 5)"
    assert by_key(records, "note_delta_L").literal_reading == "shape error: (2, 5) @ (2, 5)"


# ---------------------------------------------------------------------- recomputed, not typed in


def test_a_corrected_dJ_dA_makes_the_seed_side_pass(monkeypatch):
    before = by_key(errata_records(), "dJ_dA").seed_error
    monkeypatch.setattr(errata, "seed_dJ_dA3", lambda A3, Y: -Y / A3 / Y.shape[1])
    after = by_key(errata_records(), "dJ_dA").seed_error
    assert before > WRONG and after < RIGHT


def test_a_summed_db_turns_the_shape_finding_into_a_passing_error(monkeypatch):
    def summed(W_next, delta_next, gp, product=errata.hadamard):
        return product(W_next.T @ delta_next, gp).sum(axis=1, keepdims=True)

    monkeypatch.setattr(errata, "seed_db_hidden", summed)
    records = errata_records()
    assert by_key(records, "db2").seed_error < 0.9  # a number now, no longer a shape finding
    monkeypatch.setattr(errata, "_seed_deltas", lambda s: s.delta)  # and the true deltas
    records = errata_records()
    assert by_key(records, "db2").seed_error < RIGHT
    assert by_key(records, "db1").seed_error < RIGHT


def test_a_seed_delta3_with_the_1_over_m_passes_for_softmax(monkeypatch):
    monkeypatch.setattr(
        errata, "seed_delta3", lambda A3, Y, gp3, product=errata.hadamard: (A3 - Y) * gp3 / 3
    )
    assert by_key(errata_records(), "delta3").also[0].seed_error > WRONG  # 1/3 is not 1/m
    monkeypatch.setattr(
        errata,
        "seed_delta3",
        lambda A3, Y, gp3, product=errata.hadamard: (A3 - Y) * gp3 / Y.shape[1],
    )
    records = errata_records()
    assert by_key(records, "delta3").also[0].seed_error < RIGHT
    assert by_key(records, "dW2").also[0].seed_error < RIGHT  # the chain below is healed too


def test_a_broken_engine_would_be_caught(monkeypatch):
    """The corrected side comes from the engine: break its cross-entropy derivative and the
    corrected errors rise above the threshold."""
    from deltaprop.core import losses

    broken = replace(losses.LOSSES["cross_entropy"], dJ_dA=lambda A, Y, w: -w * Y / A / 2)
    monkeypatch.setitem(losses.LOSSES, "cross_entropy", broken)
    record = by_key(errata_records(), "dJ_dA")
    assert record.correct_error > WRONG


def test_a_broken_engine_is_caught_by_every_output_layer_comparison(monkeypatch):
    """The finite differences do not come from the engine's backward pass: with its ReLU+CE
    derivative halved, every corrected dJ/dA[3], delta[3] and dW[3], db[3] is far from them."""
    from deltaprop.core import losses

    broken = replace(losses.LOSSES["cross_entropy"], dJ_dA=lambda A, Y, w: -w * Y / A / 2)
    monkeypatch.setitem(losses.LOSSES, "cross_entropy", broken)
    records = errata_records()
    for key in ("dJ_dA", "chain_rule", "dW3", "db3", "delta3", "delta_L", "note_delta_L"):
        assert by_key(records, key).correct_error > WRONG, key


def test_a_summed_db_still_inherits_the_seeds_delta3(monkeypatch):
    """db[2] and db[1] are fed the seed's own chain: summed over the examples they lose the
    shape finding, yet stay wrong until delta[3] is."""

    def summed(W_next, delta_next, gp, product=errata.hadamard):
        return product(W_next.T @ delta_next, gp).sum(axis=1, keepdims=True)

    monkeypatch.setattr(errata, "seed_db_hidden", summed)
    records = errata_records()
    assert by_key(records, "db2").seed_error > WRONG
    assert by_key(records, "db1").seed_error > WRONG


def test_a_seed_delta3_corrected_for_the_relu_output_heals_the_relu_chain(monkeypatch):
    """The ReLU+CE numbers follow the seed's chain on the ReLU network, and the softmax+CE ones
    the chain on the softmax network: heal delta[3] for ReLU only, and only the former pass."""

    def relu_delta3(A3, Y, gp3, product=errata.hadamard):
        return product(-Y / A3 / Y.shape[1], gp3)

    monkeypatch.setattr(errata, "seed_delta3", relu_delta3)
    records = errata_records()
    for key in ("delta3", "dW2", "delta2", "dW1"):
        record = by_key(records, key)
        assert record.seed_error < RIGHT, key
        assert record.also[0].label == errata.SOFTMAX_CE and record.also[0].seed_error > WRONG


def test_the_general_delta_L_with_the_seeds_dJ_dA_uses_seed_dJ_dA3(monkeypatch):
    m = errata.M
    (before,) = by_key(errata_records(), "delta_L").also
    assert before.seed_error > WRONG
    assert before.seed_error != pytest.approx((m - 1) / (m + 1), abs=1e-3)
    monkeypatch.setattr(errata, "seed_dJ_dA3", lambda A3, Y: -Y / A3 / Y.shape[1])
    (after,) = by_key(errata_records(), "delta_L").also
    assert after.seed_error == pytest.approx((m - 1) / (m + 1), abs=1e-6)  # the 1/m twice


@pytest.mark.parametrize(
    ("key", "formula"),
    [
        ("general_dW", "seed_general_dW"),
        ("note_dW", "seed_general_dW"),
        ("general_delta", "seed_delta_recursion"),
        ("note_db", "seed_note_db"),
    ],
)
def test_the_general_entries_check_every_layer_they_name(monkeypatch, key, formula):
    """Break the seed's formula on one layer at a time (told apart by n[l]): every layer the entry
    names in `quantity` turns its verdict's number wrong."""
    original = getattr(errata, formula)
    layers = [int(l) for l in re.findall(r"\[(\d)\]", by_key(errata_records(), key).quantity)]
    assert layers
    for l in layers:

        def broken(*args, l=l, **kwargs):
            result = original(*args, **kwargs)
            return 2 * result if result.shape[0] == errata.SIZES[l] else result

        monkeypatch.setattr(errata, formula, broken)
        assert by_key(errata_records(), key).seed_error > WRONG, (key, l)


# ---------------------------------------------------------------------- the helpers


def test_literal_products_report_shapes():
    P, Q = np.ones((2, 5)), np.ones((2, 5))
    assert errata.outcome(errata.matrix_product, P, Q) == "shape error: (2, 5) @ (2, 5)"
    assert errata.outcome(errata.hadamard, np.ones((3, 2)), Q) == "shape error: (3, 2) * (2, 5)"
    np.testing.assert_array_equal(errata.hadamard(P, 2 * Q), 2 * P)
    assert errata.numeric_verdict(np.ones((3, 5)), np.ones((3, 1))) == (
        "shape (3, 5), expected (3, 1)"
    )


def test_stacked_error_reports_the_first_shape_finding():
    right, wrong = [np.ones((2, 1)), np.ones((3, 1))], [np.ones((2, 1)), np.ones((3, 5))]
    assert errata.stacked_error(wrong, right) == "shape (3, 5), expected (3, 1)"
    assert errata.stacked_error(right, right) == 0


def test_the_seeds_relu_derivative_is_0_at_the_kink_and_below():
    np.testing.assert_array_equal(
        errata.seed_relu_prime(np.array([-1.0, 0.0, 1e-9, 2.0])), [0.0, 0.0, 1.0, 1.0]
    )


def test_central_differences_of_a_quadratic():
    P = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(
        errata.central_differences(lambda x: float(np.sum(x**2)), P), 2 * P, atol=1e-8
    )


def test_latex_prose_typesets_the_notation():
    text = errata.latex_prose("W[l+1]^T delta[3] (.) g' with 50% of y_hat & b_j, 'a' (n_y, m)")
    assert r"$W^{[l+1]\top}$" in text and r"$\delta^{[3]}$" in text and r"$\odot$" in text
    assert r"50\%" in text and r"\&" in text and r"$b_j$" in text and r"$\hat{y}$" in text
    assert "`a'" in text and "$(n_y, m)$" in text
    formula = errata.latex_prose("`-(1/m) Y log(A[3])^T` and `-alpha ||g||^2 / n[l]`")
    assert formula == (
        r"$-\frac{1}{m} Y \log (A^{[3]})^{\top}$ and $-\alpha  \lVert g\rVert ^2\oslash n^{[l]}$"
    )
    with pytest.raises(ValueError, match="backtick"):
        errata.latex_prose("`J")


def test_no_plain_text_math_is_left_in_the_latex(records):
    """The ASCII notation of the explanations, findings and labels is typeset as math."""
    texts = [r.explanation for r in records] + [r.finding for r in records]
    texts += [c.label for r in records for c in r.also] + [r.setting for r in records]
    for text in texts:
        prose = re.sub(r"\$[^$]*\$", "", errata.latex_prose(text))  # the text outside math
        for plain in (r"\_", r"\textbar", r"\textasciicircum", "/m", "alpha", "[", "'("):
            assert plain not in prose, (plain, text)
        assert re.search(r"(?<!\w)'\w", prose) is None, text  # an opening quote as a closing one


def test_every_verdict_is_defined_and_every_number_says_what_it_compares(records):
    for verdict in VERDICTS:
        assert rf"\textbf{{{verdict}}}," in errata.LEGEND, verdict
    for r in records:
        if isinstance(r.seed_error, float) or r.correct_error is not None:
            assert r.quantity, r.id
    for word in ("\\emph{seed}", "\\emph{fixed}", "\\emph{literal}", "\\emph{compared}"):
        assert word in errata.LEGEND, word


def test_entries_refer_to_each_other_by_their_ids(records):
    note_dW, note_delta_L = by_key(records, "note_dW"), by_key(records, "note_delta_L")
    assert note_delta_L.id in note_dW.explanation and note_dW.id in note_delta_L.explanation
    relu_output = by_key(records, "relu_output")
    for key in ("cost_notation", "loss"):  # J < 0 on the ReLU output, explained there
        assert relu_output.id in by_key(records, key).finding, key
    assert not any(re.search(r"<\w+>", r.explanation + r.finding) for r in records)


# ---------------------------------------------------------------------- output


def test_summary_lists_every_entry(records):
    summary = errata_summary(records)
    for r in records:
        assert re.search(rf"^{r.id}\s+.*{r.verdict}", summary, re.MULTILINE), r.id
    assert "shape (3, 5), expected (3, 1)" in summary
    assert "`" not in summary and "compared: dW[3]" in summary


def test_the_summary_shows_each_checks_seed_and_fixed_errors(records):
    summary = errata_summary(records, width=1000)  # one line per detail
    dJ_dA = by_key(records, "dJ_dA")
    assert f"ReLU+CE: seed {dJ_dA.seed_error:.3g}, fixed {dJ_dA.correct_error:.2e}" in summary
    (softmax,) = by_key(records, "delta3").also
    assert f"softmax+CE: seed 0.667, fixed {softmax.correct_error:.2e}" in summary


def test_every_row_of_the_latex_table_carries_its_record(records):
    """Each entry's row: id, section, the seed's form, the correct form, the verdict, every check
    with its seed and fixed errors, the literal reading, the finding; then its explanation."""
    tex = errata_latex(records)
    for r, following in zip(records, [*records[1:], None], strict=True):
        start = tex.index(f"\n{r.id} & ")
        end = tex.index(f"\n{following.id} & ") if following else tex.index(r"\end{longtable}")
        row = tex[start:end]
        assert row.startswith(
            f"\n{r.id} & {errata.latex_escape(r.section)} & {r.seed_latex} & "
            f"{r.correct_latex} & \\textbf{{{r.verdict}}}"
        ), r.id
        checks = [errata.Check(r.setting, r.seed_error, r.correct_error)] * (
            r.seed_error is not None or r.correct_error is not None
        ) + list(r.also)
        for c in checks:
            line = f"{errata.latex_prose(c.label)}: seed {errata.latex_number(c.seed_error)}"
            if c.correct_error is not None:
                line += f"; fixed {errata.latex_number(c.correct_error)}"
            assert line in row, (r.id, line)
        if r.literal_reading:
            assert f"literal: {errata.latex_prose(r.literal_reading)}" in row, r.id
        if r.finding:
            assert errata.latex_prose(r.finding) in row, r.id
        assert f"\\emph{{{errata.latex_prose(r.explanation)}}}" in row, r.id
    row = tex[tex.index("\nE9 & ") :]
    assert "seed $1$; fixed $" in row.split("\n")[1]  # Y - A against (A - Y)/m
    assert "\\midrule\n\\bottomrule" not in tex  # the last entry closes the table, once


def test_latex_fragment_has_every_entry(records):
    tex = errata_latex(records)
    assert r"\begin{longtable}" in tex and r"\toprule" in tex and r"\bottomrule" in tex
    for r in records:
        assert f"\n{r.id} & " in tex, r.id
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    assert r"\ref" not in tex and r"\label" not in tex  # self-contained
    assert tex.count(r"\caption") == 2  # the first page's, and the continuation's
    assert r"\label{tab:errata}" in errata_latex(records, label="tab:errata")


def test_an_entry_in_full_shows_both_forms_why_and_the_numbers(records):
    dJ_dA = by_key(records, "dJ_dA")
    entry = errata_entry(dJ_dA, width=1000).splitlines()
    assert entry[0] == f"{dJ_dA.id}  2.4 Loss function: wrong"
    assert entry[1:4] == [
        "     seed: dJ/dA[3] = Y - A[3]",
        "     correct: dJ/dA[3] = -(1/m) Y / A[3] (element-wise division)",
        "     why: " + dJ_dA.explanation.replace("`", ""),
    ]
    assert entry[4:] == [
        "     compared: dJ/dA[3]",
        f"     ReLU+CE: seed {dJ_dA.seed_error:.3g}, fixed {dJ_dA.correct_error:.2e}",
    ]
    note_delta = errata_entry(by_key(records, "note_delta"), width=1000)
    assert "seed: delta[l] = (W[l+1]^T * delta[l+1]) g[l]'(Z[l])" in note_delta
    assert "why: * is the Hadamard (element-wise) product, not a dot product" in note_delta
    chain = errata_entry(by_key(records, "chain_rule"))
    assert chain.startswith(
        f"{by_key(records, 'chain_rule').id}  2.5.1-2.5.3 Chain rule: ambiguous"
    )


def test_the_json_records_carry_every_field_and_the_plain_forms(records):
    parsed = json.loads(errata_json(records))
    assert [p["id"] for p in parsed] == [r.id for r in records]
    delta2 = next(p for p in parsed if p["key"] == "delta2")
    assert delta2["correct_text"] == "delta[2] = (W[3]^T delta[3]) * g[2]'(Z[2])"
    assert delta2["seed_error"] == by_key(records, "delta2").seed_error
    assert delta2["also"] == [
        {"label": c.label, "seed_error": c.seed_error, "correct_error": c.correct_error}
        for c in by_key(records, "delta2").also
    ]


DOCUMENT = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs,longtable,array}
\begin{document}
\input{errata.tex}
\end{document}
"""


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex is not installed")
def test_latex_compiles_on_a4_without_overfull_boxes(records, tmp_path):
    (tmp_path / "errata.tex").write_text(errata_latex(records))
    (tmp_path / "doc.tex").write_text(DOCUMENT)
    if shutil.which("latexmk"):
        command = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    else:  # two runs settle longtable's column widths
        command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
        subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=120)
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").exists()
    overfull = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(x <= 10 for x in overfull), overfull
    undefined = r"Reference `[^']*' on page \d+ undefined|There were undefined references"
    assert not re.search(undefined, log), "undefined references"
