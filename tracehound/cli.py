"""The `tracehound` command: parse arguments, call functions, print JSON."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable
from typing import Annotated, Any

import typer

from tracehound import log
from tracehound.config import DEFAULT_DATA_DIR, Settings, load_settings

app = typer.Typer(help="Tracehound: self-hosted error tracking.", no_args_is_help=True,
                  add_completion=False)
project_app = typer.Typer(help="Manage projects.", no_args_is_help=True)
app.add_typer(project_app, name="project")
dead_app = typer.Typer(help="Events the digest could not store, set aside: list, requeue, "
                       "purge (docs/dead-letters.md).", no_args_is_help=True)
app.add_typer(dead_app, name="dead-letters")

DataDir = Annotated[str | None, typer.Option(
    "--data-dir", help=f"Directory of the embedded SQLite database [default: {DEFAULT_DATA_DIR}; "
    "env TRACEHOUND_DATA_DIR].")]
DatabaseUrl = Annotated[str | None, typer.Option(
    "--database-url", help="Database URL, e.g. postgresql+psycopg://user@host/db "
    "[env TRACEHOUND_DATABASE_URL]; overrides --data-dir.")]


def _settings(**flags: Any) -> Settings:
    try:
        return load_settings(flags)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _print(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, indent=2))


def _migrated_engine(settings: Settings):  # type: ignore[no-untyped-def]
    from tracehound.store import migrate
    from tracehound.store.db import build_engine

    engine = build_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    return engine


@app.command()
def init(
    email: Annotated[str, typer.Option(help="Email of the first user.")],
    password: Annotated[str, typer.Option(help="Password of the first user.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create the schema, the first user and account; print the account's tokens."""
    from tracehound.auth.passwords import hash_password
    from tracehound.model.project import ACCOUNT_TOKEN_SCOPES
    from tracehound.store import projects, tokens

    if len(password) < 8:
        raise typer.BadParameter("the password must have at least 8 characters",
                                 param_hint="--password")
    engine = _migrated_engine(_settings(data_dir=data_dir, database_url=database_url))
    from tracehound.store.db import writer

    with writer(engine).begin() as conn:  # reads then writes: take the lock first
        existing = tokens.find_user(conn, email)
        if existing is not None:
            user_id, account_id, _ = existing
            already = True
        else:
            already = False
            account_id = projects.create_account(conn, name=email.split("@")[0])
            user_id = tokens.create_user(conn, account_id=account_id, email=email,
                                         password_hash=hash_password(password))
            for scope in ACCOUNT_TOKEN_SCOPES:
                tokens.create_token(conn, account_id=account_id, project_id=None,
                                    name=scope.value, scopes=[scope.value])
        account_tokens = tokens.tokens_of(conn, account_id=account_id, project_id=None)
    if already:
        typer.echo(f"already initialized: user {email} exists; nothing was changed",
                   err=True)
    _print({"account_id": account_id, "user_id": user_id, "already_initialized": already,
            "access_tokens": account_tokens})


