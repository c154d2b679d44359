"""Pure grouping core: an Event in, a Fingerprint out. See README.md."""
