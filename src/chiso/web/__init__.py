"""The web application: server-rendered pages (Jinja2) and the /api/v1 JSON API, over services."""
