"""GET /api/v2/organizations and /api/v2/organizations/{id} (exceptionless-api.md §3).

An Exceptionless organization is a Tracehound account: a token sees exactly one, its
own. The list is a bare array with no paging headers, as Exceptionless answers; any
other id is 404. Reading organizations takes the `user` role (UserPolicy).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import NotFound
from tracehound.protocols.exceptionless import views
from tracehound.protocols.exceptionless.api_common import Caller, caller, path_id, threaded
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.routing import Route, json
from tracehound.services import Services
from tracehound.store import accounts


def organization_of(services: Services, who: Caller) -> dict[str, Any]:
    """The caller's account as a ViewOrganization, with totals over what it reaches."""
    with services.engine.connect() as conn:
        account = accounts.get_account(conn, who.account_id)
        totals = accounts.totals(conn, who.project_ids)
    if account is None:  # the account went away under a cached token
        raise NotFound("Organization not found.")
    return views.organization(
        account, project_count=len(who.projects),
        stack_count=sum(n for n, _ in totals.values()),
        event_count=sum(total for _, total in totals.values()))


def routes(services: Services) -> list[Route]:
    def list_organizations(request: Request) -> Response:
        """The caller's organization, as a one-element array."""
        who = caller(services, request, Policy.USER)
        return json([organization_of(services, who)])

    def get_organization(request: Request) -> Response:
        """The caller's organization; any other id is 404."""
        who = caller(services, request, Policy.USER)
        who.organization(path_id(request, "id", "Organization"))
        return json(organization_of(services, who))

    return [
        Route("GET", "/api/v2/organizations", threaded(list_organizations),
              "The caller's organization, as a list (Exceptionless)"),
        Route("GET", "/api/v2/organizations/{id}", threaded(get_organization),
              "An organization: the caller's account (Exceptionless)"),
    ]
