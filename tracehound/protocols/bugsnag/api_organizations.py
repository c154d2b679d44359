"""Organizations (bugsnag-api.md B4): `GET /user/organizations` and
`GET /organizations/{organization_id}`.

A Bugsnag organization is a Tracehound account: a token sees exactly one, its own
(a project token too: the account its project belongs to). The list is a one-element
array; any other id is 404. Reading takes a `read` token.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import NotFound
from tracehound.protocols.bugsnag import views
from tracehound.protocols.bugsnag.api_common import Caller, caller, path_id, threaded, urls
from tracehound.protocols.bugsnag.routing import API, Route, json
from tracehound.services import Services
from tracehound.store import accounts


def organization_of(services: Services, request: Request, who: Caller) -> dict[str, Any]:
    with services.engine.connect() as conn:
        account = accounts.get_account(conn, who.account_id)
    if account is None:  # the account went away under a cached token
        raise NotFound("Organization not found.")
    return views.organization(account, urls(request, services))


def routes(services: Services) -> list[Route]:
    def list_organizations(request: Request) -> Response:
        """The caller's organization, as a one-element array."""
        who = caller(services, request)
        return json([organization_of(services, request, who)],
                    headers={"X-Total-Count": "1"})

    def get_organization(request: Request) -> Response:
        """The caller's organization; any other id is 404."""
        who = caller(services, request)
        who.organization(path_id(request, "organization_id", "Organization"))
        return json(organization_of(services, request, who))

    return [
        Route("GET", f"{API}/user/organizations", threaded(list_organizations),
              "The caller's organizations (Bugsnag Data Access API)"),
        Route("GET", f"{API}/organizations/{{organization_id}}", threaded(get_organization),
              "An organization: the caller's account (Bugsnag Data Access API)"),
    ]
