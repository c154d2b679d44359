"""A small application reporting to Tracehound with the real sentry-sdk.

Run by tests/sdk/test_sentry_python.py as its own process (the SDK patches threading
and logging process-wide): `python app.py SCENARIO`, DSN in $SENTRY_DSN. Prints one
JSON object: the event ids the SDK returned, in order.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import sentry_sdk
from sentry_sdk.integrations.threading import ThreadingIntegration

ids: list[str | None] = []


def divide(a: int, b: int) -> float:
    return a / b


def capture_in_loop() -> None:
    for _ in range(2):
        try:
            divide(1, 0)
        except ZeroDivisionError:
            ids.append(sentry_sdk.capture_exception())  # the same line, twice


def capture_elsewhere() -> None:
    try:
        divide(2, 0)
    except ZeroDivisionError:
        ids.append(sentry_sdk.capture_exception())


def lookup(key: str) -> str:
    return {"a": "1"}[key]


def scenario_grouping() -> None:
    capture_in_loop()
    capture_elsewhere()


def scenario_messages() -> None:
    ids.append(sentry_sdk.capture_message("payment 1234 failed after 3 retries", "warning"))
    ids.append(sentry_sdk.capture_message("payment 98 failed after 5 retries", "warning"))
    ids.append(sentry_sdk.capture_message("cache warmed"))


def scenario_context() -> None:
    sentry_sdk.set_user({"id": "u-77", "username": "ann", "email": "ann@example.com"})
    sentry_sdk.set_tag("region", "eu")
    try:
        try:
            lookup("missing")
        except KeyError as exc:
            raise RuntimeError("could not load the profile") from exc
    except RuntimeError:
        ids.append(sentry_sdk.capture_exception())


def crash() -> None:
    raise ValueError("thread crashed 42")


def scenario_thread() -> None:
    t = threading.Thread(target=crash, name="worker-1")
    t.start()
    t.join()
    ids.append(sentry_sdk.last_event_id())


def scenario_fingerprint() -> None:
    for cls in (KeyError, ValueError):  # two different errors, one custom group
        with sentry_sdk.new_scope() as scope:
            scope.fingerprint = ["billing-outage"]
            try:
                raise cls("upstream said no")
            except cls:
                ids.append(sentry_sdk.capture_exception())
    for tenant in ("a", "a", "b"):  # the default group, split by tenant
        with sentry_sdk.new_scope() as scope:
            scope.fingerprint = ["{{ default }}", f"tenant-{tenant}"]
            try:
                lookup("nope")
            except KeyError:
                ids.append(sentry_sdk.capture_exception())


SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items()
             if name.startswith("scenario_")}


def main() -> None:
    scenario = sys.argv[1]
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        release="shop@1.4.2",
        environment="sdk-test",
        server_name="web-1",
        default_integrations=False,  # keep the test's process-wide patching explicit
        integrations=[ThreadingIntegration()],
        auto_enabling_integrations=False,
    )
    SCENARIOS[scenario]()
    sentry_sdk.flush(timeout=10)
    print(json.dumps({"ids": ids, "version": sentry_sdk.VERSION}))


if __name__ == "__main__":
    main()
