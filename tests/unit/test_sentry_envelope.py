"""The envelope parser and the event translator on their own (pure functions)."""

from __future__ import annotations

import pytest

from tracehound.errors import BadPayload
from tracehound.grouping import versions
from tracehound.model.event import Level
from tracehound.protocols.sentry import envelope
from tracehound.protocols.sentry.auth import find_key, key_from_dsn, parse_auth_header
from tracehound.protocols.sentry.translate import translate


def test_length_prefixed_payload_keeps_carriage_returns_and_newlines() -> None:
    env = envelope.parse(b'{"event_id":"x"}\n{"type":"attachment","length":5}\na\r\nb\n\n')
    (item,) = env.items
    assert item.payload == b"a\r\nb\n"


def test_payload_without_length_runs_to_newline_or_end() -> None:
    env = envelope.parse(b'{}\n{"type":"event"}\n{"a":1}\n{"type":"session"}\n{"b":2}')
    assert [(i.type, i.payload) for i in env.items] == [("event", b'{"a":1}'),
                                                        ("session", b'{"b":2}')]


def test_header_only_and_empty_envelopes() -> None:
    assert envelope.parse(b"{}").items == []
    assert envelope.parse(b"{}\n").items == []
    with pytest.raises(BadPayload, match="empty envelope"):
        envelope.parse(b"\n")


def test_length_at_end_of_body_without_newline() -> None:
    (item,) = envelope.parse(b'{}\n{"type":"event","length":2}\n{}').items
    assert item.payload == b"{}"


def test_auth_header_parsing_is_tolerant() -> None:
    parsed = parse_auth_header('Sentry sentry_key="abc", sentry_version=7,sentry_secret=s')
    assert parsed == {"sentry_key": "abc", "sentry_version": "7", "sentry_secret": "s"}
    assert find_key("sentry sentry_key=abc", "abc", None) == "abc"
    assert key_from_dsn("https://k1@host.example/sub/path/42") == ("k1", 42)
    assert key_from_dsn("not a dsn") is None


def event(**kw: object) -> dict[str, object]:
    return {"exception": {"values": [{"type": "KeyError", "value": "'x'",
                                      "stacktrace": {"frames": [
                                          {"function": "lib", "module": "lib.mod",
                                           "in_app": False},
                                          {"function": "handler", "module": "app.views",
                                           "in_app": True}]}}]}, **kw}


def test_fingerprint_variables_are_filled_in() -> None:
    ev = translate(event(fingerprint=["{{ type }}", "{{ function }}", "{{ tags.shard }}",
                                      "{{ level }}"], tags=[["shard", "7"]], level="fatal"),
                   project_id=1, received_at=1.0)
    assert ev.fingerprint == "KeyError\nhandler\n7\ncritical"
    assert ev.level == Level.CRITICAL


def test_default_template_keeps_default_key_and_splits() -> None:
    a = translate(event(fingerprint=["{{default}}", "a"]), project_id=1, received_at=1.0)
    b = translate(event(fingerprint=["{{ default }}", "b"]), project_id=1, received_at=1.0)
    plain = translate(event(), project_id=1, received_at=1.0)
    assert a.fingerprint is None and a.fingerprint_template == ["{{ default }}", "a"]
    keys = {versions.fingerprint(e).hash for e in (a, b, plain)}
    assert len(keys) == 3
    assert versions.fingerprint(plain).hash in versions.fingerprint(a).key


def test_only_in_app_frames_drive_grouping() -> None:
    one = translate(event(), project_id=1, received_at=1.0)
    other = event()
    other["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] = "changed"  # type: ignore[index]
    two = translate(other, project_id=1, received_at=1.0)
    assert versions.fingerprint(one).hash == versions.fingerprint(two).hash


def test_legacy_shapes_and_unlabeled_events() -> None:
    legacy = translate({"exception": [{"type": "E", "value": "v"}], "message": {"formatted": "m"},
                        "timestamp": 1786717500, "user": {"email": "a@b.c"}},
                       project_id=1, received_at=1.0)
    assert legacy.exceptions[0].type == "E" and legacy.client_timestamp == 1786717500.0
    assert legacy.person is not None and legacy.person.id == "a@b.c"
    empty = translate({}, project_id=1, received_at=1.0)
    assert empty.message == "<unlabeled event>" and empty.environment == "production"
    assert len(empty.uuid) == 32
