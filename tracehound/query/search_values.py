"""Typed values of the search language: integers, enum names, and dates as time spans.

A date value is a span [start, end) in unix seconds: `2024-01-31` is that whole UTC day,
`2024-01-31T10:00` that minute, `2024-01-31T10:00:05` and unix seconds that second,
`now-24h` the second 24 hours ago. Comparisons then read naturally: `>2024-01-31`
starts after the day, `<=2024-01-31` includes it, `[a TO b]` spans a.start to b.end.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tracehound.query.errors import SearchError
from tracehound.query.fields import Field
from tracehound.query.search_syntax import Value

INT_MAX = 2**63 - 1  # drivers refuse larger integers; no stored value is past it
_INT = re.compile(r"[+-]?\d{1,19}")
_UNIX = re.compile(r"\d{1,12}(?:\.(\d{1,6}))?")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(?:\.(\d{1,6}))?)?"
                       r"(?:[Zz]|[+-]\d{2}:?\d{2})?")
_NOW = re.compile(r"now((?:[+-]\d{1,7}[smhHdwMy])*)")
_STEP = re.compile(r"([+-])(\d{1,7})([smhHdwMy])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "H": 3600, "d": 86400, "w": 7 * 86400,
         "M": 30 * 86400, "y": 365 * 86400}  # months and years are approximate

DATE_FORMS = ("YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], unix seconds, now, "
              "now-24h (units s m h d w M y)")


def integer(v: Value, query: str, field: Field) -> int:
    if not _INT.fullmatch(v.text) or abs(int(v.text)) > INT_MAX:
        raise SearchError(f"{field.name} takes a whole number, not {v.text[:40]!r}",
                          v.pos, query)
    return int(v.text)


def enum_values(v: Value, query: str, field: Field) -> list[int]:
    """The stored values a name (or a name prefix with `*`) stands for."""
    name = v.text.lower()
    if v.wildcard:
        found = sorted({n for k, n in field.values.items() if k.startswith(name)})
    else:
        found = [field.values[name]] if name in field.values else []
    if not found:
        raise SearchError(f"{field.name} has no value {v.text[:40]!r}", v.pos, query,
                          f"valid values: {', '.join(field.values)}")
    return found


def date_span(v: Value, query: str, field: Field, now: float) -> tuple[float, float]:
    """[start, end) in unix seconds; SearchError when the text is no date."""
    text = v.text
    if m := _NOW.fullmatch(text):
        t = float(int(now))
        for sign, amount, unit in _STEP.findall(m.group(1)):
            t += (1 if sign == "+" else -1) * int(amount) * _UNIT[unit]
        return t, t + 1
    if m := _UNIX.fullmatch(text):
        return float(text), float(text) + _width(m.group(1))
    try:
        if _DAY.fullmatch(text):
            day = datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
            return day, day + 86400
        if m := _DATETIME.fullmatch(text):
            at = datetime.fromisoformat(text.upper())
            if at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
            width = _width(m.group(2)) if m.group(1) else 60.0
            return at.timestamp(), at.timestamp() + width
    except (ValueError, OverflowError):
        pass
    raise SearchError(f"{field.name} takes a date, not {text[:40]!r}", v.pos, query,
                      f"dates are {DATE_FORMS}")


def _width(fraction: str | None) -> float:
    """How long a time written with this many decimals lasts."""
    return 10.0 ** -len(fraction) if fraction else 1.0
