"""Bugsnag translation and ids, pure: no server, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracehound.grouping import title
from tracehound.model.event import Event, Level, unpack_data
from tracehound.protocols.bugsnag import ids
from tracehound.protocols.bugsnag.notify import session_count
from tracehound.protocols.bugsnag.translate import DEFAULT_MARK, parse_time, translate

NOW = 1_800_000_000.0


def tr(event: Any, envelope: Any = None, **kw: Any) -> Event:
    return translate(event, envelope, project_id=1, received_at=NOW, **kw)


# --- ids ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1, 7, 255, 2**40 + 3, 2**63 - 1])
def test_ids_round_trip(value: int) -> None:
    text = ids.encode(value)
    assert len(text) == 24 and text == text.lower()
    assert ids.decode(text) == value and ids.decode(text.upper()) == value


@pytest.mark.parametrize("text", ["", "0" * 24, "7", "0" * 23 + "g", "f" * 24, "1" * 25,
                                  " " + "0" * 23, "0" * 23 + "\n", "０" * 24])
def test_ids_that_are_not_ours(text: str) -> None:
    assert ids.decode(text) is None


def test_decode_many() -> None:
    assert ids.decode_many(f"{ids.encode(3)}, {ids.encode(9)}") == [3, 9]
    assert ids.decode_many(f"{ids.encode(3)},nope") is None
    assert ids.decode_many(",".join([ids.encode(1)] * 101)) is None


# --- translation -------------------------------------------------------------------------

def test_exceptions_frames_and_fields() -> None:
    event = tr({
        "exceptions": [
            {"errorClass": "TypeError", "errorMessage": "only errorMessage", "type": "nodejs",
             "stacktrace": [
                 {"file": "app.js", "lineNumber": 10, "columnNumber": 4, "method": "inner",
                  "inProject": True, "code": {"10": "x()"}},
                 {"file": "node_modules/x/y.js", "lineNumber": "20", "method": "outer",
                  "inProject": False},
                 {"file": "main.js", "lineNumber": 1, "method": "main"}]},
            {"errorClass": "Cause", "message": "root"}],
        "app": {"version": "3.1", "releaseStage": "beta"}, "releaseStage": "ignored",
        "device": {"hostname": "box"}, "context": "GET /x",
        "user": {"name": "Only Name"}, "severity": "INFO", "unhandled": False},
        {"notifier": {"name": "Bugsnag Node"}})
    assert [(e.type, e.message) for e in event.exceptions] == [
        ("TypeError", "only errorMessage"), ("Cause", "root")]
    assert [(f.filename, f.lineno, f.colno, f.method, f.in_app)
            for f in event.exceptions[0].frames] == [
        ("main.js", 1, None, "main", None), ("node_modules/x/y.js", 20, None, "outer", False),
        ("app.js", 10, 4, "inner", True)]
    assert (event.environment, event.code_version, event.host, event.context) == (
        "beta", "3.1", "box", "GET /x")
    assert event.level == Level.INFO and event.platform == "nodejs"
    assert event.language == "javascript" and event.framework == "Bugsnag Node"
    assert event.person is not None and (event.person.id, event.person.username) == (
        "Only Name", "Only Name")
    assert title.title_for(event) == "TypeError: only errorMessage"


def test_defaults_and_release_stage_on_the_event() -> None:
    event = tr({"exceptions": [{"errorClass": "E"}], "releaseStage": "qa", "apiKey": "secret"},
               {"apiKey": "secret", "payloadVersion": "4.0", "notifier": {"name": "n"}})
    assert event.environment == "qa" and event.level == Level.ERROR
    data = unpack_data(event.data)
    assert data["app"] == {"releaseStage": "qa"} and "apiKey" not in data
    assert data["payloadVersion"] == "4.0" and data["notifier"] == {"name": "n"}
    bare = tr({"exceptions": [{"errorClass": "E"}]})
    assert bare.environment == "production" and bare.person is None
    assert bare.code_version is None and bare.host is None and bare.tags == {}


@pytest.mark.parametrize("event,fingerprint,template", [
    ({"groupingHash": "h"}, "h", []),
    ({"groupingHash": "h", "groupingDiscriminator": "d"}, "h\nd", []),
    ({"groupingDiscriminator": "d"}, None, [DEFAULT_MARK, "groupingDiscriminator:d"]),
    ({"groupingHash": "  "}, None, []),
    ({"groupingHash": None}, None, []),
    ({"groupingHash": {"a": 1}}, None, []),
    ({"groupingHash": 42}, "42", []),
])
def test_grouping_hash(event: dict[str, Any], fingerprint: str | None,
                       template: list[str]) -> None:
    out = tr({"exceptions": [{"errorClass": "E"}], **event})
    assert (out.fingerprint, out.fingerprint_template) == (fingerprint, template)


@pytest.mark.parametrize("severity,level", [
    ("error", Level.ERROR), ("warning", Level.WARNING), ("info", Level.INFO),
    (None, Level.ERROR), ("fatal", Level.ERROR), (3, Level.ERROR)])
def test_severity(severity: Any, level: Level) -> None:
    assert tr({"severity": severity}).level == level


@pytest.mark.parametrize("text,expected", [
    ("2026-07-22T10:15:30", datetime(2026, 7, 22, 10, 15, 30, tzinfo=UTC).timestamp()),
    ("2026-07-22T10:15:30.500Z", datetime(2026, 7, 22, 10, 15, 30, 500000,
                                          tzinfo=UTC).timestamp()),
    ("2026-07-22T12:15:30+02:00", datetime(2026, 7, 22, 10, 15, 30, tzinfo=UTC).timestamp()),
    (1_700_000_000, 1_700_000_000.0), (1_700_000_000_000, 1_700_000_000.0),
    ("yesterday", None), ("", None), (None, None), (True, None), (-5, None), ("9" * 100, None)])
def test_parse_time(text: Any, expected: float | None) -> None:
    assert parse_time(text) == expected


def test_clock_skew_from_sent_at() -> None:
    happened = "2026-07-22T10:15:30Z"
    at = datetime(2026, 7, 22, 10, 15, 30, tzinfo=UTC).timestamp()
    sent = at + 5  # the notifier sent it 5 s later by its own clock
    event = tr({"device": {"time": happened}}, sent_at=sent)
    assert event.client_timestamp == pytest.approx(NOW - 5)
    assert tr({"device": {"time": happened}}).client_timestamp == at
    assert tr({"device": {}}, sent_at=sent).client_timestamp is None


def test_no_exceptions_is_a_labelled_event() -> None:
    event = tr({"exceptions": [None, 3, {"message": "", "stacktrace": []}]})
    assert event.exceptions == [] and event.message == "(no exception)"
    classless = tr({"exceptions": [{"message": "boom"}]})
    assert [(e.type, e.message) for e in classless.exceptions] == [("Error", "boom")]


def test_what_cannot_be_encoded_is_dropped_with_a_note() -> None:
    deep: Any = 1
    for _ in range(2000):
        deep = {"a": deep}
    nested = tr({"exceptions": [{"errorClass": "E"}], "context": "c", "metaData": deep})
    assert "metaData" not in unpack_data(nested.data) and nested.context == "c"
    assert nested.notes[-1].path == "payload"
    huge = tr({"exceptions": -2**63 - 1, "context": "c", "x": 2**70})
    # integers past 64 bits are kept as their text (model.event.pack_data)
    assert unpack_data(huge.data) == {"exceptions": str(-2**63 - 1), "context": "c",
                                      "x": str(2**70)}


def test_session_count() -> None:
    assert session_count({"sessionCounts": [{"sessionsStarted": 3}, {"sessionsStarted": 2},
                                            {"sessionsStarted": -1}, {"sessionsStarted": True},
                                            {"sessionsStarted": 10**12}, "x"]}) == 5 + 10**6
    assert session_count({"sessions": [{"id": "a"}, {}, 3]}) == 2
    assert session_count({"sessionCounts": "x", "sessions": None}) == 0


# --- never raises --------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["exceptions", "errorClass", "message", "errorMessage", "stacktrace",
                         "file", "lineNumber", "columnNumber", "method", "inProject", "code",
                         "severity", "severityReason", "type", "unhandled", "context",
                         "groupingHash", "groupingDiscriminator", "user", "id", "name",
                         "email", "app", "version", "releaseStage", "device", "hostname",
                         "time", "metaData", "breadcrumbs", "projectRoot", "notifier",
                         "apiKey", "payloadVersion"]) | st.text(max_size=5),
        inner, max_size=6),
    max_leaves=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=_JSON, envelope=_JSON, sent_at=st.none() | st.floats(allow_nan=False,
                                                                   allow_infinity=False))
def test_translate_never_raises(event: Any, envelope: Any, sent_at: float | None) -> None:
    out = tr(event, envelope, sent_at=sent_at)
    assert out.vendor == "bugsnag" and out.environment
    assert title.title_for(out)
    unpack_data(out.data)
