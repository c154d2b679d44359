"""Project, token and scope value types."""

from __future__ import annotations

import enum

import msgspec


class Scope(enum.StrEnum):
    POST_SERVER_ITEM = "post_server_item"
    POST_CLIENT_ITEM = "post_client_item"
    READ = "read"
    WRITE = "write"


PROJECT_TOKEN_SCOPES: tuple[Scope, ...] = (
    Scope.POST_SERVER_ITEM,
    Scope.POST_CLIENT_ITEM,
    Scope.READ,
    Scope.WRITE,
)
ACCOUNT_TOKEN_SCOPES: tuple[Scope, ...] = (Scope.READ, Scope.WRITE)


class AccessToken(msgspec.Struct, frozen=True):
    """A token as the auth layer sees it: who it belongs to and what it may do."""

    id: int
    token: str
    account_id: int
    project_id: int | None  # None for account tokens
    name: str
    scopes: frozenset[str]
    enabled: bool
    rate_limit_window_size: int | None = None
    rate_limit_window_count: int | None = None
    # the user a personal token belongs to (an Exceptionless login token); None for
    # project and account tokens, which stand for no one in particular
    user_id: int | None = None

    def has(self, scope: Scope) -> bool:
        return scope.value in self.scopes


class Project(msgspec.Struct, frozen=True):
    id: int
    account_id: int
    name: str
    status: str = "enabled"
