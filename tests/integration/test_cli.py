"""The `tracehound` command as a user runs it: real subprocesses, real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tracehound.auth.passwords import verify_password
from tracehound.store.db import build_engine
from tracehound.store.tables import access_tokens, users


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracehound", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_init_twice_is_safe_and_says_so(db_url: str) -> None:
    first = run("init", "--email", "Ann@Example.com", "--password", "correct horse",
                "--database-url", db_url)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["already_initialized"] is False
    assert set(out["access_tokens"]) == {"read", "write"}
    assert all(len(t) == 32 and t == t.lower() and int(t, 16) >= 0
               for t in out["access_tokens"].values())
    second = run("init", "--email", "ann@example.com", "--password", "correct horse",
                 "--database-url", db_url)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["already_initialized"] is True
    assert again["access_tokens"] == out["access_tokens"]
    assert "already initialized" in second.stderr
    engine = build_engine(db_url)
    with engine.connect() as conn:
        (user,) = conn.execute(select(users)).all()
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse")
        assert not verify_password(user.password_hash, "wrong")
    engine.dispose()


def test_init_refuses_a_short_password(tmp_path: Path) -> None:
    r = run("init", "--email", "a@b.co", "--password", "short", "--data-dir", str(tmp_path))
    assert r.returncode != 0 and "at least 8" in r.stderr


def test_project_create_prints_tokens_and_dsn(db_url: str) -> None:
    r = run("project", "create", "shop", "--json", "--database-url", db_url, "--port", "9000")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["access_tokens"]) == {"post_server_item", "post_client_item", "read",
                                         "write"}
    assert out["dsn"] == (f"http://{out['access_tokens']['post_server_item']}"
                          f"@127.0.0.1:9000/{out['id']}")
    engine = build_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(access_tokens.c.scopes, access_tokens.c.project_id)
                            .where(access_tokens.c.project_id == out["id"])).all()
    engine.dispose()
    assert sorted(r.scopes for r in rows) == sorted(out["access_tokens"])
    behind_proxy = run("project", "create", "api", "--json", "--database-url", db_url,
                       "--public-url", "https://errors.example.com/th/")
    made = json.loads(behind_proxy.stdout)
    assert made["dsn"] == (f"https://{made['access_tokens']['post_server_item']}"
                           f"@errors.example.com/th/{made['id']}")
    dup = run("project", "create", "shop", "--json", "--database-url", db_url)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    human = run("project", "create", "blog", "--database-url", db_url)
    assert human.returncode == 0 and "post_server_item" in human.stdout


def test_env_vars_mirror_flags(tmp_path: Path) -> None:
    r = run("project", "create", "envproj", "--json",
            env={"TRACEHOUND_DATA_DIR": str(tmp_path / "d")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "d" / "tracehound.sqlite3").exists()
    bad = run("migrate", env={"TRACEHOUND_DATA_DIR": str(tmp_path), "TRACEHOUND_PORT": "x"})
    assert bad.returncode != 0 and "TRACEHOUND_PORT" in bad.stderr


@pytest.mark.parametrize("cmd", [[], ["init"], ["project"], ["project", "create"], ["serve"],
                                 ["worker"], ["migrate"], ["dead-letters"],
                                 ["dead-letters", "list"], ["dead-letters", "requeue"],
                                 ["dead-letters", "purge"]])
def test_every_command_has_help(cmd: list[str]) -> None:
    r = run(*cmd, "--help")
    assert r.returncode == 0 and "Usage" in r.stdout
