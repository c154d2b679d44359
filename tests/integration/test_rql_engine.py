"""RQL queries and their expected rows over a store filled by the real ingest, on SQLite
and PostgreSQL: fixed columns, payload paths (Rollbar and Sentry), aggregates, grouping,
ordering, limits, time windows, the deploy table."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.integration.rql_store import fill, run
from tests.support import LiveServer, ProjectInfo
from tracehound.query.rql.compile import Compiler

HOUR = 3600

# (query, expected rows); every query runs on the same store
TABLE: list[tuple[str, list[list[Any]]]] = [
    ("SELECT count(*) FROM item_occurrence", [[7]]),
    ("SELECT item.counter, count(*) FROM item_occurrence GROUP BY 1 ORDER BY 1",
     [[1, 3], [2, 2], [3, 1], [4, 1]]),
    ("SELECT count(*) FROM item_occurrence WHERE timestamp > unix_timestamp() - 604800 "
     "GROUP BY item.counter ORDER BY count(*) DESC, item.counter", [[3], [2], [1], [1]]),
    ("SELECT body.trace.exception.class, count(*) FROM item_occurrence GROUP BY 1 "
     "ORDER BY 2 DESC, 1", [[None, 3], ["KeyError", 3], ["ZeroDivisionError", 1]]),
    ("SELECT body.trace_chain.0.exception.class, body.trace_chain.1.exception.message "
     "FROM item_occurrence WHERE item.counter = 3", [["ValueError", "disk"]]),
    ("SELECT person.id, count(*) FROM item_occurrence WHERE person.id IS NOT NULL "
     "GROUP BY person.id ORDER BY person.id", [["u-77", 1], ["u1", 2], ["u2", 1]]),
    ("SELECT count_distinct(person.id), count(person.id), count(*) FROM item_occurrence",
     [[3, 4, 7]]),
    ("SELECT `request.headers.User-Agent` FROM item_occurrence WHERE custom.n = 2",
     [["agent/2"]]),
    ("SELECT custom.nope, custom.n, custom.flag FROM item_occurrence WHERE item.counter = 1 "
     "ORDER BY custom.n DESC", [[None, 3, 0], [None, 2, 1], [None, 1, 0]]),
    ("SELECT count(*) FROM item_occurrence WHERE request.url LIKE '%/cart/%'", [[3]]),
    ("SELECT count(*) FROM item_occurrence WHERE request.url NOT LIKE '%/cart/_'", [[0]]),
    ("SELECT item.counter FROM item_occurrence WHERE item.title LIKE 'keyerror%' "
     "GROUP BY 1", [[1]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter IN (1, 3)", [[4]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter NOT IN (1, 3)", [[3]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter BETWEEN 2 AND 3", [[3]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter NOT BETWEEN 2 AND 3", [[4]]),
    ("SELECT count(*) FROM item_occurrence WHERE custom.n IN ('2', 3)", [[2]]),
    ("SELECT sum(custom.n), avg(custom.n), min(custom.n), max(custom.n) "
     "FROM item_occurrence WHERE item.counter = 1", [[6, 2.0, 1, 3]]),
    ("SELECT sum(item.counter), avg(item.counter), min(item.title), max(item.level) "
     "FROM item_occurrence", [[14, 2.0, "KeyError: 'sku'", 40]]),
    ("SELECT count(*) FROM item_occurrence WHERE timestamp > unix_timestamp() - 3600", [[7]]),
    ("SELECT count(*) FROM item_occurrence WHERE timestamp < unix_timestamp() - 3600", [[0]]),
    ("SELECT item.level, item.status, item.environment, item.framework, item.platform "
     "FROM item_occurrence WHERE item.counter = 2 LIMIT 1",
     [[30, 1, "staging", 0, 0]]),
    ("SELECT item.framework FROM item_occurrence WHERE item.counter = 1 LIMIT 1", [[16]]),
    ("SELECT project_slug, project_id = project_id FROM item_occurrence LIMIT 1",
     [["app", 1]]),
    ("SELECT 7/2, 7 DIV 2, -7 MOD 3, 1/0, item.counter * 2, item.counter > 2 "
     "FROM item_occurrence WHERE item.counter = 3", [[3.5, 3, -1, None, 6, 1]]),
    ("SELECT custom.n / 2, custom.n DIV 2, custom.n MOD 2, custom.n > 2 "
     "FROM item_occurrence WHERE custom.n = 3", [[1.5, 1, 1, 1]]),
    ("SELECT concat(body.trace.exception.class, '!'), lower(item.title), "
     "upper(body.message.body), concat_ws('/', 'a', NULL, item.counter) "
     "FROM item_occurrence WHERE item.counter IN (1, 2) ORDER BY item.counter, "
     "occurrence_id LIMIT 2 OFFSET 2",
     [["KeyError!", "keyerror: 'sku'", None, "a/1"], [None, "hello world", "HELLO WORLD",
                                                        "a/2"]]),
    ("SELECT left(body.message.body, 5), right(body.message.body, 5), "
     "substring(body.message.body, 7), substring(body.message.body, -5, 3), "
     "locate('o', body.message.body), locate('o', body.message.body, 6), "
     "char_length('héllo'), length('héllo'), if(item.counter = 2, 'msg', 'exc') "
     "FROM item_occurrence WHERE item.counter = 2 LIMIT 1",
     [["hello", "world", "world", "wor", 5, 8, 5, 6, "msg"]]),
    ("SELECT server.host, person.id, level, body.trace.exception.message "
     "FROM item_occurrence WHERE item.counter = 4",
     [["web-1", "u-77", "error", "division by zero"]]),
    ("SELECT item.environment AS env, count(*) AS n FROM item_occurrence GROUP BY env "
     "ORDER BY n DESC", [["production", 5], ["staging", 2]]),
    ("SELECT item.counter + 1, count(*) FROM item_occurrence GROUP BY item.counter + 1 "
     "ORDER BY item.counter + 1 DESC LIMIT 2", [[5, 1], [4, 1]]),
    ("SELECT count(*) FROM item_occurrence WHERE item.counter = 99", [[0]]),
    ("SELECT item.counter, count(*) FROM item_occurrence WHERE item.counter = 99 GROUP BY 1",
     []),
    # grouped by item columns with decomposable aggregates: per-item partials joined to
    # items (compile.Compiler.by_item); the rest of the table covers the plain join
    ("SELECT item.counter, count(*), count(occurrence_id) FROM item_occurrence "
     "WHERE timestamp > unix_timestamp() - 604800 GROUP BY item.counter "
     "ORDER BY count(*) DESC, item.counter LIMIT 2", [[1, 3, 3], [2, 2, 2]]),
    ("SELECT item.title, count(*) FROM item_occurrence GROUP BY item.title "
     "ORDER BY 2 DESC, 1", [["KeyError: 'sku'", 3], ["hello world", 2], ["ValueError: bad", 1],
                           ["ZeroDivisionError: division by zero", 1]]),
    ("SELECT item.level, count(*), min(timestamp) <= max(timestamp), "
     "avg(timestamp) BETWEEN min(timestamp) AND max(timestamp) FROM item_occurrence "
     "WHERE timestamp >= unix_timestamp() - 3600 GROUP BY 1 ORDER BY 1",
     [[30, 2, 1, 1], [40, 5, 1, 1]]),
    ("SELECT item.environment, count(*), sum(timestamp) > 0, "
     "max(timestamp) - min(timestamp) < 3600 FROM item_occurrence WHERE item.level >= 40 "
     "GROUP BY 1 ORDER BY 2 DESC", [["production", 5, 1, 1]]),
    ("SELECT item.counter, count(*) FROM item_occurrence "
     "WHERE timestamp < unix_timestamp() - 3600 GROUP BY 1", []),
    ("SELECT count(*), count(occurrence_id), min(timestamp), sum(timestamp), avg(timestamp) "
     "FROM item_occurrence WHERE timestamp < unix_timestamp() - 3600",
     [[0, 0, None, None, None]]),
    ("SELECT max(uuid), min(uuid), item.counter FROM item_occurrence "
     "WHERE item.counter = 4 GROUP BY 3",
     [["fc6d8c0c43fc4630ad850ee518f1b9d0", "fc6d8c0c43fc4630ad850ee518f1b9d0", 4]]),
    ("SELECT item.counter, count(*), max(project_id) FROM item_occurrence "
     "WHERE item.counter IN (2, 3) AND occurrence_id > 0 GROUP BY 1 ORDER BY 1",
     [[2, 2, 1], [3, 1, 1]]),
    # not rewritten: an occurrence column in GROUP BY, a WHERE conjunct over both
    # tables, count_distinct
    ("SELECT item.counter, occurrence_id > 0, count(*) FROM item_occurrence "
     "GROUP BY 1, 2 ORDER BY 1", [[1, 1, 3], [2, 1, 2], [3, 1, 1], [4, 1, 1]]),
    ("SELECT item.counter, count(*) FROM item_occurrence "
     "WHERE timestamp >= item.first_occurrence_timestamp GROUP BY 1 ORDER BY 1",
     [[1, 3], [2, 2], [3, 1], [4, 1]]),
    ("SELECT item.environment, count_distinct(uuid), count(*) FROM item_occurrence "
     "GROUP BY 1 ORDER BY 1", [["production", 5, 5], ["staging", 2, 2]]),
    ("SELECT environment, revision, comment, local_username, project_slug FROM deploy "
     "ORDER BY id", [["production", "abc", "first", "ann", "app"],
                     ["staging", "def", None, None, "app"]]),
    ("SELECT count(*), max(timestamp) > unix_timestamp() - 3600 FROM deploy", [[2, 1]]),
    ("SELECT environment, count(*) FROM deploy WHERE locate('a', revision) = 1 GROUP BY 1",
     [["production", 1]]),
]


@pytest.fixture
def store(server: LiveServer, engine: Engine, project: ProjectInfo,
          other_project: ProjectInfo) -> Engine:
    fill(server, project, other_project)
    return engine


def test_query_table(store: Engine, project: ProjectInfo) -> None:
    failures = []
    for query, expected in TABLE:
        rows = run(store, project.id, query).rows
        if rows != expected and not _close(rows, expected):
            failures.append(f"{query}\n   got      {rows}\n   expected {expected}")
    assert not failures, "\n".join(failures)


def test_per_item_aggregation_gives_the_plain_join_rows(
        store: Engine, project: ProjectInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query of the table, with and without the per-item rewrite, gives the same
    rows; the rewrite is taken exactly where it should be."""
    rewritten: set[str] = set()
    by_item = Compiler.by_item

    def spy(self: Compiler, exprs: list[Any]) -> Any:
        split = by_item(self, exprs)
        if split is not None:
            rewritten.add(text)
        return split

    queries = [q for q, _ in TABLE if "FROM item_occurrence" in q]
    with_rewrite = {}
    monkeypatch.setattr(Compiler, "by_item", spy)
    for text in queries:
        with_rewrite[text] = run(store, project.id, text).rows
    monkeypatch.setattr(Compiler, "by_item", lambda self, exprs: None)
    for text in queries:
        rows = run(store, project.id, text).rows
        assert rows == with_rewrite[text] or _close(rows, with_rewrite[text]), text
    assert "SELECT count(*) FROM item_occurrence" in rewritten
    assert "SELECT item.environment AS env, count(*) AS n FROM item_occurrence GROUP BY env " \
        "ORDER BY n DESC" in rewritten
    for text in queries:
        if "GROUP BY 1, 2" in text or "item.first_occurrence_timestamp" in text \
                or "count_distinct" in text or "body." in text or "custom." in text \
                or "person." in text:
            assert text not in rewritten, text
    assert len(rewritten) >= 20


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    return bool(a == b)


