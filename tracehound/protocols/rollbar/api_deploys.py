"""Rollbar API: deploys (issue 4). See docs/api/deploys.md."""

from __future__ import annotations

from tracehound.protocols.rollbar.routing import Route
from tracehound.services import Services


def routes(services: Services) -> list[Route]:
    return []
