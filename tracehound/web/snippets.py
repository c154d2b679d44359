"""Copy-ready SDK set-up snippets for one project, pointed at this server.

Pure text: no HTTP, no database. The caller passes the settings (for the public URL and
the Sentry DSN), the project's id and its post token; each `Snippet.code` is plain source
text that the template escapes. The endpoint paths chosen per SDK, and where each option
name was checked, are in docs/web-snippets.md.

A token is refused unless it is made of URL-safe characters (it goes into URLs: the
Sentry DSN), and every value is still written through the target language's own string
literal escaping, so neither a token nor a public URL can end a string literal early.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracehound.config import Settings

# Where each vendor's ingest endpoints sit below the public base URL.
ROLLBAR_PY_ENDPOINT = "/api/1/"  # pyrollbar appends `item/` itself
ROLLBAR_JS_ENDPOINT = "/api/1/item/"  # rollbar.js posts to `endpoint` as it is
BUGSNAG_NOTIFY = "/bugsnag/notify"  # notifiers post to the configured URLs verbatim
BUGSNAG_SESSIONS = "/bugsnag/sessions"
EXCEPTIONLESS_SERVER = ""  # clients append /api/v2/events, /api/v2/projects/config
LOGSTER_LOG = "/api/Log"

_TOKEN = re.compile(r"[A-Za-z0-9._~-]{1,200}")
# a request's Host, as a snippet may carry it: a name or IPv4/IPv6 literal, a port
_NETLOC = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")
_ROOT_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]{1,100}){0,10}")


@dataclass(frozen=True)
class Snippet:
    vendor: str  # rollbar, sentry, bugsnag, exceptionless, logster
    language: str  # python, javascript, csharp, shell
    title: str
    code: str  # source text, not HTML
    note: str = ""  # plain-text caveat shown under the code


def base_url(settings: Settings) -> str:
    """The server's public base URL without a trailing slash (as in `Settings.dsn`)."""
    base = settings.public_url.strip()
    if not base:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
        base = f"http://{host}:{settings.port}"
    parts = urlsplit(base if "://" in base else "http://" + base)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def for_request(settings: Settings, scheme: str, netloc: str, root_path: str) -> Settings:
    """The settings whose base URL the snippets use: the configured public URL when
    there is one (the operator knows it best, e.g. behind a proxy), else the address
    the browser used to reach this page. A Host that is not a plain host[:port], or a
    scheme other than http(s), falls back to host/port from the settings."""
    if settings.public_url.strip():
        return settings
    if scheme not in ("http", "https") or not _NETLOC.fullmatch(netloc):
        return settings
    path = root_path.rstrip("/") if _ROOT_PATH.fullmatch(root_path.rstrip("/")) else ""
    return settings.replace(public_url=f"{scheme}://{netloc}{path}")


def usable_token(token: str) -> bool:
    """Whether `snippets` accepts this token (see check_token)."""
    return _TOKEN.fullmatch(token) is not None


def py_str(value: str) -> str:
    """A Python string literal for `value`."""
    return repr(value)


def js_str(value: str) -> str:
    """A JavaScript string literal for `value` (JSON, ASCII-only: no U+2028 surprises)."""
    return json.dumps(value, ensure_ascii=True)


def cs_str(value: str) -> str:
    """A C# regular string literal for `value`."""
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.extend(f"\\u{unit:04x}" for unit in _utf16(ch))
    return '"' + "".join(out) + '"'


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def sh_str(value: str) -> str:
    """A POSIX shell word for `value`."""
    return shlex.quote(value)