def test_result_shape_and_selection_columns(store: Engine, project: ProjectInfo) -> None:
    r = run(store, project.id, "select item.counter, COUNT(*)  AS n, body.trace.exception.class "
                               "from item_occurrence group by 1, 3 order by 1 limit 1")
    assert r.selection_columns == ["item.counter", "n", "body.trace.exception.class"]
    assert [c["type"] for c in r.columns] == ["integer", "integer", "mixed"]
    res = r.resource(42)
    assert res["job_id"] == 42 and res["rowcount"] == 1 and res["rows"] == [[1, 3, "KeyError"]]
    assert set(res) >= {"rows", "selectionColumns", "columns", "errors", "warnings",
                        "rowcount", "executionTime"}
    star = run(store, project.id, "SELECT * FROM item_occurrence WHERE item.counter = 2")
    assert star.selection_columns[:3] == ["occurrence_id", "timestamp", "item.counter"]
    assert len(star.rows) == 2 and all(row[2] == 2 for row in star.rows)


def test_time_window_uses_the_job_clock(store: Engine, project: ProjectInfo) -> None:
    q = "SELECT count(*) FROM item_occurrence WHERE timestamp >= unix_timestamp() - 3600"
    assert run(store, project.id, q).rows == [[7]]
    assert run(store, project.id, q, now=time.time() + 2 * HOUR).rows == [[0]]
    # the same window evaluated in Python (a payload path forces that path) agrees
    q2 = q + " AND (person.id IS NULL OR person.id IS NOT NULL)"
    assert run(store, project.id, q2, now=time.time() + 2 * HOUR).rows == [[0]]
    assert run(store, project.id, q2).rows == [[7]]


