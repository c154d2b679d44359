"""The settings page's token forms, validated with the same rules as the Rollbar
project-token API (protocols/rollbar/api_projects.py): a name of 1-255 printable
characters, scopes from the project-token scope set, rate-limit numbers within
0..MAX_RATE_LIMIT. Form fields are text, so numbers are ASCII digits only: a sign, a
space, '²' or a 40-digit value is refused with a message naming the field, never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracehound.model.project import PROJECT_TOKEN_SCOPES
from tracehound.store.admin_projects import MAX_RATE_LIMIT, MAX_TOKEN_NAME, TOKEN_STATUSES

SCOPES = tuple(s.value for s in PROJECT_TOKEN_SCOPES)
STATUSES = TOKEN_STATUSES
# offered in the window field's <datalist>: Rollbar's UI choices, in seconds
WINDOWS = ((60, "1 minute"), (300, "5 minutes"), (1800, "30 minutes"), (3600, "1 hour"),
           (86400, "1 day"), (604800, "1 week"))
_MAX_DIGITS = len(str(MAX_RATE_LIMIT))


class FormError(ValueError):
    """Input the page refuses (400), with the message shown to the user."""


@dataclass(frozen=True)
class RateLimit:
    """A token's own limit: `count` calls per `window` seconds; both None = no limit."""

    count: int | None
    window: int | None


@dataclass(frozen=True)
class NewToken:
    name: str
    scopes: tuple[str, ...]
    limit: RateLimit


def name(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise FormError("The token needs a name.")
    if len(text) > MAX_TOKEN_NAME or not text.isprintable():
        raise FormError(f"A token name is 1 to {MAX_TOKEN_NAME} printable characters.")
    return text


def scopes(values: Sequence[str]) -> tuple[str, ...]:
    """The ticked scopes, in the scope set's order; at least one, none unknown."""
    unknown = [v for v in values if v not in SCOPES]
    if unknown:
        raise FormError(f"Unknown scope {unknown[0][:40]!r}: scopes are "
                        + ", ".join(SCOPES) + ".")
    if not values:
        raise FormError("Tick at least one scope: " + ", ".join(SCOPES) + ".")
    return tuple(s for s in SCOPES if s in values)


def _number(raw: str, label: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        raise FormError(f"The {label} must be a whole number from 1 to {MAX_RATE_LIMIT}.")
    value = int(text)
    if not 1 <= value <= MAX_RATE_LIMIT:
        raise FormError(f"The {label} must be a whole number from 1 to {MAX_RATE_LIMIT}.")
    return value


def rate_limit(count_raw: str, window_raw: str) -> RateLimit:
    """Both numbers, or neither (no limit): a count without a window limits nothing,
    so half a limit is refused rather than stored."""
    count = _number(count_raw, "rate limit count")
    window = _number(window_raw, "rate limit window (seconds)")
    if (count is None) != (window is None):
        raise FormError("A rate limit needs both a count and a window in seconds "
                        "(leave both empty for no limit).")
    return RateLimit(count, window)


def status(raw: str) -> str:
    if raw not in STATUSES:
        raise FormError("The status must be enabled or disabled.")
    return raw


def new_token(name_raw: str, scope_values: Sequence[str], count_raw: str,
              window_raw: str) -> NewToken:
    return NewToken(name(name_raw), scopes(scope_values), rate_limit(count_raw, window_raw))


def object_id(raw: str) -> int | None:
    """A row id from a URL path: None (→ 404) unless 1-18 ASCII digits and not 0."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw) or None


def window_label(seconds: int) -> str:
    """"1 hour" for a window the form offers, else "N seconds"."""
    return dict(WINDOWS).get(seconds) or f"{seconds} seconds"
