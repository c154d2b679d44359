"""Inline SVG charts: well-formed, escaped, one bar per bucket, zero-safe scaling."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from tracehound.web import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(NS + "g") if "th-bar" in g.get("class", "").split()]


def fill_heights(root: ET.Element) -> list[float]:
    return [float(r.get("height", "nan")) for r in root.iter(NS + "rect")
            if r.get("class") == "th-bar-fill"]


def tooltips(root: ET.Element) -> list[str]:
    return [g.findtext(NS + "title") or "" for g in bars(root)]


@pytest.mark.parametrize("n", [0, 1, 14, 24, 30])
def test_bar_count_equals_input_length(n: int) -> None:
    root = parse(charts.bar_chart(list(range(n)), title="t"))
    assert len(bars(root)) == n
    assert len(fill_heights(root)) == n


def test_all_zeros_draws_flat_bars_without_dividing_by_zero() -> None:
    root = parse(charts.bar_chart([0] * 24, title="quiet"))
    assert fill_heights(root) == [0.0] * 24
    assert all("th-bar-zero" in g.get("class", "") for g in bars(root))
    assert root.get("aria-label") == "quiet (total 0)"


def test_one_huge_value_takes_full_height_and_small_ones_stay_visible() -> None:
    counts = [1, 0, 10**12, 3]
    root = parse(charts.bar_chart(counts, title="t", height=50))
    heights = fill_heights(root)
    assert heights[2] == 50
    assert heights[1] == 0
    assert 1 <= heights[0] < 2 and 1 <= heights[3] < 2
    assert "1,000,000,000,000" in tooltips(root)[2]
    assert all("e" not in r.get("y", "") for r in root.iter(NS + "rect"))


def test_negative_none_nan_and_bool_count_as_zero() -> None:
    root = parse(charts.bar_chart([-5, None, float("nan"), True, 2.9, 4], title="t"))
    assert tooltips(root) == ["1: 0", "2: 0", "3: 0", "4: 0", "5: 2", "6: 4"]
    heights = fill_heights(root)
    assert heights[:4] == [0, 0, 0, 0] and heights[5] == 40 and heights[4] == 20


def test_labels_and_title_are_escaped() -> None:
    evil = '<script>alert("x")</script>&\x00'
    svg = charts.bar_chart([1, 2], [evil, "ok"], title=evil, css_class='a" onload="x')
    assert "<script" not in svg and "onload=\"" not in svg
    root = parse(svg)
    assert tooltips(root)[0] == '<script>alert("x")</script>&: 1'
    assert root.findtext(NS + "title") == '<script>alert("x")</script>& (total 3)'
    assert not list(root.iter(NS + "script"))
    assert all(not k.startswith("on") for el in root.iter() for k in el.attrib)


def test_fixed_size_and_classes() -> None:
    root = parse(charts.bar_chart([1, 2, 3], title="t", width=300, height=60,
                                  css_class="spark"))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == \
        ("300", "60", "0 0 300 60")
    assert root.get("class") == "th-chart spark"
    assert root.get("role") == "img"
    xs = [float(r.get("x", "0")) for r in root.iter(NS + "rect")
          if r.get("class") == "th-bar-fill"]
    assert xs == [0, 100, 200]
    assert all(r.get("fill") in ("currentColor", None) for r in root.iter(NS + "rect"))


def test_scale_max_shares_a_scale_and_clamps() -> None:
    root = parse(charts.bar_chart([5, 20], title="t", height=10, scale_max=10))
    assert fill_heights(root) == [5, 10]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        charts.bar_chart([1, 2], ["one"], title="t")
    with pytest.raises(ValueError):
        charts.bar_chart([1], title="t", width=0)
    with pytest.raises(ValueError):
        charts.bar_chart([float("inf")], title="t")


def test_hourly_and_daily_label_their_buckets_oldest_first() -> None:
    hourly = parse(charts.hourly_chart([0] * 23 + [7], datetime(2026, 7, 22, 10),
                                       title="Last 24 hours"))
    tips = tooltips(hourly)
    assert len(tips) == 24
    assert tips[0] == "2026-07-21 11:00: 0" and tips[-1] == "2026-07-22 10:00: 7"
    daily = parse(charts.daily_chart([1] * 14, datetime(2026, 7, 22), title="14 days"))
    assert tooltips(daily)[0] == "2026-07-09: 1"
    assert "th-chart-daily" in daily.get("class", "")


def test_num_formats_coordinates() -> None:
    assert [charts.num(v) for v in (0.0, -0.0001, 1.5, 2.0, 1 / 3, 1e-7)] == \
        ["0", "0", "1.5", "2", "0.33", "0"]