def test_limits_default_cap_and_offset(server: LiveServer, engine: Engine,
                                       project: ProjectInfo) -> None:
    for i in range(105):
        assert server.post_item(project.post, {"environment": "production", "body": {
            "message": {"body": f"m{i}"}}, "custom": {"i": i}}).status_code == 200
    server.wait_digested()
    assert len(run(engine, project.id, "SELECT occurrence_id FROM item_occurrence").rows) == 100
    assert len(run(engine, project.id, "SELECT custom.i FROM item_occurrence").rows) == 100
    r = run(engine, project.id, "SELECT occurrence_id FROM item_occurrence LIMIT 50",
            max_rows=20)
    assert len(r.rows) == 20 and "lowered to 20" in r.warnings[0]
    r = run(engine, project.id, "SELECT custom.i FROM item_occurrence ORDER BY custom.i DESC "
                                "LIMIT 3 OFFSET 100")
    assert r.rows == [[4], [3], [2]]
    r = run(engine, project.id, "SELECT count(*) FROM item_occurrence", max_scanned=10)
    assert r.rows == [[105]]  # fixed columns only: one SQL statement, no scan cap
    with pytest.raises(Exception, match="reads more than 10 rows"):
        run(engine, project.id, "SELECT count(custom.i) FROM item_occurrence", max_scanned=10)


def test_fixed_column_query_is_one_indexed_statement(store: Engine, project: ProjectInfo) -> None:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "occurrences" in statement:
            seen.append(statement)

    event.listen(store, "before_cursor_execute", record)
    try:
        r = run(store, project.id, "SELECT count(*) FROM item_occurrence WHERE timestamp > "
                                   "unix_timestamp() - 604800 GROUP BY item.counter")
    finally:
        event.remove(store, "before_cursor_execute", record)
    assert sorted(r.rows) == [[1], [1], [2], [3]]
    assert len(seen) == 1 and "payload" not in seen[0] and "GROUP BY" in seen[0]
    assert "occurrences.timestamp >=" in seen[0]  # the raw column: the index applies
    # counted per item_id first (the index alone answers that), then joined to items
    assert "GROUP BY occurrences.item_id" in seen[0]
