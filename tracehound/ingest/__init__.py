"""The durable path from acknowledgement to stored occurrence."""
