"""NUL characters never reach a column: PostgreSQL text cannot hold them, and a batch
that fails to insert is retried forever, so one such event would stop the digest."""

from __future__ import annotations

import msgspec

from tracehound.ingest.normalize import normalize
from tracehound.model.event import Event, ExceptionInfo, Frame, Person, pack_data


def event(**kw: object) -> Event:
    return Event(project_id=1, uuid="u", received_at=1.0, vendor="t", environment="prod",
                 level=40, data=pack_data({"m": "a\x00b"}), **kw)  # type: ignore[arg-type]


def test_nul_is_removed_from_every_text_and_noted() -> None:
    dirty = event(message="a\x00b", title="t\x00", person=Person(id="p\x00", email="e\x00"),
                  tags={"k\x00": "v\x00"}, reference_id="r\x00", context="c\x00",
                  exceptions=[ExceptionInfo(type="T\x00", message="m\x00",
                                            frames=[Frame(filename="f\x00", method="g\x00")])])
    clean, changed = normalize(dirty)
    assert changed
    as_json = msgspec.json.encode(msgspec.structs.replace(clean, data=msgspec.Raw(b"null")))
    assert b"\\u0000" not in as_json
    assert clean.message == "ab" and clean.tags == {"k": "v"}
    assert clean.exceptions[0].frames[0].filename == "f"
    assert [n.action for n in clean.notes] == ["removed"]
    assert clean.data == dirty.data  # the payload is a binary column: kept as sent


def test_clean_events_are_untouched() -> None:
    clean = event(message="fine")
    assert normalize(clean) == (clean, False)
