"""The small occurrence charts of the projects and items pages: which windows exist, and
their SVG (tracehound/web/charts.py, which escapes every text it draws)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from tracehound.web import charts

HOUR = 3600


@dataclass(frozen=True)
class Window:
    """A chart window: `buckets` bars of `hours` hours each, the newest holding now."""

    name: str  # the `chart=` value
    label: str  # the column heading
    buckets: int
    hours: int
    title: str  # the chart's own title (charts adds the total)

    def last_hour(self, now: float) -> int:
        return int(now // HOUR)

    def labels(self, now: float) -> list[str]:
        """The buckets' names, oldest first (UTC): the same for every chart of a page,
        so a page computes them once (50 charts × 24 strftime calls otherwise)."""
        newest = datetime.fromtimestamp(self.last_hour(now) // self.hours * self.hours * HOUR,
                                        UTC)
        if self.hours == 1:
            return charts.bucket_labels(newest, self.buckets, timedelta(hours=1),
                                        "%Y-%m-%d %H:00")
        return charts.bucket_labels(newest, self.buckets, timedelta(hours=self.hours),
                                    "%Y-%m-%d")

    def draw(self, counts: Sequence[int], labels: Sequence[str], *, width: int = 96,
             height: int = 20) -> Markup:
        """The chart of `counts` (oldest first) as markup safe to put in a page."""
        svg = charts.bar_chart(counts, labels, title=self.title, width=width,
                               height=height,
                               css_class="th-chart-hourly" if self.hours == 1
                               else "th-chart-daily")
        return Markup(svg)  # safe: charts escapes every text it writes


HOURS_24 = Window("24h", "24 h", 24, 1, "Occurrences per hour, last 24 hours")
DAYS_14 = Window("14d", "14 d", 14, 24, "Occurrences per day, last 14 days (UTC)")
WINDOWS = {w.name: w for w in (HOURS_24, DAYS_14)}
DEFAULT = HOURS_24.name


def window(name: str | None) -> Window:
    """The window called `name`; anything else is the default (24 hours)."""
    return WINDOWS.get(name or "", HOURS_24)
