"""A `LogMessage` posted as XML (logster-api.md §3.2), read safely and leniently.

Safe: defusedxml's parser refuses any DTD (so no entity, internal or external, can be
declared: billion laughs and XXE die at `<!DOCTYPE`), and the target below refuses
nesting past MAX_DEPTH and more than MAX_ELEMENTS elements while the parse streams,
so nothing grows past the body's own bound (`max_body_bytes`). No tree is built.

Lenient, as the reference asks: any root element name, namespaces ignored, children in
any order, names matched case-insensitively later (binding.py), `i:nil="true"` is an
absent value. A field element that has child elements is not text: it is reported as
COMPLEX and binding turns it into a ModelState error.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

MAX_DEPTH = 32
MAX_ELEMENTS = 1000


class Complex:
    """The value of a field element with child elements (not a string)."""

    def __repr__(self) -> str:
        return "COMPLEX"


COMPLEX = Complex()


class XmlRefused(ValueError):
    """The body is not XML this endpoint reads; the text says why."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


class _Fields:
    """ElementTree parser target: collects (name, text) of the root's children."""

    def __init__(self) -> None:
        self.depth = 0
        self.count = 0
        self.fields: list[tuple[str, Any]] = []
        self._name = ""
        self._text: list[str] = []
        self._nil = False
        self._complex = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH:
            raise XmlRefused(f"The XML is nested more than {MAX_DEPTH} levels deep.")
        if self.count > MAX_ELEMENTS:
            raise XmlRefused(f"The XML has more than {MAX_ELEMENTS} elements.")
        if self.depth == 2:
            self._name, self._text, self._complex = _local(tag), [], False
            self._nil = any(_local(k) == "nil" and v.strip() in ("true", "1")
                            for k, v in attrib.items())
        elif self.depth > 2:
            self._complex = True

    def data(self, text: str) -> None:
        if self.depth == 2:
            self._text.append(text)

    def end(self, tag: str) -> None:
        if self.depth == 2:
            value: Any = COMPLEX if self._complex else None if self._nil \
                else "".join(self._text)
            self.fields.append((self._name, value))
        self.depth -= 1

    def close(self) -> list[tuple[str, Any]]:
        return self.fields


_REFUSED = {"DTDForbidden": "a document type declaration (<!DOCTYPE>)",
            "EntitiesForbidden": "an entity declaration",
            "ExternalReferenceForbidden": "an external reference"}


def read_fields(body: bytes) -> list[tuple[str, Any]]:
    """The root element's children as (local name, text | None | COMPLEX), in order.
    XmlRefused names the problem: not well-formed, a DTD, too deep, too many elements."""
    target = _Fields()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    try:
        parser.feed(body)
        fields: list[tuple[str, Any]] = parser.close()
    except XmlRefused:
        raise
    except DefusedXmlException as exc:
        what = _REFUSED.get(type(exc).__name__, "a construct that is not accepted")
        raise XmlRefused(f"The XML has {what}: DTDs, entities and external references "
                         "are not accepted.") from None
    except ParseError as exc:
        raise XmlRefused(f"The request body is not well-formed XML: {exc}.") from None
    except (ValueError, RecursionError, UnicodeError) as exc:  # expat's odd corners
        raise XmlRefused(f"The request body could not be read as XML: {exc}.") from None
    return fields
