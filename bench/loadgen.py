#!/usr/bin/env python3
"""Tracehound load generator and benchmark (Rollbar ingest on SQLite). See bench/README.md.

    python bench/loadgen.py all                 # fresh server (+ child worker), every phase, ~80 s
    python bench/loadgen.py all --thread-worker # the digest as a thread of serve
    python bench/loadgen.py max  --url U --token T --seconds 20
    python bench/loadgen.py rate --url U --token T --rate 750 --seconds 20

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (uvloop when
installed) sending precomputed bodies (bench/payloads.py) with a fresh uuid4 spliced in,
so the generator costs far less CPU than the server it loads; its own CPU is measured
and reported next to the server's. Only 127.0.0.1 is ever contacted, and every loop is
bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from payloads import Body, build_corpus  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
REQUEST_TIMEOUT = 30.0  # a single request never waits longer than this
DRAIN_TIMEOUT = 150.0  # nor does any wait for the digest to catch up
MAX_CONNECTIONS = 512
MIN_BACKLOG = 2000  # a drain shorter than this says little about the digest's speed
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CONN_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)
now = time.perf_counter


# ---- HTTP client ----------------------------------------------------------------------


class Conn:
    """One keep-alive HTTP/1.1 connection; one request in flight at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.closed = False

    @classmethod
    async def open(cls, host: str, port: int) -> Conn:
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"refusing to load {host}: the bench only talks to 127.0.0.1")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def roundtrip(self, data: bytes) -> tuple[int, bytes]:
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        m = _CONTENT_LENGTH.search(head)
        body = await self.reader.readexactly(int(m.group(1))) if m else b""
        if _CONN_CLOSE.search(head):
            self.close()
        return status, body

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()


async def http_get_json(host: str, port: int, path: str, timeout: float = 5.0) -> Any:
    conn = await Conn.open(host, port)
    try:
        async with asyncio.timeout(timeout):
            status, body = await conn.roundtrip(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        conn.close()


# ---- measurements ---------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Tally:
    """What one phase's requests got back."""

    ok: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latency: list[float] = field(default_factory=list)  # from intended send time
    service: list[float] = field(default_factory=list)  # from the actual write
    bytes_sent: int = 0
    shed: int = 0  # open loop: due but not sent, the server being over a second behind

    def record(self, status: int, body: bytes, latency: float, service: float) -> None:
        self.statuses[status] += 1
        if status == 200 and body.startswith(b'{"err":0'):
            self.ok += 1
        self.latency.append(latency)
        self.service.append(service)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latency)
        svc = sorted(self.service)
        ms = 1000.0
        return {
            "accepted": self.ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "latency_ms": {f"p{q}": round(percentile(lat, q) * ms, 2)
                           for q in (50, 90, 95, 99, 99.9)} | {
                "max": round((lat[-1] if lat else float("nan")) * ms, 2)},
            "service_latency_ms": {f"p{q}": round(percentile(svc, q) * ms, 2)
                                   for q in (50, 95, 99)},
            "mean_body_bytes": round(self.bytes_sent / max(1, len(self.latency))),
            "shed": self.shed,
        }


class Requests:
    """Round-robin over the corpus, each request with a fresh uuid4."""

    def __init__(self, corpus: list[Body]) -> None:
        self.corpus = corpus
        self.counter = itertools.count()

    def next(self) -> bytes:
        b = self.corpus[next(self.counter) % len(self.corpus)]
        return b"".join((b.head, str(uuid.uuid4()).encode(), b.tail))


async def _send(conn: Conn, data: bytes, due: float, tally: Tally) -> bool:
    """One request; False when the connection broke (the caller replaces it)."""
    t0 = now()
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            status, body = await conn.roundtrip(data)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            TimeoutError, ValueError) as exc:
        tally.errors[type(exc).__name__] += 1
        conn.close()
        return False
    t1 = now()
    tally.bytes_sent += len(data)
    tally.record(status, body, t1 - due, t1 - t0)
    return not conn.closed


async def closed_loop(host: str, port: int, reqs: Requests, *, connections: int,
                      seconds: float, max_requests: int | None = None) -> Tally:
    """`connections` clients, each sending its next request as soon as one is answered."""
    tally = Tally()
    deadline = now() + seconds
    budget = itertools.count() if max_requests is None else iter(range(max_requests))

    async def client() -> None:
        conn = await Conn.open(host, port)
        try:
            while now() < deadline and next(budget, None) is not None:
                data = reqs.next()
                if not await _send(conn, data, now(), tally):
                    conn = await Conn.open(host, port)
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return tally


