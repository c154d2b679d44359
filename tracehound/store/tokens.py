"""Access tokens and users."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select

from tracehound.model.project import AccessToken
from tracehound.store.tables import access_tokens, users


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
) -> str:
    token = new_token()
    conn.execute(insert(access_tokens).values(
        token=token, account_id=account_id, project_id=project_id, user_id=user_id,
        name=name, scopes=" ".join(scopes), created_at=time.time(),
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
        rate_limit_window_count=row.rate_limit_window_count,
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
