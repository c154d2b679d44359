"""Stack traces sent as text, parsed into frames. Pure: no IO; never raises.

Two clients send text instead of Exceptionless's structured `@error`:
- the `exceptionless` PyPI package sends Python's whole `traceback.format_exception()`
  output under `@stack` (exceptionless-api.md §15.3);
- `@simple_error.stack_trace` is a JavaScript (V8 `at …`, Firefox/Safari `fn@url:l:c`)
  or .NET (`at Ns.Type.Method() in file:line n`) stack as the runtime printed it. .NET
  lines are read by `tracehound.model.dotnet_stack`, which the Logster adapter shares.

Bounded: at most MAX_LINES lines of MAX_LINE characters are looked at, so a hostile
megabyte of text costs linear time (every pattern is anchored on one short line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracehound.model import dotnet_stack

MAX_LINES = 2000
MAX_LINE = 2000
MAX_FRAMES = 500
MAX_CHAIN = 20


@dataclass(frozen=True)
class TextFrame:
    filename: str
    lineno: int | None = None
    function: str = ""
    context: str | None = None  # the source line Python prints under the frame
    colno: int | None = None


@dataclass
class TextError:
    type: str
    message: str = ""
    frames: list[TextFrame] = field(default_factory=list)  # oldest call first


_TRACEBACK = "Traceback (most recent call last):"
_PY_FILE = re.compile(r'^\s*File "([^"\n]*)", line (\d{1,9})(?:, in (.*))?$')
_PY_CHAIN = ("During handling of the above exception, another exception occurred:",
             "The above exception was the direct cause of the following exception:")
_PY_TYPE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_PY_CARETS = re.compile(r"^\s*[\^~]+\s*$")
# V8: "    at fn (file:1:2)", "    at file:1:2", "    at async fn (file:1:2)"
_V8 = re.compile(r"^\s*at (?:(.+?) \()?(.+?):(\d{1,9})(?::(\d{1,9}))?\)?\s*$")
# Firefox / Safari: "fn@file:1:2", "@file:1:2"
_GECKO = re.compile(r"^\s*([^@\s]*)@(.+?):(\d{1,9})(?::(\d{1,9}))?\s*$")


def _lines(text: str) -> list[str]:
    return [line[:MAX_LINE] for line in text.splitlines()[:MAX_LINES]]


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def parse_python(text: str) -> list[TextError]:
    """The exceptions of a Python traceback text, the raised one (printed last) first,
    then the ones it was raised while handling. [] when it holds no traceback."""
    if not isinstance(text, str) or _TRACEBACK not in text:
        return []
    errors: list[TextError] = []
    current: TextError | None = None
    in_frames = False
    for line in _lines(text):
        stripped = line.strip()
        if stripped == _TRACEBACK or stripped.endswith(_TRACEBACK):
            current, in_frames = TextError(type=""), True
            errors.append(current)
            continue
        if current is None:
            continue
        if in_frames:
            match = _PY_FILE.match(line)
            if match:
                if len(current.frames) < MAX_FRAMES:
                    current.frames.append(TextFrame(match.group(1), _int(match.group(2)),
                                                    (match.group(3) or "").strip()))
                continue
            if line.startswith((" ", "\t")) or not stripped:
                if stripped and current.frames and current.frames[-1].context is None \
                        and not _PY_CARETS.match(line) and not stripped.startswith("["):
                    last = current.frames[-1]
                    current.frames[-1] = TextFrame(last.filename, last.lineno, last.function,
                                                   stripped)
                continue
            in_frames = False
            match = _PY_TYPE.match(stripped)
            if match:
                current.type, current.message = match.group(1), match.group(2) or ""
            else:
                current.type, current.message = "Exception", stripped
            continue
        if stripped in _PY_CHAIN:
            current = None
            continue
        if stripped and current.type and not line.startswith(" "):
            current.message = f"{current.message}\n{stripped}" if current.message else stripped
    found = [e for e in errors if e.type][-MAX_CHAIN:]
    found.reverse()
    return found


def _frame_from_line(line: str) -> TextFrame | None:
    match = _V8.match(line)
    if match:
        function = (match.group(1) or "").removeprefix("async ").removeprefix("new ")
        return TextFrame(match.group(2), _int(match.group(3)), function.strip(),
                         colno=_int(match.group(4)))
    match = _GECKO.match(line)
    if match:
        return TextFrame(match.group(2), _int(match.group(3)), match.group(1),
                         colno=_int(match.group(4)))
    dotnet = dotnet_stack.parse_frame(line)
    if dotnet is not None:
        return TextFrame(dotnet.filename, dotnet.lineno, dotnet.method)
    return None


def parse_stack(text: str) -> list[TextFrame]:
    """Frames of a JavaScript, .NET or Python stack text, oldest call first."""
    if not isinstance(text, str):
        return []
    python = parse_python(text)
    if python:
        return python[0].frames
    frames = []
    for line in _lines(text):
        frame = _frame_from_line(line)
        if frame is not None:
            frames.append(frame)
            if len(frames) >= MAX_FRAMES:
                break
    frames.reverse()  # printed innermost (the throwing call) first
    return frames
