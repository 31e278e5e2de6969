"""The training loop: epochs of shuffled mini-batches, each a forward pass, a backward pass and an
optimizer step (report, Algorithm "Training").

Data come in the notation's layout, X (n_x, m) and Y (n_y, m) or m labels; ``MiniBatches`` says
how each mini-batch is cut from them.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from ..core.arrays import is_numpy, namespace, to_numpy
from . import state
from .callbacks import Callback
from .history import History
from .optimizers import Adam, Optimizer
from .schedules import Schedule


class TrainingDiverged(RuntimeError):
    """The cost became NaN or inf. The network keeps the last finite weights."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


class TrainingInterrupted(RuntimeError):
    """Training stopped at a request (a signal); ``checkpoint`` is where the state was saved."""

    def __init__(self, message: str, checkpoint: str | None):
        super().__init__(message)
        self.checkpoint = checkpoint


def count_correct(network, A_L, Y, labels=None):
    """Number of columns of A[L] whose predicted class (or label set) matches Y, as a 0-d array
    of A[L]'s library: left on the device, so that a training step does not wait to read it.

    ``labels`` (optional) are Y's classes, ``Y.argmax(axis=0)``, when the caller has them already
    (the Trainer computes them once per fit rather than at every step).
    """
    xp = namespace(A_L)
    if network.output == "sigmoid":
        return xp.count_nonzero(xp.all((A_L >= 0.5) == (Y >= 0.5), axis=0))
    if labels is None:
        labels = xp.argmax(Y, axis=0)
    return xp.count_nonzero(xp.argmax(A_L, axis=0) == labels)


def n_correct(network, A_L, Y, labels=None) -> int:
    """``count_correct`` as a Python int."""
    return int(count_correct(network, A_L, Y, labels))


def frobenius_norm(M: np.ndarray) -> float:
    """||M||_F = sqrt(sum of M's squared entries), computed as ``np.linalg.norm(M)`` computes it
    (the same value to the last bit) without its checks of the arguments."""
    if not isinstance(M, np.ndarray):  # another array library
        xp = namespace(M)
        return float(xp.sqrt(xp.sum(M * M)))
    x = M.ravel(order="K")
    return float(np.sqrt(x.dot(x)))


def evaluate(network, X, Y, chunk: int = 4096) -> tuple[float, float | None]:
    """(cost, accuracy) of the network on checked arrays X (n_x, m), Y (n_y, m), in chunks of
    columns so that the activations of a big set never have to fit at once."""
    m = X.shape[1]
    cost, correct = 0.0, 0
    for start in range(0, m, chunk):
        columns = slice(start, min(start + chunk, m))
        Xc, Yc = X[:, columns], Y[:, columns]
        A_L = network._forward(Xc)
        cost += float(network._cost(Yc, 1 / m))
        if network.is_classifier:
            correct += n_correct(network, A_L, Yc)
    return cost, (correct / m if network.is_classifier else None)


#: The running sums of an epoch: weighted cost, correct predictions, total weight, examples,
#: and the penalty's weight in the mean cost (see Trainer._end_epoch).
RUNNING_START = {"cost": 0.0, "correct": 0, "seen": 0, "examples": 0, "penalty": 0.0}
#: Steps whose cost and accuracy a GPU may hold before the trainer reads them (see _read_back).
READ_BACK_EVERY = 1000
#: Steps of dropout masks sent to a device in one transfer (see Trainer._masks).
MASKS_AHEAD = 64


