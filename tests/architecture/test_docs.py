"""docs/settings.md, docs/cli.md and docs/api/endpoints.md are generated from the code;
they must be current.

Regenerate with TRACEHOUND_UPDATE_SNAPSHOTS=1 python -m pytest tests/architecture.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from typer.testing import CliRunner

from tracehound.cli import app
from tracehound.config import SETTINGS, Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = os.environ.get("TRACEHOUND_UPDATE_SNAPSHOTS") == "1"


def settings_md() -> str:
    lines = ["# Settings", "",
             "Generated from `tracehound/config.py` by `tests/architecture/test_docs.py`.",
             "Each setting is read from its environment variable; a command-line flag of the",
             "same name wins over it.", "",
             "| setting | environment variable | default | meaning |",
             "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `{s.env}` | `{s.default}` | {s.help} |")
    return "\n".join(lines) + "\n"


def cli_md() -> str:
    runner = CliRunner()
    parts = ["# Command line", "",
             "Generated from `tracehound/cli.py` by `tests/architecture/test_docs.py`.", ""]
    commands = [[], ["init"], ["project"], ["project", "create"], ["serve"], ["worker"],
                ["migrate"], ["dead-letters"], ["dead-letters", "list"],
                ["dead-letters", "requeue"], ["dead-letters", "purge"]]
    for cmd in commands:
        result = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "100",
                                                          "TERM": "dumb", "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        parts += [f"## `tracehound {' '.join(cmd)}`".replace(" `", "`", 0), "", "```",
                  result.output.rstrip(), "```", ""]
    return "\n".join(parts)


def api_md() -> str:
    from tracehound.app import create_app

    app_ = create_app(Settings(database_url="sqlite:///:memory:", worker=False))
    rows = set()
    for path, ops in app_.openapi()["paths"].items():
        for method, op in ops.items():
            tag = (op.get("tags") or [""])[0]
            rows.add((str(tag), path, method.upper(), op.get("summary", "")))
    lines = ["# Every HTTP endpoint", "",
             "Generated from the app's routes by `tests/architecture/test_docs.py`; the same",
             "list, with parameters, is served as OpenAPI at `/docs`. Every path also",
             "answers without (or with) its trailing slash. What each does, its scope and its",
             "answers: the pages in this folder (`README.md`).", "",
             "| area | method | path | summary |", "|---|---|---|---|"]
    for tag, path, method, summary in sorted(rows):
        lines.append(f"| {tag} | {method} | `{path}` | {summary} |")
    return "\n".join(lines) + "\n"


def check(path: Path, content: str) -> None:
    if UPDATE or not path.exists():
        path.write_text(content)
    assert path.read_text() == content, f"{path.name} is stale: regenerate it"


def test_every_setting_is_documented() -> None:
    names = {f.name for f in dataclasses.fields(Settings)}
    assert names == {s.name for s in SETTINGS}
    for s in SETTINGS:
        assert getattr(Settings(), s.name) == s.default, s.name
    check(DOCS / "settings.md", settings_md())


def test_every_command_is_documented() -> None:
    check(DOCS / "cli.md", cli_md())


def test_every_endpoint_is_documented() -> None:
    check(DOCS / "api" / "endpoints.md", api_md())
