"""Training diagnostics: read the History after every epoch and say, in plain words, when a layer
has a known problem and what to try.

Three problems are recognised, each from what the loop records per epoch (``History``):

- dead ReLU units: a hidden ReLU layer whose fraction of units that output 0 for every example
  (``dead_fraction``) stays above ``dead_threshold``. A dead unit has g'(Z) = 0 everywhere, so
  delta[l] is 0 on it (eq. B3) and its weights never change again. A layer dead as a whole gets
  a report of its own (``dead_layer``): A[l] = 0, so the output no longer depends on the input
  and W[1] to W[l+1] get no gradient at all.
- vanishing gradients: ||dW[l]||_F (``grad_norm``, the cost's gradient without the L2 term)
  below ``vanish``, or below ``vanish_ratio`` times the largest layer's, while the cost is still
  far from 0, i.e. at least ``FAR_FROM_ZERO`` times the first epoch's cost. The ratio finds the
  deep sigmoid network whose lowest layers learn a million times slower than its top one
  (healthy networks keep their layers' norms within a factor of about 10). A small gradient at a
  small cost is convergence; a small gradient at a cost that has hardly moved is a layer that
  has stopped learning. A zero gradient below or next to a mostly dead ReLU layer is left to
  the dead-unit report.
- exploding gradients: ||dW[l]||_F above ``explode`` (or not finite).

Each (problem, layer) pair is reported once per run, as a :class:`TrainingWarning`; a layer
first reported mostly dead is reported again when it dies whole.
"""

from __future__ import annotations

import math
import reprlib
import sys
import warnings
from dataclasses import dataclass

from ..core import DeltapropWarning
from .callbacks import Callback
from .state import mapping, whole

#: the cost counts as "still far from 0" while it is at least this fraction of the first epoch's
FAR_FROM_ZERO = 0.1

DEAD, VANISHING, EXPLODING = "dead_relu", "vanishing_gradient", "exploding_gradient"
DEAD_LAYER = "dead_layer"  # every unit of a hidden ReLU layer dead: the run cannot recover


class TrainingWarning(DeltapropWarning):
    """A problem seen during training. ``kind`` is "dead_relu", "dead_layer",
    "vanishing_gradient" or "exploding_gradient"; ``layer`` the layer l (1..L) it was seen in."""

    def __init__(self, message: str, kind: str | None = None, layer: int | None = None):
        super().__init__(message)
        self.kind, self.layer = kind, layer


@dataclass(frozen=True)
class Problem:
    """One reported problem: what, where, when (the epoch it was first seen) and the advice."""

    kind: str
    layer: int
    epoch: int
    message: str


#: What helps against dead ReLU units. He initialisation is the default for ReLU layers, so it
#: is advice only for a network initialised otherwise.
DEAD_ADVICE = (
    "a lower learning rate or leaky_relu, and He initialisation (init='he', --init he) if the "
    "layer was given another."
)


def dead_message(l: int, fraction: float) -> str:
    return (
        f"layer {l}: {fraction:.0%} of its ReLU units output 0 for every example — they pass no "
        f"gradient back and have stopped learning. Try {DEAD_ADVICE}"
    )


def dead_layer_message(l: int) -> str:
    return (
        f"layer {l}: every one of its ReLU units outputs 0 for every example — the network's "
        f"output no longer depends on its input, and the weights of layers 1 to {l + 1} get no "
        f"gradient, so training cannot bring them back. Start again with {DEAD_ADVICE}"
    )


def vanishing_message(l: int, norm: float, largest: float, cost: float, first: float) -> str:
    return (
        f"layer {l}: its weight gradient has vanished (||dW[{l}]|| = {norm:.2g}, "
        f"{norm / largest if largest else 0:.1g} times the largest layer's) while the cost "
        f"({cost:.4g}, first epoch {first:.4g}) is still far from 0 — "
        f"the layer has stopped learning. Try relu or leaky_relu hidden units instead of "
        f"sigmoid/tanh, the default He/Glorot initialisation instead of tiny weights, fewer "
        f"layers, or the adam optimizer."
    )


