#!/usr/bin/env python3
"""Generate the query benchmark's store: 1,000,000 occurrences over 20,000 items.

    python bench/query_store.py                      # SQLite in bench/out/query-store/
    python bench/query_store.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
    python bench/query_store.py --force              # regenerate even if reusable

The schema comes from the migrations (`tracehound init`), the two projects and their
tokens from `tracehound project create`; rows are bulk-inserted with Core executemany
on tracehound/store/tables.py (what the digest would have written, in one pass).
A store is reused while its generator parameters and the schema head are unchanged and
it is younger than --max-age-hours (its "last 24 hours" slide as it ages).
On PostgreSQL the store is schema `qbench` (--pg-schema) of the given database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, bindparam, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query_data import ItemPlan, Params, World, facets, person_fields  # noqa: E402, F401

from tracehound.grouping.title import title_for  # noqa: E402
from tracehound.ingest.normalize import normalize  # noqa: E402
from tracehound.model.event import Level, encode  # noqa: E402
from tracehound.model.item import ItemStatus  # noqa: E402
from tracehound.protocols.rollbar.translate import translate  # noqa: E402
from tracehound.store import codec, migrate, upsert  # noqa: E402
from tracehound.store import tables as t  # noqa: E402
from tracehound.store.db import build_engine  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
CHUNK = 5_000
try:  # distinct values the digest indexes per (item, kind)
    from tracehound.store.facets import MAX_PER_ITEM_KIND as FACETS_PER_ITEM_KIND
except ImportError:  # before the search language landed: its announced cap
    FACETS_PER_ITEM_KIND = 1000
KEEP_MINUTES = 300


def pg_url(url: str, schema: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return str(parsed.update_query_dict({"options": f"-csearch_path={schema}"}))


def schema_head() -> str:
    return str(ScriptDirectory.from_config(migrate._config()).get_current_head())


class Target:
    """Where the store lives: a SQLite data dir, or a PostgreSQL schema."""

    def __init__(self, database_url: str | None, pg_schema: str, data_dir: Path) -> None:
        self.pg = bool(database_url)
        self.data_dir = data_dir.resolve()
        if database_url:
            self.admin_url = pg_url(database_url, "public")
            self.url = pg_url(database_url, pg_schema)
            self.schema = pg_schema
            self.meta_path = OUT / f"query-store-pg-{pg_schema}.json"
        else:
            self.url = f"sqlite:///{self.data_dir / 'tracehound.sqlite3'}"
            self.meta_path = self.data_dir / "query-store.json"

    def cli_args(self) -> list[str]:
        return ["--database-url", self.url] if self.pg else ["--data-dir", str(self.data_dir)]

    def reset(self) -> None:
        if self.pg:
            admin = build_engine(self.admin_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
        else:
            for p in self.data_dir.glob("tracehound.sqlite3*"):
                p.unlink()
        self.meta_path.unlink(missing_ok=True)

    def drop(self) -> None:
        """Delete the store (PostgreSQL: its schema)."""
        self.reset()
        if self.pg:
            admin = build_engine(self.admin_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            admin.dispose()

    def size_bytes(self, engine: Engine) -> int:
        with engine.connect() as conn:
            if self.pg:
                return int(conn.execute(text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :s AND c.relkind = 'r'"), {"s": self.schema}).scalar())
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in self.data_dir.glob("tracehound.sqlite3*"))


def cli(target: Target, *args: str) -> dict[str, Any]:
    """Run `python -m tracehound ...` (this checkout: cwd is bench/out, PYTHONPATH wins)."""
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "tracehound", *args, *target.cli_args()],
                          cwd=OUT, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"tracehound {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def reusable(target: Target, params: Params, max_age_hours: float,
             upgrade: bool = False) -> dict[str, Any] | None:
    """The store's meta when it can be reused. With `upgrade`, a store of an older
    schema head is migrated in place (as a deployment's would be) instead of rebuilt:
    right for index-only migrations, wrong for one the generator should fill."""
    if not target.meta_path.exists():
        return None
    meta: dict[str, Any] = json.loads(target.meta_path.read_text())
    fresh = time.time() - meta["now"] < max_age_hours * 3600
    if meta["params_key"] != params.key() or not fresh:
        return None
    head = schema_head()
    if meta["schema_head"] != head:
        if not upgrade:
            return None
        engine = build_engine(target.url)
        migrate.upgrade(engine)
        if target.pg:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM (ANALYZE)")
        engine.dispose()
        print(f"upgraded the store's schema {meta['schema_head']} → {head}")
        meta.setdefault("upgraded_from", []).append(meta["schema_head"])
        meta["schema_head"] = head
        target.meta_path.write_text(json.dumps(meta, indent=2))
    return meta


class Aggregates:
    """What the digest accumulates over the occurrences: counters, versions, people,
    facets, hourly and minute counts."""

    def __init__(self, now: float) -> None:
        self.min_minute = int((now - KEEP_MINUTES * 60) // 60)
        self.first: dict[int, tuple[int, float]] = {}
        self.last: dict[int, tuple[int, float]] = {}
        self.hourly: dict[tuple[int, int], int] = defaultdict(int)
        self.minutely: dict[tuple[int, int], int] = defaultdict(int)
        self.versions: dict[tuple[int, str], list[Any]] = {}
        self.people: dict[tuple[int, str], list[Any]] = {}
        self.facets: set[tuple[int, str, str]] = set()
        self.facets_held: dict[tuple[int, str], int] = defaultdict(int)

    def add(self, it: ItemPlan, occ_id: int, ts: float, version: str, person: int | None,
            facet_rows: list[tuple[int, str, str]]) -> None:
        iid = it.item_id
        self.first.setdefault(iid, (occ_id, ts))
        self.last[iid] = (occ_id, ts)
        self.hourly[(iid, int(ts // 3600))] += 1
        minute = int(ts // 60)
        if minute >= self.min_minute:
            self.minutely[(iid, minute)] += 1
        v = self.versions.get((iid, version))
        if v is None:
            self.versions[(iid, version)] = [occ_id, ts, occ_id, ts, 1, it.project_id,
                                             it.environment]
        else:
            v[2], v[3], v[4] = occ_id, ts, v[4] + 1
        if person is not None:
            key = (it.project_id, person_fields(person)["id"])
            pr = self.people.get(key)
            if pr is None:
                self.people[key] = [person, ts, ts]
            else:
                pr[2] = ts
        for row in facet_rows:
            if row in self.facets:
                continue
            held = self.facets_held[row[:2]]
            if held < FACETS_PER_ITEM_KIND:  # the digest's cap: first values kept
                self.facets_held[row[:2]] = held + 1
                self.facets.add(row)


def item_row(it: ItemPlan, title: str, exc_class: str | None, now: float) -> dict[str, Any]:
    return {
        "id": it.item_id, "project_id": it.project_id, "environment": it.environment,
        "fingerprint": _fingerprint(it), "fingerprint_key": f"bench template {it.template} "
        f"item {it.project_id}/{it.index}", "grouping_version": "v1",
        "counter": it.counter, "title": title, "level": int(Level.parse(it.level) or 40),
        "status": int(it.status), "platform": "linux", "framework": "django",
        "language": "python 3.11.7", "exception_class": exc_class,
        "created_at": it.first_ts,
        "last_resolved_timestamp": min(now, it.end + 3600)
        if it.status is ItemStatus.RESOLVED else None,
        "last_muted_timestamp": it.first_ts + 3600 if it.status is ItemStatus.MUTED else None,
    }


def _fingerprint(it: ItemPlan) -> str:
    return hashlib.sha256(f"{it.project_id}:{it.index}".encode()).hexdigest()


def insert_items(conn: Connection, world: World) -> None:
    rows = []
    for it in world.items:
        ev = translate({"data": world.data(it, it.first_ts, world.new_uuid(), None)},
                       project_id=it.project_id, received_at=it.first_ts)
        exc = ev.exceptions[0].type[:255] if ev.exceptions else None
        rows.append(item_row(it, title_for(ev), exc, world.now))
    rows.sort(key=lambda r: r["id"])
    conn.execute(t.items.insert(), rows)


def insert_occurrences(engine: Engine, world: World, timeline: list[tuple[float, int]],
                       agg: Aggregates) -> None:
    """The expensive part: translate, encode and compress each payload (as the edge and
    the digest do), insert CHUNK rows a transaction."""
    for start in range(0, len(timeline), CHUNK):
        rows = []
        for k, (ts, gidx) in enumerate(timeline[start:start + CHUNK], start=start + 1):
            it = world.items[gidx]
            person = world.person(it.project_id, it)
            uid = world.new_uuid()
            event = translate({"data": world.data(it, ts, uid, person)},
                              project_id=it.project_id, received_at=ts)
            event, _ = normalize(event)
            rows.append({"id": k, "project_id": it.project_id, "item_id": it.item_id,
                         "uuid": uid, "timestamp": ts, "level": event.level,
                         "payload": codec.pack(encode(event))})
            agg.add(it, k, ts, event.code_version or "", person, facets(event, it.item_id))
        with engine.begin() as conn:
            conn.execute(t.occurrences.insert(), rows)
        if start // CHUNK % 40 == 0:
            print(f"  {start + len(rows):,} / {len(timeline):,} occurrences", flush=True)


def write_aggregates(conn: Connection, world: World, agg: Aggregates) -> None:
    stmt = update(t.items).where(t.items.c.id == bindparam("b_id")).values(
        total_occurrences=bindparam("b_n"), first_occurrence_id=bindparam("b_fid"),
        first_occurrence_timestamp=bindparam("b_fts"), last_occurrence_id=bindparam("b_lid"),
        last_occurrence_timestamp=bindparam("b_lts"),
        activating_occurrence_id=bindparam("b_fid"), last_activated_timestamp=bindparam("b_fts"))
    conn.execute(stmt, [{"b_id": it.item_id, "b_n": it.count,
                         "b_fid": agg.first[it.item_id][0], "b_fts": agg.first[it.item_id][1],
                         "b_lid": agg.last[it.item_id][0], "b_lts": agg.last[it.item_id][1]}
                        for it in world.items])
    _many(conn, t.item_hourly_counts, [{"item_id": i, "hour": h, "count": n}
                                       for (i, h), n in sorted(agg.hourly.items())])
    _many(conn, t.item_minute_counts, [{"item_id": i, "minute": m, "count": n}
                                       for (i, m), n in sorted(agg.minutely.items())])
    _many(conn, t.item_versions, [
        {"item_id": i, "version": ver, "first_occurrence_id": v[0],
         "first_occurrence_timestamp": v[1], "last_occurrence_id": v[2],
         "last_occurrence_timestamp": v[3], "occurrences": v[4], "project_id": v[5],
         "environment": v[6], "event": 1 if v[0] == agg.first[i][0] else 2}
        for (i, ver), v in sorted(agg.versions.items())])
    _many(conn, t.people, [
        {"project_id": pid, "person_id": person_id, **_names(p[0]), "first_seen": p[1],
         "last_seen": p[2]} for (pid, person_id), p in sorted(agg.people.items())])
    _many(conn, t.item_facets, [
        {"item_id": i, "kind": kind, "value": value, "project_id": world.items_by_id[i]}
        for i, kind, value in sorted(agg.facets)])
    _many(conn, t.item_activations, [
        {"project_id": it.project_id, "item_id": it.item_id, "environment": it.environment,
         "kind": 1, "occurrence_id": agg.first[it.item_id][0], "timestamp": it.first_ts}
        for it in sorted(world.items, key=lambda it: it.item_id)])
    envs = sorted({(it.project_id, it.environment) for it in world.items})
    conn.execute(upsert.insert(conn, t.environments).on_conflict_do_nothing(),
                 [{"project_id": p, "name": e, "visible": True, "created_at": world.origin}
                  for p, e in envs])
    for pid in world.project_ids:
        n = sum(1 for it in world.items if it.project_id == pid)
        conn.execute(update(t.projects).where(t.projects.c.id == pid).values(item_counter=n))


def _names(k: int) -> dict[str, str]:
    f = person_fields(k)
    return {"username": f["username"], "email": f["email"]}


def _many(conn: Connection, table: Any, rows: list[dict[str, Any]], size: int = 20_000) -> None:
    for i in range(0, len(rows), size):
        conn.execute(table.insert(), rows[i:i + size])


def finish(conn: Connection, pg: bool) -> None:
    """PostgreSQL: sequences past the explicit ids; statistics and visibility map as
    autovacuum leaves an insert-only table (index-only scans need the latter). SQLite
    is left without ANALYZE, as a real tracehound database is."""
    if not pg:
        return
    for table in ("items", "occurrences"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT max(id) FROM {table}))"))
    conn.commit()
    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")


def generate(target: Target, params: Params) -> dict[str, Any]:
    t0 = time.monotonic()
    target.reset()
    cli(target, "init", "--email", "qbench@example.com", "--password", "qbench-pass-1")
    main = cli(target, "project", "create", "qbench", "--json")
    other = cli(target, "project", "create", "qbench-other", "--json")
    now = time.time()
    world = World(params, now, (int(main["id"]), int(other["id"])))
    timeline = world.timeline()
    world.number_items(timeline)
    print(f"planned {len(world.items):,} items, {len(timeline):,} occurrences "
          f"in {time.monotonic() - t0:.1f} s", flush=True)
    engine = build_engine(target.url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        insert_items(conn, world)
    agg = Aggregates(now)
    insert_occurrences(engine, world, timeline, agg)
    with engine.begin() as conn:
        write_aggregates(conn, world, agg)
    with engine.connect() as conn:
        finish(conn, target.pg)
    seconds = time.monotonic() - t0
    meta = {"params": params.__dict__, "params_key": params.key(),
            "schema_head": schema_head(), "now": now, "url": target.url,
            "projects": {"main": main, "other": other}, "generate_seconds": round(seconds, 1),
            "size_bytes": target.size_bytes(engine), "facet_rows": len(agg.facets),
            "hourly_rows": len(agg.hourly), "people_rows": len(agg.people),
            "version_rows": len(agg.versions)}
    engine.dispose()
    target.meta_path.parent.mkdir(parents=True, exist_ok=True)
    target.meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def ensure(database_url: str | None = None, *, pg_schema: str = "qbench",
           data_dir: Path = OUT / "query-store", params: Params | None = None,
           force: bool = False, max_age_hours: float = 24.0,
           upgrade: bool = False) -> dict[str, Any]:
    """The store's meta (url, projects and tokens, sizes), generating it when needed."""
    params = params or Params()
    target = Target(database_url, pg_schema, data_dir)
    meta = None if force else reusable(target, params, max_age_hours, upgrade)
    if meta is not None:
        print(f"reusing {target.url} (generated {(time.time() - meta['now']) / 3600:.1f} h "
              f"ago in {meta['generate_seconds']} s, {meta['size_bytes'] / 1e6:,.0f} MB)")
        return meta
    meta = generate(target, params)
    print(f"generated {target.url} in {meta['generate_seconds']} s, "
          f"{meta['size_bytes'] / 1e6:,.0f} MB")
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in bench/out)")
    ap.add_argument("--pg-schema", default="qbench")
    ap.add_argument("--data-dir", type=Path, default=OUT / "query-store")
    ap.add_argument("--force", action="store_true", help="regenerate even if reusable")
    ap.add_argument("--max-age-hours", type=float, default=24.0)
    ap.add_argument("--upgrade-store", action="store_true",
                    help="migrate a store of an older schema head instead of regenerating")
    ap.add_argument("--seed", type=int, default=Params.seed)
    ap.add_argument("--items", type=int, default=Params.items)
    ap.add_argument("--occurrences", type=int, default=Params.occurrences)
    a = ap.parse_args()
    params = Params(seed=a.seed, items=a.items, occurrences=a.occurrences)
    meta = ensure(a.database_url, pg_schema=a.pg_schema, data_dir=a.data_dir, params=params,
                  force=a.force, max_age_hours=a.max_age_hours, upgrade=a.upgrade_store)
    print(json.dumps({k: meta[k] for k in ("url", "generate_seconds", "size_bytes",
                                           "facet_rows", "hourly_rows", "people_rows",
                                           "version_rows")}, indent=2))


if __name__ == "__main__":
    main()
