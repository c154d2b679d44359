"""Rollbar-shaped read API over store/: items, occurrences ("instances"), ping."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from tracehound.errors import BadPayload, InvalidPayload, NotFound
from tracehound.model.event import Event, Level
from tracehound.model.item import ItemStatus
from tracehound.model.project import Scope
from tracehound.protocols.rollbar import access, schemas
from tracehound.query import search
from tracehound.services import Services
from tracehound.store import codec, items, occurrences
from tracehound.store.items import ItemFilter

ITEMS_PER_PAGE = 100
INSTANCES_PER_PAGE = 20
MAX_LIMIT = 5000
MAX_ID = 2**63 - 1  # past this no row can match, and drivers refuse the value
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")


def ok(result: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps({"err": 0, "result": result}), status_code=status,
                    headers=headers, media_type="application/json; charset=utf-8")


def _int(request: Request, name: str, default: int | None, *, low: int = 1,
         high: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidPayload(f"{name} must be an integer, got {raw[:40]!r}") from None
    high = MAX_ID if high is None else high
    if value < low or value > high:
        bound = f"between {low} and {high}" if high != MAX_ID else f"at least {low}"
        raise InvalidPayload(f"{name} must be {bound}")
    return value


def _path_int(request: Request, name: str, *, low: int = 1) -> int:
    raw = request.path_params[name]
    try:
        value = int(raw)
    except ValueError:
        raise NotFound(f"{name} must be an integer") from None
    if not low <= value <= MAX_ID:
        raise NotFound(f"no such {name.removesuffix('_id')}")
    return value


def _multi(request: Request, name: str) -> list[str]:
    """Repeated and comma-separated values alike (`status=active&status=muted`)."""
    out: list[str] = []
    for v in request.query_params.getlist(name):
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return out


class RollbarReadApi:
    def __init__(self, services: Services) -> None:
        self.s = services

    def project_for_read(self, request: Request) -> int:
        """The project a read-scoped token reaches (401 without one, 403 if it cannot)."""
        return access.project_caller(self.s, request, Scope.READ).project_id or 0

    def threaded(self, fn: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await run_in_threadpool(fn, request)
        endpoint.__name__ = fn.__name__
        endpoint.__doc__ = fn.__doc__
        return endpoint

    # ---- endpoints ------------------------------------------------------------------

    async def ping(self, request: Request) -> Response:
        """Liveness: `pong`, no token."""
        return PlainTextResponse("pong")

    def get_item(self, request: Request) -> Response:
        """One item by its system-wide id."""
        project_id = self.project_for_read(request)
        item_id = _path_int(request, "item_id")
        with self.s.engine.connect() as conn:
            row = items.get(conn, project_id, item_id)
        if row is None:
            raise NotFound("Item not found in this project.")
        return ok(schemas.item(row))

    def find_item(self, request: Request) -> Response:
        """GET /item/?uuid= (item of an occurrence) or ?counter= (item by counter)."""
        project_id = self.project_for_read(request)
        uuid = request.query_params.get("uuid")
        counter = _int(request, "counter", None)
        with self.s.engine.connect() as conn:
            if uuid is not None:
                if not _UUID.match(uuid):
                    raise BadPayload("Invalid UUID format")
                occ = occurrences.by_uuid(conn, project_id, uuid)
                if occ is None:
                    raise NotFound("UUID did not match any occurrence")
                row = items.get(conn, project_id, occ.item_id)
            elif counter is not None:
                row = items.by_counter(conn, project_id, counter)
            else:
                raise InvalidPayload("uuid or counter query parameter is required")
        if row is None:
            raise NotFound("Item not found in this project.")
        return ok(schemas.item(row))

    def item_by_counter(self, request: Request) -> Response:
        """301 to the item with this project counter (`#N` in the UI)."""
        project_id = self.project_for_read(request)
        counter = _path_int(request, "counter")
        with self.s.engine.connect() as conn:
            row = items.by_counter(conn, project_id, counter)
        if row is None:
            raise NotFound("Item not found in this project.")
        path = f"/api/1/item/{row.id}"
        uri = path
        if request.query_params.get("access_token"):
            uri = f"{path}?access_token={request.query_params['access_token']}"
        return ok({"itemId": row.id, "path": path, "uri": uri}, status=301,
                  headers={"Location": uri})

    def list_items(self, request: Request) -> Response:
        """Items, most recently seen first, 100 a page, filtered by status/level/env."""
        project_id = self.project_for_read(request)
        page = _int(request, "page", 1) or 1
        per_page = _int(request, "limit", ITEMS_PER_PAGE, high=MAX_LIMIT) or ITEMS_PER_PAGE
        if (page - 1) * per_page > MAX_ID:  # no row that far; the driver would overflow
            return ok({"page": page, "total_count": None, "items": []})
        statuses = []
        for name in _multi(request, "status"):
            st = ItemStatus.parse(name)
            if st is None:
                raise InvalidPayload(f"status must be one of active, resolved, muted, "
                                     f"archived; got {name[:40]!r}")
            statuses.append(int(st))
        levels = []
        for name in _multi(request, "level"):
            lv = Level.parse(name)
            if lv is None:
                raise InvalidPayload("level must be one of debug, info, warning, error, "
                                     f"critical; got {name[:40]!r}")
            levels.append(int(lv))
        ids: list[int] | None = None
        for raw in _multi(request, "ids"):
            if not (raw.isascii() and raw.isdigit()):
                raise InvalidPayload(f"ids must be integers; got {raw[:40]!r}")
            ids = (ids or []) + ([int(raw)] if int(raw) <= MAX_ID else [])
        now = time.time()
        query = request.query_params.get("query") or ""
        # the search language (docs/api/search.md); a bad query is a 422 naming the
        # position and the valid fields
        where = search.compile_filter(query, project_id, now=now) if query.strip() else None
        snoozed = request.query_params.get("is_snoozed")
        if snoozed is not None and snoozed.lower() not in ("true", "false", "1", "0"):
            raise InvalidPayload("is_snoozed must be true or false")
        with self.s.engine.connect() as conn:
            assigned, assigned_ids = self._assigned_user(conn, request, project_id)
            flt = ItemFilter(statuses=tuple(statuses), levels=tuple(levels),
                             environments=tuple(_multi(request, "environment")),
                             frameworks=tuple(_multi(request, "framework")),
                             ids=None if ids is None else tuple(ids),
                             search=where, assigned=assigned,
                             assigned_user_ids=assigned_ids,
                             # snoozed items are hidden unless asked for (rollbar-api §4.6)
                             snoozed=False if snoozed is None
                             else snoozed.lower() in ("true", "1"),
                             now=now)
            rows, total = items.list_items(conn, project_id, flt, page=page, per_page=per_page)
        return ok({"page": page, "total_count": total,
                   "items": [schemas.item(r) for r in rows]})

    def _assigned_user(self, conn: Any, request: Request,
                       project_id: int) -> tuple[bool | None, tuple[int, ...] | None]:
        """`assigned_user`: `assigned`, `unassigned`, or a username of the account."""
        value = (request.query_params.get("assigned_user") or "").strip()
        if not value:
            return None, None
        if value in ("assigned", "unassigned"):
            return value == "assigned", None
        return None, items.user_ids_by_username(conn, project_id, value[:255])

    def _instances(self, request: Request, item_id: int | None) -> Response:
        project_id = self.project_for_read(request)
        page = _int(request, "page", 1) or 1
        per_page = _int(request, "limit", INSTANCES_PER_PAGE, high=MAX_LIMIT) \
            or INSTANCES_PER_PAGE
        last_id = _int(request, "lastId", None)
        past_end = last_id is None and (page - 1) * per_page > MAX_ID  # driver overflow
        with self.s.engine.connect() as conn:
            if item_id is not None and items.get(conn, project_id, item_id) is None:
                raise NotFound("Item not found in this project.")
            rows = [] if past_end else occurrences.list_page(
                conn, project_id, item_id=item_id, page=page, per_page=per_page,
                last_id=last_id)
        return ok({"page": page,
                   "instances": [schemas.occurrence(r, codec.unpack(r.payload)) for r in rows]})

    def item_instances(self, request: Request) -> Response:
        """Occurrences of one item, newest first."""
        return self._instances(request, _path_int(request, "item_id"))

    def project_instances(self, request: Request) -> Response:
        """Occurrences of the whole project, newest first."""
        return self._instances(request, None)

    def _occurrence(self, request: Request) -> tuple[Any, Event]:
        project_id = self.project_for_read(request)
        occ_id = _path_int(request, "instance_id")
        with self.s.engine.connect() as conn:
            row = occurrences.get(conn, project_id, occ_id)
        if row is None:
            raise NotFound("Occurrence not found in this project.")
        return row, codec.unpack(row.payload)

    def get_instance(self, request: Request) -> Response:
        """One occurrence with its stored payload ("Raw JSON" in the UI)."""
        row, event = self._occurrence(request)
        return ok(schemas.occurrence(row, event, with_attachments=True))

    def get_attachment(self, request: Request) -> Response:
        """The bytes of one file an SDK sent with the occurrence, as it sent them."""
        _, event = self._occurrence(request)
        index = _path_int(request, "index", low=0)
        if index >= len(event.attachments):
            raise NotFound("Attachment not found on this occurrence.")
        att = event.attachments[index]
        return Response(att.data, media_type=att.content_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(att.filename)}"})
