"""Exceptionless's filter field names (exceptionless-api.md §14.2) in Tracehound's search
language: two catalogues, one for event lists and one for stack lists.

Names Exceptionless defines mean what Exceptionless means by them (`type` is the event
type, `stack` a stack id, `status` a stack status...); every other Tracehound search
field (`environment:`, `host:`, `platform:`, `tag.<key>:`...) is accepted as well, as
the issue asks for "Tracehound's search language". Ids are written the Exceptionless
way (24 hex characters).

| name                                   | events                    | stacks                 |
| id                                     | the event                 | the stack              |
| stack                                  | the event's stack         | the stack              |
| project                                | the event's project       | the stack's project    |
| reference                              | the event's reference id  | has such an event      |
| level                                  | the event's level         | the stack's level      |
| date                                   | event received in range   | has an event in range  |
| first                                  | created its stack (bool)  | first occurrence date  |
| last                                   | —                         | last occurrence date   |
| type                                   | event type: error, log, usage, 404, session...     |
| status                                 | open, regressed, snoozed, fixed, ignored, discarded |
| fixed, hidden, regressed, critical, snoozed | stack flags (true/false)                       |
| message, title, source, tag, version, user, user.email, user.name, machine,         |
| error.type, error.message, signature, occurrences, version_fixed, first_occurrence, |
| last_occurrence                        | about the stack (the item search's fields)         |
"""

from __future__ import annotations

import dataclasses

from tracehound.query import fields
from tracehound.query.fields import Field, Source, Type

_F = fields.BY_NAME
STACK_ID = Field("stack", Type.ID, Source.COLUMN, "id", "the stack's id")
STACK_PROJECT = Field("project", Type.ID, Source.COLUMN, "project_id", "the stack's project")

_SHARED: dict[str, Field] = {
    "type": fields.EVENT_TYPE,
    "status": fields.LIFECYCLE,
    **fields.FLAGS,
    "source": _F["context"],
    "tag": _F["tag"], "tags": _F["tag"],
    "version": _F["version"],
    "user": _F["person"], "user.email": _F["email"], "user.name": _F["username"],
    "machine": _F["host"],
    "error.type": _F["type"], "error.message": _F["message"],
    "message": _F["message"], "title": _F["title"],
    "signature": _F["fingerprint"],
    "occurrences": _F["occurrences"],
    "version_fixed": _F["resolved_in_version"],
    "first_occurrence": _F["first_seen"], "last_occurrence": _F["last_seen"],
}
EVENT_NAMES: dict[str, Field] = {
    **_SHARED,
    "id": fields.EVENT_ID, "stack": fields.EVENT_ITEM, "project": fields.EVENT_PROJECT,
    "reference": fields.EVENT_REFERENCE, "level": fields.EVENT_LEVEL,
    "date": fields.EVENT_DATE, "first": fields.EVENT_FIRST,
}
STACK_NAMES: dict[str, Field] = {
    **_SHARED,
    "id": STACK_ID, "stack": STACK_ID, "project": STACK_PROJECT,
    "reference": fields.EVENT_REFERENCE,
    "first": _F["first_seen"], "last": _F["last_seen"],
}


def _catalogue(names: dict[str, Field]) -> fields.Catalogue:
    # each field under the name the user typed, so error messages say `status`, not
    # Tracehound's `lifecycle`
    named = {name: dataclasses.replace(f, name=name) for name, f in names.items()}

    def lookup(name: str) -> tuple[Field, str | None] | None:
        found = named.get(name.lower())
        return (found, None) if found is not None else fields.lookup(name)

    valid = ("valid fields: " + ", ".join(sorted(names)) + ", and Tracehound's: "
             + ", ".join(fields.names()))
    return fields.Catalogue(lookup, valid)


EVENTS = _catalogue(EVENT_NAMES)
STACKS = _catalogue(STACK_NAMES)
