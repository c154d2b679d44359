"""Text every database can store: U+0000 becomes U+FFFD (PostgreSQL's text types refuse
NUL). store/text_types.py applies it to every value bound to a text column: the last
guard for whatever normalize.py (which removes NULs from events) does not see, such
as deploy comments, token names or person fields sent to the REST APIs."""

from __future__ import annotations

NUL = "\x00"
REPLACEMENT = "\ufffd"


def without_nul(value: str) -> str:
    return value.replace(NUL, REPLACEMENT) if NUL in value else value
