"""Small seeded 2-D (or n-D) classification problems, numpy only.

Each generator returns a Dataset with X (m, n_x) float64, y (m,) int64 labels 0..k-1, the
examples shuffled (so the classes are not in blocks) and the same result for the same seed.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .dataset import Dataset, check_dataset, make_dataset
from .errors import DataError


def _count(name: str, value, minimum: int, what: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DataError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise DataError(f"{name} must be at least {minimum}{what}, got {value}")
    return int(value)


def _non_negative(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise DataError(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise DataError(f"{name} must be >= 0, got {value}")
    return float(value)


def _rng(seed) -> np.random.Generator:
    seed = _count("seed", seed, 0)
    return np.random.default_rng(seed)


def _split_evenly(m: int, k: int) -> list[int]:
    """Sizes of k classes that add up to m and differ by at most one."""
    return [m // k + (1 if j < m % k else 0) for j in range(k)]


def _finish(name, X, y, rng, description) -> Dataset:
    order = rng.permutation(len(y))
    X, y = np.ascontiguousarray(X[order]), y[order].astype(np.int64)
    names = [f"x{j + 1}" for j in range(X.shape[1])]
    return check_dataset(make_dataset(name, X, y, description, feature_names=names))


def make_moons(m: int = 500, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaved half circles (2 classes, 2 features); ``noise``: Gaussian std added to
    each coordinate."""
    m = _count("m", m, 2, " (one example per class)")
    noise = _non_negative("noise", noise)
    rng = _rng(seed)
    m0, m1 = _split_evenly(m, 2)
    t0, t1 = np.linspace(0, np.pi, m0), np.linspace(0, np.pi, m1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])  # shifted into the upper's gap
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((m, 2))
    y = np.repeat([0, 1], [m0, m1])
    description = (
        f"Two interleaved moons (synthetic, seed {seed}): "
        f"{m} examples, 2 features, 2 classes, noise {noise}."
    )
    return _finish("moons", X, y, rng, description)


def make_circles(m: int = 500, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1), 2 features;
    ``noise``: Gaussian std added to each coordinate."""
    m = _count("m", m, 2, " (one example per class)")
    noise = _non_negative("noise", noise)
    factor = _non_negative("factor", factor)
    if not 0 < factor < 1:
        raise DataError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor}")
    rng = _rng(seed)
    m0, m1 = _split_evenly(m, 2)
    # endpoint=False: the angle 2*pi would repeat the point at angle 0
    t0 = np.linspace(0, 2 * np.pi, m0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, m1, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((m, 2))
    y = np.repeat([0, 1], [m0, m1])
    description = (
        f"Two concentric circles (synthetic, seed {seed}): "
        f"{m} examples, 2 features, 2 classes, noise {noise}, factor {factor}."
    )
    return _finish("circles", X, y, rng, description)


def make_spirals(m: int = 600, arms: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``arms`` interleaved spiral arms, one class each, 2 features. Each arm turns by 4 radians
    from the centre to radius 1; ``noise``: Gaussian std added to the angle (radians)."""
    arms = _count("arms", arms, 2)
    m = _count("m", m, arms, f" (one example per arm; arms={arms})")
    noise = _non_negative("noise", noise)
    rng = _rng(seed)
    sizes = _split_evenly(m, arms)
    parts = []
    for j, size in enumerate(sizes):
        r = np.linspace(0.0, 1.0, size)
        theta = 2 * np.pi * j / arms + 4.0 * r + noise * rng.standard_normal(size)
        parts.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
    X = np.vstack(parts)
    y = np.repeat(np.arange(arms), sizes)
    description = (
        f"{arms} interleaved spirals (synthetic, seed {seed}): "
        f"{m} examples, 2 features, {arms} classes, noise {noise}."
    )
    return _finish("spirals", X, y, rng, description)


def make_blobs(
    m: int = 500, centers: int = 3, n_x: int = 2, spread: float = 1.0, seed: int = 0
) -> Dataset:
    """``centers`` Gaussian clusters (one class each) in ``n_x`` dimensions; the centres are drawn
    uniformly from the box [-10, 10]^n_x, ``spread`` is each cluster's standard deviation."""
    centers = _count("centers", centers, 2)
    m = _count("m", m, centers, f" (one example per class; centers={centers})")
    n_x = _count("n_x", n_x, 1)
    spread = _non_negative("spread", spread)
    rng = _rng(seed)
    means = rng.uniform(-10.0, 10.0, size=(centers, n_x))
    sizes = _split_evenly(m, centers)
    y = np.repeat(np.arange(centers), sizes)
    X = means[y] + spread * rng.standard_normal((m, n_x))
    description = (
        f"Gaussian blobs (synthetic, seed {seed}): {m} examples, "
        f"{n_x} features, {centers} classes, spread {spread}."
    )
    return _finish("blobs", X, y, rng, description)


def make_xor(m: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """XOR: clusters at the four corners (+-1, +-1); the class is 1 where the signs of the two
    coordinates differ. ``noise``: Gaussian std added to each coordinate."""
    m = _count("m", m, 2, " (one example per class)")
    noise = _non_negative("noise", noise)
    rng = _rng(seed)
    corner = np.arange(m) % 4  # corners in turn, so both classes get half the examples
    signs = np.column_stack([corner // 2, corner % 2]) * 2.0 - 1.0
    X = signs + noise * rng.standard_normal((m, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    description = (
        f"XOR of two coordinates (synthetic, seed {seed}): "
        f"{m} examples, 2 features, 2 classes, noise {noise}."
    )
    return _finish("xor", X, y, rng, description)


SYNTHETIC = {
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "blobs": make_blobs,
    "xor": make_xor,
}
