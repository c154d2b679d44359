"""Rollbar API: teams, users, team members and projects, invites (rollbar-api.md §14).

All of it takes an account access token: `read` for GET, `write` for the rest. Every id
in a path is looked up within the token's account, so another account's team, user,
project or invite answers exactly like one that does not exist. See docs/api/teams.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import Forbidden, InvalidPayload, NotFound
from tracehound.model.project import Scope
from tracehound.protocols.rollbar.access import account_caller, read_body
from tracehound.protocols.rollbar.routing import Route, in_thread, ok
from tracehound.services import Services
from tracehound.store import invites, teams
from tracehound.store.db import writer
from tracehound.store.invites import Invite
from tracehound.store.teams import Page, Team, User

PER_PAGE = 5000  # Rollbar's page for team users and invites; used for every list here
MAX_ID = 2**63 - 1  # past this no row can match, and drivers refuse the value
MAX_NAME = 32
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": False}

TEAM_NOT_FOUND = "Team not found in this account."
USER_NOT_FOUND = "User not found in this account."
PROJECT_NOT_FOUND = "Project not found in this account."
INVITE_NOT_FOUND = "Invite not found in this account."


@dataclass(frozen=True)
class Call:
    """One authenticated request: the caller's account and what it sent."""

    account_id: int
    token_id: int
    request: Request
    body: dict[str, Any]

    def path_id(self, name: str) -> int:
        """A positive integer path id; anything else cannot name a row → 404."""
        raw = self.request.path_params[name]
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
            raise NotFound(f"{name} must be a positive integer")
        return int(raw)

    def page(self) -> Page:
        raw = self.request.query_params.get("page") or "1"
        try:
            page = int(raw)
        except ValueError:
            raise InvalidPayload(f"page must be an integer, got {raw[:40]!r}") from None
        if page < 1:
            raise InvalidPayload("page must be at least 1")
        return Page(PER_PAGE, (page - 1) * PER_PAGE)  # a huge page is past the end

    def email_param(self) -> str | None:
        raw = self.request.query_params.get("email")
        return raw.strip().lower() if raw else None


Handler = Callable[[Call], Response]


def team_json(t: Team) -> dict[str, Any]:
    return {"id": t.id, "account_id": t.account_id, "name": t.name,
            "access_level": t.access_level}


