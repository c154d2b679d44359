"""Edge adapters, one folder per vendor; none imports another. A new vendor is one
folder plus one line in ADAPTERS."""

from __future__ import annotations

from tracehound.protocols.base import Adapter
from tracehound.protocols.bugsnag import BugsnagAdapter
from tracehound.protocols.exceptionless import ExceptionlessAdapter
from tracehound.protocols.logster import LogsterAdapter
from tracehound.protocols.rollbar import RollbarAdapter
from tracehound.protocols.sentry import SentryAdapter

ADAPTERS: tuple[Adapter, ...] = (
    RollbarAdapter(),
    SentryAdapter(),
    ExceptionlessAdapter(),
    LogsterAdapter(),
    BugsnagAdapter(),
)
