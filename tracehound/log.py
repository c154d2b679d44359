"""Logging set-up: one line per record, to stderr."""

from __future__ import annotations

import logging


def configure(level: str = "info") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"tracehound.{name}")
