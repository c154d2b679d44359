"""POST /api/v2/auth/login and GET /api/v2/auth/logout (exceptionless-api.md §2.4).

Login checks a Tracehound user's e-mail and password (argon2, the web UI's users) and
answers `{"token": ...}`: the user's personal login token (store/login_tokens.py),
an access token of the user's account with `read` and `write` — Exceptionless's
`user` role. Signing in again returns the same token while it lives; logout deletes it.

Failures: a wrong e-mail or password is 401 "Login failed." (the same answer, and about
the same time, for an unknown e-mail). Past 5 failures for an e-mail or 15 from one
client address within 15 minutes, login answers 401 "Login denied: …" with
Retry-After until the window passes (Exceptionless's limits; kept in memory, per
process, like the web UI's sign-in limit).
"""

from __future__ import annotations

import functools
import math

from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth.passwords import hash_password, verify_password
from tracehound.auth.sessions import LoginLimiter
from tracehound.errors import Forbidden, Unauthenticated
from tracehound.protocols import http
from tracehound.protocols.exceptionless import auth
from tracehound.protocols.exceptionless.api_common import read_object
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.errors import ValidationFailed
from tracehound.protocols.exceptionless.routing import Route, empty, in_thread, json
from tracehound.services import Services
from tracehound.store import login_tokens
from tracehound.store import tokens as token_store
from tracehound.store.db import writer

MAX_EMAIL = 255
PASSWORD_LENGTH = (6, 100)  # Exceptionless's Login model
PER_EMAIL, PER_ADDRESS, WINDOW = 5, 15, 15 * 60


@functools.cache
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so both failures take the same time."""
    return hash_password("not a real password")


def credentials(body: dict[str, object]) -> tuple[str, str]:
    """(e-mail trimmed and lower-cased, password); 422 with per-field errors."""
    email, password = body.get("email"), body.get("password")
    errors: dict[str, list[str]] = {}
    if not isinstance(email, str) or not email.strip():
        errors["email"] = ["An e-mail address is required."]
    elif len(email.strip()) > MAX_EMAIL:
        errors["email"] = [f"The e-mail address must be at most {MAX_EMAIL} characters."]
    low, high = PASSWORD_LENGTH
    if not isinstance(password, str) or not password:
        errors["password"] = ["A password is required."]
    elif not low <= len(password) <= high:
        errors["password"] = [f"The password must be {low} to {high} characters long."]
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(email, str) and isinstance(password, str)
    return email.strip().lower(), password


def check_password(services: Services, email: str, password: str) -> tuple[int, int] | None:
    """(user id, account id) when the e-mail and password match, else None."""
    with services.engine.connect() as conn:
        found = token_store.find_user(conn, email)
    if found is None:
        verify_password(_dummy_hash(), password)
        return None
    user_id, account_id, stored = found
    return (user_id, account_id) if verify_password(stored, password) else None


def issue(services: Services, user_id: int, account_id: int) -> str:
    with writer(services.engine).begin() as conn:
        return login_tokens.login_token(conn, user_id=user_id, account_id=account_id)


def routes(services: Services) -> list[Route]:
    by_email = LoginLimiter(PER_EMAIL, WINDOW)
    by_address = LoginLimiter(PER_ADDRESS, WINDOW)

    async def login(request: Request) -> Response:
        """Trade an e-mail and password for the user's login token."""
        email, password = credentials(await read_object(request))
        email_key, address_key = f"email:{email}", f"ip:{http.client_ip(request) or '-'}"
        wait = max(by_email.retry_after([email_key]), by_address.retry_after([address_key]))
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            raise Unauthenticated(
                f"Login denied: too many failed attempts. Try again in {minutes} minute"
                f"{'s' if minutes > 1 else ''}.", headers={"Retry-After": str(math.ceil(wait))})
        found = await in_thread(check_password, services, email, password)
        if found is None:
            by_email.failed([email_key])
            by_address.failed([address_key])
            raise Unauthenticated("Login failed.")
        by_email.succeeded(email_key)
        token = await in_thread(issue, services, *found)
        return json({"token": token})

    async def logout(request: Request) -> Response:
        """Delete the calling login token; an API token cannot log out (403)."""
        token = auth.require(services, request, Policy.USER)
        if token.user_id is None:
            raise Forbidden("Logout needs a login token (from POST /api/v2/auth/login); "
                            "this is an API token.")

        def forget() -> None:
            with writer(services.engine).begin() as conn:
                login_tokens.forget(conn, token_id=token.id, user_id=token.user_id or 0)

        await in_thread(forget)
        services.tokens.forget(token.token)
        return empty(200)

    return [
        Route("POST", "/api/v2/auth/login", login,
              "Log in with an e-mail and password: the user's token (Exceptionless)"),
        Route("GET", "/api/v2/auth/logout", logout,
              "Log out: delete the calling login token (Exceptionless)"),
    ]
