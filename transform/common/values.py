"""Typed readings of decoded JSON values: a log may put any JSON type where a number is expected."""

from __future__ import annotations

import math

_INT64 = 2**63
_UINT64_MAX = 2**64 - 1


def is_number(value) -> bool:
    """A finite int or float (JSON true/false are not numbers)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def all_numbers(values: list) -> bool:
    """Whether is_number holds for every value of a list, checked in C, for values orjson decoded: it decodes no NaN
    or infinity (JSON has none, and it refuses 1e999), so each int or float it gives that is not a bool is one."""
    return set(map(type, values)) <= {int, float}


def number(value) -> float | None:
    return float(value) if is_number(value) else None


def integer(value) -> int | None:
    """A whole number that fits a signed 64-bit column (8.0 → 8)."""
    if is_number(value) and value == int(value) and -_INT64 <= value < _INT64:
        return int(value)
    return None


def seed(value) -> str | None:
    """An unsigned 64-bit integer (loadgen seeds) as exact decimal text: BI drivers read integers as signed 64-bit
    and fail on values from 2^63 (Superset: 'Python int too large to convert to C long')."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _UINT64_MAX else None


def text(value) -> str | None:
    return value if isinstance(value, str) else None


def flag(value) -> bool | None:
    return value if isinstance(value, bool) else None
