"""The search language's grammar: text → filter tree. Hand-written recursive descent,
so every error names the character offset where it went wrong. No SQL here.

    query      := or_expr
    or_expr    := and_expr (("OR" | "||") and_expr)*
    and_expr   := unary (["AND" | "&&"] unary)*          juxtaposition is AND
    unary      := ("NOT" | "-" | "!") unary | primary
    primary    := "(" or_expr ")" | "#" digits | field ":" fvalue | value
    fvalue     := "(" or_expr ")"      bare values inside apply to the field
                | ("<" | "<=" | ">" | ">=") value
                | ("[" | "{") value "TO" value ("]" | "}")     * = open end
                | value
    value      := '"' chars '"' | word     a word ends at space or parenthesis;
                                            a trailing unescaped * is a wildcard
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from tracehound.query import fields
from tracehound.query.errors import SearchError
from tracehound.query.fields import Field

MAX_LENGTH = 2000  # characters in a query
MAX_TERMS = 50  # field and text terms; each becomes a condition in SQL
MAX_DEPTH = 32  # nested parentheses and negations
MAX_VALUE = 255  # characters in one value: longer than any stored one


@dataclass(frozen=True)
class Value:
    text: str
    pos: int
    quoted: bool = False
    wildcard: bool = False  # ended with an unescaped *

    @property
    def any(self) -> bool:
        """A lone `*`: any value at all."""
        return self.wildcard and not self.text


@dataclass(frozen=True)
class Text:
    """Free text: the title contains it (case-insensitive)."""

    value: Value


@dataclass(frozen=True)
class Term:
    """A condition on one field. op: ":" (match), "<", "<=", ">", ">=", "range",
    "exists". A range has `value` and `upper` (None for an open end)."""

    field: Field
    op: str
    pos: int
    value: Value | None = None
    upper: Value | None = None
    include_lower: bool = True
    include_upper: bool = True
    key: str | None = None  # tag.<key>


@dataclass(frozen=True)
class Not:
    child: Node
    pos: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Everything:
    """An empty query."""


Node = Union[Text, Term, Not, And, Or, Everything]  # noqa: UP007 (a runtime alias)

_WORD_END = frozenset("()")
_RANGE_END = frozenset("()]}")
_EXISTENCE = ("_exists_", "_missing_", "has")
_FIELD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def parse(text: str, catalogue: fields.Catalogue = fields.DEFAULT) -> Node:
    """The filter tree of a query; SearchError for anything malformed. `catalogue` names
    the fields (a surface with its own vocabulary passes its own)."""
    return _Parser(text, catalogue).parse()


class _Parser:
    def __init__(self, text: str, catalogue: fields.Catalogue = fields.DEFAULT) -> None:
        self.s = text
        self.catalogue = catalogue
        self.i = 0
        self.depth = 0
        self.terms = 0

    def fail(self, reason: str, pos: int | None = None, hint: str = "") -> SearchError:
        return SearchError(reason, self.i if pos is None else pos, self.s, hint)

    # ---- characters ----------------------------------------------------------------

    def parse(self) -> Node:
        s = self.s
        if len(s) > MAX_LENGTH:
            raise self.fail(f"too long (at most {MAX_LENGTH} characters)", MAX_LENGTH)
        for i, ch in enumerate(s):
            if ch == "\x00" or "\ud800" <= ch <= "\udfff":
                raise self.fail(f"character U+{ord(ch):04X} is not allowed", i)
        self.ws()
        if self.i == len(s):
            return Everything()
        node = self.or_expr(None)
        self.ws()
        if self.i < len(s):  # or_expr stops only at ")" or the end
            raise self.fail("unbalanced ')'")
        return node

    def ws(self) -> None:
        s, i = self.s, self.i
        while i < len(s) and s[i].isspace():
            i += 1
        self.i = i

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def at_keyword(self, *words: str) -> str | None:
        """The operator word at the cursor, if it stands alone (`ORDER` is a word)."""
        s, i = self.s, self.i
        for w in words:
            if s.startswith(w, i):
                nxt = s[i + len(w):i + len(w) + 1]
                if not nxt or nxt.isspace() or nxt in '()"' or not w.isalpha():
                    return w
        return None

    def keyword(self, *words: str) -> str | None:
        self.ws()
        w = self.at_keyword(*words)
        if w is not None:
            self.i += len(w)
        return w

    # ---- boolean structure ------------------------------------------------------------

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested too deeply (at most {MAX_DEPTH} levels)", pos)

    def or_expr(self, dfield: tuple[Field, str | None] | None) -> Node:
        parts = [self.and_expr(dfield)]
        while True:
            self.ws()
            op_pos = self.i
            if not self.keyword("OR", "||"):
                break
            self.ws()
            if self.peek() in ("", ")") or self.at_keyword("OR", "||", "AND", "&&"):
                raise self.fail("OR needs a term on its right", op_pos)
            parts.append(self.and_expr(dfield))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self, dfield: tuple[Field, str | None] | None) -> Node:
        self.ws()
        if self.at_keyword("OR", "||", "AND", "&&"):
            raise self.fail(f"{self.at_keyword('OR', '||', 'AND', '&&')} needs a term on "
                            "its left")
        parts = [self.unary(dfield)]
        while True:
            self.ws()
            if self.peek() in ("", ")") or self.at_keyword("OR", "||"):
                break
            op_pos = self.i
            if self.keyword("AND", "&&"):
                self.ws()
                if self.peek() in ("", ")") or self.at_keyword("OR", "||", "AND", "&&"):
                    raise self.fail("AND needs a term on its right", op_pos)
            parts.append(self.unary(dfield))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, dfield: tuple[Field, str | None] | None) -> Node:
        self.ws()
        pos = self.i
        negated = self.keyword("NOT") is not None
        if not negated and self.peek() in ("-", "!"):
            nxt = self.s[self.i + 1:self.i + 2]
            if nxt and not nxt.isspace() and nxt != ")":
                self.i += 1
                negated = True
        if not negated:
            return self.primary(dfield)
        self.ws()
        if self.peek() in ("", ")"):
            raise self.fail("NOT needs a term to negate", pos)
        self.nest(pos)
        child = self.unary(dfield)
        self.depth -= 1
        return Not(child, pos)

    def group(self, dfield: tuple[Field, str | None] | None) -> Node:
        pos = self.i
        self.nest(pos)
        self.i += 1  # "("
        self.ws()
        if self.peek() == ")":
            raise self.fail("empty parentheses", pos)
        node = self.or_expr(dfield)
        self.ws()
        if self.peek() != ")":
            raise self.fail("'(' is never closed", pos)
        self.i += 1
        self.depth -= 1
        return node

    # ---- terms ------------------------------------------------------------------------

    def count_term(self, pos: int) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.fail(f"too many terms (at most {MAX_TERMS})", pos)

    def primary(self, dfield: tuple[Field, str | None] | None) -> Node:
        c, pos = self.peek(), self.i
        if c == "(":
            return self.group(dfield)
        if c == ")":
            raise self.fail("unbalanced ')'")
        if c == "#" and self.s[pos + 1:pos + 2].isdigit():
            self.i += 1
            self.count_term(pos)
            return Term(fields.COUNTER, ":", pos, self.word(_WORD_END))
        colon = self.field_colon()
        if colon is not None:
            name = self.s[pos:colon]
            if name.lower() in _EXISTENCE:
                self.i = colon + 1
                return self.existence(name.lower(), pos)
            found = self.catalogue.lookup(name)
            after = self.s[colon + 1:colon + 2]
            if found is not None:
                self.i = colon + 1
                return self.field_value(found, pos)
            if after and not after.isspace() and after != ")":
                raise self.fail(f"unknown field {name[:40]!r}", pos, self.catalogue.valid)
            # `KeyError: message` pasted from a title: a word ending in ':' is text
        if dfield is not None:
            return self.field_value(dfield, pos)
        self.count_term(pos)
        return Text(self.value(_WORD_END))

    def field_colon(self) -> int | None:
        """Where the ':' of a `name:` prefix at the cursor is, if there is one. A URL
        (`http://…`) is not a field: it is searched as text."""
        s, start = self.s, self.i
        if not (s[start:start + 1].isalpha() or s[start:start + 1] == "_"):
            return None
        j = start
        while j < len(s) and s[j] in _FIELD_CHARS:
            j += 1
        if j >= len(s) or s[j] != ":" or s.startswith("//", j + 1):
            return None
        return j

    def existence(self, how: str, pos: int) -> Node:
        """`_exists_:field`, `has:field` (a value is there), `_missing_:field`."""
        target = self.word(_WORD_END)
        found = None if target.wildcard else self.catalogue.lookup(target.text)
        if found is None:
            raise self.fail(f"{how} needs a field name", target.pos, self.catalogue.valid)
        self.count_term(pos)
        term = Term(found[0], "exists", pos, key=found[1])
        return Not(term, pos) if how == "_missing_" else term

    def field_value(self, named: tuple[Field, str | None], pos: int) -> Node:
        fld, key = named
        c = self.peek()
        if c == "" or c.isspace() or c == ")":
            raise self.fail(f"{fld.name} needs a value after ':'")
        if c == "(":
            return self.group(named)
        self.count_term(pos)
        for op in ("<=", ">=", "<", ">"):
            if self.s.startswith(op, self.i):
                self.i += len(op)
                if self.peek() == "" or self.peek().isspace() or self.peek() == ")":
                    raise self.fail(f"{op} needs a value")
                return Term(fld, op, pos, self.value(_WORD_END), key=key)
        if c in "[{":
            return self.range(fld, key, pos)
        return Term(fld, ":", pos, self.value(_WORD_END), key=key)

    def range(self, fld: Field, key: str | None, pos: int) -> Term:
        include_lower = self.peek() == "["
        self.i += 1
        self.ws()
        lower = self.value(_RANGE_END)
        self.ws()
        after = self.s[self.i + 2:self.i + 3]
        if self.s[self.i:self.i + 2] not in ("TO", "to") or not after.isspace():
            raise self.fail("a range needs TO between its ends: [a TO b]")
        self.i += 2
        self.ws()
        upper = self.value(_RANGE_END)
        self.ws()
        if self.peek() not in ("]", "}"):
            raise self.fail("a range must end with ']' or '}'")
        include_upper = self.peek() == "]"
        self.i += 1
        return Term(fld, "range", pos, None if lower.any else lower,
                    None if upper.any else upper, include_lower, include_upper, key)

    # ---- values -----------------------------------------------------------------------

    def value(self, stop: frozenset[str]) -> Value:
        if self.peek() == '"':
            return self.quoted()
        return self.word(stop)

    def quoted(self) -> Value:
        s, start = self.s, self.i
        i = start + 1
        out: list[str] = []
        while i < len(s) and s[i] != '"':
            if s[i] == "\\" and i + 1 < len(s):
                i += 1
            out.append(s[i])
            i += 1
        if i >= len(s):
            raise self.fail("the quote is never closed", start)
        self.i = i + 1
        return self.checked(Value("".join(out), start, quoted=True))

    def word(self, stop: frozenset[str]) -> Value:
        s, start = self.s, self.i
        i = start
        out: list[str] = []
        wildcard = False
        while i < len(s) and not s[i].isspace() and s[i] not in stop:
            wildcard = False
            if s[i] == "\\" and i + 1 < len(s):
                i += 1
            elif s[i] == "*":
                wildcard = True
            out.append(s[i])
            i += 1
        if i == start:
            raise self.fail("a value is missing")
        self.i = i
        text = "".join(out)
        return self.checked(Value(text[:-1] if wildcard else text, start, wildcard=wildcard))

    def checked(self, value: Value) -> Value:
        if len(value.text) > MAX_VALUE:
            raise self.fail(f"value too long (at most {MAX_VALUE} characters)", value.pos)
        return value
