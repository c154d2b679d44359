"""Conditions over `items` for what other trackers call an item's state: lifecycle
flags (fixed, hidden, regressed, snoozed, critical), lifecycle names (open, regressed,
snoozed, fixed, ignored, discarded) and the kind of event an item holds. The search
compiler uses them for the fields of the same names (query/fields.py: FLAGS,
LIFECYCLE, EVENT_TYPE); a surface that shows these states computes them the same way
(`lifecycle_of`, `event_type_of`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, true

from tracehound.model.item import ItemStatus
from tracehound.query.search_syntax import Value
from tracehound.store.tables import items

Where = ColumnElement[bool]
_ACTIVE, _RESOLVED = int(ItemStatus.ACTIVE), int(ItemStatus.RESOLVED)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def flag(name: str, now: float) -> Where:
    """One of fields.FLAGS as a two-valued condition (NOT of it is its complement)."""
    c = items.c
    if name == "fixed":
        return c.status == _RESOLVED
    if name == "hidden":  # Exceptionless: not open and not regressed
        return or_(c.status != _ACTIVE, flag("snoozed", now))
    if name == "regressed":  # reactivated by an occurrence after its last resolve
        return and_(c.status == _ACTIVE,
                    c.last_resolved_timestamp.is_not(None),
                    c.last_activated_timestamp.is_not(None),
                    c.last_activated_timestamp > c.last_resolved_timestamp)
    if name == "snoozed":
        return and_(c.snooze_enabled.is_(True),
                    or_(c.snooze_expires_at.is_(None), c.snooze_expires_at > now))
    assert name == "critical", name
    return c.critical.is_(True)


def lifecycle(code: int, now: float) -> Where:
    """fields.LIFECYCLE's codes: 1 open, 2 regressed, 3 snoozed, 4 fixed, 5 ignored,
    6 discarded (Tracehound mutes both)."""
    if code == 1:
        return and_(items.c.status == _ACTIVE, not_(flag("regressed", now)),
                    not_(flag("snoozed", now)))
    if code == 2:
        return and_(flag("regressed", now), not_(flag("snoozed", now)))
    if code == 3:
        return and_(items.c.status == _ACTIVE, flag("snoozed", now))
    if code == 4:
        return flag("fixed", now)
    return items.c.status.in_((int(ItemStatus.MUTED), int(ItemStatus.ARCHIVED)))


def event_type(v: Value) -> Where:
    """The kind of event an item holds. Errors are items with an exception; an event
    that names its type without one (Exceptionless logs, usage, 404…) is grouped by it,
    so its item's grouping key has a `type:<kind>` part; items with neither are logs
    (messages). Case-insensitive; `*` is any."""
    if v.any:
        return true()
    kind = v.text.lower()
    key = items.c.fingerprint_key
    part = f"\nfingerprint: type:{escape_like(kind)}"
    typed = or_(key.ilike(f"%{part}\n%", escape="\\"), key.ilike(f"%{part}", escape="\\"))
    if kind == "error":
        return or_(items.c.exception_class.is_not(None), typed)
    if kind == "log":
        untyped = and_(items.c.exception_class.is_(None),
                       not_(key.like("%\nfingerprint: type:%")))
        return or_(typed, untyped)
    return typed


def is_regressed(row: Any) -> bool:
    """`flag("regressed")` for one item row."""
    return (row.status == _ACTIVE and row.last_resolved_timestamp is not None
            and row.last_activated_timestamp is not None
            and row.last_activated_timestamp > row.last_resolved_timestamp)


def is_snoozed(row: Any, now: float) -> bool:
    """`flag("snoozed")` for one item row."""
    return bool(row.snooze_enabled) and (row.snooze_expires_at is None
                                         or row.snooze_expires_at > now)


def lifecycle_of(row: Any, now: float) -> str:
    """The lifecycle name of one item row, as `lifecycle` selects it: open, regressed,
    snoozed, fixed or ignored."""
    if row.status == _RESOLVED:
        return "fixed"
    if row.status != _ACTIVE:
        return "ignored"
    if is_snoozed(row, now):
        return "snoozed"
    return "regressed" if is_regressed(row) else "open"


_TYPE_PART = re.compile(r"\nfingerprint: type:([^\n]*)")


def event_type_of(exception_class: str | None, fingerprint_key: str) -> str:
    """The kind of event an item holds, as `event_type` selects it."""
    if exception_class is not None:
        return "error"
    found = _TYPE_PART.search(fingerprint_key)
    return found.group(1).lower() if found else "log"
