"""Text every database can store: U+0000 becomes U+FFFD (PostgreSQL's text types refuse
NUL; store/text_types.py applies this to every bound column value, normalize.py to the
environment, which is a key read back as written)."""

from __future__ import annotations

NUL = "\x00"
REPLACEMENT = "\ufffd"


def without_nul(value: str) -> str:
    return value.replace(NUL, REPLACEMENT) if NUL in value else value
