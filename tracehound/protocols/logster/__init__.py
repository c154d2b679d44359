"""Logster (logster.io) log API: POST /api/Log. See docs/protocols/logster.md."""

from tracehound.protocols.logster.adapter import LogsterAdapter

__all__ = ["LogsterAdapter"]
