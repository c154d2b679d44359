"""The item page's forms → the change they ask for (store.item_changes.ItemChange).

The same ItemChange the Rollbar API's PATCH builds, applied by the same
`item_changes.apply_change`, so an item resolved from the page and one resolved over the
API are the same item afterwards, with the same history.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracehound.model.event import Level
from tracehound.model.item import ItemStatus
from tracehound.store.item_changes import ItemChange

MAX_VERSION = 40  # items.resolved_in_version, and the API's limit
MAX_ID_DIGITS = 18  # below 2**63: every such number fits a BIGINT
LEVELS = tuple(level.label for level in Level)
ACTIONS = ("resolve", "mute", "reopen", "assign", "level")


class ActionError(ValueError):
    """A form value the action cannot take; the message names the problem (400 page)."""


def positive_id(text: str) -> int | None:
    """A positive id from user input: ASCII digits only (str.isdigit() takes '²'),
    at most 18 of them; else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if value > 0 else None


def change_for(action: str, form: Mapping[str, str]) -> ItemChange:
    """The change one of ACTIONS asks for, from its form fields; ActionError if invalid."""
    if action == "resolve":
        version = form.get("version", "").strip()
        if len(version) > MAX_VERSION:
            raise ActionError(f"The version an item is resolved in can be at most "
                              f"{MAX_VERSION} characters long.")
        return ItemChange(status=ItemStatus.RESOLVED, resolved_in_version=version or None)
    if action == "mute":
        return ItemChange(status=ItemStatus.MUTED)
    if action == "reopen":
        return ItemChange(status=ItemStatus.ACTIVE)
    if action == "assign":
        raw = form.get("user_id", "").strip()
        if not raw:
            return ItemChange(assign_user=True, assigned_user_id=None)
        user_id = positive_id(raw)
        if user_id is None:
            raise ActionError("Choose a user of this account, or nobody, to assign to.")
        return ItemChange(assign_user=True, assigned_user_id=user_id)
    if action == "level":
        label = form.get("level", "").strip()
        if label not in LEVELS:
            raise ActionError("The level must be one of " + ", ".join(LEVELS) + ".")
        level = Level.parse(label)
        assert level is not None
        return ItemChange(level=int(level))
    raise ActionError(f"Unknown action: {action[:40]}")
