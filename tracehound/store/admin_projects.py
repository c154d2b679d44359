"""Account-level administration: an account's projects and their access tokens
(Rollbar API §13). Every function is scoped by account so one account can never
read or change another's rows, whatever ids a caller sends.

Deleting a project is a soft delete: its row stays (items and occurrences still point
at it) with status "deleted", its tokens are disabled so ingest and reads stop, and
its name is freed for a new project (Rollbar lets a deleted name be reused, and
Terraform re-creates a destroyed project under the same name).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import IntegrityError

from tracehound.store import projects as project_store
from tracehound.store import tokens as token_store
from tracehound.store.tables import access_tokens, projects, team_projects

DELETED = "deleted"
UNSET = object()  # "leave this field as it is" in set_rate_limit
TOKEN_STATUSES = ("enabled", "disabled")
MAX_TOKEN_NAME = 255  # the column's size; Rollbar documents no limit
MAX_RATE_LIMIT = 2**31 - 2  # stored in 32-bit columns, and counted up to limit + 1


class NameTaken(Exception):
    """Another live project of the account has this name."""


@dataclass(frozen=True)
class ProjectRow:
    id: int
    account_id: int
    name: str
    status: str
    created_at: float
    modified_at: float | None


@dataclass(frozen=True)
class TokenRow:
    id: int
    token: str
    project_id: int
    name: str
    scopes: tuple[str, ...]
    status: str
    rate_limit_window_size: int | None
    rate_limit_window_count: int | None
    created_at: float
    modified_at: float | None


def _project(r: Row[Any]) -> ProjectRow:
    return ProjectRow(r.id, r.account_id, r.name, r.status, r.created_at, r.modified_at)


def _token(r: Row[Any]) -> TokenRow:
    return TokenRow(r.id, r.token, r.project_id, r.name, tuple(r.scopes.split()), r.status,
                    r.rate_limit_window_size, r.rate_limit_window_count, r.created_at,
                    r.modified_at)


# ---- projects ---------------------------------------------------------------------------


def list_projects(conn: Connection, account_id: int) -> list[ProjectRow]:
    """The account's live projects, oldest first (deleted ones are left out)."""
    p = projects.c
    rows = conn.execute(select(projects).where(p.account_id == account_id, p.status != DELETED)
                        .order_by(p.id))
    return [_project(r) for r in rows]


def get_project(conn: Connection, account_id: int, project_id: int, *,
                lock: bool = False) -> ProjectRow | None:
    """A live project of this account; None for unknown, deleted or foreign ones.
    `lock`: hold the row (FOR UPDATE) until the transaction ends."""
    p = projects.c
    query = select(projects).where(
        p.id == project_id, p.account_id == account_id, p.status != DELETED)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else _project(row)


def create_project(conn: Connection, account_id: int,
                   name: str) -> tuple[ProjectRow, dict[str, str]]:
    """A project with Rollbar's four default tokens; NameTaken when a live project of
    the account has the name (checked first, and again by the unique key on a race)."""
    p = projects.c
    taken = conn.execute(select(p.id).where(p.account_id == account_id, p.name == name)).first()
    if taken is not None:
        raise NameTaken(name)
    try:
        with conn.begin_nested():
            project, made = project_store.create_project(conn, account_id, name)
    except IntegrityError:
        raise NameTaken(name) from None
    row = get_project(conn, account_id, project.id)
    assert row is not None
    return row, made


def delete_project(conn: Connection, account_id: int, project_id: int) -> list[str] | None:
    """Soft-delete a live project of this account: status "deleted", name freed, its
    tokens disabled, its team links removed. The disabled token strings are returned
    (for the token cache); None when there was no such project."""
    project = get_project(conn, account_id, project_id, lock=True)
    if project is None:
        return None
    now = time.time()
    conn.execute(update(projects).where(projects.c.id == project_id).values(
        status=DELETED, modified_at=now, name=tombstone(project.name, project_id)))
    t = access_tokens.c
    texts = [r.token for r in conn.execute(select(t.token).where(t.project_id == project_id))]
    conn.execute(update(access_tokens).where(t.project_id == project_id)
                 .values(status="disabled", modified_at=now))
    conn.execute(delete(team_projects).where(team_projects.c.project_id == project_id))
    return texts


