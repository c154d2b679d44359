"""The synthetic world of the query benchmark: projects, items, occurrences, payloads.

Everything comes from one seeded `random.Random`, so a seed and `Params` give the same
store. Items follow a Zipf law (exponent `skew`): with the defaults the 100 hottest of
20,000 items hold about 72% of the 1,000,000 occurrences, and most of the tail
has one to five. Payloads are Rollbar `data` objects built from bench/payloads.py
templates (without frame locals and context lines: 3-5.5 KB of JSON), then translated
with the real Rollbar adapter, so the stored bytes are what the digest would store.

Items are NOT grouping-consistent: each gets a synthetic fingerprint (many items share
a payload template, with their own exception message). Ingesting more events into this
store would create new items; the bench only reads.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import sys
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import payloads  # noqa: E402

from tracehound.model.event import Event  # noqa: E402
from tracehound.model.item import ItemStatus  # noqa: E402

GENERATOR_VERSION = 2  # bump when the generated data changes for the same Params
DAY = 86400.0
DEPLOY_EVERY = 12 * 3600.0  # a new code_version every 12 hours
ENVIRONMENTS = (("production", 0.70), ("staging", 0.18), ("development", 0.08), ("qa", 0.04))
EXC_LEVELS = (("error", 0.80), ("critical", 0.10), ("warning", 0.10))
MSG_LEVELS = (("warning", 0.5), ("info", 0.4), ("debug", 0.1))
STATUSES = ((ItemStatus.ACTIVE, 0.65), (ItemStatus.RESOLVED, 0.25),
            (ItemStatus.MUTED, 0.07), (ItemStatus.ARCHIVED, 0.03))
HOT_ITEMS = 100  # the hottest items occur all month long
HOSTS = {
    "production": ([f"web-{n}.prod.internal" for n in range(1, 13)],
                   [f"worker-{n}.prod.internal" for n in range(1, 7)]),
    "staging": (["web-1.staging.internal", "web-2.staging.internal"],
                ["worker-1.staging.internal"]),
    "development": (["dev-1.local", "dev-2.local", "dev-3.local"], ["dev-1.local"]),
    "qa": (["qa-1.internal"], ["qa-1.internal"]),
}
REGIONS = ("eu-west-1", "us-east-1", "ap-south-1")


@dataclass(frozen=True)
class Params:
    """What the store is generated from; its key decides whether a store is reused."""

    seed: int = 5
    items: int = 20_000
    occurrences: int = 1_000_000
    other_items: int = 500  # the second, small project: isolation must cost something
    other_occurrences: int = 25_000
    days: int = 30
    templates: int = 300
    people: int = 25_000
    skew: float = 1.2  # Zipf exponent of occurrences over items
    variants: int = 4  # payload variants per template (request, custom data differ)

    def key(self) -> str:
        text = json.dumps({"v": GENERATOR_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class ItemPlan:
    """One item before it is stored; ids and counters are given by first occurrence."""

    project_id: int
    index: int  # popularity rank inside the project
    template: int
    environment: str
    level: str
    status: ItemStatus
    count: int
    start: float
    end: float
    message: str  # the exception message or log message all its occurrences carry
    body: dict[str, Any] = field(default_factory=dict)
    item_id: int = 0
    counter: int = 0
    first_ts: float = 0.0


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def zipf_counts(n_items: int, n_occ: int, skew: float) -> list[int]:
    """Occurrences per item by rank: at least one each, the rest by weight 1/rank^skew
    (largest remainders first, so the total is exact)."""
    weights = [1.0 / (r + 1) ** skew for r in range(n_items)]
    total_w = sum(weights)
    extra = n_occ - n_items
    shares = [extra * w / total_w for w in weights]
    counts = [1 + int(s) for s in shares]
    left = n_occ - sum(counts)
    by_rest = sorted(range(n_items), key=lambda r: shares[r] - int(shares[r]), reverse=True)
    for r in by_rest[:left]:
        counts[r] += 1
    return counts


class World:
    """Templates, item plans and the occurrence timeline of both projects."""

    def __init__(self, params: Params, now: float, project_ids: tuple[int, int]) -> None:
        self.p = params
        self.now = now
        self.origin = now - params.days * DAY
        self.rng = random.Random(params.seed)
        self.project_ids = project_ids
        self.variants = self._templates()
        self.items: list[ItemPlan] = []
        for pid, n_items, n_occ in ((project_ids[0], params.items, params.occurrences),
                                    (project_ids[1], params.other_items,
                                     params.other_occurrences)):
            self.items.extend(self._plan(pid, n_items, n_occ))
        n_people = {project_ids[0]: params.people, project_ids[1]: max(1, params.people // 25)}
        self.people_cum = {pid: _cum([1.0 / (k + 1) ** 0.8 for k in range(n)])
                           for pid, n in n_people.items()}

    # ---- templates and items ---------------------------------------------------------

    def _templates(self) -> list[list[dict[str, Any]]]:
        """Per template, a few `data` variants; the last tenth are log messages."""
        rng, out = self.rng, []
        used: set[tuple[str, str]] = set()
        n_msg = max(1, self.p.templates // 10)
        for i in range(self.p.templates):
            if i < self.p.templates - n_msg:
                t = payloads._Template(i, rng, used)
                out.append([payloads._occurrence(t, None, rng, with_extras=False)
                            for _ in range(self.p.variants)])
            else:
                fmt = payloads.MESSAGES[i % len(payloads.MESSAGES)]
                out.append([payloads._occurrence(None, payloads._fill_message(fmt, rng),
                                                 rng, with_extras=False)
                            for _ in range(self.p.variants)])
        return out

    def _plan(self, project_id: int, n_items: int, n_occ: int) -> list[ItemPlan]:
        rng, span = self.rng, self.now - self.origin
        plans = []
        for rank, count in enumerate(zipf_counts(n_items, n_occ, self.p.skew)):
            template = rng.randrange(self.p.templates)
            base = self.variants[template][0]
            is_msg = "message" in base["body"]
            status = ItemStatus.ACTIVE if rank < HOT_ITEMS // 5 else _pick(rng, STATUSES)
            if rank < HOT_ITEMS:
                start, end = self.origin, self.now
            else:
                start = self.origin + span * rng.random()
                ongoing = status is not ItemStatus.RESOLVED and rng.random() < 0.5
                end = self.now if ongoing else start + (self.now - start) * rng.random() ** 2
            if is_msg:
                fmt = payloads.MESSAGES[template % len(payloads.MESSAGES)]
                message = payloads._fill_message(fmt, rng)
            else:
                exc = _first_trace(base["body"])["exception"]["class"]
                message = payloads._exc_message(exc, rng)
            plan = ItemPlan(project_id, rank, template, _pick(rng, ENVIRONMENTS),
                            _pick(rng, MSG_LEVELS if is_msg else EXC_LEVELS), status, count,
                            start, end, message)
            plan.body = _item_body(base["body"], message)
            plans.append(plan)
        return plans

    def timeline(self) -> list[tuple[float, int]]:
        """(timestamp, item index) of every occurrence of both projects, in time order."""
        rng, out = self.rng, []
        for gidx, it in enumerate(self.items):
            width = it.end - it.start
            out.extend((it.start + width * rng.random(), gidx) for _ in range(it.count))
        out.sort()
        return out

    def number_items(self, timeline: list[tuple[float, int]]) -> None:
        """Item ids (global) and counters (per project) in order of first occurrence."""
        seen: set[int] = set()
        self.items_by_id: dict[int, int] = {}  # item id → project id
        counters = dict.fromkeys(self.project_ids, 0)
        for ts, gidx in timeline:
            if gidx in seen:
                continue
            seen.add(gidx)
            it = self.items[gidx]
            counters[it.project_id] += 1
            it.counter, it.item_id, it.first_ts = counters[it.project_id], len(seen), ts
            self.items_by_id[it.item_id] = it.project_id

    # ---- occurrences -----------------------------------------------------------------

    def code_version(self, project_id: int, ts: float) -> str:
        k = int((ts - self.origin) // DEPLOY_EVERY)
        return hashlib.sha1(f"{self.p.seed}:{project_id}:{k}".encode()).hexdigest()[:7]

    def person(self, project_id: int, it: ItemPlan) -> int | None:
        """Index of the person an occurrence reports, or None (background jobs mostly)."""
        share = 0.2 if "message" in it.body else 0.75
        if self.rng.random() >= share:
            return None
        cum = self.people_cum[project_id]
        return bisect.bisect(cum, self.rng.random() * cum[-1])

    def data(self, it: ItemPlan, ts: float, uid: str, person: int | None) -> dict[str, Any]:
        """One occurrence's Rollbar `data` object: a template variant with this item's
        body and this occurrence's environment, host, version, person and tags."""
        rng = self.rng
        d = dict(self.variants[it.template][rng.randrange(self.p.variants)])
        is_msg = "message" in it.body
        d["uuid"], d["timestamp"], d["body"] = uid, int(ts), it.body
        d["environment"], d["level"] = it.environment, it.level
        web, workers = HOSTS[it.environment]
        server = dict(d["server"])
        server["host"] = rng.choice(workers if is_msg else web)
        server["code_version"] = self.code_version(it.project_id, ts)
        d["server"] = server
        if person is None:
            d.pop("person", None)
        else:
            d["person"] = person_fields(person)
        custom = dict(d["custom"])
        custom["region"] = REGIONS[(it.index + int(ts // 3600)) % len(REGIONS)]
        d["custom"] = custom
        return d

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def person_fields(k: int) -> dict[str, str]:
    return {"id": str(1000 + k), "username": f"user{k}", "email": f"user{k}@example.com"}


def facets(event: Event, item_id: int) -> list[tuple[int, str, str]]:
    """(item id, kind, value) rows the digest keeps per item for the search language:
    the digest's own rule (tracehound/ingest/facets.py) once it exists, else the same
    kinds (Rollbar payloads carry no tags, so no tag rows either way)."""
    try:
        from tracehound.ingest import facets as digest_facets  # type: ignore[attr-defined]
    except ImportError:
        digest_facets = None
    if digest_facets is not None:
        found: dict[tuple[int, str, str], int] = {}
        digest_facets.of_event(event, item_id, found)
        return list(found)
    out = []
    if event.host:
        out.append((item_id, "host", event.host[:255].lower()))
    if event.context:
        out.append((item_id, "context", event.context[:255]))
    if event.person is not None:
        out.append((item_id, "person.id", event.person.id[:255]))
        if event.person.username:
            out.append((item_id, "person.username", event.person.username[:255]))
        if event.person.email:
            out.append((item_id, "person.email", event.person.email[:255].lower()))
    return out


def _first_trace(body: dict[str, Any]) -> dict[str, Any]:
    return body["trace"] if "trace" in body else body["trace_chain"][0]  # type: ignore[no-any-return]


def _item_body(body: dict[str, Any], message: str) -> dict[str, Any]:
    """The template's body with the item's own message (frames shared, not copied)."""
    if "message" in body:
        return {"message": {**body["message"], "body": message}}
    if "trace" in body:
        exc = {**body["trace"]["exception"], "message": message}
        return {"trace": {**body["trace"], "exception": exc}}
    first = body["trace_chain"][0]
    exc = {**first["exception"], "message": message}
    return {"trace_chain": [{**first, "exception": exc}, *body["trace_chain"][1:]]}


def _cum(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out
