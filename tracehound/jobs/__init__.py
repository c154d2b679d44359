"""Background jobs that are not the digest: RQL queries (and later retention, deletions)."""