async def fixed_rate(host: str, port: int, reqs: Requests, *, rate: float, seconds: float,
                     connections: int, backlog_seconds: float = 1.0) -> Tally:
    """Open loop: request k is due at start + k/rate whatever happened to earlier ones;
    latency counts from that due time, so a stalled server cannot hide its queueing
    (no coordinated omission). At most `connections` requests are in flight; when more
    than `backlog_seconds` worth of requests wait for a connection the server is not
    keeping up, and new ones are counted as shed instead of queued without bound."""
    tally = Tally()
    pool: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Conn.open(host, port))

    async def one(due: float) -> None:
        conn = await pool.get()
        if not await _send(conn, reqs.next(), due, tally):
            try:
                conn = await Conn.open(host, port)
            except OSError as exc:  # the pool shrinks by one
                tally.errors[f"reconnect {type(exc).__name__}"] += 1
                return
        pool.put_nowait(conn)

    total = int(rate * seconds)
    max_waiting = max(connections, int(rate * backlog_seconds))
    tasks: set[asyncio.Task[None]] = set()
    start = now() + 0.02
    for k in range(total):
        due = start + k / rate
        delay = due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= max_waiting:
            tally.shed += 1
            continue
        task = asyncio.create_task(one(due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 5)
        for task in pending:  # only if connections were lost for good
            task.cancel()
            tally.errors["never sent"] += 1
    while not pool.empty():
        pool.get_nowait().close()
    return tally


# ---- the server under test ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tracehound_cmd(pythonpath: str | None) -> list[str]:
    exe = shutil.which("tracehound")
    return [exe] if exe and not pythonpath else [sys.executable, "-m", "tracehound"]


def _clean_env(extra: dict[str, str], pythonpath: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUND_")}
    env.update(extra)
    if pythonpath:  # run the server from another checkout (experiments on a scratch copy)
        env["PYTHONPATH"] = pythonpath
    return env


def _proc_stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state is [0], ppid [1])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _proc_cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")


def _proc_status_kb(pid: int, keys: tuple[str, ...] = ("VmHWM", "VmRSS")) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            out[key] = int(value.split()[0])
    return out


def _is_worker_cmd(cmdline: list[str]) -> bool:
    return "worker" in cmdline


def worker_children(ppid: int) -> list[int]:
    """Live `tracehound worker` processes whose parent is `ppid` (serve's digest child)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            st = _proc_stat(pid)
            if int(st[1]) != ppid or st[0] == "Z":
                continue
            if _is_worker_cmd(_proc_cmdline(pid)):
                found.append(pid)
        except (OSError, IndexError, ValueError):  # exited while we looked
            continue
    return sorted(found)


def pid_alive_as_worker(pid: int) -> bool:
    try:
        return _proc_stat(pid)[0] != "Z" and _is_worker_cmd(_proc_cmdline(pid))
    except (OSError, IndexError):
        return False


MODES = {
    "child": "`serve` + its child digest process (default)",
    "process": "`serve --no-worker` + separate `tracehound worker`",
    "thread": "`serve` with the digest thread (TRACEHOUND_WORKER_PROCESS=false)",
}


class Server:
    """A fresh `tracehound serve` on SQLite in its own data directory.

    mode "child" (the default set-up): serve starts its digest worker as a child process
    (`tracehound worker --parent-pid`), found here through /proc and measured with it;
    "process": `serve --no-worker` plus a `tracehound worker` started by the bench;
    "thread": serve with TRACEHOUND_WORKER_PROCESS=false (the digest thread in-process).
    """

    def __init__(self, data_dir: Path, port: int, env: dict[str, str], log_path: Path, *,
                 mode: str = "child", pythonpath: str | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.cmd = _tracehound_cmd(pythonpath)
        self.mode = mode
        if mode == "thread":
            env = {**env, "TRACEHOUND_WORKER_PROCESS": "false"}
        elif mode == "child":
            env = {**env, "TRACEHOUND_WORKER_PROCESS": "true"}
        self.env = _clean_env(env, pythonpath)
        self.log_path = log_path
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.token = ""
        # serve's worker children ever seen: pid -> last VmHWM read (kB); a restarted
        # child shows up as a new pid
        self.children_seen: dict[int, int] = {}

    @property
    def worker_process(self) -> bool:
        return self.mode == "process"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tracehound.sqlite3"

    def _cli(self, *args: str) -> str:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([*self.cmd, *args, "--data-dir", str(self.data_dir)],
                              env=self.env, cwd=self.data_dir.parent, capture_output=True,
                              text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise SystemExit(f"tracehound {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def setup(self) -> None:
        self._cli("init", "--email", "bench@example.com", "--password", "benchpass1")
        made = json.loads(self._cli("project", "create", "bench", "--json"))
        self.token = made["access_tokens"]["post_server_item"]

    def _spawn(self, name: str, args: list[str]) -> None:
        with open(self.log_path, "ab") as log:
            self.procs[name] = subprocess.Popen(
                [*self.cmd, *args, "--data-dir", str(self.data_dir)], env=self.env,
                cwd=self.data_dir.parent,  # `python -m` puts the cwd ahead of PYTHONPATH
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def start(self) -> None:
        self._spawn("serve", ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                              *(["--no-worker"] if self.worker_process else [])])
        if self.worker_process:
            self._spawn("worker", ["worker"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise SystemExit(f"{name} exited {p.returncode}; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"server did not listen within 30 s; see {self.log_path}")
        if self.mode == "child":  # serve spawns the child before it listens; be sure
            while time.monotonic() < deadline and not self.children():
                time.sleep(0.1)
            if not self.children_seen:
                raise SystemExit(f"serve started no `tracehound worker` child; see "
                                 f"{self.log_path}")

    def children(self) -> list[int]:
        """serve's live worker children, re-discovered on every call (the child may have
        been restarted); remembers each one's peak RSS while it can be read."""
        if "serve" not in self.procs or self.mode != "child":
            return []
        kids = worker_children(self.procs["serve"].pid)
        for pid in kids:
            with contextlib.suppress(OSError, KeyError):
                self.children_seen[pid] = _proc_status_kb(pid)["VmHWM"]
        return kids

    def digest_pids(self) -> list[int]:
        """The processes that digest: serve's children, or the separate worker; none
        in "thread" mode (a thread cannot be paused from outside)."""
        if self.mode == "process":
            return [self.procs["worker"].pid]
        return self.children()

    @property
    def pid(self) -> int:
        return self.procs["serve"].pid

    @property
    def pids(self) -> dict[str, int]:
        out = {name: p.pid for name, p in self.procs.items()}
        kids = self.children()
        if kids:
            out["worker"] = kids[-1]
        return out

    def cpu_by_process(self) -> dict[str, float]:
        """user + system CPU seconds of each server process so far. In "child" mode the
        worker's share is its live children's utime + stime plus serve's cutime +
        cstime (children that exited and were reaped: a restarted worker's CPU is not
        lost)."""
        out = {}
        for name, p in self.procs.items():
            with contextlib.suppress(OSError):
                fields = _proc_stat(p.pid)
                out[name] = (int(fields[11]) + int(fields[12])) / CLK_TCK
                if name == "serve" and self.mode == "child":
                    out["worker"] = (int(fields[13]) + int(fields[14])) / CLK_TCK
        for pid in self.children():
            with contextlib.suppress(OSError, IndexError):
                fields = _proc_stat(pid)
                out["worker"] = out.get("worker", 0.0) + (
                    int(fields[11]) + int(fields[12])) / CLK_TCK
        return out

    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_process().values())

    def memory_kb(self) -> dict[str, int]:
        """VmHWM/VmRSS of serve; worker_VmHWM: the separate worker's, or the largest
        of serve's worker children seen (the live one's VmRSS too)."""
        out = {}
        for name, p in self.procs.items():
            with contextlib.suppress(OSError):
                for key, kb in _proc_status_kb(p.pid).items():
                    out[key if name == "serve" else f"{name}_{key}"] = kb
        kids = self.children()
        if self.children_seen:
            out["worker_VmHWM"] = max(self.children_seen.values())
        for pid in kids[-1:]:
            with contextlib.suppress(OSError, KeyError):
                out["worker_VmRSS"] = _proc_status_kb(pid)["VmRSS"]
        return out

    def stop(self) -> dict[str, Any]:
        """SIGTERM (graceful shutdown; serve stops its child), SIGKILL after 20 s; the
        exit codes, and any worker child still alive 5 s after serve exited (an orphan:
        reported, then terminated)."""
        self.children()
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        killed = []
        for name, p in self.procs.items():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
                killed.append(name)
        out: dict[str, Any] = {name: p.returncode for name, p in self.procs.items()}
        if killed:
            out["killed_after_20_s"] = killed
        if self.children_seen:
            deadline = time.monotonic() + 5  # a child of a killed serve exits within 0.5 s
            left = [pid for pid in self.children_seen if pid_alive_as_worker(pid)]
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = [pid for pid in left if pid_alive_as_worker(pid)]
            out["worker_children"] = sorted(self.children_seen)
            out["orphan_workers"] = left
            for pid in left:  # started (indirectly) by this run: ours to stop
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        return out


