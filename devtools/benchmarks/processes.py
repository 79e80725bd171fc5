"""Starting other processes on the same database as this one (a statement worker, gunicorn)."""

import os
from urllib.parse import quote

from django.db import connection


def database_url() -> str | None:
    """DATABASE_URL for the database this process is connected to, or None when another process
    cannot see what this one sees (an in-memory SQLite database, or an open transaction: the tests)."""
    if connection.in_atomic_block:
        return None
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{credentials}@{db['HOST'] or '127.0.0.1'}" if credentials else (db["HOST"] or "127.0.0.1")
        return f"postgres://{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{db['NAME']}"
    return None


def child_env() -> dict | None:
    """This process's environment pointed at the same database (None when that is impossible)."""
    url = database_url()
    return None if url is None else {**os.environ, "DATABASE_URL": url}
