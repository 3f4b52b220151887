"""Checks of constructor arguments: one-line `KvaeError`s saying what was expected and what was given.

Frames, nets, losses and datasets check their arguments when they are built,
so a gin binding such as `BetaVAE.beta = '4'` or `train.latent_dim = 0` fails
at once with the owner, the argument, the expectation and the value:

    >>> check_float("BetaVAE", "beta", "4", low=0)
    KvaeError: BetaVAE: beta must be a number >= 0, got '4' (str)
"""

import math
import numbers

import numpy as np

from kvae.errors import KvaeError

__all__ = ["check_bool", "check_choice", "check_float", "check_int", "check_ints", "fail"]


def fail(owner, name, expected, value):
    """The `KvaeError` "<owner>: <name> must be <expected>, got <value!r> (<type>)"."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    kind = (
        ""
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else f" ({type(value).__name__})"
    )
    return KvaeError(f"{owner}: {name} must be {expected}, got {shown}{kind}")


def _bounds(low, high, low_open=False):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}]"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    return f"<= {high:g}" if high is not None else ""


def check_int(owner, name, value, low=None, high=None):
    """`value` as an int in [low, high] (a bool, a float or a string is an error)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise fail(owner, name, f"an integer {_bounds(low, high)}".rstrip(), value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise fail(owner, name, f"an integer {_bounds(low, high)}", value)
    return int(value)


def check_float(owner, name, value, low=None, high=None, low_open=False):
    """`value` as a finite float in [low, high] ((low, high] with `low_open`); ints are accepted."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail(owner, name, f"a number {_bounds(low, high, low_open)}".rstrip(), value)
    number = float(value)
    below = low is not None and (number <= low if low_open else number < low)
    if not math.isfinite(number) or below or (high is not None and number > high):
        raise fail(owner, name, f"a finite number {_bounds(low, high, low_open)}".rstrip(), value)
    return number


def check_bool(owner, name, value):
    """`value` as a bool (True/False, not 0/1 or a string)."""
    if not isinstance(value, (bool, np.bool_)):
        raise fail(owner, name, "True or False", value)
    return bool(value)


def check_choice(owner, name, value, choices):
    """`value` if it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise fail(owner, name, f"one of {', '.join(map(repr, choices))}", value)
    return value


def check_ints(owner, name, value, length=None, low=1):
    """`value` as a tuple of ints >= `low` (of `length` entries when given)."""
    what = f"{length} integers >= {low}" if length else f"a sequence of integers >= {low}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise fail(owner, name, what, value)
    items = tuple(value)
    if (length is not None and len(items) != length) or not items:
        raise fail(owner, name, what, value)
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral) or item < low:
            raise fail(owner, name, what, value)
    return tuple(int(item) for item in items)
