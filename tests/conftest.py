"""Fixtures: a real database per test (SQLite, and PostgreSQL when
TRACEHOUND_TEST_DATABASE_URL is set), the real app on a real port, projects and tokens.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.support import LiveServer, ProjectInfo, make_project, start_server
from tracehound.config import Settings
from tracehound.store import migrate
from tracehound.store.db import build_engine

PG_URL = os.environ.get("TRACEHOUND_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_schema_url(schema: str) -> str:
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return str(url.update_query_dict({"options": f"-csearch_path={schema}"}))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracehound.sqlite3'}"
        return
    schema = "th_" + secrets.token_hex(6)
    admin = build_engine(_pg_schema_url("public"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=str(tmp_path), worker_poll_seconds=0.05,
                    worker_process=False)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = build_engine(settings.resolved_database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The real app (create_app) served by uvicorn on a free local port."""
    with start_server(settings) as live:
        yield live


@pytest.fixture
def project(engine: Engine) -> ProjectInfo:
    return make_project(engine, "app")


@pytest.fixture
def other_project(engine: Engine) -> ProjectInfo:
    return make_project(engine, "other")
