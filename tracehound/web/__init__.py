"""The server-rendered web UI (Jinja2): sign-in, projects, items. See docs/web.md."""
