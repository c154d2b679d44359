"""Mounts the Rollbar routes: ingest and read API under /api/1."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.protocols import http
from tracehound.protocols.base import FastRoutes, add_route, fast_routes
from tracehound.protocols.rollbar import (
    api_deploys,
    api_items,
    api_people,
    api_projects,
    api_reports,
    api_rql,
    api_teams,
    errors,
)
from tracehound.protocols.rollbar.api import RollbarReadApi
from tracehound.protocols.rollbar.ingest import make_post_item
from tracehound.services import Services

AREAS = (api_items, api_deploys, api_reports, api_projects, api_teams, api_people, api_rql)


class RollbarAdapter:
    name = "rollbar"
    prefixes = ("/api/1/",)

    def render_error(self, status: int, message: str,
                     headers: dict[str, str] | None = None) -> Response:
        return errors.render(status, message, headers)

    def ingest_routes(self, services: Services) -> FastRoutes:
        post_item = errors.rollbar_errors(make_post_item(services), http.cors_headers())
        return fast_routes(["/api/1/item/", "/api/1/"],
                           {"POST": post_item, "OPTIONS": _preflight})

    def router(self, services: Services) -> APIRouter:
        r = APIRouter(tags=["rollbar"])
        api = RollbarReadApi(services)
        preflight = _preflight
        post_item = errors.rollbar_errors(make_post_item(services), http.cors_headers())
        add_route(r, "/api/1/item/", post_item, ["POST"], summary="Report an occurrence")
        add_route(r, "/api/1/item/", preflight, ["OPTIONS"], include_in_schema=False)
        # rollbar.js posts to its `endpoint` as given; users copying pyrollbar's
        # `.../api/1/` setting must not lose every report to a 404
        add_route(r, "/api/1/", post_item, ["POST"], include_in_schema=False)
        add_route(r, "/api/1/", preflight, ["OPTIONS"], include_in_schema=False)
        add_route(r, "/api/1/status/ping", api.ping, ["GET"], summary="Liveness")
        routes = [
            ("/api/1/item/", api.find_item, "Item by occurrence uuid or counter"),
            ("/api/1/item/{item_id}", api.get_item, "Get an item"),
            ("/api/1/item_by_counter/{counter}", api.item_by_counter, "Redirect to an item"),
            ("/api/1/items", api.list_items, "List items"),
            ("/api/1/item/{item_id}/instances", api.item_instances, "An item's occurrences"),
            ("/api/1/instances", api.project_instances, "A project's occurrences"),
            ("/api/1/instance/{instance_id}", api.get_instance, "Get an occurrence"),
            ("/api/1/instance/{instance_id}/attachments/{index}", api.get_attachment,
             "Download a file sent with an occurrence (Tracehound extension)"),
        ]
        for path, fn, summary in routes:
            add_route(r, path, errors.rollbar_errors(api.threaded(fn)), ["GET"],
                      summary=summary)
        for area in AREAS:
            for route in area.routes(services):
                add_route(r, route.path, errors.rollbar_errors(route.endpoint),
                          [route.method], summary=route.summary)
        return r


async def _preflight(request: Request) -> Response:
    return http.preflight(request)
