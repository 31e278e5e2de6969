"""Errata of the seed: every equation of the student's derivation, audited with numbers.

The seed derives backpropagation for a 3-4-3-2 ReLU network (L = 3) with a cross-entropy loss, in
Andrew Ng's notation (examples are the columns of X). Each of its equations becomes an
:class:`ErratumRecord`: the seed's form and the correct form in LaTeX, a verdict, a short
explanation, and a numeric verdict computed here, in float64, on the seed's network:

* the seed side is the seed's formula implemented literally, one small ``seed_*`` function per
  formula, whose docstring quotes the seed;
* the correct side is the engine, :mod:`deltaprop.core`;
* both are compared with central finite differences of the true cost, computed with the engine.

Two settings (:func:`draw_settings`) share the weights and the data:

* ``ReLU+CE``, the seed's literal one: ReLU on every layer, the output layer included, with the
  cross-entropy. The output biases are drawn positive, so every output is positive and log A[3]
  finite;
* ``softmax+CE``, the intended one, where the seed's (A[3] - Y) makes sense: there
  dJ/dZ[3] = (A[3] - Y)/m, so the seed's factor g[3]'(Z[3]) is read as 1.

Products. Where the seed writes two (n, m) matrices side by side, as in (A[3] - Y) g[3]'(Z[3]), a
literal reading as a matrix product fails; that finding is kept in ``literal_reading``. The
numbers in ``seed_error`` use the charitable reading: a Hadamard product there, and a matrix
product wherever the seed's shapes allow one (W^T delta, delta A^T).
"""

from __future__ import annotations

import json
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial

import numpy as np

from ..core import DeltapropWarning, Network, gradcheck, relative_error
from ..core.activations import relu, relu_prime
from .latex import number
from .mathtext import plain_formula

SIZES = (3, 4, 3, 2)  # n_x, n[1], n[2], n[3] = n_y: the seed's network
L = len(SIZES) - 1
M = 5  # examples
MARGIN = 0.05  # every hidden |Z[l]| is at least this far from ReLU's kink
OUTPUT_FLOOR = 0.5  # every output Z[3] is at least this, so ReLU outputs are positive
EPS = 1e-6  # step of the central differences

RELU_CE = "ReLU+CE"
SOFTMAX_CE = "softmax+CE"
VERDICTS = ("correct", "wrong", "ambiguous", "inherited")


# ---------------------------------------------------------------------- records


@dataclass(frozen=True)
class Check:
    """A further numeric verdict of an entry: another setting, or another reading of the seed."""

    label: str
    seed_error: float | str
    correct_error: float | None = None


@dataclass(frozen=True)
class ErratumRecord:
    """One equation of the seed, its correction and its numeric verdict.

    verdict: "correct"; "wrong"; "ambiguous" (right under one reading of an unstated product or
    symbol, wrong under another); "inherited" (the step is right, but it is fed the seed's wrong
    delta[3], so the numbers it produces are wrong).

    seed_error: for a gradient formula, the relative error ||g - g_num|| / (||g|| + ||g_num||) of
    the seed's formula against central finite differences of the true cost; or a string saying
    what breaks ("shape (3, 5), expected (3, 1)"). correct_error: the same for the engine's
    (corrected) formula. Both are for ``setting``; ``also`` holds other settings and readings.
    literal_reading: what reading every juxtaposition as a matrix product does, when that differs.
    value, finding: the key number of a non-gradient entry, and the numeric verdict in words.
    quantity: what the relative errors compare, e.g. "dW[3]" or "delta[1], delta[2]".

    The texts are plain: `formulas` between backticks, and <key> for the id of another entry.
    """

    id: str
    key: str
    section: str
    seed_latex: str
    correct_latex: str
    verdict: str
    explanation: str
    setting: str = ""
    seed_error: float | str | None = None
    correct_error: float | None = None
    literal_reading: str | None = None
    value: float | None = None
    finding: str = ""
    also: tuple[Check, ...] = field(default_factory=tuple)
    quantity: str = ""


# ---------------------------------------------------------------------- the seed's arithmetic


class SeedShapeError(ValueError):
    """A seed formula, read literally, combines arrays whose shapes do not fit."""


def matrix_product(P, Q):
    """P Q: (a, k) @ (k, b) -> (a, b). The literal reading of a juxtaposition."""
    try:
        return P @ Q
    except ValueError as err:
        raise SeedShapeError(f"shape error: {P.shape} @ {Q.shape}") from err


def hadamard(P, Q):
    """P (.) Q, element-wise, for two arrays of the same shape (no broadcasting)."""
    if P.shape != Q.shape:
        raise SeedShapeError(f"shape error: {P.shape} * {Q.shape}")
    return P * Q


def broadcast_sum(P, b):
    """P + b with numpy's broadcasting, which aligns the LAST axes: (n, m) + (n,) needs n == m."""
    try:
        return P + b
    except ValueError as err:
        raise SeedShapeError(f"broadcast error: {P.shape} + {b.shape}") from err


def outcome(formula: Callable, *args, **kwargs):
    """The result of a seed formula, or the message of the shape error it raises."""
    try:
        return formula(*args, **kwargs)
    except SeedShapeError as err:
        return str(err)


def numeric_verdict(g, g_num) -> float | str:
    """Relative error of g against the finite differences g_num, or a shape finding."""
    if isinstance(g, str):
        return g
    if np.shape(g) != np.shape(g_num):
        return f"shape {np.shape(g)}, expected {np.shape(g_num)}"
    return relative_error(g, g_num)


def stacked_error(gs, g_nums) -> float | str:
    """numeric_verdict over several layers at once (the first shape finding, if any)."""
    for g, g_num in zip(gs, g_nums, strict=True):
        finding = numeric_verdict(g, g_num)
        if isinstance(finding, str):
            return finding
    return relative_error(
        np.concatenate([np.ravel(g) for g in gs]), np.concatenate([np.ravel(g) for g in g_nums])
    )


# ---------------------------------------------------------------------- the seed's formulas


def seed_linear(W, A_prev, b):
    """2.3: "Z[l] = W[l] A[l-1] + b[l]".  W (n[l], n[l-1]), A_prev (n[l-1], m) -> (n[l], m).

    With b of shape (n[l], 1) the bias is added to every column. With the notation's (n[l],)
    (2.1.2: "a column vector with shape (n[l], )") numpy adds b[j] to column j instead.
    """
    return broadcast_sum(matrix_product(W, A_prev), b)


def seed_forward(X, W, b, g):
    """2.3: "A[0] = X, Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l])" for l = 1..L.

    X (n_x, m); W, b, g dicts keyed 1..L. Returns the dicts Z and A (A[0] = X), (n[l], m) each.
    """
    Z, A = {}, {0: X}
    for l in sorted(W):
        Z[l] = seed_linear(W[l], A[l - 1], b[l])
        A[l] = g[l](Z[l])
    return Z, A


def seed_cost(A3, Y):
    """2.4: "J(y_hat, Y) = -(1/m) Y log(y_hat)", y_hat = A[3].  A3, Y (n_y, m).

    Read literally, a matrix product of two (n_y, m) matrices.
    """
    m = Y.shape[1]
    return -(1 / m) * matrix_product(Y, np.log(A3))


def seed_cost_matrix(A3, Y):
    """2.4, read as "-(1/m) Y log(y_hat)^T", the one matrix-product reading that runs.

    A3, Y (n_y, m) -> (n_y, n_y); its trace is the cost.
    """
    m = Y.shape[1]
    return -(1 / m) * matrix_product(Y, np.log(A3).T)


def seed_dJ_dA3(A3, Y):
    """2.4: "dJ/dA[3] = Y - A[3]".  A3, Y (n_y, m) -> (n_y, m)."""
    return Y - A3


def seed_relu(Z):
    """2.5.5: "g[l](Z[l]) = max(0, Z[l])", element by element (np.maximum).  Any shape."""
    return np.maximum(0, Z)


def seed_relu_prime(Z):
    """2.5.5: "g[l]'(Z[l]) = 1 if Z[l] > 0, 0 if Z[l] <= 0".  Any shape."""
    return np.where(Z > 0, 1.0, 0.0)


def seed_chain_rule_dW3(dJ_dA3, gp3, A2, product=hadamard):
    """2.5.1: "dJ/dW[3] = dJ/dA[3] dA[3]/dZ[3] dZ[3]/dW[3]", with "dA[3]/dZ[3] = g[3]'(Z[3])"
    and "dZ[3]/dW[3] = A[2]", multiplied in the order written.

    dJ_dA3, gp3 (n[3], m); A2 (n[2], m). ``product`` is the reading of the first juxtaposition.
    """
    return matrix_product(product(dJ_dA3, gp3), A2)


def seed_dW3(A3, Y, gp3, A2, product=hadamard):
    """2.5.1: "dJ/dW[3] = (1/m) (A[3] - Y) g[3]'(Z[3]) A[2]^T".  -> (n[3], n[2])."""
    m = Y.shape[1]
    return (1 / m) * matrix_product(product(A3 - Y, gp3), A2.T)


def seed_db3(A3, Y, gp3, product=hadamard, axis=1):
    """2.5.1: "dJ/db[3] = (1/m) sum (A[3] - Y) g[3]'(Z[3])".  -> (n[3], 1).

    The sum has no index; ``axis=1`` sums over the examples, ``axis=None`` over every entry.
    """
    m = Y.shape[1]
    return (1 / m) * np.sum(product(A3 - Y, gp3), axis=axis, keepdims=axis is not None)


