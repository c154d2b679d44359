"""Item status and the lifecycle rule applied when an occurrence arrives."""

from __future__ import annotations

import enum


class ItemStatus(enum.IntEnum):
    """Rollbar's integer statuses (RQL `item.status`)."""

    ACTIVE = 1
    RESOLVED = 2
    MUTED = 3
    ARCHIVED = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> ItemStatus | None:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            return None


def status_after_occurrence(status: ItemStatus) -> ItemStatus:
    """A new occurrence reactivates a resolved item; muted and active stay as they are."""
    return ItemStatus.ACTIVE if status is ItemStatus.RESOLVED else status
