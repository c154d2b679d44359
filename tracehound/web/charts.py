"""Charts drawn by the server as inline SVG: pure functions from counts to markup.

The markup is safe to embed in a page as it is: every text is XML-escaped (characters XML
cannot carry are dropped), every number is formatted here, there is no script, no event
attribute and no external reference. Colours come from CSS classes (`th-chart`,
`th-bar`, `th-bar-track`, `th-bar-fill`, `th-bar-zero`); the only paint set inline is
`currentColor` for the bars and a zero opacity for the hover tracks, which a stylesheet
overrides.

Each bar is a `<g class="th-bar">` whose `<title>` ("<bucket label>: <count>") is the
browser's tooltip; the group holds a full-height track (so an empty bucket can be hovered
too) and the filled part.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

Count = int | float | None

# Characters XML 1.0 cannot carry at all (escaping does not help): C0 controls but tab,
# newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """`value` escaped for XML text and double-quoted attributes."""
    return escape(_NOT_XML.sub("", value), quote=True)


def num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never `-0` or exponent."""
    out = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def clean_count(value: Count) -> int:
    """A bucket's count as a non-negative int: None, negative, NaN and bools count 0."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, float):
        if math.isnan(value) or value <= 0:
            return 0
        if math.isinf(value):
            raise ValueError("a bucket count cannot be infinite")
        return int(value)
    return max(int(value), 0)


def count_text(n: int) -> str:
    return f"{n:,}"


def bar_chart(
    counts: Sequence[Count],
    labels: Sequence[str] | None = None,
    *,
    title: str,
    width: int = 240,
    height: int = 40,
    gap: float = 1.0,
    scale_max: int | None = None,
    css_class: str = "",
) -> str:
    """One bar per count, left to right, as an `<svg>` element.

    `labels` name the buckets (tooltips: "label: count"); by default they are 1..N.
    `scale_max` fixes the top of the scale (e.g. to draw several charts on one scale);
    by default it is the largest count, and at least 1 so all-zero data draws flat.
    A non-zero count is drawn at least one unit high so it never vanishes next to a huge
    one. `css_class` adds classes to the root after `th-chart`.
    """
    if width <= 0 or height <= 0:
        raise ValueError("a chart needs a positive width and height")
    if gap < 0:
        raise ValueError("the gap between bars cannot be negative")
    values = [clean_count(c) for c in counts]
    names = [str(i + 1) for i in range(len(values))] if labels is None else list(labels)
    if len(names) != len(values):
        raise ValueError(f"{len(values)} counts but {len(names)} labels")
    top = max([1, *values] if scale_max is None else [1, scale_max])
    total = sum(values)

    n = len(values)
    slot = width / n if n else float(width)
    bar_w = max(slot - gap, slot / 2) if n else 0.0
    classes = "th-chart" + (" " + text(css_class) if css_class.strip() else "")
    summary = f"{title} (total {count_text(total)})"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{text(summary)}">',
        f"<title>{text(summary)}</title>",
    ]
    w = num(bar_w)  # the same for every bar (a page draws 50 charts: keep the loop lean)
    for i, (value, name) in enumerate(zip(values, names, strict=True)):
        x = num(i * slot)
        h = 0.0 if value == 0 else max(height * min(value, top) / top, 1.0)
        zero = " th-bar-zero" if value == 0 else ""
        parts.append(
            f'<g class="th-bar{zero}"><title>{text(name)}: {count_text(value)}</title>'
            f'<rect class="th-bar-track" x="{x}" y="0" width="{w}" '
            f'height="{height}" fill-opacity="0"/>'
            f'<rect class="th-bar-fill" x="{x}" y="{num(height - h)}" width="{w}" '
            f'height="{num(h)}" fill="currentColor"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bucket_labels(end: datetime, n: int, step: timedelta, fmt: str) -> list[str]:
    """Labels of `n` consecutive buckets, the last one starting at `end`, oldest first."""
    return [(end - step * (n - 1 - i)).strftime(fmt) for i in range(n)]


def hourly_chart(counts: Sequence[Count], last_hour: datetime, *, title: str,
                 width: int = 240, height: int = 40) -> str:
    """Hourly buckets (typically 24); `last_hour` is the start of the newest one."""
    labels = bucket_labels(last_hour, len(counts), timedelta(hours=1), "%Y-%m-%d %H:00")
    return bar_chart(counts, labels, title=title, width=width, height=height,
                     css_class="th-chart-hourly")


def daily_chart(counts: Sequence[Count], last_day: datetime, *, title: str,
                width: int = 240, height: int = 40) -> str:
    """Daily buckets (typically 14 or 30); `last_day` is the newest day."""
    labels = bucket_labels(last_day, len(counts), timedelta(days=1), "%Y-%m-%d")
    return bar_chart(counts, labels, title=title, width=width, height=height,
                     css_class="th-chart-daily")
