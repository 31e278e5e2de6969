"""`deltaprop gradcheck`: anyone can check a network's backward pass against finite differences
from the command line; a broken derivative fails it, and the output says when finite
differences themselves cannot be trusted (a ReLU kink, a cost that is not finite)."""

import json

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.core import activations
from deltaprop.explain import check
from deltaprop.explain.check import run_gradcheck

from .test_cli import one_line_error, run


def test_the_seeds_network_passes_and_every_array_has_its_row():
    result = run("gradcheck")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Network(sizes=[3, 4, 3, 2], hidden='relu', output='softmax'")
    rows = {line.split()[0]: line.split()[1:] for line in lines if line[:2] in ("W[", "b[", "al")}
    assert {name: int(n) for name, (n, _) in rows.items()} == {
        "W[1]": 12, "b[1]": 4, "W[2]": 12, "b[2]": 3, "W[3]": 6, "b[3]": 2, "all": 39
    }  # fmt: skip
    assert all(float(error) < 1e-7 for _, error in rows.values())
    assert lines[-1].startswith("passed: the backward pass agrees with finite differences")


def test_options_reach_the_check_and_json_reports_them():
    args = ["--sizes", "2", "8", "8", "1", "--output", "sigmoid", "--m", "7", "--l2", "0.1"]
    result = run("gradcheck", *args, "--dropout", "0.5", "--sample-weights", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["network"]["sizes"] == [2, 8, 8, 1]
    assert report["network"]["loss"] == "binary_cross_entropy"
    assert (report["m"], report["l2"], report["dropout"], report["sample_weights"]) == (
        7, 0.1, 0.5, True
    )  # fmt: skip
    assert report["passed"] and report["relative_error"] < 1e-7
    assert sum(report["entries"].values()) == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1


def test_penalty_weights_and_mask_change_the_checked_gradient():
    plain = run_gradcheck((2, 8, 8, 1), 7, output="sigmoid")
    for options in ({"l2": 0.1}, {"sample_weights": True}, {"dropout": 0.5}):
        other = run_gradcheck((2, 8, 8, 1), 7, output="sigmoid", **options)
        assert other.passed
        assert not np.allclose(other.result.analytic["W[1]"], plain.result.analytic["W[1]"])


def test_a_broken_derivative_fails_with_exit_code_1(monkeypatch, capsys):
    broken = activations.Activation("relu", activations.relu, lambda Z: (Z > 0) * 1.0 + 0.5)
    monkeypatch.setitem(activations.ACTIVATIONS, "relu", broken)
    assert main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: relative error" in out and "passed" not in out


def test_a_kink_under_the_dropout_mask_is_pointed_out(monkeypatch, capsys):
    # With biases at 0 (as a network starts), a column whose inputs are all dropped puts a
    # pre-activation exactly on ReLU's kink: the differences straddle it and disagree.
    monkeypatch.setattr(check, "BIAS_SCALE", 0.0)
    args = ["gradcheck", "--sizes", "2", "8", "8", "1", "--output", "sigmoid", "--m", "7"]
    assert main([*args, "--dropout", "0.5"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "note: a pre-activation lies 0.0e+00 from ReLU's kink at 0" in out


def test_a_cost_that_is_not_finite_is_said_and_the_json_stays_strict():
    result = run("gradcheck", "--output", "relu", "--json")  # the seed's literal ReLU output
    assert result.returncode == 1
    report = json.loads(result.stdout)  # strict JSON: no NaN or Infinity
    assert report["cost"] is None and report["relative_error"] is None
    assert not report["passed"]
    text = run("gradcheck", "--output", "relu")
    assert "note: the cost J is inf at these weights" in text.stdout
    assert text.stderr.startswith("deltaprop: warning: ReLU on the output layer")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--dropout", "1"], "expected a fraction in [0, 1), got '1'"),
        (["--sizes", "3"], "sizes needs at least two widths"),
        (["--eps", "0"], "expected a positive number, got '0'"),
        (["--l2", "-1"], "argument --l2: expected a non-negative number, got '-1'"),
        (["--hidden", "softmax"], "unknown hidden activation 'softmax'"),
    ],
)
def test_bad_options_get_one_line(args, message):
    assert message in one_line_error(run("gradcheck", *args))


def test_max_per_array_samples_entries_of_a_big_network():
    result = run("gradcheck", "--sizes", "30", "40", "10", "--max-per-array", "5", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["entries"]
    assert entries == {"W[1]": 5, "b[1]": 5, "W[2]": 5, "b[2]": 5}
