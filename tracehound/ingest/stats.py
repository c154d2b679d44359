"""Counters of what ingest accepted but did not store (Sentry sessions, client reports,
unknown item types, oversized attachments), per process, shown on GET /health.

In memory on purpose: they are operational signals, and counting them in the database
would put a write on every session ping an SDK sends.
"""

from __future__ import annotations

import threading
from collections import Counter


class IngestStats:
    def __init__(self) -> None:
        self._dropped: Counter[str] = Counter()
        self._lock = threading.Lock()

    def dropped(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self._dropped[kind] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._dropped)
