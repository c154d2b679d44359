"""Occurrence writes (deduplicated on project + uuid) and reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select, update

from tracehound.store import upsert
from tracehound.store.tables import occurrences


def insert_new(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[int, str], int]:
    """Insert occurrences whose (project, uuid) is new; (project, uuid) → id of those.

    A uuid seen before (an SDK retry, or two workers racing on one resent event) is
    skipped by the unique constraint, and so is not counted twice.
    """
    stored: dict[tuple[int, str], int] = {}
    # One lock order for every worker: two batches holding copies of the same uuids in
    # opposite orders would otherwise wait on each other's uncommitted index entries
    # (a deadlock seen in tests/integration/test_scale_out.py on PostgreSQL).
    rows = sorted(rows, key=lambda r: (r["project_id"], r["uuid"]))
    if not rows:
        return stored
    # executemany: the statement compiles once and is cached; SQLAlchemy packs the rows
    # into multi-row INSERTs ("insertmanyvalues"), so this is one round trip a batch.
    stmt = (
        upsert.insert(conn, occurrences)
        .on_conflict_do_nothing(index_elements=["project_id", "uuid"])
        .returning(occurrences.c.id, occurrences.c.project_id, occurrences.c.uuid)
    )
    for r in conn.execute(stmt, rows):
        stored[(r.project_id, r.uuid)] = r.id
    return stored


def get(conn: Connection, project_id: int, occurrence_id: int) -> Row[Any] | None:
    return conn.execute(
        select(occurrences).where(
            occurrences.c.id == occurrence_id, occurrences.c.project_id == project_id)
    ).first()


def by_uuid(conn: Connection, project_id: int, uuid: str) -> Row[Any] | None:
    return conn.execute(
        select(occurrences).where(
            occurrences.c.project_id == project_id, occurrences.c.uuid == uuid)
    ).first()


def list_page(
    conn: Connection,
    project_id: int,
    *,
    item_id: int | None,
    page: int,
    per_page: int,
    last_id: int | None,
) -> list[Row[Any]]:
    """Newest first; `last_id` pages by id (Rollbar's lastId) and overrides `page`."""
    conds = [occurrences.c.project_id == project_id]
    if item_id is not None:
        conds.append(occurrences.c.item_id == item_id)
    stmt = select(occurrences).where(*conds).order_by(occurrences.c.id.desc()).limit(per_page)
    if last_id is not None:
        stmt = stmt.where(occurrences.c.id < last_id)
    else:
        stmt = stmt.offset((page - 1) * per_page)
    return list(conn.execute(stmt).all())


def item_page(conn: Connection, project_id: int, item_id: int, *, before: int | None = None,
              after: int | None = None, limit: int) -> list[Row[Any]]:
    """Up to `limit` of an item's occurrences, newest first: the newest ones, those just
    older than `before`, or those just newer than `after`. Keyset paging over
    ix_occurrences_item_id (item_id, id), so page 5,000 costs what page 1 does.

    The ORDER BY names item_id too (fixed by the WHERE) so that it matches the index:
    ordered by id alone, PostgreSQL walked the primary key backwards and filtered, reading
    every newer occurrence of the project to find a quiet item's few."""
    c = occurrences.c
    stmt = select(occurrences).where(c.item_id == item_id, c.project_id == project_id)
    if after is not None:
        rows = conn.execute(stmt.where(c.id > after)
                            .order_by(c.item_id.asc(), c.id.asc()).limit(limit)).all()
        return list(reversed(rows))
    if before is not None:
        stmt = stmt.where(c.id < before)
    return list(conn.execute(stmt.order_by(c.item_id.desc(), c.id.desc()).limit(limit)).all())


def by_reference(conn: Connection, project_id: int, reference_id: str,
                 limit: int = 100) -> list[Row[Any]]:
    """The occurrences a client tagged with `reference_id` (Exceptionless's by-ref
    lookup), newest first; served by ix_occurrences_project_reference."""
    return list(conn.execute(
        select(occurrences).where(occurrences.c.project_id == project_id,
                                  occurrences.c.reference_id == reference_id)
        .order_by(occurrences.c.id.desc()).limit(limit)
    ).all())


def replace_payload(conn: Connection, occurrence_id: int, payload: bytes) -> None:
    """Store a new payload for an occurrence (a later addition by the client, such as
    an Exceptionless user description). `payload` is codec.pack() of the event."""
    conn.execute(update(occurrences).where(occurrences.c.id == occurrence_id)
                 .values(payload=payload))
