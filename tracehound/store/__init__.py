"""Persistence: SQLAlchemy Core on SQLite and PostgreSQL. Functions take a Connection."""
