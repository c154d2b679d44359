"""The posted body as (field name, value) pairs, whatever formatter it needs
(logster-api.md §3): JSON, XML or form-urlencoded, chosen by Content-Type.

| Content-Type                                   | read as                           |
|------------------------------------------------|-----------------------------------|
| application/json, text/json, */*+json          | JSON: one object                  |
| application/xml, text/xml, */*+xml             | XML (xmlbody.py)                  |
| application/x-www-form-urlencoded              | form fields (jQuery's `$.post`)   |
| none, text/plain                               | sniffed: `{`/`[` JSON, `<` XML,   |
|                                                | else form fields                  |
| anything else                                  | 415, as Web API answers           |

A body that cannot be read is a 400 with the reason under the ModelState key `message`
(the action's parameter), as Web API reports formatter errors. An empty body binds no
field at all, so it fails as a missing Message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from tracehound.protocols.logster.errors import ModelInvalid, UnsupportedMediaType
from tracehound.protocols.logster.xmlbody import XmlRefused, read_fields

JSON = ("application/json", "text/json")
XML = ("application/xml", "text/xml")
FORM = "application/x-www-form-urlencoded"
SNIFFED = ("", "text/plain")
MAX_FORM_FIELDS = 1000
PARAMETER = "message"  # the Web API action's parameter name: the ModelState key prefix
_BOM = b"\xef\xbb\xbf"


def media_type(content_type: str) -> tuple[str, str]:
    """(media type, charset) of a Content-Type header, lower-cased."""
    mtype, _, params = content_type.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip('"').lower()
    return mtype.strip().lower(), charset


def kind_of(mtype: str, body: bytes) -> str:
    """"json", "xml" or "form"; 415 for a media type no formatter reads."""
    if mtype in JSON or mtype.endswith("+json"):
        return "json"
    if mtype in XML or mtype.endswith("+xml"):
        return "xml"
    if mtype == FORM:
        return "form"
    if mtype in SNIFFED:
        first = body.lstrip(b" \t\r\n").removeprefix(_BOM).lstrip(b" \t\r\n")[:1]
        return {b"{": "json", b"[": "json", b"<": "xml"}.get(first, "form")
    raise UnsupportedMediaType(mtype)


def _unreadable(reason: str) -> ModelInvalid:
    return ModelInvalid({PARAMETER: [reason]})


def _text(body: bytes, charset: str) -> str:
    """The body decoded with its declared charset (UTF-8 when unknown); 400 when it is
    not text in that charset."""
    try:
        return body.decode(charset)
    except LookupError:
        return body.decode("utf-8", errors="replace")
    except UnicodeDecodeError as exc:
        raise _unreadable(f"The request body is not valid {charset} text: {exc.reason} "
                          f"at byte {exc.start}.") from None


def _json(body: bytes, charset: str) -> list[tuple[str, Any]]:
    data: bytes | str = body.strip().removeprefix(_BOM) if charset in ("utf-8", "utf8") \
        else _text(body, charset).strip().removeprefix("\ufeff")
    if not data:
        return []
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _unreadable(f"The request body is not valid JSON: {exc}.") from None
    if value is None:
        return []
    if isinstance(value, list):
        raise _unreadable("Cannot deserialize the current JSON array (e.g. [1,2,3]) into "
                          "type 'LogMessage' because the type requires a JSON object "
                          '(e.g. {"name":"value"}) to deserialize correctly.')
    if not isinstance(value, dict):
        raise _unreadable(f"Error converting value {orjson.dumps(value).decode()[:100]} "
                          "to type 'LogMessage'. Path ''.")
    return list(value.items())


def _form(body: bytes, charset: str) -> list[tuple[str, Any]]:
    text = _text(body, charset).strip()
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
                         encoding=charset if charset != "utf8" else "utf-8",
                         errors="replace")
    except (ValueError, LookupError) as exc:
        raise _unreadable(f"The form could not be read: {exc}.") from None


def read(body: bytes, content_type: str) -> tuple[str, list[tuple[str, Any]]]:
    """(kind, the body's (name, value) pairs, in order)."""
    mtype, charset = media_type(content_type)
    kind = kind_of(mtype, body)
    if kind == "json":
        return kind, _json(body, charset)
    if kind == "xml":
        if not body.strip():
            return kind, []
        try:
            return kind, read_fields(body)
        except XmlRefused as exc:
            raise _unreadable(str(exc)) from None
    return kind, _form(body, charset)
