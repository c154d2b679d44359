"""A small scanner run before sqlglot: it knows RQL's bare dotted column names.

Rollbar lets `body.trace_chain.0.exception.class` stand unquoted; a SQL tokenizer reads
`.0` as a number and `class` as a keyword. The scanner wraps every bare dotted name in
backticks (outside strings and comments), so sqlglot sees one quoted identifier. It also
finds the SELECT list as written (for `selectionColumns`) and bounds nesting before a
recursive-descent parser meets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracehound.query.rql.errors import RqlError

MAX_QUERY_CHARS = 100_000
MAX_PAREN_DEPTH = 32  # sqlglot recurses ~15 frames per level; 32 stays far from the limit

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$]+)*")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Token:
    kind: str  # word, path, number, string, quoted, comment, space, punct
    start: int
    end: int


def _quoted_end(text: str, start: int, quote: str) -> int:
    """End offset after a quoted run starting at `start`; doubled quotes and (outside
    backticks) backslash escapes stay inside."""
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote != "`":
            i += 2
            continue
        if c == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    raise RqlError(f"unterminated {'identifier' if quote == '`' else 'string'} "
                   f"starting with {quote}", start)


def tokens(text: str) -> list[Token]:
    """The text cut into tokens; raises RqlError on an unterminated quote or comment."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            out.append(Token("space", i, j))
        elif c == "#" or (text.startswith("--", i) and (i + 2 == n or text[i + 2].isspace())):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(Token("comment", i, j))
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise RqlError("unterminated /* comment", i)
            out.append(Token("comment", i, j + 2))
        elif c in "'\"`":
            j = _quoted_end(text, i, c)
            out.append(Token("quoted" if c == "`" else "string", i, j))
        elif (m := _NUMBER.match(text, i)) and (c.isdigit() or c == "."):
            out.append(Token("number", i, m.end()))
        elif m := _WORD.match(text, i):
            out.append(Token("path" if "." in m.group() else "word", i, m.end()))
        else:
            out.append(Token("punct", i, i + 1))
        i = out[-1].end
    return out


@dataclass(frozen=True)
class Scanned:
    """The text for sqlglot, how to map its offsets back, and the SELECT list as written."""

    text: str
    inserted: tuple[int, ...]  # offsets in `text` where a backtick was added
    selection: tuple[str, ...]

    def original_offset(self, offset: int) -> int:
        return offset - sum(1 for p in self.inserted if p < offset)


def scan(text: str) -> Scanned:
    if len(text) > MAX_QUERY_CHARS:
        raise RqlError(f"query is {len(text)} characters long; at most {MAX_QUERY_CHARS}")
    toks = tokens(text)
    _check_depth(text, toks)
    parts: list[str] = []
    inserted: list[int] = []
    length = 0
    for t in toks:
        piece = text[t.start:t.end]
        if t.kind == "path":
            inserted += [length, length + len(piece) + 1]
            piece = f"`{piece}`"
        parts.append(piece)
        length += len(piece)
    return Scanned("".join(parts), tuple(inserted), _selection(text, toks))


def _check_depth(text: str, toks: list[Token]) -> None:
    depth = 0
    for t in toks:
        if t.kind != "punct":
            continue
        if text[t.start] == "(":
            depth += 1
            if depth > MAX_PAREN_DEPTH:
                raise RqlError(f"expression nested more than {MAX_PAREN_DEPTH} "
                               "parentheses deep", t.start)
        elif text[t.start] == ")":
            depth -= 1


def _selection(text: str, toks: list[Token]) -> tuple[str, ...]:
    """The SELECT list items as written: the text between SELECT and FROM at depth 0,
    cut at depth-0 commas, comments dropped, whitespace collapsed."""
    depth = 0
    items: list[list[Token]] = []
    inside = False
    for t in toks:
        word = text[t.start:t.end].lower() if t.kind == "word" else ""
        ch = text[t.start] if t.kind == "punct" else ""
        if not inside:
            if word == "select" and depth == 0:
                inside, items = True, [[]]
            depth += (ch == "(") - (ch == ")")
            continue
        if depth == 0 and word == "from":
            break
        if ch == ")":
            depth -= 1
        if depth == 0 and ch == ",":
            items.append([])
            continue
        if ch == "(":
            depth += 1
        if t.kind not in ("comment", "space"):
            items[-1].append(t)
    return tuple(_collapse(text, run) for run in items if run)


def _collapse(text: str, run: list[Token]) -> str:
    out: list[str] = []
    prev_end = None
    for t in run:
        if prev_end is not None and t.start > prev_end:
            out.append(" ")
        out.append(text[t.start:t.end])
        prev_end = t.end
    return "".join(out)
