"""List parameters and paging headers (exceptionless-api.md §11.2, §11.3).

Lists are bare JSON arrays. `limit` is clamped to 1..100 (default 10); `page` is
1-based. The `Link` header carries `rel="previous"` and `rel="next"` URLs that keep
every other query parameter; `X-Result-Count` carries the total when it is known.
Event lists page by cursor when no `page` is given (`before`/`after`, opaque tokens
from the `Link` URLs), as Exceptionless does; a cursor never skips or repeats an event
when new ones arrive meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tracehound.errors import BadPayload
from tracehound.protocols import http
from tracehound.services import Services

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# Exceptionless stops paging past 1000 skipped results (its Pagination helper): a page
# beyond is empty, and the page before it has no "next"
MAX_SKIP = 1000
MAX_PAGE_DIGITS = 9


def _whole(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_PAGE_DIGITS:
        raise BadPayload(f"{name} must be a whole number, not {text[:40]!r}.")
    return int(text)


@dataclass(frozen=True)
class Paging:
    page: int | None  # None: cursor paging (events only)
    limit: int
    before: str | None = None
    after: str | None = None

    @property
    def offset(self) -> int:
        return ((self.page or 1) - 1) * self.limit

    @property
    def past_cap(self) -> bool:
        """Past the last page Exceptionless serves: answer an empty list."""
        return self.page is not None and self.offset > MAX_SKIP

    def more_allowed(self) -> bool:
        """Whether a next page may be offered at all (the cap)."""
        return self.page is None or self.offset + self.limit <= MAX_SKIP


def paging(request: Request, *, cursor: bool = False, max_limit: int = MAX_LIMIT) -> Paging:
    """The request's paging: `limit` clamped to 1..max_limit, `page` ≥ 1 (1 when absent,
    or cursor paging when `cursor` and it is absent). 400 for non-numbers."""
    limit = _whole(request, "limit")
    limit = DEFAULT_LIMIT if limit is None else min(max(limit, 1), max_limit)
    page = _whole(request, "page")
    if page is not None and page < 1:
        raise BadPayload("page must be 1 or more.")
    before = request.query_params.get("before") or None
    after = request.query_params.get("after") or None
    if page is None and not cursor:
        page = 1
    if page is not None:
        before = after = None
    return Paging(page, limit, before, after)


def absolute(request: Request, services: Services, path: str) -> str:
    """`path` as a full URL: under `public_url` when set, else the request's origin."""
    return http.absolute_url(request, services.settings.public_url, path)


def _url(request: Request, services: Services, **params: str | int) -> str:
    return http.page_url(request, services.settings.public_url, ("page", "before", "after"),
                         **params)


def headers(request: Request, services: Services, p: Paging, *, has_more: bool,
            total: int | None = None, first: str | None = None,
            last: str | None = None) -> dict[str, str]:
    """`Link` (previous / next) and `X-Result-Count` for one page. In cursor mode,
    `first` and `last` are the tokens of the page's first and last rows."""
    links: list[str] = []
    if p.page is not None:
        if p.page > 1:
            links.append(f'<{_url(request, services, page=p.page - 1)}>; rel="previous"')
        if has_more:
            links.append(f'<{_url(request, services, page=p.page + 1)}>; rel="next"')
    else:
        if first is not None:
            links.append(f'<{_url(request, services, before=first)}>; rel="previous"')
        if has_more and last is not None:
            links.append(f'<{_url(request, services, after=last)}>; rel="next"')
    out: dict[str, str] = {}
    if links:
        out["Link"] = ", ".join(links)
    if total is not None:
        out["X-Result-Count"] = str(total)
    return out
