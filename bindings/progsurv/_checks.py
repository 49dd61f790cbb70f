"""Argument checks shared by run(), attribute() and sweep(): whole numbers that are
really whole (no silent truncation of 1e5 or 2.7), ranges with short messages, flags
that are really booleans ("no" is not False), and values to set."""
import numbers
from collections.abc import Mapping

from . import _core

MAX_THREADS = _core.max_threads
MAX_REPLICATIONS = _core.max_replications


def whole(name, value, lowest, highest):
    """`value` as an int in [lowest, highest]; TypeError when it is not a whole number
    (bool, float, str), ValueError when it is out of range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (int), not {type(value).__name__} {value!r}")
    value = int(value)
    if not lowest <= value <= highest:
        raise ValueError(f"{name} must be between {lowest} and {highest}, not {value}")
    return value


def integer(name, value, bits):
    """`value` as an int for an argument whose range the C++ engine checks (and words for
    every front end): TypeError when it is not a whole number, ValueError only when it does
    not fit the engine's signed `bits`-bit integer (the engine's own range is narrower)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (int), not {type(value).__name__} {value!r}")
    value = int(value)
    if not -2**(bits - 1) <= value < 2**(bits - 1):
        raise ValueError(f"{name}={value} is out of range (far {'above' if value > 0 else 'below'} "
                         f"what it can be)")
    return value


def precision(value, bounds, count_name, count):
    """The precision target of a run as the engine takes it: 0.0 (a fixed count,
    `count_name`=`count`) for None, else a half-width in `bounds` (_core.precision_range or
    portfolio_precision_range), the range of the command's --precision. 0 is refused, as --precision 0 is: it reads as "a
    half-width of 0", and the engine would take it as no target at all. TypeError when it
    is not a number, ValueError naming precision= and the range otherwise."""
    if value is None:
        return 0.0
    value = real("precision", value)
    lowest, highest = bounds
    if not lowest <= value <= highest:  # also false for NaN
        raise ValueError(f"precision={value:g} is out of range: give a 95% half-width in "
                         f"[{lowest:g}, {highest:g}] (as --precision), or "
                         f"precision=None for a fixed count ({count_name}={count})")
    return value


def precision_cap(name, cap, default, precision, count_name, count):
    """The cap of a precision run (`cap`, or `default` when None), as a whole number; a cap
    without a precision target (`precision` 0, what precision() makes of None) is refused
    (ValueError): the run would ignore it and do `count_name`=`count`, not what the caller
    asked for."""
    if cap is None:
        return default
    cap = whole(name, cap, 1, MAX_REPLICATIONS)
    if not precision > 0:
        raise ValueError(f"{name}={cap} caps a precision run: give precision with it, or "
                         f"leave it out for a fixed count ({count_name}={count})")
    return cap


def flag(name, value):
    """`value` as a bool; TypeError unless it is True or False (numpy booleans too)."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "bool_":  # numpy.bool_
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {type(value).__name__} {value!r}")


def number(name, value, lowest, highest):
    """`value` as a finite float in [lowest, highest]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    value = float(value)
    if not lowest <= value <= highest:  # also false for NaN
        raise ValueError(f"{name} must be a finite number in [{lowest}, {highest}], not {value}")
    return value


def real(name, value):
    """`value` as a float, any (NaN too): for arguments whose range the C++ engine checks,
    in one place for every front end. TypeError when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    return float(value)


def settings(name, value):
    """`value` as a list of (key path, value) pairs: a mapping {key path: value} or such
    pairs, as Scenario.with_values takes them; TypeError naming `name` otherwise (so an
    error does not name with_values, which the caller did not call)."""
    if isinstance(value, Mapping):
        return list(value.items())
    expected = f"{name} must be {{key path: value}}, such as {name}={{'horizon': 48}}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{expected}, not {type(value).__name__} {value!r}")
    pairs = list(value)
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not (isinstance(pair, (tuple, list))
                                                  and len(pair) == 2):
            raise TypeError(f"{expected} (or (key path, value) pairs), not {pair!r} in "
                            f"{value!r}")
    return pairs
