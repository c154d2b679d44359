"""RQL's virtual tables and their fixed columns (rollbar-api.md §9.2).

Kept here rather than in query/fields.py (the search language's catalogue, written at the
same time) so the two can be unified later without one blocking the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["plain", "time", "platform", "framework", "project_id", "project_slug"]
Type = Literal["int", "float", "str"]


@dataclass(frozen=True)
class FixedColumn:
    name: str  # as written in RQL
    table: str  # "occurrences", "items" or "deploys" (store tables), "" for constants
    field: str  # column of that table
    type: Type  # the RQL value's type
    kind: Kind = "plain"  # time: float seconds floored; platform/framework: name → id


def _item(field: str, type_: Type, kind: Kind = "plain", name: str = "") -> FixedColumn:
    return FixedColumn(f"item.{name or field}", "items", field, type_, kind)


ITEM_OCCURRENCE: dict[str, FixedColumn] = {c.name: c for c in (
    _item("id", "int"),
    _item("counter", "int"),
    _item("environment", "str"),
    _item("platform", "int", "platform"),
    _item("framework", "int", "framework"),
    _item("fingerprint", "str", name="hash"),
    _item("first_occurrence_id", "int"),
    _item("first_occurrence_timestamp", "int", "time"),
    _item("activating_occurrence_id", "int"),
    _item("last_activated_timestamp", "int", "time"),
    _item("last_resolved_timestamp", "int", "time"),
    _item("last_muted_timestamp", "int", "time"),
    _item("last_occurrence_id", "int"),
    _item("last_occurrence_timestamp", "int", "time"),
    _item("last_modified_by", "int"),
    _item("assigned_user_id", "int"),
    _item("level", "int"),
    _item("resolved_in_version", "str"),
    _item("status", "int"),
    _item("title", "str"),
    _item("total_occurrences", "int"),
    FixedColumn("occurrence_id", "occurrences", "id", "int"),
    FixedColumn("timestamp", "occurrences", "timestamp", "int", "time"),
    # The stored occurrence uuid (Rollbar's data.uuid, Sentry's event_id): a real column
    # here, so `WHERE uuid = '…'` is answered from the index, not by decoding payloads.
    FixedColumn("uuid", "occurrences", "uuid", "str"),
    FixedColumn("project_id", "", "", "int", "project_id"),
    FixedColumn("project_slug", "", "", "str", "project_slug"),
)}

DEPLOY: dict[str, FixedColumn] = {c.name: c for c in (
    FixedColumn("id", "deploys", "id", "int"),
    FixedColumn("user_id", "deploys", "user_id", "int"),
    FixedColumn("environment", "deploys", "environment", "str"),
    FixedColumn("revision", "deploys", "revision", "str"),
    FixedColumn("local_username", "deploys", "local_username", "str"),
    FixedColumn("comment", "deploys", "comment", "str"),
    FixedColumn("status", "deploys", "status", "str"),
    FixedColumn("timestamp", "deploys", "start_time", "int", "time"),
    FixedColumn("project_id", "", "", "int", "project_id"),
    FixedColumn("project_slug", "", "", "str", "project_slug"),
)}

TABLES: dict[str, dict[str, FixedColumn]] = {"item_occurrence": ITEM_OCCURRENCE, "deploy": DEPLOY}
# Tables whose other names are JSON paths into the stored payload.
PAYLOAD_TABLES = frozenset({"item_occurrence"})

# What `SELECT *` lists: the Occurrences tab's columns (guides/rql.md).
STAR: dict[str, tuple[str, ...]] = {
    "item_occurrence": ("occurrence_id", "timestamp", "item.counter", "item.environment",
                        "item.level", "item.status", "item.title", "uuid"),
    "deploy": ("id", "timestamp", "environment", "revision", "local_username", "user_id",
               "comment", "status"),
}

