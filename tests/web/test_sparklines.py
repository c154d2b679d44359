"""The occurrence charts of the projects and items pages, and the items' affected users,
over real HTTP with events ingested through the Rollbar endpoint.

The endpoint stamps an event with the time it was received, so events of earlier hours
and days go through the same Rollbar translation and the real digest with an earlier
receive time (what the worker does with an event that waited in the queue): every
count on the page comes from the digest's own counters. Expected bars are computed from
the stored occurrences' timestamps, so a test that straddles an hour still holds.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.ingest import digest
from tracehound.model.event import encode
from tracehound.protocols.rollbar.translate import translate
from tracehound.store import facets, occurrences
from tracehound.store.db import writer

HOUR, DAY = 3600, 86400


def data(text: str, person: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"environment": "production", "level": "error",
                         "uuid": str(uuid.uuid4()), "body": {"message": {"body": text}}}
    if person is not None:
        d["person"] = {"id": person}
    return d


def post(server: LiveServer, project: ProjectInfo, text: str,
         person: str | None = None) -> str:
    d = data(text, person)
    r = server.post_item(project.post, d)
    assert r.status_code == 200, r.text
    return str(d["uuid"])


def digest_at(engine: Engine, project: ProjectInfo, text: str, received: list[float],
              persons: list[str | None] | None = None) -> None:
    """Events received at the given times, through the Rollbar adapter and the digest."""
    persons = persons or [None] * len(received)
    events = [translate({"data": data(text, p)}, project_id=project.id, received_at=ts)
              for ts, p in zip(received, persons, strict=True)]
    with writer(engine).begin() as conn:
        digest.apply(conn, [digest.prepare(encode(e)) for e in events])


def received(engine: Engine, project: ProjectInfo, uuids: list[str]) -> list[float]:
    with engine.connect() as conn:
        rows = [occurrences.by_uuid(conn, project.id, u) for u in uuids]
    assert all(rows)
    return [float(r.timestamp) for r in rows if r is not None]


def hour_label(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:00", time.gmtime(ts))


def day_label(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


BAR = re.compile(r'<g class="th-bar[^"]*"><title>([^<]*): ([\d,]+)</title>')


def bars(html: str) -> list[tuple[str, int]]:
    return [(label, int(n.replace(",", ""))) for label, n in BAR.findall(html)]


def item_rows(html: str) -> dict[str, str]:
    """Item title → the markup of its table row."""
    rows = re.findall(r'<td class="title"><a href="[^"]+">([^<]*)</a></td>(.*?)</tr>', html,
                      re.S)
    return dict(rows)


def users(row: str) -> str:
    found = re.search(r'<td class="num users">([^<]*)</td>', row)
    assert found, row
    return found.group(1)


def nonzero(pairs: list[tuple[str, int]]) -> dict[str, int]:
    return {label: n for label, n in pairs if n}


@pytest.fixture
def history(server: LiveServer, engine: Engine, project: ProjectInfo,
            other_project: ProjectInfo) -> dict[str, list[float]]:
    """'alpha': three events now (HTTP), two 5 hours ago, four 3 days ago, one 20 days
    ago; 'beta': one now; 'gamma': one 30 hours ago only; another project's event now.
    Returns each title's receive times."""
    now = time.time()
    # oldest first, a batch per moment, as the worker would have received them
    digest_at(engine, project, "alpha", [now - 20 * DAY])
    digest_at(engine, project, "alpha", [now - 3 * DAY] * 4)
    digest_at(engine, project, "gamma", [now - 30 * HOUR])
    digest_at(engine, project, "alpha", [now - 5 * HOUR] * 2)
    alpha = [post(server, project, "alpha", person=p) for p in ("u1", "u2", "u1")]
    beta = [post(server, project, "beta")]
    post(server, other_project, "alpha elsewhere")
    server.wait_digested()
    return {
        "alpha": received(engine, project, alpha) + [now - 5 * HOUR] * 2
        + [now - 3 * DAY] * 4 + [now - 20 * DAY],
        "beta": received(engine, project, beta),
        "gamma": [now - 30 * HOUR],
    }


def test_item_rows_chart_the_last_24_hours(signed_in: httpx.Client, project: ProjectInfo,
                                           history: dict[str, list[float]]) -> None:
    r = signed_in.get(f"/projects/{project.id}/items")
    assert r.status_code == 200
    rows = item_rows(r.text)
    assert set(rows) == {"alpha", "beta", "gamma"}
    now = time.time()
    for title, times in history.items():
        got = bars(rows[title])
        assert len(got) == 24, title
        assert got[-1][0] == hour_label(now)  # newest bar last: the current hour
        want = Counter(hour_label(ts) for ts in times if ts > now - 23 * HOUR)
        assert nonzero(got) == want, title
    # an item whose only occurrence is older than the window draws 24 zero bars
    assert nonzero(bars(rows["gamma"])) == {}
    assert rows["gamma"].count("th-bar th-bar-zero") == 24
    assert "(total 0)" in rows["gamma"] and "(total 5)" in rows["alpha"]


