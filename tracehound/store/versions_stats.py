"""What one code version did in one environment (rollbar-api.md §12).

Reads `item_versions` (one row per item and version, filled by the digest: first and
last occurrence in the version, occurrence count, and whether the item was new,
repeated or reactivated there), the items resolved in the version, and the deploys of
that revision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select

from tracehound.store.activity import NEW, REACTIVATED, REPEATED
from tracehound.store.tables import deploys, item_versions, items, users

EVENTS = {"new": NEW, "repeated": REPEATED, "reactivated": REACTIVATED}
RESOLVED = "resolved"


@dataclass
class VersionSummary:
    """The aggregates behind `GET /versions/{version}`; times are Unix seconds (float)."""

    first_occurrence_id: int | None = None
    first_occurrence_timestamp: float | None = None
    last_occurrence_id: int | None = None
    last_occurrence_timestamp: float | None = None
    first_deploy_time: float | None = None
    last_deploy_time: float | None = None
    deployed_by: str | None = None
    # (event name, item level) → number of items
    counts: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return bool(self.counts) or self.first_occurrence_id is not None \
            or self.last_deploy_time is not None


def _in_version(project_id: int, version: str, environment: str) -> Any:
    return and_(item_versions.c.project_id == project_id, item_versions.c.version == version,
                item_versions.c.environment == environment)


def _resolved_in(project_id: int, version: str, environment: str) -> Any:
    return and_(items.c.project_id == project_id, items.c.environment == environment,
                items.c.resolved_in_version == version)


def _occurrence_span(conn: Connection, out: VersionSummary, where: Any) -> None:
    row = conn.execute(select(
        func.min(item_versions.c.first_occurrence_id).label("fid"),
        func.min(item_versions.c.first_occurrence_timestamp).label("fts"),
        func.max(item_versions.c.last_occurrence_id).label("lid"),
        func.max(item_versions.c.last_occurrence_timestamp).label("lts"),
    ).where(where)).one()
    out.first_occurrence_id, out.first_occurrence_timestamp = row.fid, row.fts
    out.last_occurrence_id, out.last_occurrence_timestamp = row.lid, row.lts


def _item_counts(conn: Connection, out: VersionSummary, project_id: int, version: str,
                 environment: str) -> None:
    names = {v: k for k, v in EVENTS.items()}
    for r in conn.execute(
        select(item_versions.c.event, items.c.level, func.count().label("n"))
        .join(items, items.c.id == item_versions.c.item_id)
        .where(_in_version(project_id, version, environment))
        .group_by(item_versions.c.event, items.c.level)
    ):
        if r.event in names:
            out.counts[(names[r.event], r.level)] = int(r.n)
    for r in conn.execute(
        select(items.c.level, func.count().label("n"))
        .where(_resolved_in(project_id, version, environment)).group_by(items.c.level)
    ):
        out.counts[(RESOLVED, r.level)] = int(r.n)


def _deploys(conn: Connection, out: VersionSummary, project_id: int, version: str,
             environment: str) -> None:
    where = and_(deploys.c.project_id == project_id, deploys.c.revision == version,
                 deploys.c.environment == environment)
    out.first_deploy_time = conn.execute(
        select(func.min(deploys.c.start_time)).where(where)).scalar()
    last = conn.execute(
        select(deploys.c.start_time, deploys.c.local_username, users.c.username)
        .outerjoin(users, users.c.id == deploys.c.user_id)
        .where(where).order_by(deploys.c.id.desc()).limit(1)
    ).first()
    if last is not None:
        out.last_deploy_time = last.start_time
        out.deployed_by = last.username or last.local_username


def summary(conn: Connection, project_id: int, version: str,
            environment: str) -> VersionSummary:
    """Everything the version page shows; `.known` is False for a version never seen."""
    out = VersionSummary()
    _occurrence_span(conn, out, _in_version(project_id, version, environment))
    _item_counts(conn, out, project_id, version, environment)
    _deploys(conn, out, project_id, version, environment)
    return out


_IN_VERSION_COLUMNS = (
    item_versions.c.first_occurrence_id.label("v_first_id"),
    item_versions.c.first_occurrence_timestamp.label("v_first_ts"),
    item_versions.c.last_occurrence_id.label("v_last_id"),
    item_versions.c.last_occurrence_timestamp.label("v_last_ts"),
    item_versions.c.occurrences.label("v_occurrences"),
)


def items_page(conn: Connection, project_id: int, version: str, environment: str, *,
               event: str | None, levels: tuple[int, ...], page: int,
               per_page: int) -> list[Row[Any]]:
    """Item rows plus their `v_*` in-version columns: items with occurrences in the
    version (optionally of one event) in the order they first appeared there, or with
    event `resolved` the items resolved in it (by id; `v_*` null without occurrences)."""
    if event == RESOLVED:
        stmt = (
            select(items, *_IN_VERSION_COLUMNS)
            .outerjoin(item_versions, and_(item_versions.c.item_id == items.c.id,
                                           item_versions.c.version == version))
            .where(_resolved_in(project_id, version, environment))
            .order_by(items.c.id)
        )
    else:
        stmt = (
            select(items, *_IN_VERSION_COLUMNS).select_from(item_versions)
            .join(items, items.c.id == item_versions.c.item_id)
            .where(_in_version(project_id, version, environment))
            .order_by(item_versions.c.first_occurrence_id, items.c.id)
        )
        if event is not None:
            stmt = stmt.where(item_versions.c.event == EVENTS[event])
    if levels:
        stmt = stmt.where(items.c.level.in_(levels))
    return list(conn.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
