"""Deploys and environments (rollbar-api.md §6, §7).

A deploy names the revision put into an environment. It is created once, may move out
of `started` once (PATCH), and is never deleted. Recording a deploy also records its
environment, as the digest does for an environment's first item.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, union_all, update

from tracehound.store import upsert
from tracehound.store.tables import deploys, environments, items, users

STARTED = "started"
STATUSES = ("started", "succeeded", "failed", "timed_out")
RESOLVED_ITEMS_CAP = 1000  # a deploy's page lists at most this many resolved items


@dataclass(frozen=True)
class NewDeploy:
    project_id: int
    environment: str
    revision: str
    status: str
    local_username: str | None
    user_id: int | None
    comment: str | None
    now: float


class Finish(enum.Enum):
    """What a status change did: changed, or why it could not."""

    CHANGED = "changed"
    MISSING = "missing"
    NOT_STARTED = "not_started"


def user_id_by_username(conn: Connection, account_id: int, username: str) -> int | None:
    """The account's user with this username (the oldest, if several share it)."""
    return conn.execute(
        select(users.c.id).where(users.c.account_id == account_id,
                                 users.c.username == username)
        .order_by(users.c.id).limit(1)
    ).scalar()


def add_environment(conn: Connection, project_id: int, name: str, now: float) -> None:
    """Record an environment; an existing one is left as it is."""
    stmt = upsert.insert(conn, environments).on_conflict_do_nothing()
    conn.execute(stmt, {"project_id": project_id, "name": name, "visible": True,
                        "created_at": now})


def create(conn: Connection, new: NewDeploy) -> int:
    """Store a deploy and its environment; the deploy's id.

    A deploy created in a final status finishes when it starts; a `started` one
    finishes when a PATCH moves it on.
    """
    deploy_id = conn.execute(insert(deploys).values(
        project_id=new.project_id, environment=new.environment, revision=new.revision,
        local_username=new.local_username, user_id=new.user_id, comment=new.comment,
        status=new.status, start_time=new.now,
        finish_time=None if new.status == STARTED else new.now,
    ).returning(deploys.c.id)).scalar_one()
    add_environment(conn, new.project_id, new.environment, new.now)
    return int(deploy_id)


def get(conn: Connection, project_id: int, deploy_id: int) -> Row[Any] | None:
    return conn.execute(
        select(deploys).where(deploys.c.id == deploy_id, deploys.c.project_id == project_id)
    ).first()


def list_page(conn: Connection, project_id: int, *, page: int,
              per_page: int) -> list[Row[Any]]:
    """One page of a project's deploys, newest first."""
    return list(conn.execute(
        select(deploys).where(deploys.c.project_id == project_id)
        .order_by(deploys.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all())


def finish(conn: Connection, project_id: int, deploy_id: int, *, status: str,
           comment: str | None, now: float) -> Finish:
    """Move a `started` deploy to `status` in one conditional UPDATE, so two racing
    PATCHes cannot both change it; `comment` None keeps the stored one."""
    values: dict[str, Any] = {"status": status}
    if status != STARTED:
        values["finish_time"] = now
    if comment is not None:
        values["comment"] = comment
    changed = conn.execute(
        update(deploys).where(deploys.c.id == deploy_id, deploys.c.project_id == project_id,
                              deploys.c.status == STARTED).values(**values)
    ).rowcount
    if changed:
        return Finish.CHANGED
    return Finish.MISSING if get(conn, project_id, deploy_id) is None else Finish.NOT_STARTED


def resolved_items(conn: Connection, project_id: int, revision: str,
                   environment: str) -> list[Any]:
    """Items of the deploy's environment marked resolved in its revision, by counter."""
    return list(conn.execute(
        select(items.c.id, items.c.counter, items.c.title, items.c.environment)
        .where(items.c.project_id == project_id, items.c.environment == environment,
               items.c.resolved_in_version == revision)
        .order_by(items.c.counter).limit(RESOLVED_ITEMS_CAP)
    ).all())


def list_environments(conn: Connection, project_id: int, *, page: int,
                      per_page: int) -> list[Row[Any]]:
    """One page of a project's environments, in the order they were first seen."""
    return list(conn.execute(
        select(environments).where(environments.c.project_id == project_id)
        .order_by(environments.c.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all())


def around(conn: Connection, project_id: int, environment: str, first_seen: float,
           last_seen: float, *, during: int = 5, after: int = 3) -> list[Row[Any]]:
    """The deploys to an item's environment around its life, newest first: the one live
    when it was first seen (the last started at or before), the newest `during` started
    while it occurred, and the first `after` started after it was last seen (a fix is
    likely among them). One statement: three limited range reads of
    ix_deploys_project_env_start, however many deploys the project has."""
    base = select(deploys).where(deploys.c.project_id == project_id,
                                 deploys.c.environment == environment)
    start, newest = deploys.c.start_time, (deploys.c.start_time.desc(), deploys.c.id.desc())
    live = base.where(start <= first_seen).order_by(*newest).limit(1)
    while_seen = base.where(start > first_seen, start <= last_seen).order_by(*newest) \
        .limit(during)
    later = base.where(start > max(first_seen, last_seen)) \
        .order_by(start.asc(), deploys.c.id.asc()).limit(after)
    parts = union_all(*(select(q.subquery()) for q in (live, while_seen, later))).subquery()
    return list(conn.execute(
        select(parts).order_by(parts.c.start_time.desc(), parts.c.id.desc())).all())
