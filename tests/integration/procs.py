"""Helpers for the process-level suites (kill -9, scale-out): the real `tracehound`
CLI as subprocesses, a bounded concurrent Rollbar load generator, and the store's
invariants checked directly in the database.

Every process is started through a `Procs` group, whose `close()` (called from a
`with` block or a fixture teardown) kills whatever is still running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from tests.support import free_port
from tracehound.store.tables import ingest_queue, item_hourly_counts, items, occurrences

__all__ = ["Procs", "Proc", "Load", "cli_json", "free_port", "rollbar_events",
           "check_store", "StoreReport", "check_read_api", "queue_depth", "wait_drained",
           "wait_ping", "wait_worker", "error_kinds", "short_lines", "log_excerpt"]

START_TIMEOUT = 30.0


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without TRACEHOUND_* settings (a stray
    TRACEHOUND_DATABASE_URL would silently override --data-dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUND_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def cli_json(args: Sequence[str], *, timeout: float = 60.0) -> dict[str, Any]:
    """Run `tracehound ARGS` to completion and parse the JSON it prints."""
    done = subprocess.run([sys.executable, "-m", "tracehound", *args], env=_clean_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"tracehound {' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout)


@dataclass
class Proc:
    name: str
    args: list[str]
    popen: subprocess.Popen[bytes]
    log_path: Path
    url: str | None = None  # http://127.0.0.1:PORT for `serve`

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no graceful anything."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=10)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """user + system CPU time so far (Linux /proc), 0 when unavailable."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0


class Procs:
    """Every process a test starts; `close()` kills the ones still running."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = _clean_env(env)
        self.started: list[Proc] = []
        self._seq = 0

    def __enter__(self) -> Procs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for p in reversed(self.started):
            try:
                if p.alive():
                    os.kill(p.pid, signal.SIGKILL)
                p.popen.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass

    def spawn(self, name: str, args: Sequence[str], env: dict[str, str] | None = None) -> Proc:
        self._seq += 1
        log_path = self.log_dir / f"{self._seq:02d}-{name}.log"
        with open(log_path, "wb") as log_file:
            popen = subprocess.Popen(
                [sys.executable, "-m", "tracehound", *args], env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
        proc = Proc(name, list(args), popen, log_path)
        self.started.append(proc)
        return proc

    def serve(self, name: str, port: int, db_args: Sequence[str], *extra: str,
              env: dict[str, str] | None = None) -> Proc:
        """`tracehound serve` on 127.0.0.1:port, returned once /api/1/status/ping answers."""
        proc = self.spawn(name, ["serve", "--host", "127.0.0.1", "--port", str(port),
                                 *db_args, *extra], env)
        proc.url = f"http://127.0.0.1:{port}"
        wait_ping(proc)
        return proc

    def worker(self, name: str, db_args: Sequence[str],
               env: dict[str, str] | None = None, *, wait: bool = True) -> Proc:
        """`tracehound worker`, returned once it logged that it started (`wait`)."""
        proc = self.spawn(name, ["worker", *db_args], env)
        if wait:
            wait_worker(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(f"----- {p.name} (pid {p.pid}, exit {p.popen.returncode}) -----\n"
                         f"{short_lines(p.log())[-4000:]}" for p in self.started)


def short_lines(text: str, width: int = 300) -> str:
    """Log text with each line cut to `width` (SQLAlchemy errors print every parameter)."""
    return "\n".join(ln if len(ln) <= width else ln[:width] + " …"
                     for ln in text.splitlines())


def log_excerpt(text: str, *needles: str, limit: int = 40) -> str:
    """The (shortened) log lines containing any of `needles`."""
    lines = [ln for ln in short_lines(text).splitlines() if any(n in ln for n in needles)]
    return "\n".join(lines[:limit])


def wait_ping(proc: Proc, timeout: float = START_TIMEOUT) -> None:
    assert proc.url
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as http:
        while True:
            if not proc.alive():
                raise AssertionError(f"{proc.name} exited {proc.popen.returncode} before "
                                     f"answering:\n{proc.log()}")
            try:
                if http.get(proc.url + "/api/1/status/ping").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{proc.name} did not answer in {timeout}s:\n{proc.log()}")
            time.sleep(0.05)


def wait_worker(proc: Proc, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while "digest worker started" not in proc.log():
        if not proc.alive():
            raise AssertionError(f"{proc.name} exited {proc.popen.returncode}:\n{proc.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{proc.name} did not start in {timeout}s:\n{proc.log()}")
        time.sleep(0.05)


def queue_depth(url: str, http: httpx.Client | None = None) -> int | None:
    """GET /health's queue_depth, None when the server does not answer."""
    try:
        r = (http or httpx).get(url + "/health", timeout=5)
    except httpx.TransportError:
        return None
    if r.status_code != 200:
        return None
    return int(r.json()["queue_depth"])


