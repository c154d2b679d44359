"""The projects and items pages over real HTTP: account isolation, escaping, search
errors, filters, sorting and paging, with items ingested through the Rollbar endpoint."""

from __future__ import annotations

import re
import string

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import make_user, sign_in
from tracehound.store import projects
from tracehound.store.db import writer


def word(n: int) -> str:
    """A distinct all-letter word per n (digits would be masked by grouping)."""
    letters = string.ascii_lowercase
    return letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26]


def message(server: LiveServer, project: ProjectInfo, text: str, level: str = "error",
            environment: str = "production") -> None:
    r = server.post_item(project.post, {"environment": environment, "level": level,
                                        "body": {"message": {"body": text}}})
    assert r.status_code == 200, r.text


def titles(html: str) -> list[str]:
    return re.findall(r'<td class="title"><a href="[^"]+">([^<]*)</a>', html)


def test_projects_page_lists_the_accounts_projects_with_counts(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo,
        other_project: ProjectInfo, engine: Engine) -> None:
    with writer(engine).begin() as conn:
        foreign_account = projects.create_account(conn, "someone else")
        projects.create_project(conn, foreign_account, "secret-project")
    for i in range(3):
        message(server, project, f"boom {word(i)}")
    message(server, project, f"boom {word(0)}")
    server.wait_digested()
    html = signed_in.get("/projects").text
    assert "secret-project" not in html
    row = re.search(rf'href="/projects/{project.id}/items">app</a></td>\s*'
                    r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*'
                    r'<td class="num">(\d+)</td>', html)
    assert row, html
    assert row.groups() == ("3", "3", "4")  # active, total items, occurrences in 24 h
    assert f'href="/projects/{other_project.id}/items">other</a>' in html


def test_another_accounts_project_is_not_found(signed_in: httpx.Client,
                                              engine: Engine) -> None:
    with writer(engine).begin() as conn:
        foreign_account = projects.create_account(conn, "someone else")
        foreign, _ = projects.create_project(conn, foreign_account, "secret-project")
    r = signed_in.get(f"/projects/{foreign.id}/items")
    assert r.status_code == 404
    assert "secret-project" not in r.text
    assert signed_in.get("/projects/999999/items").status_code == 404
    assert signed_in.get("/projects/abc/items").status_code == 404
    assert signed_in.get("/projects/²/items").status_code == 404  # isdigit(), not int()


def test_a_user_of_another_account_sees_only_their_own(
        server: LiveServer, browser: httpx.Client, project: ProjectInfo,
        engine: Engine) -> None:
    with writer(engine).begin() as conn:
        account = projects.create_account(conn, "b")
        mine, _ = projects.create_project(conn, account, "b-project")
    other = make_user(engine, account, "bob@example.com")
    assert sign_in(browser, other.email, other.password).status_code == 303
    html = browser.get("/projects").text
    assert "b-project" in html and f"/projects/{project.id}/items" not in html
    assert browser.get(f"/projects/{project.id}/items").status_code == 404
    assert browser.get(f"/projects/{mine.id}/items").status_code == 200


def test_event_data_is_escaped(server: LiveServer, signed_in: httpx.Client,
                               project: ProjectInfo) -> None:
    message(server, project, "<script>alert(1)</script>")
    server.wait_digested()
    r = signed_in.get(f"/projects/{project.id}/items")
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<script" not in r.text  # no script of ours either
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_invalid_search_shows_the_error(signed_in: httpx.Client,
                                        project: ProjectInfo) -> None:
    r = signed_in.get(f"/projects/{project.id}/items", params={"q": "level:nonsense ("})
    assert r.status_code == 200
    assert "invalid search query" in r.text
    assert 'value="level:nonsense ("' in r.text  # the query stays in the box
    # odd paging values fall back to the first page
    for bad in ("²", "-1", "abc", "9" * 30):
        r = signed_in.get(f"/projects/{project.id}/items", params={"page": bad})
        assert r.status_code == 200 and "Page 1 of 1" in r.text, bad


def test_search_filters_sort_and_paging(server: LiveServer, signed_in: httpx.Client,
                                        project: ProjectInfo) -> None:
    for i in range(55):
        message(server, project, f"boom {word(i)}")
    for _ in range(3):
        message(server, project, f"boom {word(7)}")
    message(server, project, "quiet warning", level="warning", environment="staging")
    server.wait_digested()
    url = f"/projects/{project.id}/items"

    first = signed_in.get(url)
    assert "56 items" in first.text
    assert len(titles(first.text)) == 50
    assert "Page 1 of 2" in first.text
    nxt = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert nxt
    second = signed_in.get(url + nxt.group(1).replace("&amp;", "&"))
    assert len(titles(second.text)) == 6
    assert "Page 2 of 2" in second.text and 'rel="next"' not in second.text
    assert not set(titles(first.text)) & set(titles(second.text))

    top = titles(signed_in.get(url, params={"sort": "occurrences"}).text)
    assert top[0] == f"boom {word(7)}"
    assert titles(signed_in.get(url, params={"sort": "first_seen", "status": "any"})
                  .text)[0] == "quiet warning"

    warn = signed_in.get(url, params={"level": "warning"}).text
    assert titles(warn) == ["quiet warning"]
    staging = signed_in.get(url, params={"environment": "staging"}).text
    assert titles(staging) == ["quiet warning"]
    assert titles(signed_in.get(url, params={"q": f"boom {word(3)}"}).text) == \
        [f"boom {word(3)}"]
    assert "1 item" in signed_in.get(url, params={"q": "level:warning"}).text
    assert titles(signed_in.get(url, params={"status": "resolved"}).text) == []
    # hostile paging values fall back rather than fail
    assert signed_in.get(url, params={"page": "-1", "sort": "x"}).status_code == 200
    assert signed_in.get(url, params={"page": "99999999999"}).status_code == 200
