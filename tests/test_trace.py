"""deltaprop.explain.trace: one pass recorded from the computation, and its renderers."""

import dataclasses
import io
import json
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop import DeltapropWarning, Network
from deltaprop.core import COMBINATIONS
from deltaprop.explain import as_json, as_latex, as_table, as_text, run_trace, trace
from deltaprop.explain.render import example_data, format_matrix, render, totals

SEED_SIZES = [3, 4, 3, 2]
M = 5
# The core's order: the forward loop makes Z[l] then A[l]; the backward pass makes delta[L], then
# for l = L..1 dW[l] and db[l] from delta[l], and delta[l-1] from delta[l] before moving down.
SEED_ORDER = [
    "Z[1]", "A[1]", "Z[2]", "A[2]", "Z[3]", "A[3]",
    "delta[3]", "dW[3]", "db[3]", "delta[2]", "dW[2]", "db[2]", "delta[1]", "dW[1]", "db[1]",
]  # fmt: skip


def data(net, m=M, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((net.n_x, m))
    if net.loss_name == "cross_entropy":
        return X, np.arange(m) % net.n_y
    if net.loss_name == "binary_cross_entropy":
        return X, rng.integers(0, 2, (net.n_y, m))
    return X, rng.standard_normal((net.n_y, m))


def seed_trace(**kwargs):
    net = Network(SEED_SIZES, seed=0, **kwargs)
    X, y = data(net)
    return net, X, y, trace(net, X, y)


def by_name(records):
    return {r.name: r for r in records}


def matmul_flops(op):
    (n, k), (_, m) = (o.shape for o in op.operands)
    return 2 * n * k * m


# ---------------------------------------------------------------------- the seed's network


def test_steps_come_in_the_order_the_core_computes_them():
    *_, records = seed_trace()
    assert [r.name for r in records] == SEED_ORDER
    assert [r.phase for r in records] == ["forward"] * 6 + ["backward"] * 9


def test_shapes_follow_the_notation_table():
    net, _, _, records = seed_trace()
    n, steps = net.sizes, by_name(records)
    for l in range(1, net.L + 1):
        assert records.inputs[f"W[{l}]"].shape == (n[l], n[l - 1])
        assert records.inputs[f"b[{l}]"].shape == (n[l], 1)
        for family in ("Z", "A", "delta"):
            assert steps[f"{family}[{l}]"].shape == (n[l], M)
        assert steps[f"dW[{l}]"].shape == (n[l], n[l - 1])
        assert steps[f"db[{l}]"].shape == (n[l], 1)
        for r in steps.values():
            assert r.value.shape == r.shape
            assert r.operations[-1].shape == r.shape


def test_values_are_those_of_a_plain_pass():
    net, X, y, records = seed_trace()
    dW, db = net.gradients(X, y)  # the same network, unrecorded
    plain = {f"Z[{l}]": net.Z[l] for l in net.Z} | {f"A[{l}]": net.A[l] for l in net.A}
    plain |= {f"delta[{l}]": net.delta[l] for l in net.delta}
    plain |= {f"dW[{l}]": dW[l] for l in dW} | {f"db[{l}]": db[l] for l in db}
    for r in records:
        assert type(r.value) is np.ndarray
        np.testing.assert_array_equal(r.value, plain[r.name], err_msg=r.name)


def test_equations_and_kinds_are_the_reports():
    steps = by_name(seed_trace()[-1])
    assert steps["Z[2]"].equation == "Z[2] = W[2] A[1] + b[2]"
    assert steps["Z[2]"].kinds == ["matrix product", "broadcast add"]
    assert steps["A[1]"].equation == "A[1] = relu(Z[1])"
    assert steps["A[1]"].kinds == ["element-wise g"]
    assert steps["A[1]"].operations[0].function == "relu"
    assert steps["A[3]"].equation == "A[3] = softmax(Z[3])"
    assert steps["A[3]"].kinds == ["column-wise g"]  # softmax couples the units of an example
    assert steps["delta[3]"].equation == "delta[3] = (A[3] - Y) / m"
    assert steps["delta[3]"].kinds == ["subtract", "scale"]
    assert steps["dW[3]"].equation == "dW[3] = delta[3] A[2]^T"
    assert steps["dW[3]"].kinds == ["transpose", "matrix product"]
    assert steps["db[3]"].equation == "db[3] = sum over examples of delta[3]"
    assert steps["db[3]"].kinds == ["sum over examples"]
    assert steps["delta[2]"].equation == "delta[2] = (W[3]^T delta[3]) * relu'(Z[2])"
    assert steps["delta[2]"].kinds == [
        "transpose",
        "matrix product",
        "element-wise g'",
        "Hadamard product",
    ]
    assert steps["delta[2]"].latex == (
        r"\delta^{[2]} = (W^{[3]\top} \delta^{[3]}) \odot \operatorname{relu}'(Z^{[2]})"
    )
    # the operands are named by identity: the matrix product of W[3]^T and delta[3]
    product = steps["delta[2]"].operations[1]
    assert [o.expr for o in product.operands] == ["W[3]^T", "delta[3]"]
    assert [o.shape for o in product.operands] == [(3, 2), (2, 5)]


def test_the_latex_sets_the_scale_by_one_over_m_and_the_sum_over_examples():
    steps = by_name(seed_trace()[-1])
    assert steps["delta[3]"].latex == r"\delta^{[3]} = \frac{1}{m} (A^{[3]} - Y)"
    assert steps["db[3]"].latex == r"db^{[3]} = \sum_{i=1}^{m} \delta^{[3]}_{:,i}"


def test_the_scale_by_one_over_m_lists_the_number_as_an_operand():
    """delta[L] = (A[L] - Y) * w: the scale's operands are the difference and the number 1/m."""
    from deltaprop.explain.trace import Operand

    scale = by_name(seed_trace()[-1])["delta[3]"].operations[1]
    assert scale.kind == "scale"
    assert scale.operands == (Operand("A[3] - Y", (2, M)), Operand("1/m", ()))
    assert "(2x5), scalar -> (2x5)" in as_text(seed_trace()[-1])


def test_the_primitives_of_a_call_name_what_numpy_ran():
    """Inside g and g' each numpy operation has its own kind and its operands' expressions."""

    def primitives(step, i=0):
        return [(p.kind, [o.expr for o in p.operands]) for p in step.operations[i].primitives]

    steps = by_name(seed_trace()[-1])
    assert primitives(steps["A[1]"]) == [("element-wise max", ["Z[1]", "0"])]
    assert primitives(steps["delta[2]"], 2) == [("compare", ["Z[2]", "0"]), ("cast", ["Z[2] > 0"])]
    net = Network([3, 4, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    sigmoid = primitives(by_name(trace(net, *data(net)))["A[1]"])
    assert [kind for kind, _ in sigmoid] == [
        "element-wise absolute",
        "negate",
        "element-wise exp",
        "compare",
        "add",
        "divide",  # 1 / (1 + E): a number over an array is no scaling
        "add",
        "divide",
        "where",
    ]
    assert sigmoid[1] == ("negate", ["|Z[1]|"])
    assert sigmoid[5] == ("divide", ["1", "1 + exp(-|Z[1]|)"])
    assert sigmoid[-1][1][0] == "Z[1] >= 0"


def test_flops():
    net, _, _, records = seed_trace()
    n = net.sizes
    for r in records:
        for op in r.operations:
            if op.kind == "matrix product":
                assert op.flops == matmul_flops(op)
            elif op.kind == "transpose":
                assert op.flops == 0
            elif op.kind in ("broadcast add", "Hadamard product", "subtract", "scale"):
                assert op.flops == int(np.prod(op.shape))  # one per element
            elif op.kind == "sum over examples":
                assert op.flops == int(np.prod(op.operands[0].shape))
        assert r.flops == sum(op.flops for op in r.operations)
    steps = by_name(records)
    assert steps["Z[1]"].flops == 2 * n[1] * n[0] * M + n[1] * M
    assert steps["A[1]"].flops == n[1] * M  # relu: one max per element
    assert steps["delta[2]"].flops == 2 * n[2] * n[3] * M + 2 * n[2] * M  # W^T delta, g', Hadamard
    assert records.forward_flops == sum(r.flops for r in records if r.phase == "forward")
    assert records.backward_flops == sum(r.flops for r in records if r.phase == "backward")
    assert records.total_flops == records.forward_flops + records.backward_flops
    assert records.unattributed == ()


# ---------------------------------------------------------------------- recorded, not described


def backward_without_g_prime(self, Y, w, D=None):
    """The seed's mistake: delta[l-1] = W[l]^T delta[l], no Hadamard product with g'(Z[l-1])."""
    L, A, W = self.L, self.A, self.W
    delta, dW, db = {L: (A[L] - Y) * w}, {}, {}
    for l in range(L, 0, -1):
        dW[l] = delta[l] @ A[l - 1].T
        db[l] = delta[l].sum(axis=1, keepdims=True)
        if l > 1:
            delta[l - 1] = W[l].T @ delta[l]
    self.delta = delta
    return dW, db


def test_a_changed_backward_pass_changes_the_trace(monkeypatch):
    right = by_name(seed_trace()[-1])
    monkeypatch.setattr(Network, "_backward", backward_without_g_prime)
    wrong = by_name(seed_trace()[-1])
    assert "Hadamard product" in right["delta[2]"].kinds
    assert wrong["delta[2]"].kinds == ["transpose", "matrix product"]
    assert wrong["delta[2]"].equation == "delta[2] = W[3]^T delta[3]"
    assert wrong["delta[2]"].flops < right["delta[2]"].flops
    assert not np.array_equal(wrong["dW[1]"].value, right["dW[1]"].value)


def test_a_changed_derivative_changes_the_trace():
    net, X, y, _ = seed_trace()
    relu = net.g[1]
    net.g = {**net.g, 1: dataclasses.replace(relu, g_prime=lambda Z: np.ones_like(Z))}
    step = by_name(trace(net, X, y))["delta[1]"]
    g_prime = step.operations[2]
    assert g_prime.kind == "element-wise g'"
    assert [p.kind for p in g_prime.primitives] == ["ones_like"]
    assert g_prime.flops == 0
    original = by_name(seed_trace()[-1])["delta[1]"].operations[2]
    assert [p.kind for p in original.primitives] == ["compare", "cast"]  # (Z > 0).astype(...)


def test_a_derivative_computed_in_place_is_written_with_its_brackets():
    """A custom g' with nested differences and products, one of them in place: each operand is
    the expression that made it, bracketed where the operations nest on the right."""
    net, X, y, _ = seed_trace()

    def g_prime(Z):
        G = Z - (Z - 1.0)
        np.multiply(G, Z * (Z * 0.5), out=G)  # in place: G is the product from here on
        return G / -2.0

    net.g = {**net.g, 1: dataclasses.replace(net.g[1], g_prime=g_prime)}
    step = by_name(trace(net, X, y))["delta[1]"]
    assert step.equation == "delta[1] = (W[2]^T delta[2]) * relu'(Z[1])"
    inner = [(p.kind, [o.expr for o in p.operands]) for p in step.operations[2].primitives]
    assert inner == [
        ("subtract", ["Z[1]", "1"]),
        ("subtract", ["Z[1]", "Z[1] - 1"]),
        ("scale", ["Z[1]", "0.5"]),
        ("Hadamard product", ["Z[1]", "0.5 Z[1]"]),
        ("Hadamard product", ["Z[1] - (Z[1] - 1)", "Z[1] * (0.5 Z[1])"]),
        ("scale", ["(Z[1] - (Z[1] - 1)) * (Z[1] * (0.5 Z[1]))", "-2"]),
    ]


def test_the_network_is_left_as_it_was():
    net = Network(SEED_SIZES, seed=0)
    X, y = data(net)
    net.gradients(X, y)  # so that Z, A, delta hold a previous pass
    before = dict(vars(net))
    values = {name: P.copy() for name, P in net.parameters()}
    trace(net, X[:, :3], y[:3])
    assert vars(net).keys() == before.keys()
    for key, value in vars(net).items():
        assert value is before[key], key
    for l in range(1, net.L + 1):
        for family in (net.W, net.b, net.Z, net.A, net.delta):
            assert type(family[l]) is np.ndarray
        assert net.Z[l].shape[1] == M
    for name, P in net.parameters():
        np.testing.assert_array_equal(P, values[name])


def test_a_network_that_never_ran_gains_no_attributes_from_the_pass():
    """The forward pass sets attributes (log A[L]) that a new network lacks; none stays behind."""
    net = Network(SEED_SIZES, seed=0)
    before = set(vars(net))
    trace(net, *data(net))
    assert set(vars(net)) == before


def test_inputs_are_copies_of_the_operands_the_pass_started_from():
    net = Network(SEED_SIZES, seed=0)
    X, y = data(net)
    records = trace(net, X, y)
    layers = [f"{p}[{l}]" for l in range(1, net.L + 1) for p in "Wb"]
    assert set(records.inputs) == {"A[0]", "Y", *layers}  # 1/m is a number, not an input
    W1, X0 = net.W[1].copy(), X.copy()
    net.W[1] += 1.0  # a training step updates the parameters in place
    X *= 2.0
    np.testing.assert_array_equal(records.inputs["W[1]"], W1)
    np.testing.assert_array_equal(records.inputs["A[0]"], X0)


def test_each_value_is_an_array_of_its_own():
    """Step values are copies: with g = identity, A[L] and Z[L] hold the same numbers, yet
    changing one leaves the other."""
    net = Network(SEED_SIZES, output="identity", loss="mse", seed=0)
    records = trace(net, *data(net))
    values = [r.value for r in records] + list(records.inputs.values())
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            assert not np.shares_memory(a, b)


def test_the_network_is_restored_when_the_pass_fails(monkeypatch):
    net = Network(SEED_SIZES, seed=0)
    W, g = net.W, net.g

    def broken(self, Y, w, D=None):
        raise RuntimeError("broken")

    monkeypatch.setattr(Network, "_backward", broken)
    with pytest.raises(RuntimeError, match="broken"):
        trace(net, *data(net))
    assert net.W is W and net.g is g and net.Z == {}


# ---------------------------------------------------------------------- other networks


def test_float32():
    net, X, y, records = seed_trace(dtype=np.float32)
    dW, db = net.gradients(X, y)
    steps = by_name(records)
    for l in range(1, net.L + 1):
        assert steps[f"Z[{l}]"].value.dtype == np.float32
        np.testing.assert_array_equal(steps[f"dW[{l}]"].value, dW[l])
        np.testing.assert_array_equal(steps[f"db[{l}]"].value, db[l])


def test_tanh_hidden_and_one_sigmoid_unit():
    net = Network([3, 4, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    steps = by_name(trace(net, *data(net)))
    assert steps["A[1]"].equation == "A[1] = tanh(Z[1])"
    assert steps["A[3]"].equation == "A[3] = sigmoid(Z[3])"
    assert steps["delta[3]"].equation == "delta[3] = (A[3] - Y) / m"  # fused with the loss
    assert steps["delta[2]"].equation == "delta[2] = (W[3]^T delta[3]) * tanh'(Z[2])"
    assert steps["delta[3]"].shape == (1, M)


def test_identity_output_with_mse_takes_the_generic_path():
    net = Network(SEED_SIZES, output="identity", loss="mse", seed=0)
    steps = by_name(trace(net, *data(net)))
    assert steps["A[3]"].equation == "A[3] = identity(Z[3])"
    assert steps["A[3]"].flops == 0
    assert steps["delta[3]"].equation == "delta[3] = dJ/dA[3] * identity'(Z[3])"
    assert steps["delta[3]"].kinds == [
        "loss derivative dJ/dA",
        "element-wise g'",
        "Hadamard product",
    ]
    assert steps["delta[3]"].operations[0].function == "mse"
    assert [p.kind for p in steps["delta[3]"].operations[0].primitives] == ["subtract", "scale"]


@pytest.mark.parametrize(("output", "loss"), COMBINATIONS)
def test_every_output_and_loss(output, loss):
    sizes = [3, 4, 3, 1 if output == "sigmoid" else 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeltapropWarning)
        net = Network(sizes, hidden="leaky_relu", output=output, loss=loss, seed=0)
    X, y = data(net)
    with np.errstate(all="ignore"):  # ReLU outputs with cross-entropy may divide by zero
        records = trace(net, X, y)
        dW, db = net.gradients(X, y)
    assert [r.name for r in records] == SEED_ORDER
    steps = by_name(records)
    generic = not net.fused
    assert ("loss derivative dJ/dA" in steps["delta[3]"].kinds) == generic
    for l in range(1, net.L + 1):
        np.testing.assert_array_equal(steps[f"dW[{l}]"].value, dW[l])
        np.testing.assert_array_equal(steps[f"db[{l}]"].value, db[l])


@settings(max_examples=20, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5).map(
        lambda s: s if s[-1] > 1 else [*s[:-1], 2]
    ),
    m=st.integers(1, 7),
)
def test_any_shape(sizes, m):
    net = Network(sizes, seed=0)
    X, y = data(net, m)
    records = trace(net, X, y)
    L = net.L
    expected = [f"{f}[{l}]" for l in range(1, L + 1) for f in "ZA"] + [f"delta[{L}]"]
    for l in range(L, 0, -1):
        expected += [f"dW[{l}]", f"db[{l}]"] + ([f"delta[{l - 1}]"] if l > 1 else [])
    assert [r.name for r in records] == expected
    for r in records:
        for op in r.operations:
            if op.kind == "matrix product":
                assert op.flops == matmul_flops(op)
    dW, _ = net.gradients(X, y)
    np.testing.assert_array_equal(by_name(records)["dW[1]"].value, dW[1])


# ---------------------------------------------------------------------- renderers


def test_json_round_trips():
    records = seed_trace()[-1]
    doc = json.loads(as_json(records))
    assert [s["name"] for s in doc["steps"]] == [r.name for r in records]
    assert [tuple(s["shape"]) for s in doc["steps"]] == [r.shape for r in records]
    assert [s["equation"] for s in doc["steps"]] == [r.equation for r in records]
    assert doc["total_flops"] == records.total_flops
    assert doc["inputs"]["W[1]"]["shape"] == [4, 3]
    assert "value" not in doc["steps"][0]
    with_values = json.loads(as_json(records, values=True))
    for s, r in zip(with_values["steps"], records, strict=True):
        np.testing.assert_array_equal(np.array(s["value"]), r.value)
    delta2 = with_values["steps"][SEED_ORDER.index("delta[2]")]
    assert delta2["operations"][2]["function"] == "relu"
    assert delta2["operations"][2]["primitives"][0]["kind"] == "compare"


def test_json_keeps_both_totals_and_the_inputs_values():
    records = seed_trace()[-1]
    doc = json.loads(as_json(records, values=True))
    assert doc["forward_flops"] == records.forward_flops
    assert doc["backward_flops"] == records.backward_flops
    assert doc["forward_flops"] != doc["backward_flops"]
    for name, value in records.inputs.items():
        np.testing.assert_array_equal(np.array(doc["inputs"][name]["value"]), value)


def test_json_writes_a_value_that_is_not_finite_as_null():
    """NaN and inf are not JSON: strict parsers must read the document."""
    net = Network(SEED_SIZES, seed=0)
    net.W[1][0, 0] = np.nan  # NaN flows through row 0 of Z[1]
    with np.errstate(all="ignore"):
        records = trace(net, *data(net))

    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    doc = json.loads(as_json(records, values=True), parse_constant=refuse)
    z1 = doc["steps"][0]
    assert z1["name"] == "Z[1]" and z1["value"][0] == [None] * M
    assert doc["inputs"]["W[1]"]["value"][0][0] is None


def test_totals_of_a_plain_list_of_steps_are_the_sums_of_their_flops():
    records = seed_trace()[-1]
    assert records.unattributed == ()  # so the steps hold every operation
    assert totals(list(records)) == totals(records)
    assert totals(list(records)) == {
        "forward": records.forward_flops,
        "backward": records.backward_flops,
    }


def test_latex_table():
    latex = as_latex(seed_trace()[-1])
    assert latex.startswith(r"\begin{tabular}") and latex.endswith(r"\end{tabular}")
    for needed in (r"\toprule", r"\midrule", r"\bottomrule", r"\odot", r"\top", r"\sum"):
        assert needed in latex
    assert r"$(4 \times 3), (3 \times 5) \to (4 \times 5)$" in latex
    assert "leaky\\_relu" in as_latex(seed_trace(hidden="leaky_relu")[-1])


def test_latex_table_names_the_passes_the_functions_and_the_totals():
    net = Network(SEED_SIZES, seed=0)
    records = trace(net, *data(net, m=50))  # enough examples for flops over 1,000
    latex = as_latex(records)
    assert r"\emph{Forward pass}" in latex and r"\emph{Backward pass}" in latex
    assert latex.index(r"\emph{Forward pass}") < latex.index(r"\emph{Backward pass}")
    assert r"element-wise $g$ (relu)" in latex and r"element-wise $g'$ (relu)" in latex
    assert r"column-wise $g$ (softmax)" in latex
    for phase, flops in (("Forward", records.forward_flops), ("Backward", records.backward_flops)):
        assert flops > 1000
        total = f"{flops:,}".replace(",", r"\,")
        assert rf"\multicolumn{{4}}{{@{{}}l}}{{{phase} pass, total}} & {total} \\" in latex
    mse = Network(SEED_SIZES, output="identity", loss="mse", seed=0)
    generic = as_latex(trace(mse, *data(mse)))
    assert r"loss derivative $\partial J / \partial A$ (mse)" in generic


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles(tmp_path):
    tables = [as_latex(seed_trace(**kw)[-1]) for kw in ({}, {"hidden": "leaky_relu"})]
    net = Network(SEED_SIZES, output="softmax", loss="mse", seed=0)
    tables.append(as_latex(trace(net, *data(net))))
    document = "\n\n".join(
        [r"\documentclass{article}", r"\usepackage{booktabs,amsmath}", r"\begin{document}"]
        + tables
        + [r"\end{document}"]
    )
    (tmp_path / "t.tex").write_text(document)
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def rich_text(renderable) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=160)
    console.print(renderable)
    return console.file.getvalue()


def test_rich_table():
    records = seed_trace()[-1]
    text = rich_text(as_table(records))
    assert "delta[2] = (W[3]^T delta[3]) * relu'(Z[2])" in text
    assert "Hadamard product" in text and "(3×2), (2×5) → (3×5)" in text
    assert "dW[1] (4×3)" in rich_text(as_table(records, values=True))


def test_the_tables_end_with_the_total_flops_of_each_pass():
    records = seed_trace()[-1]
    for text in (rich_text(as_table(records)), as_text(records)):
        assert text.splitlines()[0].strip() == records.network  # the network, as the title
        forward, backward = (
            next(line for line in text.splitlines() if f"{phase} pass, total" in line)
            for phase in ("forward", "backward")
        )
        assert forward.rstrip(" │").endswith(f"{records.forward_flops:,}")
        assert backward.rstrip(" │").endswith(f"{records.backward_flops:,}")


def test_plain_text_and_values():
    records = seed_trace()[-1]
    text = as_text(records, values=True)
    assert "delta[2] = (W[3]^T delta[3]) * relu'(Z[2])" in text
    assert "(3x2), (2x5) -> (3x5)" in text
    assert f"{records.total_flops - records.forward_flops:,}" in text
    assert "W[1] (4x3)" in text and "db[1] (4x1)" in text


def test_plain_text_names_the_function_of_each_call():
    text = as_text(seed_trace()[-1])
    for label in ("element-wise g (relu)", "column-wise g (softmax)", "element-wise g' (relu)"):
        assert label in text


def test_without_rich(monkeypatch):
    records = seed_trace()[-1]
    for module in ("rich", "rich.console", "rich.table", "rich.text"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'deltaprop\[progress\]'"):
        as_table(records)
    assert render(records, "table") == as_text(records)


def test_run_trace_formats():
    assert "delta[2]" in run_trace(fmt="table")
    doc = json.loads(run_trace([2, 5, 3], m=4, hidden="tanh", output="sigmoid", fmt="json"))
    assert [s["shape"] for s in doc["steps"][:2]] == [[5, 4], [5, 4]]
    assert r"\odot" in run_trace(fmt="latex")
    assert "A[0] (3x5)" in run_trace(fmt="text", values=True)
    assert run_trace(seed=3) == run_trace(seed=3)
    with pytest.raises(ValueError, match="unknown trace format"):
        run_trace(fmt="html")


def test_run_trace_takes_a_loss_other_than_the_outputs_partner():
    doc = json.loads(run_trace([3, 4, 1], output="sigmoid", loss="mse", fmt="json"))
    assert "loss='mse'" in doc["network"]
    equations = [s["equation"] for s in doc["steps"]]
    assert "delta[2] = dJ/dA[2] * sigmoid'(Z[2])" in equations  # (eq. B1), not the fused B2
    fused = json.loads(run_trace([3, 4, 1], output="sigmoid", fmt="json"))
    assert "delta[2] = (A[2] - Y) / m" in [s["equation"] for s in fused["steps"]]


def test_the_example_data_follow_the_seed_and_suit_the_loss():
    """The values printed are those of the seed's data, drawn apart from the weights' draws."""
    assert run_trace(seed=3, values=True) == run_trace(seed=3, values=True)
    assert run_trace(seed=3, values=True) != run_trace(seed=4, values=True)
    net = Network([3, 4, 4], seed=0)
    X, y = example_data(net, 60, seed=0)
    assert X.shape == (3, 60) and set(y.tolist()) == {0, 1, 2, 3}  # every one of the 4 classes
    assert abs(np.corrcoef(X.ravel()[:12], net.W[1].ravel())[0, 1]) < 0.9
    binary = Network([3, 4, 2], output="sigmoid", seed=0)
    assert set(np.unique(example_data(binary, 60)[1])) == {0, 1}


def test_format_matrix_aligns_the_columns_to_four_significant_digits():
    text = format_matrix(np.array([[1.0, -0.123456], [1234.5678, 2.0]]))
    assert text.split() == ["[[", "1", "-0.1235]", "[", "1235", "2]]"]
    rows = [line.replace("[", " ").replace("]", " ") for line in text.splitlines()]
    ends = [[m.end() for m in re.finditer(r"\S+", row)] for row in rows]
    assert ends[0] == ends[1]  # each column's entries end at the same place


def test_importing_explain_pulls_in_nothing_heavy():
    code = (
        "import sys, deltaprop.explain;"
        "print(sorted(m for m in ('matplotlib', 'rich', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
