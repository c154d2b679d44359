"""Logster's pure parts: body reading, model binding with Web API's ModelState, and the
translation into an Event (levels, frames, person, context, tags), plus: nothing raises
anything but the documented 400/415 on any input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracehound.grouping import versions
from tracehound.grouping.title import title_for
from tracehound.model.event import Level, unpack_data
from tracehound.protocols.logster import body
from tracehound.protocols.logster.binding import LogMessage, bind
from tracehound.protocols.logster.errors import ModelInvalid, UnsupportedMediaType
from tracehound.protocols.logster.translate import level_of, translate


def tr(msg: LogMessage) -> Any:
    return translate(msg, project_id=1, received_at=1_700_000_000.0)


@pytest.mark.parametrize("severity,has_exception,level", [
    (0, False, Level.DEBUG), (1, False, Level.DEBUG), (2, False, Level.INFO),
    (3, False, Level.WARNING), (4, False, Level.ERROR), (5, False, Level.CRITICAL),
    (6, False, Level.INFO), (None, False, Level.INFO), (None, True, Level.ERROR),
    (2, True, Level.INFO)])
def test_severity_levels(severity: int | None, has_exception: bool, level: Level) -> None:
    assert level_of(severity, has_exception) == level


@pytest.mark.parametrize("sent,bound", [
    (4, 4), ("4", 4), (" 3 ", 3), ("Error", 4), ("error", 4), ("INFORMATION", 2),
    ("Info", 2), ("warn", 3), ("Trace", 0), ("Debug", 1), ("Critical", 5), ("Fatal", 5),
    ("None", 6), ("off", 6), (4.0, 4), (None, None), ("", None)])
def test_severity_binding(sent: Any, bound: int | None) -> None:
    assert bind([("Message", "m"), ("Severity", sent)]).severity == bound


def test_model_state_in_field_order_with_web_api_words() -> None:
    with pytest.raises(ModelInvalid) as caught:
        bind([("severity", 9), ("Exception", ["x"])])
    assert caught.value.model_state == {
        "message.Exception": ["Unexpected character encountered while parsing value: [. "
                              "Path 'Exception'."],
        "message.Message": ["The Message field is required."],
        "message.Severity": ["The field Severity must be between 0 and 6."]}
    assert list(caught.value.model_state)[1:] == ["message.Message", "message.Severity"]


def test_names_any_case_last_wins_extras_kept() -> None:
    msg = bind([("MESSAGE", "first"), ("message", "second"), ("Severity", 1),
                ("Thread", "7"), ("user", 42), ("Category", True)])
    assert (msg.message, msg.severity, msg.user, msg.category) == ("second", 1, "42", "true")
    assert msg.payload() == {"Message": "second", "Severity": 1, "Category": "true",
                             "User": "42", "Thread": "7"}


def test_body_kinds() -> None:
    assert body.read(b'{"Message": "j"}', "application/json; charset=utf-8") == (
        "json", [("Message", "j")])
    assert body.read(b'{"Message": "j"}', "application/vnd.x+json")[0] == "json"
    assert body.read(b"<L><Message>x</Message></L>", "application/problem+xml")[0] == "xml"
    assert body.read(b"Message=a+b&Severity=2", "application/x-www-form-urlencoded") == (
        "form", [("Message", "a b"), ("Severity", "2")])
    assert body.read('{"Message": "é"}'.encode("utf-16"),
                     "application/json; charset=utf-16") == ("json", [("Message", "é")])
    assert body.read(b"Message=caf%E9", "application/x-www-form-urlencoded; "
                                        "charset=iso-8859-1")[1] == [("Message", "café")]
    for sniffed, kind in ((b' {"Message": "x"}', "json"), (b"\n<L/>", "xml"),
                          (b"Message=x", "form"), (b"", "form")):
        assert body.read(sniffed, "")[0] == kind
        assert body.read(sniffed, "text/plain")[0] == kind
    with pytest.raises(UnsupportedMediaType):
        body.read(b"x", "multipart/form-data; boundary=x")


def test_translation_of_a_full_message() -> None:
    msg = bind([("Exception", "System.InvalidOperationException: Sequence contains no "
                              "elements"),
                ("Message", "Checkout failed"),
                ("StackTrace", "   at System.Linq.Enumerable.First[TSource](IEnumerable`1 "
                               "source)\r\n   at Shop.Cart.Total() in Cart.cs:line 17\r\n"),
                ("Severity", 4), ("Category", " Checkout "), ("Application", "Shop.Web"),
                ("User", "ada@example.com"), ("Thread", "12")])
    event = tr(msg)
    assert (event.vendor, event.environment, event.level, event.framework,
            event.language) == ("logster", "production", Level.ERROR, "logster", "csharp")
    assert (event.message, event.context, event.tags) == ("Checkout failed", "Checkout",
                                                          {"application": "Shop.Web"})
    assert event.person is not None
    assert (event.person.id, event.person.username, event.person.email) == (
        "ada@example.com", "ada@example.com", "ada@example.com")
    (exc,) = event.exceptions
    assert [(f.module, f.method, f.in_app) for f in exc.frames] == [
        ("Shop.Cart", "Shop.Cart.Total()", True),
        ("System.Linq.Enumerable", "System.Linq.Enumerable.First[TSource](IEnumerable`1 "
                                   "source)", False)]
    assert title_for(event) == ("System.InvalidOperationException: Sequence contains no "
                                "elements")
    assert unpack_data(event.data)["Thread"] == "12"
    assert len(event.uuid) == 32 and event.notes == []


def test_stack_without_exception_and_plain_message() -> None:
    stack_only = tr(bind([("Message", "slow request\nmore"),
                          ("StackTrace", "   at A.B() in b.cs:line 3")]))
    (exc,) = stack_only.exceptions
    assert (exc.type, exc.message, stack_only.level) == ("Exception", "slow request",
                                                        Level.ERROR)
    plain = tr(bind([("Message", "user 42 signed in"), ("Severity", "Information")]))
    assert plain.exceptions == [] and plain.level == Level.INFO and plain.language == ""
    assert title_for(plain) == "user 42 signed in"
    assert versions.fingerprint(plain).key == "message: user <int> signed in"
    prose = tr(bind([("Message", "m"), ("Exception", "it broke: badly")]))
    assert (prose.exceptions[0].type, prose.exceptions[0].message) == ("Exception",
                                                                      "it broke: badly")


def test_grouping_ignores_lines_and_build_paths_not_methods() -> None:
    def fp(line: int, method: str, root: str) -> str:
        return versions.fingerprint(tr(bind([
            ("Message", "m"), ("Exception", "System.Exception: x"),
            ("StackTrace", f"   at Shop.Cart.{method}() in {root}\\Cart.cs:line {line}")]))).hash

    assert fp(17, "Total", "C:\\a") == fp(40, "Total", "D:\\b\\c")
    assert fp(17, "Total", "C:\\a") != fp(17, "Subtotal", "C:\\a")


_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                   st.text(max_size=60), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                   st.sampled_from(["Error", "7", "-1", "   at A.B() in c.cs:line 9",
                                    "System.X: y ---> System.Z: w\r\n   at Q.R()"]))
_NAME = st.one_of(st.sampled_from(["Message", "message", "Severity", "SEVERITY", "Exception",
                                   "StackTrace", "Category", "Application", "User"]),
                  st.text(max_size=8))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_NAME, _VALUE), max_size=10))
def test_bind_and_translate_never_raise_otherwise(pairs: list[tuple[str, Any]]) -> None:
    try:
        msg = bind(pairs)
    except ModelInvalid as exc:
        assert exc.model_state and all(k.startswith("message.") for k in exc.model_state)
        return
    event = tr(msg)
    versions.fingerprint(event)
    title_for(event)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
       st.sampled_from(["application/json", "text/xml", "application/xml", "",
                        "application/x-www-form-urlencoded", "text/plain; charset=latin-1",
                        "application/json; charset=nope", "text/xml; charset=utf-16"]))
def test_body_read_gives_pairs_or_a_400(raw: bytes, content_type: str) -> None:
    try:
        _, pairs = body.read(raw, content_type)
    except ModelInvalid as exc:
        assert list(exc.model_state) == ["message"]
        return
    assert all(isinstance(name, str) for name, _ in pairs)
