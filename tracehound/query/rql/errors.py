"""The three ways an RQL query ends other than with a result."""

from __future__ import annotations


class RqlError(Exception):
    """A query the engine refuses or cannot run: a message for the user (4xx, job failed).

    `position` is the 0-based character offset in the query text when one is known.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        where = f" (at character {self.position})" if self.position is not None else ""
        return self.message + where


class RqlTimeout(Exception):
    """The deadline passed before the query finished (job timed_out)."""


class RqlCancelled(Exception):
    """The caller's cancelled() turned true while the query ran (job cancelled)."""
