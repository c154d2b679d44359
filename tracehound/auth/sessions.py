"""Web UI sessions and CSRF: token minting and hashing, and the sign-in rate limit.

The cookie carries a random token; the database keeps only its sha256 (store/
web_sessions.py), so reading the table does not let anyone sign in. Each session has
its own CSRF token, put in a hidden field of every form and compared on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

COOKIE = "tracehound_session"
LOGIN_CSRF_COOKIE = "tracehound_login_csrf"  # double-submit token of the sign-in form
SESSION_SECONDS = 14 * 86400


def new_token() -> str:
    """43 URL-safe characters: 256 random bits."""
    return secrets.token_urlsafe(32)


def session_id(token: str) -> str:
    """What the database stores for a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(expected: str, given: str) -> bool:
    """Constant-time comparison; an empty token never matches."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


class LoginLimiter:
    """At most `limit` failed sign-ins per email and per client address in a sliding
    window. In memory: per process, forgotten on restart (docs/web.md)."""

    MAX_KEYS = 100_000  # memory bound under a spray of distinct emails

    def __init__(self, limit: int = 10, window_seconds: float = 15 * 60) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until a sign-in under these keys is allowed again (0: allowed now)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key in keys:
                hits = self._live(key, now)
                if len(hits) >= self.limit:
                    wait = max(wait, hits[0] + self.window - now)
        return wait

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                self._prune(now)
            for key in keys:
                self._live(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _live(self, key: str, now: float) -> deque[float]:
        hits = self._failures.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._live(key, now):
                del self._failures[key]
        if len(self._failures) >= self.MAX_KEYS:  # all live: drop the oldest half
            for key in list(self._failures)[: self.MAX_KEYS // 2]:
                del self._failures[key]