class Store:
    """Read-only peeks at the server's SQLite file (WAL readers never block it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _c(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                         isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout=5000")
        return self._conn

    def stored(self) -> int:
        """Occurrences stored so far: ids are autoincrement and never reused."""
        return int(self._c().execute("SELECT coalesce(max(id), 0) FROM occurrences")
                   .fetchone()[0])

    def freelist(self) -> int:
        """Free pages in the file (the worker hands them back after a drain)."""
        return int(self._c().execute("PRAGMA freelist_count").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def disk_report(db_path: Path) -> dict[str, Any]:
    """After the server stopped: checkpoint, then sizes and row counts."""
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        page_size = one("PRAGMA page_size")
        page_count = one("PRAGMA page_count")
        freelist = one("PRAGMA freelist_count")
        by_object = {name: size for name, size in con.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")}
        occ = one("SELECT count(*) FROM occurrences")
        out = {
            "occurrences": occ,
            "distinct_uuids": one("SELECT count(DISTINCT uuid) FROM occurrences"),
            "items": one("SELECT count(*) FROM items"),
            "items_total_occurrences": one(
                "SELECT coalesce(sum(total_occurrences), 0) FROM items"),
            "hourly_count_sum": one("SELECT coalesce(sum(count), 0) FROM item_hourly_counts"),
            "people": one("SELECT count(*) FROM people"),
            "queue_rows": one("SELECT count(*) FROM ingest_queue"),
            "payload_bytes_mean": round(one(
                "SELECT coalesce(avg(length(payload)), 0) FROM occurrences")),
            "page_size": page_size,
            "page_count": page_count,
            "freelist_pages": freelist,
        }
    finally:
        con.close()
    files = {p.name: p.stat().st_size for p in db_path.parent.glob(db_path.name + "*")}
    occ = max(1, out["occurrences"])
    out["files_bytes"] = files
    out["file_bytes"] = sum(v for k, v in files.items() if not k.endswith("-shm"))
    out["live_bytes"] = (page_count - freelist) * page_size
    out["bytes_per_event_file"] = round(out["file_bytes"] / occ)
    out["bytes_per_event_live"] = round(out["live_bytes"] / occ)
    out["bytes_by_object"] = by_object
    occ_objects = [k for k in by_object if "occurrences" in k]
    out["bytes_per_event_occurrences_table"] = round(
        sum(by_object[k] for k in occ_objects) / occ)
    return out


# ---- phases ---------------------------------------------------------------------------


def cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def cpu_machine() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, all cores."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


@dataclass
class Meter:
    """Before/after of one phase: wall time, server and generator CPU, stored count."""

    server: Server | None
    store: Store | None
    t0: float = 0.0
    cpu0: float = 0.0
    gen0: float = 0.0
    stored0: int = 0
    machine0: tuple[float, float] = (0.0, 0.0)

    by_process0: dict[str, float] = field(default_factory=dict)

    def start(self) -> Meter:
        self.t0, self.gen0, self.machine0 = now(), cpu_self(), cpu_machine()
        self.by_process0 = self.server.cpu_by_process() if self.server else {}
        self.cpu0 = sum(self.by_process0.values())
        self.stored0 = self.store.stored() if self.store else 0
        return self

    def stop(self) -> dict[str, Any]:
        wall = now() - self.t0
        out: dict[str, Any] = {"seconds": round(wall, 2),
                               "generator_cpu_s": round(cpu_self() - self.gen0, 2)}
        out["generator_cpu_pct"] = round(100 * out["generator_cpu_s"] / wall, 1)
        busy, steal = (b - a for a, b in zip(self.machine0, cpu_machine(), strict=True))
        out["machine_busy_pct"] = round(100 * busy / wall, 1)
        out["machine_steal_pct"] = round(100 * steal / wall, 1)
        if self.server:
            cpu = self.server.cpu_seconds() - self.cpu0
            out["server_cpu_s"] = round(cpu, 2)
            out["server_cpu_pct"] = round(100 * cpu / wall, 1)
            if len(self.by_process0) > 1:
                out["server_cpu_s_by_process"] = {
                    k: round(v - self.by_process0.get(k, 0.0), 2)
                    for k, v in self.server.cpu_by_process().items()}
            out["other_processes_cpu_pct"] = round(
                out["machine_busy_pct"] - out["server_cpu_pct"] - out["generator_cpu_pct"], 1)
        if self.store:
            stored = self.store.stored() - self.stored0
            out["stored"] = stored
            out["stored_per_s"] = round(stored / wall, 1)
            if self.server and stored:
                out["server_cpu_ms_per_stored"] = round(1000 * out["server_cpu_s"] / stored, 3)
        return out


async def sample(host: str, port: int, server: Server | None, store: Store | None,
                 timeline: list[dict[str, Any]], t_origin: float, every: float = 1.0) -> None:
    """Every `every` s: queue depth (/health), stored count, server CPU. Cancelled by the
    caller; each probe is bounded by its own timeout."""
    while True:
        row: dict[str, Any] = {"t": round(now() - t_origin, 2)}
        try:
            row["queue_depth"] = (await http_get_json(host, port, "/health"))["queue_depth"]
        except (OSError, RuntimeError, TimeoutError, ValueError, KeyError) as exc:
            row["health_error"] = type(exc).__name__
        if store:
            row["stored"] = store.stored()
        if server:
            row["server_cpu_s"] = round(server.cpu_seconds(), 2)
            if server.mode == "child":
                row["worker_pids"] = server.children()
            mem = server.memory_kb()
            row["rss_mib"] = {k.removesuffix("_VmRSS") if k != "VmRSS" else "serve":
                              round(v / 1024) for k, v in mem.items() if k.endswith("VmRSS")}
        timeline.append(row)
        await asyncio.sleep(every)


async def wait_drained(host: str, port: int, timeout: float) -> tuple[bool, float]:
    """Poll /health until the queue is empty; (drained, seconds waited)."""
    t0 = now()
    while now() - t0 < timeout:
        try:
            if (await http_get_json(host, port, "/health"))["queue_depth"] == 0:
                return True, now() - t0
        except (OSError, RuntimeError, TimeoutError, ValueError, KeyError):
            pass
        await asyncio.sleep(0.1)
    return False, now() - t0


async def phase(name: str, host: str, port: int, server: Server | None, store: Store | None,
                run: Callable[[], Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Run one load phase with the sampler alongside; its tally, meter and timeline."""
    log(f"phase {name} …")
    timeline: list[dict[str, Any]] = []
    meter = Meter(server, store).start()
    sampler = asyncio.create_task(sample(host, port, server, store, timeline, meter.t0))
    try:
        tally = await run()
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    out = {"phase": name, **tally.summary(), **meter.stop(), "timeline": timeline}
    out["accepted_per_s"] = round(out["accepted"] / out["seconds"], 1)
    depths = [r["queue_depth"] for r in timeline if "queue_depth" in r]
    out["queue_depth_end"] = depths[-1] if depths else None
    out["queue_depth_max"] = max(depths) if depths else None
    log(f"  {name}: {out['accepted']} accepted in {out['seconds']} s "
        f"({out['accepted_per_s']}/s), p99 {out['latency_ms']['p99']} ms, "
        f"statuses {out['statuses']} errors {out['errors']}, "
        f"server CPU {out.get('server_cpu_pct')}%, generator CPU {out['generator_cpu_pct']}%,"
        f" other {out.get('other_processes_cpu_pct')}%, stored {out.get('stored')}, "
        f"queue end {out['queue_depth_end']}, shed {out['shed']}")
    return out


