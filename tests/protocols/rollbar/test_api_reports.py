"""Rollbar reports (rollbar-api.md §10) over HTTP, on a store with known occurrences.

Occurrences go through the real digest with controlled `received_at` times relative to
now, one per batch in time order, with status changes (mute, resolve) in between. Every
bucket of every report is compared with a count the test makes itself from that list.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.ingest import digest
from tracehound.model.event import Event, ExceptionInfo, Frame, Level, encode, pack_data
from tracehound.model.item import ItemStatus
from tracehound.store import items, projects, tokens
from tracehound.store.db import writer

M, H, D = 60, 3600, 86400
TOP = "/api/1/reports/top_active_items"
OCC = "/api/1/reports/occurrence_counts"
ACT = "/api/1/reports/activated_counts"
ALL = (TOP, OCC, ACT)


@dataclass(frozen=True)
class Spec:
    env: str
    level: Level
    framework: str = ""
    other: bool = False  # belongs to other_project


SPECS: dict[str, Spec] = {
    "A": Spec("prod", Level.ERROR, "Rails: 7.1.2"),
    "B": Spec("prod", Level.CRITICAL, "flask"),
    "C": Spec("staging", Level.WARNING),
    "D": Spec("prod", Level.ERROR, "node-js"),  # muted half-way
    "E": Spec("prod", Level.ERROR, "django"),  # resolved at the end
    "F": Spec("dev", Level.ERROR, "Something else"),  # resolved twice, reactivated twice
    "G": Spec("dev", Level.INFO, "Django 4.2"),  # only older than a day
    "H": Spec("prod", Level.ERROR),  # a single occurrence 200 days ago
    "X": Spec("prod", Level.CRITICAL, "flask", other=True),
    **{f"bulk{i}": Spec("bulk", Level.DEBUG) for i in range(11)},
}

# seconds before now at which each item gets an occurrence
AGO: dict[str, list[float]] = {
    "A": [90, 150, 20 * M, 59 * M, 2 * H + 10, 5 * H, 23 * H, 30 * H, 3 * D, 3 * D + 5,
          10 * D, 40 * D, 400 * D],
    "B": [5, 3 * H, 3 * H + 100, 47 * H, 6 * D],
    "C": [61 * M, 100 * M, 8 * H, 2 * D],
    "D": [4 * D, 2 * D, 1 * D, 5 * H, 10 * M],
    "E": [8 * D, 7 * D, 70 * M],
    "F": [12 * D, 9 * D, 2 * D + 7, 2 * H, 45 * M],
    "G": [26 * H, 100 * H],
    "H": [200 * D],
    "X": [45, 2 * H, 3 * D, 50 * D],
    **{f"bulk{i}": [(i + 1) * 97 * M] for i in range(11)},
}
STATUS_CHANGES = [("D", ItemStatus.MUTED, 1.5 * D), ("E", ItemStatus.RESOLVED, 30 * M),
                  ("F", ItemStatus.RESOLVED, 6 * D), ("F", ItemStatus.RESOLVED, 1 * H)]


@dataclass(frozen=True)
class Occ:
    name: str
    ts: float
    project_id: int
    env: str
    level: int


@dataclass
class World:
    """What the test created, kept independently of the server's tables."""

    project_id: int
    other_id: int
    occs: list[Occ] = field(default_factory=list)
    activations: list[tuple[str, int, float]] = field(default_factory=list)  # kind 1 / 3
    status: dict[str, ItemStatus] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)  # final items rows

    def mine(self) -> list[Occ]:
        return [o for o in self.occs if o.project_id == self.project_id]

    def name_of(self, item_id: int) -> str:
        return next(n for n, i in self.ids.items() if i == item_id)


def event_for(name: str, project_id: int, ts: float) -> Event:
    spec = SPECS[name]
    return Event(project_id=project_id, uuid=uuid.uuid4().hex, vendor="test",
                 environment=spec.env, received_at=ts, level=int(spec.level),
                 data=pack_data({"x": 1}), framework=spec.framework, fingerprint=f"fp-{name}",
                 exceptions=[ExceptionInfo(f"Error{name}", "boom",
                                           [Frame("/app/a.py", 3, method="run")])])


