"""Who is calling the Exceptionless API, and what they may do (exceptionless-api.md §2).

Both sides of the adapter (ingest and the read/admin API) start with
`require(services, request, policy)`. The token comes from the `Authorization` header
(`Bearer`, `token`, or `Basic` in the §2.1 forms), or, only when no such header is
sent, from the `access_token`, `api_key` or `apikey` query parameter. It is looked up
through the same token cache as every other protocol: an Exceptionless token *is* a
Tracehound access token.

Scopes. Exceptionless has roles `client` ⊂ `user` ⊂ `global`; Tracehound tokens carry
Rollbar's scopes. The policies below say which Tracehound scopes satisfy each
Exceptionless policy:

| policy   | Exceptionless role / policy          | satisfied by (Tracehound)                     |
| CLIENT   | client: post events, descriptions,   | post_server_item or post_client_item, or a    |
|          | heartbeats, read client config       | token with read and write (user ⊃ client)     |
| READ     | ProjectsRead, StacksRead, EventsRead | read                                          |
| WRITE    | StacksWrite                          | write                                         |
| USER     | user                                 | read and write                                |
| GLOBAL   | global (system administrator)        | an account token (no project) with read and   |
|          |                                      | write: the widest token Tracehound has; it    |
|          |                                      | reaches its own account only                  |

Unknown, implausible or disabled token, or none at all → 401; a token without the
policy's scopes → 403 (Exceptionless answers the same two statuses, §2.1, §2.2).
"""

from __future__ import annotations

import base64
import binascii
import enum

from starlette.requests import Request

from tracehound.errors import BadPayload, Forbidden, NotFound, TracehoundError, Unauthenticated
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols.exceptionless import ids
from tracehound.services import Services
from tracehound.store import projects

QUERY_KEYS = ("access_token", "api_key", "apikey")  # in the order Exceptionless reads them


class Policy(enum.Enum):
    CLIENT = "client"
    READ = "read"
    WRITE = "write"
    USER = "user"
    GLOBAL = "global"


# What an Exceptionless scope string means in Tracehound scopes, for creating tokens
# through the Exceptionless API (`client` tokens post from browsers and servers alike).
SCOPES: dict[str, tuple[Scope, ...]] = {
    "client": (Scope.POST_SERVER_ITEM, Scope.POST_CLIENT_ITEM),
    "user": (Scope.POST_SERVER_ITEM, Scope.POST_CLIENT_ITEM, Scope.READ, Scope.WRITE),
    "global": (Scope.POST_SERVER_ITEM, Scope.POST_CLIENT_ITEM, Scope.READ, Scope.WRITE),
}


def _user(token: AccessToken) -> bool:
    return token.has(Scope.READ) and token.has(Scope.WRITE)


def satisfies(token: AccessToken, policy: Policy) -> bool:
    if policy is Policy.CLIENT:
        return token.has(Scope.POST_SERVER_ITEM) or token.has(Scope.POST_CLIENT_ITEM) \
            or _user(token)
    if policy is Policy.READ:
        return token.has(Scope.READ)
    if policy is Policy.WRITE:
        return token.has(Scope.WRITE)
    if policy is Policy.USER:
        return _user(token)
    return token.project_id is None and _user(token)


def exceptionless_scopes(token: AccessToken) -> list[str]:
    """The Exceptionless roles a token holds, for rendering it (ViewToken.scopes)."""
    return [p.value for p in (Policy.CLIENT, Policy.USER, Policy.GLOBAL)
            if satisfies(token, p)]


def _basic(credentials: str) -> str:
    """The token inside `Basic base64(...)`: `client:<token>`, `<token>:x-oauth-basic`
    or `<token>:` (§2.1)."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Unauthenticated("Invalid Authorization header: Basic credentials are not "
                              "base64.") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthenticated("Invalid Authorization header: Basic credentials need a colon.")
    if user.lower() == "client" and password:
        return password
    if password in ("", "x-oauth-basic") and user:
        return user
    raise Unauthenticated("Basic authentication with an e-mail and password is not "
                          "supported here: send a token (Authorization: Bearer <token>).")


def token_text(request: Request) -> str | None:
    """The token the request carries, or None; 401 when the header cannot be parsed."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, rest = header.strip().partition(" ")
        scheme, rest = scheme.lower(), rest.strip()
        if scheme in ("bearer", "token", "basic"):
            if not rest:
                raise Unauthenticated("Invalid Authorization header: no credentials.")
            return _basic(rest) if scheme == "basic" else rest
    params = request.query_params
    for key in QUERY_KEYS:
        value = params.get(key)
        if value:
            return value.strip()
    return None


def authenticate(services: Services, request: Request) -> AccessToken:
    """The calling token: 401 when there is none, or it is unknown or disabled."""
    text = token_text(request)
    if not text:
        raise Unauthenticated("Authorization required: send Authorization: Bearer <token> "
                              "or the access_token query parameter.")
    found = services.tokens.get(text)
    if found is None:
        raise Unauthenticated("Invalid or unknown token.")
    if not found.enabled:
        raise Unauthenticated("The token is disabled.")
    return found


def require(services: Services, request: Request, policy: Policy) -> AccessToken:
    """The calling token, holding `policy` (401 / 403 otherwise)."""
    token = authenticate(services, request)
    if not satisfies(token, policy):
        has = ", ".join(sorted(token.scopes)) or "no scope"
        raise Forbidden(f"This token may not do that: the '{policy.value}' role is "
                        f"required, and the token has {has}.")
    return token


def client_project(services: Services, token: AccessToken, route_id: str | None, *,
                   missing: type[TracehoundError] = BadPayload) -> int:
    """The project a client call acts on (§2.3): the route's, else the token's.

    A route project the token cannot reach → 404 "Project not found."; no project at
    all → `missing` (400 for event posts, 401 for config and heartbeat).
    """
    if route_id is not None:
        project_id = ids.decode(route_id)
        if project_id is None:
            raise NotFound("Project not found.")
        if token.project_id is not None:
            if token.project_id != project_id:
                raise NotFound("Project not found.")
            return project_id
        with services.engine.connect() as conn:
            project = projects.get_project(conn, project_id)
        if project is None or project.account_id != token.account_id \
                or project.status == "deleted":
            raise NotFound("Project not found.")
        return project_id
    if token.project_id is None:
        raise missing("No project id specified and no default project was found.")
    return token.project_id
