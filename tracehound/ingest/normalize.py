"""Lenient clean-up of an Event before it is stored: clamp, trim, note what changed.

Adapters reject only what their vendor rejects; everything else is made storable here
and the change is recorded as a NormalizationNote on the occurrence.
"""

from __future__ import annotations

import msgspec

from tracehound.model.event import Event, ExceptionInfo, NormalizationNote, Person

MAX_ENVIRONMENT = 255
MAX_EXCEPTION_TYPE = 255
MAX_FRAMES = 250  # per exception, for grouping and display; the raw payload keeps all
MAX_CHAIN = 20
FUTURE_SKEW = 60.0  # client clocks this far ahead of ours are clamped


def normalize(event: Event) -> tuple[Event, bool]:
    """The event made storable, and whether anything had to change."""
    notes: list[NormalizationNote] = []
    changes: dict[str, object] = {}
    if _has_nul(event):
        event = _without_nul(event)
        notes.append(NormalizationNote("text", "removed", "NUL characters"))
    env = event.environment.strip() or "unknown"
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


NUL = "\x00"


def _has_nul(event: Event) -> bool:
    """Any NUL in a text that reaches a column. PostgreSQL text cannot hold one, and
    a batch that fails to insert is retried forever: one event with a `\u0000` in its
    message would stop the digest for everyone."""
    texts = [event.environment, event.message, event.title, event.fingerprint,
             event.platform, event.language, event.framework, event.code_version,
             event.context, event.host, event.server_root, event.reference_id,
             *event.fingerprint_template, *event.tags, *event.tags.values()]
    if event.person is not None:
        texts += [event.person.id, event.person.username, event.person.email]
    for exc in event.exceptions:
        texts += [exc.type, exc.message]
        for f in exc.frames:
            texts += [f.filename, f.method, f.module]
    return any(t and NUL in t for t in texts)


def _s(text: str) -> str:
    return text.replace(NUL, "")


def _o(text: str | None) -> str | None:
    return None if text is None else text.replace(NUL, "")


def _without_nul(event: Event) -> Event:
    person = event.person
    if person is not None:
        person = Person(id=_s(person.id), username=_o(person.username), email=_o(person.email))
    excs = [ExceptionInfo(type=_s(e.type), message=_s(e.message), frames=[
        msgspec.structs.replace(f, filename=_s(f.filename), method=_s(f.method),
                                module=_s(f.module)) for f in e.frames])
        for e in event.exceptions]
    return msgspec.structs.replace(
        event, environment=_s(event.environment), message=_o(event.message),
        title=_o(event.title), fingerprint=_o(event.fingerprint), platform=_s(event.platform),
        language=_s(event.language), framework=_s(event.framework),
        code_version=_o(event.code_version), context=_o(event.context), host=_o(event.host),
        server_root=_o(event.server_root), reference_id=_o(event.reference_id),
        fingerprint_template=[_s(t) for t in event.fingerprint_template],
        tags={_s(k): _s(v) for k, v in event.tags.items()}, person=person, exceptions=excs)