def wait_drained(url: str, timeout: float, *, settle: int = 3) -> None:
    """Until /health reports an empty queue `settle` times in a row."""
    deadline = time.monotonic() + timeout
    zeros = 0
    last: int | None = None
    with httpx.Client(timeout=5) as http:
        while time.monotonic() < deadline:
            last = queue_depth(url, http)
            zeros = zeros + 1 if last == 0 else 0
            if zeros >= settle:
                return
            time.sleep(0.05)
    raise AssertionError(f"the ingest queue did not drain in {timeout}s (depth {last})")


# ---- load ---------------------------------------------------------------------------


WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
         "zulu").split()


def error_kinds(n: int) -> list[str]:
    """n distinct, grouping-stable error names (letters only, nothing gets masked)."""
    out = []
    for i in range(n):
        a, b = divmod(i, len(WORDS))
        out.append(WORDS[b] if a == 0 else f"{WORDS[b]}_{WORDS[a % len(WORDS)]}")
    return out


def rollbar_payload(uid: str, kind: str, index: int, environment: str) -> dict[str, Any]:
    """A Rollbar item for error `kind`: traces for half the kinds, messages for the rest.

    The variable part (numbers, line numbers) differs per event but does not group."""
    data: dict[str, Any] = {"environment": environment, "uuid": uid, "level": "error"}
    if sum(map(ord, kind)) % 2 == 0:
        data["body"] = {"trace": {
            "frames": [
                {"filename": "/srv/app/main.py", "method": "main", "lineno": 10},
                {"filename": f"/srv/app/{kind}.py", "method": f"handle_{kind}",
                 "lineno": 100 + index % 50},
            ],
            "exception": {"class": f"{kind.title().replace('_', '')}Error",
                          "message": f"{kind} broke on request {index}"},
        }}
    else:
        data["body"] = {"message": {"body": f"{kind} queue stalled after {index} retries"}}
    return {"data": data}


def rollbar_events(count: int, kinds: Sequence[str], environments: Sequence[str] = (
        "production",)) -> list[tuple[str, tuple[str, str], dict[str, Any]]]:
    """count events (uuid, (environment, kind), payload), cycling through kinds×envs."""
    combos = [(env, kind) for env in environments for kind in kinds]
    out = []
    for i in range(count):
        env, kind = combos[i % len(combos)]
        uid = str(uuidlib.uuid4())
        out.append((uid, (env, kind), rollbar_payload(uid, kind, i, env)))
    return out