def user_json(u: User, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": u.id, "username": u.username, "email": u.email}
    if full:
        out["email_enabled"] = int(u.email_enabled)
    return out


def invite_json(i: Invite) -> dict[str, Any]:
    return {"id": i.id, "from_user_id": i.from_user_id, "team_id": i.team_id,
            "to_email": i.to_email, "status": i.status, "date_created": int(i.date_created),
            "date_redeemed": None if i.date_redeemed is None else int(i.date_redeemed)}


def _team_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidPayload("name must be a string")
    name = (name or "").strip()
    if not name:
        raise InvalidPayload("name is required")
    if len(name) > MAX_NAME or not name.isprintable():
        raise InvalidPayload(f"name must be at most {MAX_NAME} printable characters")
    return name


def _access_level(body: dict[str, Any]) -> str:
    level = body.get("access_level")
    if level is None or level == "":
        return "standard"
    if level not in teams.ACCESS_LEVELS:
        raise InvalidPayload("access_level must be one of " + ", ".join(teams.ACCESS_LEVELS))
    return str(level)


def _email(body: dict[str, Any]) -> str:
    email = body.get("email")
    if email is None or email == "":
        raise InvalidPayload("email is required")
    if not isinstance(email, str) or len(email) > MAX_EMAIL \
            or not _EMAIL.match(email.strip()):
        raise InvalidPayload("email must be a valid email address")
    return email.strip().lower()


class TeamsApi:
    def __init__(self, services: Services) -> None:
        self.s = services

    def route(self, method: str, path: str, handler: Handler, summary: str) -> Route:
        """An async endpoint: read the body (POST), then auth and handler in a thread."""
        scope = Scope.READ if method == "GET" else Scope.WRITE

        async def endpoint(request: Request) -> Response:
            body = await read_body(request) if method == "POST" else {}
            return await in_thread(self._run, request, body, scope, handler)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return Route(method, path, endpoint, summary)

    def _run(self, request: Request, body: dict[str, Any], scope: Scope,
             handler: Handler) -> Response:
        caller = account_caller(self.s, request, scope, body or None)
        call = Call(caller.account_id, caller.token.id, request, body)
        self._ensure_builtins(call.account_id)
        return handler(call)

    def _ensure_builtins(self, account_id: int) -> None:
        """Owners and Everyone exist and are filled; written only when they are not."""
        with self.s.engine.connect() as conn:
            if teams.builtins_ready(conn, account_id):
                return
        with writer(self.s.engine).begin() as conn:
            teams.ensure_builtins(conn, account_id)

    def _team(self, conn: Any, call: Call, *, lock: bool = False,
              missing: str = TEAM_NOT_FOUND) -> Team:
        team = teams.get_team(conn, call.account_id, call.path_id("team_id"), lock=lock)
        if team is None:
            raise NotFound(missing)
        return team

    def _project_id(self, conn: Any, call: Call, *, lock: bool = False) -> int:
        project_id = call.path_id("project_id")
        if not teams.project_in_account(conn, call.account_id, project_id, lock=lock):
            raise NotFound(PROJECT_NOT_FOUND)
        return project_id

    def _user(self, conn: Any, call: Call) -> User:
        user = teams.get_user(conn, call.account_id, call.path_id("user_id"))
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        return user

    # ---- teams ----------------------------------------------------------------------

    def list_teams(self, call: Call) -> Response:
        """The account's teams, built-in ones included, by id."""
        page = call.page()
        with self.s.engine.connect() as conn:
            return ok([team_json(t) for t in teams.list_teams(conn, call.account_id, page)])

    def create_team(self, call: Call) -> Response:
        """A new team; names are unique in the account, ignoring case."""
        name, level = _team_name(call.body), _access_level(call.body)
        with writer(self.s.engine).begin() as conn:
            teams.lock_account(conn, call.account_id)
            if teams.find_team(conn, call.account_id, name) is not None:
                raise InvalidPayload(f"A team named {name!r} already exists in this account")
            team = teams.create_team(conn, call.account_id, name, level)
        return ok(team_json(team))

    def get_team(self, call: Call) -> Response:
        """One team."""
        with self.s.engine.connect() as conn:
            return ok(team_json(self._team(conn, call)))

    def delete_team(self, call: Call) -> Response:
        """Delete a team with its memberships, project links and invites."""
        with writer(self.s.engine).begin() as conn:
            team = self._team(conn, call)
            if team.builtin:
                raise InvalidPayload(f"The {team.name} team cannot be deleted")
            teams.delete_team(conn, team.id)
        return ok()

    # ---- users ----------------------------------------------------------------------

    def list_users(self, call: Call) -> Response:
        """The account's users, optionally the one with `email`."""
        with self.s.engine.connect() as conn:
            found = teams.list_users(conn, call.account_id, call.email_param())
        return ok({"users": [user_json(u) for u in found]})

    def get_user(self, call: Call) -> Response:
        """One user, with `email_enabled`."""
        with self.s.engine.connect() as conn:
            return ok(user_json(self._user(conn, call), full=True))

    def user_teams(self, call: Call) -> Response:
        """The teams a user is on."""
        with self.s.engine.connect() as conn:
            user = self._user(conn, call)
            found = teams.teams_of_user(conn, call.account_id, user.id)
        return ok({"teams": [team_json(t) for t in found]})

    def user_projects(self, call: Call) -> Response:
        """The projects a user reaches through their teams."""
        with self.s.engine.connect() as conn:
            user = self._user(conn, call)
            found = teams.projects_of_user(conn, call.account_id, user.id)
        return ok({"projects": [
            {"id": p.id, "account_id": p.account_id, "slug": p.name,
             "status": 1 if p.status == "enabled" else 2} for p in found]})

    # ---- team members ---------------------------------------------------------------

    def team_users(self, call: Call) -> Response:
        """A team's members as `{team_id, user_id}` pairs (OpenAPI form)."""
        page = call.page()
        with self.s.engine.connect() as conn:
            team = self._team(conn, call)
            ids = teams.member_ids(conn, team.id, page)
        return ok([{"team_id": team.id, "user_id": uid} for uid in ids])

    def get_team_user(self, call: Call) -> Response:
        """Whether a user is on a team."""
        with self.s.engine.connect() as conn:
            team = self._team(conn, call)
            user_id = call.path_id("user_id")
            if not teams.is_member(conn, team.id, user_id):
                raise NotFound("User is not on this Team.")
        return ok({"team_id": team.id, "user_id": user_id})

    def put_team_user(self, call: Call) -> Response:
        """Add a user of the account to a team (no-op when already on it)."""
        with writer(self.s.engine).begin() as conn:
            team = self._team(conn, call, lock=True)
            user_id = call.path_id("user_id")
            if teams.get_user(conn, call.account_id, user_id) is None:
                raise Forbidden("User not found for this account")
            teams.add_member(conn, team.id, user_id)
        return ok({"team_id": team.id, "user_id": user_id})

    def delete_team_user(self, call: Call) -> Response:
        """Remove a user from a team (no-op when not on it)."""
        with writer(self.s.engine).begin() as conn:
            team = teams.get_team(conn, call.account_id, call.path_id("team_id"))
            if team is None:
                raise InvalidPayload("Team not found for this account")
            user_id = call.path_id("user_id")
            if teams.get_user(conn, call.account_id, user_id) is None:
                raise InvalidPayload("User not found for this account")
            if team.access_level == teams.EVERYONE:
                raise InvalidPayload("Users cannot be removed from the Everyone team")
            if team.access_level == teams.OWNER and teams.is_member(conn, team.id, user_id) \
                    and teams.member_count(conn, team.id) == 1:
                raise InvalidPayload("The Owners team must keep at least one member")
            teams.remove_member(conn, team.id, user_id)
        return ok()

    # ---- team projects --------------------------------------------------------------

    def team_projects(self, call: Call) -> Response:
        """The projects a team reaches as `{team_id, project_id}` pairs."""
        page = call.page()
        with self.s.engine.connect() as conn:
            team = self._team(conn, call)
            ids = teams.team_project_ids(conn, team, page)
        return ok([{"team_id": team.id, "project_id": pid} for pid in ids])

    def project_teams(self, call: Call) -> Response:
        """The teams reaching a project; `exclude_builtin_teams` drops Owners/Everyone."""
        raw = call.request.query_params.get("exclude_builtin_teams", "").strip().lower()
        if raw not in _FLAGS:
            raise InvalidPayload("exclude_builtin_teams must be 1, true, 0 or false")
        with self.s.engine.connect() as conn:
            project_id = self._project_id(conn, call)
            ids = teams.project_team_ids(conn, call.account_id, project_id,
                                         builtin=not _FLAGS[raw])
        return ok([{"team_id": tid, "project_id": project_id} for tid in ids])

    def get_team_project(self, call: Call) -> Response:
        """Whether a team reaches a project."""
        with self.s.engine.connect() as conn:
            team = self._team(conn, call)
            project_id = self._project_id(conn, call)
            if not teams.team_has_project(conn, team, project_id):
                raise NotFound("Project is not in this Team.")
        return ok({"team_id": team.id, "project_id": project_id})

    def put_team_project(self, call: Call) -> Response:
        """Give a team a project (Owners already reach every project)."""
        with writer(self.s.engine).begin() as conn:
            team = self._team(conn, call, lock=True)
            project_id = self._project_id(conn, call, lock=True)
            if team.access_level != teams.OWNER:
                teams.link_project(conn, team.id, project_id)
        return ok({"team_id": team.id, "project_id": project_id})

    def delete_team_project(self, call: Call) -> Response:
        """Take a project from a team (no-op when the team did not have it)."""
        with writer(self.s.engine).begin() as conn:
            team = self._team(conn, call)
            project_id = self._project_id(conn, call)
            if team.access_level == teams.OWNER:
                raise InvalidPayload("The Owners team reaches every project of the account")
            teams.unlink_project(conn, team.id, project_id)
        return ok()

    # ---- invites --------------------------------------------------------------------

    def team_invites(self, call: Call) -> Response:
        """A team's invites, every state, oldest first."""
        page = call.page()
        with self.s.engine.connect() as conn:
            team = self._team(conn, call)
            found = invites.list_invites(conn, call.account_id, page, team_id=team.id)
        return ok([invite_json(i) for i in found])

    def create_invite(self, call: Call) -> Response:
        """Invite an address to a team; a user of the account joins at once."""
        email = _email(call.body)
        with writer(self.s.engine).begin() as conn:
            team = self._team(conn, call, lock=True)
            sender = invites.token_user_id(conn, call.token_id)
            user = next(iter(teams.list_users(conn, call.account_id, email)), None)
            if user is not None:
                teams.add_member(conn, team.id, user.id)
            elif (open_invite := invites.pending(conn, team.id, email)) is not None:
                return ok(invite_json(open_invite))
            invite = invites.create(conn, account_id=call.account_id, team_id=team.id,
                                    to_email=email, from_user_id=sender,
                                    accepted=user is not None)
        return ok(invite_json(invite))

    def get_invite(self, call: Call) -> Response:
        """One invite."""
        with self.s.engine.connect() as conn:
            invite = invites.get(conn, call.account_id, call.path_id("invite_id"))
        if invite is None:
            raise NotFound(INVITE_NOT_FOUND)
        return ok(invite_json(invite))

    def cancel_invite(self, call: Call) -> Response:
        """Cancel a pending invite."""
        with writer(self.s.engine).begin() as conn:
            invite = invites.get(conn, call.account_id, call.path_id("invite_id"))
            if invite is None:
                raise NotFound(INVITE_NOT_FOUND)
            if invite.status != invites.PENDING or not invites.cancel(conn, invite.id):
                raise InvalidPayload(f"Invite already {invite.status}")
        return ok()

    def list_invites(self, call: Call) -> Response:
        """The account's invites, every state, optionally to one `email`."""
        page = call.page()
        with self.s.engine.connect() as conn:
            found = invites.list_invites(conn, call.account_id, page,
                                         to_email=call.email_param())
        return ok([invite_json(i) for i in found])


def routes(services: Services) -> list[Route]:
    api = TeamsApi(services)
    r = api.route
    return [
        r("GET", "/api/1/teams", api.list_teams, "List teams"),
        r("POST", "/api/1/teams", api.create_team, "Create a team"),
        r("GET", "/api/1/team/{team_id}", api.get_team, "Get a team"),
        r("DELETE", "/api/1/team/{team_id}", api.delete_team, "Delete a team"),
        r("GET", "/api/1/users", api.list_users, "List the account's users"),
        r("GET", "/api/1/user/{user_id}", api.get_user, "Get a user"),
        r("GET", "/api/1/user/{user_id}/teams", api.user_teams, "A user's teams"),
        r("GET", "/api/1/user/{user_id}/projects", api.user_projects, "A user's projects"),
        r("GET", "/api/1/team/{team_id}/users", api.team_users, "A team's members"),
        r("GET", "/api/1/team/{team_id}/user/{user_id}", api.get_team_user,
          "Is a user on a team"),
        r("PUT", "/api/1/team/{team_id}/user/{user_id}", api.put_team_user,
          "Add a user to a team"),
        r("DELETE", "/api/1/team/{team_id}/user/{user_id}", api.delete_team_user,
          "Remove a user from a team"),
        r("GET", "/api/1/team/{team_id}/projects", api.team_projects, "A team's projects"),
        r("GET", "/api/1/project/{project_id}/teams", api.project_teams, "A project's teams"),
        r("GET", "/api/1/team/{team_id}/project/{project_id}", api.get_team_project,
          "Does a team have a project"),
        r("PUT", "/api/1/team/{team_id}/project/{project_id}", api.put_team_project,
          "Give a team a project"),
        r("DELETE", "/api/1/team/{team_id}/project/{project_id}", api.delete_team_project,
          "Take a project from a team"),
        r("GET", "/api/1/team/{team_id}/invites", api.team_invites, "A team's invites"),
        r("POST", "/api/1/team/{team_id}/invites", api.create_invite, "Invite to a team"),
        r("GET", "/api/1/invite/{invite_id}", api.get_invite, "Get an invite"),
        r("DELETE", "/api/1/invite/{invite_id}", api.cancel_invite, "Cancel an invite"),
        r("GET", "/api/1/invites", api.list_invites, "The account's invites"),
    ]
