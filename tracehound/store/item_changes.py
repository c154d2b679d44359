"""What a user (or script) changes on an item, and occurrence deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update

from tracehound.errors import InvalidPayload
from tracehound.model.event import Level
from tracehound.model.item import ItemStatus
from tracehound.store import db, item_history
from tracehound.store.tables import items, occurrences, teams, users


@dataclass
class ItemChange:
    status: ItemStatus | None = None
    resolved_in_version: str | None = None
    level: int | None = None
    title: str | None = None
    assign_user: bool = False
    assigned_user_id: int | None = None
    assign_team: bool = False
    assigned_team_id: int | None = None
    snooze: bool | None = None
    snooze_expires_at: float | None = None


def _values(change: ItemChange, now: float) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if change.status is ItemStatus.RESOLVED:
        # resolving again replaces the version: a plain resolve clears an older one
        values.update(status=int(change.status), last_resolved_timestamp=now,
                      resolved_in_version=change.resolved_in_version)
    elif change.status is ItemStatus.MUTED:
        values.update(status=int(change.status), last_muted_timestamp=now)
    elif change.status is ItemStatus.ACTIVE:
        values.update(status=int(change.status), resolved_in_version=None)
    if change.level is not None:
        values.update(level=change.level, level_lock=True)
    if change.title is not None:
        values.update(title=change.title, title_lock=True)
    if change.assign_user:
        values["assigned_user_id"] = change.assigned_user_id
    if change.assign_team:
        values["assigned_team_id"] = change.assigned_team_id
    if change.snooze is True:
        values.update(snooze_enabled=True, snooze_expires_at=change.snooze_expires_at)
    elif change.snooze is False:
        values.update(snooze_enabled=False, snooze_expires_at=None)
    return values


def _id_text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _history(before: Any, change: ItemChange) -> list[tuple[str, str | None]]:
    """(action, value) for each field the change really changes: resolving a resolved
    item again in the same version, or assigning the same owner, records nothing."""
    h = item_history
    out: list[tuple[str, str | None]] = []
    status = change.status
    if status is ItemStatus.RESOLVED and (
            before.status != int(status)
            or before.resolved_in_version != change.resolved_in_version):
        out.append((h.RESOLVED, change.resolved_in_version))
    elif status is ItemStatus.MUTED and before.status != int(status):
        out.append((h.MUTED, None))
    elif status is ItemStatus.ACTIVE and before.status != int(status):
        out.append((h.REOPENED, None))
    if change.level is not None and change.level != before.level:
        try:
            out.append((h.LEVEL, Level(change.level).label))
        except ValueError:
            out.append((h.LEVEL, str(change.level)))
    if change.title is not None and change.title != before.title:
        out.append((h.TITLE, change.title))
    if change.assign_user and change.assigned_user_id != before.assigned_user_id:
        out.append((h.ASSIGNED, _id_text(change.assigned_user_id))
                   if change.assigned_user_id is not None else (h.UNASSIGNED, None))
    if change.assign_team and change.assigned_team_id != before.assigned_team_id:
        out.append((h.TEAM_ASSIGNED, _id_text(change.assigned_team_id))
                   if change.assigned_team_id is not None else (h.TEAM_UNASSIGNED, None))
    if change.snooze is True:
        expires = change.snooze_expires_at
        out.append((h.SNOOZED, None if expires is None else str(int(expires))))
    elif change.snooze is False and before.snooze_enabled:
        out.append((h.UNSNOOZED, None))
    return out


def apply_change(engine: Engine, project_id: int, account_id: int, item_id: int,
                 change: ItemChange, now: float, *, user_id: int | None = None,
                 source: str = item_history.API) -> bool:
    """Apply `change` to the project's item and record it in the item's history; False
    when there is no such item. The web UI and the Rollbar API both come through here,
    so an item changes the same way whoever changes it.

    An owner must belong to the item's account (422 otherwise). `user_id` is the
    signed-in user who made the change (also kept as `last_modified_by`).
    """
    with db.writer(engine).begin() as conn:
        if change.assigned_user_id is not None and conn.execute(
                select(users.c.id).where(users.c.id == change.assigned_user_id,
                                         users.c.account_id == account_id)).first() is None:
            raise InvalidPayload("assigned_user_id is not a user of this account")
        if change.assigned_team_id is not None and conn.execute(
                select(teams.c.id).where(teams.c.id == change.assigned_team_id,
                                         teams.c.account_id == account_id)).first() is None:
            raise InvalidPayload("assigned_team_id is not a team of this account")
        where = (items.c.id == item_id, items.c.project_id == project_id)
        # the row as it was, held until commit (PostgreSQL; SQLite's writer is alone),
        # so the history says what this change changed even with a digest racing it
        before = conn.execute(
            select(items.c.status, items.c.resolved_in_version, items.c.level,
                   items.c.title, items.c.assigned_user_id, items.c.assigned_team_id,
                   items.c.snooze_enabled).where(*where).with_for_update()).first()
        if before is None:
            return False
        values = _values(change, now)
        if user_id is not None:
            values["last_modified_by"] = user_id
        conn.execute(update(items).where(*where).values(**values))
        item_history.record(conn, project_id, item_id, _history(before, change), now=now,
                            user_id=user_id, source=source)
        return True


def delete_occurrence(engine: Engine, project_id: int, occurrence_id: int) -> bool:
    """Delete one occurrence. Counters and first/last ids are left as they were."""
    with db.writer(engine).begin() as conn:
        result = conn.execute(delete(occurrences).where(
            occurrences.c.id == occurrence_id, occurrences.c.project_id == project_id))
        return result.rowcount == 1
