"""A token's own rate limit holds across API processes (rate_limit_store, §1.8).

Two real `tracehound serve --no-worker` processes and one `tracehound worker` share a
PostgreSQL schema. A token gets a limit of 10 calls per 60 s through the API; 20
items sent alternately to the two servers must give exactly 10 acknowledgements and
10 refusals (429 with the X-Rate-Limit-* headers), and exactly 10 occurrences
stored. A second token takes 40 concurrent posts from 8 threads across both
servers: still exactly 10 accepted. The same run with `rate_limit_store=memory`
shows why the shared store exists: each process counts alone, so 20 get through.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.integration.procs import Procs, cli_json, free_port, rollbar_payload, wait_drained
from tracehound.store import tokens
from tracehound.store.db import build_engine
from tracehound.store.tables import occurrences

PG_URL = os.environ.get("TRACEHOUND_TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="the shared rate-limit store needs PostgreSQL: "
                       "set TRACEHOUND_TEST_DATABASE_URL=postgresql+psycopg://user@host/db"),
]

LIMIT, WINDOW = 10, 60


def post(http: httpx.Client, url: str, token: str, uid: str) -> httpx.Response:
    return http.post(url + "/api/1/item/", json=rollbar_payload(uid, "quota", 0, "prod"),
                     headers={"X-Rollbar-Access-Token": token})


def set_limit(http: httpx.Client, url: str, account_write: str, project_id: int,
              token: str) -> None:
    r = http.patch(f"{url}/api/1/project/{project_id}/access_token/{token}",
                   json={"rate_limit_window_size": WINDOW, "rate_limit_window_count": LIMIT},
                   headers={"X-Rollbar-Access-Token": account_write})
    assert r.status_code == 200 and r.json() == {"err": 0}, r.text


def check_refusal(r: httpx.Response, sent_at: float) -> None:
    assert r.json()["err"] == 1 and "rate limit" in r.json()["message"]
    h = r.headers
    assert h["x-rate-limit-limit"] == str(LIMIT)
    assert h["x-rate-limit-remaining"] == "0"
    assert 0 < int(h["x-rate-limit-remaining-seconds"]) <= WINDOW
    assert sent_at < int(h["x-rate-limit-reset"]) <= sent_at + WINDOW + 1


def stored(db_url: str, project_id: int) -> int:
    engine = build_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(occurrences)
                                    .where(occurrences.c.project_id == project_id))
                       .scalar_one())
    finally:
        engine.dispose()


def concurrent_posts(urls: list[str], token: str, n: int, threads: int) -> list[int]:
    codes: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(t: int) -> None:
        with httpx.Client(timeout=10) as http:
            start.wait()
            for i in range(t, n, threads):
                code = post(http, urls[i % 2], token, f"c-{i}").status_code
                with lock:
                    codes.append(code)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    return codes


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("store", ["database", "memory"])
def test_token_limit_is_shared_by_two_api_processes(db_url: str, tmp_path: Path,
                                                    store: str) -> None:
    project = cli_json(["project", "create", "limits", "--json", "--database-url", db_url])
    post_token = project["access_tokens"]["post_server_item"]
    engine = build_engine(db_url)
    try:
        with engine.begin() as conn:
            account_write = tokens.create_token(
                conn, account_id=project["account_id"], project_id=None, name="admin",
                scopes=["write"])
            account_read = tokens.create_token(
                conn, account_id=project["account_id"], project_id=None, name="reader",
                scopes=["read"])
    finally:
        engine.dispose()
    env = {"TRACEHOUND_RATE_LIMIT_STORE": store}
    with Procs(tmp_path / "logs") as procs, httpx.Client(timeout=10) as http:
        try:
            apis = [procs.serve(f"api-{i}", free_port(), ["--database-url", db_url],
                                "--no-worker", env=env) for i in (1, 2)]
            urls = [a.url for a in apis if a.url]
            procs.worker("worker", ["--database-url", db_url], env=env)
            set_limit(http, urls[0], account_write, project["id"], post_token)

            results: list[tuple[int, httpx.Response, float]] = []
            for i in range(2 * LIMIT):
                sent_at = time.time()
                results.append((i, post(http, urls[i % 2], post_token, f"s-{i}"), sent_at))
            codes = [r.status_code for _, r, _ in results]
            accepted = [(i, r) for i, r, _ in results if r.status_code == 200]
            expected = LIMIT if store == "database" else 2 * LIMIT
            assert codes.count(200) == expected, codes
            assert codes.count(429) == 2 * LIMIT - expected, codes
            if store == "memory":  # each process counted alone: nothing more to see
                return
            assert codes == [200] * LIMIT + [429] * LIMIT
            # one window for both processes: the remaining count goes down across them
            remaining = [int(r.headers["x-rate-limit-remaining"]) for _, r in accepted]
            assert remaining == list(range(LIMIT - 1, -1, -1))
            assert {r.headers["x-rate-limit-limit"] for _, r in accepted} == {str(LIMIT)}
            for _, r, sent_at in results[LIMIT:]:
                check_refusal(r, sent_at)

            # both servers show the same live window on the token object
            for url in urls:
                listed = http.get(f"{url}/api/1/project/{project['id']}/access_tokens",
                                  headers={"X-Rollbar-Access-Token": account_read}).json()
                token = next(t for t in listed["result"] if t["access_token"] == post_token)
                assert token["cur_rate_limit_window_count"] == LIMIT
                assert abs(token["cur_rate_limit_window_start"] - results[0][2]) <= 2

            # a token created with its limit on the other server; concurrent posts from
            # 8 threads over both servers: still exactly LIMIT
            made = http.post(f"{urls[1]}/api/1/project/{project['id']}/access_tokens",
                             json={"name": "burst", "scopes": ["post_server_item"],
                                   "rate_limit_window_size": WINDOW,
                                   "rate_limit_window_count": LIMIT},
                             headers={"X-Rollbar-Access-Token": account_write})
            assert made.status_code == 200, made.text
            burst = made.json()["result"]["access_token"]
            concurrent = concurrent_posts(urls, burst, 4 * LIMIT, 8)
            assert sorted(concurrent) == [200] * LIMIT + [429] * (3 * LIMIT), concurrent

            wait_drained(urls[0], 30)
            assert stored(db_url, project["id"]) == 2 * LIMIT
            for p in procs.started:
                assert p.alive(), f"{p.name} died:\n{p.log()}"
                assert "Traceback" not in p.log(), p.log()[-3000:]
        except BaseException:
            print(procs.logs())
            raise
