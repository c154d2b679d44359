"""Conditions over `items` for what other trackers call an item's state: lifecycle
flags (fixed, hidden, regressed, snoozed, critical), lifecycle names (open, regressed,
snoozed, fixed, ignored, discarded) and the kind of event an item holds. The search
compiler uses them for the fields of the same names (query/fields.py: FLAGS,
LIFECYCLE, EVENT_TYPE); a surface that shows these states computes them the same way
(see `lifecycle_name`).
"""

from __future__ import annotations

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
        return flag("snoozed", now)
    if code == 4:
        return flag("fixed", now)
    return items.c.status.in_((int(ItemStatus.MUTED), int(ItemStatus.ARCHIVED)))


def lifecycle_name(status: int, *, regressed: bool, snoozed: bool) -> str:
    """The lifecycle name of one item, as `lifecycle` selects it."""
    if status == _RESOLVED:
        return "fixed"
    if status != _ACTIVE:
        return "ignored"
    if snoozed:
        return "snoozed"
    return "regressed" if regressed else "open"


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