@dataclass
class Load:
    """Threads that POST events until each is acknowledged, as an SDK that retries
    would: a transport error or a 503 is retried (against the next URL when there are
    several), any other non-200 answer is a failure. Bounded by `deadline_s`.

    `urls()` is called before every attempt, so servers can be replaced mid-run.
    """

    urls: Callable[[], Sequence[str]]
    token: str
    events: Sequence[tuple[str, Any, dict[str, Any]]]
    threads: int = 6
    deadline_s: float = 60.0
    # >0: every Nth event is posted again once acknowledged, to the next URL; a thread
    # does so `resend_batch` at a time, in reverse order, so that the two copies of
    # two events sit in the queue in opposite orders, some batches apart
    resend_every: int = 0
    resend_batch: int = 1

    acked: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    transport_errors: int = 0
    retries: int = 0
    per_url: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Load:
        self._deadline = time.monotonic() + self.deadline_s
        for t in range(self.threads):
            th = threading.Thread(target=self._run, args=(t,), name=f"load-{t}", daemon=True)
            self._threads.append(th)
            th.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.join(15)

    def join(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        for th in self._threads:
            th.join(max(0.0, end - time.monotonic()))
        return not any(th.is_alive() for th in self._threads)

    @property
    def acked_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def wait_acked(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.acked_count < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.acked_count} of {n} events acknowledged "
                                     f"in {timeout}s; failures: {self.failures[:5]}")
            if not any(th.is_alive() for th in self._threads):
                return
            time.sleep(0.005)

    def _post(self, http: httpx.Client, attempt: int, uid: str,
              payload: dict[str, Any]) -> bool:
        """One event until acknowledged, starting with URL number `attempt` (modulo the
        number of URLs), the next one on each retry; False when it failed for good."""
        while not self._stop.is_set():
            if time.monotonic() > self._deadline:
                self._fail(f"{uid}: not acknowledged before the deadline")
                return False
            urls = self.urls()
            url = urls[attempt % len(urls)]
            try:
                r = http.post(url + "/api/1/item/", json=payload,
                              headers={"X-Rollbar-Access-Token": self.token})
            except httpx.TransportError:
                with self._lock:
                    self.transport_errors += 1
                    self.retries += 1
                attempt += 1
                time.sleep(0.02)
                continue
            if r.status_code == 503:
                with self._lock:
                    self.retries += 1
                attempt += 1
                time.sleep(0.05)
                continue
            if r.status_code != 200:
                self._fail(f"{uid}: HTTP {r.status_code} {r.text[:200]}")
                return False
            body = r.json()
            if body != {"err": 0, "result": {"id": None, "uuid": uid}}:
                self._fail(f"{uid}: unexpected ack {body}")
                return False
            with self._lock:
                self.acked[uid] += 1
                self.per_url[url] += 1
            return True
        return False

    def _fail(self, msg: str) -> None:
        with self._lock:
            self.failures.append(msg)

    def _resend(self, http: httpx.Client, pending: list[tuple[int, str, Any]]) -> None:
        """Post acknowledged events again, newest first, each to the next server."""
        for i, uid, payload in reversed(pending):
            self._post(http, i + 1, uid, payload)
        pending.clear()

    def _run(self, t: int) -> None:
        pending: list[tuple[int, str, Any]] = []
        try:
            with httpx.Client(timeout=httpx.Timeout(10.0, connect=2.0)) as http:
                for i in range(t, len(self.events), self.threads):
                    if self._stop.is_set():
                        return
                    uid, _, payload = self.events[i]
                    if not self._post(http, i, uid, payload):
                        continue
                    if self.resend_every and i % self.resend_every == 0:
                        pending.append((i, uid, payload))
                    if len(pending) >= self.resend_batch:
                        self._resend(http, pending)
                self._resend(http, pending)
        except Exception as exc:  # noqa: BLE001 - recorded, asserted by the test
            self._fail(f"load thread {t} crashed: {exc!r}")


# ---- invariants -----------------------------------------------------------------------


@dataclass
class StoreReport:
    occurrences: int
    items: int
    uuid_counts: dict[str, int]
    item_of_uuid: dict[str, int]


