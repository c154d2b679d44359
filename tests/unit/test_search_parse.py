"""The search language without a database: every construct of the grammar, the typed
values, error positions, and fuzzing that any text either compiles or raises the one
SearchError (never anything else)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from tracehound.errors import InvalidPayload
from tracehound.query import fields
from tracehound.query.search import SearchError, compile_filter
from tracehound.query.search_syntax import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_TERMS,
    And,
    Everything,
    Node,
    Not,
    Or,
    Term,
    Text,
    Value,
    parse,
)
from tracehound.query.search_values import date_span

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC).timestamp()


def val(v: Value | None) -> str:
    if v is None:
        return "*"
    text = v.text.replace("*", "\\*")  # a literal star, told apart from a wildcard
    text = f'"{text}"' if v.quoted else text
    return text + ("*" if v.wildcard else "")


def show(n: Node) -> str:
    """A compact rendering of a filter tree, to compare with expectations."""
    if isinstance(n, And):
        return "(AND " + " ".join(show(c) for c in n.children) + ")"
    if isinstance(n, Or):
        return "(OR " + " ".join(show(c) for c in n.children) + ")"
    if isinstance(n, Not):
        return f"(NOT {show(n.child)})"
    if isinstance(n, Text):
        return f"text({val(n.value)})"
    if isinstance(n, Term):
        name = n.field.name + (f".{n.key}" if n.key else "")
        if n.op == "exists":
            return f"exists({name})"
        if n.op == "range":
            return (f"{name}{'[' if n.include_lower else '{'}{val(n.value)} TO "
                    f"{val(n.upper)}{']' if n.include_upper else '}'}")
        return f"{name}{n.op}{val(n.value)}"
    assert isinstance(n, Everything)
    return "everything"


@pytest.mark.parametrize("query, tree", [
    ("", "everything"),
    ("   ", "everything"),
    ("timeout", "text(timeout)"),
    ("Timeout Database", "(AND text(Timeout) text(Database))"),
    ('"connection reset"', 'text("connection reset")'),
    ("status:active", "status:active"),
    ("Status:Active", "status:Active"),  # field names in any case; values judged later
    ("env:prod", "environment:prod"),  # aliases resolve to the canonical field
    ('title:"exact title"', 'title:"exact title"'),
    ("host:web*", "host:web*"),
    ("host:web\\*", "host:web\\*"),  # escaped: a literal star, not a wildcard
    ("host:a*b", "host:a\\*b"),  # a star inside a value is a plain character
    ("-host:web1", "(NOT host:web1)"),
    ("!host:web1", "(NOT host:web1)"),  # Rollbar's negation
    ("NOT host:web1", "(NOT host:web1)"),
    ("a AND b", "(AND text(a) text(b))"),
    ("a && b", "(AND text(a) text(b))"),
    ("a OR b", "(OR text(a) text(b))"),
    ("a || b", "(OR text(a) text(b))"),
    ("a b OR c", "(OR (AND text(a) text(b)) text(c))"),  # AND binds tighter
    ("a (b OR c)", "(AND text(a) (OR text(b) text(c)))"),
    ("NOT (a OR b) c", "(AND (NOT (OR text(a) text(b))) text(c))"),
    ("- -a", "(AND text(-) (NOT text(a)))"),  # a lone '-' is text
    ("--a", "(NOT (NOT text(a)))"),
    ("ORDER ANDROID NOTE", "(AND text(ORDER) text(ANDROID) text(NOTE))"),
    ("or and not", "(AND text(or) text(and) text(not))"),  # operators are upper-case
    ("occurrences:>10", "occurrences>10"),
    ("occurrences:>=10 occurrences:<20 count:<=5",
     "(AND occurrences>=10 occurrences<20 occurrences<=5)"),
    ("level:>=warning", "level>=warning"),
    ("date:[2024-01-01 TO 2024-02-01]", "date[2024-01-01 TO 2024-02-01]"),
    ("date:{2024-01-01 TO now}", "date{2024-01-01 TO now}"),
    ("date:[now-7d TO *]", "date[now-7d TO *]"),
    ("occurrences:[* TO 10}", "occurrences[* TO 10}"),
    ("last_seen:>now-24h", "last_seen>now-24h"),
    ("occurrences:(>0 AND <=10)", "(AND occurrences>0 occurrences<=10)"),
    ("tag:(blue OR red)", "(OR tag:blue tag:red)"),
    ("tag:region=eu", "tag:region=eu"),
    ("tag.region:eu", "tag.region:eu"),
    ("tags.Region:eu", "tag.Region:eu"),  # tag keys keep their case
    ("_exists_:host", "exists(host)"),
    ("has:tag.region", "exists(tag.region)"),
    ("_missing_:type", "(NOT exists(type))"),
    ("#12", "counter:12"),
    ("#12 #x", "(AND counter:12 text(#x))"),
    ("KeyError: key not found", "(AND text(KeyError:) text(key) text(not) text(found))"),
    ("http://shop.example.com/cart", "text(http://shop.example.com/cart)"),
    ('message:"say \\"hi\\""', 'message:"say "hi""'),
    ("100%_done", "text(100%_done)"),  # % and _ are plain characters
    ("*", "text(*)"),
    ("(status:active OR status:muted) -level:debug environment:production",
     "(AND (OR status:active status:muted) (NOT level:debug) environment:production)"),
])
def test_grammar(query: str, tree: str) -> None:
    assert show(parse(query)) == tree


@pytest.mark.parametrize("query, position, reason", [
    ("foo:bar", 0, "unknown field 'foo'"),
    ("status:active nope:1", 14, "unknown field 'nope'"),
    ("(a", 0, "'(' is never closed"),
    ("a)", 1, "unbalanced ')'"),
    ("()", 0, "empty parentheses"),
    ("a OR", 2, "OR needs a term on its right"),
    ("OR a", 0, "OR needs a term on its left"),
    ("a AND", 2, "AND needs a term on its right"),
    ("a AND OR b", 2, "AND needs a term on its right"),
    ("NOT", 0, "NOT needs a term to negate"),
    ('title:"abc', 6, "the quote is never closed"),
    ("status:", 7, "status needs a value after ':'"),
    ("status: active", 7, "status needs a value after ':'"),
    ("occurrences:>", 13, "> needs a value"),
    ("date:[2024-01-01 2024-02-01]", 17, "a range needs TO"),
    ("date:[2024-01-01 TOMORROW]", 17, "a range needs TO"),
    ("date:[2024-01-01 TO]", 17, "a range needs TO"),
    ("date:[2024-01-01 TO 2024-02-01", 30, "a range must end with ']' or '}'"),
    ("_exists_:nothing", 9, "_exists_ needs a field name"),
    ("a\x00b", 1, "character U+0000 is not allowed"),
    ("ok \ud800", 3, "character U+D800 is not allowed"),
    ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "nested too deeply"),
    ("-" * (MAX_DEPTH + 2) + "a", MAX_DEPTH, "nested too deeply"),
    (" ".join(["a"] * (MAX_TERMS + 1)), 2 * MAX_TERMS, "too many terms"),
    ("x" * (MAX_LENGTH + 1), MAX_LENGTH, "too long"),
    ("title:" + "x" * 256, 6, "value too long"),
])
def test_syntax_errors_point_at_the_position(query: str, position: int, reason: str) -> None:
    with pytest.raises(SearchError) as info:
        parse(query)
    assert info.value.position == position
    assert reason in info.value.reason
    assert f"at position {position}" in info.value.message


def test_unknown_field_names_every_valid_field() -> None:
    with pytest.raises(SearchError) as info:
        parse("colour:red")
    for f in fields.FIELDS:
        assert f.name in info.value.message
    assert isinstance(info.value, InvalidPayload) and info.value.status == 422


@pytest.mark.parametrize("query, position, reason", [
    ("status:open", None, None),  # an alias of active
    ("status:gone", 7, "status has no value 'gone'"),
    ("status:>active", 0, "status cannot be compared with '>'"),
    ("host:[a TO b]", 0, "host cannot be compared with a range"),
    ("title:>x", 0, "title cannot be compared with '>'"),
    ("occurrences:many", 12, "occurrences takes a whole number"),
    ("occurrences:99999999999999999999", 12, "occurrences takes a whole number"),
    ("occurrences:1*", 12, "occurrences takes no wildcard"),
    ("last_seen:>yesterday", 11, "last_seen takes a date"),
    ("date:[2024-13-01 TO *]", 6, "date takes a date"),
    ("date:[* TO 2024-01-01T25:00]", 11, "date takes a date"),
    ("level:[warning TO loud]", 18, "level has no value 'loud'"),
])
def test_value_errors_point_at_the_value(query: str, position: int | None,
                                         reason: str | None) -> None:
    if reason is None:
        compile_filter(query, 1, now=NOW)
        return
    with pytest.raises(SearchError) as info:
        compile_filter(query, 1, now=NOW)
    assert info.value.position == position and reason in info.value.reason


SAMPLE = {fields.Type.TEXT: "abc", fields.Type.EXACT: "abc", fields.Type.PHRASE: "abc",
          fields.Type.INT: "12", fields.Type.DATE: "2024-01-01", fields.Type.TAG: "k=v"}


@pytest.mark.parametrize("name", sorted(fields.BY_NAME), ids=str)
def test_every_field_and_alias_compiles(name: str) -> None:
    """Each catalogue entry names a real column or facet kind: no query on it can fail
    with anything but SearchError."""
    f = fields.BY_NAME[name]
    value = next(iter(f.values)) if f.values else SAMPLE[f.type]
    queries = [f"{name}:{value}", f'{name}:"{value}"', f"{name}:{value}*", f"{name}:*",
               f"-{name}:{value}", f"_exists_:{name}", f"_missing_:{name}"]
    if f.type in (fields.Type.INT, fields.Type.DATE) or f.ordered:
        queries += [f"{name}:>{value}", f"{name}:<={value}", f"{name}:[{value} TO *]"]
    for query in queries:
        try:
            expr = compile_filter(query, 1, now=NOW)
        except SearchError as exc:
            assert "wildcard" in exc.reason, (query, exc.message)
            continue
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            expr.compile(dialect=dialect)


def day(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize("text, span", [
    ("2024-01-31", (day("2024-01-31"), day("2024-02-01"))),
    ("2024-01-31T10:00", (day("2024-01-31T10:00"), day("2024-01-31T10:01"))),
    ("2024-01-31T10:00:05Z", (day("2024-01-31T10:00:05"), day("2024-01-31T10:00:06"))),
    ("2024-01-31T10:00:05+02:00", (day("2024-01-31T08:00:05"), day("2024-01-31T08:00:06"))),
    ("1700000000", (1700000000.0, 1700000001.0)),
    ("now", (NOW, NOW + 1)),
    ("now-24h", (NOW - 86400, NOW - 86399)),
    ("now-1d+2h", (NOW - 79200, NOW - 79199)),
    ("now-2w", (NOW - 14 * 86400, NOW - 14 * 86400 + 1)),
    ("now-30m", (NOW - 1800, NOW - 1799)),
])
def test_dates_are_spans(text: str, span: tuple[float, float]) -> None:
    got = date_span(Value(text, 0), text, fields.BY_NAME["date"], NOW)
    assert got == pytest.approx(span)


def sql(query: str, dialect: object = None) -> str:
    expr = compile_filter(query, 7, now=NOW)
    return str(expr.compile(dialect=dialect or sqlite.dialect()))  # type: ignore[arg-type]


def test_values_are_bound_parameters_never_sql_text() -> None:
    hostile = "x' OR 1=1; DROP TABLE items; --"
    for query in (f'"{hostile}"', f'host:"{hostile}"', f'tag:"{hostile}"',
                  f'version:"{hostile}"', f'reference:"{hostile}"', f'type:"{hostile}"'):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            text = sql(query, dialect)
            assert "DROP" not in text and "1=1" not in text, text


def test_prefix_matches_on_facets_are_index_ranges() -> None:
    text = sql("host:web*")
    assert "item_facets.value >= " in text and "item_facets.value < " in text
    assert "LIKE" not in text  # PostgreSQL cannot index LIKE outside the C collation
    assert "item_facets.project_id = " in text and "item_facets.kind = " in text


def test_membership_subqueries_are_distinct() -> None:
    """PostgreSQL hashes NOT IN (subquery) only when it expects few rows; without
    DISTINCT, `-date:[now-20d TO now]` rescanned the window per item (13 s)."""
    for query in ("-date:[now-20d TO now]", "-host:web*", "-version:1", "-reference:x",
                  "-tag:eu", "-_exists_:version"):
        text = sql(query, postgresql.dialect())
        assert text.count("IN (SELECT DISTINCT") == text.count("IN (SELECT") > 0, text


def test_negation_keeps_items_without_a_value() -> None:
    """`-type:X` must still list items with no exception class (NULL): the
    condition is two-valued, so NOT of it is true there."""
    text = sql("-type:KeyError")
    assert "exception_class IS NOT NULL AND" in text


# ---- fuzzing: any text compiles or raises SearchError ---------------------------------

TOKENS = st.sampled_from([
    "a", "web", "x*", "*", '"', '"q q"', "(", ")", "[", "]", "{", "}", " ", "  ", "-", "!",
    "#", "#3", ":", "\\", "AND", "OR", "NOT", "&&", "||", "TO", "=", ">", ">=", "<", "<=",
    "status:", "level:", "host:", "tag:", "tag.k:", "date:", "last_seen:", "occurrences:",
    "version:", "reference:", "title:", "_exists_:", "_missing_:", "has:", "env:", "nope:",
    "active", "warning", "now", "now-24h", "2024-01-01", "2024-01-01T10:00Z", "10", "-5",
    "1e9", "k=v", "%", "_", "'", ";", "\x00", "é", "\u3000", "\ud800",
])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=25).map("".join))
def test_fuzz_grammar_like_text_compiles_or_raises_search_error(query: str) -> None:
    check(query)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text_compiles_or_raises_search_error(query: str) -> None:
    check(query)


def check(query: str) -> None:
    try:
        expr = compile_filter(query, 1, now=NOW)
    except SearchError as exc:
        assert 0 <= exc.position <= len(query)
        assert exc.message.startswith("invalid search query: ")
        return
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        expr.compile(dialect=dialect)
