"""The internal error vocabulary. Adapters render these in their vendor's shape."""

from __future__ import annotations


class TracehoundError(Exception):
    """Base class: carries the HTTP status an adapter should answer with."""

    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadPayload(TracehoundError):
    """The body could not be read or parsed at all (400)."""

    status = 400


class Unauthenticated(TracehoundError):
    """No credentials were sent (401)."""

    status = 401


class Forbidden(TracehoundError):
    """Credentials are unknown, disabled or lack the scope (403)."""

    status = 403


class NotFound(TracehoundError):
    status = 404


class Conflict(TracehoundError):
    """The object's state forbids the change, e.g. a finished deploy (409)."""

    status = 409


class PayloadTooLarge(TracehoundError):
    status = 413


class InvalidPayload(TracehoundError):
    """Parseable, but required fields are missing or of the wrong type (422)."""

    status = 422


class RateLimited(TracehoundError):
    status = 429


class Unavailable(TracehoundError):
    """The server cannot take the event durably right now (503); the client should retry."""

    status = 503
