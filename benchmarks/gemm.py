"""numpy's own matrix-multiply rate on the layer shapes of a training run: the BLAS limit.

For every layer l a training step does three products (examples are columns, b per batch):

    W[l] A[l-1]          (n[l], n[l-1]) x (n[l-1], b)     forward (eq. F2)
    delta[l] A[l-1]^T    (n[l], b) x (b, n[l-1])          dW[l] (eq. B4)
    W[l]^T delta[l]      (n[l-1], n[l]) x (n[l], b)       back to layer l-1 (eq. B3)

2 n[l] n[l-1] b flops each, 6 x weights x b in all: exactly the work a step is counted as. A[0] is
a transposed view of C-contiguous rows, as a gathered mini-batch is in deltaprop and in the plain
transcription. Timing these products for every step of a run (the last, partial batch included)
gives the time the counted work takes as bare float32 GEMMs with numpy's BLAS and its threads:
what a trainer would reach if all it did were matrix products. The benchmark times this like the
other systems, in the same rotation, so that the rate is measured under the same conditions.

No trainer computes W[1]^T delta[1] (the gradient with respect to the input), so the products a
run cannot avoid take a little less: ``needed_fraction`` measures that share, and
``needed_fraction x GEMM time`` is the floor below which no numpy trainer can go.
"""

from __future__ import annotations

import math
import time

import numpy as np


class GemmStep:
    """Operands for the products of one step of a network ``sizes`` on a batch of ``batch``."""

    def __init__(self, sizes, batch: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.L = L = len(sizes) - 1
        self.W = {
            l: rng.standard_normal((sizes[l], sizes[l - 1]), dtype=np.float32)
            for l in range(1, L + 1)
        }
        self.A = {0: rng.random((batch, sizes[0]), dtype=np.float32).T}  # gathered rows, as .T
        self.A.update({l: rng.random((sizes[l], batch), dtype=np.float32) for l in range(1, L + 1)})
        self.delta = {
            l: rng.standard_normal((sizes[l], batch), dtype=np.float32) for l in range(1, L + 1)
        }

    def __call__(self, input_gradient: bool = True) -> None:
        W, A, delta = self.W, self.A, self.delta
        for l in range(1, self.L + 1):
            W[l] @ A[l - 1]
            delta[l] @ A[l - 1].T
            if l > 1 or input_gradient:
                W[l].T @ delta[l]


def run_products(sizes, m: int, batch: int, epochs: int) -> float:
    """Seconds that the products of ``epochs`` epochs of m examples in batches of ``batch`` take."""
    batch = min(batch, m)
    full = GemmStep(sizes, batch)
    rest = GemmStep(sizes, m % batch) if m % batch else None
    start = time.perf_counter()
    for _ in range(epochs):
        for _ in range(m // batch):
            full()
        if rest is not None:
            rest()
    return time.perf_counter() - start


def needed_fraction(sizes, batch: int, min_time: float = 0.2) -> float:
    """Time of the products a trainer needs (no W[1]^T delta[1]) over the time of all 3 L
    products of a step, from alternating measurements of about ``min_time`` seconds in all."""
    step = GemmStep(sizes, batch)
    step()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < min_time / 10 or calls < 3:
        step()
        calls += 1
    n = max(1, math.ceil(min_time / 10 / ((time.perf_counter() - start) / calls)))
    ratios = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            step(input_gradient=True)
        t1 = time.perf_counter()
        for _ in range(n):
            step(input_gradient=False)
        ratios.append((time.perf_counter() - t1) / (t1 - t0))
    return float(np.median(ratios))
