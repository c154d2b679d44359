"""Rollbar API: changing items (PATCH /item/{id}) and deleting occurrences.

Reads of items and occurrences live in api.py. See docs/api/items.md for the choices.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import InvalidPayload, NotFound
from tracehound.model.event import Level
from tracehound.model.item import ItemStatus
from tracehound.model.project import Scope
from tracehound.protocols.rollbar import access
from tracehound.protocols.rollbar.api import MAX_ID
from tracehound.protocols.rollbar.routing import Route, in_thread, ok
from tracehound.services import Services
from tracehound.store import item_changes

PATCHABLE_STATUSES = ("active", "resolved", "muted")
MAX_SNOOZE_SECONDS = 10 * 365 * 86400


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def _path_id(request: Request, name: str, what: str) -> int:
    raw = request.path_params[name]
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"{what} not found in this project.")
    return int(raw)


def _opt_int(body: dict[str, Any], *names: str) -> tuple[bool, int | None]:
    """(present, value) of the first of `names` in the body; null clears."""
    for name in names:
        if name in body:
            value = body[name]
            if value is None or value == "":
                return True, None
            if isinstance(value, bool) or not isinstance(value, (int, str)) \
                    or not _digits(str(value)) or not 0 < int(value) <= MAX_ID:
                raise InvalidPayload(f"{name} must be a positive integer or null")
            return True, int(value)
    return False, None


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, str)) and str(value).lower() in ("1", "true", "0", "false"):
        return str(value).lower() in ("1", "true")
    raise InvalidPayload(f"{name} must be a boolean")


def parse_patch(body: dict[str, Any], now: float) -> tuple[item_changes.ItemChange, dict[str, Any]]:
    """The requested change, and the echo Rollbar answers with (the fields sent)."""
    change = item_changes.ItemChange()
    echo: dict[str, Any] = {}
    if "status" in body:
        status = body["status"]
        if not isinstance(status, str) or status not in PATCHABLE_STATUSES:
            raise InvalidPayload("status must be one of active, resolved, muted")
        change.status = ItemStatus.parse(status)
        echo["status"] = status
    if "resolved_in_version" in body:
        version = body["resolved_in_version"]
        if version is not None and (not isinstance(version, (str, int))
                                    or isinstance(version, bool)):
            raise InvalidPayload("resolved_in_version must be a string")
        version = None if version in (None, "") else str(version)
        if version is not None and len(version) > 40:
            raise InvalidPayload("resolved_in_version must be at most 40 characters")
        if change.status is not ItemStatus.RESOLVED:
            raise InvalidPayload("resolved_in_version can only be set together with "
                                 "status resolved")
        change.resolved_in_version = version
        echo["resolved_in_version"] = version
    if "level" in body:
        level = Level.parse(body["level"]) if isinstance(body["level"], str) else None
        if level is None or body["level"].strip().lower() not in (
                "debug", "info", "warning", "error", "critical"):
            raise InvalidPayload("level must be one of debug, info, warning, error, critical")
        change.level = int(level)
        echo["level"] = level.label
    if "title" in body:
        title = body["title"]
        if not isinstance(title, str) or not title.strip() or len(title) > 255:
            raise InvalidPayload("title must be a string of 1 to 255 characters")
        change.title = title
        echo["title"] = title
    present, user_id = _opt_int(body, "assigned_user_id")
    if present:
        change.assign_user = True
        change.assigned_user_id = user_id
        echo["assigned_user_id"] = user_id
    present, team_id = _opt_int(body, "assigned_team_id", "team_id")
    if present:
        change.assign_team = True
        change.assigned_team_id = team_id
        echo["assigned_team_id"] = team_id
    for name in ("snooze_enabled", "snoozed"):
        if name in body:
            change.snooze = _bool(body[name], name)
            echo[name] = change.snooze
    if "snooze_expiration_in_seconds" in body:
        seconds = body["snooze_expiration_in_seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, str)) \
                or not _digits(str(seconds)) \
                or not 0 < int(seconds) <= MAX_SNOOZE_SECONDS:
            raise InvalidPayload("snooze_expiration_in_seconds must be a positive integer "
                                 "of at most ten years")
        if change.snooze is False:
            raise InvalidPayload("snooze_expiration_in_seconds needs snooze_enabled true")
        change.snooze = True
        change.snooze_expires_at = now + int(seconds)
        echo["snooze_expiration_in_seconds"] = int(seconds)
    if not echo:
        raise InvalidPayload("nothing to change: send status, resolved_in_version, level, "
                             "title, assigned_user_id, assigned_team_id or snooze_enabled")
    return change, echo


def routes(services: Services) -> list[Route]:
    async def patch_item(request: Request) -> Response:
        """Change an item's status, level, title, owner or snooze."""
        body = await access.read_body(request)
        caller = access.project_caller(services, request, Scope.WRITE, body)
        item_id = _path_id(request, "item_id", "Item")
        now = time.time()
        change, echo = parse_patch(body, now)
        found = await in_thread(item_changes.apply_change, services.engine,
                                caller.project_id, caller.account_id, item_id, change, now)
        if not found:
            raise NotFound("Item not found in this project.")
        return ok(echo)

    async def delete_instance(request: Request) -> Response:
        """Delete one occurrence; the item's counts are not rewritten (as Rollbar)."""
        caller = access.project_caller(services, request, Scope.WRITE)
        occ_id = _path_id(request, "instance_id", "Occurrence")
        deleted = await in_thread(item_changes.delete_occurrence, services.engine,
                                  caller.project_id, occ_id)
        if not deleted:
            raise NotFound("Occurrence not found in this project.")
        return ok(None, message="The instance has been deleted")

    return [
        Route("PATCH", "/api/1/item/{item_id}", patch_item, "Update an item"),
        Route("DELETE", "/api/1/instance/{instance_id}", delete_instance,
              "Delete an occurrence"),
    ]
