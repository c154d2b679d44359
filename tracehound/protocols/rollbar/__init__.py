"""Rollbar: POST /api/1/item/ ingest and the /api/1 read API."""

from tracehound.protocols.rollbar.adapter import RollbarAdapter

__all__ = ["RollbarAdapter"]
