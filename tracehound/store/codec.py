"""Occurrence payload codec: the queued Event's msgpack bytes, zlib-compressed.

The digest stores the very bytes it took off the queue (no re-encoding), compressed.
A one-byte prefix names the codec so a better one can be added without a migration.
Sizes on the bench's payloads are in bench/RESULTS.md.
"""

from __future__ import annotations

import zlib

from tracehound.model.event import Event, decode

_ZLIB_MSGPACK = b"z"
# Level 1: the codec was 39% of the digest's CPU at level 6; level 1 costs 27% less
# digest CPU for 6% more bytes (bench/RESULTS.md). Either level decodes the same way.
LEVEL = 1


def pack(event_blob: bytes) -> bytes:
    return _ZLIB_MSGPACK + zlib.compress(event_blob, LEVEL)


def unpack(blob: bytes) -> Event:
    kind, body = blob[:1], blob[1:]
    if kind == _ZLIB_MSGPACK:
        return decode(zlib.decompress(body))
    raise ValueError(f"unknown payload codec {kind!r}")
