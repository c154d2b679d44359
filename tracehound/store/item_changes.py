"""What a user (or script) changes on an item, and occurrence deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update

from tracehound.errors import InvalidPayload
from tracehound.model.item import ItemStatus
from tracehound.store import db
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


def apply_change(engine: Engine, project_id: int, account_id: int, item_id: int,
                 change: ItemChange, now: float) -> bool:
    """Apply `change` to the project's item; False when there is no such item.

    An owner must belong to the item's account (422 otherwise).
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
        result = conn.execute(update(items).where(
            items.c.id == item_id, items.c.project_id == project_id
        ).values(**_values(change, now)))
        return result.rowcount == 1


def delete_occurrence(engine: Engine, project_id: int, occurrence_id: int) -> bool:
    """Delete one occurrence. Counters and first/last ids are left as they were."""
    with db.writer(engine).begin() as conn:
        result = conn.execute(delete(occurrences).where(
            occurrences.c.id == occurrence_id, occurrences.c.project_id == project_id))
        return result.rowcount == 1
