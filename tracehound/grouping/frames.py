"""Frame normalization for grouping: what of a frame identifies the code, not the build."""

from __future__ import annotations

import re
from functools import lru_cache

from tracehound.model.event import Frame

_QUERY = re.compile(r"[?#].*$")
_URL_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.IGNORECASE)
# dates (2024-01-31, 20240131) and hashes (build ids, git SHAs) in paths change per deploy
_VOLATILE_PATH = re.compile(
    r"(?<![a-z0-9])(?=[a-f]*\d)[0-9a-f]{7,64}(?![a-z0-9])|\d{4}-\d{2}-\d{2}(?:[T_-]?\d{2,6})?",
    re.IGNORECASE,
)
_LONG_INT = re.compile(r"\d{2,}")
ROOT_MARKER = "<root>"


# The same few hundred paths and functions recur in every event: cache their forms.
@lru_cache(maxsize=8192)
def normalize_path(filename: str, server_root: str | None) -> str:
    """Path with server root, URL origin, query string and build hashes removed."""
    path = filename.strip()
    if server_root:
        root = server_root.rstrip("/")
        if root and path.startswith(root + "/"):
            path = ROOT_MARKER + path[len(root):]
    path = _URL_ORIGIN.sub("", path)
    path = _QUERY.sub("", path)
    return _VOLATILE_PATH.sub("<v>", path)


@lru_cache(maxsize=8192)
def normalize_method(method: str) -> str:
    """Function name with generated numbers (lambda_12, anonymous$42) masked."""
    return _LONG_INT.sub("<n>", method.strip())


# Runtime and third-party code: how the error was reached through a framework or the
# event loop says nothing about which bug it is (Rollbar drops "framework boilerplate").
_LIBRARY = re.compile(
    r"/node_modules/|^node:|^internal/|/site-packages/|/dist-packages/|^<frozen |"
    r"/lib/python\d[.\d]*/|/usr/lib/ruby/|/gems/|/vendor/bundle/|^\(unknown\)$|^\[unknown\]$"
)


@lru_cache(maxsize=8192)
def _library_path(filename: str) -> bool:
    return bool(_LIBRARY.search(filename))


def is_library(frame: Frame) -> bool:
    return _library_path(frame.filename) or bool(
        frame.module and frame.module.split(".")[0] in ("asyncio", "threading"))


def grouping_frames(frames: list[Frame]) -> tuple[list[Frame], str]:
    """The frames that identify the error, and why those.

    The client's in-app flags when it sent any; else every frame that is not runtime
    or third-party code; all frames when that would leave none.
    """
    if any(f.in_app is not None for f in frames):
        in_app = [f for f in frames if f.in_app]
        if in_app:
            return in_app, "marked not in-app by the client"
        return frames, "all frames"
    app = [f for f in frames if not is_library(f)]
    if app:
        return app, "library or runtime code"
    return frames, "all frames"
