"""POST /api/v2/events and /api/v2/projects/{projectId}/events (exceptionless-api.md §6).

Skeleton: the routes are registered; the body handling follows in the next commit.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import TracehoundError
from tracehound.protocols.exceptionless.routing import Route
from tracehound.services import Services


class NotImplementedYet(TracehoundError):
    status = 501


def routes(services: Services) -> list[Route]:
    async def post_events(request: Request) -> Response:
        raise NotImplementedYet("Event posts are not implemented yet.")

    return [
        Route("POST", "/api/v2/events", post_events, "Submit events (Exceptionless)", True),
        Route("POST", "/api/v2/projects/{projectId}/events", post_events,
              "Submit events to a project (Exceptionless)", True),
    ]
