"""The long-lived objects `create_app` builds once and hands to every adapter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from tracehound.auth.ratelimit import RateLimiter
from tracehound.auth.tokens import TokenCache
from tracehound.config import Settings
from tracehound.ingest.queue import GroupCommitter


@dataclass
class Services:
    settings: Settings
    engine: Engine
    tokens: TokenCache
    limiter: RateLimiter
    queue: GroupCommitter
