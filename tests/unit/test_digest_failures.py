"""Which digest failures are transient (retry the batch as it is) and which may be one
event's fault (digest the batch one by one, set aside what fails alone)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import msgspec
import psycopg
import psycopg.errors
import pytest
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from tracehound.ingest.failures import describe, is_transient
from tracehound.store.db import build_engine, writer


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = build_engine(f"sqlite:///{tmp_path / 'f.sqlite3'}", sqlite_busy_timeout_ms=0)
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (a TEXT NOT NULL, b TEXT NOT NULL)"))
    yield eng
    eng.dispose()


def failure_of(engine: Engine, sql: str) -> BaseException:
    with pytest.raises(Exception) as caught:
        with writer(engine).begin() as conn:
            conn.execute(text(sql), {"secret": "personal-value-42", "big": 2**70})
    return caught.value


def test_sqlite_database_is_locked_is_transient(sqlite_engine: Engine, tmp_path: Path) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = sqlite3.connect(tmp_path / "f.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(10)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        exc = failure_of(sqlite_engine, "INSERT INTO t VALUES ('x', 'y')")
    finally:
        release.set()
        holder.join()
    assert isinstance(exc, sa_exc.OperationalError) and "locked" in str(exc)
    assert is_transient(exc)


def test_sqlite_errors_of_the_data_are_not_transient(sqlite_engine: Engine) -> None:
    integrity = failure_of(sqlite_engine, "INSERT INTO t VALUES (:secret, NULL)")
    assert isinstance(integrity, sa_exc.IntegrityError) and not is_transient(integrity)
    too_big = failure_of(sqlite_engine, "INSERT INTO t VALUES (:big, 'y')")
    assert not is_transient(too_big)  # OverflowError: an int SQLite cannot hold
    # SQLITE_ERROR: not transient; if it hits every event, the canary keeps the queue
    missing = failure_of(sqlite_engine, "INSERT INTO nowhere VALUES (1)")
    assert isinstance(missing, sa_exc.OperationalError) and not is_transient(missing)


def test_described_errors_carry_the_sql_but_never_the_values(sqlite_engine: Engine) -> None:
    integrity = failure_of(sqlite_engine, "INSERT INTO t VALUES (:secret, NULL)")
    name, message = describe(integrity)
    assert name == "sqlite3.IntegrityError"
    assert "NOT NULL constraint failed: t.b" in message and "INSERT INTO t" in message
    assert "personal-value-42" not in message


def _wrapped(orig: Exception, cls: type[sa_exc.DBAPIError] = sa_exc.DBAPIError,
             invalidated: bool = False) -> sa_exc.DBAPIError:
    return cls("INSERT INTO items ...", None, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(("sqlstate", "transient"), [
    ("40P01", True),   # deadlock detected
    ("40001", True),   # serialization failure
    ("55P03", True),   # lock not available (lock_timeout)
    ("08006", True),   # connection failure
    ("53100", True),   # disk full
    ("57P01", True),   # admin shutdown
    ("57014", True),   # statement timeout
    ("58030", True),   # I/O error
    ("25006", True),   # read-only transaction: a standby after a failover
    ("23503", False),  # foreign key violation
    ("23502", False),  # not null violation
    ("23514", False),  # check violation
    ("22P05", False),  # untranslatable character
    ("22003", False),  # numeric value out of range
    ("54000", False),  # program limit exceeded (an index row too big)
    ("42P01", False),  # undefined table: the canary tells it from one event's fault
    ("P0001", False),  # a trigger's RAISE
    ("XX000", False),  # internal error
])
def test_postgresql_by_sqlstate(sqlstate: str, transient: bool) -> None:
    orig = psycopg.errors.lookup(sqlstate)("message")
    assert orig.sqlstate == sqlstate
    cls = sa_exc.OperationalError if isinstance(orig, psycopg.OperationalError) \
        else sa_exc.DBAPIError
    assert is_transient(_wrapped(orig, cls)) is transient


def test_connection_trouble_is_transient() -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    assert is_transient(_wrapped(lost, sa_exc.OperationalError))  # no SQLSTATE
    closed = psycopg.InterfaceError("the connection is closed")
    assert is_transient(_wrapped(closed, sa_exc.InterfaceError))
    data = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    assert not is_transient(_wrapped(data, sa_exc.DataError))
    assert is_transient(_wrapped(data, sa_exc.DataError, invalidated=True))
    assert is_transient(sa_exc.TimeoutError("QueuePool limit reached"))
    assert is_transient(sa_exc.DisconnectionError("gone"))
    assert is_transient(ConnectionResetError())
    assert is_transient(MemoryError())


def test_python_errors_of_the_digest_are_not_transient() -> None:
    for exc in (KeyError(7), ValueError("bad"), TypeError("x"), OverflowError("big"),
                RecursionError(), UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogate"),
                msgspec.ValidationError("Expected `object`, got `int`")):
        assert not is_transient(exc), exc


def test_a_python_error_is_described_with_where_it_was_raised() -> None:
    def resolve(counters: dict[int, int]) -> None:
        counters[99] += 1

    with pytest.raises(KeyError) as caught:
        resolve({})
    name, message = describe(caught.value)
    assert name == "KeyError"
    assert message.startswith("99 (raised at ") and message.endswith(" in resolve)")
    assert "test_digest_failures.py:" in message
    name, _ = describe(msgspec.ValidationError("x"))
    assert name == "msgspec.ValidationError"
