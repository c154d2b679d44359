"""Bugsnag's list filters (bugsnag-api.md B3) as Tracehound search trees, compiled by
query/ into conditions over items (errors lists) or occurrences (events lists).

Query forms read, all meaning the same:

    filters[<field>][][type]=eq&filters[<field>][][value]=<v>    (B3, in pairs)
    filters[<field>][0][type]=eq&filters[<field>][0][value]=<v>  (indexed)
    filters[<field>][]=<v>   filters[<field>]=<v>                (the dashboard's, eq)

`eq` values of one field are OR-ed, `ne` values exclude (AND-ed); fields are AND-ed.

| field                          | Tracehound                                            |
| error.status                   | open (also regressed), fixed, snoozed, ignored;       |
|                                | `in progress` and `for_review` match no error         |
| error.id                       | the item                                              |
| event.severity                 | error (and critical), warning, info (and debug): the  |
|                                | item's level for errors, the event's for events       |
| app.release_stage              | environment                                           |
| event.class                    | exception class contains (case-insensitive)           |
| event.message, search          | title contains (case-insensitive)                     |
| app.context, user.id,          | a value the item's events carried (exact)             |
| user.email, user.name          |                                                       |
| version.seen_in                | a code version it was seen in (exact; trailing `*`    |
|                                | for a prefix)                                         |
| event.since, event.before      | time bounds: ISO 8601 or relative (`30d`, `24h`,      |
|                                | `15m`); errors: seen since / first seen before;       |
|                                | events: received in [since, before)                   |

Any other field, type or value is 400 naming it: a filter silently ignored would
return the wrong errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from tracehound.errors import BadPayload
from tracehound.protocols.bugsnag import ids
from tracehound.protocols.bugsnag.api_common import parse_time
from tracehound.query import fields
from tracehound.query.errors import SearchError
from tracehound.query.event_search import compile_event_tree
from tracehound.query.fields import Field, Source, Type
from tracehound.query.search import Where, compile_tree
from tracehound.query.search_syntax import And, Node, Not, Or, Term, Text, Value

MAX_FILTERS = 50  # (field, value) pairs in one request
MAX_VALUE = 255
_KEY = re.compile(r"^filters\[([^\[\]]{1,64})\](?:\[(\d{0,3})\])?(?:\[(type|value)\])?$")
_RELATIVE = re.compile(r"^(\d{1,6})([mhd])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400}
TYPES = ("eq", "ne")
STATUSES = {"open": ("open", "regressed"), "fixed": ("fixed",), "snoozed": ("snoozed",),
            "ignored": ("ignored",), "in progress": (), "in_progress": (),
            "for_review": ()}
SEVERITIES = {"error": ("error", "critical"), "warning": ("warning",),
              "info": ("info", "debug")}
TIMES = ("event.since", "event.before")

_F = fields.BY_NAME
_STATUS = replace(fields.LIFECYCLE, name="error.status")
_ERROR_ID = Field("error.id", Type.ID, Source.COLUMN, "id", "the error's id")
_ITEM_SEVERITY = replace(_F["level"], name="event.severity")
_EVENT_SEVERITY = replace(fields.EVENT_LEVEL, name="event.severity")
_CLASS = Field("event.class", Type.PHRASE, Source.COLUMN, "exception_class",
               "the error class contains")
# field → (field for errors lists, field for events lists)
_TEXT_FIELDS: dict[str, tuple[Field, Field]] = {
    name: (replace(f, name=name), replace(f, name=name)) for name, f in (
        ("app.release_stage", _F["environment"]), ("event.message", _F["message"]),
        ("app.context", _F["context"]), ("user.id", _F["person"]),
        ("user.email", _F["email"]), ("user.name", _F["username"]),
        ("version.seen_in", _F["version"]))}
_TEXT_FIELDS["event.class"] = (_CLASS, _CLASS)
_TEXT_FIELDS["error.id"] = (_ERROR_ID, replace(fields.EVENT_ITEM, name="error.id"))
FIELDS = ("error.status", "event.severity", *_TEXT_FIELDS, "search", *TIMES)


@dataclass(frozen=True)
class Filter:
    field: str
    type: str
    value: str


@dataclass(frozen=True)
class Compiled:
    where: Where | None  # None: no condition
    since: float | None
    until: float | None
    nothing: bool  # a filter no error can meet (status `in progress`): an empty list


def _pairs(items: Iterable[tuple[str, str]]) -> list[Filter]:
    """The request's filters; 400 for a malformed one. `[][type]` and `[][value]` are
    paired by position (the n-th type goes with the n-th value), so a client that
    writes all the types first and then all the values (httpx, some query builders)
    means the same as one that interleaves them."""
    short: dict[str, list[str]] = {}  # filters[f]=v, filters[f][]=v
    paired: dict[str, dict[str, list[str]]] = {}  # filters[f][][type|value]
    indexed: dict[str, dict[str, dict[str, str]]] = {}  # filters[f][N][type|value]
    count = 0
    for key, value in items:
        if not key.startswith("filters"):
            continue
        m = _KEY.match(key)
        count += 1
        if m is None:
            raise BadPayload(f"Invalid filter parameter {key[:80]!r}: use "
                             "filters[<field>][][type]=eq&filters[<field>][][value]=<value>.")
        if count > 2 * MAX_FILTERS:
            raise BadPayload(f"Too many filters: at most {MAX_FILTERS}.")
        name, index, part = m.group(1), m.group(2), m.group(3)
        if part is None:
            short.setdefault(name, []).append(value)
        elif index:
            indexed.setdefault(name, {}).setdefault(index, {})[part] = value
        else:
            paired.setdefault(name, {"type": [], "value": []})[part].append(value)
    entries: list[tuple[str, str, str | None]] = []  # (field, type, value)
    for name, values in short.items():
        entries += [(name, "eq", v) for v in values]
    for name, parts in paired.items():
        types, values = parts["type"], parts["value"]
        if len(types) > len(values):
            entries.append((name, types[-1], None))
        entries += [(name, types[i] if i < len(types) else "eq", v)
                    for i, v in enumerate(values)]
    for name, by_index in indexed.items():
        entries += [(name, e.get("type", "eq"), e.get("value")) for e in by_index.values()]
    out = []
    for name, given, text in entries:
        kind = given.strip().lower() or "eq"
        if text is None:
            raise BadPayload(f"filters[{name}] has a type but no value.")
        if kind not in TYPES:
            raise BadPayload(f"Filter type {kind[:20]!r} of {name} is not supported: "
                             "use eq or ne.")
        if len(text) > MAX_VALUE:
            raise BadPayload(f"A value of filters[{name}] is too long (at most "
                             f"{MAX_VALUE} characters).")
        out.append(Filter(name, kind, text))
    if len(out) > MAX_FILTERS:
        raise BadPayload(f"Too many filters: at most {MAX_FILTERS}.")
    return out


def parse(items: Iterable[tuple[str, str]]) -> list[Filter]:
    """The `filters[...]` of a query string (`request.query_params.multi_items()`)."""
    found = _pairs(items)
    for f in found:
        if f.field not in FIELDS:
            raise BadPayload(f"Unknown filter field {f.field[:64]!r}: Tracehound filters on "
                             + ", ".join(FIELDS) + ".")
    return found


def time_value(text: str, name: str, now: float) -> float:
    """An ISO 8601 time, or a relative one (`30d`, `24h`, `15m`: that long ago)."""
    m = _RELATIVE.match(text.strip().lower())
    if m:
        return now - int(m.group(1)) * _UNITS[m.group(2)]
    return parse_time(text, name)


def _term(field: Field, text: str, *, quoted: bool = True) -> Term:
    wildcard = text.endswith("*") and field.source is Source.VERSION
    value = Value(text[:-1] if wildcard else text, 0, quoted=quoted and not wildcard,
                  wildcard=wildcard)
    return Term(field, ":", 0, value)


def _choices(f: Filter, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    key = f.value.strip().lower()
    if key not in table:
        raise BadPayload(f"Invalid value {f.value[:40]!r} for {f.field}: use "
                         + ", ".join(table) + ".")
    return table[key]


def _condition(f: Filter, events: bool) -> Node | None:
    """One filter value's condition (None: it can match nothing)."""
    if f.field == "error.status":
        names = _choices(f, STATUSES)
        return Or(tuple(_term(_STATUS, n) for n in names)) if names else None
    if f.field == "event.severity":
        field = _EVENT_SEVERITY if events else _ITEM_SEVERITY
        return Or(tuple(_term(field, n) for n in _choices(f, SEVERITIES)))
    if f.field == "search":
        return Text(Value(f.value, 0, quoted=True))
    return _term(_TEXT_FIELDS[f.field][1 if events else 0], f.value)


