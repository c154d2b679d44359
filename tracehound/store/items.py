"""Item queries and writes. Writes are set-based: a constant number of statements a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    case,
    func,
    not_,
    or_,
    select,
    tuple_,
    update,
)

from tracehound.model.item import ItemStatus
from tracehound.store import upsert
from tracehound.store.tables import items, projects, users

ItemKey = tuple[int, str, str]  # (project_id, environment, fingerprint hash)


@dataclass(frozen=True)
class NewItem:
    """What a first occurrence decides about the item it creates."""

    key: ItemKey
    fingerprint_key: str
    grouping_version: str
    title: str
    level: int
    platform: str
    framework: str
    language: str
    exception_class: str | None
    created_at: float


@dataclass(frozen=True)
class ItemTouch:
    """One batch's effect on one item, from its newly stored occurrences."""

    item_id: int
    count: int
    first_id: int
    first_ts: float
    last_id: int
    last_ts: float
    title: str  # used only when the occurrence reactivates the item
    reactivate: bool = True  # False: a resolved item stays resolved (resolved_in_version)


ItemState = tuple[int, int, str | None]  # (item id, status, resolved_in_version)


def _select_keys(conn: Connection, keys: Sequence[ItemKey]) -> dict[ItemKey, ItemState]:
    found: dict[ItemKey, ItemState] = {}
    for part in upsert.chunks(list(keys), 300):
        rows = conn.execute(
            select(items.c.id, items.c.project_id, items.c.environment, items.c.fingerprint,
                   items.c.status, items.c.resolved_in_version)
            .where(tuple_(items.c.project_id, items.c.environment, items.c.fingerprint)
                   .in_(part))
        )
        for r in rows:
            found[(r.project_id, r.environment, r.fingerprint)] = (
                r.id, r.status, r.resolved_in_version)
    return found


def resolve(
    conn: Connection, wanted: dict[ItemKey, NewItem]
) -> tuple[dict[ItemKey, ItemState], set[int]]:
    """key → (item id, status before this batch, resolved_in_version), creating the
    missing items; and the ids of the items this call created.

    New items are numbered under a lock on their project rows (taken in id order, so
    two workers cannot deadlock), and only after re-reading under that lock: a worker
    that lost the race finds the other's item instead of wasting a counter.
    """
    found = _select_keys(conn, list(wanted))
    missing = [k for k in wanted if k not in found]
    created: set[int] = set()
    if not missing:
        return found, created
    project_ids = sorted({k[0] for k in missing})
    counters = {
        r.id: r.item_counter
        for r in conn.execute(
            select(projects.c.id, projects.c.item_counter)
            .where(projects.c.id.in_(project_ids))
            .order_by(projects.c.id)
            .with_for_update()
        )
    }
    found.update(_select_keys(conn, missing))
    missing = [k for k in missing if k not in found]
    if not missing:
        return found, created
    rows: list[dict[str, Any]] = []
    for key in missing:
        new = wanted[key]
        counters[key[0]] += 1
        rows.append({
            "project_id": key[0], "environment": key[1], "fingerprint": key[2],
            "fingerprint_key": new.fingerprint_key, "grouping_version": new.grouping_version,
            "counter": counters[key[0]], "title": new.title, "level": new.level,
            "status": int(ItemStatus.ACTIVE), "platform": new.platform,
            "framework": new.framework, "language": new.language,
            "exception_class": new.exception_class, "created_at": new.created_at,
        })
    stmt = upsert.insert(conn, items).on_conflict_do_nothing().returning(
        items.c.id, items.c.project_id, items.c.environment, items.c.fingerprint)
    for r in conn.execute(stmt, rows):  # executemany: compiled once, cached
        found[(r.project_id, r.environment, r.fingerprint)] = (
            r.id, int(ItemStatus.ACTIVE), None)
        created.add(r.id)
    conn.execute(
        update(projects).where(projects.c.id == bindparam("b_id"))
        .values(item_counter=bindparam("b_counter")),
        [{"b_id": pid, "b_counter": c} for pid, c in sorted(counters.items())
         if pid in {k[0] for k in missing}],
    )
    return found, created


