"""SDK set-up snippets: they name this server and the project's token, the Python ones
run (against stand-in modules) and give the SDK exactly those values, and no token or
URL can end a string literal early."""

from __future__ import annotations

import ast
import json
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tracehound.config import Settings
from tracehound.web import snippets as sn

TOKEN = "0123456789abcdef0123456789abcdef"
NODE = shutil.which("node")
HOSTILE = ['a"b', "a'b", "a\\b", "a\nb", "</script>", "${x}", "\u2028", "é😀", "\x00"]


def all_for(settings: Settings, token: str = TOKEN) -> list[sn.Snippet]:
    return sn.snippets(settings, project_id=42, token=token)


@pytest.mark.parametrize("settings,base", [
    (Settings(), "http://127.0.0.1:8000"),
    (Settings(host="0.0.0.0", port=9000), "http://127.0.0.1:9000"),
    (Settings(public_url="https://errors.example.com/th/"), "https://errors.example.com/th"),
    (Settings(public_url="errors.example.com"), "http://errors.example.com"),
])
def test_every_snippet_names_the_url_and_the_token(settings: Settings, base: str) -> None:
    assert sn.base_url(settings) == base
    found = all_for(settings)
    assert {s.vendor for s in found} == {"rollbar", "sentry", "bugsnag", "exceptionless",
                                         "logster"}
    for s in found:
        # A DSN holds the server's URL with the key between scheme and host.
        where = settings.dsn(TOKEN, 42) if s.vendor == "sentry" else base
        assert where in s.code, s.title
        assert TOKEN in s.code, s.title
        assert s.title and s.language in {"python", "javascript", "csharp", "shell"}


def test_sentry_snippets_carry_the_settings_dsn() -> None:
    settings = Settings(public_url="https://errors.example.com/th")
    dsn = settings.dsn(TOKEN, 42)
    assert dsn == f"https://{TOKEN}@errors.example.com/th/42"
    sentry = [s for s in all_for(settings) if s.vendor == "sentry"]
    assert len(sentry) == 2 and all(repr(dsn) in s.code or f'"{dsn}"' in s.code
                                    for s in sentry)


def run_python(code: str) -> dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]]:
    """Run a snippet with stand-ins for the SDK modules; return each module's calls."""
    calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
    fakes = {}
    for name, fn in (("rollbar", "init"), ("sentry_sdk", "init"), ("bugsnag", "configure")):
        mod = types.ModuleType(name)

        def record(*args: Any, _n: str = name, **kwargs: Any) -> None:
            calls.setdefault(_n, []).append((args, kwargs))

        setattr(mod, fn, record)
        fakes[name] = mod
    saved = {k: sys.modules.get(k) for k in fakes}
    sys.modules.update(fakes)
    try:
        exec(compile(code, "<snippet>", "exec"), {})
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return calls


def test_python_snippets_compile_and_pass_the_exact_values() -> None:
    settings = Settings(public_url="https://errors.example.com/th")
    base = "https://errors.example.com/th"
    py = {s.vendor: s.code for s in all_for(settings) if s.language == "python"}
    assert set(py) == {"rollbar", "sentry", "bugsnag"}
    assert run_python(py["rollbar"])["rollbar"] == [
        ((TOKEN,), {"environment": "production", "endpoint": base + "/api/1/"})]
    assert run_python(py["sentry"])["sentry_sdk"] == [
        ((), {"dsn": settings.dsn(TOKEN, 42), "environment": "production"})]
    assert run_python(py["bugsnag"])["bugsnag"] == [
        ((), {"api_key": TOKEN, "endpoint": base + "/bugsnag/notify",
              "session_endpoint": base + "/bugsnag/sessions",
              "release_stage": "production"})]


@pytest.mark.parametrize("token", HOSTILE + ["", "a b", "a@b", "a/b", "x" * 201])
def test_a_token_with_odd_characters_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="URL-safe"):
        all_for(Settings(), token)


