"""The search language over events (occurrences) instead of items.

    where = compile_event_filter(text, project_ids, now=..., catalogue=..., decode_id=...)

gives a where-clause over `occurrences` for a surface that lists events (Exceptionless's
`GET /api/v2/events?filter=`). The same parser and item compiler do the work:

- terms on event-level fields (fields.py: Source.OCCURRENCE — id, item, project,
  reference id, level, receive time — and Source.FIRST) are exact per event and
  compare `occurrences` columns, served by its (project_id, reference_id) and
  (project_id, timestamp) indexes;
- every other term (status, title and free text, tags, hosts, people, versions,
  event type...) is about the event's *item*: a maximal subtree of them compiles with
  the item compiler into one `occurrences.item_id IN (SELECT items.id ...)`, as the item
  search would select items. Tags, hosts and people are indexed per item
  (item_facets), so `tag:x` selects the events of items that have seen tag x.
"""

from __future__ import annotations

from sqlalchemy import and_, not_, or_, select, true

from tracehound.query import fields
from tracehound.query.search import (
    IdDecoder,
    Projects,
    Where,
    _Compiler,
    decimal_id,
    project_ids,
)
from tracehound.query.search_syntax import And, Everything, Node, Not, Or, Term, parse
from tracehound.store.tables import items, occurrences

EVENT_SOURCES = (fields.Source.OCCURRENCE, fields.Source.FIRST)


def compile_event_filter(text: str, project_id: Projects, *, now: float,
                         catalogue: fields.Catalogue = fields.DEFAULT,
                         decode_id: IdDecoder = decimal_id) -> Where:
    """The where-clause over `occurrences` for a query (true for an empty one). Like
    compile_filter it does not restrict to the projects itself: add
    `occurrences.project_id IN (...)`; its item subqueries are restricted to them."""
    compiler = _Compiler(text, project_ids(project_id), now, decode_id)
    return _Events(compiler).node(parse(text, catalogue))


def compile_event_tree(node: Node, text: str, project_id: Projects, *, now: float,
                       decode_id: IdDecoder = decimal_id) -> Where:
    """compile_event_filter for a tree a surface built itself (Bugsnag's
    `filters[field][][value]` parameters); `text` only words error messages."""
    return _Events(_Compiler(text, project_ids(project_id), now, decode_id)).node(node)


def item_level(n: Node) -> bool:
    """Whether every term under `n` is about items (no event-level field)."""
    if isinstance(n, (And, Or)):
        return all(item_level(c) for c in n.children)
    if isinstance(n, Not):
        return item_level(n.child)
    if isinstance(n, Term):
        return n.field.source not in EVENT_SOURCES
    return True


class _Events:
    def __init__(self, compiler: _Compiler) -> None:
        self.c = compiler

    def node(self, n: Node) -> Where:
        if isinstance(n, Everything):
            return true()
        if item_level(n):
            return occurrences.c.item_id.in_(select(items.c.id).where(
                self.c.in_projects(items.c.project_id), self.c.node(n)))
        if isinstance(n, (And, Or)):
            # the item-level children as one subquery: `item_id IN A AND item_id IN B`
            # is `item_id IN (A ∩ B)`, and OR is the union
            about_items = tuple(c for c in n.children if item_level(c))
            rest = [self.node(c) for c in n.children if not item_level(c)]
            if about_items:
                group = about_items[0] if len(about_items) == 1 else type(n)(about_items)
                rest.insert(0, self.node(group))
            return and_(*rest) if isinstance(n, And) else or_(*rest)
        if isinstance(n, Not):
            return not_(self.node(n.child))
        assert isinstance(n, Term)
        if n.field.source is fields.Source.FIRST:
            return self.c.first_event(n)
        return self.c.occurrence_term(n)