def compile_filters(found: list[Filter], project_ids: tuple[int, ...], *, now: float,
                    events: bool) -> Compiled:
    """The filters as one condition over items (`events` False) or occurrences, and the
    time bounds."""
    since = until = None
    by_field: dict[str, list[Filter]] = {}
    for f in found:
        if f.field in TIMES:
            if f.type != "eq":
                raise BadPayload(f"{f.field} takes eq only.")
            at = time_value(f.value, f"filters[{f.field}]", now)
            if f.field == "event.since":
                since = at if since is None else max(since, at)
            else:
                until = at if until is None else min(until, at)
            continue
        by_field.setdefault(f.field, []).append(f)
    parts: list[Node] = []
    for given in by_field.values():
        if any(f.type == "eq" for f in given):
            matchable = tuple(c for c in (_condition(f, events) for f in given
                                          if f.type == "eq") if c is not None)
            if not matchable:
                return Compiled(None, since, until, nothing=True)
            parts.append(matchable[0] if len(matchable) == 1 else Or(matchable))
        for f in given:
            if f.type == "ne":
                cond = _condition(f, events)
                if cond is not None:
                    parts.append(Not(cond, 0))
    if not parts:
        return Compiled(None, since, until, nothing=False)
    node = parts[0] if len(parts) == 1 else And(tuple(parts))
    try:
        if events:
            where = compile_event_tree(node, "filters", project_ids, now=now,
                                       decode_id=ids.decode)
        else:
            where = compile_tree(node, "filters", project_ids, now=now, decode_id=ids.decode)
    except SearchError as exc:
        raise BadPayload(f"Invalid filter: {exc.reason}.") from None
    return Compiled(where, since, until, nothing=False)
