"""Accounts as the APIs show them (an Exceptionless organization is an account), and
per-project item and occurrence totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from tracehound.store.tables import accounts, items


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    created_at: float


def get_account(conn: Connection, account_id: int) -> AccountRow | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    return None if row is None else AccountRow(int(row.id), row.name, float(row.created_at))


def totals(conn: Connection, project_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """project id → (items, occurrences), one grouped statement over the items table
    (its counters, never the occurrences); projects without items are left out."""
    if not project_ids:
        return {}
    rows = conn.execute(
        select(items.c.project_id, func.count(), func.sum(items.c.total_occurrences))
        .where(items.c.project_id.in_(list(project_ids))).group_by(items.c.project_id))
    return {int(pid): (int(n), int(total or 0)) for pid, n, total in rows}
