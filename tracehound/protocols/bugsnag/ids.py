"""Bugsnag ids ⇄ Tracehound ids.

Bugsnag names organizations, projects, errors and events by 24 lowercase hex
characters (MongoDB ObjectIds, e.g. `5a2fb66f5d55e9007116e96e`). Tracehound's ids are
integers. An integer is written as its 24-digit, zero-padded hex form, which parses
back exactly: project 7 is `000000000000000000000007` (the same scheme as the
Exceptionless adapter, so an id reads the same in both APIs).

| Bugsnag        | Tracehound            |
| organization   | account               |
| project        | project               |
| error          | item                  |
| event          | occurrence            |

Anything else in an id position (wrong length, not hex, zero, past 2^63 - 1 which the
databases cannot hold) is "not found" (404), never a 400 or a 500.
"""

from __future__ import annotations

# the shared 24-hex form (model/hex_ids.py): one scheme for every ObjectId-style API
from tracehound.model.hex_ids import MAX_ID, WIDTH, decode, decode_many, encode

__all__ = ["MAX_ID", "WIDTH", "decode", "decode_many", "encode"]
