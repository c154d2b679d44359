"""Grouping v1: behaviour rules, and the snapshot corpus pinned per released version.

Set TRACEHOUND_UPDATE_SNAPSHOTS=1 to rewrite tests/data/grouping/snapshots/; the diff
is the review. A released version's snapshots must never change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tracehound.grouping import versions
from tracehound.grouping.title import title_for
from tracehound.model.event import Event, ExceptionInfo, Frame, pack_data
from tracehound.protocols.rollbar.translate import translate

DATA = Path(__file__).parent.parent / "data" / "grouping"
INPUTS = sorted(DATA.glob("*.json"))
UPDATE = os.environ.get("TRACEHOUND_UPDATE_SNAPSHOTS") == "1"


def event_from(path: Path) -> Event:
    return translate(json.loads(path.read_text()), project_id=1, received_at=1.8e9)


def render(event: Event, version: str) -> str:
    fp = versions.fingerprint(event, version)
    return f"title: {title_for(event)}\n{fp.explain()}\nkey:\n{fp.key}\n"


@pytest.mark.parametrize("version", sorted(versions.VERSIONS))
@pytest.mark.parametrize("path", INPUTS, ids=[p.stem for p in INPUTS])
def test_snapshot(path: Path, version: str) -> None:
    snap = DATA / "snapshots" / f"{path.stem}.{version}.txt"
    got = render(event_from(path), version)
    if UPDATE or not snap.exists():
        snap.write_text(got)
        if not UPDATE:
            pytest.fail(f"new snapshot written: {snap.name}; review and commit it")
    assert got == snap.read_text()


def fp(name: str) -> str:
    return versions.fingerprint(event_from(DATA / f"{name}.json")).hash


def test_line_numbers_messages_and_hosts_do_not_split_items() -> None:
    assert fp("python_keyerror") == fp("python_keyerror_moved_lines")


def test_build_hashes_and_query_strings_are_ignored_in_paths() -> None:
    e = event_from(DATA / "js_typeerror_build_hash.json")
    other = Event(**{**{f: getattr(e, f) for f in e.__struct_fields__},
                     "exceptions": [ExceptionInfo("TypeError", "x", [
                         Frame("https://cdn.example.com/static/app.0badc0ffee.js?v=13",
                               method="onClick"),
                         Frame("https://cdn.example.com/static/vendor.123456789.js",
                               method="dispatch")])]})
    assert versions.fingerprint(e).hash == versions.fingerprint(other).hash


def test_different_function_or_class_splits_items() -> None:
    base = Event(project_id=1, uuid="u", received_at=0, vendor="t", environment="p",
                 level=40, data=pack_data({}),
                 exceptions=[ExceptionInfo("KeyError", "", [Frame("a.py", method="f")])])
    other_fn = Event(**{**{f: getattr(base, f) for f in base.__struct_fields__},
                        "exceptions": [ExceptionInfo("KeyError", "", [Frame("a.py", method="g")])]})
    other_cls = Event(**{**{f: getattr(base, f) for f in base.__struct_fields__},
                         "exceptions": [ExceptionInfo("IndexError", "",
                                                      [Frame("a.py", method="f")])]})
    hashes = {versions.fingerprint(e).hash for e in (base, other_fn, other_cls)}
    assert len(hashes) == 3


def test_in_app_frames_only_when_marked() -> None:
    def ev(lib_method: str) -> Event:
        return Event(project_id=1, uuid="u", received_at=0, vendor="t", environment="p",
                     level=40, data=pack_data({}), exceptions=[ExceptionInfo("E", "", [
                         Frame("site-packages/lib.py", method=lib_method, in_app=False),
                         Frame("app.py", method="mine", in_app=True)])])
    assert versions.fingerprint(ev("a")).hash == versions.fingerprint(ev("b")).hash
    assert "skipped: marked not in-app" in versions.fingerprint(ev("a")).explain()


def test_runtime_and_library_frames_do_not_split_items() -> None:
    def ev(*frames: Frame) -> Event:
        return Event(project_id=1, uuid="u", received_at=0, vendor="t", environment="p",
                     level=40, data=pack_data({}),
                     exceptions=[ExceptionInfo("TypeError", "", list(frames))])
    mine = Frame("/app/src/routes/users.js", 41, method="getUser")
    direct = ev(Frame("node:internal/process/task_queues", method="processTicks"), mine)
    via_express = ev(Frame("/app/node_modules/express/lib/router/layer.js", method="handle"),
                     mine)
    assert versions.fingerprint(direct).hash == versions.fingerprint(via_express).hash
    only_library = ev(Frame("/usr/lib/python3.12/json/decoder.py", method="decode"))
    assert "json/decoder.py" in versions.fingerprint(only_library).key


def test_explicit_fingerprint_is_used_as_the_hash() -> None:
    assert fp("explicit_fingerprint") == "db-connection-lost"


def test_titles() -> None:
    assert title_for(event_from(DATA / "explicit_fingerprint.json")) == "Database connection lost"
    assert title_for(event_from(DATA / "python_trace_chain.json")) == "JobFailed: job 881 failed"
    long = Event(project_id=1, uuid="u", received_at=0, vendor="t", environment="p",
                 level=20, data=pack_data({}), message="word " * 200)
    t = title_for(long)
    assert len(t) <= 255 and t.endswith("...")