def exploding_message(l: int, norm: float, explode: float, clip_norm) -> str:
    found = (
        f"layer {l}: its weight gradient is exploding (||dW[{l}]|| = {norm:.3g}, above {explode:g})"
    )
    if clip_norm is not None:
        return (
            f"{found} — clipping (clip_norm={clip_norm:g}) keeps each step bounded, but gradients "
            f"this large usually come from unscaled inputs or too high a learning rate. "
            f"Standardise the inputs or lower the learning rate."
        )
    return (
        f"{found} — steps this large make training unstable and can make it diverge. Try a "
        f"lower learning rate, gradient clipping (--clip-norm 1, or clip_norm=1.0 for the "
        f"optimizer), or standardised inputs (large input values give large gradients)."
    )


class Diagnostics(Callback):
    """After each epoch, check the latest History entry for dead ReLU units, vanishing and
    exploding gradients, and report each (problem, layer) pair once.

    Parameters
    ----------
    warn : issue each report as a :class:`TrainingWarning` (``warnings.warn``)
    dead_threshold : report a hidden ReLU layer whose dead fraction exceeds this in ``persist``
        epochs in a row (the fraction is measured on one batch, so one epoch may be noise)
    vanish : report a layer whose ||dW[l]|| is below this while the cost is far from 0
    vanish_ratio : also report a layer whose ||dW[l]|| is below this times the largest layer's
    explode : report a layer whose ||dW[l]|| is above this (at once: an exploding run may
        diverge in the next epoch)
    stream : a text stream to also print each report to (e.g. ``sys.stderr``), or None
    persist : epochs in a row a layer must be mostly dead (or dead whole) before it is reported

    ``problems`` lists what was reported, in order.
    """

    def __init__(
        self,
        warn: bool = True,
        dead_threshold: float = 0.5,
        vanish: float = 1e-7,
        vanish_ratio: float = 1e-3,
        explode: float = 1e3,
        stream=None,
        persist: int = 2,
    ):
        if not 0 <= dead_threshold < 1:
            raise ValueError(f"dead_threshold must be a fraction in [0, 1), got {dead_threshold}")
        if not 0 <= vanish < explode:
            raise ValueError(f"need 0 <= vanish < explode, got vanish={vanish}, explode={explode}")
        if not 0 <= vanish_ratio < 1:
            raise ValueError(f"vanish_ratio must be in [0, 1), got {vanish_ratio}")
        if persist < 1:
            raise ValueError(f"persist must be at least 1, got {persist}")
        self.warn, self.stream = warn, stream
        self.dead_threshold, self.vanish, self.explode = dead_threshold, vanish, explode
        self.vanish_ratio = vanish_ratio
        self.persist = int(persist)
        self.problems: list[Problem] = []
        self.reported: set[tuple[str, int]] = set()
        self.dead_streak: dict[int, int] = {}  # hidden layer l -> epochs in a row mostly dead
        self.whole_streak: dict[int, int] = {}  # hidden layer l -> epochs in a row dead whole

    # ------------------------------------------------------------------ the checks
    def on_epoch_end(self, trainer, epoch, logs):
        dead = logs.get("dead_fraction") or []
        for l, fraction in enumerate(dead, start=1):
            self._check_dead(epoch, l, fraction)
        # dW[l] = delta[l] A[l-1]^T is 0 when A[l-1] or a layer above l is dead: that is the
        # dead-unit problem, not a vanishing gradient.
        mostly_dead = [l for l, f in enumerate(dead, start=1) if f and f > self.dead_threshold]
        norms = logs.get("grad_norm") or []
        largest = max((n for n in norms if n is not None and math.isfinite(n)), default=0.0)
        for l, norm in enumerate(norms, start=1):
            if norm is not None:
                below_dead = any(k >= l - 1 for k in mostly_dead)
                self._check_gradient(trainer, epoch, l, norm, largest, logs["cost"], below_dead)

    def _check_gradient(self, trainer, epoch, l, norm, largest, cost, below_dead: bool) -> None:
        if not norm <= self.explode:  # also NaN and inf
            clip_norm = getattr(trainer.optimizer, "clip_norm", None)
            self._report(EXPLODING, l, epoch, exploding_message(l, norm, self.explode, clip_norm))
            return
        first = trainer.history.cost[0]
        vanished = norm < self.vanish or norm < self.vanish_ratio * largest
        if vanished and cost >= FAR_FROM_ZERO * first and not below_dead:
            message = vanishing_message(l, norm, largest, cost, first)
            self._report(VANISHING, l, epoch, message)

    def _check_dead(self, epoch: int, l: int, fraction: float | None) -> None:
        mostly = fraction is not None and fraction > self.dead_threshold
        whole = fraction is not None and fraction >= 1
        self.dead_streak[l] = self.dead_streak.get(l, 0) + 1 if mostly else 0
        self.whole_streak[l] = self.whole_streak.get(l, 0) + 1 if whole else 0
        if self.whole_streak[l] >= self.persist:  # the stronger report, which says it all
            self.reported.add((DEAD, l))
            self._report(DEAD_LAYER, l, epoch, dead_layer_message(l))
        elif self.dead_streak[l] >= self.persist:
            self._report(DEAD, l, epoch, dead_message(l, fraction))

    def _report(self, kind: str, l: int, epoch: int, message: str) -> None:
        if (kind, l) in self.reported:
            return
        self.reported.add((kind, l))
        self.problems.append(Problem(kind, l, epoch, message))
        if self.stream is not None:
            print(f"deltaprop: warning: epoch {epoch}, {message}", file=self._stream(), flush=True)
        if self.warn:
            warnings.warn(TrainingWarning(message, kind, l), stacklevel=2)

    def _stream(self):
        """The stream to print to. The standard streams are looked up at the time of writing, so
        that a progress display that redirects them (rich) keeps its bar below the message."""
        if self.stream is sys.__stderr__:
            return sys.stderr
        if self.stream is sys.__stdout__:
            return sys.stdout
        return self.stream

    # ------------------------------------------------------------------ checkpoint state
    def state_dict(self) -> dict:
        return {
            "reported": sorted([kind, l] for kind, l in self.reported),
            "dead_streak": {str(l): n for l, n in self.dead_streak.items()},
            "whole_streak": {str(l): n for l, n in self.whole_streak.items()},
        }

    def load_state(self, scalars, arrays):
        """Restore what ``state_dict`` saved, checked (it comes from a file): the (problem,
        layer) pairs reported and, by layer, the epochs in a row it was mostly dead or dead
        whole."""
        reported = scalars.get("reported", [])
        if not isinstance(reported, list) or not all(_pair(item) for item in reported):
            raise ValueError(
                f"trainer state: Diagnostics reported is {reprlib.repr(reported)}, not a list "
                "of [problem, layer] pairs"
            )
        self.reported = {(kind, l) for kind, l in reported}
        self.dead_streak = _streaks(scalars, "dead_streak")
        self.whole_streak = _streaks(scalars, "whole_streak")


def _streaks(scalars: dict, key: str) -> dict[int, int]:
    """A saved streak by layer ({"2": 3, ...}), checked, as {2: 3, ...}."""
    streaks = mapping(scalars.get(key, {}), f"Diagnostics {key}")
    if not all(l.isdigit() for l in streaks):
        keys = reprlib.repr(list(streaks))
        raise ValueError(
            f"trainer state: Diagnostics {key} is keyed by {keys}, not by layer numbers"
        )
    return {int(l): whole(n, f"Diagnostics {key}[{l!r}]") for l, n in streaks.items()}


def _pair(item) -> bool:
    """Whether ``item`` is a saved [problem, layer] pair."""
    return (
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], int)
        and not isinstance(item[1], bool)
    )
