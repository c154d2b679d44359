"""The search language over events, and with Exceptionless's field names, without a
database: which terms are event-level, bound parameters only, and fuzzing that any
text compiles or raises the one SearchError."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql, sqlite

from tracehound.protocols.exceptionless import ids, search_fields
from tracehound.query.event_search import compile_event_filter
from tracehound.query.search import SearchError, compile_filter

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC).timestamp()


def events_sql(query: str, dialect: object = None) -> str:
    expr = compile_event_filter(query, (1, 2), now=NOW, catalogue=search_fields.EVENTS,
                                decode_id=ids.decode)
    return str(expr.compile(dialect=dialect or sqlite.dialect()))  # type: ignore[arg-type]


def stacks_sql(query: str) -> str:
    expr = compile_filter(query, (1, 2), now=NOW, catalogue=search_fields.STACKS,
                          decode_id=ids.decode)
    return str(expr.compile(dialect=sqlite.dialect()))


def test_event_fields_compare_occurrence_columns() -> None:
    assert events_sql("reference:abc-12345").startswith("occurrences.reference_id = ")
    assert events_sql("level:error").startswith("occurrences.level IN")
    assert events_sql(f"id:{ids.encode(7)}") == "occurrences.id = ?"
    assert events_sql(f"stack:{ids.encode(7)}") == "occurrences.item_id = ?"
    assert events_sql("stack:nothex") in ("0", "0 = 1")  # no such id: nothing matches
    # item-level terms: one subquery for the largest item-only subtree
    text = events_sql("type:error tag:x status:open -fixed:true reference:abcdefgh")
    assert text.count("occurrences.item_id IN (SELECT items.id") == 1, text
    assert "occurrences.reference_id = " in text
    assert "items.project_id IN (" in text  # restricted to the searched projects


def test_stack_names_mean_stack_things() -> None:
    assert stacks_sql(f"stack:{ids.encode(3)}") == "items.id = ?"
    assert "items.first_occurrence_timestamp" in stacks_sql("first:2024-01-01")
    assert "items.critical" in stacks_sql("critical:true")
    assert "occurrences.reference_id" in stacks_sql("reference:abcdefgh")
    assert "last_resolved_timestamp" in stacks_sql("status:regressed")
    assert "fingerprint_key" in stacks_sql("type:usage")


@pytest.mark.parametrize("query", ["type:", "level:loud", "fixed:maybe", "status:gone",
                                   "first:soon", "bogus:1", "stack:>5", "id:[1 TO 2]"])
def test_bad_filters_raise_search_error(query: str) -> None:
    with pytest.raises(SearchError):
        events_sql(query)


def test_values_are_bound_parameters_never_sql_text() -> None:
    hostile = "x' OR 1=1; DROP TABLE items; --"
    for query in (f'"{hostile}"', f'reference:"{hostile}"', f'type:"{hostile}"',
                  f'source:"{hostile}"', f'tag:"{hostile}"', f'stack:"{hostile}"'):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            text = events_sql(query, dialect)
            assert "DROP" not in text and "1=1" not in text, text


TOKENS = st.sampled_from([
    "a", "x*", "*", '"', '"q q"', "(", ")", "[", "]", " ", "-", "!", ":", "\\", "AND", "OR",
    "NOT", "TO", ">", ">=", "<", "type:", "reference:", "level:", "tag:", "stack:", "id:",
    "project:", "first:", "date:", "status:", "fixed:", "hidden:", "critical:", "source:",
    "user:", "true", "false", "error", "log", "open", "regressed", "warn", "now-7d",
    "2024-01-01", ids.encode(5), "zz", "_exists_:", "%", "_", "\x00", "é",
])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=20).map("".join))
def test_fuzz_events_and_stacks_compile_or_raise_search_error(query: str) -> None:
    for compile_one in (
        lambda: compile_event_filter(query, (1, 2), now=NOW, catalogue=search_fields.EVENTS,
                                     decode_id=ids.decode),
        lambda: compile_filter(query, (1,), now=NOW, catalogue=search_fields.STACKS,
                               decode_id=ids.decode),
    ):
        try:
            expr: ColumnElement[bool] = compile_one()
        except SearchError as exc:
            assert 0 <= exc.position <= len(query)
            continue
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            expr.compile(dialect=dialect)
