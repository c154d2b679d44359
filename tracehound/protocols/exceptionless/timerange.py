"""The `time` and `offset` query parameters of event and stack lists (§11.2, §14.3).

`time` takes
- relative phrases: `last hour`, `last 24 hours`, `last week`, `last 7 days`,
  `last 30 minutes`, `last month`, `last year` (a unit alone is one of it), `today`,
  `yesterday`;
- ranges in brackets, with date math: `[now-7d TO now]`, `[2024-01-01 TO *]`,
  `{now-1h TO now}`; an end may be a date, a date and time, `now`, `now-<n><unit>`
  (s m h d w M y) or `*` (open);
- two dates joined by ` - `: `2020-01-01T00:00:00 - 2020-02-01T00:00:00`;
- one date (that whole day) or date and time (from then on);
- optionally behind `date|` (the only date field events have).
An open end is "now" or the beginning of time. `offset` (`-300m`, `-5h`, `120`: the
client's UTC offset, minutes by default) says where the client's day starts, for
`today`, `yesterday` and dates written without a zone. Anything else is 400.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tracehound.errors import BadPayload

DAY = 86400.0
_UNITS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600,
          "d": 86400, "day": 86400, "w": 7 * 86400, "week": 7 * 86400,
          "M": 30 * 86400, "month": 30 * 86400, "y": 365 * 86400, "year": 365 * 86400}
_LAST = re.compile(r"last\s+(?:(\d{1,6})\s+)?(second|minute|hour|day|week|month|year)s?")
_NOW = re.compile(r"now((?:[+-]\d{1,7}[smhdwMy])*)(?:/[smhdwMy])?")
_STEP = re.compile(r"([+-])(\d{1,7})([smhdwMy])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?"
                       r"([Zz]|[+-]\d{2}:?\d{2})?")
_OFFSET = re.compile(r"([+-]?)(\d{1,4})([mh]?)")
MAX_TEXT = 200

Range = tuple[float | None, float | None]  # [start, end) in unix seconds


def offset_seconds(text: str | None) -> float:
    """The client's UTC offset in seconds (`-300m`, `-5h`, `-300`); 0 when absent."""
    if not text or not text.strip():
        return 0.0
    m = _OFFSET.fullmatch(text.strip())
    if m is None:
        raise BadPayload(f"Invalid offset {text[:40]!r}: use minutes like -300m or hours "
                         "like -5h.")
    sign = -1 if m.group(1) == "-" else 1
    return sign * int(m.group(2)) * (3600 if m.group(3) == "h" else 60)


def _point(text: str, now: float, offset: float, *, end: bool) -> float | None:
    """One end of a range in unix seconds; None for `*`. `end`: a bare date stands for
    the end of that day."""
    text = text.strip()
    if text == "*":
        return None
    if m := _NOW.fullmatch(text):
        t = float(now)
        for sign, amount, unit in _STEP.findall(m.group(1)):
            t += (1 if sign == "+" else -1) * int(amount) * _UNITS[unit]
        return t
    if _DATE.fullmatch(text):
        day = _parse(text + "T00:00:00", offset)
        return day + DAY if end else day
    if _DATETIME.fullmatch(text):
        return _parse(text, offset)
    raise BadPayload(f"Invalid time {text[:40]!r}: use a date (2024-01-31), a date and "
                     "time, now, now-7d or *.")


def _parse(text: str, offset: float) -> float:
    text = text.replace(" ", "T", 1).replace("z", "Z").replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # .NET writes 7 fraction digits; fromisoformat takes at most 6
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}"
    try:
        at = datetime.fromisoformat(text)
        if at.tzinfo is None:
            return at.replace(tzinfo=UTC).timestamp() - offset
        return at.timestamp()
    except (ValueError, OverflowError, OSError):
        raise BadPayload(f"Invalid date {text[:40]!r}.") from None


def parse_time(text: str | None, now: float, offset: float = 0.0) -> Range:
    """[start, end) of a `time` parameter; (None, None) when there is none."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise BadPayload(f"time is too long (at most {MAX_TEXT} characters).")
    field, bar, rest = text.partition("|")
    if bar:
        if field.strip().lower() != "date":
            raise BadPayload("time can only filter on date: date|<range>.")
        text = rest.strip()
    lowered = " ".join(text.lower().split())
    if m := _LAST.fullmatch(lowered):
        return now - int(m.group(1) or 1) * _UNITS[m.group(2)], None
    if lowered in ("today", "yesterday"):
        midnight = ((now + offset) // DAY) * DAY - offset
        return (midnight, None) if lowered == "today" else (midnight - DAY, midnight)
    if text[:1] in "[{" and text[-1:] in "]}":
        inner = text[1:-1]
        lo, sep, hi = inner.partition(" TO ")
        if not sep:
            lo, sep, hi = inner.partition(" to ")
        if not sep:
            raise BadPayload("A time range needs TO between its ends: [now-7d TO now].")
        start, end = _point(lo, now, offset, end=False), _point(hi, now, offset, end=True)
        if start is not None and text[0] == "{":
            start += 0.000001
        return start, end
    if " - " in text:
        lo, _, hi = text.partition(" - ")
        return _point(lo, now, offset, end=False), _point(hi, now, offset, end=True)
    start = _point(text, now, offset, end=False)
    if _DATE.fullmatch(text) and start is not None:
        return start, start + DAY
    return start, None
