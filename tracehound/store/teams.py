"""Teams, their members and projects, and the account's users (Rollbar API §14).

Every lookup takes the account id, so an id of another account behaves exactly like an
id that does not exist. Each account has two built-in teams, created lazily the first
time the teams API touches the account: `Owners` (the account's first user; reaches
every project) and `Everyone` (every user of the account).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Row, delete, exists, func, insert, select

from tracehound.store import upsert
from tracehound.store.tables import (
    accounts,
    invites,
    projects,
    team_projects,
    team_users,
    teams,
    users,
)

OWNER = "owner"
EVERYONE = "everyone"
BUILTIN_NAMES = {OWNER: "Owners", EVERYONE: "Everyone"}
BUILTIN_LEVELS = (OWNER, EVERYONE)
ACCESS_LEVELS = ("standard", "light", "view")  # the levels a new team may have
MAX_OFFSET = 2**62  # past this no page can hold rows; drivers refuse larger offsets


class Team(NamedTuple):
    id: int
    account_id: int
    name: str
    access_level: str

    @property
    def builtin(self) -> bool:
        return self.access_level in BUILTIN_LEVELS


class User(NamedTuple):
    id: int
    username: str
    email: str
    email_enabled: bool


class UserProject(NamedTuple):
    id: int
    account_id: int
    name: str
    status: str


class Page(NamedTuple):
    limit: int
    offset: int

    @property
    def past_end(self) -> bool:
        return self.offset > MAX_OFFSET


def _team(row: Row[Any]) -> Team:
    return Team(row.id, row.account_id, row.name, row.access_level)


# ---- built-in teams ---------------------------------------------------------------------


def _builtin_ids(conn: Connection, account_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(teams.c.access_level, func.min(teams.c.id).label("id"))
        .where(teams.c.account_id == account_id, teams.c.access_level.in_(BUILTIN_LEVELS))
        .group_by(teams.c.access_level))
    return {r.access_level: int(r.id) for r in rows}


def _users_missing_from(conn: Connection, account_id: int, team_id: int) -> list[int]:
    member = exists().where(team_users.c.team_id == team_id, team_users.c.user_id == users.c.id)
    return list(conn.execute(
        select(users.c.id).where(users.c.account_id == account_id, ~member)
        .order_by(users.c.id)).scalars())


def _first_user(conn: Connection, account_id: int) -> int | None:
    return conn.execute(
        select(func.min(users.c.id)).where(users.c.account_id == account_id)).scalar()


def builtins_ready(conn: Connection, account_id: int) -> bool:
    """Both built-in teams exist, Everyone holds every user, Owners is not empty.

    Cheap read-only check, so the common case never takes a write lock."""
    ids = _builtin_ids(conn, account_id)
    if len(ids) != len(BUILTIN_NAMES):
        return False
    if _users_missing_from(conn, account_id, ids[EVERYONE]):
        return False
    return not (member_count(conn, ids[OWNER]) == 0
                and _first_user(conn, account_id) is not None)


def lock_account(conn: Connection, account_id: int) -> None:
    """Serialize team creation per account (PostgreSQL row lock; SQLite has one writer)."""
    conn.execute(select(accounts.c.id).where(accounts.c.id == account_id).with_for_update())


def ensure_builtins(conn: Connection, account_id: int) -> None:
    """Create the missing built-in teams and fill their members; idempotent."""
    lock_account(conn, account_id)
    ids = _builtin_ids(conn, account_id)
    for level, name in BUILTIN_NAMES.items():
        if level not in ids:
            ids[level] = create_team(conn, account_id, name, level).id
    first = _first_user(conn, account_id)
    if first is not None and member_count(conn, ids[OWNER]) == 0:
        add_member(conn, ids[OWNER], first)
    for user_id in _users_missing_from(conn, account_id, ids[EVERYONE]):
        add_member(conn, ids[EVERYONE], user_id)


# ---- teams ------------------------------------------------------------------------------


def list_teams(conn: Connection, account_id: int, page: Page) -> list[Team]:
    if page.past_end:
        return []
    rows = conn.execute(select(teams).where(teams.c.account_id == account_id)
                        .order_by(teams.c.id).limit(page.limit).offset(page.offset))
    return [_team(r) for r in rows]


def get_team(conn: Connection, account_id: int, team_id: int, *,
             lock: bool = False) -> Team | None:
    """A team of this account; `lock` holds it (FOR SHARE) against a concurrent delete."""
    query = select(teams).where(teams.c.id == team_id, teams.c.account_id == account_id)
    if lock:
        query = query.with_for_update(read=True)
    row = conn.execute(query).first()
    return None if row is None else _team(row)


def find_team(conn: Connection, account_id: int, name: str) -> Team | None:
    """A team by name, ignoring case (names are unique per account that way)."""
    row = conn.execute(select(teams).where(
        teams.c.account_id == account_id,
        func.lower(teams.c.name) == name.lower()).order_by(teams.c.id)).first()
    return None if row is None else _team(row)


def create_team(conn: Connection, account_id: int, name: str, access_level: str) -> Team:
    team_id = int(conn.execute(insert(teams).values(
        account_id=account_id, name=name, access_level=access_level, created_at=time.time(),
    ).returning(teams.c.id)).scalar_one())
    return Team(team_id, account_id, name, access_level)


def delete_team(conn: Connection, team_id: int) -> None:
    """The team with its memberships, project links and invites (of every state)."""
    for table in (team_users, team_projects, invites):
        conn.execute(delete(table).where(table.c.team_id == team_id))
    conn.execute(delete(teams).where(teams.c.id == team_id))


# ---- users ------------------------------------------------------------------------------


def _user(row: Row[Any]) -> User:
    return User(row.id, row.username, row.email, bool(row.email_enabled))


def list_users(conn: Connection, account_id: int, email: str | None = None) -> list[User]:
    query = select(users).where(users.c.account_id == account_id)
    if email is not None:
        query = query.where(users.c.email == email.strip().lower())
    return [_user(r) for r in conn.execute(query.order_by(users.c.id))]


def get_user(conn: Connection, account_id: int, user_id: int) -> User | None:
    row = conn.execute(select(users).where(
        users.c.id == user_id, users.c.account_id == account_id)).first()
    return None if row is None else _user(row)


def teams_of_user(conn: Connection, account_id: int, user_id: int) -> list[Team]:
    rows = conn.execute(
        select(teams).join(team_users, team_users.c.team_id == teams.c.id)
        .where(teams.c.account_id == account_id, team_users.c.user_id == user_id)
        .order_by(teams.c.id))
    return [_team(r) for r in rows]


def projects_of_user(conn: Connection, account_id: int, user_id: int) -> list[UserProject]:
    """Projects reached through the user's teams; Owners reach every project."""
    on_team = select(team_users.c.team_id).where(team_users.c.user_id == user_id)
    linked = select(team_projects.c.project_id).where(team_projects.c.team_id.in_(on_team))
    owner = exists().where(team_users.c.user_id == user_id,
                           team_users.c.team_id == teams.c.id,
                           teams.c.account_id == account_id,
                           teams.c.access_level == OWNER)
    rows = conn.execute(
        select(projects.c.id, projects.c.account_id, projects.c.name, projects.c.status)
        .where(projects.c.account_id == account_id, projects.c.status != "deleted",
               projects.c.id.in_(linked) | owner)
        .order_by(projects.c.id))
    return [UserProject(r.id, r.account_id, r.name, r.status) for r in rows]


