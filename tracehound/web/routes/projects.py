"""The project list and a project's item list."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import InvalidPayload
from tracehound.model.event import Level
from tracehound.model.item import ItemStatus
from tracehound.query import search
from tracehound.services import Services
from tracehound.store import deploys, facets, item_series, items, project_summaries, projects
from tracehound.store.items import SORTS, ItemFilter
from tracehound.web import session, sparklines
from tracehound.web.render import error_page, page, to_login

PER_PAGE = 50
MAX_PAGE = 10_000  # offset paging: deeper pages are refused rather than scanned


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class ItemQuery:
    """The items page's query string, validated; unknown values fall back to defaults."""

    q: str
    status: str  # an ItemStatus label, or "any"
    level: str  # a Level label, or "any"
    environment: str  # "" = any
    sort: str
    page: int
    chart: str  # a sparklines.WINDOWS name

    @classmethod
    def parse(cls, request: Request) -> ItemQuery:
        p = request.query_params
        status = p.get("status", "active")
        level = p.get("level", "any")
        sort = p.get("sort", "last_seen")
        raw_page = p.get("page", "1")
        number = int(raw_page) if _digits(raw_page) and len(raw_page) < 7 else 1
        return cls(
            q=(p.get("q") or "")[:1000],
            status=status if status == "any" or ItemStatus.parse(status) else "active",
            level=level if level == "any" or Level.parse(level) else "any",
            environment=(p.get("environment") or "")[:255],
            sort=sort if sort in SORTS else "last_seen",
            page=min(max(number, 1), MAX_PAGE),
            chart=sparklines.window(p.get("chart")).name,
        )

    def link(self, **changes: object) -> str:
        values = {"q": self.q, "status": self.status, "level": self.level,
                  "environment": self.environment, "sort": self.sort, "page": self.page,
                  "chart": self.chart}
        values.update(changes)
        if values["chart"] == sparklines.DEFAULT:
            values["chart"] = ""
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def item_filter(self, where: search.Where | None, now: float) -> ItemFilter:
        status = ItemStatus.parse(self.status)
        level = Level.parse(self.level)
        return ItemFilter(
            statuses=(int(status),) if status else (),
            levels=(int(level),) if level else (),
            environments=(self.environment,) if self.environment else (),
            search=where, now=now)


def router(services: Services) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/projects")
    def project_list(request: Request) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        now = time.time()
        with services.engine.connect() as conn:
            rows = project_summaries.account_projects(conn, user.account_id, now)
        labels = sparklines.HOURS_24.labels(now)
        charts = {p.id: sparklines.HOURS_24.draw(p.hourly, labels, width=120, height=24)
                  for p in rows}
        return page(request, "pages/projects.html", user=user, projects=rows, charts=charts)

    @r.get("/projects/{project_id}/items")
    def item_list(request: Request, project_id: str) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        pid = int(project_id) if _digits(project_id) and len(project_id) < 19 else 0
        with services.engine.connect() as conn:
            project = projects.get_project(conn, pid)
            if project is None or project.account_id != user.account_id:
                return error_page(request, 404, "No such project.", user=user)
            envs = [e.name for e in deploys.list_environments(conn, pid, page=1,
                                                                per_page=200)]
        query = ItemQuery.parse(request)
        now = time.time()
        error = ""
        where = None
        if query.q.strip():
            try:
                where = search.compile_filter(query.q, pid, now=now)
            except InvalidPayload as exc:  # SearchError: shown, not raised
                error = str(exc)
        rows: list[Any] = []
        total = 0
        window = sparklines.window(query.chart)
        series: dict[int, list[int]] = {}
        people: dict[int, int] = {}
        if not error:
            with services.engine.connect() as conn:
                rows, total = items.list_items(
                    conn, pid, query.item_filter(where, now), page=query.page,
                    per_page=PER_PAGE, sort=query.sort)
                ids = [int(r.id) for r in rows]
                # one statement each for the whole page, not one per row
                series = item_series.per_item(conn, ids, window.last_hour(now),
                                              window.buckets, window.hours)
                people = facets.counts(conn, ids, facets.PERSON_ID)
        pages = max(1, -(-total // PER_PAGE))
        labels = window.labels(now)
        return page(request, "pages/items.html", user=user, project=project, rows=rows,
                    total=total, query=query, pages=min(pages, MAX_PAGE), error=error,
                    environments=envs, statuses=[s.label for s in ItemStatus],
                    levels=[lv.label for lv in Level], sorts=list(SORTS),
                    window=window, windows=list(sparklines.WINDOWS.values()),
                    charts={i: window.draw(c, labels) for i, c in series.items()},
                    people=people, people_cap=facets.MAX_PER_ITEM_KIND)

    return r
