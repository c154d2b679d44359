"""RQL, Rollbar's SQL-like query language, over one project's occurrences and deploys.

parse.py reads the text (sqlglot, MySQL dialect), check.py whitelists it into ir.py's
nodes, compile.py turns those into SQLAlchemy for SQLite or PostgreSQL with the project
filter added, execute.py runs them under guard.py's deadline. Decisions: docs/api/rql.md.
"""

from __future__ import annotations

from tracehound.query.rql.check import check as _check
from tracehound.query.rql.errors import RqlCancelled, RqlError, RqlTimeout
from tracehound.query.rql.execute import execute
from tracehound.query.rql.result import RqlResult

__all__ = ["RqlCancelled", "RqlError", "RqlResult", "RqlTimeout", "check", "execute"]


def check(query: str) -> None:
    """Parse and whitelist `query` with no database (at job creation); RqlError if bad."""
    _check(query)