_RESOLVED = int(ItemStatus.RESOLVED)
_ACTIVE = int(ItemStatus.ACTIVE)


def apply_touches(conn: Connection, touches: list[ItemTouch]) -> None:
    """Counters, first/last occurrence and the lifecycle, in one executemany UPDATE.

    Every SET expression reads the row as it was before the statement, so the CASEs
    below all see the old status. Rows are updated in id order to keep lock order
    stable across concurrent workers.
    """
    if not touches:
        return
    reactivates = and_(items.c.status == _RESOLVED, bindparam("b_react"))
    stmt = (
        update(items)
        .where(items.c.id == bindparam("b_id"))
        .values(
            total_occurrences=items.c.total_occurrences + bindparam("b_n"),
            first_occurrence_id=func.coalesce(items.c.first_occurrence_id, bindparam("b_fid")),
            first_occurrence_timestamp=func.coalesce(
                items.c.first_occurrence_timestamp, bindparam("b_fts")),
            last_occurrence_id=case(
                (and_(items.c.last_occurrence_id.is_not(None),
                      items.c.last_occurrence_id > bindparam("b_lid")),
                 items.c.last_occurrence_id),
                else_=bindparam("b_lid")),
            last_occurrence_timestamp=case(
                (and_(items.c.last_occurrence_timestamp.is_not(None),
                      items.c.last_occurrence_timestamp > bindparam("b_lts")),
                 items.c.last_occurrence_timestamp),
                else_=bindparam("b_lts")),
            activating_occurrence_id=case(
                (reactivates | items.c.activating_occurrence_id.is_(None), bindparam("b_fid")),
                else_=items.c.activating_occurrence_id),
            last_activated_timestamp=case(
                (reactivates | items.c.last_activated_timestamp.is_(None), bindparam("b_fts")),
                else_=items.c.last_activated_timestamp),
            title=case(
                (and_(reactivates, items.c.title_lock.is_(False)),
                 bindparam("b_title", type_=items.c.title.type)),
                else_=items.c.title),
            status=case((reactivates, _ACTIVE), else_=items.c.status),
        )
    )
    conn.execute(stmt, [
        {"b_id": t.item_id, "b_n": t.count, "b_fid": t.first_id, "b_fts": t.first_ts,
         "b_lid": t.last_id, "b_lts": t.last_ts, "b_title": t.title,
         "b_react": t.reactivate}
        for t in sorted(touches, key=lambda t: t.item_id)
    ])


# ---- reads -------------------------------------------------------------------------


def get(conn: Connection, project_id: int, item_id: int) -> Row[Any] | None:
    return conn.execute(
        select(items).where(items.c.id == item_id, items.c.project_id == project_id)
    ).first()


MAX_COUNTER = 2**31 - 1  # items.counter is a 32-bit INTEGER


def by_counter(conn: Connection, project_id: int, counter: int) -> Row[Any] | None:
    """The project's item with this counter. A counter no item can have is None without
    a query: PostgreSQL would refuse a parameter past the column's range (a 500)."""
    if not 0 < counter <= MAX_COUNTER:
        return None
    return conn.execute(
        select(items).where(items.c.project_id == project_id, items.c.counter == counter)
    ).first()


@dataclass(frozen=True)
class ItemFilter:
    statuses: tuple[int, ...] = ()
    levels: tuple[int, ...] = ()
    environments: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    ids: tuple[int, ...] | None = None  # None: any item; (): none
    # a compiled search query (query.search.compile_filter), opaque to callers
    search: ColumnElement[bool] | None = None
    assigned: bool | None = None  # True: has an owner, False: none
    assigned_user_ids: tuple[int, ...] | None = None
    snoozed: bool | None = None  # True: only snoozed, False: hide snoozed
    now: float = 0.0


