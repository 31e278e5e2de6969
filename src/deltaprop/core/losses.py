"""Cost functions J and their derivatives dJ/dA[L] (report, section "Loss").

Every cost is an average over the m examples (columns). Instead of a bare 1/m the functions take
``w``, the weight of each example: the scalar 1/m, or a (1, m) row that sums to 1 when examples are
weighted. With w = 1/m the formulas are exactly the report's.

Shapes: A and Y are (n_y, m); dJ/dA has the shape of A. A cost is a 0-d array of A's library (a
numpy scalar for numpy): left on the device, so that training on a GPU never waits to read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .arrays import namespace
from .errors import InputError


def _Y_log(Y, A):
    """Y * log(A), with 0 where Y == 0: 0 log 0 = 0, so a dead unit with no target is harmless."""
    xp = namespace(A, Y)
    nonzero = Y != 0
    with np.errstate(divide="ignore"):  # log 0 = -inf where Y != 0 is the true value
        return xp.where(nonzero, Y * xp.log(xp.where(nonzero, A, 1.0)), 0.0)


def cross_entropy(A, Y, w):
    """J = -(1/m) sum_j sum_k Y_kj log A_kj (categorical cross-entropy, a double sum)."""
    return namespace(A).sum(-w * _Y_log(Y, A))  # -w: a number, where -J would be a kernel


def cross_entropy_dA(A, Y, w):
    """dJ/dA = -(1/m) Y / A, element-wise (not the seed's Y - A)."""
    xp = namespace(A, Y)
    nonzero = Y != 0
    with np.errstate(divide="ignore"):
        return xp.where(nonzero, -w * Y / xp.where(nonzero, A, 1.0), 0.0)


def binary_cross_entropy(A, Y, w):
    """J = -(1/m) sum_j sum_k [Y_kj log A_kj + (1 - Y_kj) log(1 - A_kj)]."""
    return namespace(A).sum(-w * (_Y_log(Y, A) + _Y_log(1 - Y, 1 - A)))


def binary_cross_entropy_dA(A, Y, w):
    """dJ/dA = (1/m) (A - Y) / (A (1 - A)), element-wise."""
    return w * (A - Y) / (A * (1 - A))


def mse(A, Y, w):
    """J = (1/(2m)) sum_j sum_k (A_kj - Y_kj)^2 (the 1/2 makes the derivative clean)."""
    D = A - Y
    return 0.5 * namespace(A).sum(w * D * D)


def mse_dA(A, Y, w):
    """dJ/dA = (1/m) (A - Y)."""
    return w * (A - Y)


def cross_entropy_from_log(log_A, Y, w):
    """J = -(1/m) sum_j sum_k Y_kj log A_kj given log A itself (log softmax(Z), which the
    forward pass computes with a softmax output): finite for any logits Z."""
    return namespace(log_A).sum(-w * Y * log_A)  # -w: a number, where -J would be a kernel


def sigmoid_binary_cross_entropy_from_logits(Z, Y, w):
    """Binary cross-entropy of sigmoid(Z), via -log sigmoid(Z) = softplus(-Z): finite for any Z."""
    # softplus(x) = log(1 + exp(x)) = logaddexp(0, x), stable for large |x|.
    xp = namespace(Z)
    return xp.sum(w * (Y * xp.logaddexp(0.0, -Z) + (1 - Y) * xp.logaddexp(0.0, Z)))


@dataclass(frozen=True)
class Loss:
    """A cost J(A, Y, w) and its derivative dJ/dA(A, Y, w).

    ``outputs`` are the output activations the loss is defined for (cross-entropy needs A > 0,
    binary cross-entropy needs 0 < A < 1). ``fused_output`` names the output activation with
    which delta[L] simplifies to (A - Y)/m and the cost is computed stably: ``J_from_log`` from
    log A[L], which the forward pass then computes with A[L], or ``J_from_logits`` from Z[L].
    """

    name: str
    J: Callable
    dJ_dA: Callable
    outputs: tuple[str, ...]
    fused_output: str | None = None
    J_from_log: Callable | None = None
    J_from_logits: Callable | None = None


ALL_OUTPUTS = ("softmax", "sigmoid", "identity", "relu", "leaky_relu", "tanh")

LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(
        "cross_entropy",
        cross_entropy,
        cross_entropy_dA,
        outputs=("softmax", "sigmoid", "relu"),
        fused_output="softmax",
        J_from_log=cross_entropy_from_log,
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        binary_cross_entropy,
        binary_cross_entropy_dA,
        outputs=("sigmoid",),
        fused_output="sigmoid",
        J_from_logits=sigmoid_binary_cross_entropy_from_logits,
    ),
    "mse": Loss("mse", mse, mse_dA, outputs=ALL_OUTPUTS),
}

#: The loss a network gets when none is named: the natural partner of its output activation.
#: ReLU output with cross-entropy is the seed's literal choice (and is warned about).
DEFAULT_LOSS = {
    "softmax": "cross_entropy",
    "sigmoid": "binary_cross_entropy",
    "relu": "cross_entropy",
    "identity": "mse",
    "leaky_relu": "mse",
    "tanh": "mse",
}

#: Every (output activation, loss) pair the library offers; the test suite gradchecks each one.
COMBINATIONS = tuple((out, name) for name, loss in LOSSES.items() for out in loss.outputs)


def get_loss(name: str, output: str) -> Loss:
    """Look a loss up by name and check that it is defined for the output activation."""
    if name not in LOSSES:
        raise InputError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    loss = LOSSES[name]
    if output not in loss.outputs:
        raise InputError(
            f"loss {name!r} is not defined for output activation {output!r}; "
            f"it works with: {', '.join(loss.outputs)}"
        )
    return loss
