"""Update rules over (W[l], b[l], dW[l], db[l]).

Each optimizer updates every parameter P (a W[l] or b[l]) from its gradient dP in place. With a
learning rate alpha and per-parameter state (zero at the start):

- ``GradientDescent``:  P <- P - alpha dP                                  (the seed's rule)
- ``Momentum``:         V <- mu V - alpha dP;  P <- P + V
- ``Momentum(nesterov=True)``:  V <- mu V - alpha dP;  P <- P + mu V - alpha dP
  (the look-ahead form used by scikit-learn and PyTorch)
- ``RMSProp``:          S <- rho S + (1 - rho) dP^2;  P <- P - alpha dP / (sqrt(S) + eps)
- ``Adam``:             M <- b1 M + (1 - b1) dP;  S <- b2 S + (1 - b2) dP^2;
                        M^ = M / (1 - b1^t);  S^ = S / (1 - b2^t);
                        P <- P - alpha M^ / (sqrt(S^) + eps)       (t = step count, from 1)

Squares and square roots are element-wise. ``clip_norm`` (every optimizer) rescales all gradients
together when their global norm sqrt(sum ||dP||^2) exceeds it.

numpy updates each parameter in place. Other array libraries (a GPU) run the rule once on all the
parameters laid end to end as one vector, so that each operation of the rule is one kernel launch
instead of one per parameter; the state is saved by parameter name either way.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.arrays import device_of, has_views, is_numpy, minimum, namespace
from .settings_repr import SettingsRepr
from .state import entry, whole


class _Names(dict):
    """l -> "W[l]" (or "b[l]"), the parameter names of state arrays, each built once."""

    def __init__(self, letter: str):
        super().__init__()
        self.letter = letter

    def __missing__(self, l: int) -> str:
        self[l] = name = f"{self.letter}[{l}]"
        return name


_W_NAME, _B_NAME = _Names("W"), _Names("b")
#: The name that stands for every parameter at once, in the flat update of other libraries.
ALL = "*"


class Optimizer(SettingsRepr):
    """Base class: learning rate ``lr``, optional global-norm clipping, state as named arrays."""

    name = "optimizer"

    def __init__(self, lr: float = 0.01, clip_norm: float | None = None):
        if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm must be positive, got {clip_norm!r}")
        self.lr = float(lr)
        self.clip_norm = clip_norm
        self.t = 0  # number of steps taken
        self.state: dict[str, np.ndarray] = {}
        # (name, shape) of the parameters laid end to end in the flat update, in its order;
        # and, where the library has views, the vector whose views the parameters are.
        self._layout: list[tuple[str, tuple]] = []
        self._joined: tuple | None = None

    def step(self, network, dW: dict, db: dict) -> None:
        """Update ``network.W`` and ``network.b`` in place from the gradients."""
        self.t += 1
        grads = [(_W_NAME[l], network.W[l], dW[l]) for l in dW]
        grads += [(_B_NAME[l], network.b[l], db[l]) for l in db]
        if self.clip_norm is not None:
            xp = network.xp
            squares = [xp.sum(dP * dP) for _, _, dP in grads]
            if is_numpy(xp):  # summed in double precision; unclipped gradients stay as they are
                norm = math.sqrt(sum(float(s) for s in squares))
                scale = self.clip_norm / norm if norm > self.clip_norm else None
            else:  # on the device, so that the step never waits to read the norm
                scale = minimum(self.clip_norm / xp.sqrt(sum(squares)), 1.0)
            if scale is not None:
                grads = [(name, P, dP * scale) for name, P, dP in grads]
        if not is_numpy(network.xp):
            return self._update_all(network, grads)
        if self._layout:  # flat state from another library: by parameter name again
            self.state, self._layout, self._joined = self.state_dict()[1], [], None
        for name, P, dP in grads:
            self.update(name, P, dP)

    def _update_all(self, network, grads: list) -> None:
        """One update of every parameter at once, for array libraries other than numpy.

        Where the library has views, the parameters become views of one vector theta, and the
        rule updates theta in place with the gradients laid end to end: each of its operations
        is one kernel for all the parameters. Elsewhere, every rule changes P in place by an
        amount that does not depend on P, so the rule run on a vector of zeros gives all the
        changes at once, added to each parameter in turn.
        """
        xp = network.xp
        self._layout = [(name, tuple(P.shape)) for name, P, _ in grads]
        dP = xp.concat([xp.reshape(dP, (-1,)) for _, _, dP in grads])
        if has_views(xp):
            self.update(ALL, self._parameters_joined(network, grads), dP)
            return
        change = xp.zeros_like(dP)
        self.update(ALL, change, dP)
        start = 0
        for _, P, _ in grads:
            stop = start + math.prod(P.shape)
            P += xp.reshape(change[start:stop], P.shape)
            start = stop

    def _parameters_joined(self, network, grads: list):
        """The vector theta whose views ``network.W[l]`` and ``network.b[l]`` are, laid out as
        the gradients are. Made at the first step (the network's parameters are then replaced
        by views of it, with the same values), and again whenever a parameter is no longer one
        of those views (a network copied, moved or replaced)."""
        parameters = [P for _, P, _ in grads]
        if self._joined is not None:
            theta, views = self._joined
            if len(views) == len(parameters) and all(
                P is view for P, view in zip(parameters, views, strict=True)
            ):
                return theta
        xp = network.xp
        theta = xp.concat([xp.reshape(P, (-1,)) for P in parameters])
        views, start = [], 0
        for name, P, _ in grads:
            stop = start + math.prod(P.shape)
            views.append(xp.reshape(theta[start:stop], P.shape))
            letter, l = name[0], int(name[2:-1])  # "W[3]" -> ("W", 3)
            (network.W if letter == "W" else network.b)[l] = views[-1]
            start = stop
        self._joined = (theta, views)
        return theta

    def update(self, name: str, P: np.ndarray, dP: np.ndarray) -> None:
        raise NotImplementedError

    def _slot(self, key: str, like: np.ndarray) -> np.ndarray:
        """A state array (zeros at first) shaped like a parameter, of the parameter's array
        library (state loaded from a file comes as numpy and moves there on first use). The
        flat state of all parameters (``key`` "M:*") is made from their named state, if any."""
        state = self.state.get(key)
        xp = namespace(like)
        if state is None:
            kind, _, name = key.partition(":")
            if name != ALL or not any(f"{kind}:{p}" in self.state for p, _ in self._layout):
                state = self.state[key] = xp.zeros_like(like)
                return state
            parts = [self.state.pop(f"{kind}:{p}", np.zeros(shape)) for p, shape in self._layout]
            state = xp.concat([xp.reshape(self._like(part, like), (-1,)) for part in parts])
            self.state[key] = state
        elif type(state) is not type(like):
            state = self.state[key] = self._like(state, like)
        return state

    @staticmethod
    def _like(array, like):
        """``array`` in the library, dtype and device of ``like``."""
        return namespace(like).asarray(array, dtype=like.dtype, device=device_of(like))

    def _scratch(self, name: str, like: np.ndarray) -> np.ndarray:
        """A reusable work array shaped like a parameter (not state: never saved)."""
        scratch = self.__dict__.setdefault("_work", {})
        if name not in scratch or scratch[name].shape != like.shape:
            scratch[name] = np.empty_like(like)
        return scratch[name]

    def config(self) -> dict:
        """Hyperparameters as plain values (for model files and checkpoints)."""
        return {"name": self.name, "lr": self.lr, "clip_norm": self.clip_norm}

    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(scalars, arrays): everything needed to continue exactly where this optimizer is.
        The arrays are named by parameter ("M:W[1]", ...), whatever library computed them."""
        arrays = {}
        for key, state in self.state.items():
            kind, _, name = key.partition(":")
            if name != ALL:
                arrays[key] = state
                continue
            start = 0
            for p, shape in self._layout:
                stop = start + math.prod(shape)
                arrays[f"{kind}:{p}"] = namespace(state).reshape(state[start:stop], shape)
                start = stop
        return {"config": self.config(), "t": self.t}, arrays

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` saved (the step count is checked: it comes from a file)."""
        self.t = whole(entry(scalars, "t", "optimizer"), "optimizer's t")
        self.state = {k: np.array(v) for k, v in arrays.items()}


class GradientDescent(Optimizer):
    name = "sgd"

    def step(self, network, dW, db):
        if self.clip_norm is not None or not is_numpy(network.xp):
            return super().step(network, dW, db)
        # The seed's rule needs no state and no names: the equations themselves.
        self.t += 1
        W, b, lr = network.W, network.b, self.lr
        for l in dW:
            W[l] -= lr * dW[l]  # (eq. U1)
            b[l] -= lr * db[l]  # (eq. U2)

    def update(self, name, P, dP):
        P -= self.lr * dP  # (eq. U1/U2)


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, lr=0.01, momentum=0.9, nesterov=False, clip_norm=None):
        super().__init__(lr, clip_norm)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        if nesterov:
            self.name = "nesterov"

    def update(self, name, P, dP):
        V = self._slot("V:" + name, P)
        V *= self.momentum
        V -= self.lr * dP
        if self.nesterov:
            P += self.momentum * V - self.lr * dP
        else:
            P += V

    def config(self):
        return {**super().config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSProp(Optimizer):
    name = "rmsprop"

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8, clip_norm=None):
        super().__init__(lr, clip_norm)
        if not 0 <= rho < 1:
            raise ValueError(f"rho must be in [0, 1), got {rho!r}")
        self.rho, self.eps = float(rho), float(eps)

    def update(self, name, P, dP):
        S = self._slot("S:" + name, P)
        if not isinstance(P, np.ndarray):  # the equations as written, for any array library
            S += (1 - self.rho) * (dP * dP - S)
            P -= self.lr * dP / (namespace(S).sqrt(S) + self.eps)
            return
        # numpy: the same, in place in one scratch array (no temporaries)
        work = self._scratch(name, P)
        np.multiply(dP, dP, out=work)  # S <- rho S + (1 - rho) dP^2
        work *= 1 - self.rho
        S *= self.rho
        S += work
        np.sqrt(S, out=work)  # P <- P - alpha dP / (sqrt(S) + eps)
        work += self.eps
        np.divide(dP, work, out=work)
        work *= self.lr
        P -= work

    def config(self):
        return {**super().config(), "rho": self.rho, "eps": self.eps}


class Adam(Optimizer):
    name = "adam"

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, eps=1e-8, clip_norm=None, eps_hat=False):
        """``eps_hat``: add ``eps`` to sqrt(S) rather than to sqrt(S^), the epsilon-hat form of
        Kingma and Ba (section 2), as scikit-learn's MLP does; it differs from the default by
        eps (1 / sqrt(1 - b2^t) - 1), which is largest in the first steps."""
        super().__init__(lr, clip_norm)
        for label, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{label} must be in [0, 1), got {beta!r}")
        self.beta_1, self.beta_2, self.eps = float(beta_1), float(beta_2), float(eps)
        self.eps_hat = bool(eps_hat)

    def update(self, name, P, dP):
        M = self._slot("M:" + name, P)
        S = self._slot("S:" + name, P)
        # P <- P - alpha M^ / (sqrt(S^) + eps) with M^ = M / (1 - b1^t), S^ = S / (1 - b2^t)
        # (bias correction: the moments start at 0), the corrections folded into two scalars:
        # alpha M^ / (sqrt(S^) + eps) = step M / (sqrt(S) + eps c), c = sqrt(1 - b2^t); with
        # eps_hat, step M / (sqrt(S) + eps).
        c = math.sqrt(1 - self.beta_2**self.t)
        step = self.lr * c / (1 - self.beta_1**self.t)
        eps = self.eps if self.eps_hat else self.eps * c
        if not isinstance(P, np.ndarray):  # the equations as written, for any array library
            M += (1 - self.beta_1) * (dP - M)
            S += (1 - self.beta_2) * (dP * dP - S)
            P -= step * M / (namespace(S).sqrt(S) + eps)
            return
        # numpy: the same, in place in one scratch array (no temporaries).
        work = self._scratch(name, P)
        # M <- b1 M + (1 - b1) dP and S <- b2 S + (1 - b2) dP^2
        np.subtract(dP, M, out=work)
        M += (1 - self.beta_1) * work
        np.multiply(dP, dP, out=work)
        work -= S
        work *= 1 - self.beta_2
        S += work
        np.sqrt(S, out=work)
        work += eps
        np.divide(M, work, out=work)
        work *= step
        P -= work

    def config(self):
        return {
            **super().config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            **({"eps_hat": True} if self.eps_hat else {}),
        }


OPTIMIZERS = {
    "sgd": GradientDescent,
    "momentum": Momentum,
    "nesterov": lambda **kw: Momentum(nesterov=True, **kw),
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, **kwargs) -> Optimizer:
    """An optimizer by name (sgd, momentum, nesterov, rmsprop, adam) with its hyperparameters."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](**kwargs)


def optimizer_from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer from ``Optimizer.config()``."""
    kwargs = {k: v for k, v in config.items() if k not in ("name", "nesterov")}
    return make_optimizer(config["name"], **kwargs)
