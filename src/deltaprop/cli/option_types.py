"""The types of option values: argparse calls them on the text given and reports what they
refuse, naming the option ("argument --lr: expected a positive number, got '-1'")."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(text: str, kind: type, accepts: Callable[[float], bool], expected: str):
    """``kind(text)`` when it parses and ``accepts`` it; otherwise argparse's usage error."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not accepts(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    return _number(text, float, lambda v: 0 < v < math.inf, "a positive number")


def non_negative_float(text: str) -> float:
    return _number(text, float, lambda v: 0 <= v < math.inf, "a non-negative number")


def positive_int(text: str) -> int:
    return _number(text, int, lambda v: v >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    return _number(text, int, lambda v: v >= 0, "a non-negative integer")


def fraction(text: str) -> float:
    return _number(text, float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")
