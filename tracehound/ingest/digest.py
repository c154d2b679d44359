"""Digest one batch of queued events in one transaction.

Steps, each a plain function: prepare (decode, normalize, fingerprint, title, pack;
no database) → resolve items → insert occurrences → apply item touches (counters,
lifecycle) → bump hourly counts → upsert people → add new search facets. The statement
count does not grow with the batch size (pinned by tests/integration/test_digest.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tracehound.grouping import versions
from tracehound.grouping.fingerprint import Fingerprint
from tracehound.grouping.title import title_for
from tracehound.ingest import facets
from tracehound.ingest.facets import FacetCache
from tracehound.ingest.normalize import normalize
from tracehound.model import versions as code_versions
from tracehound.model.event import Event, Person, decode, encode
from tracehound.model.item import ItemStatus
from tracehound.store import activity, codec, counts, items, occurrences, people
from tracehound.store import facets as store_facets
from tracehound.store.facets import Facet
from tracehound.store.items import ItemKey, ItemTouch, NewItem


@dataclass(frozen=True)
class Prepared:
    event: Event
    fingerprint: Fingerprint
    title: str
    payload: bytes

    @property
    def key(self) -> ItemKey:
        e = self.event
        return (e.project_id, e.environment, self.fingerprint.hash)


@dataclass
class DigestResult:
    stored: int = 0
    duplicates: int = 0
    new_items: list[int] = field(default_factory=list)
    reactivated_items: list[int] = field(default_factory=list)
    # facet rows this batch wrote: a FacetCache remembers them once the batch commits
    facets: list[Facet] = field(default_factory=list)


def prepare(blob: bytes) -> Prepared:
    """Everything about one event that needs no database."""
    event, changed = normalize(decode(blob))
    if changed:
        blob = encode(event)
    fp = versions.fingerprint(event)
    return Prepared(event, fp, title_for(event), codec.pack(blob))


def _new_item(p: Prepared) -> NewItem:
    e = p.event
    return NewItem(
        key=p.key, fingerprint_key=p.fingerprint.key, grouping_version=p.fingerprint.version,
        title=p.title, level=e.level, platform=e.platform[:64], framework=e.framework[:64],
        language=e.language[:64],
        exception_class=e.exceptions[0].type[:255] if e.exceptions else None,
        created_at=e.received_at,
    )


def _merge_person(persons: dict[tuple[int, str], dict[str, Any]], project_id: int,
                  person: Person, ts: float) -> None:
    """One row per person a batch: the latest non-empty names, the seen-time range."""
    prev = persons.get((project_id, person.id))
    if prev is None:
        persons[(project_id, person.id)] = {
            "project_id": project_id, "person_id": person.id, "username": person.username,
            "email": person.email, "first_seen": ts, "last_seen": ts}
        return
    prev["username"] = person.username or prev["username"]
    prev["email"] = person.email or prev["email"]
    prev["first_seen"] = min(prev["first_seen"], ts)
    prev["last_seen"] = max(prev["last_seen"], ts)


def _activations(resolved: dict[ItemKey, items.ItemState], touches: dict[int, list[Any]],
                 created: set[int], result: DigestResult) -> list[dict[str, Any]]:
    env_of = {state[0]: key for key, state in resolved.items()}
    rows = []
    for kind, ids in ((activity.NEW, result.new_items), (activity.REACTIVATED,
                                                          result.reactivated_items)):
        for iid in ids:
            key, t = env_of[iid], touches[iid]
            rows.append({"project_id": key[0], "item_id": iid, "environment": key[1],
                         "kind": kind, "occurrence_id": t[1], "timestamp": t[2]})
    return rows


def _environments(resolved: dict[ItemKey, items.ItemState],
                  created: set[int]) -> list[tuple[int, str]]:
    return sorted({(k[0], k[1]) for k, state in resolved.items() if state[0] in created})


def _version_rows(seen: dict[tuple[int, str], list[Any]],
                  result: DigestResult) -> list[dict[str, Any]]:
    new, back = set(result.new_items), set(result.reactivated_items)
    return [{"item_id": iid, "version": version, "first_occurrence_id": v[0],
             "first_occurrence_timestamp": v[1], "last_occurrence_id": v[2],
             "last_occurrence_timestamp": v[3], "occurrences": v[4], "project_id": v[5],
             "environment": v[6],
             "event": activity.NEW if iid in new else
             activity.REACTIVATED if iid in back else activity.REPEATED}
            for (iid, version), v in sorted(seen.items())]


def apply(conn: Connection, batch: list[Prepared],
          facet_cache: FacetCache | None = None) -> DigestResult:
    """Store a prepared batch; the caller owns the transaction.

    With a `facet_cache`, facets it holds are not written again; the caller remembers
    `result.facets` in it after commit (see worker.run_once).
    """
    result = DigestResult()
    unique: dict[tuple[int, str], Prepared] = {}
    for p in batch:
        unique.setdefault((p.event.project_id, p.event.uuid), p)
    result.duplicates = len(batch) - len(unique)

    wanted: dict[ItemKey, NewItem] = {}
    for p in unique.values():
        wanted.setdefault(p.key, _new_item(p))
    resolved, created = items.resolve(conn, wanted)

    rows = [{
        "project_id": p.event.project_id, "item_id": resolved[p.key][0], "uuid": p.event.uuid,
        "timestamp": p.event.received_at, "level": p.event.level, "payload": p.payload,
        "reference_id": p.event.reference_id,
    } for p in unique.values()]
    stored = occurrences.insert_new(conn, rows)
    result.stored = len(stored)
    result.duplicates += len(unique) - len(stored)

    touches: dict[int, list[Any]] = {}
    hourly: dict[tuple[int, int], int] = defaultdict(int)
    minutely: dict[tuple[int, int], int] = defaultdict(int)
    persons: dict[tuple[int, str], dict[str, Any]] = {}
    seen_versions: dict[tuple[int, str], list[Any]] = {}
    found_facets: dict[Facet, int] = {}
    for uid, p in unique.items():
        occ_id = stored.get(uid)
        if occ_id is None:
            continue
        item_id, status, fixed_in = resolved[p.key]
        ts = p.event.received_at
        version = (p.event.code_version or "")[:200] or None
        # a resolved item comes back unless the occurrence is older than the fix
        react = fixed_in is None or not code_versions.is_older(version, fixed_in)
        t = touches.get(item_id)
        if t is None:
            touches[item_id] = [1, occ_id, ts, occ_id, ts, p.title, status, react]
        else:
            t[0] += 1
            if occ_id < t[1]:
                t[1], t[2], t[5] = occ_id, ts, p.title
            if occ_id > t[3]:
                t[3], t[4] = occ_id, ts
            t[7] = t[7] or react
        hourly[(item_id, int(ts // 3600))] += 1
        minutely[(item_id, int(ts // 60))] += 1
        if p.event.person is not None:
            _merge_person(persons, p.event.project_id, p.event.person, ts)
        facets.of_event(p.event, item_id, found_facets)
        if version is not None:
            v = seen_versions.get((item_id, version))
            if v is None:
                seen_versions[(item_id, version)] = [occ_id, ts, occ_id, ts, 1,
                                                     p.event.project_id, p.key[1]]
            else:
                v[4] += 1
                if occ_id < v[0]:
                    v[0], v[1] = occ_id, ts
                if occ_id > v[2]:
                    v[2], v[3] = occ_id, ts
    items.apply_touches(conn, [
        ItemTouch(item_id=iid, count=t[0], first_id=t[1], first_ts=t[2], last_id=t[3],
                  last_ts=t[4], title=t[5], reactivate=t[7])
        for iid, t in touches.items()])
    counts.bump(conn, hourly)
    counts.bump_minutes(conn, minutely)
    if persons:
        people.upsert_people(conn, list(persons.values()))
    new_facets = facet_cache.new(found_facets) if facet_cache is not None else found_facets
    store_facets.add(conn, new_facets)
    result.facets = list(new_facets)

    result.new_items = sorted(created & set(touches))
    result.reactivated_items = sorted(
        iid for iid, t in touches.items() if t[6] == int(ItemStatus.RESOLVED) and t[7])
    activity.record(conn, _activations(resolved, touches, created, result),
                    _environments(resolved, created), _version_rows(seen_versions, result))
    return result
