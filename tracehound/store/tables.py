"""SQLAlchemy Core tables: the schema's single source of truth (migrations follow it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    UniqueConstraint,
)

from tracehound.store.text_types import LongText, Str

# BigInteger ids become INTEGER on SQLite so they alias the rowid (autoincrement works).
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts", metadata,
    Column("id", Id, primary_key=True),
    Column("name", Str(255), nullable=False),
    Column("created_at", Float, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("email", Str(255), nullable=False, unique=True),
    Column("username", Str(255), nullable=False),
    Column("password_hash", Str(255), nullable=False),
    Column("email_enabled", Boolean, nullable=False, server_default="1"),
    Column("created_at", Float, nullable=False),
)

projects = Table(
    "projects", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("name", Str(255), nullable=False),
    Column("status", Str(16), nullable=False, server_default="enabled"),
    # last item counter handed out; rows are locked while new items are numbered
    Column("item_counter", Integer, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=True),
    UniqueConstraint("account_id", "name"),
)

access_tokens = Table(
    "access_tokens", metadata,
    Column("id", Id, primary_key=True),
    Column("token", Str(64), nullable=False, unique=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("project_id", Id, ForeignKey("projects.id"), nullable=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=True),
    Column("name", Str(255), nullable=False),
    Column("scopes", Str(255), nullable=False),  # space-separated Scope values
    Column("status", Str(16), nullable=False, server_default="enabled"),
    Column("rate_limit_window_size", Integer, nullable=True),
    Column("rate_limit_window_count", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=True),
)

# Durable ingest queue: a row exists from acknowledgement until its digest commits.
ingest_queue = Table(
    "ingest_queue", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("event", LargeBinary, nullable=False),  # model.event.encode()
    # times this event was dead-lettered before and requeued (ingest/isolate.py)
    Column("attempts", Integer, nullable=False, server_default="0"),
)

# Queued events the digest could not store even on their own, set aside so the rest of
# the queue goes on (ingest/isolate.py). Kept as queued, until an operator requeues or
# purges them (`tracehound dead-letters`).
dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),  # no foreign key: the project may be gone
    Column("received_at", Float, nullable=False),
    Column("event", LargeBinary, nullable=False),  # the queued blob, byte for byte
    Column("error_class", Str(255), nullable=False),
    Column("error", LongText, nullable=False),  # the message, truncated
    Column("failed_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False),  # failed alone this many times
    # count(*) for /health reads this index, not the blobs
    Index("ix_dead_letters_project_id", "project_id"),
)

# Made by migrations only, on one dialect: autogenerate must not offer to drop them.
# ix_items_title_trgm: PostgreSQL pg_trgm GIN index on items.title (free-text search).
AUTOGENERATE_IGNORES = frozenset({"ix_items_title_trgm"})

items = Table(
    "items", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, ForeignKey("projects.id"), nullable=False),
    Column("environment", Str(255), nullable=False),
    Column("fingerprint", Str(64), nullable=False),  # the hash items are unique on
    Column("fingerprint_key", LongText, nullable=False),  # readable text the hash came from
    Column("grouping_version", Str(16), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("title", Str(255), nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("platform", Str(64), nullable=False, server_default=""),
    Column("framework", Str(64), nullable=False, server_default=""),
    Column("language", Str(64), nullable=False, server_default=""),
    Column("exception_class", Str(255), nullable=True),
    Column("total_occurrences", BigInteger, nullable=False, server_default="0"),
    Column("first_occurrence_id", BigInteger, nullable=True),
    Column("first_occurrence_timestamp", Float, nullable=True),
    Column("last_occurrence_id", BigInteger, nullable=True),
    Column("last_occurrence_timestamp", Float, nullable=True),
    Column("activating_occurrence_id", BigInteger, nullable=True),
    Column("last_activated_timestamp", Float, nullable=True),
    Column("last_resolved_timestamp", Float, nullable=True),
    Column("last_muted_timestamp", Float, nullable=True),
    Column("resolved_in_version", Str(40), nullable=True),
    Column("title_lock", Boolean, nullable=False, server_default="0"),
    Column("level_lock", Boolean, nullable=False, server_default="0"),
    Column("assigned_user_id", Id, nullable=True),
    Column("assigned_team_id", Id, nullable=True),
    Column("snooze_enabled", Boolean, nullable=False, server_default="0"),
    Column("snooze_expires_at", Float, nullable=True),
    Column("last_modified_by", Id, nullable=True),
    Column("created_at", Float, nullable=False),
    # marked important by a user (Exceptionless's "occurrences are critical")
    Column("critical", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("project_id", "environment", "fingerprint",
                     name="uq_items_project_env_fingerprint"),
    UniqueConstraint("project_id", "counter", name="uq_items_project_counter"),
    Index("ix_items_project_last_seen", "project_id", "last_occurrence_timestamp", "id"),
    Index("ix_items_project_status", "project_id", "status"),
    # the web UI's other sort orders (first seen, occurrences), paged per project
    Index("ix_items_project_first_seen", "project_id", "first_occurrence_timestamp", "id"),
    Index("ix_items_project_occurrences", "project_id", "total_occurrences", "id"),
    sqlite_autoincrement=True,  # ids are never reused, even after deletions
)

occurrences = Table(
    "occurrences", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("item_id", Id, ForeignKey("items.id"), nullable=False),
    Column("uuid", Str(64), nullable=False),
    Column("timestamp", Float, nullable=False),  # server receive time
    Column("level", SmallInteger, nullable=False),
    Column("payload", LargeBinary, nullable=False),  # codec.pack(stored data)
    # Event.reference_id: a client-chosen lookup key (Exceptionless), not unique
    Column("reference_id", Str(100), nullable=True),
    UniqueConstraint("project_id", "uuid", name="uq_occurrences_project_uuid"),
    Index("ix_occurrences_item_id", "item_id", "id"),
    # time windows of RQL and reports; item_id makes "count per item" index-only
    Index("ix_occurrences_project_ts", "project_id", "timestamp", "item_id"),
    Index("ix_occurrences_project_reference", "project_id", "reference_id"),
    sqlite_autoincrement=True,
)

item_hourly_counts = Table(
    "item_hourly_counts", metadata,
    Column("item_id", Id, primary_key=True),
    Column("hour", Integer, primary_key=True),  # unix time // 3600
    Column("count", Integer, nullable=False),
)

people = Table(
    "people", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("person_id", Str(255), nullable=False),
    Column("username", Str(255), nullable=True),
    Column("email", Str(255), nullable=True),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    UniqueConstraint("project_id", "person_id", name="uq_people_project_person"),
)

# Per-minute occurrence counts, for reports with 60-second buckets; hours come from
# item_hourly_counts. Old minutes are pruned (reports look back at most 240 minutes).
item_minute_counts = Table(
    "item_minute_counts", metadata,
    Column("item_id", Id, primary_key=True),
    Column("minute", Integer, primary_key=True),  # unix time // 60
    Column("count", Integer, nullable=False),
)

# One row each time an item becomes active: first seen (kind 1) or reactivated (2).
item_activations = Table(
    "item_activations", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("item_id", Id, nullable=False),
    Column("environment", Str(255), nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("occurrence_id", BigInteger, nullable=True),
    Column("timestamp", Float, nullable=False),
    Index("ix_item_activations_project_ts", "project_id", "timestamp"),
    # the item page's history: one item's activations, newest first
    Index("ix_item_activations_item_id", "item_id", "id"),
)

# What people (web UI) and scripts (Rollbar API PATCH) changed on an item, one row per
# change that changed something: the item page's history. Activations (created,
# reactivated) are in item_activations, written by the digest.
item_history = Table(
    "item_history", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("item_id", Id, nullable=False),
    Column("timestamp", Float, nullable=False),
    # resolved, muted, reopened, level, title, assigned, unassigned, team_assigned,
    # team_unassigned, snoozed, unsnoozed (store/item_history.py)
    Column("action", Str(32), nullable=False),
    Column("value", Str(255), nullable=True),  # version, level, title, owner id...
    Column("user_id", Id, nullable=True),  # who, when a signed-in user did it
    Column("source", Str(16), nullable=False),  # "web" or "api"
    Index("ix_item_history_item_id", "item_id", "id"),
)

# Per item and code version: what the versions API reports.
item_versions = Table(
    "item_versions", metadata,
    Column("item_id", Id, primary_key=True),
    Column("version", Str(200), primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("environment", Str(255), nullable=False),
    Column("first_occurrence_id", BigInteger, nullable=False),
    Column("first_occurrence_timestamp", Float, nullable=False),
    Column("last_occurrence_id", BigInteger, nullable=False),
    Column("last_occurrence_timestamp", Float, nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("event", SmallInteger, nullable=False),  # 1 new, 2 repeated, 3 reactivated
    Index("ix_item_versions_project_version", "project_id", "version", "environment"),
)

environments = Table(
    "environments", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("name", Str(255), nullable=False),
    Column("visible", Boolean, nullable=False, server_default="1"),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_environments_project_name"),
)

deploys = Table(
    "deploys", metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", Id, nullable=False),
    Column("environment", Str(255), nullable=False),
    Column("revision", Str(255), nullable=False),
    Column("local_username", Str(255), nullable=True),
    Column("user_id", Id, nullable=True),
    Column("comment", LongText, nullable=True),
    Column("status", Str(16), nullable=False),
    Column("start_time", Float, nullable=False),
    Column("finish_time", Float, nullable=True),
    Index("ix_deploys_project_id", "project_id", "id"),
    # the item page's "deploys around it": by environment and start time
    Index("ix_deploys_project_env_start", "project_id", "environment", "start_time"),
)

teams = Table(
    "teams", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("name", Str(255), nullable=False),
    Column("access_level", Str(16), nullable=False),
    Column("created_at", Float, nullable=False),
)

team_users = Table(
    "team_users", metadata,
    Column("team_id", Id, ForeignKey("teams.id"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
)

team_projects = Table(
    "team_projects", metadata,
    Column("team_id", Id, ForeignKey("teams.id"), primary_key=True),
    Column("project_id", Id, ForeignKey("projects.id"), primary_key=True),
)

invites = Table(
    "invites", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("team_id", Id, ForeignKey("teams.id"), nullable=False),
    Column("from_user_id", Id, nullable=True),
    Column("to_email", Str(255), nullable=False),
    Column("status", Str(16), nullable=False),
    Column("date_created", Float, nullable=False),
    Column("date_redeemed", Float, nullable=True),
)

person_delete_jobs = Table(
    "person_delete_jobs", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, nullable=False),
    Column("field", Str(16), nullable=False),  # person_id, username or email
    Column("value", Str(255), nullable=False),
    Column("state", Str(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("progress", LongText, nullable=True),  # JSON: counts so far
    Column("error", LongText, nullable=True),
)

# Rate-limit windows shared by every API process (the "database" limiter store).
rate_limit_windows = Table(
    "rate_limit_windows", metadata,
    Column("token_id", Id, primary_key=True),
    Column("kind", Str(16), primary_key=True),  # "own" or "system"
    Column("window_start", Float, nullable=False),
    Column("count", Integer, nullable=False),
)


# Distinct occurrence-level values seen per item (host, context, person, tags...), so the
# search language filters items on them through an index instead of reading payloads.
item_facets = Table(
    "item_facets", metadata,
    Column("item_id", Id, primary_key=True),
    Column("kind", Str(32), primary_key=True),
    Column("value", Str(255), primary_key=True),
    Column("project_id", Id, nullable=False),
    # item_id makes `items.id IN (SELECT item_id ... WHERE kind AND value range)` an
    # index-only scan: without it, each matching row cost a table fetch (host:web-3 on
    # the query bench, 5,213 rows: 13-55 ms on PostgreSQL, 3.4 ms covered; RESULTS.md)
    Index("ix_item_facets_project_kind_value", "project_id", "kind", "value", "item_id"),
)

# Asynchronous RQL jobs (Rollbar's /api/1/rql/jobs); run by the worker, results kept.
rql_jobs = Table(
    "rql_jobs", metadata,
    Column("id", Id, primary_key=True),
    Column("account_id", Id, nullable=False),
    Column("project_id", Id, nullable=False),
    Column("query_string", LongText, nullable=False),
    Column("job_hash", Str(64), nullable=False),
    Column("status", Str(16), nullable=False),  # new running success failed cancelled timed_out
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("claimed_by", Str(64), nullable=True),  # runner that holds a running job
    Column("heartbeat_at", Float, nullable=True),  # a running job's runner is alive
    Column("result", LargeBinary, nullable=True),  # codec.pack(result resource)
    Index("ix_rql_jobs_project_hash", "project_id", "job_hash"),
    Index("ix_rql_jobs_status", "status", "id"),
    sqlite_autoincrement=True,
)


# Signed-in web UI sessions. The cookie holds a random token; only its sha256 is stored,
# so a leaked database row cannot be replayed as a cookie.
web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Str(64), primary_key=True),  # sha256 hex of the cookie token
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", Str(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_web_sessions_user_id", "user_id"),
    Index("ix_web_sessions_expires_at", "expires_at"),
)
