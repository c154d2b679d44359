"""Fixtures: a real database per test (SQLite, and PostgreSQL when
TRACEHOUND_TEST_DATABASE_URL is set), the real app on a real port, projects and tokens.

The migrations run once per session and backend, on a template; each test's `engine`
starts from a copy of it: the SQLite file copied, or on PostgreSQL a schema built by
replaying the statements the migrations executed (built ahead, in a thread, and dropped
after the test there too: tests/pg_schemas.py). Migrating every test's database took
0.1 s of its set-up on SQLite and 0.25-0.5 s on PostgreSQL. The server still runs the
migrations at start-up, as always: a no-op on a copy at head.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from tests.pg_schemas import PgSchemaPool, Statement
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


def _pg_schema_of(url: str) -> str:
    options = make_url(url).query["options"]
    assert isinstance(options, str) and options.startswith("-csearch_path="), url
    return options.removeprefix("-csearch_path=")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """One connection pool for creating, filling and dropping the tests' schemas."""
    admin = build_engine(_pg_schema_url("public"))
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, closed with its WAL checkpointed into it."""
    path = tmp_path_factory.mktemp("template") / "tracehound.sqlite3"
    eng = build_engine(f"sqlite:///{path}")
    migrate.upgrade(eng)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()  # the last connection is closed: SQLite removes the -wal and -shm files
    return path


@pytest.fixture(scope="session")
def pg_migration_sql(pg_admin: Engine) -> list[Statement]:
    """Every statement the migrations execute on an empty PostgreSQL schema, in order,
    recorded while migrating a template schema (dropped afterwards). They name no schema
    (the migrations rely on the search_path), so replayed in another schema they build
    the same store there, whatever branch a migration took (e.g. pg_trgm present)."""
    schema = "th_tmpl_" + secrets.token_hex(6)
    with pg_admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    recorded: list[Statement] = []
    eng = build_engine(_pg_schema_url(schema))

    @event.listens_for(eng, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        assert not executemany, statement
        recorded.append((statement, parameters or None))

    try:
        migrate.upgrade(eng)
    finally:
        eng.dispose()
        with pg_admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    assert any("alembic_version" in s for s, _ in recorded), recorded
    return recorded


@pytest.fixture(scope="session")
def pg_schemas(pg_admin: Engine, pg_migration_sql: list[Statement]) -> Iterator[PgSchemaPool]:
    pool = PgSchemaPool(pg_admin, pg_migration_sql)
    yield pool
    pool.close()


def copy_migrated_template(request: pytest.FixtureRequest, url: str) -> None:
    """Give the new, empty database at `url` the session template's migrated schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = Path(str(parsed.database))
        assert not target.exists(), f"{target} is not a new database"
        shutil.copyfile(template, target)
        return
    pool: PgSchemaPool = request.getfixturevalue("pg_schemas")
    pool.swap_into(_pg_schema_of(url))


@contextmanager
def new_database(request: pytest.FixtureRequest, backend: str,
                 directory: Path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in `directory`, or a new
    PostgreSQL schema (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'tracehound.sqlite3'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    pool: PgSchemaPool = request.getfixturevalue("pg_schemas")
    schema = "th_" + secrets.token_hex(6)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        pool.drop_later(schema)


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(database_url=url, data_dir=str(data_dir), worker_poll_seconds=0.05,
                    worker_process=False)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema."""
    with new_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return settings_for(db_url, tmp_path)


@pytest.fixture
def engine(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test's database, migrated: a copy of the session's template."""
    copy_migrated_template(request, settings.resolved_database_url)
    eng = build_engine(settings.resolved_database_url)
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
