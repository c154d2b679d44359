"""Bugsnag: notify and sessions for the official notifiers (`bugsnag` on PyPI,
@bugsnag/js, @bugsnag/node), and the Data Access API v2 (organizations, projects,
errors, events)."""

from tracehound.protocols.bugsnag.adapter import BugsnagAdapter

__all__ = ["BugsnagAdapter"]
