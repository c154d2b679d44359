"""The queryable fields of items: one catalogue for the search language, and later RQL,
the web UI (help, autocomplete) and alert rules. Pure data: a field's name, aliases,
type and where its values live; query/search.py turns it into SQL.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracehound.model.event import Level
from tracehound.model.item import ItemStatus
from tracehound.store import facets as kinds


class Type(enum.Enum):
    TEXT = "text"  # short text: prefix match unquoted, exact match quoted
    EXACT = "exact"  # identifiers: exact match; prefix only with a trailing *
    PHRASE = "phrase"  # long text (title): contains the words, case-insensitive
    ENUM = "enum"  # named values (status, level)
    INT = "int"  # numbers: =, >, >=, <, <=, ranges
    DATE = "date"  # timestamps: dates, date-times, unix seconds, now-24h; ranges
    TAG = "tag"  # key=value labels (Sentry tags)


class Source(enum.Enum):
    COLUMN = "column"  # a column of `items`
    FACET = "facet"  # item_facets rows of one kind (values seen on occurrences)
    VERSION = "version"  # item_versions.version: code versions the item was seen in
    REFERENCE = "reference"  # occurrences.uuid: items having that occurrence
    WINDOW = "window"  # occurrences.timestamp: items with an occurrence in the window


@dataclass(frozen=True, repr=False)
class Field:
    name: str
    type: Type
    source: Source
    target: str  # the items column, or the item_facets kind
    help: str
    aliases: tuple[str, ...] = ()
    values: Mapping[str, int] = field(default_factory=dict)  # ENUM: name → stored int
    ordered: bool = False  # ENUM values compare with > and < (level)
    nullable: bool = False  # COLUMN that may be NULL (or "" for text): `_missing_` finds it

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


_STATUS = {s.label: int(s) for s in ItemStatus} | {
    "open": int(ItemStatus.ACTIVE), "fixed": int(ItemStatus.RESOLVED),
    "ignored": int(ItemStatus.MUTED)}
_LEVEL = {lv.label: int(lv) for lv in Level} | {
    "trace": int(Level.DEBUG), "information": int(Level.INFO), "warn": int(Level.WARNING),
    "err": int(Level.ERROR), "fatal": int(Level.CRITICAL)}

C, F = Source.COLUMN, Source.FACET

FIELDS: tuple[Field, ...] = (
    Field("status", Type.ENUM, C, "status", "item status", ("is",), values=_STATUS),
    Field("level", Type.ENUM, C, "level", "item level (ordered: level:>=warning)",
          ("severity",), values=_LEVEL, ordered=True),
    Field("environment", Type.TEXT, C, "environment", "the item's environment", ("env",)),
    Field("title", Type.PHRASE, C, "title", "the item title contains the words"),
    Field("message", Type.PHRASE, C, "title",
          "the message: the title, which holds the exception or log message",
          ("msg", "body", "message_body", "exception_message", "error.message")),
    Field("type", Type.TEXT, C, "exception_class", "exception class of the item",
          ("class", "exception", "exception_class", "error.type"), nullable=True),
    Field("platform", Type.TEXT, C, "platform", "platform", nullable=True),
    Field("framework", Type.TEXT, C, "framework", "framework / SDK name", nullable=True),
    Field("language", Type.TEXT, C, "language", "language", ("language_name",),
          nullable=True),
    Field("fingerprint", Type.EXACT, C, "fingerprint", "the grouping hash", ("hash",)),
    Field("resolved_in_version", Type.TEXT, C, "resolved_in_version",
          "version the item was resolved in", ("version_fixed",), nullable=True),
    Field("id", Type.INT, C, "id", "item id", ("item_id",)),
    Field("counter", Type.INT, C, "counter", "the item's number in its project (#12)",
          ("item", "item_counter")),
    Field("occurrences", Type.INT, C, "total_occurrences", "total occurrences of the item",
          ("total_occurrences", "count")),
    Field("first_seen", Type.DATE, C, "first_occurrence_timestamp", "first occurrence time",
          ("first", "first_occurrence", "first_occurrence_timestamp"), nullable=True),
    Field("last_seen", Type.DATE, C, "last_occurrence_timestamp", "last occurrence time",
          ("last", "last_occurrence", "last_occurrence_timestamp"), nullable=True),
    Field("assigned_user_id", Type.INT, C, "assigned_user_id", "owner's user id",
          ("assigned", "assignee"), nullable=True),
    Field("date", Type.DATE, Source.WINDOW, "timestamp",
          "the item has an occurrence at that time", ("time", "timestamp", "occurred")),
    Field("version", Type.TEXT, Source.VERSION, "version", "a code version the item was seen in",
          ("code_version", "release", "client.version")),
    Field("reference", Type.EXACT, Source.REFERENCE, "uuid",
          "an occurrence uuid / event id / reference id of the item",
          ("uuid", "event_id", "reference_id")),
    Field("host", Type.TEXT, F, kinds.HOST, "server host name (case-insensitive)",
          ("machine", "server", "server_name", "server_host")),
    Field("context", Type.TEXT, F, kinds.CONTEXT, "context / transaction / route",
          ("transaction", "route")),
    Field("person", Type.TEXT, F, kinds.PERSON_ID, "person (user) id",
          ("user", "user_id", "person_id", "person.id", "user.id")),
    Field("email", Type.TEXT, F, kinds.PERSON_EMAIL, "person e-mail (case-insensitive)",
          ("person.email", "user.email")),
    Field("username", Type.TEXT, F, kinds.PERSON_USERNAME, "person user name",
          ("person.username", "user.name", "user.username")),
    Field("tag", Type.TAG, F, kinds.TAG,
          "tag:key=value, tag.key:value, tag:x (a tag named x, or any tag valued x)",
          ("tags",)),
)

BY_NAME: dict[str, Field] = {}
for _f in FIELDS:
    for _n in (_f.name, *_f.aliases):
        assert _n not in BY_NAME, _n
        BY_NAME[_n] = _f
TAG = BY_NAME["tag"]
COUNTER = BY_NAME["counter"]
TAG_PREFIXES = ("tag.", "tags.")


def lookup(name: str) -> tuple[Field, str | None] | None:
    """(field, tag key) for a name as typed (any case; `tag.<key>` carries a key)."""
    lowered = name.lower()
    found = BY_NAME.get(lowered)
    if found is not None:
        return found, None
    for prefix in TAG_PREFIXES:
        if lowered.startswith(prefix) and len(name) > len(prefix):
            return TAG, name[len(prefix):]  # the key keeps its case
    return None


def names() -> list[str]:
    """The canonical field names, for error messages and help."""
    return [f.name for f in FIELDS]


VALID = "valid fields: " + ", ".join(names()) + ", tag.<key>"