def seed_delta3(A3, Y, gp3, product=hadamard):
    """2.5.1 and 2.6: "delta[3] = dJ/dZ[3] = (A[3] - Y) g[3]'(Z[3])".  -> (n[3], m)."""
    return product(A3 - Y, gp3)


def seed_dW_hidden(W_next, delta_next, gp, A_prev, product=hadamard):
    """2.5.2: "dJ/dW[2] = W[3]^T delta[3] g[2]'(Z[2]) A[1]^T";
    2.5.3: "dJ/dW[1] = W[2]^T delta[2] g[1]'(Z[1]) A[0]^T".

    W_next (n[l+1], n[l]); delta_next (n[l+1], m); gp (n[l], m); A_prev (n[l-1], m).
    -> (n[l], n[l-1]).
    """
    return matrix_product(product(matrix_product(W_next.T, delta_next), gp), A_prev.T)


def seed_db_hidden(W_next, delta_next, gp, product=hadamard):
    """2.5.2: "dJ/db[2] = W[3]^T delta[3] g[2]'(Z[2])";
    2.5.3: "dJ/db[1] = W[2]^T delta[2] g[1]'(Z[1])".  -> (n[l], m), where (n[l], 1) is needed.
    """
    return product(matrix_product(W_next.T, delta_next), gp)


def seed_delta_recursion(W_next, delta_next, gp, product=hadamard):
    """2.5.2: "delta[2] = dJ/dZ[2] = W[3]^T delta[3] g[2]'(Z[2])";
    2.6: "delta[l] = (W[l+1]^T delta[l+1]) g[l]'(Z[l])".  -> (n[l], m).
    """
    return product(matrix_product(W_next.T, delta_next), gp)


def seed_general_dW(delta, A_prev):
    """2.6 and 3: "dJ/dW[l] = delta[l] A[l-1]^T".  delta (n[l], m), A_prev (n[l-1], m)."""
    return matrix_product(delta, A_prev.T)


def seed_general_db(delta):
    """2.6: "dJ/db[l] = delta[l]".  -> (n[l], m), where (n[l], 1) is needed."""
    return delta


def seed_delta_L(dJ_dA, gpL, m, product=hadamard):
    """2.6: "delta[L] = (1/m) dJ/dA[L] g[L]'(Z[L])"; 3: the same with dL/dA[L].  -> (n[L], m)."""
    return (1 / m) * product(dJ_dA, gpL)


def seed_note_db(delta):
    """3: "dL/db[l] = sum_{i=1}^m delta[l](i)", the sum of the m columns.  -> (n[l], 1)."""
    return sum(delta[:, i : i + 1] for i in range(delta.shape[1]))


def seed_note_delta(W_next, delta_next, gp, product=hadamard):
    """3: "delta[l] = (W[l+1]^T (.) delta[l+1]) g[l]'(Z[l])", "here (.) is the dot product".

    The (.) is taken as written, an element-wise product of W[l+1]^T (n[l], n[l+1]) and
    delta[l+1] (n[l+1], m).
    """
    return product(hadamard(W_next.T, delta_next), gp)


# ---------------------------------------------------------------------- finite differences


