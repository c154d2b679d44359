"""The RQL runner's limits, seen over HTTP: a cancelled query stops and frees its
thread, a query past the time limit ends `timed_out` and the runner goes on, an
account runs at most N queries at once, and the digest keeps going meanwhile."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from tests.protocols.rollbar.rql_support import (
    ENDED,
    SLOW,
    cancel,
    create,
    foreign_project,
    get,
    make_big,
    post_messages,
    wait_status,
)
from tests.support import ProjectInfo, start_server
from tracehound.config import Settings


def test_cancel_stops_the_running_query(settings: Settings, engine: Engine,
                                       project: ProjectInfo) -> None:
    # one runner thread: the next job can only start once the cancelled query returned
    with start_server(settings.replace(rql_runner_threads=1)) as server:
        make_big(server, engine, project)
        slow = create(server, project.read, SLOW)
        wait_status(server, project.read, slow["id"], ("running",))
        nxt = create(server, project.read)
        post_messages(server, project, 1)  # the digest goes on while the query runs
        assert get(server, project.read, nxt["id"])["status"] == "new"
        t0 = time.monotonic()
        assert cancel(server, project.read, slow["id"]).json()["result"]["status"] \
            == "cancelled"
        done = wait_status(server, project.read, nxt["id"], ENDED, timeout=10)
        assert done["status"] == "success"
        # SLOW alone takes seconds: the thread came free because the query stopped
        assert time.monotonic() - t0 < 1.5, "the cancelled query held its thread"
        assert get(server, project.read, slow["id"])["status"] == "cancelled"


def test_a_query_past_the_time_limit_ends_timed_out_and_the_runner_goes_on(
        settings: Settings, engine: Engine, project: ProjectInfo) -> None:
    with start_server(settings.replace(rql_runner_threads=1,
                                       rql_timeout_seconds=0.5)) as server:
        make_big(server, engine, project, 150_000)
        slow = create(server, project.read, SLOW)
        nxt = create(server, project.read)
        t0 = time.monotonic()
        ended = wait_status(server, project.read, slow["id"], ENDED, timeout=15)
        assert ended["status"] == "timed_out", ended
        assert time.monotonic() - t0 < 8
        result = get(server, project.read, slow["id"], expand="result")["result"]
        assert result["rows"] == [] and "longer than 0.5 seconds" in result["errors"][0]
        done = wait_status(server, project.read, nxt["id"], ENDED, timeout=10)
        assert done["status"] == "success"
        assert get(server, project.read, nxt["id"], expand="result")["result"]["rows"] \
            == [[150_001]]
        # the digest went on while the query ran
        post_messages(server, project, 1)


def test_an_account_runs_at_most_its_limit_of_queries(
        settings: Settings, engine: Engine, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    stranger = foreign_project(engine)  # another account: a limit of its own
    with start_server(settings.replace(rql_runner_threads=4,
                                       rql_max_concurrent_per_account=2)) as server:
        make_big(server, engine, project)
        make_big(server, engine, stranger)
        # two big queries of the account run; a third, in another of its projects, waits
        mine = [create(server, project.read, SLOW, force_refresh=True)["id"],
                create(server, project.read, SLOW, force_refresh=True)["id"],
                create(server, other_project.read, SLOW, force_refresh=True)["id"]]
        theirs = create(server, stranger.read, SLOW)["id"]
        tokens = [project.read, project.read, other_project.read]
        wait_status(server, project.read, mine[0], ("running",))
        wait_status(server, project.read, mine[1], ("running",))
        wait_status(server, stranger.read, theirs, ("running",))
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            st = [get(server, t, i)["status"] for t, i in zip(tokens, mine, strict=True)]
            assert st.count("running") <= 2, st
            assert st[2] == "new" or st[0] in ENDED or st[1] in ENDED, st
            time.sleep(0.1)

        cancel(server, project.read, mine[0])
        wait_status(server, other_project.read, mine[2], ("running",) + ENDED, timeout=5)
        for token, job_id in ((project.read, mine[1]), (stranger.read, theirs)):
            assert cancel(server, token, job_id).status_code in (200, 409)


def test_serves_child_worker_runs_a_new_job_at_once(settings: Settings,
                                                    project: ProjectInfo) -> None:
    # the default set-up: the runner lives in serve's child process, woken through its
    # stdin; with a 30 s poll, only the wake-up can make the jobs this prompt
    with start_server(settings.replace(worker_process=True, rql_poll_seconds=30.0)) as server:
        post_messages(server, project, 2)
        create(server, project.read, force_refresh=True)  # the runner's first poll may take it
        for _ in range(3):
            t0 = time.monotonic()
            job = create(server, project.read, force_refresh=True)
            done = wait_status(server, project.read, job["id"], ENDED, timeout=10)
            assert done["status"] == "success"
            assert time.monotonic() - t0 < 3.0
