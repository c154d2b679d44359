"""The digest against a real database: lifecycle, counters, grouping keys, people,
and the statement budget of a batch."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine, event, func, select

from tests.support import LiveServer, ProjectInfo
from tracehound.ingest import digest, worker
from tracehound.model.event import Event, ExceptionInfo, Frame, Level, Person, encode, pack_data
from tracehound.model.item import ItemStatus
from tracehound.store import items
from tracehound.store.tables import item_hourly_counts, occurrences, people


def exc_event(project_id: int, *, cls: str = "KeyError", method: str = "load",
              env: str = "prod", received_at: float | None = None,
              **kw: object) -> Event:
    return Event(
        project_id=project_id, uuid=uuid.uuid4().hex, vendor="test", environment=env,
        received_at=received_at or time.time(), level=int(Level.ERROR), data=pack_data({"x": 1}),
        exceptions=[ExceptionInfo(cls, "boom 42", [Frame("/app/a.py", 3, method=method)])],
        **kw)  # type: ignore[arg-type]


def digest_events(engine: Engine, events: list[Event]) -> digest.DigestResult:
    prepared = [digest.prepare(encode(e)) for e in events]
    with engine.begin() as conn:
        return digest.apply(conn, prepared)


def item_rows(engine: Engine, project_id: int) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        rows, _ = items.list_items(conn, project_id, items.ItemFilter(), page=1, per_page=100)
    return rows


def test_new_item_then_resolved_then_reactivated(engine: Engine, project: ProjectInfo) -> None:
    t0 = 1_800_000_000.0
    res = digest_events(engine, [exc_event(project.id, received_at=t0)])
    assert res.stored == 1 and len(res.new_items) == 1
    (item,) = item_rows(engine, project.id)
    assert item.status == ItemStatus.ACTIVE and item.last_activated_timestamp == t0
    first_occ = item.first_occurrence_id
    with engine.begin() as conn:
        assert items.set_status(conn, project.id, item.id, ItemStatus.RESOLVED, t0 + 10)
    res = digest_events(engine, [exc_event(project.id, received_at=t0 + 100)])
    assert res.reactivated_items == [item.id] and res.new_items == []
    (item,) = item_rows(engine, project.id)
    assert item.status == ItemStatus.ACTIVE
    assert item.last_activated_timestamp == t0 + 100
    assert item.last_resolved_timestamp == t0 + 10
    assert item.activating_occurrence_id != first_occ
    assert item.first_occurrence_id == first_occ
    assert item.total_occurrences == 2


def test_muted_item_stays_muted_but_counts(engine: Engine, project: ProjectInfo) -> None:
    digest_events(engine, [exc_event(project.id)])
    (item,) = item_rows(engine, project.id)
    with engine.begin() as conn:
        items.set_status(conn, project.id, item.id, ItemStatus.MUTED, time.time())
    res = digest_events(engine, [exc_event(project.id), exc_event(project.id)])
    assert res.reactivated_items == []
    (item,) = item_rows(engine, project.id)
    assert item.status == ItemStatus.MUTED and item.total_occurrences == 3


def test_environments_split_items_and_counters_are_per_project(
        engine: Engine, project: ProjectInfo, other_project: ProjectInfo) -> None:
    digest_events(engine, [exc_event(project.id, env="prod"), exc_event(project.id, env="dev"),
                           exc_event(other_project.id, env="prod")])
    mine = item_rows(engine, project.id)
    assert sorted(i.environment for i in mine) == ["dev", "prod"]
    assert sorted(i.counter for i in mine) == [1, 2]
    assert [i.counter for i in item_rows(engine, other_project.id)] == [1]


def test_explicit_fingerprint_and_title_win(engine: Engine, project: ProjectInfo) -> None:
    digest_events(engine, [
        exc_event(project.id, cls="A", fingerprint="db-down", title="Database is down"),
        exc_event(project.id, cls="B", method="other", fingerprint="db-down"),
    ])
    (item,) = item_rows(engine, project.id)
    assert item.fingerprint == "db-down" and item.total_occurrences == 2
    assert item.title == "Database is down"
    assert item.fingerprint_key == "fingerprint: db-down"
    long_fp = "x" * 100
    digest_events(engine, [exc_event(project.id, fingerprint=long_fp)])
    hashes = {i.fingerprint for i in item_rows(engine, project.id)}
    assert len([h for h in hashes if len(h) == 40]) == 1


def test_duplicates_within_and_across_batches_are_stored_once(
        engine: Engine, project: ProjectInfo) -> None:
    e = exc_event(project.id)
    res = digest_events(engine, [e, e])
    assert (res.stored, res.duplicates) == (1, 1)
    res = digest_events(engine, [e])
    assert (res.stored, res.duplicates) == (0, 1)
    (item,) = item_rows(engine, project.id)
    assert item.total_occurrences == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(item_hourly_counts.c.count))).scalar() == 1


def test_hourly_counts_and_people(engine: Engine, project: ProjectInfo) -> None:
    t = 1_800_000_000.0
    digest_events(engine, [
        exc_event(project.id, received_at=t, person=Person("u1", "ann", None)),
        exc_event(project.id, received_at=t + 3600, person=Person("u1", None, "ann@x.io")),
        exc_event(project.id, received_at=t + 3601),
    ])
    with engine.connect() as conn:
        counts = dict(conn.execute(
            select(item_hourly_counts.c.hour, item_hourly_counts.c.count)).all())
        person = conn.execute(select(people)).one()
    assert counts == {int(t // 3600): 1, int(t // 3600) + 1: 2}
    assert (person.person_id, person.username, person.email) == ("u1", "ann", "ann@x.io")
    assert person.first_seen == t and person.last_seen == t + 3600


def test_batch_statement_count_does_not_grow_with_batch_size(
        engine: Engine, project: ProjectInfo) -> None:
    def count_statements(n: int, distinct: int) -> int:
        events = [exc_event(project.id, cls=f"E{i % distinct}", person=Person(f"p{i}"))
                  for i in range(n)]
        statements: list[str] = []

        def on_exec(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", on_exec)
        try:
            digest_events(engine, events)
        finally:
            event.remove(engine, "before_cursor_execute", on_exec)
        return len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))])

    small = count_statements(2, 2)
    large = count_statements(200, 50)
    # select existing items, lock projects, re-select, insert items, bump counters,
    # insert occurrences, update items, hourly and minute counts, people, search facets,
    # activations, environments (and item versions, when events carry one)
    assert small <= 13
    assert large == small


def test_worker_drains_queue_through_the_http_path(server: LiveServer, project: ProjectInfo,
                                                   engine: Engine) -> None:
    for i in range(30):
        r = server.post_item(project.post, {"environment": "e", "uuid": f"u{i}",
                                            "body": {"message": {"body": f"n {i}"}}})
        assert r.status_code == 200
    server.wait_digested()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(occurrences)).scalar() == 30
    worker.drain(engine)  # nothing left: a second pass stores nothing twice
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(occurrences)).scalar() == 30


def test_resolved_in_version_keeps_older_versions_out(engine: Engine, project: ProjectInfo) -> None:
    from sqlalchemy import update

    from tracehound.store.tables import (
        environments,
        item_activations,
        item_minute_counts,
        item_versions,
    )
    from tracehound.store.tables import (
        items as items_table,
    )
    t0 = 1_800_000_000.0
    digest_events(engine, [exc_event(project.id, received_at=t0, code_version="1.4.0")])
    (item,) = item_rows(engine, project.id)
    with engine.begin() as conn:
        items.set_status(conn, project.id, item.id, ItemStatus.RESOLVED, t0 + 10)
        conn.execute(update(items_table).where(items_table.c.id == item.id)
                     .values(resolved_in_version="1.5.0"))
    older = digest_events(engine, [exc_event(project.id, received_at=t0 + 60,
                                             code_version="1.4.9"),
                                   exc_event(project.id, received_at=t0 + 61)])
    # the event without a version cannot be ordered: it reactivates
    assert older.reactivated_items == [item.id]
    with engine.begin() as conn:
        items.set_status(conn, project.id, item.id, ItemStatus.RESOLVED, t0 + 100)
    still = digest_events(engine, [exc_event(project.id, received_at=t0 + 120,
                                             code_version="v1.4.2")])
    assert still.reactivated_items == []
    (item,) = item_rows(engine, project.id)
    assert item.status == ItemStatus.RESOLVED and item.total_occurrences == 4
    newer = digest_events(engine, [exc_event(project.id, received_at=t0 + 180,
                                             code_version="1.5.0")])
    assert newer.reactivated_items == [item.id]
    with engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(
            select(item_activations).order_by(item_activations.c.id))]
        assert kinds == [1, 3, 3]
        minutes = {int(m): int(n) for m, n in conn.execute(
            select(item_minute_counts.c.minute, item_minute_counts.c.count))}
        assert sum(minutes.values()) == 5 and min(minutes) == int(t0 // 60)
        vers = {r.version: (r.occurrences, r.event) for r in conn.execute(select(item_versions))}
        assert vers == {"1.4.0": (1, 1), "1.4.9": (1, 3), "v1.4.2": (1, 2), "1.5.0": (1, 3)}
        envs = [r.name for r in conn.execute(select(environments))]
        assert envs == ["prod"]
