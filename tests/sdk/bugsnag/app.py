"""An application reporting to Tracehound with the real `bugsnag` package, driven by
tests/sdk/test_bugsnag_python.py and test_bugsnag_data_access.py. Usage: python app.py
SCENARIO; the notify and sessions URLs and the API key come from BUGSNAG_NOTIFY,
BUGSNAG_SESSIONS and BUGSNAG_API_KEY (`burst` also reads BUGSNAG_COUNT and
BUGSNAG_FIRST). Prints one JSON line at exit: the SDK's version and what it logged as
warnings or errors (a non-2xx answer is logged as "Delivery to ... failed").

A process of its own: importing bugsnag installs its sys.excepthook, and the
`unhandled` scenario ends the process through it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
from pathlib import Path

import bugsnag
from bugsnag.notifier import _NOTIFIER_INFORMATION

LOGGED: list[str] = []


class Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        LOGGED.append(record.getMessage())


def divide(a: int, b: int) -> float:
    return a / b


def lookup(key: str) -> int:
    return {"a": 1}[key]


def caught(fn, *args):  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - the point is to report it
        return exc
    raise AssertionError("did not raise")


def charge(order: int) -> None:
    try:
        lookup(f"order-{order}")
    except KeyError as exc:
        raise ValueError(f"cannot charge order {order}") from exc


def notify() -> None:
    # the same line twice (another message): one error
    bugsnag.notify(caught(divide, 1, 0))
    bugsnag.notify(caught(divide, 2, 0), context="GET /cart", severity="info",
                   user={"id": "u-42", "name": "Bo", "email": "bo@example.com"},
                   metadata={"order": {"id": 7, "password": "hunter2"}})
    # another place: another error
    bugsnag.notify(caught(lookup, "missing"))
    # a chained exception
    bugsnag.notify(caught(charge, 12))
    # grouping_hash: two different errors reported as one
    bugsnag.notify(caught(divide, 3, 0), grouping_hash="checkout-failed")
    bugsnag.notify(caught(lookup, "gone"), grouping_hash="checkout-failed")
    # three sessions, sent at exit (the SDK's atexit hook)
    for _ in range(3):
        bugsnag.start_session()


def burst() -> None:
    """BUGSNAG_COUNT reports of one error, each numbered in its context (from
    BUGSNAG_FIRST) and delivered before the next is raised (asynchronous=False)."""
    first = int(os.environ.get("BUGSNAG_FIRST", "0"))
    for n in range(first, first + int(os.environ["BUGSNAG_COUNT"])):
        bugsnag.notify(caught(divide, n, 0), context=f"#{n}",
                       metadata={"burst": {"n": n}})


def unhandled() -> None:
    divide(9, 0)  # raised out of the program: the SDK's sys.excepthook reports it


def main() -> None:
    scenario = sys.argv[1]
    logging.getLogger("bugsnag").addHandler(Collect(level=logging.WARNING))
    bugsnag.configure(
        api_key=os.environ["BUGSNAG_API_KEY"],
        endpoint=os.environ["BUGSNAG_NOTIFY"],
        session_endpoint=os.environ["BUGSNAG_SESSIONS"],
        asynchronous=False,
        project_root=str(Path(__file__).parent),
        release_stage="sdk-test",
        app_version="1.4.2",
        hostname="web-1",
    )
    {"notify": notify, "unhandled": unhandled, "burst": burst}[scenario]()


@atexit.register  # registered first, so it runs last: after the SDK sent its sessions
def report() -> None:
    print(json.dumps({"version": _NOTIFIER_INFORMATION["version"], "logged": LOGGED}),
          flush=True)


if __name__ == "__main__":
    main()