def test_a_hostile_public_url_stays_inside_its_literals() -> None:
    url = "https://e.example/a'b\"c\\d${x}</script>"
    settings = Settings(public_url=url)
    for s in all_for(settings):
        if s.language == "python":
            values = [n.value for n in ast.walk(ast.parse(s.code))
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            want = settings.dsn(TOKEN, 42) if s.vendor == "sentry" else url
            assert any(v.startswith(want) for v in values), s.title
        if s.language == "shell":
            assert shlex.split(s.code.replace("\\\n", " "))[3].startswith(url)


@pytest.mark.parametrize("value", HOSTILE)
def test_literal_helpers_round_trip(value: str) -> None:
    assert ast.literal_eval(sn.py_str(value)) == value
    assert shlex.split(sn.sh_str(value)) == [value]
    assert "\n" not in sn.js_str(value) and "\u2028" not in sn.js_str(value)
    assert "\n" not in sn.cs_str(value)
    assert sn.cs_str('a"b\\') == '"a\\"b\\\\"'
    assert sn.cs_str("😀") == '"\\ud83d\\ude00"'


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("value", HOSTILE)
def test_js_literal_round_trips_in_node(value: str, tmp_path: Path) -> None:
    script = tmp_path / "lit.js"
    script.write_text(f"process.stdout.write(JSON.stringify({sn.js_str(value)}));\n")
    out = subprocess.run([str(NODE), str(script)], capture_output=True, text=True,
                         check=True, timeout=30)
    assert json.loads(out.stdout) == value


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_javascript_snippets_parse_in_node(tmp_path: Path) -> None:
    url = "https://e.example/a'b\"c\\d${x}"
    settings = Settings(public_url=url)
    browser = sn.browser_snippets(settings, project_id=42, token=TOKEN)
    for i, s in enumerate(all_for(settings) + browser):
        if s.language != "javascript":
            continue
        ext = ".mjs" if "import " in s.code else ".cjs"
        path = tmp_path / f"snippet{i}{ext}"
        path.write_text(s.code)
        proc = subprocess.run([str(NODE), "--check", str(path)], capture_output=True,
                              text=True, timeout=30)
        assert proc.returncode == 0, f"{s.title}: {proc.stderr}"


def test_browser_snippets_name_the_url_and_the_token() -> None:
    settings = Settings(public_url="https://errors.example.com/th")
    found = sn.browser_snippets(settings, project_id=42, token=TOKEN)
    assert [(s.vendor, s.language) for s in found] == [("rollbar", "javascript"),
                                                        ("sentry", "javascript")]
    assert '"https://errors.example.com/th/api/1/item/"' in found[0].code
    assert f'"{TOKEN}"' in found[0].code
    assert f'"{settings.dsn(TOKEN, 42)}"' in found[1].code
    with pytest.raises(ValueError, match="URL-safe"):
        sn.browser_snippets(settings, project_id=42, token="a@b")


@pytest.mark.parametrize("scheme,netloc,root,want", [
    ("http", "errors.example.com", "", "http://errors.example.com"),
    ("https", "errors.example.com:8443", "/th/", "https://errors.example.com:8443/th"),
    ("http", "[::1]:9000", "", "http://[::1]:9000"),
    ("http", "127.0.0.1:8000", "/a b", "http://127.0.0.1:8000"),  # odd root path dropped
    # a Host that is not host[:port] (or an odd scheme) falls back to the settings
    ("http", 'e.example"><script>', "", "http://127.0.0.1:8000"),
    ("http", "user@e.example", "", "http://127.0.0.1:8000"),
    ("http", "e.example:99999999", "", "http://127.0.0.1:8000"),
    ("javascript", "e.example", "", "http://127.0.0.1:8000"),
])
def test_the_base_url_comes_from_the_request(scheme: str, netloc: str, root: str,
                                             want: str) -> None:
    assert sn.base_url(sn.for_request(Settings(), scheme, netloc, root)) == want


def test_a_configured_public_url_wins_over_the_request() -> None:
    settings = Settings(public_url="https://errors.example.com")
    assert sn.for_request(settings, "http", "10.0.0.5:8000", "") is settings
