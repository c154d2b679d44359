"""Model binding and validation of a `LogMessage`, as ASP.NET Web API 2 did it for
logster.io (logster-api.md §2, §4). Pure: no IO.

- Field names match case-insensitively (Json.NET and the form binder both do); when a
  name comes twice, the last value wins. Other fields are kept as sent, as extra data.
- Text fields take strings; numbers and booleans are taken as their JSON text (Json.NET
  converts them too); an object, an array or an XML element with children is an error.
- `Severity` takes an integer, a digit string or a name in any case (`Error`, `warn`),
  since an XML or enum-by-name client sends names. Out of 0..6 → Web API's range error.
- `Message` is required: absent, null, empty or blank → "The Message field is required."

Errors are collected for every field, in the fields' order, under `message.<Field>`
(the action's parameter is named `message`), and raised together as ModelInvalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tracehound.protocols.logster.errors import ModelInvalid
from tracehound.protocols.logster.xmlbody import COMPLEX

FIELDS = ("Exception", "Message", "StackTrace", "Severity", "Category", "Application", "User")
_CANONICAL = {name.lower(): name for name in FIELDS}
SEVERITY_TYPE = "Logster.Core.Severity"
SEVERITY_MIN, SEVERITY_MAX = 0, 6
# Logster.Core.Severity's names, assumed from the 0..6 range (logster-api.md §2.1), with
# the aliases .NET logging libraries use for the same levels
SEVERITY_NAMES = {"trace": 0, "verbose": 0, "debug": 1, "info": 2, "information": 2,
                  "warn": 3, "warning": 3, "error": 4, "critical": 5, "fatal": 5,
                  "none": 6, "off": 6}
REQUIRED = "The Message field is required."
RANGE = f"The field Severity must be between {SEVERITY_MIN} and {SEVERITY_MAX}."


@dataclass(frozen=True)
class LogMessage:
    """A bound, valid Logster message: what translate.py reads."""

    message: str
    severity: int | None = None  # None: not sent
    exception: str | None = None
    stack_trace: str | None = None
    category: str | None = None
    application: str | None = None
    user: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, as sent

    def payload(self) -> dict[str, Any]:
        """The message as stored and served back: the fields sent, under their
        canonical names, then the extra fields."""
        known = (("Exception", self.exception), ("Message", self.message),
                 ("StackTrace", self.stack_trace), ("Severity", self.severity),
                 ("Category", self.category), ("Application", self.application),
                 ("User", self.user))
        out: dict[str, Any] = {name: value for name, value in known if value is not None}
        for name, value in self.extra.items():
            out.setdefault(name, value)
        return out


class _Invalid(ValueError):
    pass


def _unexpected(value: Any, name: str) -> _Invalid:
    """Json.NET's words for an object or array where a value was expected; an XML
    element with children has no such character, so it is named as such."""
    if value is COMPLEX:
        return _Invalid(f"The element '{name}' must hold text, not child elements.")
    char = "{" if isinstance(value, dict) else "["
    return _Invalid(f"Unexpected character encountered while parsing value: {char}. "
                    f"Path '{name}'.")


def _text(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):  # JSON bodies hold 64-bit integers at most (orjson)
        if abs(value) >= 2**64:
            raise _Invalid(f"The value of '{name}' is too large a number.")
        return str(value)
    if isinstance(value, float):
        return orjson.dumps(value).decode()
    raise _unexpected(value, name)


def _conversion(shown: str) -> _Invalid:
    return _Invalid(f"Error converting value {shown[:100]} to type '{SEVERITY_TYPE}'. "
                    "Path 'Severity'.")


def _severity(value: Any) -> int | None:
    """The number sent, in range or not (the range is checked by the caller)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _conversion(str(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**31:
            return int(value)
        raise _conversion(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None  # an empty form field or XML element: not sent
        digits = text.removeprefix("-").removeprefix("+")
        if digits.isascii() and digits.isdigit():
            if len(digits) > 10:
                return SEVERITY_MAX + 1  # far out of range; no need to convert it
            return int(text)
        named = SEVERITY_NAMES.get(text.lower())
        if named is None:
            raise _conversion(orjson.dumps(text).decode())
        return named
    raise _unexpected(value, "Severity")


def _field(name: str, raw: Any) -> Any:
    if name == "Severity":
        severity = _severity(raw)
        if severity is not None and not SEVERITY_MIN <= severity <= SEVERITY_MAX:
            raise _Invalid(RANGE)
        return severity
    text = _text(raw, name)
    if name == "Message" and (text is None or not text.strip()):
        raise _Invalid(REQUIRED)
    return text


def _extra(value: Any) -> Any:
    return None if value is COMPLEX else value


def bind(pairs: list[tuple[str, Any]]) -> LogMessage:
    """The message the pairs describe; ModelInvalid listing every bad field."""
    sent: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in pairs:
        canonical = _CANONICAL.get(name.lower())
        if canonical is None:
            extra[name] = _extra(value)
        else:
            sent[canonical] = value
    bound: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        try:
            bound[name] = _field(name, sent.get(name))
        except _Invalid as exc:
            errors[f"message.{name}"] = [str(exc)]
    if errors:
        raise ModelInvalid(errors)
    return LogMessage(message=bound["Message"], severity=bound["Severity"],
                      exception=bound["Exception"], stack_trace=bound["StackTrace"],
                      category=bound["Category"], application=bound["Application"],
                      user=bound["User"], extra=extra)
