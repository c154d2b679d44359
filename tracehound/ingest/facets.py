"""Which facet rows (host, context, person, tags per item) a batch adds, and a bounded
memory of recently written ones so a steady stream of the same values costs no SQL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from tracehound.model.event import Event
from tracehound.store import facets as store_facets
from tracehound.store.facets import Facet

MAX = store_facets.MAX_VALUE


def _v(text: str) -> str:
    """Stored form: at most MAX characters, no NUL (PostgreSQL text cannot hold one)."""
    text = text[:MAX]
    return text.replace("\x00", "") if "\x00" in text else text


def of_event(event: Event, item_id: int, out: dict[Facet, int]) -> None:
    """Add the facets of one stored event to `out` (facet → project id)."""
    pid = event.project_id
    if event.host:
        out[(item_id, store_facets.HOST, _v(event.host.lower()))] = pid
    if event.context:
        out[(item_id, store_facets.CONTEXT, _v(event.context))] = pid
    person = event.person
    if person is not None:
        if person.id:
            out[(item_id, store_facets.PERSON_ID, _v(person.id))] = pid
        if person.username:
            out[(item_id, store_facets.PERSON_USERNAME, _v(person.username))] = pid
        if person.email:
            out[(item_id, store_facets.PERSON_EMAIL, _v(person.email.lower()))] = pid
    for key, value in event.tags.items():
        if not key:
            continue
        out[(item_id, store_facets.TAG, _v(f"{key}={value}" if value else key))] = pid
        if value:
            out[(item_id, store_facets.TAG_VALUE, _v(value))] = pid


class FacetCache:
    """The facets this process wrote recently (least recently used dropped past `size`).

    Remember only after the transaction that wrote them committed: a rolled-back batch
    is digested again, and its facets must not be skipped then. A miss only costs a row
    that ON CONFLICT ignores, so the cache may be small and per process.
    """

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._seen: OrderedDict[Facet, None] = OrderedDict()

    def new(self, found: dict[Facet, int]) -> dict[Facet, int]:
        """The facets of `found` not written recently."""
        seen = self._seen
        out = {}
        for facet, pid in found.items():
            if facet in seen:
                seen.move_to_end(facet)
            else:
                out[facet] = pid
        return out

    def remember(self, written: Iterable[Facet]) -> None:
        seen = self._seen
        for facet in written:
            seen[facet] = None
            seen.move_to_end(facet)
        while len(seen) > self._size:
            seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)
