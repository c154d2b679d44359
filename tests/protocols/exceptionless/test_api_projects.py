"""Exceptionless organizations and projects over HTTP: the caller's account as the one
organization, projects paged with Link and X-Result-Count, creation through the store
the Rollbar API uses, and 404 for anything outside the caller's reach."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from tests.protocols.exceptionless.api_support import (
    get,
    links,
    login,
    make_user,
    other_account,
    post_events,
    problem,
    send,
)
from tests.support import LiveServer, ProjectInfo, make_project
from tracehound.protocols.exceptionless import ids


def test_organization_is_the_account_with_an_unlimited_plan(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    token = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [{"type": "log", "message": "one"},
                                       {"type": "log", "message": "two"}])
    server.wait_digested()
    orgs = get(server, "/api/v2/organizations", token)
    assert orgs.status_code == 200 and "link" not in orgs.headers
    [org] = orgs.json()
    assert org["id"] == ids.encode(project.account_id) and org["name"] == "test"
    assert org["max_events_per_month"] == -1 and org["plan_id"] == "EX_UNLIMITED"
    assert org["project_count"] == 1 and org["stack_count"] == 2 and org["event_count"] == 2
    assert org["created_utc"].endswith("Z") and not org["is_suspended"]
    assert None not in org.values()
    one = get(server, f"/api/v2/organizations/{org['id']}", token)
    assert one.status_code == 200 and one.json() == org
    elsewhere = other_account(engine)
    for odd in (ids.encode(elsewhere.account_id), "0" * 24, "zz" * 12, "1" * 25, "abc",
                "f" * 24):
        problem(get(server, f"/api/v2/organizations/{odd}", token), 404)


def test_projects_list_pages_with_link_and_result_count(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    token = login(server, make_user(engine, project.account_id))
    for n in range(4):
        make_project(engine, f"p{n}")
    first = get(server, "/api/v2/projects", token, limit=2)
    assert first.status_code == 200
    assert first.headers["x-result-count"] == "5"
    assert [p["name"] for p in first.json()] == ["app", "p0"]
    assert set(links(first)) == {"next"}
    seen = [p["id"] for p in first.json()]
    url = links(first)["next"]
    while url:
        page = server.http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200 and "previous" in links(page)
        seen += [p["id"] for p in page.json()]
        url = links(page).get("next", "")
    assert len(seen) == len(set(seen)) == 5
    assert get(server, "/api/v2/projects", token, page=9).json() == []
    # limit is clamped, not refused; non-numbers are 400
    assert len(get(server, "/api/v2/projects", token, limit=0).json()) == 1
    problem(get(server, "/api/v2/projects", token, limit="ten"), 400, "limit")
    problem(get(server, "/api/v2/projects", token, page="-1"), 400, "page")
    problem(get(server, "/api/v2/projects", token, page="²"), 400, "page")
    org = ids.encode(project.account_id)
    by_org = get(server, f"/api/v2/organizations/{org}/projects", token, limit=100)
    assert len(by_org.json()) == 5 and by_org.headers["x-result-count"] == "5"


def test_one_project_and_others_out_of_reach(server: LiveServer, engine: Engine,
                                            project: ProjectInfo) -> None:
    token = login(server, make_user(engine, project.account_id))
    pid = ids.encode(project.id)
    r = get(server, f"/api/v2/projects/{pid}", token)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == pid and body["name"] == "app"
    assert body["organization_id"] == ids.encode(project.account_id)
    assert body["organization_name"] == "test" and body["is_configured"] is False
    elsewhere = other_account(engine)
    for odd in (ids.encode(elsewhere.id), "0" * 24, "g" * 24, "1" * 40, "12"):
        problem(get(server, f"/api/v2/projects/{odd}", token), 404, "")
    problem(get(server, f"/api/v2/organizations/{ids.encode(elsewhere.account_id)}"
                        "/projects", token), 404, "Organization not found")
    # a project token reaches its own project only, and reads with `read`
    sibling = make_project(engine, "sibling")
    assert get(server, f"/api/v2/projects/{pid}", project.read).status_code == 200
    problem(get(server, f"/api/v2/projects/{ids.encode(sibling.id)}", project.read), 404)
    assert [p["id"] for p in get(server, "/api/v2/projects", project.read).json()] == [pid]


def test_create_project(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    token = login(server, make_user(engine, project.account_id))
    org = ids.encode(project.account_id)
    r = send(server, "POST", "/api/v2/projects", token,
             {"organization_id": org, "name": "Billing <b>API</b>",
              "delete_bot_data_enabled": False})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "Billing <b>API</b>" and made["organization_id"] == org
    assert r.headers["location"] == f"/api/v2/projects/{made['id']}"
    assert get(server, r.headers["location"], token).json()["name"] == made["name"]
    # without organization_id: the caller's organization
    assert send(server, "POST", "/api/v2/projects", token, {"name": "second"}).status_code == 201
    problem(send(server, "POST", "/api/v2/projects", token, {"name": "second"}), 400,
            "already exists")
    problem(send(server, "POST", "/api/v2/projects", token, {"name": "  "}), 400,
            "name is required")
    problem(send(server, "POST", "/api/v2/projects", token, {}), 400, "name is required")
    problem(send(server, "POST", "/api/v2/projects", token, {"name": "x" * 101}), 400)
    elsewhere = other_account(engine)
    problem(send(server, "POST", "/api/v2/projects", token,
                 {"organization_id": ids.encode(elsewhere.account_id), "name": "sneaky"}),
            400, "Invalid organization id")
    # a project's own token, and a client token, may not create projects
    problem(send(server, "POST", "/api/v2/projects", project.tokens["write"],
                 {"name": "nope"}), 403)
    problem(send(server, "POST", "/api/v2/projects", project.client, {"name": "nope"}), 403)
    bad = server.http.post(server.url + "/api/v2/projects", content=b"{nope",
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
    problem(bad, 400, "invalid JSON")
    # the new project is a Tracehound project: the Rollbar API lists it too
    rollbar = httpx.get(server.url + "/api/1/projects",
                        headers={"X-Rollbar-Access-Token": token})
    assert "Billing <b>API</b>" in {p["name"] for p in rollbar.json()["result"]}
