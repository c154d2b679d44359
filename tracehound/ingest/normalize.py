"""Lenient clean-up of an Event before it is stored: clamp, trim, note what changed.

Adapters reject only what their vendor rejects; everything else is made storable here
and the change is recorded as a NormalizationNote on the occurrence.
"""

from __future__ import annotations

import msgspec

from tracehound.model.event import Event, ExceptionInfo, NormalizationNote
from tracehound.model.text import without_nul  # a key: stored and read back as written

MAX_ENVIRONMENT = 255
MAX_EXCEPTION_TYPE = 255
MAX_FRAMES = 250  # per exception, for grouping and display; the raw payload keeps all
MAX_CHAIN = 20
FUTURE_SKEW = 60.0  # client clocks this far ahead of ours are clamped


def normalize(event: Event) -> tuple[Event, bool]:
    """The event made storable, and whether anything had to change."""
    notes: list[NormalizationNote] = []
    changes: dict[str, object] = {}
    env = without_nul(event.environment.strip()) or "unknown"
    if len(env) > MAX_ENVIRONMENT:
        notes.append(NormalizationNote("environment", "truncated", f"{len(env)} chars"))
        env = env[:MAX_ENVIRONMENT]
    if env != event.environment:
        changes["environment"] = env
    ts = event.client_timestamp
    if ts is not None and ts > event.received_at + FUTURE_SKEW:
        notes.append(NormalizationNote("timestamp", "clamped", f"client sent {ts}"))
        changes["client_timestamp"] = event.received_at
    excs = _exceptions(event.exceptions, notes)
    if excs is not event.exceptions:
        changes["exceptions"] = excs
    if not changes and not notes:
        return event, False
    return msgspec.structs.replace(event, **changes, notes=[*event.notes, *notes]), True


def _exceptions(excs: list[ExceptionInfo], notes: list[NormalizationNote]) -> list[ExceptionInfo]:
    if len(excs) <= MAX_CHAIN and all(
        len(e.frames) <= MAX_FRAMES and len(e.type) <= MAX_EXCEPTION_TYPE for e in excs
    ):
        return excs
    if len(excs) > MAX_CHAIN:
        notes.append(NormalizationNote("exceptions", "truncated", f"{len(excs)} in chain"))
    out = []
    for i, exc in enumerate(excs[:MAX_CHAIN]):
        frames, etype = exc.frames, exc.type
        if len(frames) > MAX_FRAMES:
            notes.append(NormalizationNote(f"exceptions[{i}].frames", "truncated",
                                           f"{len(frames)} frames"))
            half = MAX_FRAMES // 2  # keep both ends: the entry point and the crash site
            frames = frames[:half] + frames[-half:]
        if len(etype) > MAX_EXCEPTION_TYPE:
            notes.append(NormalizationNote(f"exceptions[{i}].type", "truncated",
                                           f"{len(etype)} chars"))
            etype = etype[:MAX_EXCEPTION_TYPE]
        out.append(msgspec.structs.replace(exc, frames=frames, type=etype))
    return out
