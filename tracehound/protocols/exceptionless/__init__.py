"""Exceptionless API v2: event posts and client calls for the official clients
(@exceptionless/node, .NET, the `exceptionless` PyPI package), and the read/admin API."""

from tracehound.protocols.exceptionless.adapter import ExceptionlessAdapter

__all__ = ["ExceptionlessAdapter"]