def check_token(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ValueError("a token for a snippet must be 1-200 URL-safe characters "
                         "(letters, digits, . _ ~ -)")
    return token


def snippets(settings: Settings, *, project_id: int, token: str,
             environment: str = "production") -> list[Snippet]:
    """Set-up snippets for every supported SDK, in the order the UI lists them."""
    check_token(token)
    base = base_url(settings)
    dsn = settings.dsn(token, project_id)
    tok_py, tok_js, env_py, env_js = py_str(token), js_str(token), py_str(environment), \
        js_str(environment)
    return [
        Snippet("rollbar", "python", "Rollbar — Python (pyrollbar)", (
            "import rollbar\n"
            "\n"
            "rollbar.init(\n"
            f"    {tok_py},\n"
            f"    environment={env_py},\n"
            f"    endpoint={py_str(base + ROLLBAR_PY_ENDPOINT)},\n"
            ")\n"
        )),
        Snippet("rollbar", "javascript", "Rollbar — Node.js (rollbar.js)", (
            'const Rollbar = require("rollbar");\n'
            "\n"
            "const rollbar = new Rollbar({\n"
            f"  accessToken: {tok_js},\n"
            f"  endpoint: {js_str(base + ROLLBAR_JS_ENDPOINT)},\n"
            "  captureUncaught: true,\n"
            "  captureUnhandledRejections: true,\n"
            f"  payload: {{ environment: {env_js} }},\n"
            "});\n"
        ), note="In a browser, pass the same accessToken and endpoint to Rollbar.init; "
                "use a post_client_item token there."),
        Snippet("sentry", "python", "Sentry — Python (sentry-sdk)", (
            "import sentry_sdk\n"
            "\n"
            "sentry_sdk.init(\n"
            f"    dsn={py_str(dsn)},\n"
            f"    environment={env_py},\n"
            ")\n"
        )),
        Snippet("sentry", "javascript", "Sentry — Node.js (@sentry/node)", (
            'const Sentry = require("@sentry/node");\n'
            "\n"
            "Sentry.init({\n"
            f"  dsn: {js_str(dsn)},\n"
            f"  environment: {env_js},\n"
            "});\n"
        )),
        Snippet("bugsnag", "python", "Bugsnag — Python (bugsnag)", (
            "import bugsnag\n"
            "\n"
            "bugsnag.configure(\n"
            f"    api_key={tok_py},\n"
            f"    endpoint={py_str(base + BUGSNAG_NOTIFY)},\n"
            f"    session_endpoint={py_str(base + BUGSNAG_SESSIONS)},\n"
            f"    release_stage={env_py},\n"
            ")\n"
        ), note="Set both endpoints: with only one, sessions go nowhere."),
        Snippet("bugsnag", "javascript", "Bugsnag — Node.js (@bugsnag/js)", (
            'const Bugsnag = require("@bugsnag/js");\n'
            "\n"
            "Bugsnag.start({\n"
            f"  apiKey: {tok_js},\n"
            "  endpoints: {\n"
            f"    notify: {js_str(base + BUGSNAG_NOTIFY)},\n"
            f"    sessions: {js_str(base + BUGSNAG_SESSIONS)},\n"
            "  },\n"
            f"  releaseStage: {env_js},\n"
            "});\n"
        ), note="Set both endpoints: with only one, Bugsnag sends nothing."),
        Snippet("exceptionless", "javascript", "Exceptionless — Node.js (@exceptionless/node)", (
            'import { Exceptionless } from "@exceptionless/node";\n'
            "\n"
            "await Exceptionless.startup((c) => {\n"
            f"  c.apiKey = {tok_js};\n"
            f"  c.serverUrl = {js_str(base + EXCEPTIONLESS_SERVER)};\n"
            "});\n"
        ), note="An ES module (the package is ESM-only)."),
        Snippet("exceptionless", "csharp", "Exceptionless — .NET (Exceptionless)", (
            "using Exceptionless;\n"
            "\n"
            f"ExceptionlessClient.Default.Configuration.ApiKey = {cs_str(token)};\n"
            "ExceptionlessClient.Default.Configuration.ServerUrl = "
            f"{cs_str(base + EXCEPTIONLESS_SERVER)};\n"
            "ExceptionlessClient.Default.Startup();\n"
        )),
        Snippet("logster", "shell", "Logster — HTTP (curl)", (
            f"curl -X POST {sh_str(base + LOGSTER_LOG)} \\\n"
            f"  -H {sh_str('ApiKey: ' + token)} \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            "  -d '{\"Message\": \"Hello from Logster\", \"Severity\": 4, "
            "\"Application\": \"my-app\"}'\n"
        ), note="Logster's .NET adapters have no server URL setting; post to this URL "
                "with the ApiKey header from your own code."),
    ]


def browser_snippets(settings: Settings, *, project_id: int, token: str,
                     environment: str = "production") -> list[Snippet]:
    """Snippets for code that runs in a browser: give them a token whose only scope is
    post_client_item (anyone can read it from the page's source)."""
    check_token(token)
    base = base_url(settings)
    dsn = settings.dsn(token, project_id)
    env_js = js_str(environment)
    return [
        Snippet("rollbar", "javascript", "Rollbar — browser (rollbar.js, bundled)", (
            'import Rollbar from "rollbar";\n'
            "\n"
            "const rollbar = new Rollbar({\n"
            f"  accessToken: {js_str(token)},\n"
            f"  endpoint: {js_str(base + ROLLBAR_JS_ENDPOINT)},\n"
            "  captureUncaught: true,\n"
            "  captureUnhandledRejections: true,\n"
            f"  payload: {{ environment: {env_js} }},\n"
            "});\n"
        )),
        Snippet("sentry", "javascript", "Sentry — browser (@sentry/browser)", (
            'import * as Sentry from "@sentry/browser";\n'
            "\n"
            "Sentry.init({\n"
            f"  dsn: {js_str(dsn)},\n"
            f"  environment: {env_js},\n"
            "});\n"
        )),
    ]