def tombstone(name: str, project_id: int) -> str:
    """A deleted project's name: unique (it carries the id), and not one the API accepts
    for a new project (it contains '#'), so it never blocks a name."""
    return f"{name[:200]}#deleted-{project_id}"


# ---- project access tokens ---------------------------------------------------------------


def list_tokens(conn: Connection, project_id: int) -> list[TokenRow]:
    """A project's access tokens, oldest first (personal user tokens excluded)."""
    t = access_tokens.c
    rows = conn.execute(select(access_tokens)
                        .where(t.project_id == project_id, t.user_id.is_(None))
                        .order_by(t.id))
    return [_token(r) for r in rows]


def find_token(conn: Connection, project_id: int, token: str) -> TokenRow | None:
    """One of the project's tokens by its text."""
    t = access_tokens.c
    row = conn.execute(select(access_tokens).where(
        t.project_id == project_id, t.token == token, t.user_id.is_(None))).first()
    return None if row is None else _token(row)


def get_token(conn: Connection, project_id: int, token_id: int) -> TokenRow | None:
    """One of the project's tokens by its id; None for another project's token."""
    t = access_tokens.c
    row = conn.execute(select(access_tokens).where(
        t.id == token_id, t.project_id == project_id, t.user_id.is_(None))).first()
    return None if row is None else _token(row)


def create_token(conn: Connection, *, account_id: int, project_id: int, name: str,
                 scopes: Sequence[str], status: str, window_size: int | None,
                 window_count: int | None) -> TokenRow:
    text = token_store.create_token(
        conn, account_id=account_id, project_id=project_id, name=name, scopes=scopes,
        status=status, rate_limit_window_size=window_size,
        rate_limit_window_count=window_count)
    found = find_token(conn, project_id, text)
    assert found is not None
    return found


def set_rate_limit(conn: Connection, token_id: int, *, window_size: object = UNSET,
                   window_count: object = UNSET) -> None:
    """Change a token's own limit; fields left UNSET keep their value."""
    values: dict[str, object] = {"modified_at": time.time()}
    if window_size is not UNSET:
        values["rate_limit_window_size"] = window_size
    if window_count is not UNSET:
        values["rate_limit_window_count"] = window_count
    conn.execute(update(access_tokens).where(access_tokens.c.id == token_id).values(values))


def set_status(conn: Connection, token_id: int, status: str) -> None:
    """Enable or disable a token (a disabled token is refused everywhere, 403)."""
    if status not in TOKEN_STATUSES:
        raise ValueError(f"status must be one of {TOKEN_STATUSES}")
    conn.execute(update(access_tokens).where(access_tokens.c.id == token_id)
                 .values(status=status, modified_at=time.time()))


def set_scopes(conn: Connection, token_id: int, scopes: Sequence[str]) -> None:
    """Replace a token's scopes (validated by the caller against the scope set)."""
    conn.execute(update(access_tokens).where(access_tokens.c.id == token_id)
                 .values(scopes=" ".join(scopes), modified_at=time.time()))


def delete_token(conn: Connection, token_id: int) -> None:
    """Remove a token for good, with its shared rate-limit windows."""
    conn.execute(delete(access_tokens).where(access_tokens.c.id == token_id))
    token_store.drop_windows(conn, token_id)


def limits_of(rows: Iterable[TokenRow]) -> list[tuple[int, int | None, int | None]]:
    """(id, window size, window count) per token, as the rate limiter takes them."""
    return [(r.id, r.rate_limit_window_size, r.rate_limit_window_count) for r in rows]
