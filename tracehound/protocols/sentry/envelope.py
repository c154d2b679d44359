"""The Sentry envelope format: a header line, then items of header line + payload.

Pure parsing, no IO. Follows ../shared/protocols/sentry-ingest.md §5.1: an item with a
`length` is exactly that many bytes (then `\\n` or the end); without one it runs to the
next `\\n`; `\\r` is data; unknown keys and item types are kept for the caller to skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tracehound.errors import BadPayload

MAX_ITEMS = 1000  # an envelope of more items than this is hostile, not a real SDK's


@dataclass(frozen=True)
class Item:
    headers: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        value = self.headers.get("type")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Envelope:
    headers: dict[str, Any]
    items: list[Item]


def _header(line: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadPayload(f"invalid {what} header: {exc}") from None
    if not isinstance(value, dict):
        raise BadPayload(f"invalid {what} header: expected a JSON object")
    return value


def parse(body: bytes) -> Envelope:
    """Parse a whole envelope; raises BadPayload naming the first problem."""
    if not body.strip():
        raise BadPayload("empty envelope")
    end = body.find(b"\n")
    first = body if end < 0 else body[:end]
    headers = _header(first, "envelope")
    pos = len(body) if end < 0 else end + 1
    items: list[Item] = []
    size = len(body)
    while pos < size:
        end = body.find(b"\n", pos)
        line = body[pos:] if end < 0 else body[pos:end]
        if not line.strip() and end < 0:
            break  # the optional trailing newline (and nothing after it)
        if not line.strip():
            pos = end + 1  # tolerate blank lines between items
            continue
        item_headers = _header(line, f"item {len(items)}")
        if not isinstance(item_headers.get("type"), str):
            raise BadPayload(f"item {len(items)} header has no type")
        pos = size if end < 0 else end + 1
        length = item_headers.get("length")
        if length is not None:
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise BadPayload(f"item {len(items)} has an invalid length")
            if pos + length > size:
                raise BadPayload(f"item {len(items)} is shorter than its length "
                                 f"({size - pos} of {length} bytes)")
            payload = body[pos:pos + length]
            pos += length
            if pos < size:
                if body[pos:pos + 1] != b"\n":
                    raise BadPayload(f"item {len(items)} is longer than its length")
                pos += 1
        else:
            end = body.find(b"\n", pos)
            payload = body[pos:] if end < 0 else body[pos:end]
            pos = size if end < 0 else end + 1
        items.append(Item(item_headers, payload))
        if len(items) > MAX_ITEMS:
            raise BadPayload(f"envelope has more than {MAX_ITEMS} items")
    return Envelope(headers, items)
