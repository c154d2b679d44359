"""The result of grouping: a versioned key, readable and hashed, with its reasons."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Component:
    """One input to the key: what it was, whether it counted, and why."""

    name: str
    value: str
    contributes: bool = True
    hint: str = ""


@dataclass(frozen=True)
class Fingerprint:
    version: str
    key: str  # readable text the hash is computed from
    hash: str  # what items are unique on
    components: tuple[Component, ...] = field(default_factory=tuple)

    def explain(self) -> str:
        """Multi-line "why grouped" text for the UI and test output."""
        lines = [f"grouping {self.version}: {self.hash}"]
        for c in self.components:
            mark = "+" if c.contributes else "-"
            lines.append(f"  {mark} {c.name}: {c.value}" + (f"  ({c.hint})" if c.hint else ""))
        return "\n".join(lines)


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def from_components(version: str, components: list[Component]) -> Fingerprint:
    """Key = the contributing components, one per line; hash = SHA-1 of the key."""
    key = "\n".join(f"{c.name}: {c.value}" for c in components if c.contributes)
    return Fingerprint(version, key, sha1_hex(key), tuple(components))
