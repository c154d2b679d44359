"""Access tokens and users."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Float, Integer, bindparam, case, delete, insert, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

from tracehound.model.project import AccessToken
from tracehound.store import upsert
from tracehound.store.tables import access_tokens, rate_limit_windows, users

if TYPE_CHECKING:
    import psycopg


def new_token() -> str:
    """32 lowercase hex characters: Rollbar's legacy form, a valid Sentry/Bugsnag key."""
    return secrets.token_hex(16)


def create_token(
    conn: Connection,
    *,
    account_id: int,
    project_id: int | None,
    name: str,
    scopes: Iterable[str],
    user_id: int | None = None,
    status: str = "enabled",
    rate_limit_window_size: int | None = None,
    rate_limit_window_count: int | None = None,
) -> str:
    token = new_token()
    conn.execute(insert(access_tokens).values(
        token=token, account_id=account_id, project_id=project_id, user_id=user_id,
        name=name, scopes=" ".join(scopes), created_at=time.time(), status=status,
        rate_limit_window_size=rate_limit_window_size,
        rate_limit_window_count=rate_limit_window_count,
    ))
    return token


def lookup(conn: Connection, token: str) -> AccessToken | None:
    row = conn.execute(select(access_tokens).where(access_tokens.c.token == token)).first()
    if row is None:
        return None
    return AccessToken(
        id=row.id, token=row.token, account_id=row.account_id, project_id=row.project_id,
        name=row.name, scopes=frozenset(row.scopes.split()), enabled=row.status == "enabled",
        rate_limit_window_size=row.rate_limit_window_size,
        rate_limit_window_count=row.rate_limit_window_count, user_id=row.user_id,
    )


def tokens_of(conn: Connection, *, account_id: int, project_id: int | None) -> dict[str, str]:
    """name → token for a project's tokens, or an account's own (project-less) ones."""
    cond = (access_tokens.c.project_id == project_id) if project_id is not None \
        else access_tokens.c.project_id.is_(None)
    rows = conn.execute(
        select(access_tokens.c.name, access_tokens.c.token)
        .where(access_tokens.c.account_id == account_id, cond, access_tokens.c.user_id.is_(None))
        .order_by(access_tokens.c.id)
    )
    return {r.name: r.token for r in rows}


def create_user(
    conn: Connection, *, account_id: int, email: str, password_hash: str
) -> int:
    return int(conn.execute(
        insert(users).values(
            account_id=account_id, email=email.lower(), username=email.split("@")[0],
            password_hash=password_hash, created_at=time.time(),
        ).returning(users.c.id)
    ).scalar_one())


def find_user(conn: Connection, email: str) -> tuple[int, int, str] | None:
    """(user id, account id, password hash) for an email, if such a user exists."""
    row = conn.execute(
        select(users.c.id, users.c.account_id, users.c.password_hash)
        .where(users.c.email == email.lower())
    ).first()
    return None if row is None else (row.id, row.account_id, row.password_hash)


# ---- rate-limit windows shared by every API process (auth/ratelimit.py) --------------


def hit_window(conn: Connection, *, token_id: int, kind: str, size: int, limit: int,
               now: float) -> tuple[float, int, bool]:
    """Count one call in a token's fixed window, atomically: (window start, calls
    counted in it, whether this call was allowed).

    One INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING, so concurrent processes
    serialize on the row and each sees the others' counts. A window that has run out
    restarts at `now`. A call over the limit changes nothing (refused calls are not
    counted, as Rollbar drops them) and returns no row; only then is the window read."""
    params = {"token_id": token_id, "kind": kind, "now": now, "size": size, "limit": limit}
    row = conn.execute(_hit_statement(conn), params).first()
    if row is not None:
        return float(row[0]), int(row[1]), True
    w = rate_limit_windows.c
    start, count = conn.execute(select(w.window_start, w.count).where(
        w.token_id == token_id, w.kind == kind)).one()
    return float(start), int(count), False


_HIT: dict[str, Any] = {}


def _hit_statement(conn: Connection) -> Any:
    """hit_window's statement, built once per dialect: the same object every time
    keeps SQLAlchemy's construction and cache-key work off the per-call path
    (~0.5 ms of CPU per call when rebuilt, measured on PostgreSQL)."""
    stmt = _HIT.get(conn.dialect.name)
    if stmt is None:
        stmt = _HIT[conn.dialect.name] = _build_hit(upsert.insert(conn, rate_limit_windows))
    return stmt


def _build_hit(insert_construct: Any) -> Any:
    w = rate_limit_windows.c
    now = bindparam("now", type_=Float)
    expired = w.window_start + bindparam("size", type_=Float) <= now
    stmt = insert_construct.values(
        token_id=bindparam("token_id"), kind=bindparam("kind"), window_start=now, count=1)
    return stmt.on_conflict_do_update(
        index_elements=[w.token_id, w.kind],
        set_={
            "window_start": case((expired, now), else_=w.window_start),
            "count": case((expired, 1), else_=w.count + 1),
        },
        where=or_(expired, w.count < bindparam("limit", type_=Integer)),
    ).returning(w.window_start, w.count)


class _PgHit:
    """hit_window's statement compiled once for psycopg, and the window read."""

    def __init__(self) -> None:
        dialect = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]
        self.hit = _build_hit(postgresql.insert(rate_limit_windows)).compile(dialect=dialect)
        w = rate_limit_windows.c
        self.read = select(w.window_start, w.count).where(
            w.token_id == bindparam("token_id"), w.kind == bindparam("kind")
        ).compile(dialect=dialect)


_PG: list[_PgHit] = []


async def hit_window_async(conn: psycopg.AsyncConnection[Any], *, token_id: int, kind: str,
                           size: int, limit: int, now: float) -> tuple[float, int, bool]:
    """hit_window on a psycopg async connection in autocommit mode (PostgreSQL): the
    same statement, run from the event loop without a thread (a thread hop cost
    ~0.25 ms of CPU per call, more than the query)."""
    if not _PG:
        _PG.append(_PgHit())
    pg = _PG[0]
    values = {"token_id": token_id, "kind": kind, "now": now, "size": size, "limit": limit}
    cur = await conn.execute(str(pg.hit), pg.hit.construct_params(values))
    row = await cur.fetchone()
    if row is not None:
        return float(row[0]), int(row[1]), True
    cur = await conn.execute(str(pg.read), pg.read.construct_params(
        {"token_id": token_id, "kind": kind}))
    row = await cur.fetchone()
    if row is None:  # the window was deleted with its token meanwhile
        return now, limit, False
    return float(row[0]), int(row[1]), False


def windows_of(conn: Connection, token_ids: Iterable[int],
               kind: str = "own") -> dict[int, tuple[float, int]]:
    """token id → (window start, count) as last stored, live or not."""
    ids = list(token_ids)
    if not ids:
        return {}
    w = rate_limit_windows.c
    rows = conn.execute(select(w.token_id, w.window_start, w.count)
                        .where(w.kind == kind, w.token_id.in_(ids)))
    return {int(tid): (float(start), int(count)) for tid, start, count in rows}


def drop_windows(conn: Connection, token_id: int) -> None:
    """Forget a token's windows (it was deleted; ids can come back on SQLite)."""
    conn.execute(delete(rate_limit_windows).where(rate_limit_windows.c.token_id == token_id))
