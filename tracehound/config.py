"""Settings: one table of (name, default, env var, help), built into a frozen object.

Nothing reads the environment at import time; `load_settings` is called by the CLI
(or a test) and the result is passed to `create_app(settings)`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = "~/.local/share/tracehound"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "TRACEHOUND_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", DEFAULT_DATA_DIR, "Directory of the embedded SQLite database."),
    Setting("database_url", "", "SQLAlchemy URL; empty means SQLite in data_dir. "
            "PostgreSQL: postgresql+psycopg://user@host/db"),
    Setting("host", "127.0.0.1", "Address `serve` listens on."),
    Setting("port", 8000, "Port `serve` listens on."),
    Setting("public_url", "", "Base URL clients reach this server at (e.g. "
            "https://errors.example.com/tracehound); names the host, port and path of "
            "the DSNs Tracehound prints. Empty: http://host:port."),
    Setting("worker", True, "Run the digest worker inside `serve`."),
    Setting("worker_process", True, "Run `serve`'s digest worker as a child process "
            "(its own core and GIL) rather than a thread of the API process."),
    Setting("max_body_bytes", 1024 * 1024, "Largest request body accepted, compressed "
            "or decompressed (413 above it)."),
    Setting("max_envelope_bytes", 20 * 1024 * 1024, "Largest Sentry envelope accepted, "
            "compressed or decompressed (413 above it); each event in it is held to "
            "max_body_bytes."),
    Setting("max_attachment_bytes", 1024 * 1024, "Largest Sentry attachment kept with "
            "its occurrence; bigger ones are dropped and counted."),
    Setting("digest_batch_size", 200, "Most queued events digested in one transaction."),
    Setting("worker_poll_seconds", 0.1, "How often an idle out-of-process worker looks "
            "for queued events."),
    Setting("digest_linger_seconds", 0.05, "After a partial batch, how long the worker "
            "lets events accumulate before the next one (bigger batches, less CPU per "
            "event; adds at most this to the time until an event is visible)."),
    Setting("enqueue_batch_size", 500, "Most events written to the ingest queue in one "
            "group commit."),
    Setting("system_rate_limit_per_minute", 600000, "Per-token request ceiling per "
            "minute, on top of each token's own limit (0 = none)."),
    Setting("rate_limit_store", "auto", "Where each token's own rate-limit window is "
            "counted: `database` (a row shared by every API process; one short write "
            "per call of a token that has a limit), `memory` (per process), or `auto` "
            "(database on PostgreSQL, memory on SQLite). The system ceiling is always "
            "counted per process."),
    Setting("token_cache_seconds", 10.0, "How long a looked-up access token is cached: "
            "another process sees a token's change (rate limit, deletion, its project's "
            "deletion) within this time."),
    Setting("rql_timeout_seconds", 600.0, "Longest an RQL job may run; past it the query "
            "is stopped and the job ends `timed_out`."),
    Setting("rql_max_concurrent_per_account", 2, "RQL jobs of one account running at once "
            "(across every process); further jobs wait as `new`."),
    Setting("rql_runner_threads", 2, "RQL queries one worker (or `serve` with a thread "
            "worker) runs at once."),
    Setting("rql_result_days", 7.0, "How long RQL jobs and their results are kept."),
    Setting("rql_poll_seconds", 1.0, "How often an idle RQL runner looks for new jobs "
            "(a runner in the API's own process or in serve's child worker is also woken at "
            "once)."),
    Setting("rql_stale_seconds", 60.0, "A running RQL job whose runner has not reported "
            "for this long (process killed) ends `failed`."),
    Setting("log_level", "info", "Logging level."),
)


@dataclass(frozen=True)
class Settings:
    data_dir: str = DEFAULT_DATA_DIR
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    worker: bool = True
    worker_process: bool = True
    max_body_bytes: int = 1024 * 1024
    max_envelope_bytes: int = 20 * 1024 * 1024
    max_attachment_bytes: int = 1024 * 1024
    digest_batch_size: int = 200
    worker_poll_seconds: float = 0.1
    digest_linger_seconds: float = 0.05
    enqueue_batch_size: int = 500
    system_rate_limit_per_minute: int = 600000
    rate_limit_store: str = "auto"
    token_cache_seconds: float = 10.0
    rql_timeout_seconds: float = 600.0
    rql_max_concurrent_per_account: int = 2
    rql_runner_threads: int = 2
    rql_result_days: float = 7.0
    rql_poll_seconds: float = 1.0
    rql_stale_seconds: float = 60.0
    log_level: str = "info"

    @property
    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, or SQLite under data_dir."""
        if self.database_url:
            return self.database_url
        path = Path(self.data_dir).expanduser() / "tracehound.sqlite3"
        return f"sqlite:///{path}"

    def dsn(self, public_key: str, project_id: int) -> str:
        """The Sentry DSN of a project key: scheme://key@host[:port][/path]/project."""
        from urllib.parse import urlsplit

        base = self.public_url.strip()
        if not base:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
            base = f"http://{host}:{self.port}"
        parts = urlsplit(base if "://" in base else "http://" + base)
        return (f"{parts.scheme}://{public_key}@{parts.netloc}"
                f"{parts.path.rstrip('/')}/{project_id}")

    def as_env(self) -> dict[str, str]:
        """TRACEHOUND_* variables that reproduce these settings in a child process."""
        return {s.env: _render(getattr(self, s.name)) for s in SETTINGS}

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"expected a boolean, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, overridden by TRACEHOUND_* variables, overridden by explicit flags."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in env and env[setting.env] != "":
            try:
                values[setting.name] = _coerce(env[setting.env], setting.default)
            except ValueError as exc:
                raise ValueError(f"{setting.env}: {exc}") from None
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = value
    return Settings(**values)
