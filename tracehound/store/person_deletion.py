"""Person deletion jobs (rollbar-api.md §15): one tracked person removed from every
project of an account, asked for through the API and carried out by the digest worker
(ingest/person_jobs.py) one bounded step at a time.

A job goes through three phases, its position kept in `progress` so that a crash
loses at most one uncommitted step:

1. `queue`: events received before the request may still sit in the ingest queue;
   wait (at most QUEUE_WAIT_SECONDS) until the digest has stored them, else they would
   bring the person back after the scan. Then resolve the person ids the request
   names in each project (`people` rows), delete those rows, and note the highest
   occurrence id: everything received before the request is at or below it.
2. `scrub`: walk the account's occurrences by id, at most CHUNK_ROWS rows and
   CHUNK_IDS ids a step, and strip the person from each occurrence that carries them.
   There is no person index on occurrences, so the walk reads every occurrence of the
   account once: honest, bounded per step, resumable from the cursor.
3. `done`: delete `people` rows again (late digests), blank the requested value
   (the job must not itself keep the personal data it deleted), state `success`.

Each step runs in one transaction with the job row locked (FOR UPDATE SKIP LOCKED on
PostgreSQL, the single writer on SQLite), so two workers never step one job at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.sql import ColumnElement

from tracehound.model.event import Event, encode, pack_data, unpack_data
from tracehound.store import codec, facets
from tracehound.store.tables import (
    ingest_queue,
    item_facets,
    occurrences,
    people,
    person_delete_jobs,
    projects,
)

FIELDS = ("person_id", "username", "email")
RUNNABLE = ("new", "running")
CHUNK_ROWS = 500  # occurrences decoded (and maybe rewritten) per step
CHUNK_IDS = 5000  # ids walked per step, so accounts sharing a database stay bounded
QUEUE_WAIT_SECONDS = 600.0
MAX_FAILURES = 5  # consecutive failed steps before a job is marked failed
COUNTERS = ("projects", "people_deleted", "occurrences_total", "occurrences_scanned",
            "occurrences_scrubbed", "occurrences_unreadable")


@dataclass(frozen=True)
class Job:
    id: int
    account_id: int
    field: str
    value: str
    state: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    progress: dict[str, Any]
    error: str | None


def _job(row: Any) -> Job:
    return Job(row.id, row.account_id, row.field, row.value, row.state, row.created_at,
               row.started_at, row.finished_at, json.loads(row.progress or "{}"), row.error)


def create_job(conn: Connection, account_id: int, field: str, value: str,
               now: float) -> int:
    """A new job in state `new`; the worker picks it up."""
    if field not in FIELDS:
        raise ValueError(f"unknown person field {field!r}")
    progress = {"phase": "queue", **dict.fromkeys(COUNTERS, 0)}
    result = conn.execute(insert(person_delete_jobs).values(
        account_id=account_id, field=field, value=value, state="new", created_at=now,
        progress=json.dumps(progress)).returning(person_delete_jobs.c.id))
    return int(result.scalar_one())


def get_job(conn: Connection, account_id: int, job_id: int) -> Job | None:
    """The job, if it belongs to this account."""
    row = conn.execute(select(person_delete_jobs).where(
        person_delete_jobs.c.id == job_id,
        person_delete_jobs.c.account_id == account_id)).first()
    return None if row is None else _job(row)


def has_runnable(conn: Connection) -> bool:
    return conn.execute(select(person_delete_jobs.c.id).where(
        person_delete_jobs.c.state.in_(RUNNABLE)).limit(1)).first() is not None


def lock_next(conn: Connection, *, skip_locked: bool) -> Job | None:
    """The oldest runnable job, locked for this transaction (PostgreSQL skips jobs
    another worker is stepping; SQLite's write lock already serializes steps)."""
    stmt = select(person_delete_jobs).where(
        person_delete_jobs.c.state.in_(RUNNABLE)).order_by(person_delete_jobs.c.id).limit(1)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    row = conn.execute(stmt).first()
    return None if row is None else _job(row)


def record_failure(conn: Connection, job_id: int, message: str, now: float) -> bool:
    """Count a failed step; after MAX_FAILURES in a row the job fails. True if it did."""
    row = conn.execute(select(person_delete_jobs).where(
        person_delete_jobs.c.id == job_id)).first()
    if row is None or row.state not in RUNNABLE:
        return False
    job = _job(row)
    failures = int(job.progress.get("failures", 0)) + 1
    progress = {**job.progress, "failures": failures}
    failed = failures >= MAX_FAILURES
    values: dict[str, Any] = {"progress": json.dumps(progress)}
    if failed:
        values.update(state="failed", finished_at=now, error=message[:1000])
    conn.execute(update(person_delete_jobs).where(person_delete_jobs.c.id == job_id)
                 .values(**values))
    return failed


# ---- one step -------------------------------------------------------------------------


def step(conn: Connection, job: Job, now: float, *, lock_rows: bool) -> str:
    """Advance a locked job by one bounded step: "waiting" (for the ingest queue),
    "progress", or "done". `lock_rows` takes row locks on what it rewrites (PostgreSQL)."""
    progress = dict(job.progress)
    progress["failures"] = 0
    values: dict[str, Any] = {}
    if job.state == "new":
        values.update(state="running", started_at=now)
    project_ids = _account_projects(conn, job.account_id)
    outcome = "progress"
    if progress.get("phase", "queue") == "queue":
        waited = now - job.created_at
        if waited < QUEUE_WAIT_SECONDS and _queued_before(conn, project_ids, job.created_at):
            outcome = "waiting"
        else:
            _start_scrub(conn, job, project_ids, progress, lock_rows)
            progress["queue_wait_timed_out"] = waited >= QUEUE_WAIT_SECONDS
    if progress.get("phase") == "scrub":
        _scrub_chunk(conn, job, project_ids, progress, lock_rows)
        if progress["cursor"] >= progress["end_id"]:
            progress["people_deleted"] += _delete_people(conn, job, project_ids,
                                                         _person_ids(progress), lock_rows)
            progress["phase"] = "done"
            progress.pop("person_ids", None)  # personal data: not kept past the job
            values.update(state="success", finished_at=now, value="")
            outcome = "done"
    values["progress"] = json.dumps(progress)
    conn.execute(update(person_delete_jobs).where(person_delete_jobs.c.id == job.id)
                 .values(**values))
    return outcome


def _account_projects(conn: Connection, account_id: int) -> list[int]:
    """Every project of the account, whatever its status: a disabled or deleted
    project's stored occurrences still hold the person."""
    return [r.id for r in conn.execute(
        select(projects.c.id).where(projects.c.account_id == account_id)
        .order_by(projects.c.id))]


def _queued_before(conn: Connection, project_ids: list[int], when: float) -> bool:
    if not project_ids:
        return False
    return conn.execute(select(ingest_queue.c.id).where(
        ingest_queue.c.project_id.in_(project_ids),
        ingest_queue.c.received_at <= when).limit(1)).first() is not None


def _field_match(job: Job) -> ColumnElement[bool]:
    """`people` rows the request names: exact id/username, email without case."""
    if job.field == "person_id":
        return people.c.person_id == job.value
    if job.field == "username":
        return people.c.username == job.value
    return func.lower(people.c.email) == job.value.lower()


def _start_scrub(conn: Connection, job: Job, project_ids: list[int],
                 progress: dict[str, Any], lock_rows: bool) -> None:
    """Resolve the person in each project, delete their rows, fix the scan's end."""
    found: list[list[Any]] = []
    if project_ids:
        found = [[r.project_id, r.person_id] for r in conn.execute(
            select(people.c.project_id, people.c.person_id).where(
                people.c.project_id.in_(project_ids), _field_match(job)))]
    progress["person_ids"] = found
    progress["projects"] = len(project_ids)
    progress["people_deleted"] += _delete_people(conn, job, project_ids,
                                                 _person_ids(progress), lock_rows)
    end_id, total = 0, 0
    if project_ids:
        end_id = conn.execute(select(func.max(occurrences.c.id))).scalar() or 0
        total = conn.execute(select(func.count()).select_from(occurrences).where(
            occurrences.c.project_id.in_(project_ids),
            occurrences.c.id <= end_id)).scalar() or 0
    progress.update(phase="scrub", cursor=0, end_id=int(end_id), occurrences_total=total)


def _person_ids(progress: dict[str, Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for project_id, person_id in progress.get("person_ids", []):
        out.setdefault(int(project_id), set()).add(str(person_id))
    return out


def _delete_people(conn: Connection, job: Job, project_ids: list[int],
                   person_ids: dict[int, set[str]], lock_rows: bool) -> int:
    """Delete the person's `people` rows: those the request names, and those of the
    person ids it resolved to. Rows are locked in the digest's order (project,
    person) first, so the two never wait on each other in a cycle."""
    if not project_ids:
        return 0
    every_id = {pid for ids in person_ids.values() for pid in ids}
    cond = _field_match(job)
    if every_id:
        cond = cond | people.c.person_id.in_(sorted(every_id))
    stmt = (select(people.c.id, people.c.project_id, people.c.person_id,
                   people.c.username, people.c.email)
            .where(people.c.project_id.in_(project_ids), cond)
            .order_by(people.c.project_id, people.c.person_id))
    if lock_rows:
        stmt = stmt.with_for_update()
    match = Match(job.field, job.value, person_ids)
    rows = [r for r in conn.execute(stmt) if match.hits(
        r.project_id, {"id": r.person_id, "username": r.username, "email": r.email})]
    if rows:
        conn.execute(people.delete().where(people.c.id.in_([r.id for r in rows])))
    _delete_facets(conn, job, project_ids, rows)
    return len(rows)


def _delete_facets(conn: Connection, job: Job, project_ids: list[int],
                   rows: list[Any]) -> None:
    """The person's search facets (person.id / username / email per item) go too."""
    wanted: dict[str, set[str]] = {facets.PERSON_ID: set(), facets.PERSON_USERNAME: set(),
                                   facets.PERSON_EMAIL: set()}
    for r in rows:
        wanted[facets.PERSON_ID].add(r.person_id)
        if r.username:
            wanted[facets.PERSON_USERNAME].add(r.username)
        if r.email:
            wanted[facets.PERSON_EMAIL].add(r.email.lower())
    kind = {"person_id": facets.PERSON_ID, "username": facets.PERSON_USERNAME}.get(
        job.field, facets.PERSON_EMAIL)
    if job.value:
        wanted[kind].add(job.value.lower() if kind == facets.PERSON_EMAIL else job.value)
    f = item_facets
    conds = [and_(f.c.kind == k, f.c.value.in_(sorted(v))) for k, v in wanted.items() if v]
    if conds:
        conn.execute(f.delete().where(f.c.project_id.in_(project_ids), or_(*conds)))


def _scrub_chunk(conn: Connection, job: Job, project_ids: list[int],
                 progress: dict[str, Any], lock_rows: bool) -> None:
    cursor, end_id = int(progress["cursor"]), int(progress["end_id"])
    high = min(cursor + CHUNK_IDS, end_id)
    if not project_ids or cursor >= end_id:
        progress["cursor"] = end_id
        return
    # `project_id + 0`: keeps SQLite (and PostgreSQL) on the primary-key range; with
    # the bare column SQLite walks the (project_id, uuid) index and sorts every chunk.
    stmt = (select(occurrences.c.id, occurrences.c.project_id, occurrences.c.payload)
            .where(occurrences.c.id > cursor, occurrences.c.id <= high,
                   (occurrences.c.project_id + 0).in_(project_ids))
            .order_by(occurrences.c.id).limit(CHUNK_ROWS))
    if lock_rows:
        stmt = stmt.with_for_update()
    rows = conn.execute(stmt).all()
    match = Match(job.field, job.value, _person_ids(progress))
    changed: list[dict[str, Any]] = []
    for row in rows:
        try:
            event = codec.unpack(row.payload)
        except Exception:  # an unreadable row is counted, not fatal to the job
            progress["occurrences_unreadable"] += 1
            continue
        scrubbed = match.scrub(row.project_id, event)
        if scrubbed is not None:
            changed.append({"oid": row.id, "new_payload": codec.pack(encode(scrubbed))})
    if changed:
        conn.execute(update(occurrences).where(occurrences.c.id == bindparam("oid"))
                     .values(payload=bindparam("new_payload")), changed)
    progress["occurrences_scanned"] += len(rows)
    progress["occurrences_scrubbed"] += len(changed)
    progress["cursor"] = rows[-1].id if len(rows) == CHUNK_ROWS else high


# ---- matching and scrubbing one occurrence (pure) -------------------------------------


# Where each vendor keeps the person in its stored payload, and the request fields
# that also identify them (Rollbar's `request.user_ip`, Sentry's REMOTE_ADDR).
_VENDOR_PERSON_KEY = {"rollbar": "person", "sentry": "user"}


@dataclass(frozen=True)
class Match:
    """Who a job deletes: the requested field's value, plus the person ids that value
    resolved to in each project (an occurrence may carry only the id)."""

    field: str
    value: str
    person_ids: dict[int, set[str]]

    def _same(self, key: str, value: Any) -> bool:
        if value is None or isinstance(value, (dict, list, bool)):
            return False
        text = str(value)
        if key == "email":
            return text.lower() == self.value.lower()
        return text == self.value

    def hits(self, project_id: int, ident: dict[str, Any]) -> bool:
        """`ident` has id / username / email as the occurrence carried them."""
        key = "id" if self.field == "person_id" else self.field
        if self._same(key, ident.get(key)):
            return True
        pid = ident.get("id")
        return pid is not None and str(pid) in self.person_ids.get(project_id, ())

    def scrub(self, project_id: int, event: Event) -> Event | None:
        """The event without the person, or None when it does not carry them."""
        data = unpack_data(event.data)
        key = _VENDOR_PERSON_KEY.get(event.vendor, "person")
        vendor_person = data.get(key) if isinstance(data, dict) else None
        hit = False
        if event.person is not None:
            hit = self.hits(project_id, msgspec.structs.asdict(event.person))
        if not hit and isinstance(vendor_person, dict):
            hit = self.hits(project_id, vendor_person)
        if not hit:
            return None
        if isinstance(data, dict):
            data.pop(key, None)
            _drop_request_ip(event.vendor, data)
        return msgspec.structs.replace(event, person=None, data=pack_data(data))


def _drop_request_ip(vendor: str, data: dict[str, Any]) -> None:
    """The person's address is as identifying as their email."""
    request = data.get("request")
    if not isinstance(request, dict):
        return
    if vendor == "sentry":
        env = request.get("env")
        if isinstance(env, dict):
            env.pop("REMOTE_ADDR", None)
    else:
        request.pop("user_ip", None)
