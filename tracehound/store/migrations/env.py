"""Alembic environment: always run with a connection handed in by store.migrate."""

from __future__ import annotations

from alembic import context

from tracehound.store.tables import AUTOGENERATE_IGNORES, metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool,
             compare_to: object) -> bool:
    """Objects a migration makes by hand, outside tables.py (dialect-specific)."""
    return not (type_ == "index" and name in AUTOGENERATE_IGNORES)


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
    compare_type=True,
    include_object=_include,
)
with context.begin_transaction():
    context.run_migrations()
