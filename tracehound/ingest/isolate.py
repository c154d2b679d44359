"""After a batch failed for the batch's sake: digest its events one by one, and set
aside (dead-letter) the ones that fail on their own, so one bad event never stalls the
queue behind it.

Each event gets its own write transaction: on PostgreSQL it first takes the event's
queue row again with SKIP LOCKED (the failed batch's locks went with its rollback), so
a second worker that claimed the same rows meanwhile digests each event at most once
between them; on SQLite the transaction holds the write lock. An event that fails
alone is moved from ingest_queue to dead_letters in one more transaction, then logged
once at error level (with its traceback: it may be a digest bug that data triggers).

Per event rather than by halving: simpler, and this path runs only after a failure (a
500-event batch with one bad event costs ~1,000 short transactions, about a second).

The canary: when no event of the batch could be digested alone, the fault may be the
database's or the code's (a missing table, a revoked privilege) rather than the
events'. A known-good event, digested in a transaction that is rolled back, tells the
two apart; if it fails too, nothing is set aside and the worker backs off as for a
transient error.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine

from tracehound import log
from tracehound.ingest import digest, failures, queue
from tracehound.ingest.digest import DigestResult, Prepared
from tracehound.ingest.facets import FacetCache
from tracehound.model.event import (
    Event,
    ExceptionInfo,
    Frame,
    Level,
    Person,
    encode,
    pack_data,
)
from tracehound.store import db, dead_letters, projects

_log = log.get("worker")

# a claimed event: (queue id, what prepare() made of it, or why it could not)
Claimed = tuple[int, Prepared | Exception]


class DigestBroken(Exception):
    """Not even a known-good event can be digested: the database or the code is at
    fault, not the queued events, which stay queued."""


def digest_one_by_one(engine: Engine, claimed: list[Claimed],
                      facet_cache: FacetCache | None) -> DigestResult:
    """Store what can be stored of a failed batch, bury the rest (see module docstring).

    Raises a transient error as soon as one occurs (the events not yet handled stay
    queued for the next round), and DigestBroken when the canary fails.
    """
    result = DigestResult()
    failed: list[tuple[int, Exception]] = []
    stored_alone = digest_failures = 0
    for qid, prepared in claimed:
        if isinstance(prepared, Exception):  # unreadable: no database can help it
            failed.append((qid, prepared))
            continue
        try:
            with db.writer(engine).begin() as conn:
                if not queue.hold(conn, qid):
                    continue  # stored or buried meanwhile, or another worker's now
                one = digest.apply(conn, [prepared], facet_cache)
                queue.remove(conn, [qid])
        except Exception as exc:
            if failures.is_transient(exc):
                raise
            failed.append((qid, exc))
            digest_failures += 1
            continue
        stored_alone += 1
        if facet_cache is not None:
            facet_cache.remember(one.facets)
        _add(result, one)
    if digest_failures and not stored_alone:
        _canary(engine)
    for qid, error in failed:
        bury(engine, qid, error)
    return result


def bury(engine: Engine, queue_id: int, exc: BaseException) -> None:
    """Move one queued event to dead_letters in its own transaction, and say so."""
    error_class, message = failures.describe(exc)
    with db.writer(engine).begin() as conn:
        moved = dead_letters.bury(conn, queue_id, error_class=error_class, error=message,
                                  now=time.time())
    if moved is not None:
        dead_id, project_id = moved
        _log.error("queued event %d of project %d could not be digested and was moved "
                   "to dead letter %d: %s: %s", queue_id, project_id, dead_id, error_class,
                   (message.splitlines() or [""])[0][:300], exc_info=exc)


def _canary(engine: Engine) -> None:
    """Digest a known-good event and roll it back; DigestBroken if that fails too."""
    with engine.connect() as conn:
        project_id = projects.first_project_id(conn)
        conn.rollback()
    if project_id is None:
        return  # no project at all: every queued event is for a missing one
    event = Event(
        project_id=project_id, uuid=f"canary-{uuid.uuid4().hex}", vendor="tracehound",
        environment="tracehound-canary", received_at=time.time(), level=int(Level.ERROR),
        data=pack_data({"canary": True}), message="a known-good event",
        exceptions=[ExceptionInfo("CanaryCheck", "a known-good event",
                                  [Frame("canary.py", 1, method="check")])],
        code_version="1", host="canary", context="canary",
        person=Person("canary", "canary", "canary@example.invalid"),
        tags={"canary": "1"})
    prepared = digest.prepare(encode(event))
    with db.writer(engine).connect() as conn:
        tx = conn.begin()
        try:
            digest.apply(conn, [prepared])
        except Exception as exc:
            _log.error("the digest fails for a known-good event too (%s): the queued "
                       "events stay queued", failures.describe(exc)[0])
            raise DigestBroken(str(exc)) from exc
        finally:
            tx.rollback()


def _add(total: DigestResult, one: DigestResult) -> None:
    total.stored += one.stored
    total.duplicates += one.duplicates
    total.new_items += one.new_items
    total.reactivated_items += one.reactivated_items
    total.facets += one.facets
