"""The checked query: a small closed set of frozen nodes, the only input of the compilers.

check.py builds it from the sqlglot tree and refuses anything else, so nothing here can
name a table, a function or a construct outside the whitelist. Nodes compare by value,
which is how GROUP BY expressions are matched to SELECT expressions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Value = int | float | str | None
VType = Literal["int", "float", "str", "bool", "null", "any"]

ARITHMETIC = frozenset({"+", "-", "*", "/", "div", "mod"})
COMPARISON = frozenset({"=", "!=", "<", "<=", ">", ">="})
LOGICAL = frozenset({"and", "or"})
AGGREGATES = frozenset({"count", "count_distinct", "sum", "avg", "min", "max"})


@dataclass(frozen=True)
class Expr:
    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(frozen=True)
class Lit(Expr):
    value: Value


@dataclass(frozen=True)
class Col(Expr):
    """A fixed column of the table (catalog.py)."""

    name: str


@dataclass(frozen=True)
class Path(Expr):
    """A JSON path into the occurrence's stored payload; NULL where it does not exist."""

    path: str


@dataclass(frozen=True)
class Now(Expr):
    """unix_timestamp(): the job's clock, in whole seconds."""


@dataclass(frozen=True)
class Unary(Expr):
    op: Literal["neg", "not"]
    arg: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # ARITHMETIC | COMPARISON | LOGICAL
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class InList(Expr):
    arg: Expr
    items: tuple[Expr, ...]
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.arg, *self.items)


@dataclass(frozen=True)
class Between(Expr):
    arg: Expr
    low: Expr
    high: Expr
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.arg, self.low, self.high)


@dataclass(frozen=True)
class Like(Expr):
    arg: Expr
    pattern: Expr
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.arg, self.pattern)


@dataclass(frozen=True)
class IsNull(Expr):
    arg: Expr
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True)
class Call(Expr):
    """A scalar function of the whitelist (check.FUNCTIONS)."""

    name: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True)
class Agg(Expr):
    name: str  # AGGREGATES
    arg: Expr | None  # None for count(*)

    def children(self) -> tuple[Expr, ...]:
        return () if self.arg is None else (self.arg,)


@dataclass(frozen=True)
class SelectItem:
    expr: Expr
    name: str  # as written (or its alias): selectionColumns


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    desc: bool


@dataclass(frozen=True)
class Query:
    table: str
    select: tuple[SelectItem, ...]
    where: Expr | None
    group_by: tuple[Expr, ...]
    order_by: tuple[OrderItem, ...]
    limit: int | None  # as written; the executor applies the default and the cap
    offset: int
    aggregate: bool  # GROUP BY or an aggregate function: one row per group

    def expressions(self) -> Iterator[Expr]:
        """Every top-level expression of the query."""
        yield from (s.expr for s in self.select)
        if self.where is not None:
            yield self.where
        yield from self.group_by
        yield from (o.expr for o in self.order_by)


def walk(expr: Expr) -> Iterator[Expr]:
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children())


def has_agg(expr: Expr) -> bool:
    return any(isinstance(n, Agg) for n in walk(expr))


def uses_paths(expr: Expr) -> bool:
    return any(isinstance(n, Path) for n in walk(expr))


def conjuncts(expr: Expr | None) -> list[Expr]:
    """`a AND b AND c` as [a, b, c]."""
    if expr is None:
        return []
    if isinstance(expr, Binary) and expr.op == "and":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]
