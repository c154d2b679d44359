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

# the shared 24-hex form (model/hex_ids.py): one scheme for every ObjectId-style API
from tracehound.model.hex_ids import MAX_ID, WIDTH, decode, decode_many, encode

__all__ = ["MAX_ID", "WIDTH", "decode", "decode_many", "encode"]

# Exceptionless's {id:objectid} route constraint (§1.1): what a route may carry at all
OBJECT_ID = re.compile(r"^[a-zA-Z\d]{24,36}$")
# {referenceId:identifier}, {sessionId:identifier}
IDENTIFIER = re.compile(r"^[a-zA-Z\d-]{8,100}$")
