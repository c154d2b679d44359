"""Grouping v1 (released: frozen).

- An explicit client fingerprint wins (≤40 chars used as is, longer ones SHA-1'd, as
  Rollbar does). A fingerprint template (Sentry's `["{{ default }}", "x"]`) keeps the
  default key below and subdivides it by the other parts.
- Exceptions: every exception of the chain contributes its class and its frames
  (normalized path or module, and function; never line numbers). Only in-app frames:
  as the client marked them, else every frame outside runtime and third-party code
  (node_modules, node: internals, site-packages, gems…), else all frames. An
  exception with no frames contributes its masked message instead, so stackless
  errors of one class are not all lumped together.
- Messages: the first 4 KiB of the text with data-looking spans masked
  (see parameterize.py).
"""

from __future__ import annotations

from tracehound.grouping.fingerprint import Component, Fingerprint, from_components, sha1_hex
from tracehound.grouping.frames import grouping_frames, normalize_method, normalize_path
from tracehound.grouping.parameterize import parameterize
from tracehound.model.event import Event, ExceptionInfo

VERSION = "v1"
MAX_FINGERPRINT = 40


def _explicit(fingerprint: str) -> Fingerprint:
    value = fingerprint if len(fingerprint) <= MAX_FINGERPRINT else sha1_hex(fingerprint)
    comp = Component("fingerprint", fingerprint, hint="sent by the client")
    return Fingerprint(VERSION, f"fingerprint: {fingerprint}", value, (comp,))


def _exception_components(index: int, exc: ExceptionInfo, root: str | None) -> list[Component]:
    prefix = f"exception[{index}]"
    comps = [Component(f"{prefix}.type", exc.type.strip() or "<unknown>")]
    frames, why = grouping_frames(exc.frames)
    if not exc.frames:
        comps.append(Component(f"{prefix}.message", parameterize(exc.message),
                               hint="no stack frames, the masked message stands in"))
        return comps
    kept = {id(f) for f in frames}
    for frame in exc.frames:
        where = frame.module or normalize_path(frame.filename, root)
        value = f"{where} in {normalize_method(frame.method) or '?'}"
        used = id(frame) in kept
        comps.append(Component(f"{prefix}.frame", value, contributes=used,
                               hint="" if used else f"skipped: {why}"))
    return comps


DEFAULT_MARK = "{{ default }}"


def _templated(event: Event) -> Fingerprint:
    default = _default(event)
    comps = [Component("fingerprint", part if part != DEFAULT_MARK else default.hash,
                       hint="sent by the client" if part != DEFAULT_MARK
                       else "the default key")
             for part in event.fingerprint_template]
    fp = from_components(VERSION, comps)
    # the key holds the default key's hash; its components stay listed for explain()
    return Fingerprint(VERSION, fp.key, fp.hash, fp.components + default.components)


def fingerprint(event: Event) -> Fingerprint:
    """The v1 grouping key of an event."""
    if event.fingerprint:
        return _explicit(event.fingerprint)
    if event.fingerprint_template:
        return _templated(event)
    return _default(event)


def _default(event: Event) -> Fingerprint:
    if event.exceptions:
        comps: list[Component] = []
        for i, exc in enumerate(event.exceptions):
            comps.extend(_exception_components(i, exc, event.server_root))
        return from_components(VERSION, comps)
    text = event.message or ""
    return from_components(VERSION, [Component("message", parameterize(text.strip()))])
