"""Bugsnag Data Access API over HTTP: authentication (Authorization: token, auth_token,
scopes), organizations and projects; what a token cannot see is 404."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.protocols.bugsnag.api_support import (
    API,
    error,
    event,
    get,
    hex_id,
    make_token,
    next_link,
    notify,
    other_account,
    walk,
)
from tests.support import LiveServer, ProjectInfo, make_project
from tracehound.store import admin_projects
from tracehound.store.db import writer

ORG_FIELDS = {"id", "name", "slug", "creator", "created_at", "updated_at", "auto_upgrade",
              "upgrade_url", "can_start_pro_trial", "pro_trial_ends_at", "billing_emails"}
PROJECT_FIELDS = {"id", "slug", "name", "api_key", "type", "is_full_view", "release_stages",
                  "language", "created_at", "updated_at", "errors_url", "events_url", "url",
                  "html_url", "open_error_count", "collaborators_count", "global_grouping",
                  "location_grouping", "discarded_app_versions", "discarded_errors",
                  "custom_event_fields_used", "resolve_on_deploy"}


def test_the_callers_organization(server: LiveServer, project: ProjectInfo) -> None:
    r = get(server, "/user/organizations", project.read)
    assert r.status_code == 200, r.text
    assert r.headers["x-total-count"] == "1"
    (org,) = r.json()
    assert ORG_FIELDS <= set(org)
    assert org["id"] == hex_id(project.account_id) and org["name"] == "test"
    assert org["created_at"].endswith("Z") and len(org["created_at"]) == 24
    assert org["url"] == f"{server.url}{API}/organizations/{org['id']}"
    r = get(server, f"/organizations/{org['id']}", project.read)
    assert r.status_code == 200 and r.json() == org
    # auth_token instead of the header (B1), and a trailing slash
    r = server.http.get(f"{server.url}{API}/organizations/{org['id']}/",
                        params={"auth_token": project.read})
    assert r.status_code == 200 and r.json()["id"] == org["id"]


def test_another_organization_is_404(server: LiveServer, engine: Engine,
                                     project: ProjectInfo) -> None:
    other = other_account(engine)
    error(get(server, f"/organizations/{hex_id(other.account_id)}", project.read), 404,
          "organization not found")
    error(get(server, f"/organizations/{hex_id(other.account_id)}/projects", project.read),
          404, "organization not found")
    for bad in ("1", "zzzzzzzzzzzzzzzzzzzzzzzz", "0" * 24, "f" * 24, "%00", "..", "x" * 500):
        r = get(server, f"/organizations/{bad}", project.read)
        assert r.status_code == 404, (bad, r.text)


def test_projects_list_and_one(server: LiveServer, engine: Engine,
                               project: ProjectInfo) -> None:
    notify(server, project.post, event(), event("KeyError", "'k'", line=9,
                                                releaseStage="staging"))
    server.wait_digested()
    org = hex_id(project.account_id)
    r = get(server, f"/organizations/{org}/projects", project.read)
    assert r.status_code == 200, r.text
    assert r.headers["x-total-count"] == "1" and "link" not in r.headers
    (p,) = r.json()
    assert PROJECT_FIELDS <= set(p)
    assert p["id"] == hex_id(project.id) and p["organization_id"] == org
    assert p["api_key"] == project.post  # the key a notifier is configured with
    assert sorted(p["release_stages"]) == ["production", "staging"]
    assert p["open_error_count"] == 2
    assert p["errors_url"] == f"{server.url}{API}/projects/{p['id']}/errors"
    assert p["events_url"] == f"{server.url}{API}/projects/{p['id']}/events"
    assert p["html_url"] == f"{server.url}/projects/{project.id}/items"
    r = get(server, f"/projects/{p['id']}", project.read)
    assert r.status_code == 200 and r.json() == p


def test_projects_paging_q_and_direction(server: LiveServer, engine: Engine,
                                         project: ProjectInfo) -> None:
    for n in range(4):
        make_project(engine, f"svc-{n}")
    account = make_token(engine, project.account_id, ["read"])
    org = hex_id(project.account_id)
    first = get(server, f"/organizations/{org}/projects", account, per_page=2)
    assert first.headers["x-total-count"] == "5"
    link = next_link(first)
    assert link is not None and link.startswith(f"{server.url}{API}/organizations/{org}/")
    assert "per_page=2" in link and "offset=2" in link
    names = [p["name"] for p in walk(server, first, account)]
    assert names == ["app", "svc-0", "svc-1", "svc-2", "svc-3"]  # oldest first
    r = get(server, f"/organizations/{org}/projects", account, direction="desc", q="SVC")
    assert [p["name"] for p in r.json()] == ["svc-3", "svc-2", "svc-1", "svc-0"]
    assert r.headers["x-total-count"] == "4"
    error(get(server, f"/organizations/{org}/projects", account, sort="name"), 400, "sort")
    error(get(server, f"/organizations/{org}/projects", account, direction="up"), 400,
          "direction")
    error(get(server, f"/organizations/{org}/projects", account, per_page="x"), 400,
          "per_page")
    # a project token reaches its own project only
    r = get(server, f"/organizations/{org}/projects", project.read)
    assert [p["name"] for p in r.json()] == ["app"]


def test_projects_a_token_cannot_see_are_404(server: LiveServer, engine: Engine,
                                             project: ProjectInfo,
                                             other_project: ProjectInfo) -> None:
    foreign = other_account(engine)
    for target in (other_project.id, foreign.id, 10**9):
        error(get(server, f"/projects/{hex_id(target)}", project.read), 404,
              "project not found")
    # a deleted project disappears
    account = make_token(engine, project.account_id, ["read"])
    assert get(server, f"/projects/{hex_id(other_project.id)}", account).status_code == 200
    with writer(engine).begin() as conn:
        admin_projects.delete_project(conn, project.account_id, other_project.id)
    error(get(server, f"/projects/{hex_id(other_project.id)}", account), 404)


def test_authentication_and_scopes(server: LiveServer, engine: Engine,
                                   project: ProjectInfo) -> None:
    path = f"/projects/{hex_id(project.id)}"
    error(get(server, path, None), 401, "authorization: token")
    error(server.http.get(server.url + API + path,
                          headers={"Authorization": "token nope"}), 401, "invalid")
    error(server.http.get(server.url + API + path,
                          headers={"Authorization": "Basic YTpi"}), 401, "basic")
    error(server.http.get(server.url + API + path,
                          headers={"Authorization": "token"}), 401)
    # a notifier key (post_server_item only) cannot read: 403, naming the scope
    error(get(server, path, project.post), 403, "'read' scope")
    disabled = make_token(engine, project.account_id, ["read"], status="disabled")
    error(get(server, path, disabled), 401, "disabled")
    # Bearer works too (SmartBear's OAuth flow sends it)
    r = server.http.get(server.url + API + path,
                        headers={"Authorization": f"Bearer {project.read}"})
    assert r.status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_unserved_methods_answer_in_bugsnags_shape(server: LiveServer, project: ProjectInfo,
                                                   method: str) -> None:
    r = server.http.request(method, f"{server.url}{API}/projects/{hex_id(project.id)}",
                            headers={"Authorization": f"token {project.read}"})
    error(r, 405)
    error(get(server, "/no/such/path", project.read), 404)


def test_browser_tools_get_cors(server: LiveServer, project: ProjectInfo) -> None:
    """A preflight on any Data Access path, and the headers a browser script may read."""
    path = f"{server.url}{API}/projects/{hex_id(project.id)}/errors/{hex_id(1)}"
    r = server.http.options(path, headers={
        "Origin": "https://dash.example.com", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "PATCH" in r.headers["access-control-allow-methods"]
    assert "DELETE" in r.headers["access-control-allow-methods"]
    r = get(server, f"/organizations/{hex_id(project.account_id)}/projects", project.read)
    assert r.headers["access-control-allow-origin"] == "*"
    assert {"Link", "X-Total-Count"} <= {
        h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
