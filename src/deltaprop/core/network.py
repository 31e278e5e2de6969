"""The multi-layer perceptron of the report, in its notation.

Layers are numbered 1..L, so ``W[1]`` is the first layer's weight matrix. Examples are columns:

    X = A[0]        (n_x, m)            W[l]  (n[l], n[l-1])     b[l]  (n[l], 1)
    Z[l], A[l]      (n[l], m)           delta[l] = dJ/dZ[l]      (n[l], m)
    dW[l], db[l]    shapes of W[l], b[l]

Equation tags in comments, such as (eq. B3), refer to the report (``deltaprop report``).
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Sequence

import numpy as np

from .activations import RELU_FAMILY, get_activation
from .arrays import asarray, compat, is_numpy, resolve, to_numpy
from .errors import DeltapropWarning, InputError
from .initialisation import initial_weight
from .losses import DEFAULT_LOSS, get_loss


def _check_sizes(sizes) -> tuple[int, ...]:
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise InputError(f"sizes must be a sequence of layer widths, got {sizes!r}") from None
    if len(sizes) < 2:
        raise InputError(f"sizes needs at least two widths (n_x and n_y), got {list(sizes)}")
    for l, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise InputError(
                f"every layer width must be a positive integer; sizes[{l}] = {n!r} in {list(sizes)}"
            )
    return tuple(int(n) for n in sizes)


class Network:
    """A fully connected network with L layers: L - 1 hidden layers and one output layer.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_x, n[1], ..., n[L])``; ``n[L] = n_y``. The seed's network is ``(3, 4, 3, 2)``.
    hidden : str
        Activation g[l] of the hidden layers l = 1..L-1: relu, leaky_relu, sigmoid, tanh, identity.
    output : str
        Activation g[L] of the output layer: softmax, sigmoid, identity, relu, leaky_relu, tanh.
    loss : str or None
        cross_entropy, binary_cross_entropy or mse; by default the natural partner of ``output``.
    init : str or None
        ``"he"`` or ``"glorot"``; by default He for layers whose activation is in the ReLU
        family and Glorot for the others.
    seed : int or None
        Seed of the generator that draws the initial weights.
    dtype : numpy float dtype
        float64 (the default, used for verification) or float32.
    xp, device : the array library that computes and its device: by default numpy on the CPU.
        ``xp`` is a module of the Python array API standard (torch, cupy, array_api_strict) or
        its name; ``device`` a device of that library, e.g. ``"cuda"``. ``device="cuda"``
        alone means PyTorch (or CuPy). Weights are drawn by numpy's generator either way, so a
        seed gives the same network everywhere.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "relu",
        output: str = "softmax",
        loss: str | None = None,
        init: str | None = None,
        seed: int | None = None,
        dtype=np.float64,
        xp=None,
        device=None,
    ):
        self.sizes = _check_sizes(sizes)
        self.L = len(self.sizes) - 1
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise InputError(f"dtype must be float32 or float64, got {self.dtype}")
        self.xp, self.device = resolve(xp, device)
        self.hidden = hidden
        self.output = output
        self.loss_name = loss if loss is not None else DEFAULT_LOSS.get(output, "mse")
        # g[l] for l = 1..L: the hidden activation, then the output activation.
        g_hidden = get_activation(hidden, hidden=True)
        self.g = {l: g_hidden for l in range(1, self.L)}
        self.g[self.L] = get_activation(output)
        self.loss = get_loss(self.loss_name, output)
        if output == "softmax" and self.sizes[-1] == 1:
            raise InputError(
                "a softmax over a single output unit is the constant 1; for two classes use "
                "output='sigmoid' with one unit, or softmax with n_y = 2"
            )
        # Softmax + cross-entropy and sigmoid + binary cross-entropy: delta[L] = (A[L] - Y)/m.
        self.fused = self.loss.fused_output == output
        if self.loss_name == "cross_entropy" and output == "relu":
            warnings.warn(
                "ReLU on the output layer with cross-entropy (the seed's literal choice) is a poor "
                "choice: ReLU outputs are not probabilities (they need not sum to 1), and a dead "
                "output unit gives A = 0 and log 0 = -inf. Use output='softmax'.",
                DeltapropWarning,
                stacklevel=2,
            )
        self.init = init
        if seed is not None and not (isinstance(seed, (int, np.integer)) and seed >= 0):
            raise InputError(f"seed must be a non-negative integer or None, got {seed!r}")
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.W: dict[int, np.ndarray] = {}
        self.b: dict[int, np.ndarray] = {}
        for l in range(1, self.L + 1):
            scheme = init or ("he" if self.g[l].name in RELU_FAMILY else "glorot")
            W = initial_weight(rng, scheme, self.sizes[l], self.sizes[l - 1], self.dtype)
            self.W[l] = self._on_device(W)
            self.b[l] = self._on_device(np.zeros((self.sizes[l], 1), dtype=self.dtype))
        self.Z: dict[int, np.ndarray] = {}
        self.A: dict[int, np.ndarray] = {}
        self.delta: dict[int, np.ndarray] = {}

    # ------------------------------------------------------------------ describing
    @property
    def n_x(self) -> int:
        return self.sizes[0]

    @property
    def n_y(self) -> int:
        return self.sizes[-1]

    @property
    def is_classifier(self) -> bool:
        """True when the network's outputs are class scores (a cross-entropy loss or a
        softmax/sigmoid output); False for regression (mse on an unbounded output)."""
        return self.loss_name != "mse" or self.output in ("softmax", "sigmoid")

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """``[("W[1]", W[1]), ("b[1]", b[1]), ..., ("b[L]", b[L])]``: the arrays themselves."""
        return [(f"{p}[{l}]", getattr(self, p)[l]) for l in range(1, self.L + 1) for p in "Wb"]

    def load_parameters(self, named: dict) -> None:
        """Copy arrays by name ("W[1]", "b[1]", ...; numpy or this network's library) into those
        parameters, in place, checking each name and shape; parameters not named keep theirs."""
        parameters = dict(self.parameters())
        unknown = sorted(set(named) - set(parameters))
        if unknown:
            raise InputError(f"no parameters named {unknown}; this network has {list(parameters)}")
        for name, value in named.items():
            P = parameters[name]
            value = self._as_array(value, name)
            if tuple(value.shape) != tuple(P.shape):
                raise InputError(f"{name} has shape {tuple(value.shape)}, expected {P.shape}")
            P[...] = value

    def n_parameters(self) -> int:
        return sum(math.prod(P.shape) for _, P in self.parameters())

    def config(self) -> dict:
        """The constructor arguments, as plain JSON-able values."""
        return {
            "sizes": list(self.sizes),
            "hidden": self.hidden,
            "output": self.output,
            "loss": self.loss_name,
            "init": self.init,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }

    def copy(self, dtype=None) -> Network:
        """An independent copy (optionally in another dtype) with the same weights, computing
        with the same library on the same device."""
        return self.to(self.xp, self.device, dtype)

    def to(self, xp=None, device=None, dtype=None) -> Network:
        """A copy with the same weights that computes with array library ``xp`` on ``device``
        (see the class docstring; ``to()`` is a numpy copy), optionally in another dtype."""
        config = self.config()
        config["dtype"] = np.dtype(dtype or self.dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeltapropWarning)
            other = Network(**config, xp=xp, device=device)
        for l in range(1, self.L + 1):
            if other.xp is self.xp and other.device == self.device:
                other.W[l] = self.xp.astype(self.W[l], other._dtype, copy=True)
                other.b[l] = self.xp.astype(self.b[l], other._dtype, copy=True)
            else:  # through the host: numpy on both sides of the move
                other.W[l] = other._on_device(to_numpy(self.W[l]).astype(other.dtype))
                other.b[l] = other._on_device(to_numpy(self.b[l]).astype(other.dtype))
        return other

    def __repr__(self) -> str:
        where = ""
        if not is_numpy(self.xp):
            where = f", xp={self.xp.__name__.split('.')[-1]!r}, device={str(self.device)!r}"
        return (
            f"Network(sizes={list(self.sizes)}, hidden={self.hidden!r}, output={self.output!r}, "
            f"loss={self.loss_name!r}, dtype={self.dtype.name}{where})"
        )

    # ------------------------------------------------------------------ arrays and devices
    def __getstate__(self) -> dict:
        """For pickle and deepcopy (scikit-learn's conventions): the library by module name."""
        return {**self.__dict__, "xp": self.xp.__name__}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, xp=importlib.import_module(state["xp"]))

    @property
    def _dtype(self):
        """This network's dtype as its array library names it (np.float32, torch.float32...)."""
        return getattr(self.xp, self.dtype.name)

    def _on_device(self, array: np.ndarray):
        """A numpy array as an array of this network's library, on its device."""
        return asarray(array, self.xp, self.device)

    def _as_array(self, x, what: str, kinds=("real floating", "integral")):
        """``x`` as an array of this network's library on its device, its dtype of one of the
        ``kinds``: numpy arrays and lists are copied to the device, arrays of the library moved
        there."""
        xp = self.xp
        if not is_numpy(xp) and hasattr(x, "__dlpack__") and not isinstance(x, np.ndarray):
            try:
                same_library = compat().array_namespace(x) is xp
            except TypeError:
                same_library = False
            if same_library:
                if not xp.isdtype(x.dtype, kinds):
                    raise InputError(f"{what} must hold real numbers, got dtype {x.dtype}")
                return xp.asarray(x, device=self.device)
        try:
            x = to_numpy(x)
        except (TypeError, RuntimeError, ValueError) as e:
            raise InputError(
                f"{what} cannot be read into a numpy array for this {xp.__name__} network "
                f"({type(e).__name__}: {e})"
            ) from None
        if not np.isdtype(x.dtype, kinds):
            raise InputError(f"{what} must hold real numbers, got dtype {x.dtype}")
        return x if is_numpy(xp) else self._on_device(x)

    def _all_finite(self, X, block: int = 8192) -> bool:
        """True when X (n, m) has no NaN or inf; a block of columns at a time, so that a big X
        never needs an (n, m) boolean array beside it."""
        xp, m = self.xp, X.shape[1]
        return all(
            bool(xp.all(xp.isfinite(X[:, j : min(j + block, m)]))) for j in range(0, m, block)
        )

    # ------------------------------------------------------------------ checking input
    def check_X(self, X):
        """X as an array of this network's dtype and library, shape (n_x, m), all finite."""
        xp = self.xp
        X = self._as_array(X, "X")
        if X.ndim != 2:
            raise InputError(
                f"X must be 2-D with shape (n_x, m) = ({self.n_x}, m), examples as columns; "
                f"got {X.ndim}-D shape {tuple(X.shape)}"
            )
        if X.shape[0] != self.n_x:
            hint = " (did you pass examples as rows? use X.T)" if X.shape[1] == self.n_x else ""
            raise InputError(
                f"X has {X.shape[0]} row{'s' if X.shape[0] != 1 else ''} but the network "
                f"expects n_x = {self.n_x} "
                f"(X shape {tuple(X.shape)}){hint}"
            )
        if X.shape[1] == 0:
            raise InputError(f"X has no examples (shape {tuple(X.shape)})")
        X = xp.astype(X, self._dtype, copy=False)
        if not self._all_finite(X):
            rows, columns = xp.nonzero(~xp.isfinite(X))
            raise InputError(
                f"X contains NaN or inf (first at row {int(rows[0])}, column {int(columns[0])}; "
                f"X shape {tuple(X.shape)})"
            )
        return X

    def check_Y(self, Y, m: int):
        """Y as a (n_y, m) array of this network's dtype and library.

        Y may be given as a (n_y, m) matrix (one-hot for classification) or as a length-m vector:
        integer labels 0..n_y-1 (turned into one-hot columns), or, when n_y = 1, the targets
        themselves (0/1 labels for a single sigmoid unit).
        """
        xp = self.xp
        Y = self._as_array(Y, "Y", kinds=("real floating", "integral", "bool"))
        if Y.dtype == xp.bool:
            Y = xp.astype(Y, self._dtype)
        if Y.ndim == 1 or (Y.ndim == 2 and Y.shape[0] == 1 and self.n_y > 1):
            y = xp.reshape(Y, (-1,))
            if y.shape[0] != m:
                raise InputError(f"Y has {y.shape[0]} labels but X has m = {m} examples (columns)")
            if not self._all_finite(xp.reshape(y, (1, -1))):
                raise InputError("Y contains NaN or inf")
            Y = xp.reshape(y, (1, m)) if self.n_y == 1 else self._one_hot(y)
        elif Y.ndim == 2:
            if tuple(Y.shape) != (self.n_y, m):
                raise InputError(
                    f"Y has shape {tuple(Y.shape)} but must be (n_y, m) = ({self.n_y}, {m}) "
                    f"to match the network's output layer and X's {m} columns"
                )
            if not self._all_finite(Y):
                raise InputError("Y contains NaN or inf")
        else:
            raise InputError(
                f"Y must be 1-D labels or a 2-D (n_y, m) matrix, got shape {tuple(Y.shape)}"
            )
        Y = xp.astype(Y, self._dtype, copy=False)
        if self.fused and self.output == "softmax":
            # delta[L] = (A - Y)/m (eq. B2) relies on every column of Y summing to 1.
            sums = xp.sum(Y, axis=0)
            off = xp.abs(sums - 1)
            if not bool(xp.all(off <= 1e-3)):
                j = int(xp.argmax(off))
                raise InputError(
                    f"softmax with cross-entropy needs each column of Y to sum to 1 (a one-hot "
                    f"label or a distribution); column {j} sums to {float(sums[j]):g}"
                )
        if self.loss_name in ("cross_entropy", "binary_cross_entropy") and (
            bool(xp.any(Y < 0)) or bool(xp.any(Y > 1))
        ):
            raise InputError(
                f"targets for {self.loss_name} must lie in [0, 1]; got values from "
                f"{float(xp.min(Y)):g} to {float(xp.max(Y)):g}"
            )
        return Y

    def _one_hot(self, y):
        """Labels y (m,) as one-hot columns (n_y, m): Y_kj = 1 where y_j = k."""
        xp = self.xp
        valid = (y >= 0) & (y < self.n_y)
        if xp.isdtype(y.dtype, "real floating"):
            valid = valid & (y == xp.floor(y))
        if not bool(xp.all(valid)):
            bad = y[int(xp.argmax(xp.astype(~valid, xp.int8)))]
            raise InputError(
                f"labels must be integers 0..{self.n_y - 1} (n_y = {self.n_y}); "
                f"found {to_numpy(bad).item()!r}"
            )
        labels = xp.reshape(xp.astype(y, xp.int64), (1, -1))
        classes = xp.reshape(xp.arange(self.n_y, dtype=xp.int64, device=self.device), (-1, 1))
        return xp.astype(classes == labels, self._dtype)

    # ------------------------------------------------------------------ the equations
    def _forward(self, X, D: dict | None = None) -> np.ndarray:
        """Forward propagation on a checked X; keeps every Z[l] and A[l].

        ``D`` (optional, training only) maps hidden layers l to inverted-dropout masks of shape
        (n[l], m) whose entries are 0 or 1/keep_prob.
        """
        A, Z, W, b, g, L = {0: X}, {}, self.W, self.b, self.g, self.L
        self.log_A_L = None
        for l in range(1, L + 1):
            Z[l] = W[l] @ A[l - 1] + b[l]  # (eq. F2) b[l] (n[l], 1) broadcasts over the m columns
            if l == L and self.fused and self.loss.J_from_log:  # the cost will need log A[L]
                A[l], self.log_A_L = g[l].g_and_log(Z[l])  # (eq. F3), and log A[L] with it
            else:
                A[l] = g[l].g(Z[l])  # (eq. F3)
            if D and l in D:
                A[l] = A[l] * D[l]  # (eq. D1) inverted dropout: Hadamard product with the mask
        self.Z, self.A = Z, A
        return A[L]

    def _cost(self, Y, w):
        """J from the last forward pass, a 0-d array (left on the device; ``cost`` reads it);
        w is 1/m, or the (1, m) normalised example weights."""
        if self.log_A_L is not None:  # softmax: from log A[L], finite where A[L] underflows
            return self.loss.J_from_log(self.log_A_L, Y, w)
        if self.fused:  # sigmoid: stable from the logits Z[L]
            return self.loss.J_from_logits(self.Z[self.L], Y, w)
        return self.loss.J(self.A[self.L], Y, w)  # (eq. J1)

    def _backward(self, Y, w, D: dict | None = None) -> tuple[dict, dict]:
        """Backward propagation after ``_forward``: delta[l], dW[l], db[l] for l = L..1.

        ``w`` is 1/m, or the (1, m) example weights w_i / sum(w); ``D`` the dropout masks that
        the forward pass used.
        """
        xp, L, Z, A, W, g = self.xp, self.L, self.Z, self.A, self.W, self.g
        delta, dW, db = {}, {}, {}
        if self.fused:
            delta[L] = (A[L] - Y) * w  # (eq. B2) softmax/sigmoid with cross-entropy
        else:
            delta[L] = g[L].backward(self.loss.dJ_dA(A[L], Y, w), Z[L], A[L])  # (eq. B1)
        for l in range(L, 0, -1):
            dW[l] = delta[l] @ A[l - 1].T  # (eq. B4) matrix product
            db[l] = xp.sum(delta[l], axis=1, keepdims=True)  # (eq. B5) sum over the m examples
            if l > 1:
                # (eq. B3) matrix product with W[l]^T, then Hadamard product with g'(Z[l-1])
                dA = W[l].T @ delta[l]
                if D and l - 1 in D:
                    dA = dA * D[l - 1]  # (eq. D2) back through the same dropout mask
                delta[l - 1] = dA * g[l - 1].g_prime(Z[l - 1])
        self.delta = delta
        return dW, db

    def example_weights(self, sample_weight, m: int):
        """w for the cost: 1/m, or the row (1, m) of w_i / sum_j w_j (eq. J2) for sample weights."""
        if sample_weight is None:
            return 1 / m
        try:
            sw = to_numpy(sample_weight).astype(np.float64)
        except (TypeError, ValueError) as e:
            raise InputError(f"sample_weight must be m numbers ({e})") from None
        if sw.ndim != 1:
            raise InputError(
                f"sample_weight must be 1-D, one weight per example (m,); got shape {sw.shape}"
            )
        if sw.shape[0] != m:
            raise InputError(
                f"sample_weight has {sw.shape[0]} entries but there are m = {m} examples"
            )
        if not np.isfinite(sw).all():
            raise InputError("sample_weight contains NaN or inf")
        if (sw < 0).any():
            raise InputError(f"sample_weight must be non-negative; found {sw[sw < 0][0]:g}")
        total = sw.sum()
        if total == 0:
            raise InputError("sample_weight is zero for every example; nothing to learn from")
        return self._on_device((sw / total).astype(self.dtype).reshape(1, m))

    def dropout_masks(self, rng, keep_prob: float, m: int, host: bool = False) -> dict:
        """Inverted-dropout masks D[l] (n[l], m) for the hidden layers: each entry is 1/keep_prob
        with probability keep_prob and 0 otherwise, so that E[A[l] * D[l]] = A[l]. Drawn by
        numpy's generator ``rng`` (the same masks on every library and device); ``host`` keeps
        them in numpy, for a caller that sends the masks of many steps to the device at once."""
        if not 0 < keep_prob <= 1:
            raise InputError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
        keep = self.dtype.type(keep_prob)
        D = {
            l: (rng.random((self.sizes[l], m)) < keep_prob).astype(self.dtype) / keep
            for l in range(1, self.L)
        }
        return D if host else {l: self._on_device(D_l) for l, D_l in D.items()}

    # ------------------------------------------------------------------ public API
    def forward(self, X) -> np.ndarray:
        """A[L] for X of shape (n_x, m); every Z[l], A[l] is kept in ``self.Z``, ``self.A``."""
        return self._forward(self.check_X(X))

    def cost(self, X, Y, l2: float = 0.0, sample_weight=None, D: dict | None = None) -> float:
        """J(X, Y), plus (l2 / 2m) sum_l ||W[l]||^2 when ``l2`` > 0.

        ``sample_weight`` (m,) weighs the examples (eq. J2); ``D`` are fixed dropout masks (for
        checking the dropout derivative; training draws fresh ones per step).
        """
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        m = X.shape[1]
        w = self.example_weights(sample_weight, m)
        self._forward(X, D)
        return float(self._cost(Y, w)) + float(self.l2_cost(l2, m))

    def gradients(
        self, X, Y, l2: float = 0.0, sample_weight=None, D: dict | None = None
    ) -> tuple[dict, dict]:
        """``dW, db``: dicts l -> dJ/dW[l] (n[l], n[l-1]) and dJ/db[l] (n[l], 1).

        With ``l2`` > 0, dW[l] gains (l2 / m) W[l], the derivative of the penalty in ``cost``;
        ``sample_weight`` and ``D`` as in ``cost``.
        """
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        m = X.shape[1]
        w = self.example_weights(sample_weight, m)
        self._forward(X, D)
        dW, db = self._backward(Y, w, D)
        self.add_l2_gradient(dW, l2, m)
        return dW, db

    def l2_cost(self, l2: float, m: int):
        """(l2 / 2m) sum_l ||W[l]||_F^2 (biases are not penalised): a float for numpy, a 0-d
        array on the device for other libraries (so that a training step does not wait)."""
        if not l2:
            return 0.0
        squares = [self.xp.sum(W * W) for W in self.W.values()]
        if is_numpy(self.xp):  # summed in double precision whatever the dtype
            squares = [float(s) for s in squares]
        return l2 / (2 * m) * sum(squares)

    def add_l2_gradient(self, dW: dict, l2: float, m: int) -> None:
        """dW[l] += (l2 / m) W[l], in place."""
        if l2:
            for l in dW:
                dW[l] += (l2 / m) * self.W[l]

    def update(self, dW: dict, db: dict, alpha: float) -> None:
        """The seed's gradient-descent step: W[l] <- W[l] - alpha dW[l], and the same for b[l]."""
        for l in range(1, self.L + 1):
            self.W[l] -= alpha * dW[l]  # (eq. U1)
            self.b[l] -= alpha * db[l]  # (eq. U2)

    def predict_proba(self, X) -> np.ndarray:
        """A[L] (n_y, m): class probabilities for softmax; for sigmoid outputs, the probability
        that each label is 1."""
        if self.output not in ("softmax", "sigmoid"):
            raise InputError(
                f"predict_proba needs a softmax or sigmoid output layer; this network's output "
                f"is {self.output!r}, whose values are not probabilities"
            )
        return self.forward(X)

    def predict(self, X) -> np.ndarray:
        """Predictions for X (n_x, m).

        Classifiers: class indices of shape (m,) (argmax over the n_y units; for a single sigmoid
        unit, 1 where A >= 0.5), or for several sigmoid units an (n_y, m) 0/1 indicator matrix.
        Regression: A[L] itself, (n_y, m).
        """
        xp, A_L = self.xp, self.forward(X)
        if not self.is_classifier:
            return A_L
        if self.output == "sigmoid":
            labels = xp.astype(A_L >= 0.5, xp.int64)
            return labels[0, :] if self.n_y == 1 else labels
        return xp.argmax(A_L, axis=0)
