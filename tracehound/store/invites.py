"""Team invitations (Rollbar API §14): records of who was asked to join which team.

Tracehound sends no mail; an invite is a record the API shows. Inviting an address that
already belongs to a user of the account adds that user to the team at once and records
the invite as accepted.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, insert, select, update

from tracehound.store.tables import access_tokens, invites
from tracehound.store.teams import Page

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"
CANCELED = "canceled"


class Invite(NamedTuple):
    id: int
    team_id: int
    from_user_id: int | None
    to_email: str
    status: str
    date_created: float
    date_redeemed: float | None


def _invite(r: Row[Any]) -> Invite:
    return Invite(r.id, r.team_id, r.from_user_id, r.to_email, r.status, r.date_created,
                  r.date_redeemed)


def token_user_id(conn: Connection, token_id: int) -> int | None:
    """The user an access token was made for, if any (the invite's `from_user_id`)."""
    return conn.execute(
        select(access_tokens.c.user_id).where(access_tokens.c.id == token_id)).scalar()


def create(conn: Connection, *, account_id: int, team_id: int, to_email: str,
           from_user_id: int | None, accepted: bool) -> Invite:
    now = time.time()
    status = ACCEPTED if accepted else PENDING
    redeemed = now if accepted else None
    invite_id = int(conn.execute(insert(invites).values(
        account_id=account_id, team_id=team_id, from_user_id=from_user_id,
        to_email=to_email, status=status, date_created=now, date_redeemed=redeemed,
    ).returning(invites.c.id)).scalar_one())
    return Invite(invite_id, team_id, from_user_id, to_email, status, now, redeemed)


def pending(conn: Connection, team_id: int, to_email: str) -> Invite | None:
    """The open invite of this address to this team, so a resend does not duplicate it."""
    row = conn.execute(select(invites).where(
        invites.c.team_id == team_id, invites.c.to_email == to_email,
        invites.c.status == PENDING).order_by(invites.c.id)).first()
    return None if row is None else _invite(row)


def get(conn: Connection, account_id: int, invite_id: int) -> Invite | None:
    row = conn.execute(select(invites).where(
        invites.c.id == invite_id, invites.c.account_id == account_id)).first()
    return None if row is None else _invite(row)


def list_invites(conn: Connection, account_id: int, page: Page, *, team_id: int | None = None,
                 to_email: str | None = None) -> list[Invite]:
    """Invites of every state, oldest first."""
    if page.past_end:
        return []
    query = select(invites).where(invites.c.account_id == account_id)
    if team_id is not None:
        query = query.where(invites.c.team_id == team_id)
    if to_email is not None:
        query = query.where(invites.c.to_email == to_email)
    rows = conn.execute(query.order_by(invites.c.id).limit(page.limit).offset(page.offset))
    return [_invite(r) for r in rows]


def cancel(conn: Connection, invite_id: int) -> bool:
    """Pending → canceled; False when it was no longer pending (a concurrent change)."""
    done = conn.execute(update(invites).where(
        invites.c.id == invite_id, invites.c.status == PENDING).values(status=CANCELED))
    return done.rowcount == 1
