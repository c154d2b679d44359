"""Personal login tokens: what a user gets for an e-mail and password on an API that
signs in (Exceptionless's `POST /api/v2/auth/login`).

A login token is an ordinary access token (so every protocol's token lookup finds it)
with `user_id` set and no project: it reaches the user's account with read and write,
as the user would. One live login token per user is enough, so signing in again hands
back the same one instead of piling up tokens; signing out deletes it.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from tracehound.model.project import ACCOUNT_TOKEN_SCOPES
from tracehound.store import tokens as token_store
from tracehound.store.tables import access_tokens

NAME = "login"  # access_tokens.name of every login token
SCOPES = tuple(s.value for s in ACCOUNT_TOKEN_SCOPES)


def login_token(conn: Connection, *, user_id: int, account_id: int) -> str:
    """The user's live login token, made when there is none. Call inside a writer
    transaction (it reads, then may write)."""
    t = access_tokens.c
    found = conn.execute(
        select(t.token).where(t.user_id == user_id, t.account_id == account_id,
                              t.project_id.is_(None), t.name == NAME, t.status == "enabled")
        .order_by(t.id.desc()).limit(1)).scalar()
    if found is not None:
        return str(found)
    return token_store.create_token(conn, account_id=account_id, project_id=None, name=NAME,
                                    scopes=SCOPES, user_id=user_id)


def forget(conn: Connection, *, token_id: int, user_id: int) -> bool:
    """Delete one of the user's login tokens (sign out); False when it is not one."""
    t = access_tokens.c
    found = conn.execute(select(t.id).where(t.id == token_id, t.user_id == user_id,
                                            t.name == NAME)).first()
    if found is None:
        return False
    conn.execute(access_tokens.delete().where(t.id == token_id))
    token_store.drop_windows(conn, token_id)
    return True
