"""Initial weights W[l] (n[l], n[l-1]) and biases b[l] (n[l], 1)."""

from __future__ import annotations

import numpy as np

from .errors import InputError

INITIALISATIONS = ("he", "glorot")


def initial_weight(rng, scheme: str, n_l: int, n_prev: int, dtype):
    """One weight matrix of shape (n_l, n_prev).

    - ``he``: normal with variance 2 / n[l-1], which keeps the variance of ReLU activations
      constant from layer to layer (He et al., 2015).
    - ``glorot``: uniform on [-r, r] with r = sqrt(6 / (n[l-1] + n[l])), variance
      2 / (n[l-1] + n[l]) (Glorot & Bengio, 2010), for sigmoid, tanh and linear units.
    """
    if scheme == "he":
        W = rng.standard_normal((n_l, n_prev)) * np.sqrt(2.0 / n_prev)
    elif scheme == "glorot":
        r = np.sqrt(6.0 / (n_prev + n_l))
        W = rng.uniform(-r, r, size=(n_l, n_prev))
    else:
        raise InputError(
            f"unknown initialisation {scheme!r}; choose one of: {', '.join(INITIALISATIONS)}"
        )
    return W.astype(dtype)
