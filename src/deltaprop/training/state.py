"""Checks of saved training state before it is used: a checkpoint is a file, and anything may be
in a file. Each check returns the value it was given, or raises a ValueError whose one-line
message names the entry (``where``) and what it should be."""

from __future__ import annotations

import math
import reprlib
from typing import NoReturn

import numpy as np

from ..core.arrays import namespace


def _refuse(where: str, value, expected: str) -> NoReturn:
    raise ValueError(f"trainer state: {where} is {reprlib.repr(value)}, not {expected}")


def entry(state: dict, key: str, where: str):
    """``state[key]``, which must be there."""
    if key not in state:
        raise ValueError(f"trainer state: {where} lacks {key!r}")
    return state[key]


def mapping(value, where: str) -> dict:
    """A JSON object."""
    if not isinstance(value, dict):
        _refuse(where, value, "an object")
    return value


def whole(value, where: str, minimum: int = 0) -> int:
    """An integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _refuse(where, value, f"an integer >= {minimum}")
    return value


def number(
    value, where: str, minimum: float = -math.inf, positive: bool = False, infinite: bool = False
) -> float:
    """A number (not a bool, not NaN) >= ``minimum``, or > 0 if ``positive``; infinite only if
    ``infinite``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or (math.isinf(value) and not infinite)
        or value < minimum
        or (positive and value <= 0)
    ):
        kind = "" if infinite else "finite "
        bound = "> 0" if positive else f">= {minimum:g}" if minimum > -math.inf else ""
        _refuse(where, value, f"a {kind}number {bound}".rstrip())
    return value


def generator_state(value, where: str) -> dict:
    """The state of numpy's default bit generator (PCG64), as ``bit_generator.state`` gives it:
    tried on a generator of its own, whose setter checks it."""
    try:
        np.random.PCG64().state = value
    except (TypeError, ValueError, KeyError, OverflowError):
        _refuse(where, value, "the state of a PCG64 generator")
    return value


def parameter_arrays(arrays: dict, shapes: dict[str, tuple], where: str, kinds=("",)) -> dict:
    """Arrays of floats named after the network's parameters (``shapes``: name -> shape), each
    of its parameter's shape; with ``kinds``, named "<kind>:<parameter>" (an optimizer's)."""
    for name, array in arrays.items():
        kind, _, parameter = name.rpartition(":")
        if kind not in kinds or parameter not in shapes:
            raise ValueError(f"trainer state: {where} holds an array {name!r} of no parameter")
        if not _floats(array) or tuple(array.shape) != shapes[parameter]:
            raise ValueError(
                f"trainer state: {where} array {name!r} is a {array.dtype} array of shape "
                f"{tuple(array.shape)}; its parameter's shape is {shapes[parameter]}"
            )
    return arrays


def _floats(array) -> bool:
    """Whether ``array`` (numpy's, from a file, or another library's, from ``state_dict``)
    holds real floating-point numbers."""
    kind = getattr(array.dtype, "kind", None)
    if kind is not None:
        return kind == "f"
    return namespace(array).isdtype(array.dtype, "real floating")
