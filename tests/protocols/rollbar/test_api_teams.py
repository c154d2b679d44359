"""Rollbar teams API (§14): teams, users, members, team projects, invites; built-in
teams; account tokens and scopes; and two accounts that never see each other's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import projects, tokens


@dataclass
class Account:
    id: int
    read: str
    write: str
    user_id: int  # the first user: on Owners
    project_id: int
    project_tokens: dict[str, str]


def make_account(engine: Engine, account_id: int | None, email: str,
                 project: str) -> Account:
    with engine.begin() as conn:
        if account_id is None:
            account_id = projects.create_account(conn, email)
        user_id = tokens.create_user(conn, account_id=account_id, email=email,
                                     password_hash="x")
        read = tokens.create_token(conn, account_id=account_id, project_id=None,
                                   name="read", scopes=["read"])
        write = tokens.create_token(conn, account_id=account_id, project_id=None,
                                    name="write", scopes=["write"])
        if projects.find_project(conn, account_id, project) is None:
            projects.create_project(conn, account_id, project)
        found = projects.find_project(conn, account_id, project)
        assert found is not None
        made = tokens.tokens_of(conn, account_id=account_id, project_id=found.id)
    return Account(account_id, read, write, user_id, found.id, made)


def add_user(engine: Engine, account: Account, email: str) -> int:
    with engine.begin() as conn:
        return tokens.create_user(conn, account_id=account.id, email=email, password_hash="x")


@pytest.fixture
def a(engine: Engine, project: ProjectInfo) -> Account:
    return make_account(engine, project.account_id, "owner@a.test", "app")


@pytest.fixture
def b(engine: Engine) -> Account:
    return make_account(engine, None, "owner@b.test", "bapp")


def call(server: LiveServer, method: str, path: str, token: str | None = None,
         **kw: Any) -> httpx.Response:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    headers.update(kw.pop("headers", {}))
    return server.http.request(method, server.url + path, headers=headers, **kw)


def result(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["err"] == 0
    return body.get("result")


def err(r: httpx.Response, status: int, message: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["err"] == 1
    assert message in r.json()["message"], r.json()["message"]


def builtins(server: LiveServer, acct: Account) -> dict[str, int]:
    teams = result(call(server, "GET", "/api/1/teams", acct.read))
    return {t["name"]: t["id"] for t in teams if t["access_level"] in ("owner", "everyone")}


def new_team(server: LiveServer, acct: Account, name: str, **body: Any) -> dict[str, Any]:
    team: dict[str, Any] = result(call(server, "POST", "/api/1/teams", acct.write,
                                       json={"name": name, **body}))
    return team


# ---- teams ---------------------------------------------------------------------------


def test_builtin_teams_appear_lazily_with_the_first_user(server: LiveServer, a: Account,
                                                         engine: Engine) -> None:
    teams = result(call(server, "GET", "/api/1/teams", a.read))
    assert [(t["name"], t["access_level"], t["account_id"]) for t in teams] == [
        ("Owners", "owner", a.id), ("Everyone", "everyone", a.id)]
    assert set(teams[0]) == {"id", "account_id", "name", "access_level"}
    ids = {t["name"]: t["id"] for t in teams}
    assert result(call(server, "GET", f"/api/1/team/{ids['Owners']}/users", a.read)) == [
        {"team_id": ids["Owners"], "user_id": a.user_id}]
    mine = result(call(server, "GET", f"/api/1/user/{a.user_id}/teams", a.read))["teams"]
    assert [t["name"] for t in mine] == ["Owners", "Everyone"]
    # a user added later joins Everyone (not Owners) on the next call
    later = add_user(engine, a, "later@a.test")
    theirs = result(call(server, "GET", f"/api/1/user/{later}/teams", a.read))["teams"]
    assert [t["name"] for t in theirs] == ["Everyone"]
    assert len(result(call(server, "GET", "/api/1/teams", a.read))) == 2  # created once


def test_create_get_list_delete_team(server: LiveServer, a: Account) -> None:
    team = new_team(server, a, "devs")
    assert team == {"id": team["id"], "account_id": a.id, "name": "devs",
                    "access_level": "standard"}
    viewers = result(call(server, "POST", "/api/1/teams/", a.write,
                          data={"name": "viewers", "access_level": "view"}))
    assert viewers["access_level"] == "view"
    light = new_team(server, a, "  lights  ", access_level="light")
    assert light["name"] == "lights" and light["access_level"] == "light"
    assert result(call(server, "GET", f"/api/1/team/{team['id']}", a.read)) == team
    names = [t["name"] for t in result(call(server, "GET", "/api/1/teams", a.read))]
    assert names == ["Owners", "Everyone", "devs", "viewers", "lights"]
    assert call(server, "DELETE", f"/api/1/team/{team['id']}", a.write).json() == {"err": 0}
    err(call(server, "GET", f"/api/1/team/{team['id']}", a.read), 404, "Team not found")
    err(call(server, "DELETE", f"/api/1/team/{team['id']}", a.write), 404, "Team not found")
    assert result(call(server, "GET", "/api/1/teams", a.read, params={"page": 2})) == []


@pytest.mark.parametrize(("body", "message"), [
    ({}, "name is required"),
    ({"name": "   "}, "name is required"),
    ({"name": "x" * 33}, "at most 32"),
    ({"name": "x" * 100_000}, "at most 32"),
    ({"name": "tab\there"}, "printable"),
    ({"name": 42}, "name must be a string"),
    ({"name": ["a"]}, "name must be a string"),
    ({"name": "ok", "access_level": "owner"}, "access_level must be one of standard, light, view"),
    ({"name": "ok", "access_level": "everyone"}, "access_level must be one of"),
    ({"name": "ok", "access_level": ["view"]}, "access_level must be one of"),
    ({"name": "ok", "access_level": 1}, "access_level must be one of"),
    ({"name": "owners"}, "already exists"),
])
def test_create_team_invalid_is_422(server: LiveServer, a: Account, body: dict[str, Any],
                                    message: str) -> None:
    err(call(server, "POST", "/api/1/teams", a.write, json=body), 422, message)


def test_team_names(server: LiveServer, a: Account) -> None:
    assert new_team(server, a, "x" * 32)["name"] == "x" * 32
    sql = "a'; DROP TABLE teams; --"
    assert new_team(server, a, sql)["name"] == sql
    err(call(server, "POST", "/api/1/teams", a.write, json={"name": "A'; drop TABLE teams; --"}),
        422, "already exists")
    err(call(server, "POST", "/api/1/teams", a.write, content=b"{broken",
             headers={"Content-Type": "application/json"}),
        400, "")
    err(call(server, "POST", "/api/1/teams", a.write, content=b'["list"]'), 400, "JSON object")


def test_builtin_teams_cannot_be_deleted(server: LiveServer, a: Account) -> None:
    for name, team_id in builtins(server, a).items():
        err(call(server, "DELETE", f"/api/1/team/{team_id}", a.write), 422,
            f"The {name} team cannot be deleted")
    assert len(builtins(server, a)) == 2


# ---- users ---------------------------------------------------------------------------


def test_users_list_filter_and_get(server: LiveServer, a: Account, engine: Engine) -> None:
    other = add_user(engine, a, "dev@a.test")
    users = result(call(server, "GET", "/api/1/users", a.read))
    assert users == {"users": [
        {"id": a.user_id, "username": "owner", "email": "owner@a.test"},
        {"id": other, "username": "dev", "email": "dev@a.test"}]}
    one = result(call(server, "GET", "/api/1/users", a.read, params={"email": "DEV@a.test"}))
    assert [u["id"] for u in one["users"]] == [other]
    for email in ("nobody@a.test", "' OR 1=1 --", "x" * 10_000):
        assert result(call(server, "GET", "/api/1/users", a.read,
                           params={"email": email})) == {"users": []}
    assert result(call(server, "GET", f"/api/1/user/{other}", a.read)) == {
        "id": other, "username": "dev", "email": "dev@a.test", "email_enabled": 1}
    assert result(call(server, "GET", f"/api/1/user/{other}/teams", a.read)) == {
        "teams": [{"id": builtins(server, a)["Everyone"], "account_id": a.id,
                   "name": "Everyone", "access_level": "everyone"}]}
    for bad in ("0", "-1", "abc", "1.5", "9" * 30, "%C2%B2", "1%20OR%201=1"):
        for suffix in ("", "/teams", "/projects"):
            err(call(server, "GET", f"/api/1/user/{bad}{suffix}", a.read), 404, "")
    err(call(server, "GET", f"/api/1/user/{other + 100}", a.read), 404, "User not found")


def test_user_projects_come_through_teams(server: LiveServer, a: Account,
                                          engine: Engine) -> None:
    dev = add_user(engine, a, "dev@a.test")
    with engine.begin() as conn:
        second, _ = projects.create_project(conn, a.id, "second")
    assert result(call(server, "GET", f"/api/1/user/{dev}/projects", a.read)) == {
        "projects": []}
    team = new_team(server, a, "devs")
    result(call(server, "PUT", f"/api/1/team/{team['id']}/user/{dev}", a.write))
    result(call(server, "PUT", f"/api/1/team/{team['id']}/project/{second.id}", a.write))
    assert result(call(server, "GET", f"/api/1/user/{dev}/projects", a.read)) == {
        "projects": [{"id": second.id, "account_id": a.id, "slug": "second", "status": 1}]}
    owner = result(call(server, "GET", f"/api/1/user/{a.user_id}/projects", a.read))
    assert [p["id"] for p in owner["projects"]] == [a.project_id, second.id]


# ---- team members --------------------------------------------------------------------


def test_team_members(server: LiveServer, a: Account, engine: Engine) -> None:
    dev = add_user(engine, a, "dev@a.test")
    team = new_team(server, a, "devs")
    base = f"/api/1/team/{team['id']}"
    err(call(server, "GET", f"{base}/user/{dev}", a.read), 404, "User is not on this Team.")
    pair = {"team_id": team["id"], "user_id": dev}
    assert result(call(server, "PUT", f"{base}/user/{dev}", a.write)) == pair
    assert result(call(server, "PUT", f"{base}/user/{dev}/", a.write)) == pair  # idempotent
    assert result(call(server, "GET", f"{base}/user/{dev}", a.read)) == pair
    assert result(call(server, "GET", f"{base}/users", a.read)) == [pair]
    assert result(call(server, "GET", f"{base}/users", a.read, params={"page": 2})) == []
    assert result(call(server, "GET", f"{base}/users", a.read,
                       params={"page": "9" * 30})) == []
    assert call(server, "DELETE", f"{base}/user/{dev}", a.write).json() == {"err": 0}
    assert call(server, "DELETE", f"{base}/user/{dev}", a.write).json() == {"err": 0}
    assert result(call(server, "GET", f"{base}/users", a.read)) == []


def test_team_member_errors(server: LiveServer, a: Account, b: Account) -> None:
    team = new_team(server, a, "devs")
    base = f"/api/1/team/{team['id']}"
    for uid in (999_999, b.user_id):
        err(call(server, "PUT", f"{base}/user/{uid}", a.write), 403,
            "User not found for this account")
        err(call(server, "DELETE", f"{base}/user/{uid}", a.write), 422,
            "User not found for this account")
    err(call(server, "PUT", f"/api/1/team/999999/user/{a.user_id}", a.write), 404,
        "Team not found")
    err(call(server, "DELETE", f"/api/1/team/999999/user/{a.user_id}", a.write), 422,
        "Team not found for this account")
    err(call(server, "GET", f"/api/1/team/999999/user/{a.user_id}", a.read), 404,
        "Team not found")
    err(call(server, "GET", "/api/1/team/999999/users", a.read), 404, "Team not found")
    for page, message in (("0", "page must be at least 1"), ("x", "page must be an integer"),
                          ("-3", "page must be at least 1")):
        err(call(server, "GET", f"{base}/users", a.read, params={"page": page}), 422, message)


def test_builtin_membership_rules(server: LiveServer, a: Account, engine: Engine) -> None:
    ids = builtins(server, a)
    err(call(server, "DELETE", f"/api/1/team/{ids['Owners']}/user/{a.user_id}", a.write),
        422, "The Owners team must keep at least one member")
    err(call(server, "DELETE", f"/api/1/team/{ids['Everyone']}/user/{a.user_id}", a.write),
        422, "Users cannot be removed from the Everyone team")
    dev = add_user(engine, a, "dev@a.test")
    result(call(server, "PUT", f"/api/1/team/{ids['Owners']}/user/{dev}", a.write))
    assert result(call(server, "DELETE", f"/api/1/team/{ids['Owners']}/user/{a.user_id}",
                       a.write)) is None
    assert result(call(server, "GET", f"/api/1/team/{ids['Owners']}/users", a.read)) == [
        {"team_id": ids["Owners"], "user_id": dev}]


# ---- team projects -------------------------------------------------------------------


def test_team_projects(server: LiveServer, a: Account) -> None:
    team = new_team(server, a, "devs")
    ids = builtins(server, a)
    link = f"/api/1/team/{team['id']}/project/{a.project_id}"
    pair = {"team_id": team["id"], "project_id": a.project_id}
    err(call(server, "GET", link, a.read), 404, "Project is not in this Team.")
    assert result(call(server, "PUT", link, a.write)) == pair
    assert result(call(server, "PUT", link, a.write)) == pair
    assert result(call(server, "GET", link, a.read)) == pair
    assert result(call(server, "GET", f"/api/1/team/{team['id']}/projects", a.read)) == [pair]
    assert result(call(server, "GET", f"/api/1/team/{team['id']}/projects", a.read,
                       params={"page": 2})) == []
    teams_of = f"/api/1/project/{a.project_id}/teams"
    assert result(call(server, "GET", teams_of, a.read)) == [
        {"team_id": ids["Owners"], "project_id": a.project_id}, pair]
    for flag in ("1", "true", "TRUE"):
        assert result(call(server, "GET", teams_of, a.read,
                           params={"exclude_builtin_teams": flag})) == [pair]
    assert len(result(call(server, "GET", teams_of, a.read,
                           params={"exclude_builtin_teams": "0"}))) == 2
    err(call(server, "GET", teams_of, a.read, params={"exclude_builtin_teams": "maybe"}),
        422, "exclude_builtin_teams must be 1, true, 0 or false")
    assert call(server, "DELETE", link, a.write).json() == {"err": 0}
    err(call(server, "GET", link, a.read), 404, "Project is not in this Team.")
    assert result(call(server, "GET", teams_of, a.read,
                       params={"exclude_builtin_teams": 1})) == []


def test_owners_reach_every_project_everyone_by_link(server: LiveServer, a: Account) -> None:
    ids = builtins(server, a)
    owners, everyone = ids["Owners"], ids["Everyone"]
    assert result(call(server, "GET", f"/api/1/team/{owners}/projects", a.read)) == [
        {"team_id": owners, "project_id": a.project_id}]
    result(call(server, "GET", f"/api/1/team/{owners}/project/{a.project_id}", a.read))
    result(call(server, "PUT", f"/api/1/team/{owners}/project/{a.project_id}", a.write))
    err(call(server, "DELETE", f"/api/1/team/{owners}/project/{a.project_id}", a.write),
        422, "The Owners team reaches every project")
    assert result(call(server, "GET", f"/api/1/team/{everyone}/projects", a.read)) == []
    result(call(server, "PUT", f"/api/1/team/{everyone}/project/{a.project_id}", a.write))
    teams = result(call(server, "GET", f"/api/1/project/{a.project_id}/teams", a.read))
    assert [t["team_id"] for t in teams] == [owners, everyone]


def test_team_project_errors(server: LiveServer, a: Account, b: Account) -> None:
    team = new_team(server, a, "devs")
    for method, token in (("GET", a.read), ("PUT", a.write), ("DELETE", a.write)):
        for pid in (999_999, b.project_id):
            err(call(server, method, f"/api/1/team/{team['id']}/project/{pid}", token), 404,
                "Project not found in this account.")
        err(call(server, method, f"/api/1/team/999999/project/{a.project_id}", token), 404,
            "Team not found")
    err(call(server, "GET", f"/api/1/project/{b.project_id}/teams", a.read), 404,
        "Project not found in this account.")
    err(call(server, "GET", "/api/1/team/999999/projects", a.read), 404, "Team not found")


# ---- invites -------------------------------------------------------------------------


def test_invite_lifecycle(server: LiveServer, a: Account, engine: Engine) -> None:
    team = new_team(server, a, "devs")
    base = f"/api/1/team/{team['id']}/invites"
    invite = result(call(server, "POST", base, a.write, json={"email": " New@Example.com "}))
    assert invite == {"id": invite["id"], "from_user_id": None, "team_id": team["id"],
                      "to_email": "new@example.com", "status": "pending",
                      "date_created": invite["date_created"], "date_redeemed": None}
    assert isinstance(invite["date_created"], int) and invite["date_created"] > 1_600_000_000
    again = result(call(server, "POST", base, a.write, json={"email": "new@example.com"}))
    assert again == invite  # an open invite is not duplicated
    assert result(call(server, "GET", f"/api/1/invite/{invite['id']}", a.read)) == invite
    assert result(call(server, "GET", base, a.read)) == [invite]
    assert result(call(server, "GET", base, a.read, params={"page": 2})) == []
    assert call(server, "DELETE", f"/api/1/invite/{invite['id']}", a.write).json() == {"err": 0}
    canceled = result(call(server, "GET", f"/api/1/invite/{invite['id']}", a.read))
    assert canceled["status"] == "canceled"
    err(call(server, "DELETE", f"/api/1/invite/{invite['id']}", a.write), 422,
        "Invite already canceled")
    fresh = result(call(server, "POST", base, a.write, json={"email": "new@example.com"}))
    assert fresh["id"] != invite["id"] and fresh["status"] == "pending"
    assert [i["status"] for i in result(call(server, "GET", base, a.read))] == [
        "canceled", "pending"]


def test_inviting_an_account_user_adds_them(server: LiveServer, a: Account,
                                            engine: Engine) -> None:
    dev = add_user(engine, a, "dev@a.test")
    with engine.begin() as conn:
        personal = tokens.create_token(conn, account_id=a.id, project_id=None, name="mine",
                                       scopes=["read", "write"], user_id=a.user_id)
    team = new_team(server, a, "devs")
    invite = result(call(server, "POST", f"/api/1/team/{team['id']}/invites", personal,
                         data={"email": "DEV@a.test"}))
    assert invite["status"] == "accepted" and invite["from_user_id"] == a.user_id
    assert isinstance(invite["date_redeemed"], int)
    result(call(server, "GET", f"/api/1/team/{team['id']}/user/{dev}", a.read))
    err(call(server, "DELETE", f"/api/1/invite/{invite['id']}", a.write), 422,
        "Invite already accepted")


@pytest.mark.parametrize(("body", "message"), [
    ({}, "email is required"),
    ({"email": ""}, "email is required"),
    ({"email": "not an email"}, "email must be a valid email address"),
    ({"email": "a@b"}, "email must be a valid email address"),
    ({"email": "a@@b.c"}, "email must be a valid email address"),
    ({"email": 12}, "email must be a valid email address"),
    ({"email": ["a@b.c"]}, "email must be a valid email address"),
    ({"email": "a" * 300 + "@b.c"}, "email must be a valid email address"),
    ({"email": "x@y.z'; DROP TABLE invites; --"}, "email must be a valid email address"),
])
def test_invite_invalid_email_is_422(server: LiveServer, a: Account, body: dict[str, Any],
                                     message: str) -> None:
    team = new_team(server, a, "devs")
    err(call(server, "POST", f"/api/1/team/{team['id']}/invites", a.write, json=body), 422,
        message)
    assert result(call(server, "GET", "/api/1/invites", a.read)) == []


def test_account_invites_filter_page_and_errors(server: LiveServer, a: Account) -> None:
    one, two = new_team(server, a, "one"), new_team(server, a, "two")
    made = [result(call(server, "POST", f"/api/1/team/{t['id']}/invites", a.write,
                        json={"email": e}))
            for t, e in ((one, "x@a.test"), (two, "y@a.test"), (two, "x@a.test"))]
    assert result(call(server, "GET", "/api/1/invites", a.read)) == made
    only_x = result(call(server, "GET", "/api/1/invites", a.read, params={"email": "X@a.test"}))
    assert [i["id"] for i in only_x] == [made[0]["id"], made[2]["id"]]
    assert result(call(server, "GET", "/api/1/invites", a.read, params={"page": 2})) == []
    err(call(server, "GET", "/api/1/invites", a.read, params={"page": "two"}), 422,
        "page must be an integer")
    for bad in ("999999", "0", "abc", "-5"):
        err(call(server, "GET", f"/api/1/invite/{bad}", a.read), 404, "")
        err(call(server, "DELETE", f"/api/1/invite/{bad}", a.write), 404, "")
    err(call(server, "GET", "/api/1/team/999999/invites", a.read), 404, "Team not found")
    err(call(server, "POST", "/api/1/team/999999/invites", a.write,
             json={"email": "z@a.test"}), 404, "Team not found")


def test_deleting_a_team_removes_members_links_invites(server: LiveServer, a: Account,
                                                       engine: Engine) -> None:
    dev = add_user(engine, a, "dev@a.test")
    team = new_team(server, a, "devs")
    tid = team["id"]
    result(call(server, "PUT", f"/api/1/team/{tid}/user/{dev}", a.write))
    result(call(server, "PUT", f"/api/1/team/{tid}/project/{a.project_id}", a.write))
    invite = result(call(server, "POST", f"/api/1/team/{tid}/invites", a.write,
                         json={"email": "new@a.test"}))
    result(call(server, "DELETE", f"/api/1/team/{tid}", a.write))
    theirs = result(call(server, "GET", f"/api/1/user/{dev}/teams", a.read))["teams"]
    assert [t["name"] for t in theirs] == ["Everyone"]
    assert result(call(server, "GET", f"/api/1/user/{dev}/projects", a.read)) == {
        "projects": []}
    assert result(call(server, "GET", f"/api/1/project/{a.project_id}/teams", a.read,
                       params={"exclude_builtin_teams": "true"})) == []
    err(call(server, "GET", f"/api/1/invite/{invite['id']}", a.read), 404, "Invite not found")
    assert result(call(server, "GET", "/api/1/invites", a.read)) == []


# ---- access --------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/api/1/teams"), ("POST", "/api/1/teams"), ("GET", "/api/1/team/{team}"),
    ("DELETE", "/api/1/team/{team}"), ("GET", "/api/1/users"), ("GET", "/api/1/user/{user}"),
    ("GET", "/api/1/user/{user}/teams"), ("GET", "/api/1/user/{user}/projects"),
    ("GET", "/api/1/team/{team}/users"), ("GET", "/api/1/team/{team}/user/{user}"),
    ("PUT", "/api/1/team/{team}/user/{user}"), ("DELETE", "/api/1/team/{team}/user/{user}"),
    ("GET", "/api/1/team/{team}/projects"), ("GET", "/api/1/project/{project}/teams"),
    ("GET", "/api/1/team/{team}/project/{project}"),
    ("PUT", "/api/1/team/{team}/project/{project}"),
    ("DELETE", "/api/1/team/{team}/project/{project}"),
    ("GET", "/api/1/team/{team}/invites"), ("POST", "/api/1/team/{team}/invites"),
    ("GET", "/api/1/invite/{invite}"), ("DELETE", "/api/1/invite/{invite}"),
    ("GET", "/api/1/invites"),
]


def fill(path: str, ids: dict[str, int]) -> str:
    return path.format(**ids)


def fixture_ids(server: LiveServer, acct: Account, engine: Engine) -> dict[str, int]:
    """A custom team with a member, a project link and a pending invite."""
    dev = add_user(engine, acct, f"dev{acct.id}@x.test")
    team = new_team(server, acct, "devs")["id"]
    result(call(server, "PUT", f"/api/1/team/{team}/user/{dev}", acct.write))
    result(call(server, "PUT", f"/api/1/team/{team}/project/{acct.project_id}", acct.write))
    invite = result(call(server, "POST", f"/api/1/team/{team}/invites", acct.write,
                         json={"email": "pending@x.test"}))["id"]
    return {"team": team, "user": dev, "project": acct.project_id, "invite": invite}


def test_tokens_and_scopes(server: LiveServer, a: Account, engine: Engine) -> None:
    ids = fixture_ids(server, a, engine)
    body = {"name": "t", "email": "q@x.test"}
    for method, path in ENDPOINTS:
        url = fill(path, ids)
        need, wrong = (a.read, a.write) if method == "GET" else (a.write, a.read)
        err(call(server, method, url, json=body), 401, "access token required")
        err(call(server, method, url, wrong, json=body), 403, "insufficient privileges")
        for scope in ("read", "write", "post_server_item"):
            err(call(server, method, url, a.project_tokens[scope], json=body), 403,
                "an account access token is required")
        err(call(server, method, url, "0" * 32, json=body), 403, "access token not found")
    # the token may also come as a query parameter or in the body
    assert call(server, "GET", "/api/1/teams", params={"access_token": a.read}).status_code == 200
    made = call(server, "POST", "/api/1/teams", json={"name": "bodytok", "access_token": a.write})
    assert result(made)["name"] == "bodytok"


def test_account_b_never_sees_or_changes_account_a(server: LiveServer, a: Account,
                                                   b: Account, engine: Engine) -> None:
    ids = fixture_ids(server, a, engine)
    before = snapshot(server, a, ids)
    body = {"name": "stolen", "email": "b@b.test"}
    for method, path in ENDPOINTS:
        if "{" not in path:
            continue
        token = b.read if method == "GET" else b.write
        r = call(server, method, fill(path, ids), token, json=body)
        if method in ("PUT", "DELETE") and path.endswith("/user/{user}"):
            # Rollbar's documented quirks for team-user writes; the team is the first
            # thing checked, so nothing about A's user leaks either
            assert r.status_code in (404, 422), (method, path, r.text)
            assert "Team not found" in r.json()["message"]
        else:
            assert r.status_code == 404, (method, path, r.text)
        assert r.json()["err"] == 1
    # B's own lists hold only B's data
    b_teams = result(call(server, "GET", "/api/1/teams", b.read))
    assert {t["account_id"] for t in b_teams} == {b.id}
    assert [t["name"] for t in b_teams] == ["Owners", "Everyone"]
    assert result(call(server, "GET", "/api/1/users", b.read)) == {"users": [
        {"id": b.user_id, "username": "owner", "email": "owner@b.test"}]}
    assert result(call(server, "GET", "/api/1/users", b.read,
                       params={"email": "owner@a.test"})) == {"users": []}
    assert result(call(server, "GET", "/api/1/invites", b.read)) == []
    # B may not pull A's user into its teams, nor link A's project
    b_team = new_team(server, b, "devs")["id"]
    err(call(server, "PUT", f"/api/1/team/{b_team}/user/{a.user_id}", b.write), 403,
        "User not found for this account")
    err(call(server, "PUT", f"/api/1/team/{b_team}/project/{a.project_id}", b.write), 404,
        "Project not found")
    # inviting A's user's address from B creates a pending invite; A's user is untouched
    inv = result(call(server, "POST", f"/api/1/team/{b_team}/invites", b.write,
                      json={"email": "owner@a.test"}))
    assert inv["status"] == "pending"
    assert snapshot(server, a, ids) == before


def snapshot(server: LiveServer, acct: Account, ids: dict[str, int]) -> list[Any]:
    paths = ["/api/1/teams", "/api/1/users", "/api/1/invites",
             f"/api/1/team/{ids['team']}/users", f"/api/1/team/{ids['team']}/projects",
             f"/api/1/user/{acct.user_id}/teams", f"/api/1/user/{ids['user']}/projects",
             f"/api/1/invite/{ids['invite']}"]
    return [result(call(server, "GET", p, acct.read)) for p in paths]


def test_hostile_ids_and_bodies_never_500(server: LiveServer, a: Account) -> None:
    bad_ids = ["0", "-1", "9" * 40, "1e3", "0x10", "1;DROP TABLE teams", "%00", "null"]
    for method, path in ENDPOINTS:
        if "{" not in path:
            continue
        token = a.read if method == "GET" else a.write
        for bad in bad_ids:
            url = path.format(team=bad, user=bad, project=bad, invite=bad)
            r = call(server, method, url, token, json={"email": "a@b.co"})
            assert 400 <= r.status_code < 500, (method, url, r.status_code, r.text)
            assert r.json()["err"] == 1
    big = call(server, "POST", "/api/1/teams", a.write,
               content=b'{"name":"' + b"x" * 2_000_000 + b'"}')
    assert big.status_code == 413
    for page in ("9" * 19, "9" * 5000, "1.0", ""):
        r = call(server, "GET", "/api/1/teams", a.read, params={"page": page})
        assert r.status_code in (200, 422), r.text
