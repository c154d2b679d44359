"""Who is calling a Bugsnag path, and what they may do. Used by both sides.

Notify and sessions (bugsnag-api.md A2): the project's notifier API key, from the
`Bugsnag-Api-Key` header or else the body's `apiKey` (when both are sent and differ,
the header wins). A Tracehound project token with a post scope (`post_server_item` or
`post_client_item`) *is* a Bugsnag API key: Tracehound tokens are 32 hex characters,
the shape Bugsnag's keys have, so notifiers that check the key's form accept them.

Data Access API (B1): `Authorization: token <token>` (also `Bearer <token>`), or the
`auth_token` query parameter when no such header is sent. Bugsnag's personal auth
token acts as its user; Tracehound's closest thing is a `read` (and, to change things,
`write`) scoped token: a project token sees its project, an account token its account's
projects. HTTP Basic with an e-mail and password is not supported (401 saying so).

Answers: no key or token, an unknown or disabled one, or a token that is not a
notifier key on notify → 401; a Data Access token without the scope a call needs →
403; anything the token cannot see → 404 (B1: never 403 for hidden data).
"""

from __future__ import annotations

from starlette.requests import Request

from tracehound.errors import Forbidden, NotFound, Unauthenticated
from tracehound.model.project import AccessToken, Project, Scope
from tracehound.services import Services
from tracehound.store import projects

API_KEY_HEADER = "bugsnag-api-key"
QUERY_TOKEN = "auth_token"


def lookup(services: Services, text: str) -> AccessToken:
    """The token `text` names: 401 when it is unknown or disabled (cached lookup)."""
    found = services.tokens.get(text) if text and len(text) <= 256 else None
    if found is None:
        raise Unauthenticated("Invalid API key or auth token.")
    if not found.enabled:
        raise Unauthenticated("This API key or auth token is disabled.")
    return found


# -- notify and sessions --------------------------------------------------------------

def header_key(request: Request) -> str | None:
    value = request.headers.get(API_KEY_HEADER)
    return value.strip() if value and value.strip() else None


def notifier(services: Services, key: str | None) -> tuple[AccessToken, int]:
    """(token, project id) of a notifier API key; 401 unless it is a project post token."""
    if not key:
        raise Unauthenticated("No API key: send the Bugsnag-Api-Key header or an apiKey "
                              "field in the body.")
    token = lookup(services, key)
    if token.project_id is None or not (
            token.has(Scope.POST_SERVER_ITEM) or token.has(Scope.POST_CLIENT_ITEM)):
        raise Unauthenticated("This key cannot report errors: use a project token with "
                              "the post_server_item or post_client_item scope.")
    return token, token.project_id


# -- Data Access API ------------------------------------------------------------------

def token_text(request: Request) -> str | None:
    """The Data Access token the request carries, or None; 401 for a header that
    cannot be used."""
    header = request.headers.get("authorization")
    if header is not None and header.strip():
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() in ("token", "bearer"):
            if not rest.strip():
                raise Unauthenticated("Invalid Authorization header: no token.")
            return rest.strip()
        if scheme.lower() == "basic":
            raise Unauthenticated("Basic authentication with an e-mail and password is not "
                                  "supported: send Authorization: token <token>.")
        raise Unauthenticated("Invalid Authorization header: send Authorization: token "
                              "<token>.")
    value = request.query_params.get(QUERY_TOKEN)
    return value.strip() if value and value.strip() else None


def require(services: Services, request: Request, scope: Scope = Scope.READ) -> AccessToken:
    """The calling Data Access token, holding `scope`: 401 without a usable token, 403
    when it lacks the scope."""
    text = token_text(request)
    if not text:
        raise Unauthenticated("Authentication required: send Authorization: token <token>.")
    token = lookup(services, text)
    if not token.has(scope):
        has = ", ".join(sorted(token.scopes)) or "no scope"
        raise Forbidden(f"This token may not do that: the '{scope.value}' scope is "
                        f"required, and the token has {has}.")
    return token


def sees_account(token: AccessToken, account_id: int) -> bool:
    return token.account_id == account_id


def visible_project(services: Services, token: AccessToken, project_id: int | None) -> Project:
    """The project, when the token may see it; 404 otherwise (also for a deleted one or
    an id that is not one). Blocking: call it through `in_thread`."""
    if project_id is None or (token.project_id is not None and token.project_id != project_id):
        raise NotFound("Project not found.")
    with services.engine.connect() as conn:
        project = projects.get_project(conn, project_id)
    if project is None or project.account_id != token.account_id \
            or project.status == "deleted":
        raise NotFound("Project not found.")
    return project
