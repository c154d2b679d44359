"""Per-token fixed-window rate limits, as Rollbar describes them (rollbar-api.md §1.8).

Two windows are counted independently for each token: the token's own
(`rate_limit_window_size` seconds, `rate_limit_window_count` calls) and the system
ceiling (per minute). A window starts at its first call and resets when it expires;
refused calls are not counted.

Where the counts live (setting `rate_limit_store`):

* memory: a dict in this process. Exact for the embedded single-process server; with
  N API processes each one counts alone, so a limit lets up to N times through.
* database: the token's *own* window is a row of `rate_limit_windows`, counted by one
  atomic upsert per call, so every process shares it. Only tokens that have their own
  limit pay that round trip; the system ceiling stays in memory per process (a
  scaled-out deployment multiplies it by the number of API processes).

Measured on PostgreSQL 15 on the same host (bench in the projects area's report):
one shared check is one round trip on a dedicated autocommit pool, ~0.15 ms; the
async path (`check_async`) runs it on a worker thread so the event loop keeps serving
meanwhile.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine, event

from tracehound import log
from tracehound.model.project import AccessToken
from tracehound.store import tokens as token_store
from tracehound.store.db import build_engine, writer

STORES = ("auto", "memory", "database")
OWN, SYSTEM = "own", "system"
_log = log.get("ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # unix seconds

    def headers(self, now: float) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(int(math.ceil(self.reset_at))),
            "X-Rate-Limit-Remaining-Seconds": str(max(0, int(math.ceil(self.reset_at - now)))),
        }


@dataclass(frozen=True)
class Window:
    """A token's live own window, as the token objects of the API show it."""

    start: float
    count: int


def _decision(start: float, count: int, size: int, limit: int, allowed: bool) -> Decision:
    """`count`: calls accepted in the window, this one included when allowed."""
    return Decision(allowed, limit, max(0, limit - count), start + size)


def own_limit(token: AccessToken) -> tuple[int, int] | None:
    """(window seconds, calls) when the token has a limit of its own; 0/None = none."""
    if token.rate_limit_window_size and token.rate_limit_window_count:
        return token.rate_limit_window_size, token.rate_limit_window_count
    return None


