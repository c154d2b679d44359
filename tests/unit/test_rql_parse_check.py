"""RQL parse and whitelist, no database: what is accepted, and what is refused and why."""

from __future__ import annotations

import pytest

from tracehound.query import rql
from tracehound.query.rql.check import check
from tracehound.query.rql.ir import Agg, Binary, Call, Col, InList, Like, Lit, Now, Path


def refused(query: str) -> rql.RqlError:
    with pytest.raises(rql.RqlError) as info:
        rql.check(query)
    return info.value


def test_bench_query_is_all_fixed_columns() -> None:
    q = check("SELECT count(*) FROM item_occurrence WHERE timestamp > unix_timestamp() - "
              "604800 GROUP BY item.counter")
    assert q.table == "item_occurrence" and q.aggregate
    assert q.select[0].expr == Agg("count", None) and q.select[0].name == "count(*)"
    assert q.where == Binary(">", Col("timestamp"), Binary("-", Now(), Lit(604800)))
    assert q.group_by == (Col("item.counter"),)


@pytest.mark.parametrize("path", [
    "body.trace.exception.class", "body.trace_chain.0.exception.message", "request.url",
    "person.id", "custom.foo.bar", "server.host", "client.javascript.browser"])
def test_bare_dotted_paths_are_payload_columns(path: str) -> None:
    q = check(f"SELECT {path} FROM item_occurrence WHERE {path} IS NOT NULL")
    assert q.select[0].expr == Path(path) and q.select[0].name == path


def test_backticked_names_and_selection_as_written() -> None:
    q = check("select `request.headers.User-Agent`, COUNT(*)  AS n, lower(item.title) "
              "from item_occurrence group by 1, 3 order by n desc")
    assert q.select[0].expr == Path("request.headers.User-Agent")
    assert [s.name for s in q.select] == ["`request.headers.User-Agent`", "n",
                                          "lower(item.title)"]
    assert q.group_by == (Path("request.headers.User-Agent"), Call("lower", (Col("item.title"),)))
    assert q.order_by[0].expr == Agg("count", None) and q.order_by[0].desc


def test_operators_and_functions() -> None:
    q = check("SELECT concat_ws('-', a, b), substring(a, 2, 3), locate('x', a, 2), "
              "char_length(a), length(a), if(a > 1, 'y', 'n'), left(a, 2), right(a, 2), "
              "upper(a), 7 DIV 2, 7 MOD 2, -a FROM item_occurrence WHERE a NOT IN (1, 2) "
              "AND b NOT LIKE 'x%' AND c BETWEEN 1 AND 3 AND d <> 2 AND NOT e")
    names = [s.expr.name for s in q.select[:9] if isinstance(s.expr, Call)]
    assert names == ["concat_ws", "substring", "locate", "char_length", "length", "if",
                     "left", "right", "upper"]
    assert isinstance(q.where, Binary)


def test_star_expands_to_the_occurrence_columns() -> None:
    q = check("SELECT * FROM item_occurrence WHERE item.counter = 1")
    assert [s.name for s in q.select][:3] == ["occurrence_id", "timestamp", "item.counter"]
    assert check("SELECT * FROM deploy").select[0].expr == Col("id")


def test_limit_offset_and_defaults() -> None:
    assert check("SELECT a FROM item_occurrence").limit is None
    q = check("SELECT a FROM item_occurrence LIMIT 5, 10")
    assert (q.limit, q.offset) == (10, 5)


