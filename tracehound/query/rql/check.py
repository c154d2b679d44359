"""The whitelist: a sqlglot tree becomes an ir.Query, or an RqlError naming what is refused.

Conversion is the check. Every node type, function and clause accepted is listed below;
anything else (joins, subqueries, other tables, variables, casts, unknown functions...)
has no translation and is refused, so the compilers never see text from the query.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from sqlglot import exp

from tracehound.query.rql import catalog
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
    OrderItem,
    Path,
    Query,
    SelectItem,
    Unary,
    has_agg,
    walk,
)
from tracehound.query.rql.parse import Parsed, parse

MAX_NODES = 5_000
MAX_DEPTH = 64  # nesting of expressions; a chain of ANDs (or ORs) counts as one level
MAX_IN_ITEMS = 1_000
MAX_SELECT_ITEMS = 100
MAX_PATH_CHARS = 255
MAX_INT = 2**63 - 1
_PATH_SEGMENT = re.compile(r"[^.]+")

_BINARY: dict[type[exp.Expression], str] = {
    exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.IntDiv: "div",
    exp.Mod: "mod", exp.EQ: "=", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<",
    exp.LTE: "<=", exp.And: "and", exp.Or: "or",
}
_SIMPLE_AGG: dict[type[exp.Expression], str] = {
    exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max"}

# Clauses of a SELECT that RQL has; every other one is refused by name.
_CLAUSES = {"expressions", "from_", "from", "where", "group", "order", "limit", "offset"}
_CLAUSE_NAMES = {
    "joins": "JOIN (or a second table)", "distinct": "DISTINCT", "having": "HAVING",
    "with_": "WITH", "with": "WITH", "into": "SELECT … INTO", "locks": "FOR UPDATE / LOCK",
    "laterals": "LATERAL", "windows": "WINDOW", "qualify": "QUALIFY", "pivots": "PIVOT",
}
_REFUSED_NODES: dict[type[exp.Expression], str] = {
    exp.Subquery: "subqueries are not supported",
    exp.Select: "subqueries are not supported",
    exp.Union: "UNION is not supported",
    exp.Exists: "EXISTS is not supported",
    exp.Any: "ANY is not supported",
    exp.All: "ALL is not supported",
    exp.Placeholder: "placeholders (?) are not supported: write the value",
    exp.Parameter: "variables are not supported",
    exp.SessionParameter: "variables are not supported",
    exp.Cast: "CAST is not supported",
    exp.Case: "CASE is not supported: use if(cond, a, b)",
    exp.Distinct: "DISTINCT is not supported (count_distinct(x) counts distinct values)",
    exp.Window: "window functions are not supported",
    exp.Escape: "LIKE … ESCAPE is not supported: '\\' escapes % and _",
    exp.RegexpLike: "REGEXP is not supported: use LIKE",
    exp.Star: "* is only allowed alone in SELECT or in count(*)",
}


def check(text: str) -> Query:
    """Parse and validate `text`; the checked query, or RqlError."""
    return Checker(parse(text)).query()


class Checker:
    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.nodes = 0
        self.table = ""
        self.columns: dict[str, catalog.FixedColumn] = {}
        self.star = False

    # ---- statement -------------------------------------------------------------------

    def query(self) -> Query:
        tree = self.parsed.tree
        if isinstance(tree, exp.Union | exp.Intersect | exp.Except):
            raise RqlError("UNION, INTERSECT and EXCEPT are not supported")
        if not isinstance(tree, exp.Select):
            raise RqlError(f"only SELECT statements are allowed, not {_statement(tree)}")
        for key, value in tree.args.items():
            if value and key not in _CLAUSES:
                name = _CLAUSE_NAMES.get(key, key.upper().rstrip("_"))
                raise RqlError(f"{name} is not supported")
        _check_depth(tree)
        self.table = self._table(tree.args.get("from_") or tree.args.get("from"))
        self.columns = catalog.TABLES[self.table]
        select = self._select(tree.expressions)
        where_node = tree.args.get("where")
        where = self._expr(where_node.this, where="WHERE") if where_node else None
        group = self._group(tree.args.get("group"), select)
        order = self._order(tree.args.get("order"), select)
        limit = self._count(tree.args.get("limit"), "LIMIT")
        offset = self._count(tree.args.get("offset"), "OFFSET") or 0
        aggregate = bool(group) or any(has_agg(s.expr) for s in select) \
            or any(has_agg(o.expr) for o in order)
        if aggregate:
            if self.star:
                raise RqlError("SELECT * cannot be combined with GROUP BY or aggregates")
            for item in select:
                _grouped(item.expr, group, f"SELECT {item.name}")
            for o in order:
                _grouped(o.expr, group, "ORDER BY")
        return Query(self.table, tuple(select), where, tuple(group), tuple(order), limit,
                     offset, aggregate)

    def _table(self, node: exp.Expression | None) -> str:
        if node is None:
            raise RqlError("FROM is required: FROM item_occurrence or FROM deploy")
        table = node.this
        if isinstance(table, exp.Subquery | exp.Select):
            raise RqlError("subqueries are not supported")
        if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
            raise RqlError("FROM must name item_occurrence or deploy")
        for key, value in table.args.items():
            if value and key != "this":
                raise RqlError(f"FROM {table.name}: {key} is not supported")
        name = table.name
        if name.lower() not in catalog.TABLES:
            raise RqlError(f"unknown table '{name[:64]}': RQL reads item_occurrence or deploy")
        return name.lower()

    def _select(self, nodes: list[exp.Expression]) -> list[SelectItem]:
        if len(nodes) > MAX_SELECT_ITEMS:
            raise RqlError(f"at most {MAX_SELECT_ITEMS} selected expressions")
        written = self.parsed.selection
        items: list[SelectItem] = []
        for i, node in enumerate(nodes):
            if isinstance(node, exp.Star):
                items += [SelectItem(Col(c), c) for c in catalog.STAR[self.table]]
                self.star = True
                continue
            if isinstance(node, exp.Alias):
                name = node.alias
                expr = self._expr(node.this, where="SELECT", aggregates=True)
            else:
                name = written[i] if len(written) == len(nodes) else node.sql("mysql")
                expr = self._expr(node, where="SELECT", aggregates=True)
            items.append(SelectItem(expr, name[:200]))
        if self.star and len(nodes) > 1:
            raise RqlError("SELECT * cannot be mixed with other expressions")
        return items

    def _reference(self, node: exp.Expression, select: list[SelectItem],
                   clause: str) -> Expr | None:
        """GROUP BY / ORDER BY by ordinal (1-based) or by a SELECT alias."""
        if isinstance(node, exp.Literal) and not node.is_string:
            if not re.fullmatch(r"[0-9]+", node.this):
                raise RqlError(f"{clause} position must be a whole number")
            n = int(node.this)
            if not 1 <= n <= len(select):
                raise RqlError(f"{clause} {n}: there are {len(select)} selected expressions")
            return select[n - 1].expr
        if isinstance(node, exp.Column):
            name = ".".join(p.name for p in node.parts)
            for item in select:
                if item.name == name:
                    return item.expr
        return None

    def _group(self, node: exp.Expression | None, select: list[SelectItem]) -> list[Expr]:
        if node is None:
            return []
        out = []
        for e in node.expressions:
            expr = self._reference(e, select, "GROUP BY")
            if expr is None:
                expr = self._expr(e, where="GROUP BY")
            if has_agg(expr):
                raise RqlError("GROUP BY cannot use an aggregate function")
            out.append(expr)
        return out

    def _order(self, node: exp.Expression | None, select: list[SelectItem]) -> list[OrderItem]:
        if node is None:
            return []
        out = []
        for o in node.expressions:
            if not isinstance(o, exp.Ordered):
                raise RqlError("ORDER BY takes expressions with ASC or DESC")
            if o.args.get("with_fill"):
                raise RqlError("ORDER BY … WITH FILL is not supported")
            expr = self._reference(o.this, select, "ORDER BY")
            if expr is None:
                expr = self._expr(o.this, where="ORDER BY", aggregates=True)
            out.append(OrderItem(expr, bool(o.args.get("desc"))))
        return out

    def _count(self, node: exp.Expression | None, clause: str) -> int | None:
        if node is None:
            return None
        value = node.args.get("expression")
        if node.args.get("offset") or node.args.get("expressions"):
            raise RqlError(f"{clause}: this form is not supported")
        if not (isinstance(value, exp.Literal) and not value.is_string
                and re.fullmatch(r"[0-9]{1,18}", value.this)):
            raise RqlError(f"{clause} takes a whole number")
        return int(value.this)

    # ---- expressions -----------------------------------------------------------------

    def _expr(self, node: exp.Expression, *, where: str, aggregates: bool = False,
              in_agg: bool = False) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RqlError(f"query has more than {MAX_NODES} expression nodes")

        def sub(n: exp.Expression, agg_arg: bool = in_agg) -> Expr:
            return self._expr(n, where=where, aggregates=aggregates, in_agg=agg_arg)

        for cls, message in _REFUSED_NODES.items():
            if type(node) is cls:
                raise RqlError(message)
        if isinstance(node, exp.Paren):
            return sub(node.this)
        if isinstance(node, exp.Column):
            return self._column(node)
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Boolean):
            return Lit(1 if node.this else 0)
        if isinstance(node, exp.Null):
            return Lit(None)
        if isinstance(node, exp.Neg):
            inner = sub(node.this)
            if isinstance(inner, Lit) and isinstance(inner.value, int | float):
                return Lit(-inner.value)
            return Unary("neg", inner)
        if isinstance(node, exp.Not):
            inner = sub(node.this)
            if isinstance(inner, InList | Between | Like | IsNull):
                return dataclasses.replace(inner, negated=not inner.negated)
            return Unary("not", inner)
        if isinstance(node, exp.And | exp.Or):
            return _balanced("and" if isinstance(node, exp.And) else "or",
                             [sub(n) for n in _chain(node)])
        op = _BINARY.get(type(node))
        if op is not None:
            return Binary(op, sub(node.this), sub(node.expression))
        if isinstance(node, exp.In):
            for key in ("query", "unnest", "field"):
                if node.args.get(key):
                    raise RqlError("IN takes a list of values, not a subquery")
            values = node.expressions
            if not values:
                raise RqlError("IN needs at least one value")
            if len(values) > MAX_IN_ITEMS:
                raise RqlError(f"IN lists at most {MAX_IN_ITEMS} values, not {len(values)}")
            return InList(sub(node.this), tuple(sub(v) for v in values))
        if isinstance(node, exp.Between):
            if node.args.get("symmetric"):
                raise RqlError("BETWEEN SYMMETRIC is not supported")
            return Between(sub(node.this), sub(node.args["low"]), sub(node.args["high"]))
        if isinstance(node, exp.Like):
            return Like(sub(node.this), sub(node.expression), bool(node.args.get("negate")))
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise RqlError("IS takes NULL (IS NULL, IS NOT NULL)")
            return IsNull(sub(node.this))
        if isinstance(node, exp.Count | exp.Sum | exp.Avg | exp.Min | exp.Max) or (
                isinstance(node, exp.Anonymous) and node.name.lower() == "count_distinct"):
            return self._aggregate(node, where, aggregates, in_agg)
        if isinstance(node, exp.Func):
            return self._function(node, sub)
        raise RqlError(f"{_describe(node)} is not supported")

    def _column(self, node: exp.Column) -> Expr:
        if isinstance(node.this, exp.Star):
            raise RqlError("table.* is not supported")
        name = ".".join(p.name for p in node.parts)
        if name.startswith(self.table + "."):
            name = name[len(self.table) + 1:]
        if name in self.columns:
            return Col(name)
        if self.table not in catalog.PAYLOAD_TABLES:
            raise RqlError(f"unknown column '{name[:80]}' of {self.table}: "
                           f"{', '.join(sorted(self.columns))}")
        if name.startswith("item."):
            raise RqlError(f"unknown column '{name[:80]}': item columns are "
                           + ", ".join(c for c in self.columns if c.startswith("item.")))
        if not name or len(name) > MAX_PATH_CHARS or any(
                not s for s in name.split(".")):
            raise RqlError(f"invalid column name '{name[:80]}'")
        return Path(name)

    def _aggregate(self, node: exp.Expression, where: str, allowed: bool,
                   in_agg: bool) -> Expr:
        name = "count_distinct" if isinstance(node, exp.Anonymous) else \
            "count" if isinstance(node, exp.Count) else _SIMPLE_AGG[type(node)]
        if not allowed:
            raise RqlError(f"{name}() cannot be used in {where}")
        if in_agg:
            raise RqlError(f"{name}() cannot be nested inside another aggregate")
        args = list(node.expressions) if isinstance(node, exp.Anonymous) else \
            ([node.this] if node.this is not None else []) + list(node.expressions)
        if name == "count" and len(args) == 1 and isinstance(args[0], exp.Star):
            return Agg("count", None)
        if len(args) != 1:
            raise RqlError(f"{name}() takes exactly one argument")
        arg = self._expr(args[0], where=where, aggregates=True, in_agg=True)
        return Agg(name, arg)

    def _function(self, node: exp.Func, sub: Callable[[exp.Expression], Expr]) -> Expr:
        if isinstance(node, exp.Anonymous):
            fname = node.name.lower()
            if fname == "unix_timestamp":
                if node.expressions:
                    raise RqlError("unix_timestamp() takes no argument here: it is now")
                return Now()
            raise RqlError(f"unknown function {node.name[:64]}()")
        spec = _FUNCTIONS.get(type(node))  # type: ignore[arg-type]
        if spec is None:
            raise RqlError(f"function {node.sql_name().lower()}() is not supported")
        name, keys, required = spec
        if isinstance(node, exp.Length) and node.args.get("binary"):
            name = "length"
        for key, value in node.args.items():
            if value and key not in keys and key not in ("safe", "coalesce", "binary"):
                raise RqlError(f"{name}(): unsupported argument form")
        args: list[Expr] = []
        for key in keys:
            value = node.args.get(key)
            if isinstance(value, list):
                args += [sub(v) for v in value]
            elif value is not None:
                args.append(sub(value))
            elif key in required:
                raise RqlError(f"{name}() is missing an argument")
        if name == "if" and len(args) == 2:
            args.append(Lit(None))
        if name == "concat_ws" and len(args) < 2 or name == "concat" and not args:
            raise RqlError(f"{name}() needs more arguments")
        return Call(name, tuple(args))


# sqlglot node → (RQL name, argument keys in RQL order, required keys)
_FUNCTIONS: dict[type[exp.Expression], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    exp.Concat: ("concat", ("expressions",), ()),
    exp.ConcatWs: ("concat_ws", ("expressions",), ()),
    exp.Lower: ("lower", ("this",), ("this",)),
    exp.Upper: ("upper", ("this",), ("this",)),
    exp.Left: ("left", ("this", "expression"), ("this", "expression")),
    exp.Right: ("right", ("this", "expression"), ("this", "expression")),
    exp.Substring: ("substring", ("this", "start", "length"), ("this", "start")),
    exp.StrPosition: ("locate", ("substr", "this", "position"), ("substr", "this")),
    exp.Length: ("char_length", ("this",), ("this",)),
    exp.If: ("if", ("this", "true", "false"), ("this", "true")),
}


def _check_depth(tree: exp.Expression) -> None:
    """Refuse deep trees before anything recurses over them (iteratively measured)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise RqlError(f"expression nested more than {MAX_DEPTH} levels deep")
        for child in node.iter_expressions():
            same_chain = isinstance(child, exp.And | exp.Or) and type(child) is type(node)
            stack.append((child, depth if same_chain else depth + 1))


