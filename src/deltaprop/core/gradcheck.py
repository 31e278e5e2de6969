"""Numerical verification of the backward pass by central finite differences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .arrays import to_numpy


def relative_error(g, g_num) -> float:
    """||g - g_num|| / (||g|| + ||g_num||), and 0 when both are zero."""
    g, g_num = np.ravel(g), np.ravel(g_num)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_num)
    return 0.0 if denominator == 0 else float(np.linalg.norm(g - g_num) / denominator)


@dataclass
class GradcheckResult:
    """Relative error overall and per parameter array (keys "W[1]", "b[1]", ...).

    ``analytic`` and ``numeric`` hold the compared gradient entries, per array.
    """

    relative_error: float
    per_array: dict[str, float]
    analytic: dict[str, np.ndarray] = field(repr=False)
    numeric: dict[str, np.ndarray] = field(repr=False)
    n_checked: int = 0

    def passed(self, tolerance: float = 1e-7) -> bool:
        return self.relative_error < tolerance


def gradcheck(
    network,
    X,
    Y,
    eps: float = 1e-6,
    l2: float = 0.0,
    max_per_array: int | None = None,
    seed: int = 0,
    sample_weight=None,
    D: dict | None = None,
) -> GradcheckResult:
    """Compare ``network.gradients`` with central finite differences of ``network.cost``.

    For each checked parameter entry theta: (J(theta + eps) - J(theta - eps)) / (2 eps).
    The check runs on a float64 copy of the network (same array library, same device), so a
    float32 network can be checked too and the original is never modified. The result holds
    numpy arrays.

    Parameters
    ----------
    X : (n_x, m) array; Y : targets as accepted by ``Network.gradients``.
    eps : step of the central difference.
    l2 : L2 penalty passed to both ``cost`` and ``gradients``.
    max_per_array : check at most this many randomly chosen entries of each W[l] and b[l]
        (all of them when None), for big networks.
    seed : seed of the generator that picks those entries.
    sample_weight, D : example weights and fixed dropout masks, passed to both sides.
    """
    net = network.copy(dtype=np.float64)
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    extra = {"l2": l2, "sample_weight": sample_weight}
    if D is not None:
        extra["D"] = {l: net.xp.astype(net._as_array(M, "D"), net._dtype) for l, M in D.items()}
    dW, db = net.gradients(X, Y, **extra)
    grads = {"W": dW, "b": db}
    rng = np.random.default_rng(seed)
    analytic, numeric = {}, {}
    for name, P in net.parameters():
        G = grads[name[0]][int(name[2:-1])]
        size = int(np.prod(P.shape))
        flat = np.arange(size)
        if max_per_array is not None and size > max_per_array:
            flat = rng.choice(size, size=max_per_array, replace=False)
        g_num = np.empty(flat.size)
        for k, i in enumerate(flat):
            index = tuple(int(j) for j in np.unravel_index(i, P.shape))
            saved = float(P[index])
            P[index] = saved + eps
            J_plus = net.cost(X, Y, **extra)
            P[index] = saved - eps
            J_minus = net.cost(X, Y, **extra)
            P[index] = saved
            g_num[k] = (J_plus - J_minus) / (2 * eps)
        analytic[name] = to_numpy(G).ravel()[flat]
        numeric[name] = g_num
    per_array = {name: relative_error(analytic[name], numeric[name]) for name in analytic}
    overall = relative_error(
        np.concatenate(list(analytic.values())), np.concatenate(list(numeric.values()))
    )
    n_checked = sum(v.size for v in numeric.values())
    return GradcheckResult(overall, per_array, analytic, numeric, n_checked)
