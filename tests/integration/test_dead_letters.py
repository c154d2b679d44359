"""One bad queued event never stalls the digest: it is set aside in dead_letters, the
events around it are stored, /health counts it, the CLI requeues it once fixed; a
transient failure, or one that hits every event, sets nothing aside."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, insert, select, text

from tests.integration.test_cli import run
from tests.support import LiveServer, ProjectInfo, make_project, start_server
from tracehound.config import Settings
from tracehound.ingest import worker
from tracehound.ingest.worker import Worker
from tracehound.model.event import decode
from tracehound.store import dead_letters
from tracehound.store.db import build_engine, is_sqlite, writer
from tracehound.store.tables import (
    access_tokens,
    ingest_queue,
    item_hourly_counts,
    items,
    occurrences,
    projects,
)
from tracehound.store.tables import dead_letters as dead_letters_table


def exc_data(uuid: str, cls: str = "KeyError") -> dict[str, Any]:
    return {"environment": "production", "uuid": uuid, "body": {"trace": {
        "frames": [{"filename": "app.py", "lineno": 3, "method": "load"}],
        "exception": {"class": cls, "message": "boom"}}}}


def wait_for(what: Callable[[], bool], timeout: float = 20.0, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting: {why}")


def health(server: LiveServer) -> dict[str, Any]:
    r = server.http.get(server.url + "/health")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def settled(server: LiveServer, dead: int) -> Callable[[], bool]:
    def check() -> bool:
        h = health(server)
        return bool(h["queue_depth"] == 0 and h["dead_letters"] == dead)
    return check


def stored_uuids(server: LiveServer, token: str) -> set[str]:
    r = server.get("/api/1/instances", token, limit=100)
    assert r.status_code == 200, r.text
    return {i["data"]["uuid"] for i in r.json()["result"]["instances"]}


def all_dead(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(dead_letters_table).order_by(dead_letters_table.c.id)))


def queue_depth(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ingest_queue)).scalar_one())


def hard_delete(engine: Engine, project_id: int) -> dict[str, list[dict[str, Any]]]:
    """Remove a project's rows for good (an operator's clean-up), returning them for a
    later restore."""
    with writer(engine).begin() as conn:
        saved = {
            "projects": [dict(r._mapping) for r in conn.execute(
                select(projects).where(projects.c.id == project_id))],
            "access_tokens": [dict(r._mapping) for r in conn.execute(
                select(access_tokens).where(access_tokens.c.project_id == project_id))],
        }
        conn.execute(delete(access_tokens).where(access_tokens.c.project_id == project_id))
        conn.execute(delete(projects).where(projects.c.id == project_id))
    return saved


def restore(engine: Engine, saved: dict[str, list[dict[str, Any]]]) -> None:
    with writer(engine).begin() as conn:
        conn.execute(insert(projects), saved["projects"])
        conn.execute(insert(access_tokens), saved["access_tokens"])


@contextmanager
def running(w: Worker) -> Iterator[Worker]:
    w.start()
    try:
        yield w
    finally:
        w.stop()


@pytest.fixture
def idle_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The real app, acknowledging into the queue, with no digest of its own: the test
    decides when a worker runs."""
    with start_server(settings.replace(worker=False)) as live:
        yield live