def _chain(node: exp.Expression) -> list[exp.Expression]:
    """The operands of `a AND b AND c` (one operator throughout), left to right."""
    out: list[exp.Expression] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is type(node):
            stack += [n.expression, n.this]
        else:
            out.append(n)
    return out


def _balanced(op: str, parts: list[Expr]) -> Expr:
    """A chain as a balanced tree: logarithmic depth for whatever walks it later."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return Binary(op, _balanced(op, parts[:mid]), _balanced(op, parts[mid:]))


def _literal(node: exp.Literal) -> Lit:
    if node.is_string:
        return Lit(str(node.this))
    text = str(node.this)
    if re.fullmatch(r"[0-9]+", text):
        value = int(text)
        if value > MAX_INT:
            raise RqlError(f"number {text[:30]} is out of range")
        return Lit(value)
    try:
        number = float(text)
    except ValueError:
        raise RqlError(f"invalid number {text[:30]}") from None
    if number in (float("inf"), float("-inf")) or number != number:
        raise RqlError(f"number {text[:30]} is out of range")
    return Lit(number)


def _grouped(expr: Expr, group: list[Expr], where: str) -> None:
    """In a grouped query, a value must come from a GROUP BY expression or an aggregate."""
    if expr in group or isinstance(expr, Agg | Lit | Now):
        return
    if isinstance(expr, Col | Path):
        name = expr.name if isinstance(expr, Col) else expr.path
        raise RqlError(f"{where}: column {name} must be in GROUP BY or inside an aggregate "
                       "function")
    for child in expr.children():
        _grouped(child, group, where)


def _statement(tree: exp.Expression) -> str:
    return tree.key.upper()[:30]


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    return node.key.upper()[:30]


def paths(query: Query) -> set[str]:
    return {n.path for e in query.expressions() for n in walk(e) if isinstance(n, Path)}
