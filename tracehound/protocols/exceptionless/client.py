"""What the official clients call besides event posts: project configuration, session
heartbeats, submit-by-GET and user descriptions (exceptionless-api.md §4, §6, §8-§10).

Skeleton: filled in by the ingest work.
"""

from __future__ import annotations

from tracehound.protocols.exceptionless.routing import Route
from tracehound.services import Services


def routes(services: Services) -> list[Route]:
    return []
