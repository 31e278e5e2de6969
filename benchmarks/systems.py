"""The trainers being compared, each behind the same small interface.

Every system trains the same network on the same data with the same batch size, number of steps
and learning rate, plain SGD (no momentum, no L2 penalty), in float32, and computes the cost of
every mini-batch. Building the model is not timed; the training call is.

- ``deltaprop``: ``Trainer(...).fit(X_rows.T, y)``, the library's public path.
- ``numpy``: a plain transcription of the seed's equations (examples as columns, a fresh array
  for every intermediate, no buffer reuse): the reference point of the issue.
- ``sklearn``: ``MLPClassifier(solver="sgd")`` for exactly the same number of epochs.
- ``torch``: ``nn.Sequential`` of ``Linear`` and ``ReLU``, ``CrossEntropyLoss``, ``optim.SGD``.

A system whose library is not installed reports why it is skipped.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from importlib import metadata

import numpy as np
from gemm import run_products
from workloads import Data, Workload


@dataclass
class Outcome:
    """What one training run measured and checked."""

    seconds: float  # wall time of the training call
    steps: int  # optimizer steps the library reports it took
    dtype: str  # dtype of the library's weights after training
    cost: float  # the last cost (or mean cost of the last epoch) it reports: finite if sane


class System:
    """A library under test. ``load`` imports it (returns None, or why it is unavailable)."""

    name = ""
    title = ""

    def load(self, threads: int) -> str | None:
        return None

    def version(self) -> str:
        return ""

    def train(self, workload: Workload, data: Data, seed: int) -> Outcome:
        raise NotImplementedError


# ---------------------------------------------------------------------------- the reference


class NumpyGemm(System):
    """Not a trainer: the counted work of the run as bare numpy GEMMs (see gemm.py)."""

    name, title = "gemm", "numpy GEMM (same shapes)"

    def version(self):
        return np.__version__

    def train(self, workload, data, seed):
        seconds = run_products(workload.sizes, workload.m, workload.batch, workload.epochs)
        return Outcome(seconds, workload.steps, "float32", 0.0)


# ---------------------------------------------------------------------------- deltaprop


class Deltaprop(System):
    name, title = "deltaprop", "deltaprop"

    def load(self, threads):
        import deltaprop

        self.module = deltaprop
        return None

    def version(self):
        return metadata.version("deltaprop")

    def train(self, workload, data, seed):
        from deltaprop.core import Network
        from deltaprop.training import GradientDescent, Trainer

        net = Network(workload.sizes, hidden="relu", output="softmax", seed=seed, dtype=np.float32)
        optimizer = GradientDescent(workload.lr)
        trainer = Trainer(
            net,
            optimizer,
            epochs=workload.epochs,
            batch_size=workload.batch_size,
            shuffle=workload.shuffle,
            seed=seed,
        )
        X = data.X_rows.T  # (n_x, m), a view of the C-contiguous rows: no copy is made
        start = time.perf_counter()
        history = trainer.fit(X, data.y)
        seconds = time.perf_counter() - start
        return Outcome(seconds, optimizer.t, net.W[1].dtype.name, history.cost[-1])


# ---------------------------------------------------------------------------- plain numpy


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def plain_numpy_sgd(W, b, X, Y, lr, batch_size, epochs, rng):
    """The seed's equations, transcribed plainly: X (n_x, m), Y one-hot (n_y, m); W[l], b[l] for
    l = 1..L, updated in place; ReLU hidden layers, softmax output with cross-entropy. ``rng``
    shuffles the examples at every epoch (None: in order). Returns (steps, last cost)."""
    L, m, steps, J = len(W), X.shape[1], 0, np.nan
    for _ in range(epochs):
        order = rng.permutation(m) if rng is not None else None
        for start in range(0, m, batch_size):
            batch = slice(start, start + batch_size)
            j = batch if order is None else order[batch]  # the examples (columns) of this step
            A, Z, Y_b = {0: X[:, j]}, {}, Y[:, j]
            m_b = Y_b.shape[1]
            for l in range(1, L + 1):
                Z[l] = W[l] @ A[l - 1] + b[l]
                A[l] = np.maximum(Z[l], 0) if l < L else softmax(Z[l])
            J = -np.sum(Y_b * np.log(A[L] + 1e-30)) / m_b  # cross-entropy
            delta = (A[L] - Y_b) / m_b  # delta[L]
            for l in range(L, 0, -1):
                dW, db = delta @ A[l - 1].T, delta.sum(axis=1, keepdims=True)
                if l > 1:
                    delta = (W[l].T @ delta) * (Z[l - 1] > 0)  # delta[l-1]
                W[l] -= lr * dW
                b[l] -= lr * db
            steps += 1
    return steps, float(J)


class PlainNumpy(System):
    name, title = "numpy", "numpy transcription"

    def version(self):
        return np.__version__

    def train(self, workload, data, seed):
        rng = np.random.default_rng(seed)
        sizes, L = workload.sizes, len(workload.sizes) - 1
        he = {l: np.sqrt(2 / sizes[l - 1]) for l in range(1, L + 1)}  # He initialisation
        W = {
            l: (he[l] * rng.standard_normal((sizes[l], sizes[l - 1]))).astype(np.float32)
            for l in he
        }
        b = {l: np.zeros((sizes[l], 1), np.float32) for l in he}
        Y = np.zeros((sizes[-1], len(data.y)), np.float32)
        Y[data.y, np.arange(len(data.y))] = 1
        shuffle_rng = rng if workload.shuffle and not workload.full_batch else None
        start = time.perf_counter()
        steps, cost = plain_numpy_sgd(
            W, b, data.X_rows.T, Y, workload.lr, workload.batch, workload.epochs, shuffle_rng
        )
        seconds = time.perf_counter() - start
        return Outcome(seconds, steps, W[1].dtype.name, cost)


# ---------------------------------------------------------------------------- scikit-learn


class SklearnMLP(System):
    name, title = "sklearn", "sklearn MLPClassifier"

    def load(self, threads):
        try:
            import sklearn
            from sklearn.neural_network import MLPClassifier
        except ImportError as e:
            return f"scikit-learn not installed ({e})"
        self.module, self.MLPClassifier = sklearn, MLPClassifier
        return None

    def version(self):
        return self.module.__version__

    def train(self, workload, data, seed):
        from sklearn.exceptions import ConvergenceWarning

        clf = self.MLPClassifier(
            hidden_layer_sizes=workload.sizes[1:-1],
            activation="relu",
            solver="sgd",
            alpha=0.0,
            batch_size=workload.batch,
            learning_rate="constant",
            learning_rate_init=workload.lr,
            momentum=0.0,
            nesterovs_momentum=False,
            max_iter=workload.epochs,  # exactly this many epochs: never stops early ...
            tol=0.0,
            n_iter_no_change=workload.epochs + 1,  # ... because of "no improvement"
            early_stopping=False,
            shuffle=workload.shuffle,
            random_state=seed,
        )
        # Two classes would give MLPClassifier a single logistic output unit. With a one-hot
        # indicator matrix it keeps n_y output units (logistic ones: a multilabel problem), so
        # the network has the same shape as everybody else's.
        y = data.y if data.n_classes > 2 else np.eye(data.n_classes, dtype=np.int64)[data.y]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: intended
            start = time.perf_counter()
            clf.fit(data.X_rows, y)
            seconds = time.perf_counter() - start
        # n_iter_ counts epochs and t_ examples seen; both must show the whole run was done.
        steps = (
            clf.n_iter_ * -(-workload.m // workload.batch)
            if clf.t_ == workload.epochs * workload.m
            else -1
        )
        return Outcome(seconds, int(steps), clf.coefs_[0].dtype.name, float(clf.loss_))


# ---------------------------------------------------------------------------- PyTorch


class TorchSGD(System):
    name, title = "torch", "PyTorch"

    def load(self, threads):
        try:
            import torch
        except ImportError as e:
            return f"PyTorch not installed ({e})"
        self.torch = torch
        torch.set_num_threads(threads)  # as many as the BLAS of numpy uses
        return None

    def version(self):
        return self.torch.__version__

    def train(self, workload, data, seed):
        torch = self.torch
        nn = torch.nn
        torch.manual_seed(seed)
        layers = []
        for l in range(1, len(workload.sizes)):
            layers.append(nn.Linear(workload.sizes[l - 1], workload.sizes[l]))
            if l < len(workload.sizes) - 1:
                layers.append(nn.ReLU())
        model = nn.Sequential(*layers)  # float32 parameters
        optimizer = torch.optim.SGD(model.parameters(), lr=workload.lr)  # no momentum, no decay
        loss_fn = nn.CrossEntropyLoss()
        X = torch.from_numpy(data.X_rows)  # shares the contiguous float32 rows
        y = torch.from_numpy(data.y)
        generator = torch.Generator().manual_seed(seed)
        m, b = workload.m, workload.batch
        steps, cost = 0, float("nan")
        start = time.perf_counter()
        for _ in range(workload.epochs):
            order = torch.randperm(m, generator=generator) if workload.shuffle and b < m else None
            for first in range(0, m, b):
                if order is None:
                    X_b, y_b = X[first : first + b], y[first : first + b]  # contiguous views
                else:
                    index = order[first : first + b]
                    X_b, y_b = X.index_select(0, index), y.index_select(0, index)
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(X_b), y_b)
                loss.backward()
                optimizer.step()
                cost = loss.item()
                steps += 1
        seconds = time.perf_counter() - start
        dtype = str(next(model.parameters()).dtype).removeprefix("torch.")
        return Outcome(seconds, steps, dtype, cost)


GEMM = NumpyGemm()
#: The trainers, by the names ``--systems`` takes.
SYSTEMS: dict[str, System] = {
    system.name: system for system in (Deltaprop(), PlainNumpy(), SklearnMLP(), TorchSGD())
}
