"""Event: what a client sent, translated out of its vendor's wire format.

Adapters build an Event; the ingest queue stores it (msgspec-encoded); the digest turns
it into an occurrence. `data` keeps the vendor payload as received, so a vendor API can
hand it back unchanged.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec


class Level(enum.IntEnum):
    """Rollbar's integer levels, used everywhere inside."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40
    CRITICAL = 50

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Level | None:
        """A level from its name or a common alias; None when unknown."""
        return _LEVEL_ALIASES.get(text.strip().lower())


_LEVEL_ALIASES: dict[str, Level] = {
    "debug": Level.DEBUG,
    "trace": Level.DEBUG,
    "info": Level.INFO,
    "information": Level.INFO,
    "log": Level.INFO,
    "warning": Level.WARNING,
    "warn": Level.WARNING,
    "error": Level.ERROR,
    "err": Level.ERROR,
    "critical": Level.CRITICAL,
    "fatal": Level.CRITICAL,
}


class Frame(msgspec.Struct, omit_defaults=True):
    filename: str = ""
    lineno: int | None = None
    colno: int | None = None
    method: str = ""
    module: str = ""
    in_app: bool | None = None


class ExceptionInfo(msgspec.Struct, omit_defaults=True):
    type: str
    message: str = ""
    frames: list[Frame] = []


class Person(msgspec.Struct, omit_defaults=True):
    id: str
    username: str | None = None
    email: str | None = None


class Attachment(msgspec.Struct, omit_defaults=True):
    """A file sent with the event (Sentry attachment items), kept with the occurrence."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    attachment_type: str = "event.attachment"


class NormalizationNote(msgspec.Struct):
    """What leniency changed in a field, kept on the occurrence (Relay-style meta)."""

    path: str
    action: str  # "coerced", "truncated", "defaulted", "clamped"
    detail: str = ""


class Event(msgspec.Struct, omit_defaults=True):
    """One reported error or message, vendor-neutral."""

    project_id: int
    uuid: str
    received_at: float  # server receive time, unix seconds
    vendor: str
    environment: str
    level: int
    # The vendor payload as received, kept msgpack-encoded: the digest never needs its
    # contents, so it is never decoded there (only the vendor's read API opens it).
    data: msgspec.Raw
    exceptions: list[ExceptionInfo] = []  # outermost first, then its causes
    message: str | None = None
    title: str | None = None  # explicit title from the client
    fingerprint: str | None = None  # explicit grouping key from the client
    # Sentry's `["{{ default }}", "extra"]`: the default key, subdivided by the other
    # parts ("{{ default }}" stays in the list to mark where the default key goes)
    fingerprint_template: list[str] = []
    client_timestamp: float | None = None
    platform: str = ""
    language: str = ""
    framework: str = ""
    code_version: str | None = None
    context: str | None = None
    host: str | None = None
    server_root: str | None = None
    person: Person | None = None
    # key → value labels the client attached (Sentry `tags`); searchable as `tag:`.
    # Absent from blobs queued before it existed: they decode with no tags.
    tags: dict[str, str] = {}
    notes: list[NormalizationNote] = []
    attachments: list[Attachment] = []
    # A lookup key the client chose for this occurrence (Exceptionless `reference_id`),
    # stored in an indexed column so the occurrence can be found by it. Not unique.
    reference_id: str | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Event)


_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what msgpack can carry


def pack_data(payload: Any) -> msgspec.Raw:
    """Encode a vendor payload for Event.data; RecursionError if absurdly deep.

    Integers msgpack cannot carry (past 64 bits: JSON allows them, and form or XML
    values parsed as numbers can be anything) are kept as their decimal text."""
    try:
        return msgspec.Raw(_encoder.encode(payload))
    except OverflowError:
        return msgspec.Raw(_encoder.encode(_big_ints_as_text(payload)))


def _big_ints_as_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) \
            and not _INT_MIN <= value <= _INT_MAX:
        return str(value)
    if isinstance(value, dict):
        return {_big_ints_as_text(k): _big_ints_as_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_big_ints_as_text(v) for v in value]
    return value


def unpack_data(raw: msgspec.Raw) -> Any:
    return msgspec.msgpack.decode(raw)


def encode(event: Event) -> bytes:
    """Compact binary form for the ingest queue."""
    return _encoder.encode(event)


def decode(blob: bytes) -> Event:
    return _decoder.decode(blob)