@pytest.mark.parametrize("worker_process", [False, True], ids=["thread", "child"])
def test_a_project_hard_deleted_under_queued_events_does_not_stall_the_digest(
        settings: Settings, engine: Engine, project: ProjectInfo, db_url: str,
        worker_process: bool) -> None:
    doomed = make_project(engine, "doomed")
    with start_server(settings.replace(worker_process=worker_process)) as server:
        # the API caches the token (token_cache_seconds): after the hard delete below it
        # still acknowledges events for the gone project, as it would in production
        primed = server.http.post(server.url + "/api/1/item/", content=b"{not json",
                                  headers={"X-Rollbar-Access-Token": doomed.post})
        assert primed.status_code == 400
        saved = hard_delete(engine, doomed.id)
        for token, uuid in ((project.post, "before-1"), (doomed.post, "poison-1"),
                            (project.post, "after-1")):
            assert server.post_item(token, exc_data(uuid)).status_code == 200
        wait_for(settled(server, dead=1), why="poison set aside, the rest digested")
        assert stored_uuids(server, project.read) == {"before-1", "after-1"}
        (dead,) = all_dead(engine)
        assert dead.project_id == doomed.id and dead.attempts == 1
        assert dead.error_class == "KeyError" and "items.py" in dead.error
        assert decode(dead.event).uuid == "poison-1"  # kept as queued

        # the worker goes on
        assert server.post_item(project.post, exc_data("later-1")).status_code == 200
        wait_for(settled(server, dead=1), why="a later event digested")
        assert stored_uuids(server, project.read) == {"before-1", "after-1", "later-1"}

        listed = run("dead-letters", "list", "--json", "--database-url", db_url)
        assert listed.returncode == 0, listed.stderr
        out = json.loads(listed.stdout)
        assert out["total"] == 1
        assert out["dead_letters"][0]["id"] == dead.id
        assert out["dead_letters"][0]["project_id"] == doomed.id
        assert out["dead_letters"][0]["error_class"] == "KeyError"
        human = run("dead-letters", "list", "--database-url", db_url)
        assert f"project {doomed.id}" in human.stdout and "KeyError" in human.stdout

        # requeued before the cause is fixed: set aside again, one attempt more
        again = run("dead-letters", "requeue", "--id", str(dead.id), "--database-url", db_url)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) == {"requeued": 1, "ids": [dead.id], "not_found": []}
        wait_for(lambda: [d.attempts for d in all_dead(engine)] == [2]
                 and queue_depth(engine) == 0, why="failed again")
        assert health(server)["dead_letters"] == 1

        # the project comes back (a restore): requeued, it is digested
        restore(engine, saved)
        fixed = run("dead-letters", "requeue", "--all", "--database-url", db_url)
        assert fixed.returncode == 0, fixed.stderr
        assert json.loads(fixed.stdout)["requeued"] == 1
        wait_for(settled(server, dead=0), why="requeued event digested")
        assert stored_uuids(server, doomed.read) == {"poison-1"}
        assert stored_uuids(server, project.read) == {"before-1", "after-1", "later-1"}


def test_a_poison_event_in_the_middle_of_a_batch(idle_server: LiveServer, engine: Engine,
                                                 project: ProjectInfo) -> None:
    """The database refuses one event (a CHECK-like trigger): the batch fails as a whole,
    its other events are stored one by one, the refused one is set aside with the
    driver's error, and counters count each stored event once."""
    refuse(engine, "uuid = 'poison-db'")
    uuids = [f"good-{i}" for i in range(3)] + ["poison-db"] + [f"good-{i}" for i in range(3, 6)]
    for uuid in uuids:
        assert idle_server.post_item(project.post, exc_data(uuid)).status_code == 200
    taken, result = worker.run_once(engine, 500)
    assert (taken, result.stored) == (7, 6)
    assert queue_depth(engine) == 0
    (dead,) = all_dead(engine)
    assert decode(dead.event).uuid == "poison-db"
    assert dead.error_class in ("sqlite3.IntegrityError", "psycopg.errors.CheckViolation")
    assert "refused" in dead.error
    assert stored_uuids(idle_server, project.read) == {f"good-{i}" for i in range(6)}
    with engine.connect() as conn:
        assert conn.execute(select(items.c.total_occurrences)).scalar_one() == 6
        assert conn.execute(select(func.sum(item_hourly_counts.c.count))).scalar_one() == 6
    assert health(idle_server)["dead_letters"] == 1


