"""The digest's search facets on a real database: what is written per item, that a
worker's memory skips rows it wrote lately (and only after commit), the cap per item
and kind, and that queued events from before tags existed still decode."""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec
import pytest
from sqlalchemy import Engine, event, select

from tests.integration.test_digest import exc_event
from tests.support import ProjectInfo
from tracehound.ingest import digest
from tracehound.ingest.facets import FacetCache
from tracehound.model.event import Event, Person, decode, encode
from tracehound.protocols.sentry.translate import translate as sentry_translate
from tracehound.store import facets
from tracehound.store.tables import item_facets


def run(engine: Engine, events: list[Event], cache: FacetCache | None = None,
        *, commit: bool = True) -> tuple[digest.DigestResult, list[str]]:
    """Digest a batch; (result, the statements that touched item_facets)."""
    statements: list[str] = []

    def on_exec(*args: Any) -> None:
        if "item_facets" in str(args[2]):
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", on_exec)
    try:
        with engine.connect() as conn:
            with conn.begin() as tx:
                result = digest.apply(conn, [digest.prepare(encode(e)) for e in events], cache)
                if not commit:
                    tx.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", on_exec)
    if commit and cache is not None:
        cache.remember(result.facets)
    return result, statements


def rows(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {(r.kind, r.value) for r in conn.execute(select(item_facets))}


def test_each_kind_is_stored_once_per_item(engine: Engine, project: ProjectInfo) -> None:
    long_context = "c" * 300
    sent = [
        exc_event(project.id, host="Web-1", context=long_context,
                  person=Person("u1", "ann", "Ann@X.io"), tags={"region": "eu", "flag": ""}),
        exc_event(project.id, host="web-1", context="a\x00b",
                  person=Person("u1", "ann", "ann@x.io"), tags={"region": "eu"}),
    ]
    result, statements = run(engine, sent)
    assert len(statements) == 1  # one executemany INSERT for the whole batch
    assert rows(engine) == {
        ("host", "web-1"), ("context", "c" * 255), ("context", "ab"),
        ("person.id", "u1"), ("person.username", "ann"), ("person.email", "ann@x.io"),
        ("tag", "region=eu"), ("tag.value", "eu"), ("tag", "flag")}
    assert len(result.facets) == 9


def test_remembered_facets_cost_no_statement(engine: Engine, project: ProjectInfo) -> None:
    cache = FacetCache(size=100)
    run(engine, [exc_event(project.id, host="web-1", tags={"k": "v"})], cache)
    assert len(cache) == 3
    _, statements = run(engine, [exc_event(project.id, host="web-1", tags={"k": "v"})], cache)
    assert statements == []  # nothing new: the INSERT is skipped
    result, statements = run(engine, [exc_event(project.id, host="web-2", tags={"k": "v"})],
                             cache)
    assert len(statements) == 1 and [f[1:] for f in result.facets] == [("host", "web-2")]


def test_a_rolled_back_batch_is_not_remembered(engine: Engine, project: ProjectInfo) -> None:
    cache = FacetCache(size=100)
    run(engine, [exc_event(project.id, host="web-9")], cache, commit=False)
    assert len(cache) == 0 and rows(engine) == set()
    run(engine, [exc_event(project.id, host="web-9")], cache)  # the batch, digested again
    assert rows(engine) == {("host", "web-9")}


def test_the_cache_is_bounded(engine: Engine, project: ProjectInfo) -> None:
    cache = FacetCache(size=5)
    run(engine, [exc_event(project.id, host=f"h{i}") for i in range(20)], cache)
    assert len(cache) == 5


def test_values_per_item_and_kind_are_capped(engine: Engine, project: ProjectInfo,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facets, "MAX_PER_ITEM_KIND", 3)
    run(engine, [exc_event(project.id, host=f"h{i}", context="one") for i in range(5)])
    run(engine, [exc_event(project.id, host=f"h{i}") for i in range(5, 8)])
    stored = rows(engine)
    assert len([v for k, v in stored if k == "host"]) == 3
    assert ("context", "one") in stored  # other kinds have their own allowance


def test_blobs_queued_before_tags_existed_still_decode() -> None:
    """An Event encoded by the previous model (no `tags` field) decodes with none."""

    class OldEvent(msgspec.Struct, omit_defaults=True):
        project_id: int
        uuid: str
        received_at: float
        vendor: str
        environment: str
        level: int
        data: msgspec.Raw
        host: str | None = None

    old = OldEvent(1, uuid.uuid4().hex, time.time(), "rollbar", "prod", 40,
                   msgspec.Raw(msgspec.msgpack.encode({})), host="web-1")
    new = decode(msgspec.msgpack.encode(old))
    assert new.tags == {} and new.host == "web-1"


@pytest.mark.parametrize("tags, expected", [
    ({"region": "eu", "n": 3}, {"region": "eu", "n": "3"}),  # numbers read as text
    ([["region", "eu"], ["os", "linux"], ["bad"], "x"], {"region": "eu", "os": "linux"}),
    ({"gone": None}, {}),
    ("not tags", {}),
])
def test_sentry_tags_become_event_tags(tags: Any, expected: dict[str, str]) -> None:
    event = sentry_translate({"tags": tags, "message": "m"}, project_id=1, received_at=0.0)
    assert event.tags == expected


def test_only_the_first_hundred_sentry_tags_are_kept_and_noted() -> None:
    tags = {f"k{i}": str(i) for i in range(150)}
    event = sentry_translate({"tags": tags, "message": "m"}, project_id=1, received_at=0.0)
    assert list(event.tags) == [f"k{i}" for i in range(100)]
    assert any(n.path == "tags" and n.detail == "150 tags" for n in event.notes)