def check_store(engine: Engine, project_id: int, acked: set[str], *,
                expected_items: int | None = None) -> StoreReport:
    """Assert the store's invariants for one project after the queue drained:
    every acknowledged uuid stored exactly once and nothing else stored; item
    counters, hourly counts and first/last occurrence consistent with the rows;
    one item per (project, environment, fingerprint); counters 1..N."""
    oc, it, hc = occurrences.c, items.c, item_hourly_counts.c
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ingest_queue)).scalar_one() == 0
        uuid_counts = {r.uuid: r.n for r in conn.execute(
            select(oc.uuid, func.count().label("n")).where(oc.project_id == project_id)
            .group_by(oc.uuid))}
        item_of_uuid = dict(conn.execute(
            select(oc.uuid, oc.item_id).where(oc.project_id == project_id)).all())
        n_occ = conn.execute(select(func.count()).select_from(occurrences)
                             .where(oc.project_id == project_id)).scalar_one()
        per_item = {r.item_id: (r.n, r.lo, r.hi) for r in conn.execute(
            select(oc.item_id, func.count().label("n"), func.min(oc.id).label("lo"),
                   func.max(oc.id).label("hi"))
            .where(oc.project_id == project_id).group_by(oc.item_id))}
        item_rows = conn.execute(select(items).where(it.project_id == project_id)).all()
        dup_keys = conn.execute(
            select(it.project_id, it.environment, it.fingerprint, func.count().label("n"))
            .group_by(it.project_id, it.environment, it.fingerprint)
            .having(func.count() > 1)).all()
        hourly = {r.item_id: int(r.n) for r in conn.execute(
            select(hc.item_id, func.sum(hc.count).label("n")).group_by(hc.item_id))}

    dupes = {u: n for u, n in uuid_counts.items() if n != 1}
    assert not dupes, f"uuids stored more than once: {list(dupes.items())[:10]}"
    lost = acked - uuid_counts.keys()
    assert not lost, f"{len(lost)} acknowledged events were lost, e.g. {sorted(lost)[:5]}"
    extra = uuid_counts.keys() - acked
    assert not extra, f"{len(extra)} stored events were never sent: {sorted(extra)[:5]}"
    assert n_occ == len(acked)

    assert not dup_keys, f"items sharing (project, environment, fingerprint): {dup_keys}"
    item_ids = {r.id for r in item_rows}
    assert set(per_item) <= item_ids, "occurrences point at items of no row"
    assert sum(r.total_occurrences for r in item_rows) == n_occ
    wrong = [(r.id, r.total_occurrences, per_item.get(r.id, (0,))[0]) for r in item_rows
             if r.total_occurrences != per_item.get(r.id, (0,))[0]]
    assert not wrong, f"items whose total_occurrences != their rows (id, total, rows): {wrong}"
    empty = [r.id for r in item_rows if r.id not in per_item]
    assert not empty, f"items without any occurrence: {empty}"
    bounds = [(r.id, r.first_occurrence_id, r.last_occurrence_id, per_item[r.id][1:])
              for r in item_rows
              if (r.first_occurrence_id, r.last_occurrence_id) != per_item[r.id][1:]]
    assert not bounds, f"first/last occurrence ids off (id, first, last, (min, max)): {bounds}"
    assert sum(hourly.get(i, 0) for i in item_ids) == n_occ
    off = [(i, hourly.get(i, 0), per_item[i][0]) for i in item_ids
           if hourly.get(i, 0) != per_item[i][0]]
    assert not off, f"hourly counts != occurrences (item, hourly, rows): {off}"
    counters = sorted(r.counter for r in item_rows)
    assert counters == list(range(1, len(item_rows) + 1)), f"item counters: {counters}"
    if expected_items is not None:
        assert len(item_rows) == expected_items, \
            f"{len(item_rows)} items for {expected_items} distinct errors"
    return StoreReport(n_occ, len(item_rows), uuid_counts, item_of_uuid)


def check_read_api(url: str, read_token: str, report: StoreReport, sample: Sequence[str]) -> None:
    """The read API agrees with the database: every item listed once, the counts add
    up, and `GET /api/1/item/?uuid=` finds a sample of the acknowledged uuids."""
    headers = {"X-Rollbar-Access-Token": read_token}
    with httpx.Client(timeout=10, headers=headers) as http:
        listed: dict[int, int] = {}
        total_count = None
        for page in range(1, 1000):
            r = http.get(url + "/api/1/items", params={"page": page})
            assert r.status_code == 200, r.text
            result = r.json()["result"]
            total_count = result["total_count"]
            if not result["items"]:
                break
            for item in result["items"]:
                assert item["id"] not in listed, f"item {item['id']} listed twice"
                listed[item["id"]] = item["total_occurrences"]
        assert total_count == report.items == len(listed)
        assert sum(listed.values()) == report.occurrences
        for uid in sample:
            r = http.get(url + "/api/1/item/", params={"uuid": uid})
            assert r.status_code == 200, f"uuid {uid}: {r.status_code} {r.text[:200]}"
            assert r.json()["result"]["id"] == report.item_of_uuid[uid]

