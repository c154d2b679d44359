"""Exceptionless ids ⇄ Tracehound ids.

Exceptionless names organizations, projects, stacks and events by 24 lowercase hex
characters (a MongoDB ObjectId, exceptionless-api.md §1.1). Tracehound's ids are
integers. An integer is written as its 24-digit, zero-padded hex form, which parses
back exactly: project 7 is `000000000000000000000007`.

| Exceptionless  | Tracehound            |
| organization   | account               |
| project        | project               |
| stack          | item                  |
| event          | occurrence            |

Anything else in an id position (wrong length, not hex, past 2^63 - 1 which the
databases cannot hold) is "not found", as Exceptionless's route constraint makes it.
"""

from __future__ import annotations

import re

WIDTH = 24
MAX_ID = 2**63 - 1
_HEX = re.compile(r"^[0-9a-fA-F]{24}$")
# Exceptionless's {id:objectid} route constraint (§1.1): what a route may carry at all
OBJECT_ID = re.compile(r"^[a-zA-Z\d]{24,36}$")
# {referenceId:identifier}, {sessionId:identifier}
IDENTIFIER = re.compile(r"^[a-zA-Z\d-]{8,100}$")


def encode(value: int) -> str:
    """A Tracehound id as an Exceptionless id: 24 lowercase hex digits."""
    if not 0 <= value <= MAX_ID:
        raise ValueError(f"id out of range: {value}")
    return f"{value:0{WIDTH}x}"


def decode(text: str) -> int | None:
    """The Tracehound id an Exceptionless id stands for; None when it cannot be one."""
    if not _HEX.match(text):
        return None
    value = int(text, 16)
    return value if 1 <= value <= MAX_ID else None


def decode_many(text: str, limit: int = 100) -> list[int] | None:
    """`{ids:objectids}`: comma-separated ids; None when any is not one (→ 404)."""
    parts = text.split(",")
    if not 1 <= len(parts) <= limit:
        return None
    out = []
    for part in parts:
        value = decode(part.strip())
        if value is None:
            return None
        out.append(value)
    return out
