"""Scalar semantics of RQL, MySQL-flavoured, for values computed in Python.

Used where SQL cannot go (payload paths) and so must agree with compile.py where it can:
NULL propagates, comparisons and logic give 1/0/NULL, strings compared with numbers are
read as numbers ('12abc' → 12), `/` is real division, DIV truncates, x/0 is NULL, LIKE
ignores ASCII case and treats backslash as its escape.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

from tracehound.query.rql.errors import RqlError
from tracehound.query.rql.ir import Value

Number = int | float
_NUMERIC_PREFIX = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_TEXT = 1_000_000  # longest string a function may build (concat of huge values)


def num(v: Value) -> Number | None:
    """A value read as a number, MySQL-style: the leading numeric part of a string, or 0."""
    if v is None or isinstance(v, int | float):
        return v
    m = _NUMERIC_PREFIX.match(v)
    if not m:
        return 0
    text = m.group().strip()
    try:
        return int(text)
    except ValueError:
        f = float(text)
        return f if math.isfinite(f) else 0


def text(v: Value) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    return str(v)


def truth(v: Value) -> bool | None:
    n = num(v)
    return None if n is None else n != 0


def flag(b: bool | None) -> int | None:
    return None if b is None else int(b)


def compare(a: Value, b: Value) -> int | None:
    """-1, 0 or 1; None when either side is NULL. Text with text compares as text
    (case-sensitive, code point order), anything else as numbers."""
    if a is None or b is None:
        return None
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    x, y = num(a), num(b)
    assert x is not None and y is not None
    return (x > y) - (x < y)


_COMPARE: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0, "!=": lambda c: c != 0, "<": lambda c: c < 0,
    "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0,
}


def comparison(op: str, a: Value, b: Value) -> int | None:
    c = compare(a, b)
    return None if c is None else int(_COMPARE[op](c))


def arithmetic(op: str, a: Value, b: Value) -> Value:
    x, y = num(a), num(b)
    if x is None or y is None:
        return None
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        return None  # MySQL: division by zero is NULL
    if op == "/":
        return x / y
    if op == "div":
        return int(x / y) if isinstance(x, float) or isinstance(y, float) else _int_div(x, y)
    if isinstance(x, int) and isinstance(y, int):
        return x - y * _int_div(x, y)  # sign follows the dividend
    return math.fmod(x, y)


def _int_div(x: int, y: int) -> int:
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y >= 0) else -q


def logical(op: str, a: Value, b: Value) -> int | None:
    x, y = truth(a), truth(b)
    if op == "and":
        if x is False or y is False:
            return 0
        return None if x is None or y is None else 1
    if x is True or y is True:
        return 1
    return None if x is None or y is None else 0


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL | re.IGNORECASE | re.ASCII)


def like(value: Value, pattern: Value) -> int | None:
    v, p = text(value), text(pattern)
    if v is None or p is None:
        return None
    return int(_like_regex(p).fullmatch(v) is not None)


def in_list(value: Value, items: list[Value]) -> int | None:
    if value is None:
        return None
    saw_null = False
    for item in items:
        c = compare(value, item)
        if c == 0:
            return 1
        saw_null = saw_null or c is None
    return None if saw_null else 0


# ---- functions ------------------------------------------------------------------------


def _bounded(s: str) -> str:
    if len(s) > MAX_TEXT:
        raise RqlError(f"a function built a string longer than {MAX_TEXT} characters")
    return s


def _int_arg(v: Value) -> int | None:
    n = num(v)
    return None if n is None else int(round(n))


def call(name: str, args: list[Value]) -> Value:
    """The scalar functions of the whitelist, MySQL semantics."""
    if name == "if":
        return args[1] if truth(args[0]) else args[2]
    if name == "concat":
        parts = [text(a) for a in args]
        return None if any(p is None for p in parts) else _bounded("".join(parts))  # type: ignore[arg-type]
    if name == "concat_ws":
        sep = text(args[0])
        if sep is None:
            return None
        return _bounded(sep.join(t for t in (text(a) for a in args[1:]) if t is not None))
    s = text(args[0]) if name != "locate" else None
    if name in ("lower", "upper", "char_length", "length"):
        if s is None:
            return None
        return {"lower": s.lower, "upper": s.upper}[name]() if name in ("lower", "upper") \
            else len(s) if name == "char_length" else len(s.encode("utf-8", "surrogatepass"))
    if name in ("left", "right"):
        n = _int_arg(args[1])
        if s is None or n is None:
            return None
        if n <= 0:
            return ""
        return s[:n] if name == "left" else s[-n:]
    if name == "substring":
        pos = _int_arg(args[1])
        length = _int_arg(args[2]) if len(args) > 2 else len(s or "")
        if s is None or pos is None or length is None:
            return None
        if pos == 0 or length <= 0 or abs(pos) > len(s):
            return ""
        start = pos - 1 if pos > 0 else len(s) + pos
        return s[start:start + length]
    if name == "locate":
        sub, hay = text(args[0]), text(args[1])
        pos = _int_arg(args[2]) if len(args) > 2 else 1
        if sub is None or hay is None or pos is None:
            return None
        if pos < 1 or pos > len(hay) + 1:
            return 0
        return hay.find(sub, pos - 1) + 1
    raise RqlError(f"unknown function {name}()")
