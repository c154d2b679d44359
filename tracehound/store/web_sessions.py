"""Web UI sessions: one row per signed-in browser, keyed by the hash of its cookie."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from tracehound.store.tables import users, web_sessions


@dataclass(frozen=True)
class SessionUser:
    """Who a live session belongs to, and the CSRF token of its forms."""

    session_id: str
    user_id: int
    account_id: int
    email: str
    csrf_token: str


def create(conn: Connection, *, session_id: str, user_id: int, csrf_token: str,
           now: float, expires_at: float) -> None:
    conn.execute(insert(web_sessions).values(
        id=session_id, user_id=user_id, csrf_token=csrf_token, created_at=now,
        expires_at=expires_at))


def lookup(conn: Connection, session_id: str, now: float) -> SessionUser | None:
    """The session's user, or None when there is no such session or it has expired."""
    row = conn.execute(
        select(web_sessions.c.id, web_sessions.c.csrf_token, users.c.id.label("user_id"),
               users.c.account_id, users.c.email)
        .join(users, users.c.id == web_sessions.c.user_id)
        .where(web_sessions.c.id == session_id, web_sessions.c.expires_at > now)
    ).first()
    if row is None:
        return None
    return SessionUser(row.id, int(row.user_id), int(row.account_id), row.email,
                       row.csrf_token)


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def delete_expired(conn: Connection, now: float) -> int:
    """Forget sessions past their expiry (ix_web_sessions_expires_at); rows removed."""
    return conn.execute(delete(web_sessions)
                        .where(web_sessions.c.expires_at <= now)).rowcount or 0