def central_differences(f: Callable, P, eps: float = EPS):
    """(f(P + eps E_i) - f(P - eps E_i)) / (2 eps) for every entry i of P: the gradient of the
    scalar function f at P, same shape as P."""
    P = np.array(P, dtype=np.float64)
    grad = np.empty_like(P)
    for index in np.ndindex(P.shape):
        saved = P[index]
        P[index] = saved + eps
        f_plus = f(P)
        P[index] = saved - eps
        f_minus = f(P)
        P[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def numeric_dJ_dZ(net: Network, X, Y, l: int):
    """Finite differences of the engine's cost J with respect to Z[l], (n[l], m).

    Since Z[l] = W[l] A[l-1] + b[l], shifting Z[l] by a matrix S is the same as adding S to b[l]
    (broadcasting does the rest), so the engine's own forward pass and cost are used.
    """
    probe = net.copy()

    def cost_with_shift(S):
        probe.b[l] = net.b[l] + S
        return probe.cost(X, Y)

    return central_differences(cost_with_shift, np.zeros((net.sizes[l], X.shape[1])))


# ---------------------------------------------------------------------- the two settings


@dataclass
class Setting:
    """One network on the seed's data, with the engine's gradients and the finite differences.

    X (n_x, m); Y (n_y, m), one-hot. Z, A: l -> (n[l], m) from the engine's forward pass (A[0] = X).
    dW, db, delta: the engine's gradients and delta[l] = dJ/dZ[l].
    dW_num, db_num, delta_num: central differences of the engine's cost J with respect to W[l],
    b[l] and Z[l]. dA_num: with respect to A[L], through the loss J(A[L], Y).
    """

    name: str
    net: Network
    X: np.ndarray
    Y: np.ndarray
    Z: dict = field(default_factory=dict)
    A: dict = field(default_factory=dict)
    dW: dict = field(default_factory=dict)
    db: dict = field(default_factory=dict)
    delta: dict = field(default_factory=dict)
    dW_num: dict = field(default_factory=dict)
    db_num: dict = field(default_factory=dict)
    delta_num: dict = field(default_factory=dict)
    dA_num: np.ndarray | None = None

    @property
    def m(self) -> int:
        return self.X.shape[1]

    def true_dJ_dA(self):
        """The engine's dJ/dA[L] = -(1/m) Y / A[L], (n_y, m)."""
        return self.net.loss.dJ_dA(self.A[L], self.Y, 1 / self.m)

    def gp(self, l: int):
        """The engine's ReLU derivative g'(Z[l]), (n[l], m)."""
        return relu_prime(self.Z[l])

    def evaluate(self) -> Setting:
        """Fill in the engine's values and the finite differences; returns self."""
        net, X, Y = self.net, self.X, self.Y
        self.dW, self.db = net.gradients(X, Y)
        self.Z, self.A, self.delta = dict(net.Z), dict(net.A), dict(net.delta)
        self.A[0] = X
        numeric = gradcheck(net, X, Y, eps=EPS).numeric
        for l in range(1, L + 1):
            self.dW_num[l] = numeric[f"W[{l}]"].reshape(net.W[l].shape)
            self.db_num[l] = numeric[f"b[{l}]"].reshape(net.b[l].shape)
            self.delta_num[l] = numeric_dJ_dZ(net, X, Y, l)
        self.dA_num = central_differences(lambda A: net.loss.J(A, Y, 1 / self.m), self.A[L])
        return self


def _network(output: str, W: dict, b: dict) -> Network:
    """The engine's 3-4-3-2 network with ReLU hidden layers, cross-entropy and the given W, b."""
    with warnings.catch_warnings():
        # ReLU output with cross-entropy is the seed's literal choice; the engine warns about it.
        warnings.simplefilter("ignore", DeltapropWarning)
        net = Network(SIZES, hidden="relu", output=output, loss="cross_entropy", seed=0)
    for l in range(1, L + 1):
        net.W[l] = np.array(W[l], dtype=np.float64)
        net.b[l] = np.array(b[l], dtype=np.float64)
    return net


def draw_problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """X (3, m), one-hot Y (2, m) with both classes, and W, b for the seed's network.

    Draws again until every hidden pre-activation is at least MARGIN from ReLU's kink (so finite
    differences never straddle it) and each hidden layer has live and dead units (so g' matters).
    The output biases are then made positive and large enough that Z[3] >= OUTPUT_FLOOR.
    """
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        X = rng.standard_normal((SIZES[0], M))
        labels = rng.permutation(np.arange(M) % SIZES[-1])
        Y = np.eye(SIZES[-1])[:, labels]
        W = {
            l: rng.standard_normal((SIZES[l], SIZES[l - 1])) * np.sqrt(2 / SIZES[l - 1])
            for l in range(1, L + 1)
        }
        b = {l: 0.3 * rng.standard_normal((SIZES[l], 1)) for l in range(1, L)}
        b[L] = np.zeros((SIZES[L], 1))
        net = _network("relu", W, b)
        net.forward(X)
        hidden = [net.Z[l] for l in range(1, L)]
        if all(np.abs(Z).min() >= MARGIN and (Z > 0).any() and (Z < 0).any() for Z in hidden):
            break
    else:  # pragma: no cover - 1000 draws without a kink-free one is practically impossible
        raise RuntimeError(f"no draw for seed {seed} keeps the pre-activations off the kink")
    lowest = net.Z[L].min(axis=1, keepdims=True)
    b[L] = np.maximum(OUTPUT_FLOOR - lowest, 0.1) + rng.uniform(0, 0.5, (SIZES[L], 1))
    return X, Y, W, b


def draw_settings(seed: int = 0) -> tuple[Setting, Setting]:
    """The seed's literal setting (ReLU output + CE) and the intended one (softmax + CE), on the
    same X, Y, W and b, evaluated (engine gradients and finite differences)."""
    X, Y, W, b = draw_problem(seed)
    literal = Setting(RELU_CE, _network("relu", W, b), X, Y).evaluate()
    intended = Setting(SOFTMAX_CE, _network("softmax", W, b), X, Y).evaluate()
    return literal, intended


# ---------------------------------------------------------------------- the entries


def negative_cost(J: float) -> str:
    """Why the cost can be negative, where it is: the ReLU outputs are not probabilities."""
    return " (`J < 0`: the ReLU outputs are not probabilities, see entry <relu_output>)" * (J < 0)


def _notation_shapes(S: Setting, T: Setting) -> ErratumRecord:
    shapes = ", ".join(f"W[{l}] {S.net.W[l].shape}" for l in range(1, L + 1))
    activations = ", ".join(f"Z[{l}] {S.Z[l].shape}" for l in range(1, L + 1))
    return ErratumRecord(
        id="",
        key="shapes",
        section="2.1.2--2.1.3 Notation",
        seed_latex=(
            r"$X\in\mathbb{R}^{n_x\times m}$, $Y\in\mathbb{R}^{n_y\times m}$, "
            r"$\mathbf{y}\in\mathbb{R}^{1\times m}$, "
            r"$W^{[l]}\in\mathbb{R}^{n^{[l]}\times n^{[l-1]}}$, "
            r"$Z^{[l]},A^{[l]}\in\mathbb{R}^{n^{[l]}\times m}$"
        ),
        correct_latex=r"as in the seed; $Y$ is the one-hot encoding of the labels $\mathbf{y}$",
        verdict="correct",
        explanation=(
            "Examples are columns, as in the course. The sentence giving the shape of X is "
            "unfinished, and the relation between the labels y and the one-hot Y is not stated."
        ),
        finding=f"engine shapes: X {S.X.shape}, Y {S.Y.shape}, {shapes}, {activations}",
    )


def _notation_bias(S: Setting, T: Setting) -> ErratumRecord:
    W1, b1 = S.net.W[1], S.net.b[1]
    n1 = W1.shape[0]
    error = outcome(seed_linear, W1, S.X, b1.ravel())
    X_square = S.X[:, :n1]  # m = n[1]: the 1-D bias broadcasts without complaint
    wrong = seed_linear(W1, X_square, b1.ravel())
    right = seed_linear(W1, X_square, b1)
    difference = float(np.abs(wrong - right).max())
    return ErratumRecord(
        id="",
        key="bias_shape",
        quantity="Z[1]",
        section="2.1.2 Notation",
        seed_latex=(
            r"$\mathbf{b}^{[l]}\in\mathbb{R}^{n^{[l]}}$, ``a column vector with shape "
            r"$(n^{[l]},\,)$''"
        ),
        correct_latex=(
            r"$b^{[l]}\in\mathbb{R}^{n^{[l]}\times 1}$, shape $(n^{[l]},1)$, added to every "
            r"column: $Z^{[l]}=W^{[l]}A^{[l-1]}+b^{[l]}\mathbf{1}_m^{\top}$"
        ),
        verdict="wrong",
        explanation=(
            "(n,) is a 1-D numpy array, not a column: broadcasting aligns it with the last axis "
            "of `W A`, the examples. `W A + b` then fails when n[l] differs from `m`, and when "
            "`n[l] = m` it silently adds `b_j` to the whole column `j`."
        ),
        setting=RELU_CE,
        seed_error=error,
        value=difference,
        finding=(
            f"with `m = n[1] = {n1}` it runs, and is wrong: the entries of Z[1] are off by up "
            f"to {difference:.3g}"
        ),
    )


def _notation_y_hat(S: Setting, T: Setting) -> ErratumRecord:
    return ErratumRecord(
        id="",
        key="y_hat_shape",
        section="2.1.3 Notation",
        seed_latex=r"$\hat{y}\in\mathbb{R}^{m}$, ``the predicted output label''",
        correct_latex=r"$\hat{Y}=A^{[L]}\in\mathbb{R}^{n_y\times m}$, one column per example",
        verdict="wrong",
        explanation=(
            "The loss in 2.4 uses `y_hat = A[3]`, an (n_y, m) matrix of class scores, not a "
            "vector of `m` labels."
        ),
        setting=RELU_CE,
        seed_error=f"shape {(S.m,)} in the notation; A[3] is {S.A[L].shape}",
    )


def _notation_cost(S: Setting, T: Setting) -> ErratumRecord:
    J = S.net.cost(S.X, S.Y)
    same = all(S.dW[l].shape == S.net.W[l].shape for l in S.dW) and all(
        S.db[l].shape == S.net.b[l].shape for l in S.db
    )
    return ErratumRecord(
        id="",
        key="cost_notation",
        section="2.1.4 Notation",
        seed_latex=(
            r"$\mathcal{J}\in\mathbb{R}^1$, $dW^{[l]}=\partial\mathcal{J}/\partial W^{[l]}$, "
            r"$db^{[l]}=\partial\mathcal{J}/\partial b^{[l]}$"
        ),
        correct_latex=(
            r"as in the seed: $\mathcal{J}$ is a scalar; $dW^{[l]}$, $db^{[l]}$ have the shapes "
            r"of $W^{[l]}$, $b^{[l]}$"
        ),
        verdict="correct",
        explanation=(
            "Right, and the rest of the seed must honour it: the loss in 2.4 is not a scalar and "
            "the db[l] of 2.5.2, 2.5.3 and 2.6 do not have the shape of b[l]."
        ),
        setting=RELU_CE,
        finding=(
            f"engine: `J = {J:.4f}`, a float{negative_cost(J)}; dW[l], db[l] "
            + ("have" if same else "do NOT have")
            + " the shapes of W[l], b[l]"
        ),
    )


def _architecture(S: Setting, T: Setting) -> ErratumRecord:
    n = S.net.n_parameters()
    return ErratumRecord(
        id="",
        key="architecture",
        section="2.2 Architecture",
        seed_latex=r"$L=3$, $n_x=3$, $n^{[1]}=4$, $n^{[2]}=3$, $n_y=2$",
        correct_latex="as in the seed",
        verdict="correct",
        explanation="Two hidden layers and an output layer; the input layer is not counted in L.",
        value=float(n),
        finding=f"engine: L = {S.net.L}, {n} parameters",
    )


def _forward(S: Setting, T: Setting) -> ErratumRecord:
    g = dict.fromkeys(range(1, L + 1), seed_relu)
    Z, A = seed_forward(S.X, S.net.W, S.net.b, g)
    difference = max(float(np.abs(P[l] - Q[l]).max()) for P, Q in ((Z, S.Z), (A, S.A)) for l in Z)
    return ErratumRecord(
        id="",
        key="forward",
        section="2.3 Forward propagation",
        seed_latex=(
            r"$A^{[0]}=X$, $Z^{[l]}=W^{[l]}A^{[l-1]}+\mathbf{b}^{[l]}$, "
            r"$A^{[l]}=g^{[l]}(Z^{[l]})$, $l=1,2,3$"
        ),
        correct_latex=r"as in the seed, with $b^{[l]}$ of shape $(n^{[l]},1)$",
        verdict="correct",
        explanation=(
            "Right: W A is a matrix product and g acts element by element. It needs the bias as "
            "an (n[l], 1) column, not the (n[l],) of the notation."
        ),
        setting=RELU_CE,
        value=difference,
        finding=f"literal forward pass vs the engine: largest absolute difference {difference:.3g}",
    )


def _loss(S: Setting, T: Setting) -> ErratumRecord:
    A3, Y = S.A[L], S.Y
    J = S.net.cost(S.X, Y)
    C = seed_cost_matrix(A3, Y)
    off_diagonal = float(np.abs(C - np.diag(np.diag(C))).max())
    gap = abs(float(np.trace(C)) - J)
    return ErratumRecord(
        id="",
        key="loss",
        quantity="`J`",
        section="2.4 Loss function",
        seed_latex=r"$\mathcal{J}(\hat{y},Y)=-\frac{1}{m}\,Y\log(\hat{y})$",
        correct_latex=(
            r"$\mathcal{J}=-\frac{1}{m}\sum_{k,j}Y_{kj}\log A^{[3]}_{kj}$, a scalar: "
            r"$-\frac{1}{m}\mathbf{1}^{\top}(Y\odot\log A^{[3]})\,\mathbf{1}$"
        ),
        verdict="wrong",
        explanation=(
            "`Y log(y_hat)` is not a scalar. Both factors are (n_y, m), so the matrix product is "
            "undefined; the cost is a double sum over classes and examples, an element-wise "
            "product summed."
        ),
        setting=RELU_CE,
        seed_error=outcome(seed_cost, A3, Y),
        value=gap,
        finding=(
            f"read as `-(1/m) Y log(A[3])^T`: a {C.shape} matrix with off-diagonal entries up "
            f"to {off_diagonal:.3g}; its trace matches `J = {J:.4f}` to {gap:.1g}{negative_cost(J)}"
        ),
    )


def _dJ_dA(S: Setting, T: Setting) -> ErratumRecord:
    A3, Y = S.A[L], S.Y
    return ErratumRecord(
        id="",
        key="dJ_dA",
        quantity="dJ/dA[3]",
        section="2.4 Loss function",
        seed_latex=r"$\dfrac{\partial\mathcal{J}}{\partial A^{[3]}}=Y-A^{[3]}$",
        correct_latex=(
            r"$\dfrac{\partial\mathcal{J}}{\partial A^{[3]}}=-\frac{1}{m}\,Y\oslash A^{[3]}$ "
            r"(element-wise division)"
        ),
        verdict="wrong",
        explanation=(
            "The derivative of `-(1/m) sum Y log A` is `-(1/m) Y / A`, entry by entry. `Y - A[3]` "
            "is not a derivative of the cross-entropy; 2.5.1 then silently switches to "
            "`(A[3] - Y)/m`."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_dJ_dA3(A3, Y), S.dA_num),
        correct_error=relative_error(S.true_dJ_dA(), S.dA_num),
    )


def _dJ_dA_softmax(S: Setting, T: Setting) -> ErratumRecord:
    return ErratumRecord(
        id="",
        key="dJ_dA_softmax",
        quantity="delta[3] = dJ/dZ[3]",
        section="2.4 Loss function",
        seed_latex=(
            r"$Y-A^{[3]}$, read as $\dfrac{\partial\mathcal{J}}{\partial Z^{[3]}}$ of a softmax "
            r"output"
        ),
        correct_latex=(
            r"$\delta^{[3]}=\dfrac{\partial\mathcal{J}}{\partial Z^{[3]}}=\frac{1}{m}(A^{[3]}-Y)$"
        ),
        verdict="wrong",
        explanation=(
            "The charitable reading, softmax with cross-entropy, has the opposite sign (and the "
            "`1/m`). Gradient descent with `Y - A` would climb the cost."
        ),
        setting=SOFTMAX_CE,
        seed_error=numeric_verdict(seed_dJ_dA3(T.A[L], T.Y), T.delta_num[L]),
        correct_error=relative_error(T.delta[L], T.delta_num[L]),
    )


def _update(S: Setting, T: Setting) -> ErratumRecord:
    net = S.net.copy()
    alpha = 1e-4
    J_before = net.cost(S.X, S.Y)
    squared_norm = sum(float(np.sum(S.dW[l] ** 2) + np.sum(S.db[l] ** 2)) for l in S.dW)
    net.update(S.dW, S.db, alpha)
    change = net.cost(S.X, S.Y) - J_before
    ratio = change / (-alpha * squared_norm)
    return ErratumRecord(
        id="",
        key="update",
        section="2.5, 2.5.4 Update rule",
        seed_latex=(
            r"$W^{[l]}\leftarrow W^{[l]}-\alpha\,dW^{[l]}$, "
            r"$\mathbf{b}^{[l]}\leftarrow\mathbf{b}^{[l]}-\alpha\,d\mathbf{b}^{[l]}$"
        ),
        correct_latex="as in the seed (2.5 writes it with $=$ for the assignment)",
        verdict="correct",
        explanation=(
            "Gradient descent; it is only as good as dW and db, and needs db[l] of the shape of "
            "b[l]."
        ),
        setting=RELU_CE,
        value=ratio,
        finding=(
            f"one step with `alpha = {alpha:g}` changes `J` by {change:.3g}, "
            f"{ratio:.5f} times the first-order prediction `-alpha ||g||^2`"
        ),
    )


def _chain_rule(S: Setting, T: Setting) -> ErratumRecord:
    args = (S.true_dJ_dA(), S.gp(L), S.A[L - 1])
    return ErratumRecord(
        id="",
        key="chain_rule",
        quantity="dW[3]",
        section="2.5.1--2.5.3 Chain rule",
        seed_latex=(
            r"$\frac{\partial\mathcal{J}}{\partial W^{[3]}}=\frac{\partial\mathcal{J}}"
            r"{\partial A^{[3]}}\frac{\partial A^{[3]}}{\partial Z^{[3]}}\frac{\partial Z^{[3]}}"
            r"{\partial W^{[3]}}$, $\frac{\partial A^{[3]}}{\partial Z^{[3]}}=g^{[3]\prime}"
            r"(Z^{[3]})$, $\frac{\partial Z^{[3]}}{\partial W^{[3]}}=A^{[2]}$, "
            r"$\frac{\partial Z^{[3]}}{\partial\mathbf{b}^{[3]}}=\mathbf{1}$; likewise for "
            r"layers 2 and 1"
        ),
        correct_latex=(
            r"$dW^{[3]}=\bigl(\frac{\partial\mathcal{J}}{\partial A^{[3]}}\odot g^{[3]\prime}"
            r"(Z^{[3]})\bigr)A^{[2]\top}$, $db^{[3]}=\bigl(\frac{\partial\mathcal{J}}"
            r"{\partial A^{[3]}}\odot g^{[3]\prime}(Z^{[3]})\bigr)\mathbf{1}_m$"
        ),
        verdict="ambiguous",
        explanation=(
            "Right entry by entry, but as matrices the factors cannot be multiplied in the order "
            "written: g' enters through a Hadamard product, and dZ/dW = A[2] must become A[2]^T "
            "on the right; dZ/db = 1 means a sum over the examples. 'The first two terms are "
            "delta[3]' is right."
        ),
        setting=RELU_CE,
        seed_error=outcome(seed_chain_rule_dW3, *args),
        correct_error=relative_error(S.dW[L], S.dW_num[L]),
        literal_reading=outcome(seed_chain_rule_dW3, *args, product=matrix_product),
        also=(
            Check(
                f"{RELU_CE}, entry by entry, A[2]^T on the right",
                numeric_verdict(seed_chain_rule_dW3(*args[:2], args[2].T), S.dW_num[L]),
            ),
        ),
    )


def _seed_delta3(setting: Setting):
    """The seed's delta[3] in a setting, and the g[3]' it used: ReLU's on the literal setting, 1
    on the softmax one (where (A[3] - Y) already is m dJ/dZ[3])."""
    gp3 = setting.gp(L) if setting.name == RELU_CE else np.ones_like(setting.Z[L])
    return seed_delta3(setting.A[L], setting.Y, gp3), gp3


def _dW3(S: Setting, T: Setting) -> ErratumRecord:
    _, gp_S = _seed_delta3(S)
    _, gp_T = _seed_delta3(T)
    return ErratumRecord(
        id="",
        key="dW3",
        quantity="dW[3]",
        section="2.5.1 Output layer",
        seed_latex=(
            r"$\dfrac{\partial\mathcal{J}}{\partial W^{[3]}}=\frac{1}{m}(A^{[3]}-Y)\,"
            r"g^{[3]\prime}(Z^{[3]})\,A^{[2]T}$"
        ),
        correct_latex=(
            r"$dW^{[3]}=\delta^{[3]}A^{[2]\top}$, $\delta^{[3]}=-\frac{1}{m}(Y\oslash A^{[3]})"
            r"\odot g^{[3]\prime}(Z^{[3]})$ (ReLU); $\delta^{[3]}=\frac{1}{m}(A^{[3]}-Y)$ (softmax)"
        ),
        verdict="wrong",
        explanation=(
            "`(A[3] - Y)/m` is dJ/dA[3] for the mean squared error "
            "`J = (1/(2m)) sum ||A[3] - Y||^2`, or dJ/dZ[3] for softmax with cross-entropy; with "
            "the seed's ReLU output and cross-entropy it is neither, so dW[3] is wrong. For "
            "softmax (`g'` read as 1) the formula is right. It also contradicts 2.4's `Y - A[3]`."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_dW3(S.A[L], S.Y, gp_S, S.A[L - 1]), S.dW_num[L]),
        correct_error=relative_error(S.dW[L], S.dW_num[L]),
        literal_reading=outcome(seed_dW3, S.A[L], S.Y, gp_S, S.A[L - 1], product=matrix_product),
        also=(
            Check(
                SOFTMAX_CE,
                numeric_verdict(seed_dW3(T.A[L], T.Y, gp_T, T.A[L - 1]), T.dW_num[L]),
                relative_error(T.dW[L], T.dW_num[L]),
            ),
        ),
    )


def _db3(S: Setting, T: Setting) -> ErratumRecord:
    _, gp_S = _seed_delta3(S)
    _, gp_T = _seed_delta3(T)
    return ErratumRecord(
        id="",
        key="db3",
        quantity="db[3]",
        section="2.5.1 Output layer",
        seed_latex=(
            r"$\dfrac{\partial\mathcal{J}}{\partial\mathbf{b}^{[3]}}=\frac{1}{m}\sum(A^{[3]}-Y)"
            r"\,g^{[3]\prime}(Z^{[3]})$"
        ),
        correct_latex=r"$db^{[3]}=\sum_{i=1}^{m}\delta^{[3]}_{:,i}=\delta^{[3]}\mathbf{1}_m$",
        verdict="wrong",
        explanation=(
            "Wrong for ReLU with cross-entropy, like dW[3]; right for softmax. The sum has no "
            "index: it must run over the examples (columns), not over every entry."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_db3(S.A[L], S.Y, gp_S), S.db_num[L]),
        correct_error=relative_error(S.db[L], S.db_num[L]),
        literal_reading=outcome(seed_db3, S.A[L], S.Y, gp_S, product=matrix_product),
        also=(
            Check(
                SOFTMAX_CE,
                numeric_verdict(seed_db3(T.A[L], T.Y, gp_T), T.db_num[L]),
                relative_error(T.db[L], T.db_num[L]),
            ),
            Check(
                "sum over every entry",
                numeric_verdict(seed_db3(S.A[L], S.Y, gp_S, axis=None), S.db_num[L]),
            ),
        ),
    )


def _delta3(S: Setting, T: Setting, key="delta3", section="2.5.1 Output layer") -> ErratumRecord:
    seed_S, gp_S = _seed_delta3(S)
    seed_T, _ = _seed_delta3(T)
    return ErratumRecord(
        id="",
        key=key,
        quantity="delta[3] = dJ/dZ[3]",
        section=section,
        seed_latex=(
            r"$\delta^{[3]}=\dfrac{\partial\mathcal{J}}{\partial Z^{[3]}}=(A^{[3]}-Y)\,"
            r"g^{[3]\prime}(Z^{[3]})$"
        ),
        correct_latex=(
            r"$\delta^{[3]}=-\frac{1}{m}(Y\oslash A^{[3]})\odot g^{[3]\prime}(Z^{[3]})$ (ReLU); "
            r"$\delta^{[3]}=\frac{1}{m}(A^{[3]}-Y)$ (softmax)"
        ),
        verdict="wrong",
        explanation=(
            "Wrong for ReLU with cross-entropy; for softmax it lacks the `1/m` that dW[3] carries, "
            "so it is `m` times too large, and every delta and gradient below inherits that."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_S, S.delta_num[L]),
        correct_error=relative_error(S.delta[L], S.delta_num[L]),
        literal_reading=outcome(seed_delta3, S.A[L], S.Y, gp_S, product=matrix_product),
        also=(
            Check(
                SOFTMAX_CE,
                numeric_verdict(seed_T, T.delta_num[L]),
                relative_error(T.delta[L], T.delta_num[L]),
            ),
        ),
    )


def _seed_deltas(setting: Setting) -> dict:
    """The seed's chain in a setting: its delta[3], then delta[2] and delta[1] by its recursion."""
    delta = {L: _seed_delta3(setting)[0]}
    for l in range(L - 1, 0, -1):
        delta[l] = seed_delta_recursion(setting.net.W[l + 1], delta[l + 1], setting.gp(l))
    return delta


_HIDDEN_LATEX = {
    2: ("W^{[3]T}", r"\delta^{[3]}", r"g^{[2]\prime}(Z^{[2]})", "A^{[1]T}"),
    1: ("W^{[2]T}", r"\delta^{[2]}", r"g^{[1]\prime}(Z^{[1]})", "A^{[0]T}"),
}
_HIDDEN_SECTION = {2: "2.5.2 Second layer", 1: "2.5.3 First layer"}


def _dW_hidden(l: int, S: Setting, T: Setting) -> ErratumRecord:
    Wt, d, gp, At = _HIDDEN_LATEX[l]
    W, A = S.net.W[l + 1], S.A[l - 1]
    seed_S, seed_T = _seed_deltas(S), _seed_deltas(T)
    return ErratumRecord(
        id="",
        key=f"dW{l}",
        quantity=f"dW[{l}]",
        section=_HIDDEN_SECTION[l],
        seed_latex=rf"$\dfrac{{\partial\mathcal{{J}}}}{{\partial W^{{[{l}]}}}}={Wt}{d}{gp}{At}$",
        correct_latex=(
            rf"$dW^{{[{l}]}}=\delta^{{[{l}]}}A^{{[{l - 1}]\top}}$, "
            rf"$\delta^{{[{l}]}}=(W^{{[{l + 1}]\top}}\delta^{{[{l + 1}]}})\odot "
            rf"g^{{[{l}]\prime}}(Z^{{[{l}]}})$"
        ),
        verdict="inherited",
        explanation=(
            f"As a step it is right once g'(Z[{l}]) is read as a Hadamard product: fed the true "
            f"delta[{l + 1}] it matches the finite differences. Fed the seed's chain it carries "
            "the errors of delta[3] (for softmax, a factor `m`)."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_dW_hidden(W, seed_S[l + 1], S.gp(l), A), S.dW_num[l]),
        correct_error=relative_error(S.dW[l], S.dW_num[l]),
        literal_reading=outcome(
            seed_dW_hidden, W, S.delta[l + 1], S.gp(l), A, product=matrix_product
        ),
        also=(
            Check(
                SOFTMAX_CE,
                numeric_verdict(seed_dW_hidden(W, seed_T[l + 1], T.gp(l), A), T.dW_num[l]),
                relative_error(T.dW[l], T.dW_num[l]),
            ),
            Check(
                f"{RELU_CE}, true delta[{l + 1}]",
                numeric_verdict(seed_dW_hidden(W, S.delta[l + 1], S.gp(l), A), S.dW_num[l]),
            ),
        ),
    )


def _db_hidden(l: int, S: Setting, T: Setting) -> ErratumRecord:
    Wt, d, gp, _ = _HIDDEN_LATEX[l]
    W = S.net.W[l + 1]
    seed_S = _seed_deltas(S)
    return ErratumRecord(
        id="",
        key=f"db{l}",
        quantity=f"db[{l}]",
        section=_HIDDEN_SECTION[l],
        seed_latex=rf"$\dfrac{{\partial\mathcal{{J}}}}{{\partial\mathbf{{b}}^{{[{l}]}}}}={Wt}{d}{gp}$",
        correct_latex=rf"$db^{{[{l}]}}=\delta^{{[{l}]}}\mathbf{{1}}_m$ (a sum over the examples)",
        verdict="wrong",
        explanation=(
            f"This is delta[{l}], one column per example, shape (n[{l}], m); the gradient of "
            f"b[{l}] sums those columns. The update `b - alpha db` then broadcasts `b` to (n, m)."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_db_hidden(W, seed_S[l + 1], S.gp(l)), S.db_num[l]),
        correct_error=relative_error(S.db[l], S.db_num[l]),
        literal_reading=outcome(seed_db_hidden, W, S.delta[l + 1], S.gp(l), product=matrix_product),
    )


def _delta2(S: Setting, T: Setting) -> ErratumRecord:
    l = 2
    W = S.net.W[l + 1]
    seed_S, seed_T = _seed_deltas(S), _seed_deltas(T)
    return ErratumRecord(
        id="",
        key="delta2",
        quantity="delta[2]",
        section=_HIDDEN_SECTION[l],
        seed_latex=(
            r"$\delta^{[2]}=\dfrac{\partial\mathcal{J}}{\partial Z^{[2]}}=W^{[3]T}\delta^{[3]}"
            r"g^{[2]\prime}(Z^{[2]})$"
        ),
        correct_latex=r"$\delta^{[2]}=(W^{[3]\top}\delta^{[3]})\odot g^{[2]\prime}(Z^{[2]})$",
        verdict="inherited",
        explanation=(
            "Right as a step with a Hadamard product for g'(Z[2]); its numbers inherit the "
            "seed's delta[3]."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_S[l], S.delta_num[l]),
        correct_error=relative_error(S.delta[l], S.delta_num[l]),
        literal_reading=outcome(
            seed_delta_recursion, W, S.delta[l + 1], S.gp(l), product=matrix_product
        ),
        also=(
            Check(
                SOFTMAX_CE,
                numeric_verdict(seed_T[l], T.delta_num[l]),
                relative_error(T.delta[l], T.delta_num[l]),
            ),
            Check(
                f"{RELU_CE}, true delta[3]",
                numeric_verdict(seed_delta_recursion(W, S.delta[l + 1], S.gp(l)), S.delta_num[l]),
            ),
        ),
    )


def _relu(S: Setting, T: Setting) -> ErratumRecord:
    Z = np.concatenate([S.Z[l].ravel() for l in range(1, L + 1)] + [np.linspace(-2, 2, 9)])
    difference = float(np.abs(seed_relu(Z) - relu(Z)).max())
    try:
        max(0, Z)
        builtin = "Python's max(0, Z) runs"
    except ValueError:
        builtin = "Python's max(0, Z) raises ValueError (an array has no truth value)"
    return ErratumRecord(
        id="",
        key="relu",
        section="2.5.5 Activation",
        seed_latex=r"$g^{[l]}(Z^{[l]})=\max(0,Z^{[l]})$",
        correct_latex=r"as in the seed, element by element (\texttt{np.maximum})",
        verdict="correct",
        explanation="Right, read element-wise.",
        setting=RELU_CE,
        value=difference,
        literal_reading=builtin,
        finding=f"np.maximum(0, Z) vs the engine: largest absolute difference {difference:.3g}",
    )


def _relu_prime(S: Setting, T: Setting) -> ErratumRecord:
    Z = np.concatenate([S.Z[l].ravel() for l in range(1, L + 1)])  # all off the kink
    g_num = np.array([central_differences(lambda z: float(relu(z[0])), [z])[0] for z in Z])
    left = (relu(0.0) - relu(-EPS)) / EPS
    right = (relu(EPS) - relu(0.0)) / EPS
    return ErratumRecord(
        id="",
        key="relu_prime",
        quantity="`g'(z)` at the hidden pre-activations",
        section="2.5.5 Activation",
        seed_latex=(
            r"$g^{[l]\prime}(Z^{[l]})=\begin{cases}1 & Z^{[l]}>0\\ 0 & Z^{[l]}\le 0\end{cases}$"
        ),
        correct_latex=(
            r"as in the seed, element by element; $g'(0)=0$ is a convention (any value in "
            r"$[0,1]$ is a subgradient)"
        ),
        verdict="correct",
        explanation=(
            "Right away from 0. At 0 ReLU has no derivative; taking 0 there is the usual choice, "
            "and the one the engine makes."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_relu_prime(Z), g_num),
        correct_error=relative_error(relu_prime(Z), g_num),
        finding=f"one-sided slopes at 0: {left:g} and {right:g}",
    )


def _relu_output(S: Setting, T: Setting) -> ErratumRecord:
    sums = S.A[L].sum(axis=0)
    dead = S.net.copy()
    k = int(np.argmax(S.Y[:, 0]))  # the true class of the first example
    dead.b[L][k] = -np.abs(dead.W[L][k] @ S.A[L - 1]).max() - 1  # unit k outputs 0 everywhere
    with np.errstate(divide="ignore"):
        J_dead = dead.cost(S.X, S.Y)
    J = S.net.cost(S.X, S.Y)
    scaled = S.net.copy()  # the output layer times 10: every output A[3] times 10
    scaled.W[L] *= 10
    scaled.b[L] *= 10
    J_scaled = scaled.cost(S.X, S.Y)
    return ErratumRecord(
        id="",
        key="relu_output",
        quantity="`J`",
        section="1, 2.5.5, 2.6 ReLU output",
        seed_latex=(
            r"ReLU on every layer, the output included, with cross-entropy: "
            r"$g^{[3]\prime}(Z^{[3]})=\begin{cases}1 & Z^{[3]}>0\\ 0 & Z^{[3]}\le 0\end{cases}$"
        ),
        correct_latex=(
            r"$A^{[3]}=\mathrm{softmax}(Z^{[3]})$, "
            r"$A^{[3]}_{kj}=e^{Z^{[3]}_{kj}}/\sum_{i}e^{Z^{[3]}_{ij}}$"
        ),
        verdict="wrong",
        explanation=(
            "Cross-entropy needs probabilities. ReLU outputs need not sum to 1; above 1 they make "
            "the cost negative and unbounded below, so training just inflates them. An output "
            "unit that is 0 for an example of its class gives `log 0`, and its `g' = 0` keeps it "
            "dead."
        ),
        setting=RELU_CE,
        seed_error=f"J = {J_dead} with a dead output unit",
        value=float(np.abs(sums - 1).max()),
        finding=(
            f"columns of A[3] sum to {sums.min():.3f} ... {sums.max():.3f}, not 1; "
            f"`J = {J:.3f}`, and {J_scaled:.3f} with the output layer scaled by 10"
        ),
    )


def _general_dW(S: Setting, T: Setting, key="general_dW", section="2.6 General") -> ErratumRecord:
    layers = range(1, L + 1)
    seed = [seed_general_dW(S.delta[l], S.A[l - 1]) for l in layers]
    return ErratumRecord(
        id="",
        key=key,
        quantity="dW[1], dW[2], dW[3]",
        section=section,
        seed_latex=(
            r"$\dfrac{\partial\mathcal{J}}{\partial W^{[l]}}=\delta^{[l]}\mathbf{A}^{[l-1]T}$"
            if key == "general_dW"
            else r"$\dfrac{\partial\mathcal{L}}{\partial W^{[l]}}=\delta^{[l]}\mathbf{A}^{[l-1]T}$"
        ),
        correct_latex=r"$dW^{[l]}=\delta^{[l]}A^{[l-1]\top}$ (a matrix product)",
        verdict="correct",
        explanation=(
            "Right, given the true delta[l]; the sum over the examples is inside the matrix "
            "product."
            + (
                ""
                if key == "general_dW"
                else " The left side is right if `L` is the cost `J`; entry <note_delta_L> shows "
                "that no one reading of `L` makes all of Section 3 right."
            )
        ),
        setting=f"{RELU_CE}, true deltas",
        seed_error=stacked_error(seed, [S.dW_num[l] for l in layers]),
        correct_error=stacked_error([S.dW[l] for l in layers], [S.dW_num[l] for l in layers]),
    )


def _general_db(S: Setting, T: Setting) -> ErratumRecord:
    return ErratumRecord(
        id="",
        key="general_db",
        quantity="db[3]",
        section="2.6 General",
        seed_latex=r"$\dfrac{\partial\mathcal{J}}{\partial b^{[l]}}=\delta^{[l]}$",
        correct_latex=r"$db^{[l]}=\delta^{[l]}\mathbf{1}_m=\sum_{i=1}^{m}\delta^{[l]}_{:,i}$",
        verdict="wrong",
        explanation=(
            "delta[l] has one column per example; db[l] is their sum. Section 3 gets this right."
        ),
        setting=f"{RELU_CE}, true delta[3]",
        seed_error=numeric_verdict(seed_general_db(S.delta[L]), S.db_num[L]),
        correct_error=relative_error(S.db[L], S.db_num[L]),
    )


def _general_delta(S: Setting, T: Setting) -> ErratumRecord:
    layers = range(1, L)
    seed = [seed_delta_recursion(S.net.W[l + 1], S.delta[l + 1], S.gp(l)) for l in layers]
    return ErratumRecord(
        id="",
        key="general_delta",
        quantity="delta[1], delta[2]",
        section="2.6 General",
        seed_latex=r"$\delta^{[l]}=(W^{[l+1]T}\delta^{[l+1]})\,g^{[l]\prime}(Z^{[l]})$",
        correct_latex=r"$\delta^{[l]}=(W^{[l+1]\top}\delta^{[l+1]})\odot g^{[l]\prime}(Z^{[l]})$",
        verdict="ambiguous",
        explanation=(
            "Right if the second product is read as a Hadamard product; the seed never says "
            "which products are element-wise, and a matrix product fails."
        ),
        setting=f"{RELU_CE}, true deltas",
        seed_error=stacked_error(seed, [S.delta_num[l] for l in layers]),
        correct_error=stacked_error([S.delta[l] for l in layers], [S.delta_num[l] for l in layers]),
        literal_reading=outcome(
            seed_delta_recursion, S.net.W[L], S.delta[L], S.gp(L - 1), product=matrix_product
        ),
    )


def _delta_L(S: Setting, T: Setting) -> ErratumRecord:
    gp = S.gp(L)
    return ErratumRecord(
        id="",
        key="delta_L",
        quantity="delta[3]",
        section="2.6 General",
        seed_latex=(
            r"$\delta^{[L]}=\frac{1}{m}\dfrac{\partial\mathcal{J}}{\partial\mathbf{A}^{[L]}}"
            r"g^{[L]\prime}(Z^{[L]})$"
        ),
        correct_latex=(
            r"$\delta^{[L]}=\dfrac{\partial\mathcal{J}}{\partial A^{[L]}}\odot g^{[L]\prime}"
            r"(Z^{[L]})$; the $\frac{1}{m}$ is already in $\mathcal{J}$"
        ),
        verdict="wrong",
        explanation=(
            "dJ/dA[L] of the cost already carries the `1/m`, so this divides by `m` twice (`m` "
            "times too small). With the seed's own `dJ/dA[3] = Y - A[3]` it is wrong in sign as "
            "well."
        ),
        setting=RELU_CE,
        seed_error=numeric_verdict(seed_delta_L(S.true_dJ_dA(), gp, S.m), S.delta_num[L]),
        correct_error=relative_error(S.delta[L], S.delta_num[L]),
        literal_reading=outcome(seed_delta_L, S.true_dJ_dA(), gp, S.m, product=matrix_product),
        also=(
            Check(
                f"{RELU_CE}, seed's dJ/dA[3]",
                numeric_verdict(seed_delta_L(seed_dJ_dA3(S.A[L], S.Y), gp, S.m), S.delta_num[L]),
            ),
        ),
    )


def _delta3_general(S: Setting, T: Setting) -> ErratumRecord:
    record = _delta3(S, T, key="delta3_general", section="2.6 General")
    general = seed_delta_L(seed_dJ_dA3(S.A[L], S.Y), S.gp(L), S.m)
    disagreement = relative_error(_seed_delta3(S)[0], general)
    return replace(
        record,
        explanation=(
            "The 2.5.1 formula again, with the same faults. It also contradicts the line above "
            "fed with the seed's dJ/dA[3] = Y - A[3]: opposite sign, and a factor m."
        ),
        value=disagreement,
        finding=f"relative difference from `(1/m)(Y - A[3]) g'(Z[3])`: {disagreement:.3g}",
    )


def _note_db(S: Setting, T: Setting) -> ErratumRecord:
    layers = range(1, L + 1)
    seed = [seed_note_db(S.delta[l]) for l in layers]
    flat = S.net.b[L] - 0.1 * np.sum(S.delta[L], axis=1)  # the sum written without keepdims
    return ErratumRecord(
        id="",
        key="note_db",
        quantity="db[1], db[2], db[3]",
        section="3 Implementation",
        seed_latex=r"$\dfrac{\partial\mathcal{L}}{\partial b^{[l]}}=\sum_{i=1}^{m}\delta^{[l](i)}$",
        correct_latex=(
            r"$db^{[l]}=\sum_{i=1}^{m}\delta^{[l]}_{:,i}$, kept as an $(n^{[l]},1)$ column "
            r"(\texttt{keepdims=True})"
        ),
        verdict="correct",
        explanation=(
            "Right (and it corrects 2.5.2, 2.5.3 and 2.6). In numpy the sum must keep its column "
            "shape: a 1-D sum makes `b - alpha db` an (n, n) matrix, silently."
        ),
        setting=f"{RELU_CE}, true deltas",
        seed_error=stacked_error(seed, [S.db_num[l] for l in layers]),
        correct_error=stacked_error([S.db[l] for l in layers], [S.db_num[l] for l in layers]),
        finding=f"without keepdims, `b[3] - alpha db[3]` has shape {flat.shape}",
    )


def _note_delta(S: Setting, T: Setting) -> ErratumRecord:
    layers = range(1, L)
    return ErratumRecord(
        id="",
        key="note_delta",
        quantity="delta[1], delta[2]",
        section="3 Implementation",
        seed_latex=(
            r"$\delta^{[l]}=(W^{[l+1]T}\odot\delta^{[l+1]})\,g^{[l]\prime}(Z^{[l]})$, "
            r"``here $\odot$ is the dot product''"
        ),
        correct_latex=(
            r"$\delta^{[l]}=(W^{[l+1]\top}\delta^{[l+1]})\odot g^{[l]\prime}(Z^{[l]})$: "
            r"a matrix product, then a Hadamard product"
        ),
        verdict="wrong",
        explanation=(
            "(.) is the Hadamard (element-wise) product, not a dot product, and the seed puts it "
            "where the matrix product W[l+1]^T delta[l+1] belongs; the element-wise product is "
            "the one with g'(Z[l]), left unmarked."
        ),
        setting=f"{RELU_CE}, true delta[3]",
        seed_error=outcome(seed_note_delta, S.net.W[L], S.delta[L], S.gp(L - 1)),
        correct_error=stacked_error([S.delta[l] for l in layers], [S.delta_num[l] for l in layers]),
    )


def _note_delta_L(S: Setting, T: Setting) -> ErratumRecord:
    gp = S.gp(L)
    per_example = S.net.loss.dJ_dA(S.A[L], S.Y, 1.0)  # dL/dA: each column, the loss of one example
    return ErratumRecord(
        id="",
        key="note_delta_L",
        quantity="delta[3]",
        section="3 Implementation",
        seed_latex=(
            r"$\delta^{[L]}=\frac{1}{m}\dfrac{\partial\mathcal{L}}{\partial\mathbf{A}^{[L]}}"
            r"g^{[L]\prime}(Z^{[L]})$"
        ),
        correct_latex=(
            r"$\delta^{[L]}=\frac{1}{m}\dfrac{\partial\mathcal{L}}{\partial A^{[L]}}\odot "
            r"g^{[L]\prime}(Z^{[L]})$ with $\mathcal{L}^{(i)}=-\sum_k Y_{ki}\log A^{[L]}_{ki}$ "
            r"per example, i.e. $-\frac{1}{m}(Y\oslash A^{[L]})\odot g^{[L]\prime}(Z^{[L]})$"
        ),
        verdict="ambiguous",
        explanation=(
            "Section 3 never defines `L`. Read as the cost `J`, as entry <note_dW> needs, this "
            "counts the `1/m` twice; read as the loss of one example (the course's convention), "
            "the `1/m` is right, and entry <note_dW>'s left side must be dJ/dW[l] instead."
        ),
        setting=f"{RELU_CE}, `L = J`",
        seed_error=numeric_verdict(seed_delta_L(S.true_dJ_dA(), gp, S.m), S.delta_num[L]),
        correct_error=relative_error(S.delta[L], S.delta_num[L]),
        literal_reading=outcome(seed_delta_L, per_example, gp, S.m, product=matrix_product),
        also=(
            Check(
                f"{RELU_CE}, `L` per example",
                numeric_verdict(seed_delta_L(per_example, gp, S.m), S.delta_num[L]),
            ),
        ),
    )


def _note_dW(S: Setting, T: Setting) -> ErratumRecord:
    return _general_dW(S, T, key="note_dW", section="3 Implementation")


#: The audit, in the seed's order: one builder per equation (or group of notation lines).
ENTRIES: tuple[Callable[[Setting, Setting], ErratumRecord], ...] = (
    _notation_shapes,
    _notation_bias,
    _notation_y_hat,
    _notation_cost,
    _architecture,
    _forward,
    _loss,
    _dJ_dA,
    _dJ_dA_softmax,
    _update,
    _chain_rule,
    _dW3,
    _db3,
    _delta3,
    partial(_dW_hidden, 2),
    partial(_db_hidden, 2),
    _delta2,
    partial(_dW_hidden, 1),
    partial(_db_hidden, 1),
    _relu,
    _relu_prime,
    _relu_output,
    _general_dW,
    _general_db,
    _general_delta,
    _delta_L,
    _delta3_general,
    _note_dW,
    _note_db,
    _note_delta,
    _note_delta_L,
)


def errata_records(seed: int = 0) -> list[ErratumRecord]:
    """Every equation of the seed as an ErratumRecord (ids E1, E2, ... in the seed's order).

    All numbers are computed now, on the seed's 3-4-3-2 network in float64 with m = 5 examples
    drawn from ``seed`` (see :func:`draw_problem`).
    """
    literal, intended = draw_settings(seed)
    records = [build(literal, intended) for build in ENTRIES]
    ids = {r.key: f"E{k}" for k, r in enumerate(records, start=1)}

    def refer(text: str) -> str:  # <key> -> the id of that entry
        return re.sub(r"<(\w+)>", lambda match: ids[match[1]], text)

    return [
        replace(r, id=ids[r.key], explanation=refer(r.explanation), finding=refer(r.finding))
        for r in records
    ]


# ---------------------------------------------------------------------- LaTeX

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
# The plain-text notation of the explanations and findings, typeset as math by latex_prose:
# delta[3], W[l+1]^T, n[l] -> superscript layers; g'(Z[2]); dJ/dA[3]; b_j, n_y; (.) and y_hat;
# a shape with symbols, (n_y, m) or (n[l],); an opening quote 'a'. A run between backticks,
# `-(1/m) sum Y log A`, is a formula: sum, log, alpha, ||g||, ^T, (1/m), " / " (element-wise
# division), J (the cost) and L (a loss) are typeset too. The terminal shows the same text,
# backticks removed.
_LAYER = r"\[([0-9lL+\-]+)\]"
_SYMBOL = re.compile(
    rf"(?P<partial>\bd(?P<num>[JLZA])/d(?P<den>[WbAZ])(?:{_LAYER})?)"
    rf"|(?P<gprime>\bg'\(Z{_LAYER}\))"
    rf"|(?P<sym>\b(?:delta|d[WbAZ]|[WbAZn])){_LAYER}(?P<T>\^T)?"
    r"|(?P<shape>\(n(?:_y|\[[0-9lL]\])?,\s?[mn1]?\))"
    r"|(?P<sub>\b[a-z]_[a-z]\b)"
    r"|(?P<word>\(\.\)|\by_hat\b|\bg'(?!\())"
)
_FORMULA = re.compile(
    r"(?P<frac>\(1/(?P<over>m|\(2m\))\))|(?P<norm>\|\|(?P<normed>[^|]+)\|\|)|(?P<op>\b(?:sum|log|alpha)\b)"
    r"|(?P<top>\^T\b)|(?P<div> / )|(?<!\[)\b(?P<cost>[JL])\b(?!\])"
)
_WORDS = {"(.)": r"\odot", "y_hat": r"\hat{y}", "g'": "g'"}
_OPENING_QUOTE = re.compile(r"(?<!\w)'(?=\w)")


def _symbol(match: re.Match) -> str:
    """LaTeX math (no $) for one match of _SYMBOL."""
    if match["partial"]:
        num = {"J": r"\mathcal{J}", "L": r"\mathcal{L}"}.get(match["num"], match["num"])
        layer = match.group(4)
        return rf"\partial {num}/\partial {match['den']}" + (f"^{{[{layer}]}}" if layer else "")
    if match["gprime"]:
        layer = match.group(6)
        return rf"g^{{[{layer}]\prime}}(Z^{{[{layer}]}})"
    if match["sym"]:
        name = r"\delta" if match["sym"] == "delta" else match["sym"]
        top = r"\top" if match["T"] else ""
        return rf"{name}^{{[{match.group(8)}]{top}}}"
    if match["shape"]:
        return _SYMBOL.sub(lambda m: _symbol(m), match["shape"][1:-1]).join("()")
    if match["sub"]:
        return match["sub"]
    return _WORDS[match["word"]]


def _formula(text: str) -> str:
    """LaTeX math (no $) for a plain-text formula such as -(1/m) sum Y log A."""
    out, end = [], 0
    for match in _FORMULA.finditer(text):
        out.append(_SYMBOL.sub(_symbol, text[end : match.start()]))
        if match["frac"]:
            out.append(rf"\frac{{1}}{{{match['over'].strip('()')}}}")
        elif match["norm"]:
            out.append(rf"\lVert {_formula(match['normed'])}\rVert ")
        elif match["op"]:
            out.append(rf"\{match['op']} ")
        elif match["top"]:
            out.append(r"^{\top}")
        elif match["div"]:
            out.append(r"\oslash ")
        else:
            out.append(rf"\mathcal{{{match['cost']}}}")
        end = match.end()
    out.append(_SYMBOL.sub(_symbol, text[end:]))
    return "".join(out)


def latex_escape(text: str) -> str:
    """Plain text made safe for LaTeX."""
    return "".join(_LATEX_SPECIALS.get(c, c) for c in text)


def _prose(text: str) -> str:
    """Text without backticks: escaped, with the notation as inline math."""
    out, end = [], 0
    for match in _SYMBOL.finditer(text):
        out.append(latex_escape(text[end : match.start()]))
        out.append(f"${_symbol(match)}$")
        end = match.end()
    out.append(latex_escape(text[end:]))
    return _OPENING_QUOTE.sub("`", "".join(out))


def latex_prose(text: str) -> str:
    """Plain text for LaTeX: the notation delta[3], W[3]^T, ... and `formulas` as math."""
    parts = text.split("`")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced backtick in {text!r}")
    return "".join(f"${_formula(p)}$" if k % 2 else _prose(p) for k, p in enumerate(parts))


def plain_text(text: str) -> str:
    """The text for the terminal: the formulas' backticks removed, LaTeX's -- as a dash, the
    Hadamard product (.) as * (as plain_formula writes it)."""
    return text.replace("`", "").replace("--", "-").replace("(.)", "*")


def latex_number(x: float | str | None) -> str:
    """A relative error for the table: $0.667$, $3.1\\times10^{-10}$, or a finding in words."""
    if x is None:
        return "--"
    if isinstance(x, str):
        return latex_prose(x)
    return f"${number(x, 3)}$"


def _verdict_cell(r: ErratumRecord) -> str:
    lines = [rf"\textbf{{{r.verdict}}}"]
    if r.quantity:
        lines.append(rf"compared: {latex_prose(r.quantity)}")
    checks = []
    if r.seed_error is not None or r.correct_error is not None:
        checks.append(Check(r.setting, r.seed_error, r.correct_error))
    checks.extend(r.also)
    for c in checks:
        line = rf"{latex_prose(c.label)}: seed {latex_number(c.seed_error)}"
        if c.correct_error is not None:
            line += rf"; fixed {latex_number(c.correct_error)}"
        lines.append(line)
    if r.literal_reading:
        lines.append(rf"literal: {latex_prose(r.literal_reading)}")
    if r.finding:
        lines.append(latex_prose(r.finding))
    return r"\newline ".join(lines)


# Column widths as fractions of \linewidth (they sum to 1): id, section, seed, correct, verdict.
_COLUMNS = (0.05, 0.13, 0.27, 0.27, 0.28)


def _column_spec() -> str:
    return "".join(
        rf">{{\raggedright\arraybackslash}}p{{\dimexpr {f:.2f}\linewidth-2\tabcolsep\relax}}"
        for f in _COLUMNS
    )


LEGEND = (
    r"\noindent Settings: \emph{ReLU+CE} is the seed's own network, ReLU on every layer with "
    r"the cross-entropy (output biases positive, so that $\log A^{[3]}$ is finite); "
    r"\emph{softmax+CE} has a softmax output, where $g^{[3]\prime}$ is read as $1$; a setting "
    r"with \emph{true $\delta$} feeds the formula the engine's $\delta$ instead of the seed's "
    r"own chain. \emph{compared} names the quantity whose numbers are checked: $dW^{[l]}$, "
    r"$db^{[l]}$, $\delta^{[l]} = \partial\mathcal{J}/\partial Z^{[l]}$ or "
    r"$\partial\mathcal{J}/\partial A^{[3]}$, for the layers given. \emph{seed} and \emph{fixed} "
    r"are the relative errors of the seed's formula and of the corrected one against central "
    r"differences of the cost. The seed's formula is read charitably there: two matrices of the "
    r"same shape side by side are multiplied element-wise, any other juxtaposition is a matrix "
    r"product. \emph{literal} reads every juxtaposition as a matrix product (and $\max$ as "
    r"Python's \texttt{max}) and says what happens, mostly a shape error: a \emph{seed} number "
    r"and a \emph{literal} failure in one entry are two readings of the same formula. "
    r"$\odot$ and $\oslash$ are the element-wise product and division, $\mathbf{1}_m$ a column "
    r"of $m$ ones."
    "\n\n"
    r"\noindent Verdicts: \textbf{correct}, right as written (where computed, its \emph{seed} "
    r"error is at the level of \emph{fixed}); \textbf{wrong}, fails on the setting shown even "
    r"read charitably; \textbf{ambiguous}, right under one reading of an unstated product or "
    r"symbol and wrong under another, both shown; \textbf{inherited}, a step that is right "
    r"(fed the true $\delta$ it matches the finite differences) but receives the seed's wrong "
    r"$\delta^{[3]}$ along the seed's own chain, so the numbers it produces are wrong."
)
CAPTION = "Errata of the seed: each equation, its correction and its numeric verdict."


def errata_latex(records: list[ErratumRecord], label: str | None = None) -> str:
    """A LaTeX fragment: the legend, then a captioned longtable (booktabs) with one row per
    erratum and its explanation; ``label`` names the table for \\ref.

    Needs amsmath, amssymb, booktabs, longtable and array; the columns fill \\linewidth, so it fits
    an A4 page with 2.5 cm margins.
    """
    header = (
        r"\textbf{Id} & \textbf{Seed section} & \textbf{Seed's form} & \textbf{Correct form} & "
        r"\textbf{Numeric verdict} \\"
    )
    full_width = r"p{\dimexpr\linewidth-2\tabcolsep\relax}"
    rows = []
    for r in records:
        rows.append(
            rf"{r.id} & {latex_escape(r.section)} & {r.seed_latex} & {r.correct_latex} & "
            rf"{_verdict_cell(r)} \\*"
        )
        rows.append(
            rf"\multicolumn{{5}}{{{full_width}}}{{\emph{{{latex_prose(r.explanation)}}}}} \\"
        )
        rows.append(r"\midrule")
    rows[-1] = r"\bottomrule"  # a page ends on the \midrule of its last entry: the foot is empty
    return "\n".join(
        [
            "% Generated by deltaprop.report.errata: every number below is computed by the code.",
            LEGEND,
            "",
            r"{\footnotesize",
            r"\setlength{\tabcolsep}{3pt}",
            r"\setlength{\LTcapwidth}{\linewidth}",
            r"\renewcommand{\arraystretch}{1.2}",
            rf"\begin{{longtable}}{{{_column_spec()}}}",
            rf"\caption{{{CAPTION}}}" + (rf"\label{{{label}}}" if label else "") + r"\\",
            r"\toprule",
            header,
            r"\midrule",
            r"\endfirsthead",
            rf"\caption[]{{{CAPTION[:-1]} (continued).}}\\",
            r"\toprule",
            header,
            r"\midrule",
            r"\endhead",
            *rows,
            r"\end{longtable}",
            r"}",
            "",
        ]
    )


# ---------------------------------------------------------------------- terminal


def _plain_number(x: float | str | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return plain_text(x)
    return f"{x:.2e}" if x and abs(x) < 1e-3 else f"{x:.3g}"


def _details(r: ErratumRecord) -> list[str]:
    """The numeric verdict of an entry as lines of plain text: what is compared, the errors of
    each check, the literal reading and the finding."""
    checks = []
    if r.seed_error is not None or r.correct_error is not None:
        checks.append(Check(r.setting, r.seed_error, r.correct_error))
    checks.extend(r.also)
    details = [
        f"{plain_text(c.label)}: seed {_plain_number(c.seed_error)}"
        + ("" if c.correct_error is None else f", fixed {_plain_number(c.correct_error)}")
        for c in checks
    ]
    if r.quantity:
        details.insert(0, f"compared: {plain_text(r.quantity)}")
    if r.literal_reading:
        details.append(f"literal: {plain_text(r.literal_reading)}")
    if r.finding:
        details.append(plain_text(r.finding))
    return details


def _indented(lines: list[str], width: int, indent: str = " " * 5) -> list[str]:
    """Each line wrapped to ``width``, indented, its continuation lines two spaces more."""
    out = []
    for line in lines:
        out.extend(
            textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=indent + "  ")
        )
    return out


def errata_summary(records: list[ErratumRecord], width: int = 100) -> str:
    """A plain-text table: id, section, verdict, then the numbers and the finding, indented."""
    lines = [f"{'id':<4} {'seed section':<28} {'verdict':<10} numeric verdict", "-" * width]
    for r in records:
        lines.append(f"{r.id:<4} {plain_text(r.section)[:28]:<28} {r.verdict:<10}".rstrip())
        lines.extend(_indented(_details(r), width))
    return "\n".join(lines)


def errata_entry(r: ErratumRecord, width: int = 100) -> str:
    """One entry in full for the terminal: the seed's form and the correct one in the code's
    notation (delta[2] = (W[3]^T delta[3]) * g[2]'(Z[2])), why, and the numeric verdict."""
    lines = [
        f"seed: {plain_formula(r.seed_latex)}",
        f"correct: {plain_formula(r.correct_latex)}",
        f"why: {plain_text(r.explanation)}",
        *_details(r),
    ]
    return "\n".join([f"{r.id}  {plain_text(r.section)}: {r.verdict}", *_indented(lines, width)])


def errata_legend(width: int = 100) -> str:
    """The report's legend (settings, columns, verdicts) as plain text, after what the
    relative errors mean."""
    paragraphs = [
        "The numbers are relative errors ||g - g_num|| / (||g|| + ||g_num||) of a formula "
        "against central finite differences of the true cost, in float64, on a 3-4-3-2 network "
        "drawn for the errata: around 1e-9 means agreement, above 1e-2 the formula is wrong.",
        *plain_formula(LEGEND).split("\n\n"),
    ]
    return "\n\n".join(textwrap.fill(p, width) for p in paragraphs)


def errata_json(records: list[ErratumRecord]) -> str:
    """Every entry as a JSON record: its fields, and the two forms as plain text."""
    return json.dumps(
        [
            {
                **asdict(r),
                "seed_text": plain_formula(r.seed_latex),
                "correct_text": plain_formula(r.correct_latex),
            }
            for r in records
        ],
        indent=2,
        allow_nan=False,  # every number of the errata is finite; strict JSON says so
    )
