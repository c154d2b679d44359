""".NET stack traces as the runtime prints them, parsed into frames. Pure: no IO, never
raises on any text.

Two adapters receive .NET traces as text: Exceptionless (`@simple_error.stack_trace`)
and Logster (`StackTrace`, and `Exception` when a client sends `ex.ToString()`). They
share this parser so a .NET frame means the same thing whichever door it came in by.

A frame line, innermost call printed first:

    at Ns.Type.Method(Args a) in C:\\src\\File.cs:line 42     (.NET, with symbols)
    at Ns.Type.Method(Args a)                                  (.NET, without)
    at Ns.Type.Method (Args a) [0x0001c] in /src/File.cs:42    (Mono, Unity, Xamarin)

`at`, `in` and `line` are printed in the runtime's UI language; the common translations
are accepted too. Bounded: at most MAX_LINES lines of MAX_LINE characters are looked at
and every pattern is anchored on one line, so a hostile megabyte costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINES = 2000
MAX_LINE = 2000
MAX_FRAMES = 500
MAX_CHAIN = 20
MAX_HEADER = 8192  # characters of an exception's type-and-message header

# The runtime's words for "at", "in" and "line": English, German, French, Spanish,
# Portuguese, Italian, Russian, Chinese, Japanese.
_AT = "at|bei|à|en|em|in|в|在|場所"
_IN = "in|dans|en|em|na|в|位置|場所"
_LINE = "line|Zeile|ligne|línea|linha|riga|строка|行号|行"
# Mono prints a space before the arguments, and always an IL offset after them
# ([0x0001c] or <0x0002b>): the space is taken only then, so that V8's
# "at Array.forEach (<anonymous>)" is not read as a .NET frame.
_FRAME = re.compile(
    rf"^\s*(?:{_AT})\s+(?P<name>[^\s(]+?)"
    r"(?:(?P<args>\([^()]*\))|\s(?P<mono>\([^()]*\))(?=\s+[\[<]0x))"
    r"(?:\s+[\[<]0x[0-9a-fA-F]{1,16}[\]>])?"
    rf"(?:\s+(?:{_IN})\s+(?P<file>.+?):(?:(?:{_LINE})\s?)?(?P<line>\d{{1,9}}))?\s*$")
INNER_END = "--- End of inner exception stack trace ---"
# the runtime's placeholders for a file it does not know (Mono)
_NO_FILE = re.compile(r"^<(?:filename unknown|[0-9a-fA-F]{16,64})>$")
_TYPE = re.compile(r"^([A-Za-z_][\w.`+]*)(?::[ \t]?(.*))?$", re.DOTALL)
CHAIN_MARK = " ---> "


@dataclass(frozen=True)
class DotnetFrame:
    method: str  # as printed: "Ns.Type.Method(Args a)" (Mono's space before "(" dropped)
    declaring_type: str = ""  # "Ns.Type"; "" when the name has no type part
    filename: str = ""
    lineno: int | None = None


@dataclass
class DotnetError:
    type: str  # "" when the header does not look like "Ns.Type: message"
    message: str = ""
    frames: list[DotnetFrame] = field(default_factory=list)  # oldest call first


def _declaring_type(name: str) -> str:
    """`Ns.Type` of `Ns.Type.Method`, `Ns.Type..ctor`, `Ns.Type`1.M[T]`: the part before
    the last dot that is not inside brackets."""
    depth, cut = 0, -1
    for i, ch in enumerate(name):
        if ch in "[<":
            depth += 1
        elif ch in "]>":
            depth = max(0, depth - 1)
        elif ch == "." and depth == 0:
            cut = i
    if cut > 0 and name[cut - 1] == ".":  # ..ctor / ..cctor: the method name has a dot
        cut -= 1
    return name[:cut] if cut > 0 else ""


def parse_frame(line: str) -> DotnetFrame | None:
    """One printed frame line, or None when the line is not one."""
    if not isinstance(line, str) or len(line) > MAX_LINE:
        return None
    match = _FRAME.match(line)
    if match is None:
        return None
    name = match.group("name")
    filename = (match.group("file") or "").strip()
    lineno = int(match.group("line")) if match.group("line") else None
    if _NO_FILE.match(filename):
        filename, lineno = "", None
    args = match.group("args") or match.group("mono")
    return DotnetFrame(method=name + args, declaring_type=_declaring_type(name),
                       filename=filename, lineno=lineno or None)


def _lines(text: str) -> list[str]:
    return [line[:MAX_LINE] for line in text.splitlines()[:MAX_LINES]]


def _frames(lines: list[str]) -> list[DotnetFrame]:
    frames = []
    for line in lines:
        frame = parse_frame(line)
        if frame is not None:
            frames.append(frame)
            if len(frames) >= MAX_FRAMES:
                break
    frames.reverse()  # printed innermost (the throwing call) first
    return frames


def _blocks(lines: list[str]) -> list[list[str]]:
    """The lines of each exception's trace, innermost exception first: `ToString()` ends
    each inner exception's trace with INNER_END."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == INNER_END:
            blocks.append([])
        elif line.lstrip().startswith("--->"):
            break  # AggregateException's list of inner exceptions: the chain is read
        else:
            blocks[-1].append(line)
    return blocks


def _trace_start(lines: list[str]) -> int:
    """Where the header (`Type: message`, possibly over several lines) ends."""
    return next((i for i, line in enumerate(lines)
                 if line.strip() == INNER_END or parse_frame(line) is not None), len(lines))


def parse_frames(text: str) -> list[DotnetFrame]:
    """The frames of a stack trace text, oldest call first. When the text is a whole
    `ToString()`, those of its outermost exception (the last block)."""
    if not isinstance(text, str):
        return []
    lines = _lines(text)
    return _frames(_blocks(lines[_trace_start(lines):])[-1])


def _error(header: str) -> DotnetError:
    match = _TYPE.match(header.strip())
    if match is None:
        return DotnetError(type="", message=header.strip())
    return DotnetError(type=match.group(1), message=(match.group(2) or "").strip())


def parse_exception(text: str) -> list[DotnetError]:
    """`Exception.ToString()` (or just `Type: message`) as the exception chain, outermost
    first, each with its frames. [] when the text is blank."""
    if not isinstance(text, str) or not text.strip():
        return []
    lines = _lines(text)
    first = _trace_start(lines)
    header = "\n".join(lines[:first])[:MAX_HEADER]
    chain = [_error(part) for part in header.split(CHAIN_MARK)[:MAX_CHAIN]] \
        if header.strip() else [DotnetError(type="")]
    blocks = _blocks(lines[first:])
    # block i is the trace of the i-th exception counted from the innermost; blocks past
    # the chain's length (a mis-split header) go to the outermost exception
    for i, block in enumerate(blocks):
        target = chain[max(0, len(chain) - 1 - i)]
        target.frames = _frames(block) + target.frames if target.frames else _frames(block)
    return chain
