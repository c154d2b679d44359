"""Sentry: envelope and legacy store ingest, for sentry-sdk and @sentry/* SDKs."""

from tracehound.protocols.sentry.adapter import SentryAdapter

__all__ = ["SentryAdapter"]
