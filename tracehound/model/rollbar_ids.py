"""Rollbar's integer ids for frameworks and platforms (rollbar-api.md §1.10).

Items keep the free-form strings clients send; the reports API and RQL's
`item.framework` / `item.platform` columns answer with these integers.
"""

from __future__ import annotations

import re

FRAMEWORKS = {name: i for i, name in enumerate((
    "unknown", "rails", "django", "pyramid", "node-js", "pylons", "php", "browser-js",
    "rollbar-system", "android", "ios", "mailgun", "logentries", "python", "ruby",
    "sidekiq", "flask", "celery", "rq", "java", "dotnet", "go", "react-native", "macos",
    "apex", "spring", "bottle", "twisted", "asgi", "starlette", "fastapi", "karafka",
    "flutter"))}
_FRAMEWORK_ALIASES = {"node": 4, "nodejs": 4, "express": 4, "golang": 21, "net": 20,
                      "aspnet": 20, "csharp": 20, "reactnative": 22, "javascript": 7}
PLATFORMS = {name: i for i, name in enumerate((
    "unknown", "browser", "flash", "android", "ios", "heroku", "google-app-engine", "client"))}
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def framework_id(name: str) -> int:
    """A free-form framework string as Rollbar's id: the whole string, else its first word
    naming a known framework; 0 when none does."""
    text = name.strip().lower().replace("_", "-")
    if text in FRAMEWORKS:
        return FRAMEWORKS[text]
    for word in _WORD.findall(text):
        found = FRAMEWORKS.get(word, _FRAMEWORK_ALIASES.get(word))
        if found is not None:
            return found
    return 0


def platform_id(name: str) -> int:
    """A payload platform as Rollbar's integer; 0 (unknown) for anything else."""
    return PLATFORMS.get(name.strip().lower(), 0)
