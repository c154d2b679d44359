"""The one error the search language raises, whatever is wrong with a query."""

from __future__ import annotations

from tracehound.errors import InvalidPayload


class SearchError(InvalidPayload):
    """A query that cannot be parsed or compiled; `position` is a character offset
    (0-based) into the query text. Renders as 422 with the vendor's error shape."""

    def __init__(self, reason: str, position: int, text: str = "", hint: str = "") -> None:
        near = text[position:position + 20]
        where = f" at position {position}" + (f" (near {near!r})" if near else "")
        super().__init__(f"invalid search query: {reason}{where}" + (f"; {hint}" if hint else ""))
        self.reason = reason
        self.position = position