class MemoryWindows:
    """Windows counted in this process: [start, count] per (token id, kind)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[int, str], list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, token_id: int, kind: str, size: int, limit: int, now: float) -> Decision:
        with self._lock:
            win = self._windows.get((token_id, kind))
            if win is None or now >= win[0] + size:
                win = [now, 0.0]
                self._windows[(token_id, kind)] = win
            allowed = win[1] < limit
            if allowed:
                win[1] += 1
            return _decision(win[0], int(win[1]), size, limit, allowed)

    def peek(self, token_ids: Iterable[int], kind: str) -> dict[int, tuple[float, int]]:
        with self._lock:
            return {tid: (w[0], int(w[1])) for tid in token_ids
                    if (w := self._windows.get((tid, kind))) is not None}

    def drop(self, token_id: int) -> None:
        with self._lock:
            for kind in (OWN, SYSTEM):
                self._windows.pop((token_id, kind), None)


def _no_flush_wait(dbapi_conn: Any, _record: Any) -> None:
    """A counter lost in a database crash costs nothing worth a WAL flush per call:
    commit without waiting for it (the row stays atomic and consistent)."""
    cur = dbapi_conn.cursor()
    cur.execute("SET synchronous_commit TO off")
    cur.close()


class DatabaseWindows:
    """Own windows in `rate_limit_windows`, shared by every process on the database.

    A dedicated small pool in autocommit mode without pre-ping: one check is exactly
    one round trip (the main engine's pre-ping and BEGIN/COMMIT would make it three).
    """

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):  # allowed, though one process needs no sharing
            self._base = build_engine(url)
            self._engine: Engine = writer(self._base)
        else:
            # autocommit for the engine's lifetime: set per checkout instead, SQLAlchemy
            # resets it on every return, which costs round trips
            self._base = build_engine(url, pool_pre_ping=False, pool_size=8, max_overflow=32,
                                      isolation_level="AUTOCOMMIT")
            event.listen(self._base, "connect", _no_flush_wait)
            self._engine = self._base

    def hit(self, token_id: int, kind: str, size: int, limit: int, now: float) -> Decision:
        try:
            with self._engine.begin() as conn:
                start, count, allowed = token_store.hit_window(
                    conn, token_id=token_id, kind=kind, size=size, limit=limit, now=now)
        except Exception:  # noqa: BLE001 - a limiter outage must not drop reports
            _log.warning("rate-limit window of token %s unavailable; call allowed",
                         token_id, exc_info=True)
            return Decision(True, limit, limit, now + size)
        return _decision(start, count, size, limit, allowed)

    def peek(self, token_ids: Iterable[int], kind: str) -> dict[int, tuple[float, int]]:
        with self._engine.connect() as conn:
            return token_store.windows_of(conn, token_ids, kind)

    def close(self) -> None:
        self._base.dispose()


class RateLimiter:
    """Decides each ingest call: the tighter of the token's own and the system window."""

    def __init__(self, system_per_minute: int, shared: DatabaseWindows | None = None) -> None:
        self._system = system_per_minute
        self._memory = MemoryWindows()
        self._shared = shared
        # token id → (window size, limit, window end) of a shared window seen exhausted:
        # its count can only grow until the window ends, so every call until then is
        # refused without a round trip (a flood over the limit costs no database work;
        # a changed limit no longer matches the key)
        self._exhausted: dict[int, tuple[int, int, float]] = {}

    @property
    def store(self) -> str:
        """"database" or "memory": where own windows are counted."""
        return "memory" if self._shared is None else "database"

    def needs_io(self, token: AccessToken, now: float | None = None) -> bool:
        """True when deciding on this call takes a database round trip."""
        own = own_limit(token)
        if self._shared is None or own is None:
            return False
        return self._known_exhausted(token.id, own, time.time() if now is None else now) \
            is None

    def check(self, token: AccessToken, now: float | None = None) -> Decision:
        """Count one call; the decision of whichever window is tighter. Blocks on the
        database for a token with its own limit when the store is shared: call
        `check_async` from the event loop."""
        now = time.time() if now is None else now
        decisions = []
        if self._system:
            system = self._memory.hit(token.id, SYSTEM, 60, self._system, now)
            if not system.allowed:  # no need to count (or pay for) the own window
                return system
            decisions.append(system)
        own = own_limit(token)
        if own is not None:
            decisions.append(self._hit_own(token.id, own, now))
        if not decisions:
            return Decision(True, 0, 0, now)
        refused = [d for d in decisions if not d.allowed]
        if refused:
            return refused[0]
        return min(decisions, key=lambda d: d.remaining)

    def _hit_own(self, token_id: int, own: tuple[int, int], now: float) -> Decision:
        size, limit = own
        if self._shared is None:
            return self._memory.hit(token_id, OWN, size, limit, now)
        refused = self._known_exhausted(token_id, own, now)
        if refused is not None:
            return refused
        decision = self._shared.hit(token_id, OWN, size, limit, now)
        if not decision.allowed:
            if len(self._exhausted) > 10_000:
                self._exhausted.clear()
            self._exhausted[token_id] = (size, limit, decision.reset_at)
        return decision

    def _known_exhausted(self, token_id: int, own: tuple[int, int],
                         now: float) -> Decision | None:
        hit = self._exhausted.get(token_id)
        if hit is None or hit[:2] != own or now >= hit[2]:
            return None
        return Decision(False, own[1], 0, hit[2])

    async def check_async(self, token: AccessToken, now: float | None = None) -> Decision:
        """`check`, with the shared-store round trip (when one is needed) on a worker
        thread, so the event loop keeps serving while it waits."""
        now = time.time() if now is None else now
        if self.needs_io(token, now):
            return await anyio.to_thread.run_sync(self.check, token, now)
        return self.check(token, now)

    def windows(self, limits: Iterable[tuple[int, int | None, int | None]],
                now: float | None = None) -> dict[int, Window]:
        """token id → live own window, for (token id, window size, window count) rows
        of tokens with a limit. Blocking when the store is shared."""
        now = time.time() if now is None else now
        sized = {tid: (size, count) for tid, size, count in limits if size and count}
        if not sized:
            return {}
        store = self._shared or self._memory
        out = {}
        for tid, (start, count) in store.peek(sized, OWN).items():
            size = sized[tid][0]
            if start + size > now:
                out[tid] = Window(start, count)
        return out

    def forget(self, token_id: int) -> None:
        """A deleted token: drop this process's windows of it (token ids can come back
        on SQLite). Its shared rows go with the token's row (store.admin_projects)."""
        self._memory.drop(token_id)
        self._exhausted.pop(token_id, None)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()


def build_limiter(store: str, database_url: str, system_per_minute: int) -> RateLimiter:
    """The limiter for setting `rate_limit_store`: auto = database on PostgreSQL,
    memory on SQLite (one process owns an embedded database)."""
    if store not in STORES:
        raise ValueError(f"rate_limit_store must be one of {', '.join(STORES)}, "
                         f"got {store!r}")
    if store == "auto":
        store = "memory" if database_url.startswith("sqlite") else "database"
    shared = DatabaseWindows(database_url) if store == "database" else None
    return RateLimiter(system_per_minute, shared)
