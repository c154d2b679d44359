"""The projects and items pages' chart windows: names, fallbacks, bucket labels."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from tracehound.web import sparklines

NOW = 1_800_000_000.0 + 5 * 3600 + 1234  # 2027-01-15 13:20:34 UTC


def labels(svg: str) -> list[str]:
    return re.findall(r'<g class="th-bar[^"]*"><title>([^<]*):', svg)


@pytest.mark.parametrize("name", [None, "", "24H", "14d ", "<b>", "1" * 10_000, "7d"])
def test_unknown_window_names_fall_back_to_24_hours(name: str | None) -> None:
    assert sparklines.window(name) is sparklines.HOURS_24


def test_14_days_is_the_only_other_window() -> None:
    assert sparklines.window("14d") is sparklines.DAYS_14
    assert set(sparklines.WINDOWS) == {"24h", "14d"}


def test_24_hours_ends_with_the_current_utc_hour() -> None:
    svg = sparklines.HOURS_24.draw([0] * 23 + [7], sparklines.HOURS_24.labels(NOW))
    assert isinstance(svg, Markup)
    got = labels(svg)
    assert len(got) == 24
    assert got[-1] == "2027-01-15 13:00" and got[0] == "2027-01-14 14:00"
    assert "<title>2027-01-15 13:00: 7</title>" in svg
    assert sparklines.HOURS_24.last_hour(NOW) == int(NOW // 3600)


def test_14_days_ends_with_the_current_utc_day() -> None:
    svg = sparklines.DAYS_14.draw(list(range(14)), sparklines.DAYS_14.labels(NOW))
    got = labels(svg)
    assert len(got) == 14
    assert got[-1] == "2027-01-15" and got[0] == "2027-01-02"
    assert "(total 91)" in svg
