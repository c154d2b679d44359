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
    post_messages,
    wait_status,
)
from tests.support import ProjectInfo, start_server
from tracehound.config import Settings


def test_cancel_stops_the_running_query(settings: Settings, project: ProjectInfo) -> None:
    # one runner thread: the next job can only start once the cancelled query returned
    with start_server(settings.replace(rql_runner_threads=1)) as server:
        slow = create(server, project.read, SLOW)
        wait_status(server, project.read, slow["id"], ("running",))
        nxt = create(server, project.read)
        post_messages(server, project, 2)  # the digest goes on while the query runs
        time.sleep(1.0)
        assert get(server, project.read, nxt["id"])["status"] == "new"
        t0 = time.monotonic()
        assert cancel(server, project.read, slow["id"]).json()["result"]["status"] \
            == "cancelled"
        done = wait_status(server, project.read, nxt["id"], ENDED, timeout=10)
        assert done["status"] == "success"
        assert time.monotonic() - t0 < 5, "the cancelled query held its thread"
        assert get(server, project.read, slow["id"])["status"] == "cancelled"


def test_a_query_past_the_time_limit_ends_timed_out_and_the_runner_goes_on(
        settings: Settings, project: ProjectInfo) -> None:
    with start_server(settings.replace(rql_runner_threads=1,
                                       rql_timeout_seconds=1.5)) as server:
        post_messages(server, project, 2)
        slow = create(server, project.read, SLOW)
        nxt = create(server, project.read)
        t0 = time.monotonic()
        ended = wait_status(server, project.read, slow["id"], ENDED, timeout=15)
        assert ended["status"] == "timed_out", ended
        assert time.monotonic() - t0 < 8
        result = get(server, project.read, slow["id"], expand="result")["result"]
        assert result["rows"] == [] and "longer than 1.5 seconds" in result["errors"][0]
        done = wait_status(server, project.read, nxt["id"], ENDED, timeout=10)
        assert done["status"] == "success"
        assert get(server, project.read, nxt["id"], expand="result")["result"]["rows"] \
            == [[2]]
        # the digest went on while the query ran
        post_messages(server, project, 1)


def test_an_account_runs_at_most_its_limit_of_queries(
        settings: Settings, engine: Engine, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    stranger = foreign_project(engine)  # another account: a limit of its own
    with start_server(settings.replace(rql_runner_threads=4,
                                       rql_max_concurrent_per_account=2)) as server:
        mine = [create(server, project.read, SLOW, force_refresh=True)["id"],
                create(server, other_project.read, SLOW, force_refresh=True)["id"],
                create(server, project.read, SLOW, force_refresh=True)["id"]]
        theirs = create(server, stranger.read, SLOW)["id"]
        wait_status(server, project.read, mine[0], ("running",))
        wait_status(server, other_project.read, mine[1], ("running",))
        wait_status(server, stranger.read, theirs, ("running",))
        time.sleep(1.5)  # the account's third job waits while two run
        assert get(server, project.read, mine[2])["status"] == "new"
        assert get(server, other_project.read, mine[1])["status"] == "running"

        cancel(server, project.read, mine[0])
        wait_status(server, project.read, mine[2], ("running",), timeout=5)
        for token, job_id in ((other_project.read, mine[1]), (project.read, mine[2]),
                              (stranger.read, theirs)):
            assert cancel(server, token, job_id).status_code == 200
