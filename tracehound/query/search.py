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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from tracehound.query import fields as fields_catalogue
from tracehound.query import item_states as states
from tracehound.query import search_values as values
from tracehound.query.errors import SearchError
from tracehound.query.fields import Field, Source, Type
from tracehound.query.search_syntax import And, Everything, Node, Not, Or, Term, Text, Value
from tracehound.query.search_syntax import parse as parse
from tracehound.store import facets as kinds
from tracehound.store.tables import item_facets, item_versions, items, occurrences

Where = ColumnElement[bool]
Projects = int | Sequence[int]
IdDecoder = Callable[[str], "int | None"]
_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def decimal_id(text: str) -> int | None:
    """Tracehound's own ids: decimal digits."""
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= values.INT_MAX:
        return int(text)
    return None


def compile_filter(text: str, project_id: Projects, *, now: float,
                   catalogue: fields_catalogue.Catalogue = fields_catalogue.DEFAULT,
                   decode_id: IdDecoder = decimal_id) -> Where:
    """The where-clause over `items` for a query (true for an empty one). It does not
    itself restrict to the project(s): add `items.project_id == project_id` (list_items
    does); subqueries on occurrence values are restricted to them. A surface with its
    own vocabulary passes its `catalogue`, and `decode_id` for ids as it writes them."""
    return compile_tree(parse(text, catalogue), text, project_id, now=now,
                        decode_id=decode_id)


def compile_tree(node: Node, text: str, project_id: Projects, *, now: float,
                 decode_id: IdDecoder = decimal_id) -> Where:
    """The where-clause of a parsed query (`text` is only used in error messages)."""
    return _Compiler(text, project_ids(project_id), now, decode_id).node(node)