def test_an_unreadable_queue_row_is_set_aside_not_dropped(
        idle_server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    assert idle_server.post_item(project.post, exc_data("readable")).status_code == 200
    blob = b"\x93not an event\xff"
    with writer(engine).begin() as conn:
        conn.execute(insert(ingest_queue).values(project_id=project.id,
                                                 received_at=time.time(), event=blob))
    assert worker.run_once(engine, 500)[0] == 2
    assert stored_uuids(idle_server, project.read) == {"readable"}
    (dead,) = all_dead(engine)
    assert dead.event == blob and dead.project_id == project.id
    assert dead.error_class.startswith("msgspec.")


def test_a_transient_failure_sets_nothing_aside(
        idle_server: LiveServer, engine: Engine, project: ProjectInfo, db_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """The write lock held elsewhere (SQLite) or a lock timeout (PostgreSQL): the worker
    backs off and retries the batch as it is; the poison in it is set aside only once
    the lock is gone, for its own fault."""
    doomed = make_project(engine, "doomed")
    for token, uuid in ((project.post, "a"), (doomed.post, "poison"), (project.post, "b")):
        assert idle_server.post_item(token, exc_data(uuid)).status_code == 200
    hard_delete(engine, doomed.id)
    impatient = impatient_engine(db_url)
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_lock, args=(db_url, taken, release))
    holder.start()
    try:
        assert taken.wait(10)
        with running(Worker(impatient, batch_size=500, poll_seconds=0.05)) as w:
            wait_for(lambda: any("retrying" in r.getMessage() for r in caplog.records),
                     why="a transient failure")
            time.sleep(0.6)  # at least one more attempt under the lock
            assert queue_depth(engine) == 3 and all_dead(engine) == []
            assert not any("one by one" in r.getMessage() for r in caplog.records)
            release.set()
            holder.join()
            wait_for(lambda: queue_depth(engine) == 0, why="digested after the release")
            assert w.is_running()
    finally:
        release.set()
        holder.join()
        impatient.dispose()
    assert [d.error_class for d in all_dead(engine)] == ["KeyError"]
    assert stored_uuids(idle_server, project.read) == {"a", "b"}


def test_a_failure_of_every_event_keeps_the_queue(
        idle_server: LiveServer, engine: Engine, project: ProjectInfo,
        caplog: pytest.LogCaptureFixture) -> None:
    """Not a transient error, but the database refuses every occurrence (a broken
    schema would do the same): the canary fails too, so nothing is set aside and the
    events wait; once the cause is gone they are digested."""
    caplog.set_level(logging.ERROR, logger="tracehound.worker")
    for uuid in ("x1", "x2", "x3"):
        assert idle_server.post_item(project.post, exc_data(uuid)).status_code == 200
    refuse(engine, "1 = 1")
    with running(Worker(engine, batch_size=500, poll_seconds=0.05)) as w:
        wait_for(lambda: any("known-good event too" in r.getMessage()
                             for r in caplog.records), why="the canary")
        assert queue_depth(engine) == 3 and all_dead(engine) == []
        unrefuse(engine)
        wait_for(lambda: queue_depth(engine) == 0, timeout=40, why="digested after the fix")
        assert w.is_running()
    assert all_dead(engine) == []
    assert stored_uuids(idle_server, project.read) == {"x1", "x2", "x3"}
    with engine.connect() as conn:  # the canary's rolled-back writes left nothing
        assert conn.execute(select(func.count()).select_from(occurrences)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(items)).scalar_one() == 1


def test_two_workers_isolating_the_same_batches_store_each_event_once(
        idle_server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    doomed = make_project(engine, "doomed")
    for i in range(40):
        token = doomed.post if i % 13 == 5 else project.post
        assert idle_server.post_item(token, exc_data(f"e{i}")).status_code == 200
    hard_delete(engine, doomed.id)
    workers = [Worker(engine, batch_size=7, poll_seconds=0.02) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        wait_for(lambda: queue_depth(engine) == 0, timeout=60, why="drained")
        assert all(w.is_running() for w in workers)
    finally:
        for w in workers:
            w.stop()
    good = {f"e{i}" for i in range(40) if i % 13 != 5}
    assert stored_uuids(idle_server, project.read) == good
    dead = all_dead(engine)
    assert sorted(decode(d.event).uuid for d in dead) == ["e18", "e31", "e5"]
    with engine.connect() as conn:
        assert conn.execute(select(items.c.total_occurrences)).scalar_one() == len(good)
        assert conn.execute(select(func.sum(item_hourly_counts.c.count))).scalar_one() \
            == len(good)


def test_the_normal_path_costs_no_extra_statement(
        idle_server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    """A batch that succeeds: the claim, the digest's own statements, the delete."""
    for i in range(5):
        assert idle_server.post_item(project.post, exc_data(f"w{i}")).status_code == 200
    worker.run_once(engine, 500)  # the item exists from now on

    def statements_of(call: Callable[[], object]) -> list[str]:
        seen: list[str] = []

        def on_exec(*args: object) -> None:
            seen.append(" ".join(str(args[2]).split()))

        event.listen(engine, "before_cursor_execute", on_exec)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", on_exec)
        return [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]

    for i in range(5):
        assert idle_server.post_item(project.post, exc_data(f"n{i}")).status_code == 200
    statements = statements_of(lambda: worker.run_once(engine, 500))
    assert statements[0].startswith("SELECT ingest_queue.id, ingest_queue.event")
    assert statements[-1].startswith("DELETE FROM ingest_queue")
    assert not any("dead_letters" in s or "SAVEPOINT" in s for s in statements)
    # claim, select items, insert occurrences, update items, hourly and minute counts,
    # delete: as before dead letters existed (measured on both databases)
    assert len(statements) == 7


def test_dead_letter_commands_refuse_bad_input(engine: Engine, project: ProjectInfo,
                                               db_url: str) -> None:
    with writer(engine).begin() as conn:
        qid = conn.execute(insert(ingest_queue).values(
            project_id=project.id, received_at=0.0, event=b"x")
            .returning(ingest_queue.c.id)).scalar_one()
        moved = dead_letters.bury(conn, qid, error_class="Boom\x1b[2J",
                                  error="<script>\x1b]0;pwned\x07</script>\nline 2",
                                  now=time.time())
    assert moved is not None
    dead_id = moved[0]
    db = ("--database-url", db_url)
    human = run("dead-letters", "list", *db)
    assert human.returncode == 0 and "\x1b" not in human.stdout and "\x07" not in human.stdout
    assert "line 2" not in human.stdout  # the first line of the message only
    listed = json.loads(run("dead-letters", "list", "--json", *db).stdout)
    assert listed["dead_letters"][0]["error"].startswith("<script>\x1b]0;pwned")
    for args in ([], ["--all", "--id", "1"], ["--id", "0"], ["--id", "abc"],
                 ["--id", str(2**63)], ["--id", "-1"]):
        r = run("dead-letters", "requeue", *args, *db)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
    missing = run("dead-letters", "requeue", "--id", str(dead_id), "--id", "999999", *db)
    assert missing.returncode == 1 and "999999" in missing.stderr
    assert json.loads(missing.stdout) == {"requeued": 1, "ids": [dead_id],
                                          "not_found": [999999]}
    assert queue_depth(engine) == 1 and all_dead(engine) == []
    for args in ([], ["--id", "x"], ["--id", "99999999999999999999999"]):
        r = run("dead-letters", "purge", *args, *db)
        assert r.returncode == 2 and "Traceback" not in r.stderr
    gone = run("dead-letters", "purge", "--id", "424242", *db)
    assert gone.returncode == 1 and json.loads(gone.stdout)["purged"] is False
    empty = run("dead-letters", "requeue", "--all", *db)
    assert empty.returncode == 0 and json.loads(empty.stdout)["requeued"] == 0


def test_purge_deletes_one_for_good(engine: Engine, project: ProjectInfo, db_url: str) -> None:
    with writer(engine).begin() as conn:
        ids = []
        for _ in range(2):
            qid = conn.execute(insert(ingest_queue).values(
                project_id=project.id, received_at=0.0, event=b"x")
                .returning(ingest_queue.c.id)).scalar_one()
            moved = dead_letters.bury(conn, qid, error_class="E", error="e", now=1.0)
            assert moved is not None
            ids.append(moved[0])
    r = run("dead-letters", "purge", "--id", str(ids[0]), "--database-url", db_url)
    assert r.returncode == 0 and json.loads(r.stdout) == {"purged": True, "id": ids[0]}
    assert [d.id for d in all_dead(engine)] == [ids[1]] and queue_depth(engine) == 0


# ---- database helpers: a refusing trigger, a held lock ---------------------------------


def refuse(engine: Engine, condition: str) -> None:
    """A trigger refusing occurrences matching `condition` (on NEW's columns)."""
    with writer(engine).begin() as conn:
        if is_sqlite(engine):
            where = condition.replace("uuid", "NEW.uuid")
            conn.execute(text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON occurrences WHEN {where} "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"))
        else:
            where = condition.replace("uuid", "NEW.uuid")
            conn.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {where} THEN RAISE EXCEPTION 'refused by a test trigger' "
                "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON occurrences "
                              "FOR EACH ROW EXECUTE FUNCTION refuse()"))


def unrefuse(engine: Engine) -> None:
    with writer(engine).begin() as conn:
        conn.execute(text("DROP TRIGGER refuse" if is_sqlite(engine)
                          else "DROP TRIGGER refuse ON occurrences"))


def impatient_engine(url: str) -> Engine:
    """An engine that gives up on a held lock within ~0.1 s instead of 10 s."""
    if url.startswith("sqlite"):
        return build_engine(url, sqlite_busy_timeout_ms=100)
    eng = build_engine(url)

    @event.listens_for(eng, "connect")
    def _lock_timeout(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET lock_timeout = 100")
        dbapi_conn.commit()

    return eng


def hold_lock(url: str, taken: threading.Event, release: threading.Event) -> None:
    """SQLite's write lock, or an exclusive lock on items (PostgreSQL), until released."""
    other = build_engine(url)
    try:
        with writer(other).begin() as conn:
            if url.startswith("sqlite"):
                conn.execute(text("UPDATE projects SET item_counter = item_counter"))
            else:
                conn.execute(text("LOCK TABLE items IN ACCESS EXCLUSIVE MODE"))
            taken.set()
            release.wait(30)
    finally:
        other.dispose()
