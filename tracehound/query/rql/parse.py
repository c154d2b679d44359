"""RQL text → one sqlglot SELECT tree (MySQL dialect, as Rollbar's RQL is MySQL-flavoured).

Parsing only: what the tree may contain is check.py's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from tracehound.query.rql.errors import RqlError
from tracehound.query.rql.lex import Scanned, scan


@dataclass(frozen=True)
class Parsed:
    tree: exp.Expression
    selection: tuple[str, ...]  # SELECT items as written, for selectionColumns


def parse(text: str) -> Parsed:
    """Parse one statement; RqlError (with the position when known) otherwise."""
    if not text.strip():
        raise RqlError("empty query: write a SELECT statement")
    scanned = scan(text)
    try:
        trees = sqlglot.parse(scanned.text, read="mysql")
    except ParseError as e:
        raise RqlError(_parse_message(e), _position(scanned, e)) from None
    except SqlglotError as e:
        raise RqlError(f"cannot read the query: {_first_line(str(e))}") from None
    except RecursionError:
        raise RqlError("query is nested too deeply") from None
    statements = [t for t in trees if t is not None]
    if not statements:
        raise RqlError("empty query: write a SELECT statement")
    if len(statements) > 1:
        raise RqlError("only one statement per query (remove the ';' and what follows)")
    tree: exp.Expression = statements[0]  # type: ignore[assignment]
    return Parsed(tree, scanned.selection)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "syntax error"


def _parse_message(e: ParseError) -> str:
    if e.errors:
        err = e.errors[0]
        desc = str(err.get("description") or "syntax error")
        near = str(err.get("highlight") or "").strip()
        return f"syntax error: {desc}" + (f" near '{near[:60]}'" if near else "")
    return f"syntax error: {_first_line(str(e))}"


def _position(scanned: Scanned, e: ParseError) -> int | None:
    if not e.errors:
        return None
    line, col = e.errors[0].get("line"), e.errors[0].get("col")
    if not isinstance(line, int) or not isinstance(col, int):
        return None
    lines = scanned.text.split("\n")
    offset = sum(len(x) + 1 for x in lines[: max(line - 1, 0)]) + max(col - 1, 0)
    return max(0, scanned.original_offset(offset))
