"""RQL jobs (rollbar-api.md §9.1): the queue the job runner works from, and its results.

A job is created `new`, claimed by one runner (`running`, with the runner's id and a
heartbeat), and ends `success`, `failed`, `cancelled` or `timed_out`. Every state
change is one conditional UPDATE checked by its row count, so a cancel racing a claim
or a finish, or two runners racing for a job, can never both win.

Results are stored in `result` as `b"j"` + zlib(JSON of the result resource): a
resource of 1000 rows is mostly repeated keys and values and compresses well, and the
API hands it back without knowing the columns.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, exists, func, insert, select, update

from tracehound.store.tables import accounts, rql_jobs

NEW, RUNNING, SUCCESS, FAILED = "new", "running", "success", "failed"
CANCELLED, TIMED_OUT = "cancelled", "timed_out"
ACTIVE = (NEW, RUNNING)
REUSABLE = (NEW, RUNNING, SUCCESS)  # a cached job: same query, no need to run it again
_JSON_ZLIB = b"j"


@dataclass(frozen=True)
class NewJob:
    account_id: int
    project_id: int
    query_string: str
    job_hash: str
    now: float


# ---- hashing and results -----------------------------------------------------------------


def normalize(query: str) -> str:
    """The query with runs of whitespace outside quotes made one space, the ends and a
    trailing `;` trimmed: reformatting a query reuses its job, changing a literal does not."""
    out: list[str] = []
    quote: str | None = None
    space = False
    for ch in query.strip().rstrip(";").strip():
        if quote is None and ch.isspace():
            space = True
            continue
        if space:
            out.append(" ")
            space = False
        out.append(ch)
        if quote is None and ch in "'\"`":
            quote = ch
        elif ch == quote:
            quote = None  # a doubled quote closes and reopens: same text either way
    return "".join(out)


def job_hash(project_id: int, query: str) -> str:
    """sha256 of the project and the normalized query: one cache key per project."""
    return hashlib.sha256(f"{project_id}\n{normalize(query)}".encode()).hexdigest()


def pack_result(resource: dict[str, Any]) -> bytes:
    return _JSON_ZLIB + zlib.compress(orjson.dumps(resource, default=str), 6)


def unpack_result(blob: bytes) -> dict[str, Any]:
    if blob[:1] != _JSON_ZLIB:
        raise ValueError(f"unknown result codec {blob[:1]!r}")
    value: dict[str, Any] = orjson.loads(zlib.decompress(blob[1:]))
    return value


def empty_resource(job_id: int, errors: list[str], execution_ms: float = 0.0) -> dict[str, Any]:
    """The result resource of a job that produced no rows (failed, cancelled, timed out)."""
    return {"job_id": job_id, "rows": [], "selectionColumns": [], "columns": [],
            "rowcount": 0, "executionTime": execution_ms, "errors": errors, "warnings": []}


# ---- API side ----------------------------------------------------------------------------


def find_reusable(conn: Connection, project_id: int, hash_: str) -> Row[Any] | None:
    """The newest job of this project and query that did not fail (the cached one)."""
    return conn.execute(
        select(rql_jobs).where(rql_jobs.c.project_id == project_id,
                               rql_jobs.c.job_hash == hash_,
                               rql_jobs.c.status.in_(REUSABLE))
        .order_by(rql_jobs.c.id.desc()).limit(1)
    ).first()


def create(conn: Connection, job: NewJob, *, status: str = NEW,
           errors: list[str] | None = None) -> int:
    """Store a job; with `errors`, one that ends at once (a query refused by check)."""
    job_id = int(conn.execute(insert(rql_jobs).values(
        account_id=job.account_id, project_id=job.project_id, query_string=job.query_string,
        job_hash=job.job_hash, status=status, created_at=job.now, modified_at=job.now,
        finished_at=None if status in ACTIVE else job.now,
    ).returning(rql_jobs.c.id)).scalar_one())
    if errors is not None:
        conn.execute(update(rql_jobs).where(rql_jobs.c.id == job_id)
                     .values(result=pack_result(empty_resource(job_id, errors))))
    return job_id


def get(conn: Connection, job_id: int, *, account_id: int,
        project_id: int | None) -> Row[Any] | None:
    """A job of the account (and of the project, when a project token asks)."""
    stmt = select(rql_jobs).where(rql_jobs.c.id == job_id,
                                  rql_jobs.c.account_id == account_id)
    if project_id is not None:
        stmt = stmt.where(rql_jobs.c.project_id == project_id)
    return conn.execute(stmt).first()


def list_page(conn: Connection, *, account_id: int, project_id: int | None, page: int,
              per_page: int) -> list[Row[Any]]:
    """One page of the account's (or project's) jobs, newest first, without results."""
    cols = [c for c in rql_jobs.c if c.name != "result"]
    stmt = select(*cols).where(rql_jobs.c.account_id == account_id)
    if project_id is not None:
        stmt = stmt.where(rql_jobs.c.project_id == project_id)
    return list(conn.execute(stmt.order_by(rql_jobs.c.id.desc())
                             .limit(per_page).offset((page - 1) * per_page)).all())


def cancel(conn: Connection, job_id: int, now: float) -> bool:
    """`new` or `running` → `cancelled`; False when the job had already ended. A runner
    holding it notices at its next heartbeat and stops the query."""
    return bool(conn.execute(
        update(rql_jobs).where(rql_jobs.c.id == job_id, rql_jobs.c.status.in_(ACTIVE))
        .values(status=CANCELLED, finished_at=now, modified_at=now)
    ).rowcount)


# ---- runner side -------------------------------------------------------------------------


def has_new(conn: Connection) -> bool:
    """Whether any job waits (a read, so an idle runner's poll takes no write lock)."""
    return bool(conn.execute(select(exists().where(rql_jobs.c.status == NEW))).scalar())


def claim_next(conn: Connection, runner_id: str, now: float, *, max_per_account: int,
               postgresql: bool) -> Row[Any] | None:
    """Mark the oldest `new` job of an account below its limit `running` for this runner.

    SQLite: the caller's BEGIN IMMEDIATE makes claims one at a time. PostgreSQL: the
    candidate is locked with SKIP LOCKED (runners take different jobs) and the account
    row FOR UPDATE before counting its running jobs, so two processes cannot both take
    an account's last slot.
    """
    full = (select(rql_jobs.c.account_id).where(rql_jobs.c.status == RUNNING)
            .group_by(rql_jobs.c.account_id).having(func.count() >= max_per_account))
    candidate = (select(rql_jobs.c.id, rql_jobs.c.account_id)
                 .where(rql_jobs.c.status == NEW, rql_jobs.c.account_id.not_in(full))
                 .order_by(rql_jobs.c.id).limit(1))
    if postgresql:
        candidate = candidate.with_for_update(skip_locked=True, of=rql_jobs)
    row = conn.execute(candidate).first()
    if row is None:
        return None
    if postgresql:
        conn.execute(select(accounts.c.id).where(accounts.c.id == row.account_id)
                     .with_for_update())
        running = conn.execute(select(func.count()).select_from(rql_jobs).where(
            rql_jobs.c.account_id == row.account_id, rql_jobs.c.status == RUNNING)
        ).scalar_one()
        if running >= max_per_account:
            return None
    taken = conn.execute(
        update(rql_jobs).where(rql_jobs.c.id == row.id, rql_jobs.c.status == NEW)
        .values(status=RUNNING, claimed_by=runner_id, started_at=now, heartbeat_at=now,
                modified_at=now)
    ).rowcount
    if not taken:
        return None
    return conn.execute(select(rql_jobs).where(rql_jobs.c.id == row.id)).first()


def heartbeat(conn: Connection, job_id: int, runner_id: str, now: float) -> bool:
    """Record that the runner is alive; False when the job is no longer its to run
    (cancelled by the API, or failed as stale)."""
    return bool(conn.execute(
        update(rql_jobs).where(rql_jobs.c.id == job_id, rql_jobs.c.claimed_by == runner_id,
                               rql_jobs.c.status == RUNNING)
        .values(heartbeat_at=now)
    ).rowcount)


def finish(conn: Connection, job_id: int, runner_id: str, *, status: str,
           resource: dict[str, Any], now: float) -> bool:
    """End a running job with its result; False (nothing written) if it was cancelled."""
    return bool(conn.execute(
        update(rql_jobs).where(rql_jobs.c.id == job_id, rql_jobs.c.claimed_by == runner_id,
                               rql_jobs.c.status == RUNNING)
        .values(status=status, result=pack_result(resource), finished_at=now,
                modified_at=now)
    ).rowcount)


def any_stale(conn: Connection, now: float, stale_seconds: float) -> bool:
    """Whether a running job's heartbeat is older than `stale_seconds` (a read)."""
    return bool(conn.execute(select(exists().where(
        rql_jobs.c.status == RUNNING, rql_jobs.c.heartbeat_at < now - stale_seconds))).scalar())


def fail_stale(conn: Connection, now: float, stale_seconds: float) -> list[int]:
    """Fail running jobs whose runner stopped heartbeating (its process died): the
    client sees `failed` with the reason instead of a job running forever."""
    cutoff = now - stale_seconds
    ids = conn.execute(select(rql_jobs.c.id).where(
        rql_jobs.c.status == RUNNING, rql_jobs.c.heartbeat_at < cutoff)).scalars().all()
    failed = []
    for job_id in ids:
        message = (f"the worker running this job stopped responding for more than "
                   f"{stale_seconds:g} seconds; run the query again")
        if conn.execute(
            update(rql_jobs).where(rql_jobs.c.id == job_id, rql_jobs.c.status == RUNNING,
                                   rql_jobs.c.heartbeat_at < cutoff)
            .values(status=FAILED, finished_at=now, modified_at=now,
                    result=pack_result(empty_resource(job_id, [message])))
        ).rowcount:
            failed.append(int(job_id))
    return failed


def prune(conn: Connection, before: float) -> int:
    """Delete jobs (and results) last changed before `before`; running ones stay."""
    return int(conn.execute(delete(rql_jobs).where(
        rql_jobs.c.modified_at < before, rql_jobs.c.status != RUNNING)).rowcount)


def release(conn: Connection, job_id: int, runner_id: str, now: float) -> bool:
    """Hand a running job back to the queue (its runner is shutting down)."""
    return bool(conn.execute(
        update(rql_jobs).where(rql_jobs.c.id == job_id, rql_jobs.c.claimed_by == runner_id,
                               rql_jobs.c.status == RUNNING)
        .values(status=NEW, claimed_by=None, started_at=None, heartbeat_at=None,
                modified_at=now)
    ).rowcount)