# sort name → columns, newest/largest first; each has an index led by project_id
SORTS: dict[str, tuple[Any, ...]] = {
    "last_seen": (items.c.last_occurrence_timestamp,),
    "first_seen": (items.c.first_occurrence_timestamp,),
    "occurrences": (items.c.total_occurrences,),
}


def list_items(
    conn: Connection, project_id: int, flt: ItemFilter, *, page: int, per_page: int,
    sort: str = "last_seen",
) -> tuple[list[Row[Any]], int]:
    """One page of a project's items and the total count; `sort` is a key of SORTS
    (most recently seen first by default), ties broken by newest item.

    A page past the middle is read from the other end (ascending, then reversed): an
    offset walks and skips rows one by one, and with a filter the index does not hold
    (status on the last-seen index) each skipped row is read from the table. Page 1,000
    of 1,300 skips 15,000 rows instead of 50,000 (100,000 items on SQLite: ~3x faster,
    bench/RESULTS.md "Web"). Each dialect's ASC is the exact reverse of its DESC, NULLs
    included (SQLite puts them first, PostgreSQL last)."""
    conds = [items.c.project_id == project_id]
    if flt.statuses:
        conds.append(items.c.status.in_(flt.statuses))
    if flt.levels:
        conds.append(items.c.level.in_(flt.levels))
    if flt.environments:
        conds.append(items.c.environment.in_(flt.environments))
    if flt.frameworks:
        conds.append(items.c.framework.in_(flt.frameworks))
    if flt.ids is not None:
        conds.append(items.c.id.in_(flt.ids))
    if flt.search is not None:
        conds.append(flt.search)
    if flt.assigned is True:
        conds.append(or_(items.c.assigned_user_id.is_not(None),
                         items.c.assigned_team_id.is_not(None)))
    elif flt.assigned is False:
        conds.append(and_(items.c.assigned_user_id.is_(None),
                          items.c.assigned_team_id.is_(None)))
    if flt.assigned_user_ids is not None:
        conds.append(items.c.assigned_user_id.in_(flt.assigned_user_ids))
    if flt.snoozed is not None:
        snoozed = and_(items.c.snooze_enabled.is_(True),
                       or_(items.c.snooze_expires_at.is_(None),
                           items.c.snooze_expires_at > flt.now))
        conds.append(snoozed if flt.snoozed else not_(snoozed))
    total = int(conn.execute(select(func.count()).select_from(items).where(*conds))
                .scalar_one())
    offset = (page - 1) * per_page
    wanted = min(per_page, total - offset)
    if wanted <= 0:
        return [], total
    order = [*SORTS[sort], items.c.id]
    from_end = total - offset - wanted
    if from_end < offset:
        rows = conn.execute(select(items).where(*conds).order_by(*(c.asc() for c in order))
                            .limit(wanted).offset(from_end)).all()
        return list(reversed(rows)), total
    rows = conn.execute(select(items).where(*conds).order_by(*(c.desc() for c in order))
                        .limit(per_page).offset(offset)).all()
    return list(rows), total


def user_ids_by_username(conn: Connection, project_id: int, username: str) -> tuple[int, ...]:
    """Ids of the users of the project's account called `username` (item owners)."""
    account = select(projects.c.account_id).where(projects.c.id == project_id)
    ids = conn.execute(select(users.c.id).where(
        users.c.username == username, users.c.account_id == account.scalar_subquery()))
    return tuple(int(i) for i in ids.scalars())


def set_status(conn: Connection, project_id: int, item_id: int, status: ItemStatus,
               now: float) -> bool:
    """A user's status change (resolve, mute, reopen); False when no such item."""
    values: dict[str, Any] = {"status": int(status)}
    if status is ItemStatus.RESOLVED:
        values["last_resolved_timestamp"] = now
    elif status is ItemStatus.MUTED:
        values["last_muted_timestamp"] = now
    result = conn.execute(update(items).where(
        items.c.id == item_id, items.c.project_id == project_id).values(**values))
    return result.rowcount == 1