async def drain_phase(host: str, port: int, server: Server, store: Store,
                      log: Callable[[str], None], timeout: float = DRAIN_TIMEOUT
                      ) -> dict[str, Any]:
    """The digest alone (no ingest): time and CPU until the queue is empty."""
    meter = Meter(server, store).start()
    backlog = (await http_get_json(host, port, "/health"))["queue_depth"]
    drained, _ = await wait_drained(host, port, timeout)
    out = {"phase": "drain", "backlog": backlog, "drained": drained, **meter.stop()}
    log(f"  drain: {backlog} queued, {out['stored']} stored in {out['seconds']} s "
        f"({out['stored_per_s']}/s), server CPU {out['server_cpu_pct']}%, "
        f"{out.get('server_cpu_ms_per_stored')} ms CPU per event, drained={drained}")
    return out


RECLAIM_MIN_PAGES = 1024  # tracehound.store.db.reclaim_free_pages' threshold


async def wait_reclaimed(store: Store, timeout: float = 20.0) -> dict[str, Any]:
    """After a drain the worker returns free pages to the file system (incremental
    auto-vacuum) in short write transactions: wait until it is done (free pages below
    its threshold, or not changing for 2 s), bounded."""
    t0 = now()
    last, since = store.freelist(), now()
    first = last
    while now() - t0 < timeout and last >= RECLAIM_MIN_PAGES:
        await asyncio.sleep(0.25)
        cur = store.freelist()
        if cur != last:
            last, since = cur, now()
        elif now() - since >= 2.0:
            break
    return {"free_pages_before": first, "free_pages_after": last,
            "seconds": round(now() - t0, 2)}