@project_app.command("create")
def project_create(
    name: Annotated[str, typer.Argument(help="Project name, unique in the account.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    host: Annotated[str | None, typer.Option(help="Host the DSN should name.")] = None,
    port: Annotated[int | None, typer.Option(help="Port the DSN should name.")] = None,
    public_url: Annotated[str | None, typer.Option(
        help="Base URL clients use, e.g. https://errors.example.com [env "
        "TRACEHOUND_PUBLIC_URL]; the DSN names it instead of host and port.")] = None,
) -> None:
    """Create a project; print its id, its four access tokens and its DSN."""
    from tracehound.store import projects

    settings = _settings(data_dir=data_dir, database_url=database_url, host=host, port=port,
                         public_url=public_url)
    engine = _migrated_engine(settings)
    from tracehound.store.db import writer

    with writer(engine).begin() as conn:  # reads then writes: take the lock first
        account_id = projects.first_account_id(conn)
        if account_id is None:
            account_id = projects.create_account(conn, name="default")
        if projects.find_project(conn, account_id, name) is not None:
            typer.echo(f"error: a project named {name!r} already exists", err=True)
            raise typer.Exit(1)
        project, made = projects.create_project(conn, account_id, name)
    out = {
        "id": project.id, "name": project.name, "account_id": account_id,
        "access_tokens": made,
        "dsn": settings.dsn(made["post_server_item"], project.id),
    }
    if as_json:
        _print(out)
        return
    typer.echo(f"project {project.name!r} created with id {project.id}")
    for scope, token in made.items():
        typer.echo(f"  {scope:<17} {token}")
    typer.echo(f"  {'dsn':<17} {out['dsn']}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port [default: 8000].")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Do not digest (or run RQL jobs) in this process (run `tracehound "
        "worker`).")] = False,
) -> None:
    """Run the API (and, unless --no-worker, the digest worker) on the embedded default."""
    import uvicorn

    from tracehound.app import create_app

    settings = _settings(host=host, port=port, data_dir=data_dir, database_url=database_url,
                         worker=False if no_worker else None)
    log.configure(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                access_log=False, log_level=settings.log_level, timeout_graceful_shutdown=10)


@app.command()
def worker(
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    parent_pid: Annotated[int | None, typer.Option(
        hidden=True, help="Exit when this process is no longer our parent (serve's child).")
    ] = None,
    wake_rql_on_stdin: Annotated[bool, typer.Option(
        hidden=True, help="Each byte read on stdin wakes the RQL runner (serve's child: "
        "serve writes one when a job is created or cancelled).")] = False,
) -> None:
    """Run only the digest (and RQL jobs), for set-ups where API and worker processes
    scale apart."""
    import os

    from tracehound import gc_policy
    from tracehound.ingest.worker import Worker
    from tracehound.jobs.rql_jobs import RqlRunner

    settings = _settings(database_url=database_url, data_dir=data_dir)
    log.configure(settings.log_level)
    engine = _migrated_engine(settings)
    w = Worker(engine, batch_size=settings.digest_batch_size,
               poll_seconds=settings.worker_poll_seconds,
               linger_seconds=settings.digest_linger_seconds)
    runner = RqlRunner(engine, settings)
    signal.signal(signal.SIGTERM, lambda *_: w.stop())
    signal.signal(signal.SIGINT, lambda *_: w.stop())
    log.get("worker").info("digest worker started on %s",
                           engine.url.render_as_string(hide_password=True))
    gc_policy.settle_after_startup()
    w.start()
    runner.start()
    if wake_rql_on_stdin:
        threading.Thread(target=_wake_on_stdin, args=(runner.notify,),
                         name="tracehound-rql-wake", daemon=True).start()
    while w.is_running():
        w.join(0.5)
        if parent_pid is not None and os.getppid() != parent_pid:
            log.get("worker").warning("serve (pid %s) is gone; stopping", parent_pid)
            w.stop()
    runner.stop()
    log.get("worker").info("digest worker stopped: %d batches, %d events digested",
                           w.batches, w.digested)
    sys.exit(0)


def _wake_on_stdin(wake: Callable[[], None]) -> None:
    """Call `wake` once per read that returns bytes; end at EOF (serve closed the pipe)."""
    import os

    while True:
        try:
            data = os.read(0, 4096)
        except OSError:
            return
        if not data:
            return
        wake()


@app.command(name="migrate")
def migrate_cmd(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Bring the database schema up to date (serve and worker also do it on start)."""
    _migrated_engine(_settings(data_dir=data_dir, database_url=database_url))
    typer.echo("schema is up to date")


DeadLetterId = Annotated[int, typer.Option(
    "--id", min=1, max=2**63 - 1, help="A dead letter's id (from `dead-letters list`).")]


def _printable(text: str) -> str:
    """For a terminal: an error message may quote event data (escape sequences...)."""
    return "".join(c if c.isprintable() else "?" for c in text)


@dead_app.command("list")
def dead_letters_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100_000,
                                       help="Show at most this many, oldest first.")] = 100,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The events set aside, oldest first: id, project, received, attempts, error."""
    from datetime import UTC, datetime

    from tracehound.store import dead_letters

    engine = _migrated_engine(_settings(data_dir=data_dir, database_url=database_url))
    with engine.connect() as conn:
        total = dead_letters.count(conn)
        rows = dead_letters.oldest(conn, limit)

    def iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")

    if as_json:
        _print({"total": total, "dead_letters": [
            {"id": d.id, "project_id": d.project_id, "received_at": iso(d.received_at),
             "failed_at": iso(d.failed_at), "attempts": d.attempts,
             "error_class": d.error_class, "error": d.error} for d in rows]})
        return
    typer.echo(f"{total} dead letter(s)" + (f", the oldest {len(rows)}:" if rows else ""))
    for d in rows:
        first = (d.error.splitlines() or [""])[0][:200]
        typer.echo(f"  {d.id:>6}  project {d.project_id:<6}  received {iso(d.received_at)}"
                   f"  attempts {d.attempts}  {_printable(d.error_class)}: "
                   f"{_printable(first)}")


@dead_app.command("requeue")
def dead_letters_requeue(
    ids: Annotated[list[int] | None, typer.Option(
        "--id", min=1, max=2**63 - 1,
        help="A dead letter's id (from `dead-letters list`); repeat for more.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead letter.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move dead letters back into the ingest queue (e.g. after an upgrade fixed them)."""
    # the worker digests them again and sets aside again what still fails
    from tracehound.store import dead_letters
    from tracehound.store.db import writer

    if bool(ids) == every:
        raise typer.BadParameter("give --id N (repeatable) or --all, not both")
    engine = _migrated_engine(_settings(data_dir=data_dir, database_url=database_url))
    moved: list[int] = []
    if every:
        with engine.connect() as conn:
            last = dead_letters.newest_id(conn)
        while last is not None:  # chunks, each its own short transaction
            with writer(engine).begin() as conn:
                chunk = dead_letters.requeue_through(conn, last, 500)
            if not chunk:
                break
            moved += chunk
    else:
        with writer(engine).begin() as conn:
            moved = dead_letters.requeue(conn, sorted(set(ids or [])))
    missing = sorted(set(ids or []) - set(moved))
    _print({"requeued": len(moved), "ids": moved, "not_found": missing})
    if missing:
        typer.echo(f"error: no dead letter with id {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(1)


@dead_app.command("purge")
def dead_letters_purge(
    dead_id: DeadLetterId,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete one dead letter for good: its event is lost (requeue what may be fixed)."""
    from tracehound.store import dead_letters
    from tracehound.store.db import writer

    engine = _migrated_engine(_settings(data_dir=data_dir, database_url=database_url))
    with writer(engine).begin() as conn:
        purged = dead_letters.purge(conn, dead_id)
    _print({"purged": purged, "id": dead_id})
    if not purged:
        typer.echo(f"error: no dead letter with id {dead_id}", err=True)
        raise typer.Exit(1)


def main() -> None:
    app()
