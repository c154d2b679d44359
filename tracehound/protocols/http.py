"""Edge helpers shared by every adapter: bounded body reading, decompression with bomb
limits, token extraction, CORS, JSON sniffing, absolute URLs for API links.

Every byte is bounded twice: the compressed body as it streams in, and the
decompressed output as it is produced, so a 1 KB brotli bomb costs at most
`limit` bytes of memory and answers 413 at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

import brotli
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, PayloadTooLarge

TOO_LARGE = "request entity too large"


async def read_raw(request: Request, limit: int) -> bytes:
    """The body as sent (possibly compressed), refusing more than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(TOO_LARGE)
        except ValueError:
            raise BadPayload("invalid Content-Length header") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br; stacked ones too), output ≤ `limit`."""
    for enc in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        if enc in ("identity", ""):
            continue
        if enc in ("gzip", "x-gzip"):
            body = _zlib(body, zlib.MAX_WBITS | 16, limit)
        elif enc == "deflate":
            try:
                body = _zlib(body, zlib.MAX_WBITS, limit)  # zlib-wrapped, as RFC 9110 says
            except BadPayload:
                body = _zlib(body, -zlib.MAX_WBITS, limit)  # raw deflate, as some clients send
        elif enc == "br":
            body = _brotli(body, limit)
        else:
            raise BadPayload(f"unsupported Content-Encoding: {enc}")
    return body


def _zlib(body: bytes, wbits: int, limit: int) -> bytes:
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadPayload(f"could not decompress body: {exc}") from None
    if len(out) > limit or d.unconsumed_tail:
        raise PayloadTooLarge(TOO_LARGE)
    return out


def _brotli(body: bytes, limit: int) -> bytes:
    d = brotli.Decompressor()
    try:
        out = d.process(body, output_buffer_limit=limit + 1)
        if len(out) > limit or not d.is_finished():
            if len(out) > limit or not d.can_accept_more_data():
                raise PayloadTooLarge(TOO_LARGE)
            raise BadPayload("could not decompress body: truncated brotli stream")
    except brotli.error as exc:
        raise BadPayload(f"could not decompress body: {exc}") from None
    return out


async def read_body(request: Request, limit: int) -> bytes:
    """The decompressed body, each stage bounded by `limit`."""
    raw = await read_raw(request, limit)
    encoding = request.headers.get("content-encoding", "")
    return decompress(raw, encoding, limit) if encoding else raw


def looks_like_json(body: bytes) -> bool:
    """SDKs post JSON under any Content-Type; sniff the first non-blank byte."""
    stripped = body.lstrip(b" \t\r\n\xef\xbb\xbf")
    return stripped[:1] in (b"{", b"[")


def loads_json(body: bytes) -> Any:
    """Decode JSON or raise BadPayload naming the problem (orjson stops at depth 1024)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadPayload(f"invalid JSON: {exc}") from None


def absolute_url(request: Request, public_url: str, path: str) -> str:
    """`path` as a full URL for links in API answers: under `public_url` (the
    `public_url` setting) when set, else under the origin the request came to."""
    public = public_url.strip().rstrip("/")
    return f"{public}{path}" if public else str(request.url.replace(path=path, query=""))


def page_url(request: Request, public_url: str, drop: Iterable[str],
             **params: str | int) -> str:
    """This request's URL for another page: the `drop` query parameters removed,
    `params` set, every other parameter kept; under `public_url` when set."""
    url = request.url.remove_query_params(list(drop)).include_query_params(**params)
    public = public_url.strip().rstrip("/")
    if public:
        query = f"?{url.query}" if url.query else ""
        return f"{public}{url.path}{query}"
    return str(url)


def first_header(request: Request, names: Iterable[str]) -> str | None:
    for name in names:
        value = request.headers.get(name)
        if value:
            return value.strip()
    return None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


CORS_ALLOW_HEADERS = "Content-Type, Content-Encoding, X-Rollbar-Access-Token, X-Rollbar-Replay-Id"


def cors_headers(expose: str = "") -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Credentials": "true",
    }
    if expose:
        headers["Access-Control-Expose-Headers"] = expose
    return headers


def preflight(request: Request, allow_headers: str = CORS_ALLOW_HEADERS) -> Response:
    """Answer a CORS preflight: any origin, POST, the SDK's headers."""
    asked = request.headers.get("access-control-request-headers")
    return Response(status_code=204, headers={
        **cors_headers(),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": asked or allow_headers,
        "Access-Control-Max-Age": "86400",
    })
