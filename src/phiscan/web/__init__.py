"""`phiscan serve`: a local web page for staff (needs the web extra: pip install 'phiscan[web]').

`create_app(config)` builds the Flask app; `serve(...)` runs it on a local address. See app.py."""
from __future__ import annotations

from .app import create_app, serve, check_bind

__all__ = ["create_app", "serve", "check_bind"]