def test_in_list_and_like() -> None:
    q = check("SELECT a FROM item_occurrence WHERE a IN ('x', 2) AND b LIKE 'a\\_%'")
    assert isinstance(q.where, Binary)
    assert q.where.left == InList(Path("a"), (Lit("x"), Lit(2)))
    assert q.where.right == Like(Path("b"), Lit("a\\_%"))


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty query"),
    ("SELECT 1; DROP TABLE items", "only one statement"),
    ("DELETE FROM item_occurrence", "only SELECT"),
    ("UPDATE item_occurrence SET a = 1", "only SELECT"),
    ("INSERT INTO item_occurrence VALUES (1)", "only SELECT"),
    ("DROP TABLE items", "only SELECT"),
    ("SELECT a FROM items", "unknown table 'items'"),
    ("SELECT name FROM sqlite_master", "unknown table 'sqlite_master'"),
    ("SELECT * FROM pg_catalog.pg_tables", "unknown table"),
    ("SELECT * FROM information_schema.tables", "unknown table"),
    ("SELECT a FROM item_occurrence JOIN deploy", "JOIN"),
    ("SELECT a FROM item_occurrence, deploy", "JOIN"),
    ("SELECT a FROM item_occurrence UNION SELECT id FROM deploy", "UNION"),
    ("SELECT a FROM (SELECT 1) x", "subqueries"),
    ("SELECT a FROM item_occurrence WHERE a IN (SELECT id FROM deploy)", "subquery"),
    ("SELECT a FROM item_occurrence WHERE EXISTS (SELECT 1)", "EXISTS"),
    ("SELECT DISTINCT a FROM item_occurrence", "DISTINCT"),
    ("SELECT a, count(*) FROM item_occurrence GROUP BY a HAVING count(*) > 1", "HAVING"),
    ("SELECT pg_read_file('/etc/passwd') FROM item_occurrence", "unknown function pg_read_file"),
    ("SELECT load_extension('x') FROM item_occurrence", "unknown function load_extension"),
    ("SELECT sleep(10) FROM item_occurrence", "unknown function sleep"),
    ("SELECT CAST(a AS CHAR) FROM item_occurrence", "CAST"),
    ("SELECT @@version FROM item_occurrence", "variables"),
    ("SELECT item.project_id FROM item_occurrence", "unknown column 'item.project_id'"),
    ("SELECT nope FROM deploy", "unknown column 'nope' of deploy"),
    ("SELECT * FROM item_occurrence GROUP BY item.counter", "SELECT *"),
    ("SELECT item.title, count(*) FROM item_occurrence", "must be in GROUP BY"),
    ("SELECT a FROM item_occurrence WHERE count(*) > 1", "cannot be used in WHERE"),
    ("SELECT count(count(*)) FROM item_occurrence", "nested"),
    ("SELECT count(DISTINCT a) FROM item_occurrence", "count_distinct"),
    ("SELECT a FROM item_occurrence GROUP BY 3", "GROUP BY 3"),
    ("SELECT count(*) FROM item_occurrence GROUP BY 1", "aggregate"),
    ("SELECT a FROM item_occurrence LIMIT -1", "LIMIT takes a whole number"),
    ("SELECT a FROM item_occurrence LIMIT 'x'", "LIMIT takes a whole number"),
    ("SELECT a FROM item_occurrence FOR UPDATE", "FOR UPDATE"),
    ("SELECT 99999999999999999999 FROM item_occurrence", "out of range"),
    ("SELECT a FROM item_occurrence WHERE b LIKE 'x' ESCAPE '!'", "ESCAPE"),
    ("SELECT a FROM item_occurrence WHERE b REGEXP 'x'", "REGEXP"),
    ("SELECT unix_timestamp('2020-01-01') FROM item_occurrence", "unix_timestamp()"),
    ("SELECT 'abc FROM item_occurrence", "unterminated string"),
    ("SELECT a FROM item_occurrence /* x", "unterminated /* comment"),
    ("SELECT FROM WHERE", "syntax error"),
    ("SELECT a", "FROM is required"),
    ("SHOW TABLES", "only SELECT"),
])
def test_refused_with_a_clear_message(query: str, message: str) -> None:
    assert message in refused(query).message


def test_comments_are_ignored_not_executed() -> None:
    q = check("SELECT a -- , b FROM deploy\n FROM item_occurrence # where 1\n /* x */")
    assert q.table == "item_occurrence" and len(q.select) == 1


def test_quoting_tricks_stay_values() -> None:
    q = check("SELECT a FROM item_occurrence WHERE a = 'x'' OR 1=1 --' AND b = \"y\\\" OR 1\"")
    assert isinstance(q.where, Binary) and q.where.op == "and"
    assert q.where.left == Binary("=", Path("a"), Lit("x' OR 1=1 --"))
    q = check("SELECT `a``; DROP TABLE items` FROM item_occurrence")
    assert q.select[0].expr == Path("a`; DROP TABLE items")


def test_limits_on_size_and_depth() -> None:
    assert "nested" in refused("SELECT " + "(" * 500 + "1" + ")" * 500
                               + " FROM item_occurrence").message
    assert "IN lists at most" in refused(
        "SELECT a FROM item_occurrence WHERE a IN (" + ",".join(["1"] * 1001) + ")").message
    assert "characters long" in refused("SELECT '" + "x" * 200_000 + "' FROM deploy").message
    long_and = " AND ".join(["a = 1"] * 3000)
    assert "expression nodes" in refused(f"SELECT a FROM item_occurrence WHERE {long_and}").message


def test_error_position_points_into_the_original_text() -> None:
    err = refused("SELECT body.trace.exception.class FROM item_occurrence WHERE ) x")
    assert err.position is not None and 55 <= err.position <= 62