def build_world(engine: Engine, project: ProjectInfo, other: ProjectInfo) -> World:
    now = time.time()
    world = World(project.id, other.id)
    steps: list[tuple[float, str, ItemStatus | None]] = [
        (now - ago, name, None) for name, agos in AGO.items() for ago in agos]
    steps += [(now - ago, name, status) for name, status, ago in STATUS_CHANGES]
    for ts, name, status in sorted(steps, key=lambda s: s[0]):
        pid = other.id if SPECS[name].other else project.id
        if status is not None:
            with writer(engine).begin() as conn:
                assert items.set_status(conn, pid, world.ids[name], status, ts)
            world.status[name] = status
            continue
        with writer(engine).begin() as conn:
            result = digest.apply(conn, [digest.prepare(encode(event_for(name, pid, ts)))])
        assert result.stored == 1
        if name not in world.ids:
            (world.ids[name],) = result.new_items
            world.activations.append((name, 1, ts))
            world.status[name] = ItemStatus.ACTIVE
        elif world.status[name] is ItemStatus.RESOLVED:
            assert result.reactivated_items == [world.ids[name]]
            world.activations.append((name, 3, ts))
            world.status[name] = ItemStatus.ACTIVE
        world.occs.append(Occ(name, ts, pid, SPECS[name].env, int(SPECS[name].level)))
    with engine.connect() as conn:
        for name, item_id in world.ids.items():
            pid = other.id if SPECS[name].other else project.id
            world.rows[name] = items.get(conn, pid, item_id)
            assert world.rows[name].status == world.status[name]
    return world


@pytest.fixture
def world(engine: Engine, project: ProjectInfo, other_project: ProjectInfo) -> World:
    return build_world(engine, project, other_project)


@pytest.fixture
def live(world: World, server: LiveServer) -> LiveServer:
    """The server, started after the world was digested (no writer contention)."""
    return server


def stable_get(server: LiveServer, path: str, token: str, unit: int,
               **params: Any) -> tuple[httpx.Response, int]:
    """A report and the `unit`-sized bucket index of "now" during the request (retried
    when a bucket boundary passes mid-request, so the expectation is exact)."""
    for _ in range(5):
        before = int(time.time()) // unit
        r = server.get(path, token, **params)
        if int(time.time()) // unit == before:
            return r, before
    raise AssertionError("the clock kept crossing bucket boundaries")


