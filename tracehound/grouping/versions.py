"""Registry of grouping versions. A released version is never changed, only added to."""

from __future__ import annotations

from collections.abc import Callable

from tracehound.grouping import v1
from tracehound.grouping.fingerprint import Fingerprint
from tracehound.model.event import Event

Strategy = Callable[[Event], Fingerprint]

VERSIONS: dict[str, Strategy] = {v1.VERSION: v1.fingerprint}
CURRENT = v1.VERSION


def fingerprint(event: Event, version: str = CURRENT) -> Fingerprint:
    return VERSIONS[version](event)
