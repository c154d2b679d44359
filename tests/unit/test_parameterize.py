"""One row per masking pattern, with the cases that must not match."""

from __future__ import annotations

import pytest

from tracehound.grouping.parameterize import PATTERNS, parameterize

ROWS = [
    ("quoted", "user 'bob' not found", "user <quoted> not found"),
    ("quoted", 'key "a b c" missing', "key <quoted> missing"),
    ("email", "mail to ann.lee+x@example.co.uk bounced", "mail to <email> bounced"),
    ("url", "GET https://api.example.com/v1/x?y=1 failed", "GET <url> failed"),
    ("uuid", "job 0d1f3c2a-5b6e-4f70-8a91-b2c3d4e5f607 died", "job <uuid> died"),
    ("uuid", "job 0d1f3c2a5b6e4f708a91b2c3d4e5f607 died", "job <uuid> died"),
    ("datetime", "at 2024-05-01T12:30:00Z late", "at <datetime> late"),
    ("datetime", "on 2024-05-01 late", "on <datetime> late"),
    ("time", "at 12:30:45 late", "at <time> late"),
    ("ip", "from 10.0.0.12:8080 refused", "from <ip> refused"),
    ("ip", "from fe80:0:0:0:202:b3ff:fe1e:8329 refused", "from <ip> refused"),
    ("hex", "ptr 0xdeadbeef freed", "ptr <hex> freed"),
    ("hex", "commit a3f9c0de1 broke", "commit <hex> broke"),
    ("float", "took 12.5s", "took <float>s"),  # a unit glued on stays
    ("float", "took 12.5 s", "took <float> s"),
    ("int", "user 42 failed", "user <int> failed"),
    ("int", "retry -3", "retry <int>"),
    ("int", "waited 300ms", "waited <int>ms"),
]

UNTOUCHED = [
    "deadbeef",  # a word of letters only is not a hex id
    "HTTP2 upgrade failed",  # digits inside a word
    "utf8 decode",
    "file_v2.py missing",
    "facade",  # hex letters only
]


@pytest.mark.parametrize("name,text,expected", ROWS)
def test_each_pattern(name: str, text: str, expected: str) -> None:
    assert parameterize(text) == expected


def test_every_pattern_has_a_row() -> None:
    assert {name for name, _ in PATTERNS} <= {row[0] for row in ROWS}


@pytest.mark.parametrize("text", UNTOUCHED)
def test_what_must_not_match(text: str) -> None:
    assert parameterize(text) == text


def test_long_input_is_bounded() -> None:
    out = parameterize("x " * 100_000)
    assert len(out) <= 4096
