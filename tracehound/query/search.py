"""The search language: text → filter tree (search_syntax) → SQLAlchemy where-clause over
`items`, every value a bound parameter and every column from the fields catalogue.

The one entry point every surface calls (Rollbar `query`, later Exceptionless
`filter`, Bugsnag filters, the web UI's search box, alerts):

    where = compile_filter(text, project_id, now=time.time())   # SearchError if bad

Index-friendliness: values seen on occurrences (host, person, tags, versions, uuids,
occurrence times) are matched as `items.id IN (SELECT DISTINCT item_id … WHERE
project_id = :p AND kind = :k AND value …)`, a range scan of (project_id, kind,
value)-style indexes. DISTINCT matters under NOT: PostgreSQL runs `NOT IN (subquery)`
as a hash only when it expects the subquery's rows to fit in work_mem, and otherwise
rescans it for every item (13 s instead of 0.4 s for `-date:[now-20d TO now]` over a
million occurrences); DISTINCT bounds that estimate by the number of items;
prefix matches are written as a range (`value >= 'ab' AND value < 'ab\\U0010FFFF'`),
which any b-tree can use, rather than LIKE, which PostgreSQL can only index with the
C collation (or a text_pattern_ops index). Columns of `items` are compared directly (a
project's items are scanned).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, select, true

from tracehound.query import search_values as values
from tracehound.query.errors import SearchError
from tracehound.query.fields import Field, Source, Type
from tracehound.query.search_syntax import And, Everything, Node, Not, Or, Term, Text, Value
from tracehound.query.search_syntax import parse as parse
from tracehound.store import facets as kinds
from tracehound.store.tables import item_facets, item_versions, items, occurrences

Where = ColumnElement[bool]
_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range


def compile_filter(text: str, project_id: int, *, now: float) -> Where:
    """The where-clause over `items` for a query (true for an empty one). It does not
    itself restrict to the project: add `items.project_id == project_id` (list_items
    does); subqueries on occurrence values are restricted to it."""
    return compile_tree(parse(text), text, project_id, now=now)


def compile_tree(node: Node, text: str, project_id: int, *, now: float) -> Where:
    """The where-clause of a parsed query (`text` is only used in error messages)."""
    return _Compiler(text, project_id, now).node(node)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Compiler:
    text: str
    project_id: int
    now: float

    def fail(self, reason: str, pos: int, hint: str = "") -> SearchError:
        return SearchError(reason, pos, self.text, hint)

    def node(self, n: Node) -> Where:
        if isinstance(n, And):
            return and_(*(self.node(c) for c in n.children))
        if isinstance(n, Or):
            return or_(*(self.node(c) for c in n.children))
        if isinstance(n, Not):
            return not_(self.node(n.child))
        if isinstance(n, Text):
            return self.contains(items.c.title, n.value)
        if isinstance(n, Term):
            return self.term(n)
        assert isinstance(n, Everything)
        return true()

    # ---- one field ------------------------------------------------------------------

    def term(self, t: Term) -> Where:
        f = t.field
        if t.op == "exists":
            return self.exists(f, t.key)
        if t.op in ("<", "<=", ">", ">=", "range") and (
                f.type in (Type.TEXT, Type.EXACT, Type.PHRASE, Type.TAG)
                or f.type is Type.ENUM and not f.ordered):
            op = "a range" if t.op == "range" else f"'{t.op}'"
            raise self.fail(f"{f.name} cannot be compared with {op}", t.pos)
        if f.type is Type.TAG:
            assert t.value is not None
            return self.tag(t.key, t.value)
        if f.type in (Type.TEXT, Type.EXACT, Type.PHRASE):
            assert t.value is not None
            return self.text_match(f, t.value)
        if t.op == ":" and t.value is not None and t.value.any:
            return self.exists(f, None)
        if f.type is Type.DATE:
            return self.date(f, t)
        return self.ordered(f, t)

    def ordered(self, f: Field, t: Term) -> Where:
        """Integers and ordered names (level): =, <, <=, >, >=, ranges."""
        col = items.c[f.target]
        if t.op == ":" and t.value is not None:
            if f.type is Type.ENUM:
                return col.in_(values.enum_values(t.value, self.text, f))
            if t.value.wildcard:
                raise self.fail(f"{f.name} takes no wildcard", t.value.pos)
            return self.guard(f, col == values.integer(t.value, self.text, f))

        def one(v: Value) -> int:
            if v.wildcard:
                raise self.fail(f"{f.name} takes no wildcard", v.pos)
            if f.type is Type.ENUM:
                found = values.enum_values(v, self.text, f)
                return found[0]
            return values.integer(v, self.text, f)

        conds: list[Where] = []
        if t.op == "range":
            if t.value is not None:
                lo = one(t.value)
                conds.append(col >= lo if t.include_lower else col > lo)
            if t.upper is not None:
                hi = one(t.upper)
                conds.append(col <= hi if t.include_upper else col < hi)
        else:
            assert t.value is not None
            conds.append(_compare(col, t.op, one(t.value)))
        return self.guard(f, and_(true(), *conds))

    def date(self, f: Field, t: Term) -> Where:
        """Dates are spans (see search_values): each bound picks the span's start or end."""
        col = occurrences.c.timestamp if f.source is Source.WINDOW else items.c[f.target]

        def span(v: Value) -> tuple[float, float]:
            if v.wildcard:
                raise self.fail(f"{f.name} takes no wildcard", v.pos)
            return values.date_span(v, self.text, f, self.now)

        conds: list[Where] = []
        if t.op == "range":
            if t.value is not None:
                start, end = span(t.value)
                conds.append(col >= (start if t.include_lower else end))
            if t.upper is not None:
                start, end = span(t.upper)
                conds.append(col < (end if t.include_upper else start))
        else:
            assert t.value is not None
            start, end = span(t.value)
            conds += {":": [col >= start, col < end], ">": [col >= end],
                      ">=": [col >= start], "<": [col < start], "<=": [col < end]}[t.op]
        if f.source is Source.WINDOW:
            return items.c.id.in_(select(occurrences.c.item_id).where(
                occurrences.c.project_id == self.project_id, *conds).distinct())
        return self.guard(f, and_(*conds))

    def guard(self, f: Field, cond: Where) -> Where:
        """A nullable column's condition made two-valued, so NOT keeps NULL rows."""
        return and_(items.c[f.target].is_not(None), cond) if f.nullable else cond

    # ---- text -----------------------------------------------------------------------

    def contains(self, col: Any, v: Value) -> Where:
        """Case-insensitive infix match (free text, title, message)."""
        if not v.text:
            return true()
        return col.ilike(f"%{escape_like(v.text)}%", escape="\\")  # type: ignore[no-any-return]

    def text_match(self, f: Field, v: Value) -> Where:
        if f.type is Type.PHRASE:
            return self.contains(items.c[f.target], v)
        if v.any:
            return self.exists(f, None)
        prefix = v.wildcard or (f.type is Type.TEXT and not v.quoted)
        if f.source is Source.COLUMN:
            col = items.c[f.target]
            pattern = escape_like(v.text) + ("%" if prefix else "")
            if f.type is Type.EXACT:  # hashes: exact case, as stored
                cond = col.like(pattern, escape="\\") if prefix else col == v.text
            else:
                cond = col.ilike(pattern, escape="\\")
            return self.guard(f, cond)
        if f.source is Source.FACET:
            text = v.text.lower() if f.target in kinds.LOWER_CASED else v.text
            return self.facet(f.target, _match(item_facets.c.value, text, prefix))
        if f.source is Source.VERSION:
            iv = item_versions
            return items.c.id.in_(select(iv.c.item_id).where(
                iv.c.project_id == self.project_id, _match(iv.c.version, v.text, prefix))
                .distinct())
        assert f.source is Source.REFERENCE
        o = occurrences
        if prefix:
            cond = _match(o.c.uuid, v.text, True)
        else:  # as sent, and as Sentry stores event ids (32 lower-case hex digits)
            forms = {v.text, v.text.lower(), v.text.lower().replace("-", "")}
            cond = o.c.uuid.in_(sorted(forms))
        return items.c.id.in_(select(o.c.item_id).where(o.c.project_id == self.project_id,
                                                        cond).distinct())

    def facet(self, kind: str, cond: Where) -> Where:
        f = item_facets
        return items.c.id.in_(select(f.c.item_id).where(
            f.c.project_id == self.project_id, f.c.kind == kind, cond).distinct())

    def tag(self, key: str | None, v: Value) -> Where:
        """`tag.key:value` / `tag:key=value`: that pair; `tag:x`: a tag named x (or a
        key-less tag x), or any tag whose value is x. Case-sensitive, as stored."""
        value_col = item_facets.c.value
        if key is None and "=" in v.text:
            key, text = v.text.split("=", 1)
            v = Value(text, v.pos, v.quoted, v.wildcard)
        if key is not None:
            if v.any:
                return self.tag_key(key)
            prefix = v.wildcard or not v.quoted
            return self.facet(kinds.TAG, _match(value_col, f"{key}={v.text}", prefix))
        if v.any:
            return self.facet(kinds.TAG, true())
        prefix = v.wildcard or not v.quoted
        named = or_(value_col == v.text, _match(value_col, f"{v.text}=", True)) \
            if not v.wildcard else _match(value_col, v.text, True)
        return or_(self.facet(kinds.TAG, named),
                   self.facet(kinds.TAG_VALUE, _match(value_col, v.text, prefix)))

    def tag_key(self, key: str) -> Where:
        """The item has a tag with this key (any value)."""
        return self.facet(kinds.TAG, _match(item_facets.c.value, f"{key}=", True))

    # ---- presence -------------------------------------------------------------------

    def exists(self, f: Field, key: str | None) -> Where:
        """`_exists_:field`: the item has a value for it."""
        if f.source is Source.FACET:
            if f.type is Type.TAG and key is not None:
                return self.tag_key(key)
            return self.facet(f.target, true())
        if f.source is Source.VERSION:
            iv = item_versions
            return items.c.id.in_(select(iv.c.item_id).where(iv.c.project_id == self.project_id)
                                  .distinct())
        if f.source in (Source.REFERENCE, Source.WINDOW):
            return true()  # every item has occurrences
        col = items.c[f.target]
        if not f.nullable:
            return true()
        if f.type in (Type.TEXT, Type.EXACT):
            return and_(col.is_not(None), col != "")
        return col.is_not(None)


def _compare(col: Any, op: str, value: Any) -> Where:
    ops = {"<": col.__lt__, "<=": col.__le__, ">": col.__gt__, ">=": col.__ge__}
    return ops[op](value)  # type: ignore[no-any-return]


def _match(col: Any, text: str, prefix: bool) -> Where:
    """Exact, or a prefix as an index range. The range is exact where strings sort by
    code point: always on SQLite, on PostgreSQL with the C or C.UTF-8 collation (see
    docs/api/search.md). No extra `substr` check: it made PostgreSQL estimate one row
    and pick nested loops (3.6 ms became 128 ms for a host + tag + date filter)."""
    if not prefix:
        return col == text  # type: ignore[no-any-return]
    if not text:
        return true()
    return and_(col >= text, col < text + _TOP)


__all__ = ["SearchError", "compile_filter", "compile_tree", "escape_like", "parse"]
