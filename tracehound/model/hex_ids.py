"""Integer ids written as 24-digit hex, the ObjectId-shaped ids Bugsnag and
Exceptionless clients expect.

An integer is written as its 24-digit, zero-padded lowercase hex form, which parses
back exactly: 7 is `000000000000000000000007`, so an item reads the same in every API
that uses this form. Anything else in an id position (wrong length, not hex, zero, past
2^63 - 1 which the databases cannot hold) decodes to None, which the adapters answer
with 404, never a 400 or a 500.
"""

from __future__ import annotations

import re

WIDTH = 24
MAX_ID = 2**63 - 1
_HEX = re.compile(r"^[0-9a-fA-F]{24}$")


def encode(value: int) -> str:
    """A Tracehound id as 24 lowercase hex digits."""
    if not 0 <= value <= MAX_ID:
        raise ValueError(f"id out of range: {value}")
    return f"{value:0{WIDTH}x}"


def decode(text: str) -> int | None:
    """The Tracehound id a 24-hex id stands for; None when it cannot be one."""
    if not _HEX.match(text):
        return None
    value = int(text, 16)
    return value if 1 <= value <= MAX_ID else None


def decode_many(text: str, limit: int = 100) -> list[int] | None:
    """Comma-separated ids (bulk operations): None when any is not an id."""
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
