"""Item titles: an explicit title wins, else `Class: message`, else the message."""

from __future__ import annotations

from tracehound.model.event import Event

MAX_TITLE = 255


def truncate(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text.strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def title_for(event: Event) -> str:
    if event.title and event.title.strip():
        return truncate(event.title)
    if event.exceptions:
        exc = event.exceptions[0]
        first_line = exc.message.strip().splitlines()[0] if exc.message.strip() else ""
        return truncate(f"{exc.type}: {first_line}" if first_line else exc.type)
    if event.message and event.message.strip():
        return truncate(event.message.strip().splitlines()[0])
    return "(no message)"
