"""Evaluate checked queries in Python over streamed rows: the path for payload columns.

SQL narrows the rows (project, time window and every fixed-column condition); this
module applies the rest (residual WHERE, SELECT, GROUP BY, aggregates, ORDER BY, LIMIT)
with mysql.py's semantics.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from tracehound.query.rql import mysql
from tracehound.query.rql.errors import RqlError
from tracehound.query.rql.ir import (
    Agg,
    Between,
    Binary,
    Call,
    Col,
    Expr,
    InList,
    IsNull,
    Like,
    Lit,
    Now,
    Path,
    Query,
    Unary,
    Value,
    walk,
)
from tracehound.query.rql.payload import Payload


class Row:
    """One source row: fixed columns by RQL name, and the payload when paths are used."""

    __slots__ = ("fixed", "payload")

    def __init__(self, fixed: dict[str, Value], payload: Payload | None) -> None:
        self.fixed = fixed
        self.payload = payload


class Context:
    def __init__(self, now: int) -> None:
        self.now = now


def value(expr: Expr, row: Row, ctx: Context, aggs: dict[Agg, Value] | None = None) -> Value:
    """The value of `expr` on `row`; aggregates are read from `aggs` (grouped queries)."""
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, Col):
        return row.fixed[expr.name]
    if isinstance(expr, Path):
        return row.payload.value(expr.path) if row.payload is not None else None
    if isinstance(expr, Now):
        return ctx.now
    if isinstance(expr, Agg):
        if aggs is None:
            raise RqlError("aggregate used outside a grouped query")
        return aggs[expr]

    def v(e: Expr) -> Value:
        return value(e, row, ctx, aggs)

    if isinstance(expr, Binary):
        if expr.op in ("and", "or"):
            return mysql.logical(expr.op, v(expr.left), v(expr.right))
        if expr.op in mysql._COMPARE:
            return mysql.comparison(expr.op, v(expr.left), v(expr.right))
        return mysql.arithmetic(expr.op, v(expr.left), v(expr.right))
    if isinstance(expr, Unary):
        inner = v(expr.arg)
        if expr.op == "not":
            t = mysql.truth(inner)
            return None if t is None else int(not t)
        n = mysql.num(inner)
        return None if n is None else -n
    if isinstance(expr, InList):
        r = mysql.in_list(v(expr.arg), [v(i) for i in expr.items])
        return _negate(r) if expr.negated else r
    if isinstance(expr, Between):
        x = v(expr.arg)
        r = mysql.logical("and", mysql.comparison(">=", x, v(expr.low)),
                          mysql.comparison("<=", x, v(expr.high)))
        return _negate(r) if expr.negated else r
    if isinstance(expr, Like):
        r = mysql.like(v(expr.arg), v(expr.pattern))
        return _negate(r) if expr.negated else r
    if isinstance(expr, IsNull):
        return int((v(expr.arg) is None) != expr.negated)
    if isinstance(expr, Call):
        return mysql.call(expr.name, [v(a) for a in expr.args])
    raise RqlError(f"cannot evaluate {type(expr).__name__}")


def _negate(r: int | None) -> int | None:
    return None if r is None else 1 - r


# ---- aggregation ----------------------------------------------------------------------


class Accumulator:
    __slots__ = ("agg", "count", "total", "best", "seen")

    def __init__(self, agg: Agg) -> None:
        self.agg = agg
        self.count = 0
        self.total: int | float = 0
        self.best: Value = None
        self.seen: set[Value] = set()

    def add(self, v: Value) -> None:
        name = self.agg.name
        if self.agg.arg is not None and v is None:
            return
        self.count += 1
        if name in ("sum", "avg"):
            n = mysql.num(v)
            self.total += n or 0
        elif name in ("min", "max"):
            if self.best is None:
                self.best = v
            else:
                c = mysql.compare(v, self.best)
                if c is not None and (c < 0 if name == "min" else c > 0):
                    self.best = v
        elif name == "count_distinct":
            self.seen.add(v)

    def result(self) -> Value:
        name = self.agg.name
        if name == "count":
            return self.count
        if name == "count_distinct":
            return len(self.seen)
        if name in ("min", "max"):
            return self.best
        if self.count == 0:
            return None
        return self.total if name == "sum" else self.total / self.count


def aggregates_of(query: Query) -> list[Agg]:
    found: dict[Agg, None] = {}
    for e in query.expressions():
        for n in walk(e):
            if isinstance(n, Agg):
                found[n] = None
    return list(found)


class Grouper:
    """Groups and accumulators for a grouped query, fed row by row."""

    def __init__(self, query: Query, ctx: Context) -> None:
        self.query = query
        self.ctx = ctx
        self.aggs = aggregates_of(query)
        self.groups: dict[tuple[Value, ...], tuple[Row, list[Accumulator]]] = {}
        if not query.group_by:  # one group, present even when no row matches
            self.groups[()] = (Row({}, None), [Accumulator(a) for a in self.aggs])

    def add(self, row: Row) -> None:
        key = tuple(value(g, row, self.ctx) for g in self.query.group_by)
        entry = self.groups.get(key)
        if entry is None:
            entry = self.groups[key] = (row, [Accumulator(a) for a in self.aggs])
        for acc in entry[1]:
            acc.add(None if acc.agg.arg is None else value(acc.agg.arg, row, self.ctx))

    def rows(self) -> Iterable[tuple[Row, dict[Agg, Value]]]:
        for row, accs in self.groups.values():
            yield row, {a.agg: a.result() for a in accs}


# ---- ordering -------------------------------------------------------------------------


def _cmp(a: Value, b: Value) -> int:
    """MySQL order: NULL first, then by value."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    c = mysql.compare(a, b)
    return c or 0


def sort_key(descs: list[bool]) -> Callable[[Any], Any]:
    def compare(x: tuple[list[Value], Any], y: tuple[list[Value], Any]) -> int:
        for a, b, desc in zip(x[0], y[0], descs, strict=True):
            c = _cmp(a, b)
            if c:
                return -c if desc else c
        return 0
    return functools.cmp_to_key(compare)
