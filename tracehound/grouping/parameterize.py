"""Message masking as a table of named patterns.

Each pattern's match is replaced by `<name>`, so `"user 42 failed"` and `"user 7
failed"` share one key. Order matters: earlier patterns win where they overlap
(a UUID is not three hex runs, an email is not a quoted value's inside).
"""

from __future__ import annotations

import re

PATTERNS: tuple[tuple[str, str], ...] = (
    ("quoted", r"""'[^'\n]{0,200}'|"[^"\n]{0,200}\""""),
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    ("url", r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+"),
    ("uuid", r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
             r"[0-9a-fA-F]{12}\b"),
    ("datetime", r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                 r"(?:Z|[+-]\d{2}:?\d{2})?)?\b"),
    ("time", r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"),
    ("ip", r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"
           r"|\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"),
    ("hex", r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])"
            r"[0-9a-fA-F]{6,}\b"),
    # a unit glued on ("12.5s", "300ms") stays, the number goes
    ("float", r"(?<![\w.])-?\d+\.\d+(?![\d.])"),
    ("int", r"(?<![\w.])-?\d+(?!\d)"),
)

_COMBINED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in PATTERNS))

MAX_INPUT = 4096  # masking cost is linear, but a key longer than this adds nothing


def parameterize(text: str) -> str:
    """The text with every data-looking span replaced by `<pattern name>`."""
    return _COMBINED.sub(lambda m: f"<{m.lastgroup}>", text[:MAX_INPUT])