def test_the_14_day_chart_is_a_link_away(signed_in: httpx.Client, project: ProjectInfo,
                                         history: dict[str, list[float]]) -> None:
    url = f"/projects/{project.id}/items"
    default = signed_in.get(url).text
    link = re.search(r'<a href="(\?[^"]*chart=14d[^"]*)">14 d</a>', default)
    assert link, default
    assert '<span aria-current="true">24 h</span>' in default
    page = signed_in.get(url + link.group(1).replace("&amp;", "&")).text
    assert '<span aria-current="true">14 d</span>' in page
    assert 'href="?status=active&amp;level=any&amp;sort=last_seen&amp;page=1">24 h</a>' in page
    rows = item_rows(page)
    now = time.time()
    for title, times in history.items():
        got = bars(rows[title])
        assert len(got) == 14 and got[-1][0] == day_label(now), title
        want = Counter(day_label(ts) for ts in times if ts > now - 13 * DAY)
        assert nonzero(got) == want, title
    assert sum(n for _, n in bars(rows["alpha"])) == 9  # not the one 20 days ago
    # the choice survives the filter form
    assert '<input type="hidden" name="chart" value="14d">' in page
    sort = signed_in.get(url, params={"chart": "14d", "sort": "occurrences"}).text
    assert list(item_rows(sort))[0] == "alpha"
    assert '<span aria-current="true">14 d</span>' in sort


def test_affected_users_count_distinct_person_ids(
        server: LiveServer, engine: Engine, signed_in: httpx.Client, project: ProjectInfo,
        history: dict[str, list[float]]) -> None:
    post(server, project, "beta", person="<b>mallory</b>")
    server.wait_digested()
    rows = item_rows(signed_in.get(f"/projects/{project.id}/items").text)
    assert users(rows["alpha"]) == "2"  # u1 twice, u2
    assert users(rows["beta"]) == "1"
    assert users(rows["gamma"]) == "0"
    assert "<b>mallory</b>" not in str(rows)


def test_affected_users_at_the_facet_cap_read_as_at_least(
        engine: Engine, signed_in: httpx.Client, project: ProjectInfo) -> None:
    n = facets.MAX_PER_ITEM_KIND + 5
    now = time.time()
    digest_at(engine, project, "popular", [now - 60] * n, [f"p{i}" for i in range(n)])
    rows = item_rows(signed_in.get(f"/projects/{project.id}/items").text)
    assert users(rows["popular"]) == f"{facets.MAX_PER_ITEM_KIND}+"
    assert sum(n for _, n in bars(rows["popular"])) == facets.MAX_PER_ITEM_KIND + 5


def test_projects_page_sparkline_sums_the_projects_items(
        signed_in: httpx.Client, project: ProjectInfo, other_project: ProjectInfo,
        history: dict[str, list[float]]) -> None:
    html = signed_in.get("/projects").text
    rows = dict(re.findall(r'<a href="/projects/(\d+)/items">[^<]*</a>(.*?)</tr>', html, re.S))
    now = time.time()
    mine = bars(rows[str(project.id)])
    assert len(mine) == 24 and mine[-1][0] == hour_label(now)
    want = Counter(hour_label(ts) for times in history.values() for ts in times
                   if ts > now - 23 * HOUR)
    assert nonzero(mine) == want
    assert sum(want.values()) == 3 + 2 + 1  # alpha now and 5 h ago, beta; not gamma
    assert f'<td class="num">{sum(want.values())}</td>' in rows[str(project.id)]
    assert sum(n for _, n in bars(rows[str(other_project.id)])) == 1


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "14D", "14d\x00", "14d ", "1" * 5000, "", "7d", "²",
    "24h\"onload=\"x",
])
def test_hostile_chart_values_fall_back_to_24_hours(
        signed_in: httpx.Client, project: ProjectInfo, value: str) -> None:
    r = signed_in.get(f"/projects/{project.id}/items", params={"chart": value})
    assert r.status_code == 200
    assert '<span aria-current="true">24 h</span>' in r.text
    assert "<script" not in r.text and "onload" not in r.text
    assert "chart=" not in r.text.replace("chart=14d", "")  # only the 14 d link


def test_pages_report_their_server_time(server: LiveServer, signed_in: httpx.Client,
                                        project: ProjectInfo) -> None:
    pages = [signed_in.get("/projects"), signed_in.get(f"/projects/{project.id}/items"),
             signed_in.get("/projects/999999/items"), httpx.get(server.url + "/login")]
    for r in pages:
        timing = r.headers.get("server-timing", "")
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), (r.url, timing)
    # JSON APIs and redirects do not carry it
    assert "server-timing" not in server.get("/api/1/items/", project.read).headers
    assert "server-timing" not in httpx.get(server.url + "/projects").headers


@pytest.mark.browser
def test_charts_in_a_real_browser_under_the_csp(
        server: LiveServer, page: Any, user: Any, project: ProjectInfo,
        history: dict[str, list[float]], screenshot: Any) -> None:
    """Chromium: the pages' charts draw, take their colour from the stylesheet, and
    raise no Content-Security-Policy violation; the 14 d link works without script."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []  # the browser's own /favicon.ico request is a 404 (no icon)
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(server.url + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/projects")
    assert page.locator("td.chart svg.th-chart").count() == 2  # app and other
    page.goto(server.url + f"/projects/{project.id}/items")
    charts = page.locator("td.chart svg.th-chart")
    assert charts.count() == 3
    fill = charts.first.locator("rect.th-bar-fill").first.evaluate(
        "el => getComputedStyle(el).fill")
    assert fill == "rgb(36, 86, 179)"  # --accent, from tracehound.css
    screenshot(page, "24h")
    page.click("th.chart a")
    page.wait_for_url("**chart=14d**")
    assert page.locator("td.chart svg.th-chart-daily").count() == 3
    screenshot(page, "14d")
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors
