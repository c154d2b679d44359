"""Bugsnag Data Access API helpers, pure: millisecond times that select their own event
as a window's bound, filter parameters in every order clients write them, and bounded
JSON. Hypothesis: reading filters never raises anything but a 400."""

from __future__ import annotations

import math
import time

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracehound.errors import BadPayload
from tracehound.protocols.bugsnag import filters
from tracehound.protocols.bugsnag.api_common import iso, millis, parse_time
from tracehound.protocols.bugsnag.routing import TOO_DEEP, bounded

receive_times = st.floats(min_value=0.001, max_value=4102444800.0, allow_nan=False,
                          allow_infinity=False)


@given(receive_times)
def test_a_written_time_bounds_its_own_event(ts: float) -> None:
    """start_time = received_at includes the event, end_time = received_at excludes it
    (the SQL compares the stored float with the parsed bound)."""
    written = iso(ts)
    assert written is not None and written.endswith("Z") and len(written) == 24
    bound = parse_time(written, "start_time")
    assert bound <= ts  # start_time: included
    assert not ts < bound  # end_time: excluded
    assert iso(bound) == written  # the bound is written as the same millisecond


@given(receive_times)
def test_millis_is_the_floor_the_parser_agrees_with(ts: float) -> None:
    m = millis(ts)
    assert m / 1000 <= ts < (m + 1) / 1000
    assert abs(m - math.floor(ts * 1000)) <= 1


@pytest.mark.parametrize(("text", "expected"), [
    ("2013-10-23T15:23:34Z", 1382541814.0),
    ("2013-10-23T15:23:34", 1382541814.0),  # no zone: UTC
    ("2013-10-23T17:23:34+02:00", 1382541814.0),
    ("2013-10-23T15:23:34.1239Z", 1382541814.123),  # read down to the millisecond
    ("2013-10-23", 1382486400.0),
])
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text, "start_time") == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2013-13-01T00:00:00Z", "1" * 41,
                                  "2013-10-23T15:23:34Zjunk", "\x00" * 12])
def test_unreadable_times_are_400(text: str) -> None:
    with pytest.raises(BadPayload, match="start_time"):
        parse_time(text, "start_time")


def test_filter_forms() -> None:
    interleaved = [("filters[event.severity][][type]", "eq"),
                   ("filters[event.severity][][value]", "info"),
                   ("filters[event.severity][][type]", "ne"),
                   ("filters[event.severity][][value]", "warning")]
    grouped = [interleaved[0], interleaved[2], interleaved[1], interleaved[3]]
    expected = [filters.Filter("event.severity", "eq", "info"),
                filters.Filter("event.severity", "ne", "warning")]
    assert filters.parse(interleaved) == expected
    assert filters.parse(grouped) == expected
    assert filters.parse([("filters[event.severity][1][value]", "warning"),
                          ("filters[event.severity][0][value]", "info"),
                          ("filters[event.severity][1][type]", "ne")]) == [
        filters.Filter("event.severity", "ne", "warning"),
        filters.Filter("event.severity", "eq", "info")]
    assert filters.parse([("filters[error.status][]", "open"),
                          ("filters[error.status]", "fixed"), ("per_page", "3")]) == [
        filters.Filter("error.status", "eq", "open"),
        filters.Filter("error.status", "eq", "fixed")]


def test_relative_times() -> None:
    now = time.time()
    assert filters.time_value("30d", "x", now) == now - 30 * 86400
    assert filters.time_value("24H", "x", now) == now - 86400
    assert filters.time_value("15m", "x", now) == now - 900


def test_statuses_that_match_nothing() -> None:
    found = filters.parse([("filters[error.status][]", "in progress")])
    assert filters.compile_filters(found, (1,), now=0, events=False).nothing
    found = filters.parse([("filters[error.status][]", "in progress"),
                           ("filters[error.status][]", "open")])
    compiled = filters.compile_filters(found, (1,), now=0, events=False)
    assert not compiled.nothing and compiled.where is not None
    found = filters.parse([("filters[error.status][][type]", "ne"),
                           ("filters[error.status][][value]", "for_review")])
    compiled = filters.compile_filters(found, (1,), now=0, events=True)
    assert not compiled.nothing and compiled.where is None


keys = st.one_of(
    st.sampled_from([f"filters[{f}]{rest}" for f in (*filters.FIELDS, "nope", "")
                     for rest in ("", "[]", "[][type]", "[][value]", "[0][type]",
                                  "[7][value]", "[x]")]),
    st.text(max_size=30).map(lambda t: "filters" + t))
values = st.one_of(st.sampled_from(["eq", "ne", "empty", "open", "fixed", "in progress",
                                    "error", "info", "1h", "30d", "2020-01-01T00:00:00Z",
                                    "0" * 24, "000000000000000000000001", "*", "1.*"]),
                   st.text(max_size=300))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(keys, values), max_size=12), st.booleans())
def test_filters_never_raise_anything_but_400(pairs: list[tuple[str, str]],
                                              events: bool) -> None:
    try:
        found = filters.parse(pairs)
        filters.compile_filters(found, (1, 2), now=1e9, events=events)
    except BadPayload:
        pass


def test_bounded_json() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(400):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    with pytest.raises(TypeError):
        orjson.dumps({"a": deep})
    out = orjson.loads(orjson.dumps(bounded({"a": deep, "n": 2**70, "ok": [1, "x"]})))
    assert out["n"] == str(2**70) and out["ok"] == [1, "x"]
    assert TOO_DEEP in orjson.dumps(out).decode()
