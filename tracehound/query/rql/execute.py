"""Run a checked query: one SQL statement when SQL can answer it all, else SQL narrows
the rows (project, time window, fixed-column conditions) and Python does the rest."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from tracehound.model import rollbar_ids
from tracehound.query.rql import catalog
from tracehound.query.rql.check import check as check_query
from tracehound.query.rql.compile import Compiler
from tracehound.query.rql.errors import RqlError
from tracehound.query.rql.evaluate import Context, Grouper, Row, sort_key, value
from tracehound.query.rql.guard import Guard
from tracehound.query.rql.ir import Col, Query, Value, conjuncts, uses_paths, walk
from tracehound.query.rql.mysql import truth
from tracehound.query.rql.payload import Payload
from tracehound.query.rql.result import TYPE_NAMES, RqlResult, plain
from tracehound.store.tables import occurrences, projects

DEFAULT_LIMIT = 100  # rows returned when the query has no LIMIT (Rollbar's)
MAX_SCANNED = 200_000  # rows the Python path may read (Rollbar: >200,000 usually fails)
CHUNK = 500  # rows fetched per round trip on the Python path; deadline checked per chunk


def execute(conn: Connection, project_id: int, query: str, *, deadline: float,
            max_rows: int = 1000, cancelled: Callable[[], bool] = lambda: False,
            now: float | None = None, max_scanned: int = MAX_SCANNED) -> RqlResult:
    """Run `query` over `project_id`'s data only. RqlError for a bad query, RqlTimeout past
    `deadline` (time.monotonic()), RqlCancelled once cancelled() is true. `cancelled`
    must be cheap and must not use `conn`; it is polled about every 0.2 s."""
    started = time.monotonic()
    q = check_query(query)
    warnings: list[str] = []
    limit = min(DEFAULT_LIMIT, max_rows) if q.limit is None else q.limit
    if limit > max_rows:
        warnings.append(f"LIMIT {limit} lowered to {max_rows}: at most {max_rows} rows "
                        "are returned")
        limit = max_rows
    now_s = int(time.time() if now is None else now)
    with Guard(conn, deadline, cancelled) as guard:
        slug = conn.execute(select(projects.c.name).where(
            projects.c.id == project_id)).scalar_one_or_none() or ""
        comp = Compiler(q, conn.dialect.name, project_id, slug, now_s)
        if all(comp.pushable(e) for e in q.expressions()):
            rows = _run_sql(conn, comp, limit, q.offset)
        else:
            rows = _run_python(conn, comp, limit, q.offset, guard, max_scanned, now_s)
    columns = [{"name": s.name, "type": TYPE_NAMES.get(comp.t(s.expr), "mixed")}
               for s in q.select]
    return RqlResult([s.name for s in q.select], columns, rows, warnings, [],
                     (time.monotonic() - started) * 1000)


def _run_sql(conn: Connection, comp: Compiler, limit: int, offset: int) -> list[list[Any]]:
    stmt, shown = comp.statement(limit, offset)
    return [[plain(v) for v in row[:shown]] for row in conn.execute(stmt)]


def _fetch_columns(comp: Compiler, q: Query) -> list[str]:
    names: dict[str, None] = {}
    for e in q.expressions():
        for n in walk(e):
            if isinstance(n, Col):
                names[n.name] = None
    return list(names)


def _run_python(conn: Connection, comp: Compiler, limit: int, offset: int, guard: Guard,
                max_scanned: int, now: int) -> list[list[Any]]:
    q = comp.query
    ctx = Context(now)
    parts = conjuncts(q.where)
    pushed = [c for c in parts if comp.pushable(c)]
    residual = [c for c in parts if not comp.pushable(c)]
    names = _fetch_columns(comp, q)
    cols = [_fetch(comp, n).label(f"f{i}") for i, n in enumerate(names)]
    with_payload = any(uses_paths(e) for e in q.expressions())
    if with_payload:
        cols.append(occurrences.c.payload.label("payload"))
    stmt = comp.source(cols)
    if pushed:
        stmt = stmt.where(*(comp.cond(c) for c in pushed))
    convert = [_converter(comp.columns[n]) for n in names]
    grouper = Grouper(q, ctx) if q.aggregate else None
    matched: list[tuple[list[Value], list[Value]]] = []
    wanted = offset + limit
    scanned = 0
    result = conn.execute(stmt.execution_options(yield_per=CHUNK))
    try:
        for raw in result:
            scanned += 1
            if scanned % CHUNK == 0:
                guard.check()
            if scanned > max_scanned:
                raise RqlError(
                    f"the query reads more than {max_scanned} rows; narrow it with a "
                    "time window (timestamp > unix_timestamp() - 86400) or fixed columns "
                    "(item.counter = …)")
            fixed = {n: f(raw[i]) for i, (n, f) in enumerate(zip(names, convert,
                                                                  strict=True))}
            row = Row(fixed, Payload(raw[-1]) if with_payload else None)
            if not all(truth(value(c, row, ctx)) for c in residual):
                continue
            if grouper is not None:
                grouper.add(row)
                continue
            matched.append(([value(s.expr, row, ctx) for s in q.select],
                            [value(o.expr, row, ctx) for o in q.order_by]))
            if not q.order_by and len(matched) >= wanted:
                break
    finally:
        result.close()
    guard.check()
    if grouper is not None:
        matched = [([value(s.expr, row, ctx, aggs) for s in q.select],
                    [value(o.expr, row, ctx, aggs) for o in q.order_by])
                   for row, aggs in grouper.rows()]
    if q.order_by:
        key = sort_key([o.desc for o in q.order_by])
        matched.sort(key=lambda m: key((m[1], None)))
    return [[plain(v) for v in m[0]] for m in matched[offset:offset + limit]]


def _fetch(comp: Compiler, name: str) -> Any:
    col = comp.columns[name]
    if col.kind in ("platform", "framework"):
        from tracehound.store.tables import items
        return items.c[col.field]
    return comp.column(name)


def _converter(col: catalog.FixedColumn) -> Callable[[Any], Value]:
    if col.kind == "platform":
        return lambda v: rollbar_ids.platform_id(v or "")
    if col.kind == "framework":
        return lambda v: rollbar_ids.framework_id(v or "")
    return plain