def project_ids(project_id: Projects) -> tuple[int, ...]:
    return (project_id,) if isinstance(project_id, int) else tuple(project_id)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Compiler:
    text: str
    project_ids: tuple[int, ...]
    now: float
    decode_id: IdDecoder = decimal_id

    def fail(self, reason: str, pos: int, hint: str = "") -> SearchError:
        return SearchError(reason, pos, self.text, hint)

    def in_projects(self, col: Any) -> Where:
        """`col` is one of the searched projects."""
        if len(self.project_ids) == 1:
            return col == self.project_ids[0]  # type: ignore[no-any-return]
        return col.in_(self.project_ids)  # type: ignore[no-any-return]

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

    def check_op(self, t: Term) -> None:
        f = t.field
        if t.op in ("<", "<=", ">", ">=", "range") and (
                f.type in (Type.TEXT, Type.EXACT, Type.PHRASE, Type.TAG, Type.BOOL, Type.ID)
                or f.type is Type.ENUM and not f.ordered):
            op = "a range" if t.op == "range" else f"'{t.op}'"
            raise self.fail(f"{f.name} cannot be compared with {op}", t.pos)

    def term(self, t: Term) -> Where:
        f = t.field
        if t.op == "exists":
            return self.exists(f, t.key)
        self.check_op(t)
        if f.source is Source.OCCURRENCE:
            return self.has_occurrence(self.occurrence_term(t))
        if f.source is Source.FIRST:  # every item has a first event; false: another one
            return true() if self.boolean(t) else items.c.total_occurrences > 1
        if f.source is Source.FLAG:
            cond = states.flag(f.target, self.now)
            return cond if self.boolean(t) else not_(cond)
        if f.source is Source.LIFECYCLE:
            assert t.value is not None
            if t.value.any:
                return true()
            return or_(*(states.lifecycle(code, self.now)
                         for code in values.enum_values(t.value, self.text, f)))
        if f.source is Source.EVENT_TYPE:
            assert t.value is not None
            return states.event_type(t.value)
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
        return self.guard(f, self.ordered(items.c[f.target], f, t))

    def ordered(self, col: Any, f: Field, t: Term) -> Where:
        """Integers, ids and ordered names (level): =, <, <=, >, >=, ranges."""
        if t.op == ":" and t.value is not None:
            if f.type is Type.ENUM:
                return col.in_(values.enum_values(t.value, self.text, f))  # type: ignore[no-any-return]
            if t.value.wildcard:
                raise self.fail(f"{f.name} takes no wildcard", t.value.pos)
            if f.type is Type.ID:
                found = self.decode_id(t.value.text)
                return false() if found is None else col == found
            return col == values.integer(t.value, self.text, f)  # type: ignore[no-any-return]

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
        return and_(true(), *conds)

    def date_conds(self, col: Any, f: Field, t: Term) -> list[Where]:
        """Dates are spans (see search_values): each bound picks the span's start or end."""

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
        return conds

    def date(self, f: Field, t: Term) -> Where:
        if f.source is Source.WINDOW:
            return self.has_occurrence(and_(*self.date_conds(occurrences.c.timestamp, f, t)))
        return self.guard(f, and_(true(), *self.date_conds(items.c[f.target], f, t)))

    def guard(self, f: Field, cond: Where) -> Where:
        """A nullable column's condition made two-valued, so NOT keeps NULL rows."""
        return and_(items.c[f.target].is_not(None), cond) if f.nullable else cond

    def boolean(self, t: Term) -> bool:
        assert t.value is not None
        word = t.value.text.lower()
        if word in _TRUE or t.value.any:
            return True
        if word in _FALSE:
            return False
        raise self.fail(f"{t.field.name} takes true or false, not {t.value.text[:40]!r}",
                        t.value.pos)

    # ---- event-level values ---------------------------------------------------------

    def has_occurrence(self, cond: Where) -> Where:
        """Items with an occurrence meeting `cond` (a condition over occurrences)."""
        return items.c.id.in_(select(occurrences.c.item_id).where(
            self.in_projects(occurrences.c.project_id), cond).distinct())

    def occurrence_term(self, t: Term) -> Where:
        """A Source.OCCURRENCE term as a condition over `occurrences` (exact per event)."""
        f = t.field
        col = occurrences.c[f.target]
        if t.op == "exists":
            return col.is_not(None) if f.nullable else true()
        self.check_op(t)
        if f.type is Type.DATE:
            return and_(true(), *self.date_conds(col, f, t))
        if f.type in (Type.TEXT, Type.EXACT):
            assert t.value is not None
            if t.value.any:
                return col.is_not(None) if f.nullable else true()
            return _match(col, t.value.text, t.value.wildcard)
        return self.ordered(col, f, t)

    def first_event(self, t: Term) -> Where:
        """A Source.FIRST term over `occurrences`: the event created its item."""
        firsts = occurrences.c.id.in_(select(items.c.first_occurrence_id).where(
            self.in_projects(items.c.project_id), items.c.first_occurrence_id.is_not(None)))
        return firsts if self.boolean(t) else not_(firsts)

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
                self.in_projects(iv.c.project_id), _match(iv.c.version, v.text, prefix))
                .distinct())
        assert f.source is Source.REFERENCE
        o = occurrences
        if prefix:
            cond = _match(o.c.uuid, v.text, True)
        else:  # as sent, and as Sentry stores event ids (32 lower-case hex digits)
            forms = {v.text, v.text.lower(), v.text.lower().replace("-", "")}
            cond = o.c.uuid.in_(sorted(forms))
        return items.c.id.in_(select(o.c.item_id).where(self.in_projects(o.c.project_id),
                                                        cond).distinct())

    def facet(self, kind: str, cond: Where) -> Where:
        f = item_facets
        return items.c.id.in_(select(f.c.item_id).where(
            self.in_projects(f.c.project_id), f.c.kind == kind, cond).distinct())

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
            return items.c.id.in_(select(iv.c.item_id).where(self.in_projects(iv.c.project_id))
                                  .distinct())
        if f.source in (Source.REFERENCE, Source.WINDOW):
            return true()  # every item has occurrences
        if f.source is Source.OCCURRENCE:
            return self.has_occurrence(self.occurrence_term(Term(f, "exists", 0)))
        if f.source is not Source.COLUMN:
            return true()  # flags, lifecycle and event type always have a value
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
