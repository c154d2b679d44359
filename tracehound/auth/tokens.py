"""Access-token lookup with a short cache, and the scope checks every adapter uses."""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import Engine

from tracehound.errors import Forbidden
from tracehound.model.project import AccessToken
from tracehound.store import tokens as token_store

# Anything that cannot be a token is refused without a database round trip.
_PLAUSIBLE = re.compile(r"^[A-Za-z0-9_\-.]{1,128}$")


class TokenCache:
    """token text → AccessToken (or None when unknown), kept for `ttl` seconds.

    Unknown tokens are cached too, so a client hammering with a bad token costs one
    query per ttl, not one per request.
    """

    def __init__(self, engine: Engine, ttl: float, max_entries: int = 10_000) -> None:
        self._engine = engine
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[str, tuple[float, AccessToken | None]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> AccessToken | None:
        if not _PLAUSIBLE.match(token):
            return None
        now = time.monotonic()
        hit = self._entries.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self._engine.connect() as conn:
            found = token_store.lookup(conn, token)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[token] = (now + self._ttl, found)
        return found

    def forget(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)


def require_known(found: AccessToken | None, token: str) -> AccessToken:
    """The token, or 403 in Rollbar's words when it is unknown or disabled."""
    if found is None:
        raise Forbidden(f"access token not found: {token[:64]}")
    if not found.enabled:
        raise Forbidden("access token is disabled")
    return found