def result(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["err"] == 0 and set(body) == {"err", "result"}
    return body["result"]


def expected_series(occs: list[Occ], size: int, last: int, buckets: int,
                    keep: Callable[[Occ], bool]) -> list[list[int]]:
    out = []
    for index in range(last - buckets + 1, last + 1):
        start = index * size
        out.append([start, sum(1 for o in occs if keep(o) and start <= o.ts < start + size)])
    return out


# ---- occurrence_counts ----------------------------------------------------------------


OCC_CASES: list[tuple[dict[str, Any], int, int, Callable[[Occ], bool]]] = [
    ({}, D, 60, lambda o: o.level >= 40),
    ({"bucket_size": 3600, "buckets": 48, "min_level": "debug"}, H, 48, lambda o: True),
    ({"bucket_size": 60, "buckets": 240, "min_level": "debug"}, M, 240, lambda o: True),
    ({"bucket_size": "60", "buckets": 2}, M, 2, lambda o: o.level >= 40),
    ({"bucket_size": 3600, "buckets": 366, "min_level": "warning", "max_level": "warning"},
     H, 366, lambda o: o.level == 30),
    ({"bucket_size": 86400, "buckets": 366, "environments": "prod,dev"}, D, 366,
     lambda o: o.level >= 40 and o.env in ("prod", "dev")),
    ({"buckets": 30, "environments": "dev", "min_level": "info", "max_level": "error"}, D, 30,
     lambda o: o.env == "dev" and 20 <= o.level <= 40),
    ({"bucket_size": 3600, "buckets": 200, "min_level": "critical"}, H, 200,
     lambda o: o.level == 50),
]


@pytest.mark.parametrize("params,size,buckets,keep", OCC_CASES)
def test_occurrence_counts_match_the_occurrences_bucket_by_bucket(
        live: LiveServer, world: World, project: ProjectInfo, params: dict[str, Any],
        size: int, buckets: int, keep: Callable[[Occ], bool]) -> None:
    r, now_index = stable_get(live, OCC, project.read, size, **params)
    got = result(r)
    assert got == expected_series(world.mine(), size, now_index, buckets, keep)
    assert len(got) == buckets and got[-1][0] <= time.time() < got[-1][0] + size
    assert all(isinstance(t, int) and isinstance(n, int) for t, n in got)
    assert sum(n for _, n in got) > 0  # the case exercises data, not just zeros


def test_occurrence_counts_count_muted_and_resolved_items(
        live: LiveServer, world: World, project: ProjectInfo) -> None:
    for name in ("D", "E"):  # muted, resolved
        assert world.status[name] in (ItemStatus.MUTED, ItemStatus.RESOLVED)
        r, hour = stable_get(live, OCC, project.read, H, bucket_size=3600, buckets=366,
                             item_id=world.ids[name])
        want = expected_series(world.mine(), H, hour, 366, lambda o, n=name: o.name == n)
        assert result(r) == want and sum(n for _, n in want) == len(AGO[name])


def test_occurrence_counts_of_one_item(live: LiveServer, world: World,
                                       project: ProjectInfo) -> None:
    r, day = stable_get(live, OCC, project.read, D, item_id=world.ids["A"], buckets=366)
    assert result(r) == expected_series(world.mine(), D, day, 366, lambda o: o.name == "A")
    # a warning item's graph shows it although the project default floor is error
    r, minute = stable_get(live, OCC, project.read, M, item_id=world.ids["C"],
                           bucket_size=60, buckets=240)
    got = result(r)
    assert got == expected_series(world.mine(), M, minute, 240, lambda o: o.name == "C")
    assert sum(n for _, n in got) == 2
    # …unless a level is asked for
    r = live.get(OCC, project.read, item_id=world.ids["C"], min_level="error")
    assert all(n == 0 for _, n in result(r))
    r = live.get(OCC, project.read, item_id=world.ids["C"], environments="prod")
    assert all(n == 0 for _, n in result(r))


def test_occurrence_counts_never_include_another_project(
        live: LiveServer, world: World, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    r, day = stable_get(live, OCC, other_project.read, D, min_level="debug", buckets=366)
    theirs = [o for o in world.occs if o.project_id == other_project.id]
    assert result(r) == expected_series(theirs, D, day, 366, lambda o: True)
    assert sum(n for _, n in result(r)) == len(AGO["X"])
    r = live.get(OCC, other_project.read, item_id=world.ids["A"])
    assert r.status_code == 404 and r.json() == {"err": 1,
                                                 "message": "Item not found in this project."}
    r = live.get(OCC, project.read, item_id=world.ids["X"])
    assert r.status_code == 404


def test_occurrence_counts_item_id_errors(live: LiveServer, project: ProjectInfo) -> None:
    for bad in ("999999999", "0", "-5", "99999999999999999999999"):
        r = live.get(OCC, project.read, item_id=bad)
        assert r.status_code == 404, bad
        assert r.json()["message"] == "Item not found in this project."
    for bad in ("abc", "1.5", "1 OR 1=1"):
        r = live.get(OCC, project.read, item_id=bad)
        assert r.status_code == 422, bad
        assert r.json()["message"].startswith("item_id must be an integer")


# ---- top_active_items -----------------------------------------------------------------


def expected_top(world: World, hours: int, last_hour: int, *, by_level: bool = True,
                 envs: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    first = last_hour - hours + 1
    rows = []
    for name in world.ids:
        spec = SPECS[name]
        if spec.other or world.status[name] is not ItemStatus.ACTIVE:
            continue
        if envs and spec.env not in envs:
            continue
        counts = [0] * hours
        for o in world.mine():
            if o.name == name and first <= int(o.ts // H) <= last_hour:
                counts[int(o.ts // H) - first] += 1
        if sum(counts):
            last_seen = max(o.ts for o in world.mine() if o.name == name)
            rows.append((name, counts, last_seen))
    rows.sort(key=lambda r: ((-int(SPECS[r[0]].level),) if by_level else ())
              + (-sum(r[1]), -r[2], -world.ids[r[0]]))
    frameworks = {"Rails: 7.1.2": 1, "flask": 16, "node-js": 4, "django": 2,
                  "Django 4.2": 2, "Something else": 0, "": 0}
    out = []
    for name, counts, last_seen in rows[:10]:
        row = world.rows[name]
        out.append({"item": {
            "id": world.ids[name], "counter": row.counter, "environment": SPECS[name].env,
            "framework": frameworks[SPECS[name].framework],
            "last_occurrence_timestamp": int(last_seen), "level": int(SPECS[name].level),
            "occurrences": sum(counts), "project_id": world.project_id, "title": row.title,
            "unique_occurrences": None, "group_status": 1}, "counts": counts})
    return out


TOP_CASES: list[tuple[dict[str, Any], int, bool, tuple[str, ...]]] = [
    ({}, 24, True, ()),
    ({"hours": 168}, 168, True, ()),
    ({"hours": "1"}, 1, True, ()),
    ({"hours": 48, "sort": "occurrences"}, 48, False, ()),
    ({"environments": "bulk"}, 24, True, ("bulk",)),
    ({"hours": 168, "environments": "prod, staging,dev"}, 168, True, ("prod", "staging", "dev")),
]


@pytest.mark.parametrize("params,hours,by_level,envs", TOP_CASES)
def test_top_active_items(live: LiveServer, world: World, project: ProjectInfo,
                          params: dict[str, Any], hours: int, by_level: bool,
                          envs: tuple[str, ...]) -> None:
    r, hour = stable_get(live, TOP, project.read, H, **params)
    got = result(r)
    want = expected_top(world, hours, hour, by_level=by_level, envs=envs)
    assert got == want
    assert all(len(entry["counts"]) == hours for entry in got)
    names = [world.name_of(e["item"]["id"]) for e in got]
    assert not {"D", "E", "X"} & set(names)  # muted, resolved, other project's
    if not envs and hours >= 24:
        assert len(got) == 10  # 15+ candidates, cut to the top 10


def test_top_active_items_shape_and_order(live: LiveServer, world: World,
                                          project: ProjectInfo) -> None:
    got = result(live.get(TOP, project.read))
    first = got[0]
    assert set(first) == {"item", "counts"}
    assert set(first["item"]) == {"id", "counter", "environment", "framework",
                                  "last_occurrence_timestamp", "level", "occurrences",
                                  "project_id", "title", "unique_occurrences",
                                  "group_status"}
    assert world.name_of(first["item"]["id"]) == "B"  # the critical one first
    assert first["item"]["level"] == 50 and first["item"]["framework"] == 16
    levels = [e["item"]["level"] for e in got]
    assert levels == sorted(levels, reverse=True)
    assert "F" in [world.name_of(e["item"]["id"]) for e in got]  # reactivated: active again
    by_count = result(live.get(TOP, project.read, sort="occurrences"))
    counts = [e["item"]["occurrences"] for e in by_count]
    assert counts == sorted(counts, reverse=True)
    assert world.name_of(by_count[0]["item"]["id"]) == "A"


def test_top_active_items_of_another_project(live: LiveServer, world: World,
                                             other_project: ProjectInfo) -> None:
    r, hour = stable_get(live, TOP, other_project.read, H, hours=168)
    got = result(r)
    assert [e["item"]["id"] for e in got] == [world.ids["X"]]
    assert got[0]["item"]["project_id"] == other_project.id
    assert got[0]["item"]["occurrences"] == 3  # 45 s, 2 h and 3 days ago


# ---- activated_counts -----------------------------------------------------------------


@pytest.mark.parametrize("params,buckets,envs", [
    ({}, 60, ()), ({"buckets": 366}, 366, ()), ({"buckets": "2"}, 2, ()),
    ({"bucket_size": 86400, "buckets": 30, "environments": "dev"}, 30, ("dev",)),
    ({"environments": "prod,bulk"}, 60, ("prod", "bulk")),
])
def test_activated_counts_match_the_activations(
        live: LiveServer, world: World, project: ProjectInfo, params: dict[str, Any],
        buckets: int, envs: tuple[str, ...]) -> None:
    r, day = stable_get(live, ACT, project.read, D, **params)
    got = result(r)
    mine = [a for a in world.activations if not SPECS[a[0]].other
            and (not envs or SPECS[a[0]].env in envs)]
    want = []
    for index in range(day - buckets + 1, day + 1):
        start = index * D
        want.append([start, sum(1 for _, _, ts in mine if start <= ts < start + D)])
    assert got == want
    assert got[-1][0] <= time.time() < got[-1][0] + D


def test_activated_counts_have_new_and_reactivated_items(
        live: LiveServer, world: World, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    kinds = {k for n, k, _ in world.activations if not SPECS[n].other}
    assert kinds == {1, 3}
    r, day = stable_get(live, ACT, project.read, D, buckets=366, environments="dev")
    # F: new 12 days ago, reactivated 2 days and 45 minutes ago; G: new 100 hours ago
    assert sum(n for _, n in result(r)) == 4
    r = live.get(ACT, project.read, buckets=366)
    in_window = [a for a in world.activations if not SPECS[a[0]].other and
                 a[2] >= (day - 365) * D]
    # every item of the project but A (first seen 400 days ago), plus F's two returns
    assert sum(n for _, n in result(r)) == len(in_window) == (len(world.ids) - 2) + 2
    theirs = result(live.get(ACT, other_project.read, buckets=366))
    assert sum(n for _, n in theirs) == 1  # X only


# ---- access and parameters ------------------------------------------------------------


def test_empty_project_gives_zeros_and_no_items(server: LiveServer,
                                                project: ProjectInfo) -> None:
    assert result(server.get(TOP, project.read)) == []
    occ = result(server.get(OCC, project.read))
    assert len(occ) == 60 and all(n == 0 for _, n in occ)
    act = result(server.get(ACT, project.read, buckets=2))
    assert len(act) == 2 and act[1][0] - act[0][0] == D and all(n == 0 for _, n in act)
    assert all(t % D == 0 for t, _ in act)


@pytest.mark.parametrize("path", ALL)
def test_tokens(server: LiveServer, engine: Engine, project: ProjectInfo,
                path: str) -> None:
    r = server.http.get(server.url + path)
    assert r.status_code == 401 and r.json()["err"] == 1
    assert "access token required" in r.json()["message"]
    r = server.get(path, project.post)
    assert r.status_code == 403
    assert r.json()["message"].startswith("insufficient privileges: read scope is required")
    r = server.get(path, "0" * 32)
    assert r.status_code == 403 and r.json()["err"] == 1
    r = server.http.get(server.url + path + "/", params={"access_token": project.read})
    assert r.status_code == 200 and r.json()["err"] == 0  # trailing slash, query token
    with writer(engine).begin() as conn:
        account_token = tokens.create_token(conn, account_id=project.account_id,
                                            project_id=None, name="acct", scopes=["read"])
        stranger = projects.create_account(conn, "stranger")
        theirs, _ = projects.create_project(conn, stranger, "theirs")
        stranger_token = tokens.create_token(conn, account_id=stranger, project_id=None,
                                             name="acct", scopes=["read"])
    r = server.get(path, account_token)
    assert r.status_code == 403  # an account token must name its project
    assert "project_id" in r.json()["message"]
    assert server.get(path, account_token, project_id=project.id).status_code == 200
    for token, pid in ((account_token, theirs.id), (stranger_token, project.id),
                       (account_token, "x; DROP TABLE items")):
        r = server.get(path, token, project_id=pid)
        assert r.status_code == 404
        assert r.json() == {"err": 1, "message": "Project not found in this account."}


def test_account_token_reads_the_named_project(live: LiveServer, engine: Engine,
                                               world: World, project: ProjectInfo) -> None:
    with writer(engine).begin() as conn:
        token = tokens.create_token(conn, account_id=project.account_id, project_id=None,
                                    name="acct", scopes=["read"])
    for path in ALL:
        mine = live.get(path, project.read)
        via_account = live.get(path, token, project_id=project.id)
        assert result(via_account) == result(mine)
    other = result(live.get(TOP, token, project_id=world.other_id, hours=168))
    assert [e["item"]["id"] for e in other] == [world.ids["X"]]


BAD_PARAMS: list[tuple[str, dict[str, Any], str]] = [
    (TOP, {"hours": 0}, "hours must be between 1 and 168"),
    (TOP, {"hours": 169}, "hours must be between 1 and 168"),
    (TOP, {"hours": "x"}, "hours must be an integer, got 'x'"),
    (TOP, {"hours": "1; DROP TABLE items"}, "hours must be an integer"),
    (TOP, {"hours": "9" * 400}, "hours must be between 1 and 168"),
    (TOP, {"hours": "9" * 5000}, "hours must be an integer"),
    (TOP, {"sort": "level"}, "sort must be 'occurrences'"),
    (TOP, {"sort": "OCCURRENCES DESC"}, "sort must be 'occurrences'"),
    (OCC, {"bucket_size": 120}, "bucket_size must be one of 60, 3600, 86400; got '120'"),
    (OCC, {"bucket_size": "day"}, "bucket_size must be one of 60, 3600, 86400"),
    (OCC, {"bucket_size": -60}, "bucket_size must be one of"),
    (OCC, {"buckets": 1}, "buckets must be between 2 and 366"),
    (OCC, {"buckets": 367}, "buckets must be between 2 and 366"),
    (OCC, {"buckets": 10**30}, "buckets must be between 2 and 366"),
    (OCC, {"bucket_size": 60, "buckets": 241}, "buckets must be between 2 and 240"),
    (OCC, {"bucket_size": 3600, "buckets": 367}, "buckets must be between 2 and 366"),
    (OCC, {"buckets": "2.5"}, "buckets must be an integer"),
    (OCC, {"min_level": "loud"}, "min_level must be one of debug, info, warning, error, "
                                 "critical; got 'loud'"),
    (OCC, {"max_level": "' OR 1=1 --"}, "max_level must be one of"),
    (OCC, {"min_level": "critical", "max_level": "warning"},
     "min_level must not be above max_level"),
    (ACT, {"bucket_size": 3600}, "bucket_size must be 86400; got '3600'"),
    (ACT, {"bucket_size": 60}, "bucket_size must be 86400"),
    (OCC, {"bucket_size": "²"}, "bucket_size must be one of"),  # isdigit() but not int()
    (OCC, {"min_level": "²"}, "min_level must be one of"),
    (ACT, {"buckets": 1}, "buckets must be between 2 and 366"),
    (ACT, {"buckets": 367}, "buckets must be between 2 and 366"),
    (ACT, {"buckets": "-3"}, "buckets must be between 2 and 366"),
]


@pytest.mark.parametrize("path,params,message", BAD_PARAMS)
def test_invalid_parameters_are_422(server: LiveServer, project: ProjectInfo, path: str,
                                    params: dict[str, Any], message: str) -> None:
    r = server.get(path, project.read, **params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["err"] == 1 and message in body["message"]


def test_hostile_but_harmless_values_are_answered(live: LiveServer, world: World,
                                                  project: ProjectInfo) -> None:
    """Values that are merely odd filter to nothing; they never reach SQL as text."""
    weird = "'; DROP TABLE items; --"
    assert result(live.get(TOP, project.read, environments=weird)) == []
    for path in (OCC, ACT):
        got = result(live.get(path, project.read, environments=weird + "," + "x" * 5000))
        assert all(n == 0 for _, n in got)
    # levels by number and alias are accepted; the data is still there afterwards
    r, day = stable_get(live, OCC, project.read, D, min_level="50", max_level="fatal")
    assert result(r) == expected_series(world.mine(), D, day, 60, lambda o: o.level == 50)
    assert result(live.get(TOP, project.read, sort="", hours="")) != []


def test_day_boundaries_are_exact_on_every_database(
        engine: Engine, project: ProjectInfo, server: LiveServer) -> None:
    """A fraction of a second either side of UTC midnight lands on the right day (on
    PostgreSQL a float cast rounds, so a naive day expression would move 23:59:59.6)."""
    today = int(time.time()) // D * D
    times = [today - D + 0.6, today - 0.4, float(today), min(today + 0.5, time.time())]
    for i, ts in enumerate(times):
        event = event_for("A", project.id, ts)
        event.fingerprint = f"edge-{i}"
        with writer(engine).begin() as conn:
            assert digest.apply(conn, [digest.prepare(encode(event))]).new_items
    r, day = stable_get(server, ACT, project.read, D, buckets=3)
    if day * D == today:
        assert [n for _, n in result(r)] == [0, 2, 2]
    r, day = stable_get(server, OCC, project.read, D, buckets=3)
    if day * D == today:
        assert [n for _, n in result(r)] == [0, 2, 2]
