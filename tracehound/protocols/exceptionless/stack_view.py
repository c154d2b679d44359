"""An item as an Exceptionless stack (exceptionless-api.md §12.1), snake_case, nulls
omitted.

| Stack field               | from the item                                          |
| status                    | fixed = resolved; ignored = muted; snoozed = active    |
|                           | and snoozed; regressed = active again after a resolve; |
|                           | else open (query/item_states.lifecycle_of)             |
| type                      | error when it has an exception, else the event type it |
|                           | was grouped by (log, usage, 404...)                    |
| signature_hash            | the grouping hash; signature_info holds the readable   |
|                           | grouping key and its version                           |
| fixed_in_version, date_fixed | resolved_in_version and the resolve time (fixed only) |
| occurrences_are_critical  | items.critical                                         |
| tags                      | the tags its events carried (at most 50)               |
"""

from __future__ import annotations

from typing import Any

from tracehound.protocols.exceptionless import ids
from tracehound.protocols.exceptionless.api_common import drop_nulls, iso
from tracehound.query import item_states

MAX_SIGNATURE_TEXT = 1000


def stack_json(row: Any, *, account_id: int, tags: list[str], now: float) -> dict[str, Any]:
    status = item_states.lifecycle_of(row, now)
    fixed = status == "fixed"
    snoozed = status == "snoozed"
    times = [t for t in (row.created_at, row.last_occurrence_timestamp,
                         row.last_resolved_timestamp, row.last_muted_timestamp) if t]
    return drop_nulls({
        "id": ids.encode(row.id), "organization_id": ids.encode(account_id),
        "project_id": ids.encode(row.project_id),
        "type": item_states.event_type_of(row.exception_class, row.fingerprint_key),
        "status": status,
        "snooze_until_utc": iso(row.snooze_expires_at) if snoozed else None,
        "signature_hash": row.fingerprint,
        "signature_info": {"grouping_version": row.grouping_version,
                           "key": row.fingerprint_key[:MAX_SIGNATURE_TEXT]},
        "fixed_in_version": row.resolved_in_version if fixed else None,
        "date_fixed": iso(row.last_resolved_timestamp) if fixed else None,
        "title": row.title, "total_occurrences": int(row.total_occurrences),
        "first_occurrence": iso(row.first_occurrence_timestamp),
        "last_occurrence": iso(row.last_occurrence_timestamp),
        "occurrences_are_critical": bool(row.critical), "references": [], "tags": tags,
        "duplicate_signature": f"{ids.encode(row.project_id)}:{row.fingerprint}",
        "created_utc": iso(row.created_at), "updated_utc": iso(max(times)),
        "is_deleted": False,
    })


def summary_json(row: Any, *, tags: list[str], now: float) -> dict[str, Any]:
    """`mode=summary`: the lightweight form of stack lists."""
    kind = item_states.event_type_of(row.exception_class, row.fingerprint_key)
    return drop_nulls({
        "id": ids.encode(row.id), "template_key": f"stack-{kind}-summary"
        if kind in ("error", "log") else "stack-summary",
        "data": drop_nulls({"Title": row.title, "Type": row.exception_class}),
        "project_id": ids.encode(row.project_id), "tags": tags or None, "title": row.title,
        "status": item_states.lifecycle_of(row, now),
        "first_occurrence": iso(row.first_occurrence_timestamp),
        "last_occurrence": iso(row.last_occurrence_timestamp),
        "total": int(row.total_occurrences),
    })