class MiniBatches:
    """The mini-batches of one fit, each as ``(X_b, Y_b, sw_b, labels_b, weight)``.

    Examples are stored as rows, (m, n) and contiguous, so that a mini-batch is a set of whole
    rows; the network gets their transpose (a view), in the notation's layout (n, m_b).

    - numpy: each mini-batch's rows are gathered into buffers reused at every step, so no
      mini-batch is a fresh array and the data are never copied whole.
    - Other libraries (a GPU): the rows are permuted on the device once per epoch and each
      mini-batch is a slice of that copy: no work per step, for a second copy of the data.

    ``labels_b`` are the examples' classes, Y's argmax (for the running accuracy; None for
    regression and sigmoid outputs); ``weight`` is the total sample weight (m_b without
    weights), summed on the host: reading it from a device would make every step wait.
    """

    def __init__(self, network, X, Y, sample_weight, b: int):
        xp = network.xp
        self.network, self.m = network, X.shape[1]
        labels = None
        if network.is_classifier and network.output != "sigmoid":
            labels = xp.argmax(Y, axis=0)  # once per fit rather than at every step
        self.rows = (self._as_rows(X), self._as_rows(Y), sample_weight, labels)
        self.weights = None if sample_weight is None else to_numpy(sample_weight)  # on the host
        # numpy: the full batch is the data themselves. A device slices its rows instead.
        self.whole = self.buffers = None
        if is_numpy(xp):
            self.whole = (X, Y, sample_weight, labels)
            self.buffers = tuple(
                None if R is None else np.empty((b, *R.shape[1:]), dtype=R.dtype) for R in self.rows
            )
        self.start_epoch(None)

    def _as_rows(self, M):
        """M (n, m) as a C-contiguous (m, n) array of the network's library: examples as rows."""
        xp = self.network.xp
        if is_numpy(xp):
            return np.ascontiguousarray(M.T)
        # On the device: a vector holds M.T's entries row after row, which the standard's
        # reshape copies only when they are not laid out so already (X given as rows.T).
        n, m = M.shape
        return xp.reshape(xp.reshape(M.T, (-1,)), (m, n))

    def start_epoch(self, order: np.ndarray | None) -> None:
        """``order``: the epoch's permutation of the m examples, or None to keep their order."""
        self.order, self.epoch_rows, self.epoch_weights = order, self.rows, self.weights
        if order is not None and self.buffers is None:
            self.epoch_rows = None  # the last epoch's copy goes before the next one is made
            on_device = self.network._on_device(order)
            self.epoch_rows = tuple(
                None if R is None else self.network.xp.take(R, on_device, axis=0) for R in self.rows
            )
            self.epoch_weights = None if self.weights is None else self.weights[order]
            self.order = None  # the mini-batches are slices of the permuted copy

    def index(self, start: int, stop: int):
        """The examples start..stop-1 of the epoch: positions in the data, or a slice."""
        return slice(start, stop) if self.order is None else self.order[start:stop]

    def get(self, index) -> tuple:
        """The mini-batch ``index`` (from ``index``, or part of it): X_b, Y_b, sw_b, labels_b and
        its total weight."""
        if self.whole is not None and isinstance(index, slice) and index == slice(0, self.m):
            X_b, Y_b, sw_b, labels_b = self.whole  # the full batch: no copy
            weights = self.weights
        elif self.buffers is not None:
            k = index.stop - index.start if isinstance(index, slice) else index.shape[0]
            X_b, Y_b, sw_b, labels_b = (
                None if R is None else self._gather(R, index, buffer[:k])
                for R, buffer in zip(self.rows, self.buffers, strict=True)
            )
            X_b, Y_b, weights = X_b.T, Y_b.T, sw_b
        else:
            X_b, Y_b, sw_b, labels_b = (
                None if R is None else R[index, ...] for R in self.epoch_rows
            )
            X_b, Y_b = X_b.T, Y_b.T
            weights = None if self.weights is None else self.epoch_weights[index]
        weight = X_b.shape[1] if weights is None else float(np.sum(weights))
        return X_b, Y_b, sw_b, labels_b, weight

    @staticmethod
    def _gather(rows: np.ndarray, index, out: np.ndarray) -> np.ndarray:
        """The rows ``index`` (a slice, or positions from a permutation) of ``rows``, written
        into ``out``."""
        if isinstance(index, slice):
            out[...] = rows[index]
            return out
        # mode="clip": with out= and the default mode="raise", numpy gathers into a temporary
        # and copies that into out. The positions come from a permutation, so none is clipped.
        return np.take(rows, index, axis=0, out=out, mode="clip")


