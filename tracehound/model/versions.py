"""Code versions: which of two is older, for `resolved_in_version` (rollbar-api.md §4.6).

Versions compare as up to three numeric parts (`1.4.2`, `v2.0`, `12`); a pre-release or
build suffix (`1.4.2-rc1`, `1.4.2+abc`) is ignored, extra parts too. Two versions that
do not both read that way (git SHAs, release names) have no order: the caller treats
an unordered occurrence as not older, so a fix that did not hold is surfaced.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^\s*v?(\d{1,18})(?:\.(\d{1,18}))?(?:\.(\d{1,18}))?(?:[.\-+_~].*)?\s*$",
                      re.IGNORECASE)


def parse(version: str) -> tuple[int, int, int] | None:
    m = _VERSION.match(version)
    if m is None:
        return None
    return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))


def is_older(version: str | None, than: str) -> bool:
    """True only when both versions are ordered and `version` comes before `than`."""
    if version is None:
        return False
    a, b = parse(version), parse(than)
    return a is not None and b is not None and a < b
