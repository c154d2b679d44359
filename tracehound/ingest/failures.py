"""Why did a digest batch fail: the database's trouble, or something in the batch?

The worker's answer decides what it does next (worker.run_once):

- **transient** (the database's trouble): retry the same batch after a backoff and
  set nothing aside. Retrying is the remedy: the lock is released, the connection comes
  back, the disk is freed, the failover ends. Dead-lettering here would move healthy
  events out of the queue.
- **anything else**: the batch may hold an event the digest cannot store (bad data,
  or a digest bug that only some data triggers), so its events are digested one by one
  (ingest/isolate.py) and only those that fail alone are set aside. A failure that hits
  every event alike (a broken schema, a revoked privilege) is caught there by a canary
  event, so it too keeps the queue intact instead of emptying it into dead_letters.

Transient, by what the driver reports:

- any error SQLAlchemy flagged as a lost connection (`connection_invalidated`), a
  pool timeout or disconnection, OSError and MemoryError;
- PostgreSQL, by SQLSTATE: classes 08 (connection), 40 (serialization failure 40001,
  deadlock 40P01), 53 (disk full, out of memory, too many connections), 57 (admin
  shutdown, cannot connect now, statement timeout), 58 (I/O error); codes 55P03 (lock
  not available: lock_timeout), 55006 (object in use), 25006 (read-only transaction: a
  standby after a failover). Not 54 (program limit exceeded, e.g. an index row too
  big): a value in the batch does that;
- SQLite, by primary result code: BUSY and LOCKED ("database is locked"), NOMEM,
  READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, SCHEMA, NOTADB. Not
  SQLITE_ERROR: "too many SQL variables" is the batch's size, and a missing table is
  caught by the canary;
- a DB-API OperationalError or InterfaceError that carries no code (psycopg's
  client-side "connection lost", "the connection is closed").

Not transient: integrity and data errors (a missing project, a NUL PostgreSQL refuses,
a number out of range), any other SQLSTATE, and every Python exception the digest code
raises (KeyError, ValueError, ...): data made it do that.
"""

from __future__ import annotations

import sqlite3
import traceback

from sqlalchemy import exc as sa_exc

_PG_TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_PG_TRANSIENT_CODES = frozenset({"55P03", "55006", "25006"})
# SQLite primary result codes (the low byte of an extended code)
_SQLITE_TRANSIENT = frozenset({
    5,   # SQLITE_BUSY: "database is locked" past the busy timeout
    6,   # SQLITE_LOCKED: "database table is locked"
    7,   # SQLITE_NOMEM
    8,   # SQLITE_READONLY: file permissions, a read-only mount
    9,   # SQLITE_INTERRUPT
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT: an operator's emergency; keep the events queued
    13,  # SQLITE_FULL: disk full
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    17,  # SQLITE_SCHEMA: the schema changed under a prepared statement
    26,  # SQLITE_NOTADB
})


def is_transient(exc: BaseException) -> bool:
    """True when the database, not the batch, failed: retry the batch later as it is."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (sa_exc.DisconnectionError, sa_exc.TimeoutError, OSError,
                        MemoryError)):
        return True
    orig = exc.orig if isinstance(exc, sa_exc.StatementError) else exc
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    if isinstance(sqlstate, str) and len(sqlstate) == 5:
        return sqlstate[:2] in _PG_TRANSIENT_CLASSES or sqlstate in _PG_TRANSIENT_CODES
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(orig, sqlite3.Error) and isinstance(code, int):
        return code & 0xFF in _SQLITE_TRANSIENT
    if isinstance(orig, sqlite3.OperationalError):  # no code: go by the message
        return "locked" in str(orig)
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError))


def describe(exc: BaseException) -> tuple[str, str]:
    """(error class, message) to store with a dead letter and to log.

    The driver's exception class when SQLAlchemy wrapped one; for an error the digest
    code raised, the message ends with where it was raised. Bound parameters are not in
    the message (engines hide them), only the SQL.
    """
    inner = exc.orig if isinstance(exc, sa_exc.StatementError) and exc.orig else exc
    cls = type(inner)
    name = cls.__qualname__ if cls.__module__ == "builtins" else \
        f"{cls.__module__}.{cls.__qualname__}"
    message = str(exc)
    if not isinstance(exc, sa_exc.StatementError) and exc.__traceback__ is not None:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        path = last.filename.replace("\\", "/")
        where = "tracehound/" + path.rsplit("/tracehound/", 1)[1] \
            if "/tracehound/" in path else path
        message = f"{message} (raised at {where}:{last.lineno} in {last.name})"
    return name, message
