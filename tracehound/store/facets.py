"""item_facets: the distinct occurrence-level values seen per item (host, context, person,
tags), written by the digest so the search language finds items by them through the
(project_id, kind, value) index instead of reading occurrence payloads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, func, select

from tracehound.store import upsert
from tracehound.store.tables import item_facets
from tracehound.store.text_types import Str

# The kinds of facet rows (item_facets.kind). Values of HOST and PERSON_EMAIL are stored
# lower-cased (host names and e-mail addresses are case-insensitive); the others as sent.
HOST = "host"
CONTEXT = "context"
PERSON_ID = "person.id"
PERSON_USERNAME = "person.username"
PERSON_EMAIL = "person.email"
TAG = "tag"  # "key=value" (a key-less tag is stored as its bare text)
TAG_VALUE = "tag.value"  # the value alone, so `tag:eu` finds region=eu through the index
LOWER_CASED = frozenset({HOST, PERSON_EMAIL})

MAX_VALUE = 255  # the column's length; longer values are stored truncated
# Distinct values kept per (item, kind). A tag holding a request id, or an item hit by
# millions of users, would otherwise grow the table like the occurrences themselves;
# past the cap, new values of that kind are not indexed for that item (documented in
# docs/api/search.md). Enforced inside the INSERT, so it costs no extra statement.
MAX_PER_ITEM_KIND = 1000

Facet = tuple[int, str, str]  # (item id, kind, value)


def _insert_statement(conn: Connection) -> Any:
    f = item_facets
    held = (select(func.count()).select_from(f)
            .where(f.c.item_id == bindparam("b_item", type_=BigInteger),
                   f.c.kind == bindparam("b_kind", type_=Str(255)))
            .scalar_subquery())
    rows = select(bindparam("b_item", type_=BigInteger), bindparam("b_kind", type_=Str(255)),
                  bindparam("b_value", type_=Str(255)), bindparam("b_project", type_=BigInteger)
                  ).where(held < MAX_PER_ITEM_KIND)
    return (upsert.insert(conn, f)
            .from_select(["item_id", "kind", "value", "project_id"], rows)
            .on_conflict_do_nothing())


def add(conn: Connection, facets: dict[Facet, int]) -> None:
    """Store new (item, kind, value) rows, facet → project id; one executemany INSERT …
    SELECT … ON CONFLICT DO NOTHING, so replays and races write nothing twice."""
    if not facets:
        return
    conn.execute(_insert_statement(conn), [
        {"b_item": item_id, "b_kind": kind, "b_value": value, "b_project": project_id}
        for (item_id, kind, value), project_id in sorted(facets.items())])


def values(conn: Connection, item_id: int, kind: str) -> list[str]:
    """The values of one kind stored for an item, sorted (tests and the UI's item page)."""
    f = item_facets
    return list(conn.execute(select(f.c.value).where(f.c.item_id == item_id, f.c.kind == kind)
                             .order_by(f.c.value)).scalars())


def counts(conn: Connection, item_ids: list[int], kind: str) -> dict[int, int]:
    """item id → how many distinct values of `kind` it holds (0 when none), for a page
    of items in one statement over the primary key (item_id, kind, value). Past
    MAX_PER_ITEM_KIND values are not stored, so a count equal to it means "at least"."""
    f = item_facets
    ids = sorted(set(item_ids))
    out = dict.fromkeys(ids, 0)
    if ids:
        rows = conn.execute(select(f.c.item_id, func.count())
                            .where(f.c.item_id.in_(ids), f.c.kind == kind)
                            .group_by(f.c.item_id))
        out.update({int(i): int(n) for i, n in rows})
    return out
