"""items.list_items pages: every page, read forwards or (past the middle) from the other
end, is the slice of the one full order, on both databases, with ties on the sort key."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine

from tests.support import ProjectInfo
from tracehound.ingest import digest
from tracehound.model.event import encode
from tracehound.protocols.rollbar.translate import translate
from tracehound.store import items
from tracehound.store.db import writer
from tracehound.store.items import SORTS, ItemFilter

T0 = 1_800_000_000.0


def store(engine: Engine, project: ProjectInfo) -> None:
    """23 items; three pairs share a receive time (ties go to the newest item), and
    item k has k % 4 + 1 occurrences (ties in the occurrences sort too)."""
    events = []
    for k in range(23):
        words = "".join(chr(97 + int(d)) for d in f"{k:02d}")  # digits would be masked
        for n in range(k % 4 + 1):
            data = {"environment": "production", "level": "error", "uuid": str(uuid.uuid4()),
                    "body": {"message": {"body": f"boom {words}"}}}
            at = T0 + (k // 2 if k < 6 else k) * 60 + n
            events.append(translate({"data": data}, project_id=project.id, received_at=at))
    with writer(engine).begin() as conn:
        digest.apply(conn, [digest.prepare(encode(e)) for e in events])


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("per_page", [1, 4, 5, 23, 30])
def test_pages_are_slices_of_one_order(engine: Engine, project: ProjectInfo, sort: str,
                                       per_page: int) -> None:
    store(engine, project)
    with engine.connect() as conn:
        full, total = items.list_items(conn, project.id, ItemFilter(), page=1,
                                       per_page=100, sort=sort)
        assert total == 23 and len(full) == 23
        keys = [(*(r._mapping[c.name] for c in SORTS[sort]), r.id) for r in full]
        assert keys == sorted(keys, reverse=True)
        pages = []
        for page in range(1, 23 // per_page + 3):  # one page past the end, too
            rows, n = items.list_items(conn, project.id, ItemFilter(), page=page,
                                       per_page=per_page, sort=sort)
            assert n == 23
            assert len(rows) == max(0, min(per_page, 23 - (page - 1) * per_page))
            pages.extend(r.id for r in rows)
    assert pages == [r.id for r in full]


def test_a_filter_pages_from_both_ends(engine: Engine, project: ProjectInfo) -> None:
    store(engine, project)
    flt = ItemFilter(ids=None, statuses=(1,))
    with engine.connect() as conn:
        full, _ = items.list_items(conn, project.id, flt, page=1, per_page=100)
        last, total = items.list_items(conn, project.id, flt, page=5, per_page=5)
        empty, _ = items.list_items(conn, project.id, flt, page=99, per_page=5)
    assert [r.id for r in last] == [r.id for r in full][20:] and total == 23
    assert empty == []