# ---- members ----------------------------------------------------------------------------


def member_ids(conn: Connection, team_id: int, page: Page) -> list[int]:
    if page.past_end:
        return []
    return list(conn.execute(
        select(team_users.c.user_id).where(team_users.c.team_id == team_id)
        .order_by(team_users.c.user_id).limit(page.limit).offset(page.offset)).scalars())


def is_member(conn: Connection, team_id: int, user_id: int) -> bool:
    return conn.execute(select(team_users.c.user_id).where(
        team_users.c.team_id == team_id, team_users.c.user_id == user_id)).first() is not None


def member_count(conn: Connection, team_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(team_users)
                            .where(team_users.c.team_id == team_id)).scalar_one())


def add_member(conn: Connection, team_id: int, user_id: int) -> None:
    stmt = upsert.insert(conn, team_users).values(team_id=team_id, user_id=user_id)
    conn.execute(stmt.on_conflict_do_nothing())


def remove_member(conn: Connection, team_id: int, user_id: int) -> None:
    conn.execute(delete(team_users).where(
        team_users.c.team_id == team_id, team_users.c.user_id == user_id))


# ---- projects ---------------------------------------------------------------------------


def project_in_account(conn: Connection, account_id: int, project_id: int, *,
                       lock: bool = False) -> bool:
    """The project exists in this account and is not deleted."""
    query = select(projects.c.id).where(
        projects.c.id == project_id, projects.c.account_id == account_id,
        projects.c.status != "deleted")
    if lock:
        query = query.with_for_update(read=True)
    return conn.execute(query).first() is not None


def team_project_ids(conn: Connection, team: Team, page: Page) -> list[int]:
    """The projects a team reaches: its links, or every project for Owners."""
    if page.past_end:
        return []
    if team.access_level == OWNER:
        query = select(projects.c.id).where(projects.c.account_id == team.account_id)
    else:
        query = select(projects.c.id).join(
            team_projects, team_projects.c.project_id == projects.c.id,
        ).where(team_projects.c.team_id == team.id)
    query = query.where(projects.c.status != "deleted")
    return list(conn.execute(query.order_by(projects.c.id)
                             .limit(page.limit).offset(page.offset)).scalars())


def project_team_ids(conn: Connection, account_id: int, project_id: int, *,
                     builtin: bool) -> list[int]:
    """Teams reaching a project: linked teams, plus Owners (always) when `builtin`."""
    linked = select(team_projects.c.team_id).where(team_projects.c.project_id == project_id)
    cond: ColumnElement[bool] = teams.c.id.in_(linked)
    if builtin:
        cond = cond | (teams.c.access_level == OWNER)
    else:
        cond = cond & teams.c.access_level.not_in(BUILTIN_LEVELS)
    return list(conn.execute(select(teams.c.id).where(teams.c.account_id == account_id, cond)
                             .order_by(teams.c.id)).scalars())


def team_has_project(conn: Connection, team: Team, project_id: int) -> bool:
    if team.access_level == OWNER:
        return True  # the caller has checked the project belongs to the account
    return conn.execute(select(team_projects.c.team_id).where(
        team_projects.c.team_id == team.id,
        team_projects.c.project_id == project_id)).first() is not None


def link_project(conn: Connection, team_id: int, project_id: int) -> None:
    stmt = upsert.insert(conn, team_projects).values(team_id=team_id, project_id=project_id)
    conn.execute(stmt.on_conflict_do_nothing())


def unlink_project(conn: Connection, team_id: int, project_id: int) -> None:
    conn.execute(delete(team_projects).where(
        team_projects.c.team_id == team_id, team_projects.c.project_id == project_id))