async def backlog_phases(host: str, port: int, server: Server, store: Store, reqs: Requests,
                         requests: int, connections: int, log: Callable[[str], None],
                         profile: Callable[..., None]) -> list[dict[str, Any]]:
    """Ingest alone, then the digest alone: pause the digest process (SIGSTOP) while the
    queue is empty (the idle worker only reads), send `requests` events in a closed
    loop, resume it (SIGCONT) and time the drain of the backlog."""
    reclaim = await wait_reclaimed(store)
    pids = server.digest_pids()
    if not pids:
        raise SystemExit("no digest process to pause")
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        profile("ingest-alone", max(5.0, requests / 2000), only=("serve",))
        a = await phase("ingest-alone", host, port, server, store, lambda: closed_loop(
            host, port, reqs, connections=connections, seconds=60, max_requests=requests),
            log)
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGCONT)
    a["paused_pids"] = pids
    a["reclaim_wait_before"] = reclaim
    profile("digest-alone", max(5.0, requests / 2500), only=("worker",))
    b = await drain_phase(host, port, server, store, log)
    b["after"] = "ingest-alone"
    return [a, b]


class Profiler:
    """py-spy record against the server for one phase (only with --profile)."""

    def __init__(self, pid: int, out: Path, seconds: float) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        exe = shutil.which("py-spy")
        if exe is None:
            print("py-spy not found (pip install py-spy); not profiling", file=sys.stderr)
            return
        self.proc = subprocess.Popen(
            [exe, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "100",
             "--nonblocking", "--threads", "-f", "raw", "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def summarize_profile(path: Path, top: int = 25) -> str:
    """Self and inclusive time per function from py-spy's raw (collapsed) output."""
    self_t: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        threads[frames[0]] += count
        funcs = [f for f in frames[1:] if f]
        if funcs:
            self_t[funcs[-1]] += count
        for f in set(funcs):
            incl[f] += count
    lines = [f"{path.name}: {total} samples", "by thread:"]
    lines += [f"  {100 * c / total:5.1f}%  {t}" for t, c in threads.most_common(8)]
    lines.append("self time:")
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in self_t.most_common(top)]
    lines.append("inclusive time:")
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in incl.most_common(top)]
    return "\n".join(lines)


# ---- commands -------------------------------------------------------------------------


def source_info(pythonpath: str | None) -> dict[str, Any]:
    """Which tracehound was measured: checkout, commit, uncommitted changes."""
    root = Path(pythonpath) if pythonpath else BENCH_DIR.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                  text=True, timeout=10, check=False).stdout.strip()
        except OSError:
            return ""

    return {"checkout": str(root), "commit": git("rev-parse", "--short", "HEAD"),
            "subject": git("log", "-1", "--format=%s"),
            "uncommitted": git("status", "--porcelain", "--", "tracehound").splitlines()}


_LOG_PROBLEM = re.compile(r"error|traceback|exception|critical|restarting", re.IGNORECASE)


