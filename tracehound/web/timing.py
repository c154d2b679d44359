"""`Server-Timing: app;dur=<ms>` on every HTML page: the server's own time for it.

Measured from the request reaching the app (below the ingest fast path, which never
comes here) to the start of the response: routing, the session look-up, the queries and
the template. A page is rendered whole before it is sent, so that is all its work but
the network. Browsers show it in the developer tools' timing tab; bench/web_bench.py
reads it. JSON APIs do not get it (their clients have no use for it).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    """ASGI middleware adding the header to `text/html` responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_html(message):
                ms = (time.perf_counter() - start) * 1000
                message["headers"] = [*message.get("headers", []),
                                      (b"server-timing", f"app;dur={ms:.1f}".encode())]
            await send(message)

        await self.app(scope, receive, timed_send)


def _is_html(message: Message) -> bool:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return bytes(value).startswith(b"text/html")
    return False
