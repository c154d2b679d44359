"""Hostile RQL on a real store (SQLite and PostgreSQL): every attempt to reach another
project, other tables, catalogs, files, to write, to stack statements or to run forever
is refused with a clear RqlError or contained; none returns another project's rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from tests.conftest import BACKENDS, copy_migrated_template, new_database, settings_for
from tests.integration.rql_store import fill, run
from tests.support import LiveServer, ProjectInfo, make_project, start_server
from tracehound.query import rql
from tracehound.store.db import build_engine
from tracehound.store.tables import deploys, items, occurrences


@pytest.fixture
def store(server: LiveServer, engine: Engine, project: ProjectInfo,
          other_project: ProjectInfo) -> Engine:
    fill(server, project, other_project)
    return engine


def table_counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (occurrences, items, deploys))  # type: ignore[return-value]


REFUSED = [
    "SELECT count(*) FROM item_occurrence UNION SELECT count(*) FROM item_occurrence",
    "SELECT * FROM item_occurrence WHERE item.counter IN (SELECT counter FROM items)",
    "SELECT (SELECT max(id) FROM occurrences) FROM item_occurrence",
    "SELECT * FROM occurrences",
    "SELECT * FROM items",
    "SELECT name, sql FROM sqlite_master",
    "SELECT * FROM sqlite_schema",
    "SELECT * FROM main.sqlite_master",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM pg_tables",
    "SELECT * FROM information_schema.tables",
    "SELECT usename, passwd FROM pg_shadow",
    "SELECT pg_read_file('/etc/passwd') FROM item_occurrence",
    "SELECT pg_ls_dir('.') FROM item_occurrence",
    "SELECT load_extension('/tmp/evil.so') FROM item_occurrence",
    "SELECT readfile('/etc/passwd') FROM item_occurrence",
    "SELECT load_file('/etc/passwd') FROM item_occurrence",
    "SELECT current_user FROM item_occurrence",
    "SELECT version() FROM item_occurrence",
    "SELECT database() FROM item_occurrence",
    "SELECT sqlite_version() FROM item_occurrence",
    "SELECT pg_sleep(100) FROM item_occurrence",
    "SELECT sleep(100) FROM item_occurrence",
    "SELECT benchmark(100000000, md5('x')) FROM item_occurrence",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "SELECT 1 FROM item_occurrence; DELETE FROM occurrences",
    "SELECT 1 FROM item_occurrence; ATTACH DATABASE '/tmp/x.db' AS x",
    "DELETE FROM item_occurrence",
    "DELETE FROM occurrences WHERE 1=1",
    "UPDATE items SET title = 'x'",
    "INSERT INTO deploys (id) VALUES (1)",
    "DROP TABLE occurrences",
    "TRUNCATE occurrences",
    "CREATE TABLE x (a int)",
    "PRAGMA writable_schema = 1",
    "COPY occurrences TO '/tmp/x'",
    "SET statement_timeout = 0",
    "SELECT * FROM item_occurrence INTO OUTFILE '/tmp/x'",
    "SELECT a FROM item_occurrence CROSS JOIN item_occurrence",
    "SELECT a FROM item_occurrence, item_occurrence, item_occurrence",
    "SELECT a FROM item_occurrence o JOIN deploy d ON 1=1",
    "SELECT a FROM item_occurrence a JOIN item_occurrence b ON a.timestamp = b.timestamp",
    "SELECT item.project_id FROM item_occurrence",
    "SELECT item.payload FROM item_occurrence",
    "SELECT a FROM item_occurrence WHERE x = ?",
    "SELECT @@datadir FROM item_occurrence",
    "SELECT CAST(item.title AS BLOB) FROM item_occurrence",
    "SELECT item.title COLLATE binary FROM item_occurrence",
    "SELECT count(*) FROM item_occurrence WHERE " + "(" * 100 + "1" + ")" * 100,
    "SELECT count(*) FROM item_occurrence WHERE " + " + ".join(["1"] * 2000) + " > 0",
    "SELECT count(*) FROM item_occurrence WHERE item.counter IN ("
    + ",".join(str(i) for i in range(5000)) + ")",
    "SELECT '" + "x" * 200_000 + "' FROM item_occurrence",
]


def test_refused_with_a_clear_error_and_nothing_changes(store: Engine,
                                                        project: ProjectInfo) -> None:
    before = table_counts(store)
    failures = []
    for query in REFUSED:  # one store for all: building it is the slow part
        try:
            r = run(store, project.id, query)
            failures.append(f"{query[:80]}: answered {r.rows[:3]}")
        except rql.RqlError as e:
            if not e.message or len(e.message) > 1000:
                failures.append(f"{query[:80]}: unclear message {e.message[:100]!r}")
    assert not failures, "\n".join(failures)
    assert table_counts(store) == before


CONTAINED = [  # (query, this project's answer)
    ("SELECT count(*) FROM item_occurrence WHERE project_id = {other} OR 1=1", [[7]]),
    ("SELECT count(*) FROM item_occurrence WHERE project_id = {other}", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE `project_id` != {mine}", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.id > 0 OR project_id <> {mine}",
     [[7]]),
    ("SELECT count(*) FROM item_occurrence -- WHERE project_id = {other}", [[7]]),
    ("SELECT count(*) FROM item_occurrence # ; DROP TABLE occurrences", [[7]]),
    ("SELECT count(*) /* FROM occurrences */ FROM item_occurrence /*! WHERE 1=0 */", [[7]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.title = 'x'' OR ''1''=''1'", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.title = 'x\\' OR 1=1 -- '", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.title = \"x\" OR \"1\" = \"2\"",
     [[0]]),
    ("SELECT `x'); DROP TABLE items; --` FROM item_occurrence LIMIT 1", [[None]]),
    ("SELECT count(*) FROM item_occurrence WHERE `body') OR 1=1 --` IS NOT NULL", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE person.id = 'intruder'", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE custom.n = 1000", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE body.trace.exception.class = 'Secret'",
     [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE occurrence_id IN ({other_occ})", [[0]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.id IN ({other_items})", [[0]]),
    ("SELECT count(*) FROM deploy WHERE revision = 'secret-rev' OR 1=1", [[2]]),
    ("SELECT revision FROM deploy WHERE project_id = {other} OR id > 0 ORDER BY id",
     [["abc"], ["def"]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter IN ("
     + ",".join(str(i) for i in range(1000)) + ")", [[7]]),
    ("SELECT count(*) FROM item_occurrence WHERE custom.n IN ("
     + ",".join(f"'{i}'" for i in range(1000)) + ")", [[3]]),
    ("SELECT count(*) FROM item_occurrence WHERE " + " AND ".join(["1=1"] * 500), [[7]]),
    ("SELECT concat(concat(concat(item.title, item.title), item.title), 'x') = '' "
     "FROM item_occurrence LIMIT 1", [[0]]),
    ("SELECT 9223372036854775807 + 1 > 0 FROM item_occurrence LIMIT 1", None),
]


def test_contained_to_the_own_project(store: Engine, project: ProjectInfo,
                                      other_project: ProjectInfo) -> None:
    with store.connect() as conn:
        other_occ = conn.execute(select(occurrences.c.id).where(
            occurrences.c.project_id == other_project.id)).scalars().all()
        other_items = conn.execute(select(items.c.id).where(
            items.c.project_id == other_project.id)).scalars().all()
    before = table_counts(store)
    failures = []
    for query, expected in CONTAINED:
        q = query.format(other=other_project.id, mine=project.id,
                         other_occ=",".join(map(str, other_occ)),
                         other_items=",".join(map(str, other_items)))
        try:
            rows = run(store, project.id, q).rows
        except rql.RqlError as e:  # overflow may be refused, clearly
            if expected is not None or "refused" not in e.message:
                failures.append(f"{q[:80]}: {e}")
            continue
        if expected is not None and rows != expected:
            failures.append(f"{q[:80]}: got {rows}, expected {expected}")
    assert not failures, "\n".join(failures)
    assert table_counts(store) == before


def test_no_query_ever_shows_the_other_projects_values(store: Engine,
                                                       project: ProjectInfo) -> None:
    for q in ("SELECT * FROM item_occurrence LIMIT 1000",
              "SELECT person.id, custom.n, body.trace.exception.class, project_slug, "
              "request.url FROM item_occurrence LIMIT 1000",
              "SELECT * FROM deploy LIMIT 1000"):
        flat = repr(run(store, project.id, q).rows)
        for secret in ("Secret", "intruder", "1000", "secret-rev", "other"):
            assert secret not in flat, (q, secret)


# ---- time and cancellation ----------------------------------------------------------


def bulk(engine: Engine, project_id: int, n: int) -> None:
    """n more occurrences of an existing item (copying a real payload), inserted in SQL:
    load for the deadline tests, far more than the ingest would take in a test."""
    with engine.begin() as conn:
        item_id, blob = conn.execute(select(occurrences.c.item_id, occurrences.c.payload).where(
            occurrences.c.project_id == project_id).limit(1)).one()
        series = ("generate_series(1, :n) AS g(i)" if engine.dialect.name == "postgresql"
                  else "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                       "WHERE i < :n) SELECT i FROM s) AS g")
        conn.execute(text(
            "INSERT INTO occurrences (project_id, item_id, uuid, timestamp, level, payload) "
            f"SELECT :p, :item, 'bulk-' || CAST(g.i AS TEXT), :t, 40, :blob FROM {series}"),
            {"p": project_id, "item": item_id, "t": time.time(), "blob": blob, "n": n})


_UUIDS = ", ".join(["uuid"] * 16)  # ~1.4 s on SQLite, ~1.8 s on PostgreSQL (300k rows)
SLOW_SQL = (f"SELECT concat({_UUIDS}) FROM item_occurrence WHERE concat({_UUIDS}) "
            "LIKE '%a%b%c%d%e%f%0%1%2%q%' OR timestamp > 0 ORDER BY 1 DESC LIMIT 1")
SLOW_PY = "SELECT count_distinct(concat(request.url, uuid)) FROM item_occurrence"


BULK = 300_000


@pytest.fixture(scope="module", params=BACKENDS)
def big_store(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, ProjectInfo]]:
    """The fixture store plus BULK occurrences, built once per database for the tests
    below, which only read it (bulk takes 1.2 s on SQLite, 3 s on PostgreSQL)."""
    directory = tmp_path_factory.mktemp("big_store")
    with new_database(request, request.param, directory) as url:
        copy_migrated_template(request, url)
        engine = build_engine(url)
        project, other = make_project(engine, "app"), make_project(engine, "other")
        with start_server(settings_for(url, directory)) as server:
            fill(server, project, other)
        bulk(engine, project.id, BULK)
        yield engine, project
        engine.dispose()


@pytest.mark.parametrize("query", [SLOW_SQL, SLOW_PY], ids=["sql", "python"])
def test_deadline_ends_a_long_query_promptly(big_store: tuple[Engine, ProjectInfo],
                                             query: str) -> None:
    store, project = big_store
    with store.connect() as conn:
        start = time.monotonic()
        with pytest.raises(rql.RqlTimeout):
            rql.execute(conn, project.id, query, deadline=start + 0.3,
                        max_scanned=10_000_000)
        assert time.monotonic() - start < 1.3
        # the connection is usable afterwards, with no limit left behind
        r = rql.execute(conn, project.id, "SELECT count(*) FROM item_occurrence",
                        deadline=time.monotonic() + 30)
        assert r.rows == [[BULK + 7]]


@pytest.mark.parametrize("query", [SLOW_SQL, SLOW_PY], ids=["sql", "python"])
def test_cancel_ends_a_running_query(big_store: tuple[Engine, ProjectInfo],
                                     query: str) -> None:
    store, project = big_store
    flag = threading.Event()
    threading.Timer(0.2, flag.set).start()
    start = time.monotonic()
    with store.connect() as conn, pytest.raises(rql.RqlCancelled):
        rql.execute(conn, project.id, query, deadline=start + 60, cancelled=flag.is_set,
                    max_scanned=10_000_000)
    assert time.monotonic() - start < 1.5


def test_a_deadline_already_past_is_a_timeout(store: Engine, project: ProjectInfo) -> None:
    with store.connect() as conn, pytest.raises(rql.RqlTimeout):
        rql.execute(conn, project.id, "SELECT count(*) FROM item_occurrence",
                    deadline=time.monotonic() - 1)


# ---- random text --------------------------------------------------------------------

WORDS = ["SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "AND", "OR", "NOT",
         "IN", "LIKE", "BETWEEN", "IS", "NULL", "DIV", "MOD", "item_occurrence", "deploy",
         "count(*)", "count", "sum", "avg", "min", "max", "count_distinct", "concat",
         "unix_timestamp()", "item.counter", "timestamp", "body.trace.exception.class",
         "person.id", "`a.b-c`", "'x'", "'%'", "1", "0", "-1", "2.5", "(", ")", ",", "*",
         "+", "-", "/", "=", "<>", ">=", ";", "--", "#", "/*", "*/", "'", "`", "\"",
         "sqlite_master", "UNION", "JOIN", "DESC", "if", "locate", "substring"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=25).map(
        lambda ws: "SELECT " + " ".join(ws)),
    st.text(max_size=80).map(lambda t: "SELECT count(*) FROM item_occurrence WHERE " + t),
    st.text(max_size=200)))
def test_random_text_gives_an_error_or_a_result(engine: Engine, project: ProjectInfo,
                                                query: str) -> None:
    with engine.connect() as conn:
        try:
            r = rql.execute(conn, project.id, query, deadline=time.monotonic() + 10)
        except rql.RqlError as e:
            assert isinstance(e.message, str) and e.message
        else:
            assert isinstance(r.rows, list) and len(r.rows) <= 1000
