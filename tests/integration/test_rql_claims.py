"""RQL job claims under contention: runners racing on the same database each take a
different job, and an account never has more running jobs than its limit."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import Engine, func, select

from tests.protocols.rollbar.rql_support import foreign_project
from tests.support import ProjectInfo, make_project
from tracehound.store import db, rql_jobs
from tracehound.store.tables import rql_jobs as rql_jobs_table

LIMIT = 2


def _queue(engine: Engine, project: ProjectInfo, n: int) -> None:
    with engine.begin() as conn:
        for i in range(n):
            query = f"SELECT count(*) FROM item_occurrence WHERE item.counter = {i}"
            rql_jobs.create(conn, rql_jobs.NewJob(
                account_id=project.account_id, project_id=project.id, query_string=query,
                job_hash=rql_jobs.job_hash(project.id, query), now=time.time()))


def _race(engine: Engine, runners: int) -> list[tuple[str, int, int]]:
    """Every runner claims until nothing is left for it: (runner, job id, account)."""
    claims: list[tuple[str, int, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(runners)

    def run(name: str) -> None:
        start.wait()
        while True:
            with db.writer(engine).begin() as conn:
                job = rql_jobs.claim_next(conn, name, time.time(), max_per_account=LIMIT,
                                          postgresql=db.is_postgresql(engine))
            if job is None:
                return
            with lock:
                claims.append((name, job.id, job.account_id))

    threads = [threading.Thread(target=run, args=(f"runner-{i}",)) for i in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return claims


def test_racing_runners_take_distinct_jobs_within_each_accounts_limit(
        engine: Engine, project: ProjectInfo) -> None:
    other = make_project(engine, "same account")
    stranger = foreign_project(engine)
    for p in (project, other, stranger):
        _queue(engine, p, 5)
    claimed: Counter[int] = Counter()
    for _round in range(8):
        claims = _race(engine, runners=6)
        per_account = Counter(account for _, _, account in claims)
        assert all(n <= LIMIT for n in per_account.values()), claims
        with engine.connect() as conn:
            running = conn.execute(
                select(rql_jobs_table.c.account_id, func.count())
                .where(rql_jobs_table.c.status == rql_jobs.RUNNING)
                .group_by(rql_jobs_table.c.account_id)).all()
        assert all(n <= LIMIT for _, n in running), running
        claimed.update(job_id for _, job_id, _ in claims)
        with engine.begin() as conn:  # the runners finish what they took
            for name, job_id, _ in claims:
                assert rql_jobs.finish(conn, job_id, name, status=rql_jobs.SUCCESS,
                                       resource={}, now=time.time())
        if not claims:
            break
    assert sorted(claimed) == list(range(1, 16)), claimed
    assert set(claimed.values()) == {1}, "a job was claimed twice"
