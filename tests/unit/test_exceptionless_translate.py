"""The Exceptionless translation (payload → model.Event) and the stack-text parsers, with
no server: shapes from the clients and the reference, odd values, and fuzzing."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracehound.grouping import versions
from tracehound.grouping.title import title_for
from tracehound.model.event import Level, unpack_data
from tracehound.protocols.exceptionless import ids, payload, stacktext
from tracehound.protocols.exceptionless.translate import event_type, translate


def tr(event: dict[str, Any], **kw: Any) -> Any:
    return translate(event, project_id=1, received_at=1_800_000_000.0, **kw)


def key(event: dict[str, Any]) -> str:
    return versions.fingerprint(tr(event)).hash


# --- ids -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1, 7, 255, 2**40 + 3, 2**63 - 1])
def test_ids_round_trip(value: int) -> None:
    text = ids.encode(value)
    assert len(text) == 24 and text == text.lower()
    assert ids.decode(text) == value
    assert ids.decode(text.upper()) == value


@pytest.mark.parametrize("text", ["", "0" * 24, "7", "0" * 23 + "g", "f" * 24, "1" * 25,
                                  " " + "0" * 23, "0" * 22 + "\n1", "١" * 24])
def test_ids_that_are_not_ours(text: str) -> None:
    assert ids.decode(text) is None


def test_decode_many() -> None:
    assert ids.decode_many(f"{ids.encode(1)},{ids.encode(2)}") == [1, 2]
    assert ids.decode_many(f"{ids.encode(1)},nope") is None


# --- payload shape ---------------------------------------------------------------------

def test_keys_match_case_insensitively_and_unknown_ones_move_into_data() -> None:
    out, notes = payload.normalize({"ReferenceId": "abcdefgh", "Message": "m", "@user": {},
                                    "custom": 1, "data": {"custom": 2}})
    assert out["reference_id"] == "abcdefgh" and out["message"] == "m"
    assert out["data"] == {"custom": 2, "@user": {}}  # data's own key wins
    assert notes == []


def test_known_keys_holding_json_text_are_parsed_else_set_aside() -> None:
    out, notes = payload.normalize({"data": {"@user": '{"identity": "u"}', "@error": "boom",
                                             "_@error": "taken"}})
    assert out["data"]["@user"] == {"identity": "u"}
    assert out["data"]["_@error1"] == "boom" and out["data"]["_@error"] == "taken"
    assert [n[:2] for n in notes] == [("data.@error", "moved")]


def test_tags_are_trimmed_deduplicated_and_capped() -> None:
    tags = ["", "a", "a", "x" * 101, 5] + [f"t{i}" for i in range(60)] + ["Critical"]
    out, notes = payload.normalize({"tags": tags})
    assert len(out["tags"]) == 50 and out["tags"][0] == "Critical" and "a" in out["tags"]
    assert {n[1] for n in notes} == {"dropped", "truncated"}


# --- translation -----------------------------------------------------------------------

def test_dotnet_error_frames_order_namespaces_and_in_app() -> None:
    event = tr({"type": "error", "data": {"@error": {
        "type": "System.NullReferenceException", "message": "Object reference not set",
        "stack_trace": [
            {"name": "ThrowHelper", "declaring_namespace": "System.Collections",
             "declaring_type": "List"},
            {"name": "Save", "declaring_namespace": "Shop.Orders", "declaring_type": "Repo",
             "file_name": "C:\\src\\Repo.cs", "line_number": 88},
            {"name": "Main", "declaring_namespace": "Shop", "declaring_type": "Program"}],
        "inner": {"type": "System.IO.IOException", "message": "disk",
                  "inner": {"message": "deepest, no type"}}}}})
    assert [e.type for e in event.exceptions] == [
        "System.NullReferenceException", "System.IO.IOException", "Error"]
    frames = event.exceptions[0].frames
    assert [(f.method, f.module, f.in_app) for f in frames] == [
        ("Program.Main", "Shop", True), ("Repo.Save", "Shop.Orders", True),
        ("List.ThrowHelper", "System.Collections", False)]
    assert event.level == Level.ERROR and event.message is None
    assert title_for(event) == "System.NullReferenceException: Object reference not set"


def test_simple_error_text_stack_is_parsed() -> None:
    event = tr({"data": {"@simple_error": {
        "type": "TypeError", "message": "x is undefined",
        "stack_trace": "TypeError: x is undefined\n    at pay (https://shop/app.js:10:5)\n"
                       "    at https://shop/app.js:20:1"}}})
    assert event_type({"data": {"@simple_error": {}}}) == "error"
    (exc,) = event.exceptions
    assert [(f.filename, f.lineno, f.colno, f.method) for f in exc.frames] == [
        ("https://shop/app.js", 20, 1, ""), ("https://shop/app.js", 10, 5, "pay")]


def test_python_client_shape() -> None:
    def boom() -> None:
        raise ValueError("bad value 42")

    try:
        boom()
    except ValueError as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    event = tr({"type": "error", "message": "bad value 42", "date": "2025-12-01T10:00:00.123456Z",
                "@stack": text, "@environment": {"os": "Linux", "hostname": "h",
                                                 "python_version": "3.12.1"},
                "data": {"id": "123"}}, user_agent="python-requests/2.32.3")
    (exc_info,) = event.exceptions
    assert exc_info.type == "ValueError" and exc_info.message == "bad value 42"
    assert exc_info.frames[-1].method == "boom"
    assert exc_info.frames[-1].filename == __file__
    assert event.language == "python" and event.platform == "linux" and event.host == "h"
    assert event.client_timestamp == 1764583200.123456
    stored = unpack_data(event.data)
    assert stored["data"]["_@stack"] == text and stored["data"]["id"] == "123"


def test_errors_group_by_frames_not_message_or_line() -> None:
    def err(message: str, line: int, fn: str) -> dict[str, Any]:
        return {"type": "error", "data": {"@error": {"type": "E", "message": message,
                                                     "stack_trace": [{"name": fn,
                                                                      "file_name": "/a.js",
                                                                      "line_number": line}]}}}
    assert key(err("one", 1, "f")) == key(err("two", 9, "f"))
    assert key(err("one", 1, "f")) != key(err("one", 1, "g"))


def test_messages_group_by_type_source_and_masked_message() -> None:
    def log(message: str, source: str = "s", etype: str = "log") -> dict[str, Any]:
        return {"type": etype, "source": source, "message": message}
    assert key(log("user 17 signed in")) == key(log("user 18 signed in"))
    assert key(log("user 17 signed in")) != key(log("user 17 signed in", source="t"))
    assert key(log("user 17 signed in")) != key(log("user 17 signed in", etype="usage"))
    assert key(log("a")) != key(log("b"))


def test_manual_stacking() -> None:
    event = tr({"type": "error", "message": "m", "data": {
        "@stack": {"title": "Checkout failures", "signature_data": {"area": "cart", "n": 1}}}})
    assert event.fingerprint == "area=cart\nn=1" and event.title == "Checkout failures"
    assert key({"message": "x", "data": {"@stack": {"signature_data": {"a": "b"}}}}) == \
        key({"message": "y", "type": "error", "data": {"@stack": {"signature_data": {"a": "b"}}}})


@pytest.mark.parametrize("event,level,title", [
    ({"type": "log", "message": "m", "data": {"@level": "Trace"}}, Level.DEBUG, "m"),
    ({"type": "log", "message": "m", "data": {"@level": "fatal"}}, Level.CRITICAL, "m"),
    ({"type": "log", "message": "m", "data": {"@level": "loud"}}, Level.INFO, "m"),
    ({"type": "usage", "source": "export"}, Level.INFO, "export"),
    ({"type": "404", "data": {"@request": {"http_method": "POST", "path": "/x"}}},
     Level.WARNING, "POST /x"),
    ({"type": "session", "reference_id": "sess-1234"}, Level.INFO, "session"),
    ({"type": "error", "message": "no data", "tags": ["Critical"]}, Level.CRITICAL, "no data"),
    ({}, Level.INFO, "log"),
])
def test_levels_and_titles(event: dict[str, Any], level: Level, title: str) -> None:
    translated = tr(event)
    assert translated.level == level
    assert title_for(translated) == title


def test_people_and_submission_client() -> None:
    event = tr({"data": {"@user": {"identity": "x" * 60, "name": "N"}}}, remote_ip="10.0.0.1",
               user_agent="exceptionless/4.8.0")
    assert event.person is not None and event.person.id == "x" * 40
    assert event.language == "csharp" and event.framework == "exceptionless"
    assert unpack_data(event.data)["data"]["@submission_client"] == {
        "ip_address": "10.0.0.1", "user_agent": "exceptionless/4.8.0", "version": "4.8.0"}
    assert tr({"data": {"@user": {"name": "only a name"}}}).person is None


@pytest.mark.parametrize("text,expected", [
    ("2030-01-01T12:00:00.0000000-05:00", 1893517200.0),
    ("2030-01-01T17:00:00Z", 1893517200.0),
    ("2030-01-01T17:00:00.5z", 1893517200.5),
    ("not a date", None), ("9999-99-99", None), ("", None),
])
def test_dates(text: str, expected: float | None) -> None:
    assert tr({"date": text}).client_timestamp == expected


# --- stack text ------------------------------------------------------------------------

def test_python_chains_raised_one_first() -> None:
    def inner() -> None:
        raise KeyError("k")

    def outer() -> None:
        try:
            inner()
        except KeyError as exc:
            raise RuntimeError("wrapped\nsecond line") from exc

    try:
        outer()
    except RuntimeError as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    raised, cause = stacktext.parse_python(text)
    assert (raised.type, raised.message) == ("RuntimeError", "wrapped\nsecond line")
    assert (cause.type, cause.message) == ("KeyError", "'k'")
    assert raised.frames[-1].function == "outer" and cause.frames[-1].function == "inner"
    assert cause.frames[-1].context == 'raise KeyError("k")'


def test_python_syntax_error_and_no_message() -> None:
    text = ('Traceback (most recent call last):\n  File "a.py", line 1\n    foo(\n       ^\n'
            "SyntaxError: '(' was never closed\n")
    (err,) = stacktext.parse_python(text)
    assert err.type == "SyntaxError" and err.frames[0].function == ""
    (bare,) = stacktext.parse_python('Traceback (most recent call last):\n  File "b.py", '
                                     'line 2, in f\n    x\nStopIteration\n')
    assert (bare.type, bare.message) == ("StopIteration", "")


@pytest.mark.parametrize("line,expected", [
    ("    at fn (/a/b.js:1:2)", ("/a/b.js", 1, 2, "fn")),
    ("    at async Promise.all (index 0)", None),
    ("    at new Foo (file:///x.mjs:3:4)", ("file:///x.mjs", 3, 4, "Foo")),
    ("fn@https://x/y.js:5:6", ("https://x/y.js", 5, 6, "fn")),
    ("   at Shop.Repo.Save(Order o) in C:\\src\\Repo.cs:line 88",
     ("C:\\src\\Repo.cs", 88, None, "Shop.Repo.Save(Order o)")),
    ("just words", None),
])
def test_stack_lines(line: str, expected: tuple[Any, ...] | None) -> None:
    frames = stacktext.parse_stack(line)
    got = (frames[0].filename, frames[0].lineno, frames[0].colno, frames[0].function) \
        if frames else None
    assert got == expected


_PIECES = st.sampled_from([
    "Traceback (most recent call last):", '  File "x.py", line 3, in f', "    code",
    "    ^^^^", "ValueError: v", "KeyError", "", "\n", "The above exception was the direct "
    "cause of the following exception:", "    at f (a.js:1:2)", "f@a.js:1:2",
    "   at A.B() in c.cs:line 9", ":", "@", "(", ")", " line ", "\x00", "\r", "é"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=40).map("\n".join)))
def test_stack_parsers_never_raise(text: str) -> None:
    for err in stacktext.parse_python(text):
        assert err.type
    stacktext.parse_stack(text)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "message", "source", "data", "tags", "date", "reference_id",
                         "@error", "@simple_error", "@stack", "@user", "@request", "inner",
                         "stack_trace", "name", "file_name", "line_number", "@level",
                         "@environment", "signature_data", "x"]) | st.text(max_size=5),
        inner, max_size=5),
    max_leaves=30)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=12), _JSON, max_size=8) | _JSON.filter(
    lambda v: isinstance(v, dict)))
def test_translate_never_raises(event: dict[str, Any]) -> None:
    translated = tr(event, remote_ip="::1", user_agent="exceptionless-js/3.2.1")
    versions.fingerprint(translated)
    title_for(translated)
