"""The long-lived objects `create_app` builds once and hands to every adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from tracehound.auth.ratelimit import RateLimiter
from tracehound.auth.tokens import TokenCache
from tracehound.config import Settings
from tracehound.ingest.queue import GroupCommitter
from tracehound.ingest.stats import IngestStats


@dataclass
class Services:
    settings: Settings
    engine: Engine
    tokens: TokenCache
    limiter: RateLimiter
    queue: GroupCommitter
    stats: IngestStats = field(default_factory=IngestStats)
    # wakes the RQL runner when it lives in this process; others poll for new jobs
    wake_rql: Callable[[], None] = field(default=lambda: None)
