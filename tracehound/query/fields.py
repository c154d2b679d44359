"""The queryable fields of items: one catalogue for the search language, and later RQL,
the web UI (help, autocomplete) and alert rules. Pure data: a field's name, aliases,
type and where its values live; query/search.py turns it into SQL.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
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
    BOOL = "bool"  # true / false (flags)
    ID = "id"  # an id as the surface writes it, turned into ours by the compiler's decoder


class Source(enum.Enum):
    COLUMN = "column"  # a column of `items`
    FACET = "facet"  # item_facets rows of one kind (values seen on occurrences)
    VERSION = "version"  # item_versions.version: code versions the item was seen in
    REFERENCE = "reference"  # occurrences.uuid: items having that occurrence
    WINDOW = "window"  # occurrences.timestamp: items with an occurrence in the window
    # Event-level sources: exact per occurrence in an event search (query/event_search),
    # "has such an occurrence" in an item search
    OCCURRENCE = "occurrence"  # a column of `occurrences`
    FIRST = "first"  # the occurrence that created its item (BOOL)
    # Item-level sources for the lifecycle as other trackers name it
    FLAG = "flag"  # BOOL: fixed, hidden, regressed, snoozed, critical (target: which)
    LIFECYCLE = "lifecycle"  # ENUM of open, regressed, snoozed, fixed, ignored, ...
    EVENT_TYPE = "event_type"  # error, log, usage, 404... (see search.event_type)


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


# The event-level fields and lifecycle flags: not part of the default catalogue (whose
# names they would shadow); a surface that wants them names them in its own catalogue.
_FIXED_LIFE = {"open": 1, "regressed": 2, "snoozed": 3, "fixed": 4, "ignored": 5,
               "discarded": 6}
EVENT_ID = Field("event.id", Type.ID, Source.OCCURRENCE, "id", "the event's id")
EVENT_ITEM = Field("event.item", Type.ID, Source.OCCURRENCE, "item_id",
                   "the id of the event's item")
EVENT_PROJECT = Field("event.project", Type.ID, Source.OCCURRENCE, "project_id",
                      "the id of the event's project")
EVENT_REFERENCE = Field("event.reference", Type.EXACT, Source.OCCURRENCE, "reference_id",
                        "the client's reference id of the event", nullable=True)
EVENT_LEVEL = Field("event.level", Type.ENUM, Source.OCCURRENCE, "level",
                    "the event's level (ordered)", values=_LEVEL, ordered=True)
EVENT_DATE = Field("event.date", Type.DATE, Source.OCCURRENCE, "timestamp",
                   "when the event was received")
EVENT_FIRST = Field("event.first", Type.BOOL, Source.FIRST, "first",
                    "true for the event that created its item")
EVENT_TYPE = Field("event.type", Type.TEXT, Source.EVENT_TYPE, "type",
                   "the kind of event: error, log, usage, 404, session...")
LIFECYCLE = Field("lifecycle", Type.ENUM, Source.LIFECYCLE, "status",
                  "open, regressed, snoozed, fixed, ignored (= discarded)",
                  values=_FIXED_LIFE)
FLAGS = {name: Field(name, Type.BOOL, Source.FLAG, name, help_text) for name, help_text in (
    ("fixed", "the item is resolved"),
    ("hidden", "the item is resolved, muted or snoozed"),
    ("regressed", "the item came back after it was resolved"),
    ("snoozed", "the item is snoozed"),
    ("critical", "the item is marked critical"),
)}


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


@dataclass(frozen=True)
class Catalogue:
    """The field names a surface's search language knows: a lookup (name as typed →
    field and tag key, or None) and the hint listing them for error messages."""

    lookup: Callable[[str], tuple[Field, str | None] | None]
    valid: str


DEFAULT = Catalogue(lookup, VALID)
