"""Exceptionless's JSON shapes of Tracehound rows: ViewOrganization, ViewProject,
ViewToken (exceptionless-api.md §3, §4, §5). Keys are snake_case; nulls are omitted.

Tracehound has no plans or billing: every organization reports one fixed, unlimited
self-hosted plan (-1 = no limit, Exceptionless's own marker for unlimited counts).
"""

from __future__ import annotations

from typing import Any

from tracehound.model.project import AccessToken, Scope
from tracehound.protocols.exceptionless import auth, ids
from tracehound.protocols.exceptionless.api_common import drop_nulls, iso
from tracehound.store.accounts import AccountRow
from tracehound.store.admin_projects import ProjectRow, TokenRow

PLAN = {
    "plan_id": "EX_UNLIMITED", "plan_name": "Unlimited",
    "plan_description": "Unlimited (self-hosted Tracehound)",
    "billing_status": 1,  # Exceptionless's BillingStatus.Active
    "billing_price": 0, "max_events_per_month": -1, "bonus_events_per_month": 0,
    "retention_days": -1, "max_users": -1, "max_projects": -1,
    "has_premium_features": True, "features": [],
}


def organization(account: AccountRow, *, project_count: int, stack_count: int,
                 event_count: int) -> dict[str, Any]:
    return {
        "id": ids.encode(account.id), "created_utc": iso(account.created_at),
        "updated_utc": iso(account.created_at), "name": account.name, **PLAN,
        "is_suspended": False, "project_count": project_count,
        "stack_count": stack_count, "event_count": event_count, "invites": [],
        "usage_hours": [], "usage": [], "data": {}, "is_throttled": False,
        "is_over_monthly_limit": False, "is_over_request_limit": False,
    }


def project(p: ProjectRow, account: AccountRow, *, stack_count: int,
            event_count: int) -> dict[str, Any]:
    return {
        "id": ids.encode(p.id), "created_utc": iso(p.created_at),
        "organization_id": ids.encode(p.account_id), "organization_name": account.name,
        "name": p.name, "delete_bot_data_enabled": False, "data": {},
        "promoted_tabs": [], "is_configured": event_count > 0,
        "stack_count": stack_count, "event_count": event_count,
        "has_premium_features": True, "has_slack_integration": False,
        "usage_hours": [], "usage": [],
    }


def scopes(t: AccessToken) -> list[str]:
    """A token's Exceptionless scopes: its roles (client, user, global), and for a token
    below `user` (Rollbar's read-only or write-only tokens) the OAuth scopes its
    Tracehound scopes amount to (§2.2), so it never looks like it can do nothing."""
    roles = auth.exceptionless_scopes(t)
    if "user" not in roles:
        if t.has(Scope.READ):
            roles += ["events:read", "projects:read", "stacks:read"]
        if t.has(Scope.WRITE):
            roles.append("stacks:write")
    return roles


def token(t: TokenRow, account_id: int) -> dict[str, Any]:
    """The token text is its id, as in Exceptionless; Tracehound's `name` is the notes,
    its scopes are rendered as the Exceptionless roles they amount to."""
    held = AccessToken(id=t.id, token=t.token, account_id=account_id,
                       project_id=t.project_id, name=t.name, scopes=frozenset(t.scopes),
                       enabled=t.status == "enabled")
    return drop_nulls({
        "id": t.token, "organization_id": ids.encode(account_id),
        "project_id": ids.encode(t.project_id), "scopes": scopes(held),
        "notes": t.name or None, "is_disabled": t.status != "enabled",
        "is_suspended": False, "created_utc": iso(t.created_at),
        "updated_utc": iso(t.modified_at if t.modified_at is not None else t.created_at),
    })
