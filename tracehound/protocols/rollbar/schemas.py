"""Rollbar's response objects, rendered from store rows (unix seconds, string enums)."""

from __future__ import annotations

import time
from typing import Any

from tracehound.model.event import Event, Level, unpack_data
from tracehound.model.item import ItemStatus


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def level_name(value: int) -> str:
    try:
        return Level(value).label
    except ValueError:
        return "error"


def status_name(value: int) -> str:
    try:
        return ItemStatus(value).label
    except ValueError:
        return "active"


def _snooze_status(row: Any) -> str:
    if not row.snooze_enabled:
        return "none"
    if row.snooze_expires_at is not None and row.snooze_expires_at <= time.time():
        return "expired"
    return "snoozed"


def item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "counter": row.counter,
        "environment": row.environment,
        "platform": row.platform or "unknown",
        "framework": row.framework or "unknown",
        "language": row.language or "unknown",
        "hash": row.fingerprint,
        "title": row.title,
        "level": level_name(row.level),
        "level_lock": int(bool(row.level_lock)),
        "title_lock": int(bool(row.title_lock)),
        "status": status_name(row.status),
        "total_occurrences": row.total_occurrences,
        "unique_occurrences": None,
        "first_occurrence_id": row.first_occurrence_id,
        "first_occurrence_timestamp": _ts(row.first_occurrence_timestamp),
        "last_occurrence_id": row.last_occurrence_id,
        "last_occurrence_timestamp": _ts(row.last_occurrence_timestamp),
        "activating_occurrence_id": row.activating_occurrence_id,
        "last_activated_timestamp": _ts(row.last_activated_timestamp),
        "last_resolved_timestamp": _ts(row.last_resolved_timestamp),
        "last_muted_timestamp": _ts(row.last_muted_timestamp),
        "resolved_in_version": row.resolved_in_version,
        "assigned_user_id": row.assigned_user_id,
        "assigned_team_id": row.assigned_team_id,
        "last_modified_by": row.last_modified_by,
        "snooze_status": _snooze_status(row),
        "snooze_expiration_datetime": _ts(row.snooze_expires_at),
        "group_item_id": None,
        "group_status": 1,
        # Tracehound extensions: why occurrences were grouped together
        "grouping_version": row.grouping_version,
        "fingerprint_key": row.fingerprint_key,
    }


def occurrence(row: Any, event: Event, *, with_attachments: bool = False) -> dict[str, Any]:
    out = {
        "id": row.id,
        "project_id": row.project_id,
        "item_id": row.item_id,
        "timestamp": int(row.timestamp),
        "version": 2,
        "billable": 1,
        "data": unpack_data(event.data),
    }
    if with_attachments:  # Tracehound extension: files sent with the event (Sentry)
        out["attachments"] = [
            {"index": i, "filename": a.filename, "content_type": a.content_type,
             "attachment_type": a.attachment_type, "size": len(a.data)}
            for i, a in enumerate(event.attachments)]
    return out
