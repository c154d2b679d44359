"""Token lookup, scope checks, passwords and rate limits shared by every protocol."""
