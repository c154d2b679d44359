"""Per-token fixed-window rate limits, as Rollbar describes them.

Two windows are counted independently for each token: the token's own
(`rate_limit_window_size` seconds, `rate_limit_window_count` calls) and the system
limit (per minute). A window starts at its first call and resets when it expires.
In-memory, per process: a scaled-out deployment multiplies the system ceiling by the
number of API processes (a shared Redis counter is the planned upgrade).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from tracehound.model.project import AccessToken


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


class RateLimiter:
    def __init__(self, system_per_minute: int) -> None:
        self._system = system_per_minute
        self._windows: dict[tuple[int, str], list[float]] = {}  # → [start, count]
        self._lock = threading.Lock()

    def _hit(self, key: tuple[int, str], size: int, limit: int, now: float) -> Decision:
        win = self._windows.get(key)
        if win is None or now >= win[0] + size:
            win = [now, 0.0]
            self._windows[key] = win
        allowed = win[1] < limit
        if allowed:
            win[1] += 1
        return Decision(allowed, limit, max(0, limit - int(win[1])), win[0] + size)

    def check(self, token: AccessToken, now: float | None = None) -> Decision:
        """Count one call; the decision of whichever window is tighter."""
        now = time.time() if now is None else now
        with self._lock:
            decisions = []
            if token.rate_limit_window_size and token.rate_limit_window_count:
                decisions.append(self._hit((token.id, "own"), token.rate_limit_window_size,
                                           token.rate_limit_window_count, now))
            if self._system:
                decisions.append(self._hit((token.id, "system"), 60, self._system, now))
        if not decisions:
            return Decision(True, 0, 0, now)
        refused = [d for d in decisions if not d.allowed]
        if refused:
            return refused[0]
        return min(decisions, key=lambda d: d.remaining)
