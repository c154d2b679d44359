"""Where a Sentry SDK puts its key: X-Sentry-Auth, the query string, or the envelope's DSN.

sentry-ingest.md §2: `sentry_key` is the project's public key (a Tracehound post token);
`sentry_secret`, `sentry_version` and `sentry_timestamp` are accepted and ignored. When
several carriers name a key they must agree.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tracehound.errors import BadPayload, Forbidden, Unauthenticated

_KEY = re.compile(r"^\w{1,64}$")


def parse_auth_header(value: str) -> dict[str, str]:
    """`Sentry sentry_key=…, sentry_version=7, …` → {key: value}; quotes tolerated."""
    text = value.strip()
    if text[:6].lower() == "sentry":
        text = text[6:]
    out: dict[str, str] = {}
    for part in text.split(","):
        name, sep, val = part.strip().partition("=")
        if sep:
            out[name.strip().lower()] = val.strip().strip('"')
    return out


def key_from_dsn(dsn: object) -> tuple[str, int | None] | None:
    """(public key, project id) of a DSN string; None when it is not one."""
    if not isinstance(dsn, str):
        return None
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.username:
        return None
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return parts.username, int(last) if last.isascii() and last.isdigit() else None


def find_key(header: str | None, query_key: str | None, dsn: object) -> str:
    """The one key the request carries: 401 when none, 403 when carriers disagree."""
    keys: list[str] = []
    if header:
        key = parse_auth_header(header).get("sentry_key")
        if key:
            keys.append(key)
    if query_key:
        keys.append(query_key)
    from_dsn = key_from_dsn(dsn)
    if from_dsn is not None:
        keys.append(from_dsn[0])
    if not keys:
        raise Unauthenticated("missing authorization information: send sentry_key in "
                              "the X-Sentry-Auth header or the query string")
    if any(k != keys[0] for k in keys[1:]):
        raise Forbidden("conflicting sentry_key values in one request")
    if not _KEY.match(keys[0]):
        raise BadPayload("invalid sentry_key: expected letters, digits or underscores")
    return keys[0]
