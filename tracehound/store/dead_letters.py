"""Dead letters: queued events the digest could not store even on their own.

The worker moves such an event here (ingest/isolate.py) so the queue behind it goes on;
an operator lists, requeues or purges them (`tracehound dead-letters`). A move is one
statement pair in one transaction: the row leaves one table and enters the other, or
neither happens. The blob is kept byte for byte as it was queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select

from tracehound.store.tables import dead_letters, ingest_queue

# the stored error message; a PostgreSQL error with its SQL is ~1-2 KB
ERROR_LIMIT = 4000


@dataclass(frozen=True)
class DeadLetter:
    id: int
    project_id: int
    received_at: float
    error_class: str
    error: str
    failed_at: float
    attempts: int  # how many times the event failed on its own


def bury(conn: Connection, queue_id: int, *, error_class: str, error: str,
         now: float) -> tuple[int, int] | None:
    """Move a queued event into dead_letters: (dead letter id, project id), or None when
    it is no longer queued (another worker stored or buried it first).

    On PostgreSQL the DELETE waits for a worker that holds the row, then finds it gone
    or takes it: an event is buried once at most.
    """
    q = ingest_queue.c
    row = conn.execute(delete(ingest_queue).where(q.id == queue_id).returning(
        q.project_id, q.received_at, q.event, q.attempts)).first()
    if row is None:
        return None
    dead_id = conn.execute(insert(dead_letters).values(
        project_id=row.project_id, received_at=row.received_at, event=row.event,
        error_class=error_class[:255], error=error[:ERROR_LIMIT], failed_at=now,
        attempts=row.attempts + 1).returning(dead_letters.c.id)).scalar_one()
    return int(dead_id), int(row.project_id)


def count(conn: Connection) -> int:
    """How many events are set aside (read from the project_id index, not the blobs)."""
    return int(conn.execute(select(func.count()).select_from(dead_letters)).scalar_one())


def oldest(conn: Connection, limit: int, after_id: int = 0) -> list[DeadLetter]:
    """Dead letters in id order, from after `after_id`; without their blobs."""
    d = dead_letters.c
    rows = conn.execute(select(d.id, d.project_id, d.received_at, d.error_class, d.error,
                               d.failed_at, d.attempts)
                        .where(d.id > after_id).order_by(d.id).limit(limit))
    return [DeadLetter(r.id, r.project_id, r.received_at, r.error_class, r.error,
                       r.failed_at, r.attempts) for r in rows]


def requeue(conn: Connection, ids: list[int]) -> list[int]:
    """Move these dead letters back to the end of the ingest queue, as they were queued;
    the ids that were moved (an id already requeued or purged is skipped)."""
    if not ids:
        return []
    d = dead_letters.c
    rows = sorted(conn.execute(delete(dead_letters).where(d.id.in_(ids)).returning(
        d.id, d.project_id, d.received_at, d.event, d.attempts)), key=lambda r: r.id)
    if rows:
        conn.execute(insert(ingest_queue), [
            {"project_id": r.project_id, "received_at": r.received_at, "event": r.event,
             "attempts": r.attempts} for r in rows])
    return [int(r.id) for r in rows]


def requeue_through(conn: Connection, last_id: int, limit: int) -> list[int]:
    """Requeue the oldest `limit` dead letters whose id is at most `last_id` (`--all`
    stops at the newest id it saw first: an event that fails again comes back with a
    new id instead of going round for ever)."""
    d = dead_letters.c
    ids = list(conn.execute(select(d.id).where(d.id <= last_id).order_by(d.id)
                            .limit(limit)).scalars())
    return requeue(conn, ids)


def newest_id(conn: Connection) -> int | None:
    return conn.execute(select(func.max(dead_letters.c.id))).scalar()


def purge(conn: Connection, dead_id: int) -> bool:
    """Delete one dead letter for good; False when there is none with that id."""
    result = conn.execute(delete(dead_letters).where(dead_letters.c.id == dead_id))
    return bool(result.rowcount)
