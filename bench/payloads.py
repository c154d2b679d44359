"""Realistic Rollbar item payloads for the load generator.

`build_corpus()` returns precomputed request bodies: ~200 distinct errors (180 Python
exceptions, some of them chained, with 10-30 frames each, plus 20 log messages), each in
several occurrence variants (different ids, locals, request, person, host). Every body is
5-10 KB of JSON and is stored split around its `data.uuid`, so a fresh uuid4 per request
costs one bytes join.

Grouping (tracehound/grouping/v1.py) keys exceptions on class + in-app frames (path and
function, not line numbers) and messages on their masked text, so each template below is
one item: 200 in all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import orjson

UUID_MARK = "@" * 36  # the same length as a dashed uuid4, replaced per request
MIN_BYTES = 5_000
MAX_BYTES = 10_000

N_EXCEPTIONS = 180
N_MESSAGES = 20

MODULES = ("billing", "orders", "accounts", "inventory", "search", "notifications",
           "reports", "auth", "shipping", "catalog", "payments", "analytics", "exports",
           "webhooks", "pricing", "cart")
FILES = ("views.py", "services.py", "models.py", "tasks.py", "serializers.py", "utils.py",
         "forms.py", "api.py", "handlers.py", "repository.py", "validators.py", "signals.py")
VERBS = ("get", "create", "update", "delete", "process", "validate", "render", "sync",
         "compute", "load", "fetch", "apply", "resolve", "send", "parse", "build", "merge",
         "refresh", "export", "import")
NOUNS = ("invoice", "order", "customer", "cart", "payment", "report", "shipment", "token",
         "profile", "discount", "line_item", "session", "webhook", "batch", "coupon",
         "address", "subscription", "refund", "price", "stock_level")
EXC_CLASSES = ("KeyError", "ValueError", "TypeError", "AttributeError", "IndexError",
               "ZeroDivisionError", "RuntimeError", "LookupError", "UnicodeDecodeError",
               "AssertionError", "PermissionError", "TimeoutError", "FileNotFoundError",
               "django.db.utils.IntegrityError", "django.db.utils.OperationalError",
               "django.core.exceptions.ValidationError",
               "django.core.exceptions.ObjectDoesNotExist",
               "requests.exceptions.ConnectionError", "requests.exceptions.ReadTimeout",
               "sqlalchemy.exc.OperationalError", "redis.exceptions.ConnectionError",
               "json.decoder.JSONDecodeError", "botocore.exceptions.ClientError",
               "celery.exceptions.SoftTimeLimitExceeded", "app.errors.PaymentDeclined",
               "app.errors.OutOfStock", "app.errors.InvalidCoupon",
               "app.errors.UpstreamUnavailable", "decimal.InvalidOperation",
               "stripe.error.CardError")
MESSAGES = ("Payment {n} for customer {m} timed out after {f}s",
            "Retrying webhook delivery {n} to https://hooks.example.com/{m} (attempt {k})",
            "Slow query: {f}ms on orders for tenant {m}",
            "Cache miss storm: {n} misses in {k} seconds on key prefix 'cart:{m}'",
            "Export job {n} finished with {k} warnings",
            "User {m} exceeded the API quota ({n} calls)",
            "Inventory sync for warehouse {k} skipped {n} rows",
            "Invoice {n} has a negative total {f}",
            "Stripe webhook {hex} arrived out of order",
            "Deprecated endpoint /v1/orders/{n} called by client {m}",
            "Email bounce for user {email}",
            "Feature flag 'checkout_v{k}' evaluated without a context",
            "Background task {n} took {f}s (budget 30s)",
            "Worker {k} restarted after {n} jobs",
            "Refund {n} requires manual review: amount {f}",
            "Shipment {n} label purchase retried {k} times",
            "Coupon {hex} redeemed twice by account {m}",
            "Search index lag is {n} documents",
            "Report {n} rendering fell back to CSV",
            "Login throttled for ip 10.{k}.{o}.{p}")
LIB_BOTTOM = (  # the framework frames every request goes through
    ("/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", 55,
     "inner", "response = get_response(request)"),
    ("/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py", 197,
     "_get_response", "response = wrapped_callback(request, *callback_args, **callback_kwargs)"),
    ("/usr/local/lib/python3.11/site-packages/django/views/decorators/csrf.py", 56,
     "wrapper_view", "return view_func(*args, **kwargs)"),
    ("/usr/local/lib/python3.11/site-packages/django/views/generic/base.py", 104,
     "view", "return self.dispatch(request, *args, **kwargs)"),
    ("/usr/local/lib/python3.11/site-packages/rest_framework/views.py", 509,
     "dispatch", "response = handler(request, *args, **kwargs)"),
)
LIB_TOP = (  # where library exceptions are raised
    ("/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", 89,
     "_execute", "return self.cursor.execute(sql, params)"),
    ("/usr/local/lib/python3.11/site-packages/requests/adapters.py", 519,
     "send", "raise ConnectionError(e, request=request)"),
    ("/usr/local/lib/python3.11/site-packages/redis/connection.py", 707,
     "connect", "raise ConnectionError(self._error_message(e))"),
    ("/usr/local/lib/python3.11/json/decoder.py", 355,
     "raw_decode", "raise JSONDecodeError(\"Expecting value\", s, err.value) from None"),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "python-requests/2.31.0",
    "okhttp/4.12.0",
)


@dataclass(frozen=True)
class Body:
    """One precomputed request: HTTP head + JSON up to the uuid, and the rest."""

    head: bytes
    tail: bytes
    template: int  # which of the ~200 errors (= which item) it belongs to
    kind: str  # "trace", "trace_chain" or "message"
    json_len: int  # JSON body length in bytes, uuid included


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"


def _code(rng: random.Random, method: str | None = None) -> str:
    a, b = rng.choice(NOUNS), rng.choice(NOUNS)
    forms = (
        f"{a} = self.{method or _ident(rng)}({b}, commit=False)",
        f"if {a}.status != {b}_status and not force:",
        f"return {_ident(rng)}(request, {a}_id={a}.pk)",
        f"{a}_total = sum(x.amount for x in {b}.lines.all())",
        f"raise {rng.choice(('ValueError', 'LookupError'))}(f\"unknown {a}: {{{b}!r}}\")",
        f"for {a} in {b}s.select_related('{rng.choice(NOUNS)}'):",
        f"logger.info(\"{a} %s processed\", {b}.id)",
        f"{a}.save(update_fields=[\"status\", \"updated_at\"])",
        f"data = {_ident(rng)}({a}, timeout=settings.{b.upper()}_TIMEOUT)",
    )
    return rng.choice(forms)


class _Template:
    """One distinct error: what stays the same across its occurrences."""

    def __init__(self, index: int, rng: random.Random, used: set[tuple[str, str]]) -> None:
        self.index = index
        self.exc_class = EXC_CLASSES[index % len(EXC_CLASSES)]
        self.chained = index % 6 == 5  # every sixth is `raise X from Y`
        n_frames = round(rng.triangular(10, 30, 10))  # mean ~17
        n_bottom = rng.randint(2, len(LIB_BOTTOM))
        top = [rng.choice(LIB_TOP)] if rng.random() < 0.4 else []
        n_app = max(3, n_frames - n_bottom - len(top))
        app = []
        for k in range(n_app):
            while True:  # the innermost app frame is unique to the template
                module = rng.choice(MODULES)
                path = f"/srv/app/{module}/{rng.choice(FILES)}"
                method = _ident(rng)
                if k < n_app - 1 or (path, method) not in used:
                    break
            if k == n_app - 1:
                used.add((path, method))
            app.append((path, rng.randint(12, 900), method, _code(rng)))
        self.frames = list(LIB_BOTTOM[:n_bottom]) + app + top
        self.context = [([_code(rng) for _ in range(rng.randint(1, 2))],
                         [_code(rng) for _ in range(rng.randint(1, 2))])
                        for _ in self.frames]
        self.locals_at = {i for i in range(len(self.frames)) if rng.random() < 0.25}
        self.local_names = [[rng.choice(NOUNS) for _ in range(rng.randint(2, 5))]
                            for _ in self.frames]
        self.cause_frames = app[-3:] + [rng.choice(LIB_TOP)]
        self.route = f"/api/v2/{rng.choice(MODULES)}/{rng.choice(NOUNS)}s/{{id}}/"
        self.view = f"{self.frames[-1][2]}"


def _frames(t: _Template, rng: random.Random, frames: list[Any],
            with_extras: bool) -> list[dict[str, Any]]:
    out = []
    for i, (path, lineno, method, code) in enumerate(frames):
        f: dict[str, Any] = {"filename": path, "lineno": lineno, "method": method,
                             "code": code}
        if with_extras:
            pre, post = t.context[i]
            f["context"] = {"pre": pre, "post": post}
            if i in t.locals_at:
                f["argspec"] = ["self", *t.local_names[i][:2]]
                f["locals"] = {name: _local_value(rng, name) for name in t.local_names[i]}
        out.append(f)
    return out


def _local_value(rng: random.Random, name: str) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return str(rng.randint(0, 10**6))
    if kind == 1:
        return f"<{name.title().replace('_', '')}: {name} #{rng.randint(1, 99999)}>"
    if kind == 2:
        return repr({"id": rng.randint(1, 9999), "status": rng.choice(("open", "paid")),
                     "amount": f"{rng.uniform(1, 999):.2f}"})
    if kind == 3:
        return repr([rng.randint(1, 500) for _ in range(rng.randint(1, 6))])
    return f"'{rng.choice(NOUNS)}-{rng.getrandbits(32):08x}'"


def _exc_message(cls: str, rng: random.Random) -> str:
    n = rng.randint(1, 99999)
    short = cls.rsplit(".", 1)[-1]
    return {
        "KeyError": f"'{rng.choice(NOUNS)}_{n}'",
        "IndexError": "list index out of range",
        "ZeroDivisionError": "division by zero",
        "TypeError": f"unsupported operand type(s) for +: 'NoneType' and 'Decimal' (row {n})",
        "AttributeError": f"'NoneType' object has no attribute '{rng.choice(NOUNS)}'",
    }.get(short, f"{short} while handling {rng.choice(NOUNS)} {n}: upstream said "
                 f"{rng.choice(('429', '503', 'timeout', 'conflict'))}")


def _context_blocks(rng: random.Random, route: str) -> dict[str, Any]:
    oid = rng.randint(1000, 999999)
    user = rng.randint(1, 5000)
    path = route.replace("{id}", str(oid))
    return {
        "request": {
            "url": f"https://shop.example.com{path}?page={rng.randint(1, 9)}&expand=lines",
            "method": rng.choice(("GET", "POST", "PUT", "DELETE")),
            "headers": {
                "Host": "shop.example.com",
                "User-Agent": rng.choice(USER_AGENTS),
                "Accept": "application/json",
                "Accept-Language": "en-US,en;q=0.9",
                "Content-Type": "application/json",
                "X-Request-Id": f"{rng.getrandbits(128):032x}",
                "X-Forwarded-For": f"203.0.113.{rng.randint(1, 254)}",
                "Cookie": "sessionid=********; csrftoken=********",
            },
            "GET": {"page": str(rng.randint(1, 9)), "expand": "lines"},
            "POST": {"quantity": str(rng.randint(1, 20)), "sku": f"SKU-{rng.randint(1, 9999)}"}
            if rng.random() < 0.5 else {},
            "user_ip": f"198.51.100.{rng.randint(1, 254)}",
            "session": {"cart_id": str(rng.randint(1, 10**6)), "locale": "en_US"},
        },
        "server": {
            "host": f"web-{rng.randint(1, 6)}.prod.internal",
            "root": "/srv/app",
            "branch": "main",
            "code_version": f"{rng.choice(('4f1c2ab', '9be0d71', 'c03a9e2'))}",
            "pid": rng.randint(100, 65000),
            "argv": ["/usr/local/bin/gunicorn", "app.wsgi:application", "--workers", "4"],
        },
        "person": {"id": str(user), "username": f"user{user}",
                   "email": f"user{user}@example.com"},
        "custom": {
            "tenant": f"tenant-{rng.randint(1, 40)}",
            "request_id": f"{rng.getrandbits(64):016x}",
            "feature_flags": rng.sample(["checkout_v2", "new_search", "fast_export",
                                         "beta_pricing", "dark_mode"], 3),
            "region": rng.choice(("eu-west-1", "us-east-1", "ap-south-1")),
        },
    }


def _occurrence(t: _Template | None, message: str | None, rng: random.Random,
                with_extras: bool = True) -> dict[str, Any]:
    route = t.route if t else f"/api/v2/{rng.choice(MODULES)}/{{id}}/"
    data: dict[str, Any] = {
        "environment": "production",
        "level": "error" if t else rng.choice(("warning", "info")),
        "timestamp": 1_732_500_000 + rng.randint(0, 86400),
        "platform": "linux",
        "language": "python 3.11.7",
        "framework": "django",
        "notifier": {"name": "pyrollbar", "version": "1.0.0"},
        "uuid": UUID_MARK,
        "context": f"{t.view}" if t else "tasks#periodic",
        **_context_blocks(rng, route),
    }
    if t is None:
        data["body"] = {"message": {"body": message, "extra": {
            "job": rng.choice(NOUNS), "attempt": rng.randint(1, 5),
            "queue": rng.choice(("default", "high", "exports")),
            "args": [rng.randint(1, 10**6) for _ in range(4)]}}}
        data["custom"]["breadcrumbs"] = [
            {"t": 1_732_500_000 + k, "msg": f"{rng.choice(VERBS)} {rng.choice(NOUNS)} "
                                             f"{rng.randint(1, 99999)} ok",
             "level": "info", "module": f"app.{rng.choice(MODULES)}"}
            for k in range(rng.randint(25, 45))]
        return data
    trace = {"frames": _frames(t, rng, t.frames, with_extras),
             "exception": {"class": t.exc_class, "message": _exc_message(t.exc_class, rng)}}
    if t.chained:
        cause = {"frames": _frames(t, rng, t.cause_frames, False),
                 "exception": {"class": "requests.exceptions.ConnectionError",
                               "message": f"HTTPSConnectionPool(host='api.partner.example', "
                                          f"port=443): Max retries exceeded "
                                          f"({rng.randint(1, 9)})"}}
        data["body"] = {"trace_chain": [trace, cause]}
    else:
        data["body"] = {"trace": trace}
    return data


def _fill_message(fmt: str, rng: random.Random) -> str:
    return fmt.format(n=rng.randint(1, 999999), m=rng.randint(1, 99999),
                      k=rng.randint(1, 60), f=f"{rng.uniform(0.5, 120):.2f}",
                      o=rng.randint(0, 255), p=rng.randint(1, 254),
                      hex=f"{rng.getrandbits(48):012x}",
                      email=f"u{rng.randint(1, 9999)}@example.com")


def _encode(data: dict[str, Any], token: str | None) -> bytes:
    payload: dict[str, Any] = {"data": data}
    if token:
        payload["access_token"] = token
    return orjson.dumps(payload)


def _split(json_body: bytes, host: str, token: str, template: int, kind: str) -> Body:
    mark = UUID_MARK.encode()
    assert json_body.count(mark) == 1
    before, after = json_body.split(mark)
    head = (f"POST /api/1/item/ HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nX-Rollbar-Access-Token: {token}\r\n"
            f"Content-Length: {len(json_body)}\r\n\r\n").encode() + before
    return Body(head=head, tail=after, template=template, kind=kind, json_len=len(json_body))


def build_corpus(host: str, token: str, *, variants: int = 12, seed: int = 1) -> list[Body]:
    """Bodies for every template × variant, interleaved so consecutive requests hit
    different items (as a real fleet does)."""
    rng = random.Random(seed)
    used: set[tuple[str, str]] = set()
    templates = [_Template(i, rng, used) for i in range(N_EXCEPTIONS)]
    per_template: list[list[Body]] = []
    for t in templates:
        bodies = []
        for _ in range(variants):
            data = _occurrence(t, None, rng)
            raw = _encode(data, None)
            body = data["body"]
            frames = (body["trace"] if "trace" in body else body["trace_chain"][0])["frames"]
            for f in frames:  # too big: drop locals, oldest frames first
                if len(raw) <= MAX_BYTES:
                    break
                if f.pop("locals", None) is not None:
                    f.pop("argspec", None)
                    raw = _encode(data, None)
            for f in frames:  # still too big: drop context lines too
                if len(raw) <= MAX_BYTES:
                    break
                f.pop("context", None)
                raw = _encode(data, None)
            while len(raw) < MIN_BYTES:  # few, short frames: add request context
                data["custom"].setdefault("recent_queries", []).append(
                    f"SELECT * FROM {rng.choice(NOUNS)} WHERE id = {rng.randint(1, 10**6)} "
                    f"AND tenant_id = {rng.randint(1, 40)} ORDER BY created_at DESC LIMIT 50")
                raw = _encode(data, None)
            bodies.append(_split(raw, host, token, t.index, next(iter(data["body"]))))
        per_template.append(bodies)
    for m, fmt in enumerate(MESSAGES[:N_MESSAGES]):
        bodies = []
        for _ in range(variants):
            data = _occurrence(None, _fill_message(fmt, rng), rng)
            raw = _encode(data, None)
            while len(raw) < MIN_BYTES:
                data["custom"]["breadcrumbs"].append(data["custom"]["breadcrumbs"][-1])
                raw = _encode(data, None)
            bodies.append(_split(raw, host, token, N_EXCEPTIONS + m, "message"))
        per_template.append(bodies)
    order = list(range(len(per_template)))
    corpus: list[Body] = []
    for v in range(variants):
        rng.shuffle(order)
        corpus.extend(per_template[i][v] for i in order)
    return corpus


def templates_in(corpus: list[Body]) -> int:
    return len({b.template for b in corpus})


if __name__ == "__main__":  # size report: python bench/payloads.py
    import statistics

    c = build_corpus("127.0.0.1:8000", "0" * 32)
    sizes = [b.json_len for b in c]
    kinds: dict[str, int] = {}
    for b in c:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    print(f"{len(c)} bodies, {templates_in(c)} templates, kinds {kinds}")
    print(f"JSON bytes: min {min(sizes)} mean {statistics.mean(sizes):.0f} "
          f"median {statistics.median(sizes):.0f} max {max(sizes)}")
