"""Bugsnag's JSON shapes of Tracehound rows (bugsnag-api.md B5): Organization, Project,
Error. Events are in event_view.py.

| Error field                          | from the item                                   |
| error_class, message, context        | its first event still stored (else its latest); |
|                                      | the class falls back to the title               |
| severity                             | the item's level: error (also critical),        |
|                                      | warning, info (also debug)                      |
| original_severity                    | the first event's level                         |
| overridden_severity                  | the level set by hand (override_severity, the   |
|                                      | web UI, Rollbar's PATCH), else null             |
| events, unthrottled_occurrence_count | occurrences received (a deleted event still     |
|                                      | counts, as in the Rollbar API)                  |
| users                                | distinct person ids its events named            |
| status                               | open (also regressed), fixed, snoozed, ignored  |
|                                      | (query/item_states.lifecycle_of)                |
| reopen_rules                         | a snooze with an end: occurs_after, its time    |
| release_stages                       | the item's environment (items are per stage)    |
| grouping_reason, grouping_fields     | user_defined (groupingHash) with the hash, else |
|                                      | tracehound-<version> with the readable key      |

No plans or billing exist: every organization reads as a self-hosted one.
"""

from __future__ import annotations

import re
from typing import Any

from tracehound.model.event import Event, Level
from tracehound.protocols.bugsnag import ids
from tracehound.protocols.bugsnag.api_common import Urls, iso
from tracehound.query import item_states
from tracehound.store.accounts import AccountRow
from tracehound.store.admin_projects import ProjectRow

MAX_KEY_TEXT = 1000
EXPLICIT = "fingerprint: "  # grouping v1's key of a client fingerprint (groupingHash)
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-")[:64] or "project"


def severity(level: int) -> str:
    """A Tracehound level as Bugsnag's three severities."""
    if level >= Level.ERROR:
        return "error"
    return "warning" if level >= Level.WARNING else "info"


def organization(account: AccountRow, urls: Urls) -> dict[str, Any]:
    return {
        "id": ids.encode(account.id), "name": account.name, "slug": slug(account.name),
        "creator": None, "created_at": iso(account.created_at),
        "updated_at": iso(account.created_at), "auto_upgrade": False, "upgrade_url": None,
        "can_start_pro_trial": False, "pro_trial_ends_at": None, "billing_emails": [],
        "url": urls.organization(account.id),
        "projects_url": urls.organization(account.id) + "/projects",
    }


def project(p: ProjectRow, urls: Urls, *, api_key: str | None, stages: list[str],
            open_errors: int, collaborators: int) -> dict[str, Any]:
    url = urls.project(p.id)
    return {
        "id": ids.encode(p.id), "organization_id": ids.encode(p.account_id),
        "slug": slug(p.name), "name": p.name, "api_key": api_key, "type": "other",
        "is_full_view": True, "release_stages": stages, "language": None,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.modified_at if p.modified_at is not None else p.created_at),
        "errors_url": f"{url}/errors", "events_url": f"{url}/events", "url": url,
        "html_url": urls.web_project(p.id), "open_error_count": open_errors,
        "collaborators_count": collaborators, "global_grouping": [],
        "location_grouping": [], "discarded_app_versions": [], "discarded_errors": [],
        "custom_event_fields_used": 0, "resolve_on_deploy": False,
    }


def status(row: Any, now: float) -> str:
    """open, fixed, snoozed or ignored (a regressed item is open again)."""
    name = item_states.lifecycle_of(row, now)
    return "open" if name == "regressed" else name


def reopen_rules(row: Any, now: float) -> dict[str, Any] | None:
    """A snooze with an end reads as `occurs_after` that time; one without, as none."""
    if status(row, now) != "snoozed" or row.snooze_expires_at is None:
        return None
    return {"reopen_if": "occurs_after", "reopen_after": iso(row.snooze_expires_at),
            "seconds": max(0, int(row.snooze_expires_at - now))}


def _grouping(row: Any) -> tuple[str, dict[str, Any]]:
    key = str(row.fingerprint_key)
    if key.startswith(EXPLICIT) and "\n" not in key:
        return "user_defined", {"groupingHash": key[len(EXPLICIT):][:MAX_KEY_TEXT]}
    return f"tracehound-{row.grouping_version}", {"key": key[:MAX_KEY_TEXT]}


def _about(first: Event | None, row: Any) -> tuple[str, str, str | None]:
    """(error_class, message, context) from the first event kept, else the item."""
    if first is not None and first.exceptions:
        exc = first.exceptions[0]
        return exc.type, exc.message, first.context
    if first is not None:
        return row.exception_class or row.title, first.message or row.title, first.context
    # every event deleted: the title is `Class: message` (grouping/title.py)
    cls = row.exception_class
    if cls and row.title.startswith(f"{cls}: "):
        return cls, row.title[len(cls) + 2:], None
    return cls or row.title, row.title, None


def error(row: Any, urls: Urls, *, first: Event | None, users: int,
          now: float) -> dict[str, Any]:
    """One item as a Bugsnag Error; `first` is its first event still stored (or its
    latest), decoded."""
    url = urls.error(row.project_id, row.id)
    error_class, message, context = _about(first, row)
    reason, grouping_fields = _grouping(row)
    seen = (iso(row.first_occurrence_timestamp or row.created_at),
            iso(row.last_occurrence_timestamp or row.created_at))
    current = severity(row.level)
    return {
        "id": ids.encode(row.id), "project_id": ids.encode(row.project_id), "url": url,
        "project_url": urls.project(row.project_id), "events_url": f"{url}/events",
        "html_url": urls.web_item(row.project_id, row.counter),
        "error_class": error_class, "message": message, "context": context,
        "severity": current,
        "original_severity": severity(first.level) if first is not None else current,
        "overridden_severity": current if row.level_lock else None,
        "events": int(row.total_occurrences),
        "unthrottled_occurrence_count": int(row.total_occurrences), "users": users,
        "first_seen": seen[0], "last_seen": seen[1],
        "first_seen_unfiltered": seen[0], "last_seen_unfiltered": seen[1],
        "status": status(row, now), "reopen_rules": reopen_rules(row, now),
        "assigned_collaborator_id": None if row.assigned_user_id is None
        else ids.encode(row.assigned_user_id),
        "assigned_team_id": None if row.assigned_team_id is None
        else ids.encode(row.assigned_team_id),
        "created_issue": None, "linked_issues": [], "comment_count": 0,
        "missing_dsyms": [], "release_stages": [row.environment],
        "grouping_reason": reason, "grouping_fields": grouping_fields, "discarded": False,
    }
