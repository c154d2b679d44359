"""Accounts and projects."""

from __future__ import annotations

import time

from sqlalchemy import Connection, insert, select

from tracehound.model.project import PROJECT_TOKEN_SCOPES, Project
from tracehound.store import tokens
from tracehound.store.tables import accounts, projects


def create_account(conn: Connection, name: str) -> int:
    return int(conn.execute(
        insert(accounts).values(name=name, created_at=time.time()).returning(accounts.c.id)
    ).scalar_one())


def first_account_id(conn: Connection) -> int | None:
    return conn.execute(select(accounts.c.id).order_by(accounts.c.id).limit(1)).scalar()


def first_project_id(conn: Connection) -> int | None:
    """The lowest project id, deleted or not; None when there is no project."""
    return conn.execute(select(projects.c.id).order_by(projects.c.id).limit(1)).scalar()


def create_project(conn: Connection, account_id: int, name: str) -> tuple[Project, dict[str, str]]:
    """A project with one access token per scope (Rollbar's default set)."""
    project_id = int(conn.execute(
        insert(projects)
        .values(account_id=account_id, name=name, created_at=time.time())
        .returning(projects.c.id)
    ).scalar_one())
    made = {
        scope.value: tokens.create_token(
            conn, account_id=account_id, project_id=project_id, name=scope.value,
            scopes=[scope.value],
        )
        for scope in PROJECT_TOKEN_SCOPES
    }
    return Project(project_id, account_id, name), made


def get_project(conn: Connection, project_id: int) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
    if row is None:
        return None
    return Project(row.id, row.account_id, row.name, row.status)


def find_project(conn: Connection, account_id: int, name: str) -> Project | None:
    row = conn.execute(
        select(projects).where(projects.c.account_id == account_id, projects.c.name == name)
    ).first()
    return None if row is None else Project(row.id, row.account_id, row.name, row.status)