class Trainer:
    """Mini-batch training of a ``Network``.

    Parameters
    ----------
    network : deltaprop.core.Network
    optimizer : Optimizer (default Adam with lr 0.001)
    epochs : number of passes over the training data
    batch_size : examples per mini-batch; None (or >= m) is full-batch gradient descent, the seed's
    l2 : L2 penalty lambda, J + (lambda / 2m) sum ||W[l]||^2 with m the mini-batch size
    l2_over : what m in the penalty is: "examples", the mini-batch's size (the report's), or
        "weight", its total sample weight (scikit-learn's: an example of weight 2 then counts
        exactly as two copies of it, penalty included); the same without sample weights
    cost_mean : how the epoch's cost (History.cost) averages its mini-batches' costs: "weight",
        each by its total sample weight (the epoch's weighted mean, eq. J2), or "size", each
        by its number of examples (scikit-learn's loss_curve_); the same without sample weights
    schedule : learning-rate Schedule (default: constant)
    shuffle : reshuffle the examples at every epoch (from the seeded generator); or a function
        of m that gives each epoch's order of the m examples (called at every epoch, a full
        batch's too), for a caller that draws from a random stream of its own, as the
        scikit-learn estimators draw scikit-learn's. Such an order is not in a checkpoint.
    seed : seed of the shuffling and dropout generators
    dropout : probability of dropping each hidden unit in training (inverted dropout, eq. D1-D2);
        0 turns it off. Prediction never drops units.
    callbacks : Callback objects, called after every epoch (progress, early stopping, checkpoints)
    """

    def __init__(
        self,
        network,
        optimizer: Optimizer | None = None,
        *,
        epochs: int = 10,
        batch_size: int | None = None,
        l2: float = 0.0,
        l2_over: str = "examples",
        cost_mean: str = "weight",
        schedule: Schedule | None = None,
        shuffle: bool | Callable[[int], np.ndarray] = True,
        seed: int | None = 0,
        callbacks: list[Callback] | tuple = (),
        dropout: float = 0.0,
    ):
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if batch_size is not None and (
            not isinstance(batch_size, (int, np.integer)) or batch_size < 1
        ):
            raise ValueError(f"batch size must be a positive integer, got {batch_size!r}")
        if not (l2 >= 0 and np.isfinite(l2)):
            raise ValueError(f"l2 must be a non-negative number, got {l2!r}")
        if l2_over not in ("examples", "weight"):
            raise ValueError(f"l2_over must be 'examples' or 'weight', got {l2_over!r}")
        if cost_mean not in ("weight", "size"):
            raise ValueError(f"cost_mean must be 'weight' or 'size', got {cost_mean!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        self.network = network
        self.optimizer = optimizer or Adam()
        self.schedule = schedule or Schedule(self.optimizer.lr)
        self.epochs, self.batch_size, self.l2 = int(epochs), batch_size, float(l2)
        self.l2_over, self.cost_mean = l2_over, cost_mean
        self.shuffle, self.seed = shuffle, seed
        self.callbacks = list(callbacks)
        self.history = History()
        self.dropout = float(dropout)
        self.rng = np.random.default_rng(seed)
        # Masks come from their own stream, so that a resumed run draws the same ones.
        self.dropout_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        # Where the run is: epochs completed, and within the current epoch the next batch, the
        # generator state the epoch's permutation was drawn from and the running sums.
        self.epoch = 0
        self.batch = 0
        self.epoch_rng_state: dict | None = None
        self.running = dict(RUNNING_START)
        self.elapsed = 0.0
        self.stop_training = False
        self.stop_reason: str | None = None
        # The classes (Y's argmax) and total sample weight of the current mini-batch's
        # examples, set by fit for _step.
        self._labels_b: np.ndarray | None = None
        self._weight_b: float | None = None
        # Steps not yet recorded in ``running`` (see _read_back); None when they are at once.
        self._pending: list | None = None
        # Dropout masks drawn ahead for a device, and the generator's state after the last
        # step that used its masks (see _masks).
        self._masks_ahead: deque = deque()
        self._dropout_state: dict | None = None

    # ------------------------------------------------------------------ control
    def request_interrupt(self, reason: str = "interrupted") -> None:
        """Ask the loop to stop after the current step (safe to call from a signal handler)."""
        self.stop_reason = reason

    # ------------------------------------------------------------------ the loop
    def fit(self, X, Y, validation: tuple | None = None, sample_weight=None) -> History:
        """Train on X (n_x, m) and Y; ``validation`` is an optional (X_val, Y_val) pair;
        ``sample_weight`` (m,) weighs the examples of every mini-batch (eq. J2).

        Returns the History. Raises TrainingDiverged when the cost becomes NaN or inf, and
        TrainingInterrupted after ``request_interrupt`` (once the callbacks saved a checkpoint).
        """
        net = self.network
        X, Y, validation, sample_weight = self.check_inputs(X, Y, validation, sample_weight)
        m = X.shape[1]
        b = m if self.batch_size is None else min(self.batch_size, m)
        n_batches = -(-m // b)
        if self.batch >= n_batches:  # a state loaded from a checkpoint of other data
            raise ValueError(
                f"the run to resume is after step {self.batch} of an epoch, but an epoch of "
                f"these data has {n_batches} steps (a run is saved inside an epoch after step "
                f"{n_batches - 1} at most)"
            )
        batches = MiniBatches(net, X, Y, sample_weight, b)
        del X, Y  # the mini-batches come from ``batches`` now
        self._m, self._b = m, b
        # numpy records every step at once; other libraries leave the steps' costs and
        # accuracies on the device until _read_back.
        self._pending = None if is_numpy(net.xp) else []
        self._forget_masks_ahead()

        for cb in self.callbacks:
            cb.on_train_begin(self)
        started = time.perf_counter() - self.elapsed
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while self.epoch < self.epochs and not self.stop_training:
                if self.batch == 0:
                    self.epoch_rng_state = self.rng.bit_generator.state
                    self.running = dict(RUNNING_START)
                    self._epoch_start_weights = self.copy_weights()
                else:  # resuming inside an epoch: draw the same permutation again
                    self.rng.bit_generator.state = self.epoch_rng_state
                if callable(self.shuffle):
                    order = self.shuffle(m)
                else:  # a full batch's order changes nothing
                    order = self.rng.permutation(m) if self.shuffle and b < m else None
                batches.start_epoch(order)
                self._n_batches = n_batches
                while self.batch < n_batches:
                    start = self.batch * b
                    index = self._rows(batches.index(start, min(start + b, m)))
                    X_b, Y_b, sw_b, self._labels_b, self._weight_b = batches.get(index)
                    self._step(X_b, Y_b, sw_b)
                    self.batch += 1
                    # After an epoch's last step the epoch ends first: a run resumed from
                    # there could not end it, the step's activations being gone.
                    if self.stop_reason is not None and self.batch < n_batches:
                        self.elapsed = time.perf_counter() - started
                        self._interrupt()
                self._read_back()
                self.batch = 0
                self.epoch += 1
                self.elapsed = time.perf_counter() - started
                self._end_epoch(validation)
                # (an epoch that ends the run, or that early stopping ends it after, ends it)
                if self.stop_reason and self.epoch < self.epochs and not self.stop_training:
                    self._interrupt()
        self._labels_b = None
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history

    def check_inputs(self, X, Y, validation=None, sample_weight=None) -> tuple:
        """(X, Y, validation, sample_weight) checked and converted to the network's dtype,
        library and device; raises InputError (a ValueError) naming what is wrong."""
        net = self.network
        X = net.check_X(X)
        Y = net.check_Y(Y, X.shape[1])
        if validation is not None:
            X_val = net.check_X(validation[0])
            validation = (X_val, net.check_Y(validation[1], X_val.shape[1]))
        if sample_weight is not None:
            m = X.shape[1]
            net.example_weights(sample_weight, m)  # checks length, sign, finiteness, not all 0
            sample_weight = net._on_device(to_numpy(sample_weight).astype(net.dtype).reshape(m))
        return X, Y, validation, sample_weight

    def _rows(self, index):
        """The examples of the mini-batch ``index`` (a slice or an array of positions) that this
        process computes on: all of them here; a distributed trainer's shard of them."""
        return index

    def _step(self, X_b, Y_b, sw_b=None) -> None:
        """One mini-batch: forward, cost, backward, update (report, Algorithm "Training")."""
        net, m_b, weight = self.network, X_b.shape[1], self._weight_b
        if weight == 0:  # every example of this batch has weight 0: nothing to learn from it
            return
        A_L, cost, dW, db = self._cost_and_gradients(X_b, Y_b, sw_b, weight, self._masks(m_b))
        correct = self._correct(A_L, Y_b) if net.is_classifier else None
        self._update(cost, dW, db, m_b, weight, correct)

    def _cost_and_gradients(self, X_b, Y_b, sw_b, weight, D=None) -> tuple:
        """Forward and backward over the batch X_b (n_x, m_b), Y_b (n_y, m_b): A[L], the cost J
        (eq. J1, or J2 with the weights sw_b (m_b,) of total ``weight``) before the L2 term, and
        its gradients dW[l] (n[l], n[l-1]), db[l] (n[l], 1). ``D``: the step's dropout masks."""
        net, m_b = self.network, X_b.shape[1]
        w = 1 / m_b if sw_b is None else net.xp.reshape(sw_b / weight, (1, m_b))
        A_L = net._forward(X_b, D)
        cost = net._cost(Y_b, w)
        dW, db = net._backward(Y_b, w, D)
        return A_L, cost, dW, db

    def _penalty_m(self, m_b: int, weight: float) -> float:
        """The m of a batch's L2 term (l2 / 2m) sum ||W[l]||^2: its size m_b, or with
        ``l2_over="weight"`` its total sample weight."""
        return weight if self.l2_over == "weight" else m_b

    def full_batch_objective(self, X, Y, sample_weight=None):
        """The cost a full-batch step minimises, as a function of the network's parameters now.

        Returns f; f() -> (J, dW, db) for the parameters the network holds when it is called: J
        (a float) is the cost of all of X (n_x, m), Y (eq. J1, or J2 with ``sample_weight``
        (m,)) plus the L2 term, dW[l] (n[l], n[l-1]) and db[l] (n[l], 1) its gradients, new
        arrays at every call. They are what a step of ``fit`` with ``batch_size=None`` computes,
        without dropout. For a full-batch optimizer that moves the parameters between calls
        (L-BFGS in ``deltaprop.sklearn``); the data are checked once, here. NaN and inf are
        returned, not raised.
        """
        net = self.network
        X, Y, _, sample_weight = self.check_inputs(X, Y, None, sample_weight)
        m = X.shape[1]
        weight = m if sample_weight is None else float(np.sum(to_numpy(sample_weight)))
        m_penalty = self._penalty_m(m, weight)

        def objective():
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                _, cost, dW, db = self._cost_and_gradients(X, Y, sample_weight, weight)
                cost = float(cost) + float(net.l2_cost(self.l2, m_penalty))
                net.add_l2_gradient(dW, self.l2, m_penalty)
            return cost, dW, db

        return objective

    def _correct(self, A_L, Y_b):
        """The mini-batch's correct predictions, for the epoch's running accuracy: a count or,
        on a device, with classes, the predicted classes and the true ones, compared for many
        steps at once in _read_back (two kernels a step fewer than comparing them here)."""
        if self._pending is not None and self._labels_b is not None:
            return self.network.xp.argmax(A_L, axis=0), self._labels_b
        return count_correct(self.network, A_L, Y_b, self._labels_b)

    def _masks(self, m_b: int) -> dict | None:
        """The dropout masks D of this step's m_b examples (None without dropout), drawn as
        numpy draws them, so that every library gets the same masks. numpy draws them at each
        step; other libraries draw the next MASKS_AHEAD steps of the epoch at once and send
        them together, because every transfer from host memory waits for the device."""
        if not self.dropout:
            return None
        net, keep = self.network, 1 - self.dropout
        if self._pending is None:
            return net.dropout_masks(self.dropout_rng, keep, m_b)
        if not self._masks_ahead:
            n_batches = -(-self._m // self._b)
            steps = range(self.batch, min(self.batch + MASKS_AHEAD, n_batches))
            sizes = [min(self._b, self._m - k * self._b) for k in steps]
            drawn, states = [], []
            for size in sizes:
                drawn.append(net.dropout_masks(self.dropout_rng, keep, size, host=True))
                states.append(self.dropout_rng.bit_generator.state)
            joined = {
                l: net._on_device(np.concatenate([D[l] for D in drawn], axis=1)) for l in drawn[0]
            }
            start = 0
            for size, state in zip(sizes, states, strict=True):
                D = {l: D_l[:, start : start + size] for l, D_l in joined.items()}
                self._masks_ahead.append((D, state))
                start += size
        D, self._dropout_state = self._masks_ahead.popleft()
        return D

    def _forget_masks_ahead(self) -> None:
        """Drop masks drawn ahead and not used, and rewind the generator to where it was after
        the last step that used its masks (so a new run draws what numpy would)."""
        if self._masks_ahead:
            self.dropout_rng.bit_generator.state = self._dropout_state
            self._masks_ahead.clear()

    def _update(self, cost, dW: dict, db: dict, m_b: int, weight: float, correct) -> None:
        """The rest of a step, once the mini-batch's cost J and gradients are known: the L2 term,
        the divergence check, the optimizer's update and the epoch's running sums. ``m_b`` is the
        mini-batch's size, ``weight`` its total sample weight (m_b without weights), ``correct``
        its correct predictions as ``_correct`` gives them (None for regression). ``cost`` and
        ``correct`` may be arrays on the network's device."""
        net = self.network
        m_penalty = self._penalty_m(m_b, weight)
        if self._pending is None:  # a float before the L2 term: float32 + float stays float32
            cost = float(cost)
        if self.l2:
            cost = cost + net.l2_cost(self.l2, m_penalty)
        share = weight if self.cost_mean == "weight" else m_b  # its weight in the epoch's mean
        if self._pending is None:  # checked now: a divergence stops at its own step
            self._record(cost, share, correct, m_b, self.batch)
        else:
            self._pending.append((cost, share, correct, m_b, self.batch))
            if len(self._pending) == READ_BACK_EVERY:
                self._read_back()
        # the weight of this step's penalty in the epoch's mean cost (see _end_epoch)
        self.running["penalty"] += share / m_penalty
        if self.batch == self._n_batches - 1:  # the epoch's last step: its gradient norms
            # are the data's, taken before the L2 term, which would hide a vanished gradient
            self._grad_norm = [frobenius_norm(dW[l]) for l in net.W]
        net.add_l2_gradient(dW, self.l2, m_penalty)
        self.optimizer.step(net, dW, db)  # (eqs. U1-U2, or the optimizer's rule)

    def _record(self, cost: float, weight: float, correct, m_b: int, step: int) -> None:
        """Add one step to the epoch's running sums, once its cost is known to be finite;
        ``weight``: the step's weight in the epoch's mean cost (see ``cost_mean``)."""
        if not math.isfinite(cost):
            self._diverged(cost, step)
        self.running["cost"] += cost * weight
        self.running["seen"] += weight
        if correct is not None:
            self.running["correct"] += int(correct)
            self.running["examples"] += m_b

    def _read_back(self) -> None:
        """Record the steps whose cost and accuracy are still on the device, read in one
        transfer: in between, a GPU runs ahead of the host instead of waiting at every step.

        A divergence is found here, at most READ_BACK_EVERY steps late, and reported at its own
        step; the weights go back to the start of the epoch as when it is found at once.
        """
        if not self._pending:  # numpy (None), or nothing since the last time
            return
        pending, self._pending = self._pending, []
        xp = self.network.xp
        costs = to_numpy(xp.stack([cost for cost, *_ in pending]))
        corrects = [correct for _, _, correct, _, _ in pending]
        if isinstance(corrects[0], tuple):  # (predicted, true) classes of each step
            predicted, true = (xp.concat(classes) for classes in zip(*corrects, strict=True))
            hits = to_numpy(predicted == true).astype(np.int64)
            starts = np.cumsum([0] + [classes.shape[0] for classes, _ in corrects[:-1]])
            corrects = np.add.reduceat(hits, starts)
        elif corrects[0] is not None:
            corrects = to_numpy(xp.stack(corrects))
        for (_, weight, _, m_b, step), cost, correct in zip(pending, costs, corrects, strict=True):
            self._record(float(cost), weight, correct, m_b, step)

    def _end_epoch(self, validation) -> None:
        net, seen = self.network, self.running["seen"]
        dead = self._dead_fraction()  # from the last mini-batch, before validation replaces A
        val_cost = val_accuracy = None
        if validation is not None:
            val_cost, val_accuracy = evaluate(net, *validation)
            # The L2 term as the epoch's training cost carries it, so that the two curves
            # differ only in how well the data are fitted: step b adds its penalty
            # (l2 / 2 m_b) ||W||^2 with weight w_b to a mean over seen = sum_b w_b, in all
            # (l2 / 2) ||W||^2 sum_b (w_b / m_b) / seen (m_b: as the penalty counts it).
            if self.l2:
                val_cost += float(net.l2_cost(self.l2, seen / self.running["penalty"]))
        lr = self.optimizer.lr
        self.history.append(
            epoch=self.epoch,
            cost=self.running["cost"] / seen,
            accuracy=self.running["correct"] / self.running["examples"]
            if net.is_classifier
            else None,
            val_cost=val_cost,
            val_accuracy=val_accuracy,
            lr=lr,
            time=self.elapsed,
            grad_norm=self._grad_norm,
            dead_fraction=dead,
        )
        logs = self.history.last()
        # The next epoch's learning rate is set before the callbacks run, so that a checkpoint
        # written by one of them holds the state the next epoch starts from.
        monitored = val_cost if val_cost is not None else logs["cost"]
        self.optimizer.lr = self.schedule.next_lr(self.epoch, monitored)
        for cb in self.callbacks:
            cb.on_epoch_end(self, self.epoch, logs)

    def _dead_fraction(self) -> list[float | None]:
        """Per hidden layer: the fraction of ReLU units that output 0 for every example of the
        last mini-batch (a dead unit passes no gradient back)."""
        net = self.network
        out = []
        for l in range(1, net.L):
            if net.g[l].name == "relu":
                # ReLU outputs are >= 0: a unit is dead when its largest output is 0
                dead = net.xp.max(net.A[l], axis=1) <= 0
                out.append(int(net.xp.count_nonzero(dead)) / net.sizes[l])
            else:
                out.append(None)
        return out

    # ------------------------------------------------------------------ failure and interruption
    def copy_weights(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, by name ("W[1]", "b[1]", ...), for ``set_weights``."""
        xp = self.network.xp
        return {name: xp.asarray(P, copy=True) for name, P in self.network.parameters()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy ``weights`` (name -> array of any library) into the network's parameters."""
        self.network.load_parameters(weights)

    def _diverged(self, cost: float, step: int) -> None:
        self.set_weights(self._epoch_start_weights)
        net = self.network
        if net.loss_name == "cross_entropy" and net.output == "relu":
            # e.g. a ReLU output: not probabilities, and a unit at 0 costs log 0 = -inf
            cause = (
                f"A {net.output} output is not a probability and cross-entropy takes its log "
                f"(log 0 = -inf); use output='softmax'."
            )
        else:
            cause = (
                f"The learning rate ({self.optimizer.lr:g}) is probably too high; try one ten "
                f"times smaller."
            )
        raise TrainingDiverged(
            f"training diverged in epoch {self.epoch + 1} (step {step + 1}): the cost "
            f"became {cost}. {cause} The network keeps the weights from the start of "
            f"epoch {self.epoch + 1}, the last finite ones.",
            self.history,
        )

    def _interrupt(self) -> None:
        self._read_back()  # the running sums a checkpoint saves
        saved = None
        for cb in self.callbacks:
            saved = cb.on_interrupt(self) or saved
        where = f"; checkpoint written to {saved}" if saved else ""
        when = f"in epoch {self.epoch + 1} after step {self.batch}"
        if self.batch == 0:
            when = f"after epoch {self.epoch}"
        raise TrainingInterrupted(f"{self.stop_reason}: stopped {when}{where}", saved)

    # ------------------------------------------------------------------ checkpoint state
    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(JSON-able scalars, named arrays): everything needed to continue this run exactly."""
        if callable(self.shuffle):
            raise ValueError("a Trainer whose shuffle is a function has no state to save")
        opt_scalars, opt_arrays = self.optimizer.state_dict()
        scalars = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "l2": self.l2,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "epoch": self.epoch,
            "batch": self.batch,
            "rng_state": self.rng.bit_generator.state,
            "dropout": self.dropout,
            "dropout_rng_state": self._dropout_state
            if self._masks_ahead
            else self.dropout_rng.bit_generator.state,
            "epoch_rng_state": self.epoch_rng_state,
            "running": dict(self.running),
            "elapsed": self.elapsed,
            "optimizer": opt_scalars,
            "schedule": {"config": self.schedule.config(), "state": self.schedule.state_dict()},
            "history": self.history.to_dict(),
            "callbacks": {type(cb).__name__: cb.state_dict() for cb in self.callbacks},
        }
        arrays = {f"optimizer/{k}": v for k, v in opt_arrays.items()}
        arrays.update({f"epoch_start/{k}": v for k, v in self._epoch_start_weights.items()})
        for cb in self.callbacks:
            arrays.update({f"{type(cb).__name__}/{k}": v for k, v in cb.state_arrays().items()})
        return scalars, arrays

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` saved (the network's weights are restored separately).
        The state comes from a file: every entry is checked (a ValueError names the first one
        that is wrong) before anything is restored."""

        def under(prefix):
            return {
                k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(prefix + "/")
            }

        check_trainer_state(scalars, arrays)
        shapes = {name: tuple(P.shape) for name, P in self.network.parameters()}
        state.parameter_arrays(under("epoch_start"), shapes, "epoch_start")
        state.parameter_arrays(under("optimizer"), shapes, "optimizer", kinds=("M", "S", "V"))
        self.epoch, self.batch = scalars["epoch"], scalars["batch"]
        self.rng.bit_generator.state = scalars["rng_state"]
        self._masks_ahead.clear()
        self.dropout_rng.bit_generator.state = scalars["dropout_rng_state"]
        self.epoch_rng_state = scalars.get("epoch_rng_state")  # needed only inside an epoch
        self.running = {**RUNNING_START, **scalars["running"]}
        self.elapsed = scalars["elapsed"]
        self.optimizer.load_state_dict(scalars["optimizer"], under("optimizer"))
        self.schedule.load_state_dict(scalars["schedule"]["state"])
        self.history = History.from_dict(scalars["history"])
        self._epoch_start_weights = under("epoch_start")
        for cb in self.callbacks:
            name = type(cb).__name__
            cb.load_state(scalars["callbacks"].get(name, {}), under(name))


def check_trainer_state(scalars: dict, arrays: dict[str, np.ndarray]) -> None:
    """Check the state ``Trainer.state_dict`` saved, as read back from a file, before any of it
    is used: where the run is (epoch, step, generators, running sums, time), and that the parts
    the optimizer, schedule, history and callbacks restore are objects (each checks its own).
    A ValueError names the first entry that is wrong."""
    state.mapping(scalars, "the trainer state")
    epoch = state.whole(state.entry(scalars, "epoch", "the state"), "epoch")
    batch = state.whole(state.entry(scalars, "batch", "the state"), "batch")
    for key in ("rng_state", "dropout_rng_state"):
        state.generator_state(state.entry(scalars, key, "the state"), key)
    if batch or scalars.get("epoch_rng_state") is not None:  # resuming inside an epoch needs it
        state.generator_state(scalars.get("epoch_rng_state"), "epoch_rng_state")
    running = state.mapping(state.entry(scalars, "running", "the state"), "running")
    for key, value in running.items():
        if key not in RUNNING_START:
            raise ValueError(f"trainer state: running holds {key!r}, which is not a running sum")
        state.number(value, f"running[{key!r}]", minimum=0)
    if batch and not running.get("seen"):
        raise ValueError(f"trainer state: step {batch} of an epoch, but no examples seen yet")
    state.number(state.entry(scalars, "elapsed", "the state"), "elapsed", minimum=0)
    for key in ("optimizer", "schedule", "history", "callbacks"):
        state.mapping(state.entry(scalars, key, "the state"), key)
    for name, saved in scalars["callbacks"].items():
        state.mapping(saved, f"callbacks[{name!r}]")
    state.mapping(state.entry(scalars["schedule"], "state", "schedule"), "schedule state")
    history = scalars["history"].get("epoch", [])
    if not isinstance(history, list) or len(history) != epoch:
        raise ValueError(
            f"trainer state: epoch {epoch}, but the history holds "
            f"{len(history) if isinstance(history, list) else 'no list of'} epochs"
        )
