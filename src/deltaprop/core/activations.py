"""Activation functions g and their derivatives g' (report, section "Activations").

Every function maps an array Z of shape (n[l], m) to an array of the same shape and dtype.
Element-wise activations also provide ``g_prime(Z)``; the backward step through them is the
Hadamard product ``dA * g_prime(Z)``. Softmax is not element-wise: its Jacobian couples the
units of one example, so its backward step is a Jacobian-vector product instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .arrays import maximum, namespace
from .errors import InputError

LEAKY_SLOPE = 0.01


def relu(Z):
    """g(Z) = max(0, Z), element-wise."""
    return maximum(Z, 0)


def relu_prime(Z):
    """g'(Z) = 1 where Z > 0, else 0. The derivative at the kink Z = 0 is taken as 0."""
    return namespace(Z).astype(Z > 0, Z.dtype)


def leaky_relu(Z):
    """g(Z) = Z where Z > 0, else 0.01 Z."""
    return namespace(Z).where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_prime(Z):
    """g'(Z) = 1 where Z > 0, else 0.01 (0.01 at Z = 0)."""
    xp = namespace(Z)
    return xp.where(Z > 0, xp.ones_like(Z), xp.full_like(Z, LEAKY_SLOPE))


def sigmoid(Z):
    """g(Z) = 1 / (1 + exp(-Z)), evaluated without overflow for large |Z|."""
    # exp(-|Z|) never overflows; the two branches are the same function.
    xp = namespace(Z)
    E = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def sigmoid_prime(Z):
    """g'(Z) = g(Z) (1 - g(Z))."""
    S = sigmoid(Z)
    return S * (1 - S)


def tanh(Z):
    """g(Z) = tanh(Z)."""
    return namespace(Z).tanh(Z)


def tanh_prime(Z):
    """g'(Z) = 1 - tanh(Z)^2."""
    T = namespace(Z).tanh(Z)
    return 1 - T * T


def identity(Z):
    """g(Z) = Z."""
    return Z


def identity_prime(Z):
    """g'(Z) = 1."""
    return namespace(Z).ones_like(Z)


def softmax(Z):
    """A_kj = exp(Z_kj) / sum_i exp(Z_ij), column by column (one column per example).

    The column maximum is subtracted first, so logits of any magnitude give finite results.
    """
    xp = namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    return E / xp.sum(E, axis=0, keepdims=True)


def softmax_and_log(Z):
    """(softmax(Z), log softmax(Z)) from one pass over Z: with S = Z - column max and
    s = sum_k exp(S_k), A = exp(S) / s (the values ``softmax`` gives) and log A = S - log s,
    which stays finite where A underflows to 0."""
    xp = namespace(Z)
    S = Z - xp.max(Z, axis=0, keepdims=True)
    E = xp.exp(S)
    s = xp.sum(E, axis=0, keepdims=True)
    return E / s, S - xp.log(s)


def softmax_backward(dA, A):
    """dJ/dZ for A = softmax(Z): the Jacobian-vector product (report, softmax Jacobian).

    dA_k/dZ_i = A_k (1[i = k] - A_i), hence dJ/dZ = A * (dA - sum_k(dA * A)) per column.
    """
    return A * (dA - namespace(A).sum(dA * A, axis=0, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation g with its derivative.

    ``g_prime`` is None for softmax, the one activation that is not element-wise.
    ``g_and_log`` (softmax only) gives (g(Z), log g(Z)) together, for a cost that needs log A.
    """

    name: str
    g: Callable
    g_prime: Callable | None
    g_and_log: Callable | None = None

    @property
    def elementwise(self) -> bool:
        return self.g_prime is not None

    def backward(self, dA, Z, A):
        """dJ/dZ from dJ/dA: ``dA * g'(Z)`` (Hadamard), or softmax's Jacobian-vector product."""
        if self.g_prime is None:
            return softmax_backward(dA, A)
        return dA * self.g_prime(Z)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", relu, relu_prime),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "identity": Activation("identity", identity, identity_prime),
    "softmax": Activation("softmax", softmax, None, softmax_and_log),
}

#: Activations that may be used on hidden layers (softmax only makes sense on the output).
HIDDEN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if a.elementwise)
#: Activations for which He initialisation is the right scale.
RELU_FAMILY = ("relu", "leaky_relu")


def get_activation(name: str, *, hidden: bool = False) -> Activation:
    """Look an activation up by name; raise a clear error for an unknown one."""
    choices = HIDDEN_ACTIVATIONS if hidden else tuple(ACTIVATIONS)
    if name not in choices:
        role = "hidden" if hidden else "output"
        raise InputError(f"unknown {role} activation {name!r}; choose one of: {', '.join(choices)}")
    return ACTIVATIONS[name]
