"""``deltaprop gradcheck``: the backward pass of any network the library builds, checked against
central finite differences of its cost, for anyone to run and read.

The network is built as ``deltaprop trace`` builds it (weights from ``seed``, random examples that
suit the loss), with random biases, and checked in float64 by :func:`deltaprop.core.gradcheck`,
optionally with an L2 penalty, random sample weights (eq. J2) or a fixed dropout mask (eqs.
D1-D2).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from ..core import GradcheckResult, Network, gradcheck
from ..core.activations import RELU_FAMILY
from .render import example_data

#: A relative error below this passes (GradcheckResult.passed's default).
TOLERANCE = 1e-7
MAX_SAMPLE_WEIGHT = 3.0  # sample weights are drawn from [0, 3]
BIAS_SCALE = 0.5  # biases are drawn from N(0, 0.5^2)


@dataclass
class CheckRun:
    """A gradient check and what it was run on."""

    network: Network
    m: int
    eps: float
    l2: float
    dropout: float
    sample_weights: bool
    result: GradcheckResult
    cost: float  # J at the checked weights
    closest_to_kink: float | None  # smallest |Z[l]| of a ReLU-family layer (None without one)

    @property
    def passed(self) -> bool:
        return self.result.passed(TOLERANCE)


def run_gradcheck(
    sizes=(3, 4, 3, 2),
    m: int = 5,
    hidden: str = "relu",
    output: str = "softmax",
    loss: str | None = None,
    l2: float = 0.0,
    dropout: float = 0.0,
    sample_weights: bool = False,
    seed: int = 0,
    eps: float = 1e-6,
    max_per_array: int | None = None,
) -> CheckRun:
    """Build the network and m random examples from ``seed`` and check its gradients."""
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
    if not (l2 >= 0 and np.isfinite(l2)):
        raise ValueError(f"l2 must be a non-negative number, got {l2!r}")
    if not 0 < eps < 1:
        raise ValueError(f"eps must be a small positive step, got {eps!r}")
    network = Network(sizes, hidden=hidden, output=output, loss=loss, seed=seed)
    X, Y = example_data(network, m, seed)
    rng = np.random.default_rng(seed)
    # Biases start at 0, where a pre-activation fed only zeros (a dropped or dead column) sits
    # exactly on ReLU's kink; random ones make the check general, as the report's does.
    network.load_parameters(
        {f"b[{l}]": rng.normal(0, BIAS_SCALE, (n, 1)) for l, n in enumerate(network.sizes[1:], 1)}
    )
    weights = rng.uniform(0, MAX_SAMPLE_WEIGHT, m) if sample_weights else None
    D = network.dropout_masks(rng, 1 - dropout, m) if dropout else None
    result = gradcheck(network, X, Y, eps, l2, max_per_array, seed, sample_weight=weights, D=D)
    # where the pre-activations lie: a kink within eps of one spoils the differences there
    cost = network.cost(X, Y, l2, sample_weight=weights, D=D)
    kinks = [np.abs(network.Z[l]).min() for l in network.Z if network.g[l].name in RELU_FAMILY]
    closest = float(min(kinks)) if kinks else None
    return CheckRun(network, m, eps, l2, dropout, sample_weights, result, cost, closest)


def _what(run: CheckRun) -> str:
    extras = [f"L2 lambda = {run.l2:g}"] if run.l2 else []
    if run.sample_weights:
        extras.append(f"random sample weights in [0, {MAX_SAMPLE_WEIGHT:g}]")
    if run.dropout:
        extras.append(f"a fixed dropout mask, p = {run.dropout:g}")
    return f"m = {run.m} random examples, biases from N(0, {BIAS_SCALE:g}^2)" + "".join(
        f", {e}" for e in extras
    )


def gradcheck_text(run: CheckRun) -> str:
    """The check as a table: one row per parameter array, then the verdict."""
    result = run.result
    lines = [
        repr(run.network),
        f"{_what(run)}; central differences (J(theta + eps) - J(theta - eps)) / 2 eps with "
        f"eps = {run.eps:g}, in float64",
        "",
        f"{'parameter':<10}{'entries':>8}  relative error",
    ]
    for name, error in result.per_array.items():
        lines.append(f"{name:<10}{result.analytic[name].size:>8}  {error:.2e}")
    lines.append(f"{'all':<10}{result.n_checked:>8}  {result.relative_error:.2e}")
    lines.append("")
    if run.passed:
        lines.append(
            f"passed: the backward pass agrees with finite differences (relative error "
            f"{result.relative_error:.1e} < {TOLERANCE:g})"
        )
    else:
        lines.append(f"FAILED: relative error {result.relative_error:.2e}, not below {TOLERANCE:g}")
    if not math.isfinite(run.cost):
        lines.append(
            f"note: the cost J is {run.cost} at these weights, so neither gradient means anything "
            f"(a log of 0 or of a negative number in the loss?)"
        )
    if run.closest_to_kink is not None and run.closest_to_kink < 10 * run.eps:
        lines.append(
            f"note: a pre-activation lies {run.closest_to_kink:.1e} from ReLU's kink at 0, "
            f"within 10 eps: the finite differences there straddle the kink and are unreliable "
            f"(try another --seed)"
        )
    return "\n".join(lines)


def _finite(x: float | None) -> float | None:
    """x, or None for NaN and inf, so that the JSON stays strict (as the trace's does)."""
    return x if x is None or math.isfinite(x) else None


def gradcheck_json(run: CheckRun) -> str:
    """The check as one JSON object; a NaN or infinite number is null."""
    result = run.result
    return json.dumps(
        {
            "network": run.network.config(),
            "m": run.m,
            "eps": run.eps,
            "l2": run.l2,
            "dropout": run.dropout,
            "sample_weights": run.sample_weights,
            "cost": _finite(run.cost),
            "relative_error": _finite(result.relative_error),
            "per_array": {name: _finite(e) for name, e in result.per_array.items()},
            "entries": {name: int(v.size) for name, v in result.analytic.items()},
            "tolerance": TOLERANCE,
            "passed": run.passed,
            "closest_to_kink": run.closest_to_kink,
        },
        indent=2,
        allow_nan=False,
    )