def log_problems(path: Path, keep: int = 20) -> list[str]:
    """Lines of the server log that look like errors (the server logs at warning)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line[:300] for line in lines if _LOG_PROBLEM.search(line)][:keep]


def _parse_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--server-env wants KEY=VALUE, got {pair!r}")
        env[key] = value
    return env


async def run_all(args: argparse.Namespace) -> dict[str, Any]:
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tmp = Path(tempfile.mkdtemp(prefix="tracehound-bench-"))

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    # The server runs with its defaults (the system rate limit, 600,000/min per token
    # since 2fff4dd, is far above the rates measured here) at log level warning.
    env = {"TRACEHOUND_LOG_LEVEL": "warning", **_parse_env(args.server_env)}
    mode = "process" if args.worker_process else "thread" if args.thread_worker else "child"
    server = Server(tmp / "data", free_port(), env, out_dir / f"server-{stamp}.log",
                    mode=mode, pythonpath=args.server_pythonpath)
    host, port = "127.0.0.1", server.port
    result: dict[str, Any] = {
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
                    "loadavg_at_start": os.getloadavg()},
        "source": source_info(args.server_pythonpath),
        "settings": {k: v for k, v in vars(args).items() if k != "func"},
        "mode": mode,
        "server_env": env,
    }
    busy0, t0 = cpu_machine()[0], now()
    await asyncio.sleep(2.0)
    others = 100 * (cpu_machine()[0] - busy0) / (now() - t0)
    result["machine"]["busy_pct_before_start"] = round(others, 1)
    if others > 20:
        log(f"warning: other processes use {others:.0f}% CPU (of {100 * (os.cpu_count() or 1)}"
            "%); the figures will be lower and noisier than on a quiet machine")
    if result["source"]["uncommitted"]:
        log("note: the measured tracehound has uncommitted changes ("
            f"{len(result['source']['uncommitted'])} paths under tracehound/); to measure a "
            "commit, run from a clean clone with --server-pythonpath (bench/README.md)")
    t_all = now()
    store = Store(server.db_path)
    try:
        log(f"setting up {server.data_dir}")
        server.setup()
        server.start()
        log(f"server {server.pids} on 127.0.0.1:{port}")
        no_child_seen = not worker_children(server.pid)  # what --thread-worker expects
        corpus = build_corpus(f"{host}:{port}", server.token)
        sizes = sorted(b.json_len for b in corpus)
        result["corpus"] = {"bodies": len(corpus), "templates": len({b.template for b in corpus}),
                            "json_bytes_min": sizes[0], "json_bytes_max": sizes[-1],
                            "json_bytes_mean": round(sum(sizes) / len(sizes)),
                            "kinds": dict(Counter(b.kind for b in corpus))}
        reqs = Requests(corpus)
        phases: list[dict[str, Any]] = []
        result["phases"] = phases
        accepted_total = 0

        # warm-up: every template once or more (creates the ~200 items), then drain
        warm = await closed_loop(host, port, reqs, connections=8, seconds=30,
                                 max_requests=len(corpus))
        accepted_total += warm.ok
        ok, waited = await wait_drained(host, port, DRAIN_TIMEOUT)
        log(f"warm-up: {warm.ok} accepted, drained in {waited:.1f} s")

        profilers: list[Profiler] = []

        def profile(name: str, seconds: float, only: tuple[str, ...] = ()) -> None:
            if args.profile:
                for proc, pid in server.pids.items():
                    if only and proc not in only:
                        continue
                    profilers.append(Profiler(
                        pid, out_dir / f"profile-{name}-{proc}-{stamp}.txt", seconds))

        # (a) maximum ingest: closed loop; the digest runs alongside as in production
        profile("max", args.max_seconds)
        t_max = now()
        a = await phase("max", host, port, server, store, lambda: closed_loop(
            host, port, reqs, connections=args.connections, seconds=args.max_seconds), log)
        phases.append(a)
        accepted_total += a["accepted"]
        # (b) the digest alone on the backlog (a) left
        profile("drain", min(30, args.max_seconds))
        b = await drain_phase(host, port, server, store, log)
        phases.append(b)
        e2e = now() - t_max
        for p in profilers:
            p.wait()
        profilers.clear()
        result["end_to_end"] = {
            "events": a["accepted"], "seconds": round(e2e, 2),
            "digested_per_s": round(a["accepted"] / e2e, 1),
            "server_cpu_ms_per_event": round(
                1000 * (a["server_cpu_s"] + b["server_cpu_s"]) / max(1, a["accepted"]), 3),
        }
        log(f"end to end (max + drain): {result['end_to_end']}")

        # (c) fixed rates, latency from each request's due time; each followed by a drain
        for rate in args.rate:
            c = await phase(f"rate-{rate:g}", host, port, server, store,
                            lambda rate=rate: fixed_rate(
                                host, port, reqs, rate=rate, seconds=args.fixed_seconds,
                                connections=args.rate_connections), log)
            phases.append(c)
            accepted_total += c["accepted"]
            phases.append(await drain_phase(host, port, server, store, log))

        # (d) the target rate, open loop: sustained if nothing is shed and the queue
        # stays flat
        if args.sustain_rate > 0:
            profile("sustain", args.sustain_seconds)
            s = await phase(f"sustain-{args.sustain_rate:g}", host, port, server, store,
                            lambda: fixed_rate(host, port, reqs, rate=args.sustain_rate,
                                               seconds=args.sustain_seconds,
                                               connections=args.rate_connections), log)
            phases.append(s)
            accepted_total += s["accepted"]
            phases.append(await drain_phase(host, port, server, store, log))
            for p in profilers:
                p.wait()
            profilers.clear()

        # (e) ingest alone, then the digest alone on the backlog it leaves (in the
        # default set-up the digest keeps up during (a), so (b) drains almost nothing)
        if args.backlog_requests > 0 and mode != "thread":
            phases += await backlog_phases(host, port, server, store, reqs,
                                           args.backlog_requests, args.connections, log,
                                           profile)
            accepted_total += phases[-2]["accepted"]
            for p in profilers:
                p.wait()
        elif args.backlog_requests > 0:
            log("ingest-alone phase skipped: a digest thread cannot be paused; the drain "
                "after max measures the digest alone")
        result["reclaim_before_stop"] = await wait_reclaimed(store)

        result["server_memory_kb"] = server.memory_kb()
        store.close()
        stopped = server.stop()
        result["server_stop"] = stopped
        log(f"server stopped (exit {stopped})")
        disk = disk_report(server.db_path)
        result["disk"] = disk
        result["accepted_total"] = accepted_total
        result["checks"] = {
            "occurrences_equal_accepted": disk["occurrences"] == accepted_total,
            "uuids_unique": disk["distinct_uuids"] == disk["occurrences"],
            "items_equal_templates": disk["items"] == result["corpus"]["templates"],
            "item_counters_match": disk["items_total_occurrences"] == disk["occurrences"],
            "hourly_counts_match": disk["hourly_count_sum"] == disk["occurrences"],
            "queue_empty": disk["queue_rows"] == 0,
            # uvicorn re-raises the SIGTERM it handled once it has shut down: -15 is
            # a graceful exit too
            "server_stopped_gracefully": not stopped.get("killed_after_20_s") and all(
                stopped.get(k) in (0, -signal.SIGTERM) for k in server.procs),
        }
        if mode == "thread":
            result["checks"]["no_worker_child"] = no_child_seen
        if mode == "child":
            result["checks"]["worker_child_found"] = bool(stopped.get("worker_children"))
            result["checks"]["no_orphan_worker"] = not stopped.get("orphan_workers")
        result["server_log_errors"] = log_problems(server.log_path)
        if not all(result["checks"].values()) or result["server_log_errors"]:
            log(f"CHECKS: {result['checks']}; server log problems: "
                f"{len(result['server_log_errors'])} (see {server.log_path})")
        result["total_seconds"] = round(now() - t_all, 1)
    finally:
        store.close()
        server.stop()
        if not args.keep_data:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            result["data_dir"] = str(tmp)
    if args.profile:
        for f in sorted(out_dir.glob(f"profile-*-{stamp}.txt")):
            summary = summarize_profile(f)
            f.with_suffix(".summary.txt").write_text(summary + "\n")
            print(summary)
    (out_dir / f"results-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    table = results_table(result)
    (out_dir / f"results-{stamp}.md").write_text(table + "\n")
    print(table)
    print(f"\nfull results: {out_dir / f'results-{stamp}.json'}")
    return result


def results_table(r: dict[str, Any]) -> str:
    ph = {p["phase"]: p for p in r["phases"]}
    a = ph["max"]
    drains = [p for p in r["phases"] if p["phase"] == "drain"]
    ing = ph.get("ingest-alone")
    alone = next((p for p in drains if p.get("after") == "ingest-alone"), drains[0])
    rates = [p for p in r["phases"] if p["phase"].startswith("rate-")]
    sus = next((p for p in r["phases"] if p["phase"].startswith("sustain-")), None)
    d, e2e = r["disk"], r["end_to_end"]
    mem = r["server_memory_kb"]
    rows = [
        ("accepted events/s (closed loop, "
         f"{r['settings']['connections']} conns, {a['seconds']} s)",
         f"{a['accepted_per_s']:,.0f}", "—"),
        ("  ack latency p50 / p99 at that load (ms)",
         f"{a['latency_ms']['p50']} / {a['latency_ms']['p99']}", "—"),
        ("  digested/s during that phase (the digest shares the CPUs with ingest)",
         f"{a['stored_per_s']:,.0f}", "—"),
        ("digested events/s, digest alone (drain of a "
         f"{alone['backlog']:,}-event backlog" + (", left by ingest-alone)" if ing else ")"),
         f"{alone['stored_per_s']:,.0f}" if alone["backlog"] >= MIN_BACKLOG
         else f"n/a: the digest kept up (backlog {alone['backlog']})", "≥ 1,500"),
        ("digested events/s end to end (max phase start → queue empty)",
         f"{e2e['digested_per_s']:,.0f}", "≥ 1,500"),
    ]
    for p in [*rates, *([sus] if sus else [])]:
        rate = p["phase"].split("-")[1]
        lat = p["latency_ms"]
        rows.append((f"open loop at {rate}/s for {p['seconds']:.0f} s: ack latency "
                     "p50 / p95 / p99 (ms)", f"{lat['p50']} / {lat['p95']} / {lat['p99']}",
                     "p99 < 50" if float(rate) <= 750 else "—"))
        rows.append(("  accepted/s, shed by the generator, queue depth at end, digested/s",
                     f"{p['accepted_per_s']:,.0f}, {p['shed']}, {p['queue_depth_end']}, "
                     f"{p['stored_per_s']:,.0f}", "no shedding, flat queue"))
    if ing:
        rows.append(("ingest alone (digest paused), closed loop: accepted/s, p50 / p99 ms, "
                     "`serve` CPU ms per accepted",
                     f"{ing['accepted_per_s']:,.0f}, {ing['latency_ms']['p50']} / "
                     f"{ing['latency_ms']['p99']}, "
                     f"{1000 * ing['server_cpu_s'] / max(1, ing['accepted']):.3f}", "—"))
    rows += [
        ("server CPU ms per event, digest alone (that drain; in brackets the digest "
         "process's own, without `serve` answering the bench's /health polls)",
         (f"{alone.get('server_cpu_ms_per_stored')}" + (
             f" ({1000 * alone['server_cpu_s_by_process']['worker'] / alone['stored']:.3f})"
             if alone.get("server_cpu_s_by_process") and alone.get("stored") else ""))
         if alone["backlog"] >= MIN_BACKLOG else "n/a", "≤ 1"),
        ("server CPU ms per event, ingest + digest (max + drain)",
         f"{e2e['server_cpu_ms_per_event']}", "≤ 1"),
    ]
    if "server_cpu_s_by_process" in a:
        by = a["server_cpu_s_by_process"]
        rows += [("  of which `serve` (ingest) per accepted / `worker` per digested, max phase",
                  f"{1000 * by['serve'] / max(1, a['accepted']):.3f} / "
                  f"{1000 * by['worker'] / max(1, a['stored']):.3f}", "—")]
    rows += [
        ("peak RSS (VmHWM)", f"serve {mem.get('VmHWM', 0) / 1024:.0f} MiB" + (
            f" + worker {mem['worker_VmHWM'] / 1024:.0f} MiB" if "worker_VmHWM" in mem else ""),
         "—"),
        ("bytes on disk per event: db file after checkpoint / occurrences",
         f"{d['bytes_per_event_file']:,}", "≤ 4,096"),
        ("  same, excluding free pages (the drained queue's)",
         f"{d['bytes_per_event_live']:,}", "≤ 4,096"),
        ("  occurrences table + its indexes only", f"{d['bytes_per_event_occurrences_table']:,}",
         "—"),
        ("  mean stored payload (compressed) vs mean JSON sent",
         f"{d['payload_bytes_mean']:,} vs {r['corpus']['json_bytes_mean']:,}", "—"),
        ("occurrences stored / accepted / items",
         f"{d['occurrences']:,} / {r['accepted_total']:,} / {d['items']}", "equal / ≈200"),
        ("CPU during max phase (of 200%): server / generator / other processes",
         f"{a['server_cpu_pct']}% / {a['generator_cpu_pct']}% / "
         f"{a['other_processes_cpu_pct']}%", "—"),
    ]
    loaded = [p for p in r["phases"] if p.get("seconds", 0) >= 1]
    if loaded:
        worst = max(loaded, key=lambda p: p.get("other_processes_cpu_pct", 0))
        rows.append(("other processes' CPU, busiest phase (figures above ~10% are disturbed)",
                     f"{worst.get('other_processes_cpu_pct')}% ({worst['phase']})", "—"))
    mode = MODES[r.get("mode", "process" if r["settings"]["worker_process"] else "thread")]
    lines = [f"| measure ({mode}) | value | target |", "|---|---|---|"]
    lines += [f"| {m} | {v} | {t} |" for m, v, t in rows]
    checks = ", ".join(f"{k}={v}" for k, v in r["checks"].items())
    lines.append(f"\nchecks: {checks}")
    stop = r.get("server_stop", {})
    if stop.get("worker_children"):
        lines.append(f"worker children of serve: {stop['worker_children']} "
                     f"({len(stop['worker_children']) - 1} restarts), orphans after stop: "
                     f"{stop.get('orphan_workers') or 'none'}")
    problems = r.get("server_log_errors", [])
    lines.append(f"server log: {len(problems)} error/traceback lines" + (
        f", first: {problems[0]}" if problems else ""))
    src = r["source"]
    dirty = f", uncommitted: {' '.join(src['uncommitted'])}" if src["uncommitted"] else ""
    lines.append(f"tracehound {src['commit']} ({src['subject']}){dirty}")
    m = r["machine"]
    lines.append(f"machine: {m['nproc']} CPUs, Python {m['python']}, SQLite {m['sqlite']}, "
                 f"load average at start {m['loadavg_at_start'][0]:.2f}, other processes "
                 f"{m['busy_pct_before_start']}% CPU just before; run took "
                 f"{r['total_seconds']} s")
    return "\n".join(lines)


async def run_against(args: argparse.Namespace) -> dict[str, Any]:
    """`max` or `rate` against a server that is already running."""
    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the bench only talks to 127.0.0.1")
    reqs = Requests(build_corpus(f"{host}:{port}", args.token))

    def log(msg: str) -> None:
        print(msg, flush=True)

    if args.command == "max":
        res = await phase("max", host, port, None, None, lambda: closed_loop(
            host, port, reqs, connections=args.connections, seconds=args.seconds), log)
    else:
        res = await phase(f"rate-{args.rate:g}", host, port, None, None, lambda: fixed_rate(
            host, port, reqs, rate=args.rate, seconds=args.seconds,
            connections=args.rate_connections), log)
    res.pop("timeline")
    print(json.dumps(res, indent=2))
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("all", help="fresh server on SQLite, every phase, results table")
    a.add_argument("--max-seconds", type=float, default=20)
    a.add_argument("--connections", type=int, default=32, help="closed-loop clients")
    a.add_argument("--rate", type=float, action="append",
                   help="a fixed-rate phase at this many events/s; repeatable "
                        "[default: 750 and 300]")
    a.add_argument("--fixed-seconds", type=float, default=15)
    a.add_argument("--sustain-rate", type=float, default=1500,
                   help="open-loop phase at the target rate (0 skips it)")
    a.add_argument("--sustain-seconds", type=float, default=10)
    a.add_argument("--backlog-requests", type=int, default=20000,
                   help="ingest-alone phase: this many events with the digest process "
                        "paused, then the digest alone drains them (0 skips it)")
    a.add_argument("--rate-connections", type=int, default=64,
                   help="most requests in flight in the fixed-rate phases")
    a.add_argument("--profile", action="store_true",
                   help="py-spy the server during max, drain and sustain (perturbs timings)")
    a.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the server, e.g. "
                        "TRACEHOUND_DIGEST_BATCH_SIZE=500")
    mode = a.add_mutually_exclusive_group()
    mode.add_argument("--worker-process", action="store_true",
                      help="serve --no-worker plus a separate `tracehound worker` started "
                           "by the bench [default: serve's own child worker process]")
    mode.add_argument("--thread-worker", action="store_true",
                      help="the digest as a thread of serve (TRACEHOUND_WORKER_PROCESS=false)")
    a.add_argument("--server-pythonpath", metavar="DIR",
                   help="run the server from another checkout (python -m tracehound with "
                        "PYTHONPATH=DIR), e.g. a scratch copy with an experimental change")
    a.add_argument("--out", default=str(BENCH_DIR / "out"))
    a.add_argument("--keep-data", action="store_true", help="keep the temporary data dir")
    for name in ("max", "rate"):
        s = sub.add_parser(name, help=f"{name} phase against a running server")
        s.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000")
        s.add_argument("--token", required=True, help="a post_server_item token")
        s.add_argument("--seconds", type=float, default=20)
        s.add_argument("--connections", type=int, default=32)
        s.add_argument("--rate", type=float, default=750)
        s.add_argument("--rate-connections", type=int, default=64)
    s = sub.add_parser("summarize-profile", help="top functions of a py-spy raw file")
    s.add_argument("file", type=Path)
    args = p.parse_args()
    if args.command == "all" and not args.rate:
        args.rate = [750.0, 300.0]
    for name in ("connections", "rate_connections"):
        if not 1 <= getattr(args, name, 1) <= MAX_CONNECTIONS:
            raise SystemExit(f"--{name.replace('_', '-')} must be 1..{MAX_CONNECTIONS}")
    if args.command == "summarize-profile":
        print(summarize_profile(args.file))
        return
    try:
        import uvloop
        runner: Callable[..., Any] = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner(run_all(args) if args.command == "all" else run_against(args))


if __name__ == "__main__":
    main()
