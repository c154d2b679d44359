"""List parameters and paging headers of the Data Access API (bugsnag-api.md B2, and
the Events API seed).

Lists are bare JSON arrays with `X-Total-Count: <n>` (every match, whatever the
page) and, when more remain, `Link: <absolute URL>; rel="next"`: this request's URL
with every other parameter kept and the paging parameters set. Clients follow it
verbatim. `per_page` defaults to 10 for events (the seed) and 30 elsewhere (B2), and
is capped at 100.

Errors and projects page by a numeric `offset` (B2's observed `offset=10`). Events page
by the seed's `offset=<id of the last event sent>`, plus `offset_time` (its receive
time, exact): a keyset cursor, so a walk visits every event once even while new ones
arrive or events are deleted between pages.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from tracehound.errors import BadPayload
from tracehound.protocols import http
from tracehound.services import Services

EVENTS_PER_PAGE = 10
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_OFFSET = 10**7
DIRECTIONS = {"desc": True, "asc": False}
PAGING = ("offset", "offset_time")
_TIME = re.compile(r"^\d{1,12}(\.\d{1,20})?$")


def _whole(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadPayload(f"{name} must be a whole number, not {text[:40]!r}.")
    return int(text)


def per_page(request: Request, default: int = DEFAULT_PER_PAGE) -> int:
    """`per_page`: 1 or more, at most 100 (larger asks get 100)."""
    value = _whole(request, "per_page")
    if value is None:
        return default
    if value < 1:
        raise BadPayload("per_page must be 1 or more.")
    return min(value, MAX_PER_PAGE)


def descending(request: Request, default: str = "desc") -> bool:
    """`direction`: desc or asc (`default` when absent)."""
    text = request.query_params.get("direction", "").strip().lower() or default
    if text not in DIRECTIONS:
        raise BadPayload(f"Invalid direction {text[:20]!r}: use asc or desc.")
    return DIRECTIONS[text]


def offset(request: Request) -> int:
    """A numeric `offset` (errors and projects lists)."""
    value = _whole(request, "offset") or 0
    if value > MAX_OFFSET:
        raise BadPayload(f"offset must be at most {MAX_OFFSET}.")
    return value


def offset_time(request: Request) -> float | None:
    """The exact receive time an events cursor carries (`offset_time`), if any."""
    text = request.query_params.get("offset_time", "").strip()
    if not text:
        return None
    if not _TIME.match(text):
        raise BadPayload("Invalid offset_time: follow the Link header's URL as it is.")
    return float(text)


def headers(request: Request, services: Services, *, total: int,
            next_params: dict[str, str | int] | None) -> dict[str, str]:
    """X-Total-Count, and the Link to the next page when `next_params` (the paging
    parameters of the next page) are given."""
    out = {"X-Total-Count": str(total)}
    if next_params is not None:
        url = http.page_url(request, services.settings.public_url, PAGING, **next_params)
        out["Link"] = f'<{url}>; rel="next"'
    return out
