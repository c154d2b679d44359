"""Text column types that every database can store the same way.

PostgreSQL's text types cannot hold U+0000 ("invalid byte sequence … 0x00"): one SDK
event with a NUL in its exception class failed the whole digest batch, and the worker
retried it forever. Every text bound to a column is written with U+0000 replaced by
U+FFFD, on SQLite too, so both databases store, group, search and show the same text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from tracehound.model.text import without_nul


class Str(TypeDecorator[str]):
    """VARCHAR(n) without U+0000."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return without_nul(value) if isinstance(value, str) else value


class LongText(TypeDecorator[str]):
    """TEXT without U+0000."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return without_nul(value) if isinstance(value, str) else value
