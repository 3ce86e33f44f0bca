"""This process's page cache (pagecache.py) and whether the fast path applies: what the landing page, the house
card at the door and the session lookup (auth/operations.py) share. Imports no doorplate or auth code."""

from flask import current_app

from backend.fastpath import pagecache, scanlog

CACHE_KEY = "menpai.page_cache"


def available() -> bool:
    """The fast path runs on PostgreSQL only."""
    return current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def page_cache():
    """This process's cache of pages, cards and sessions, or None (SQLite, or both sizes 0)."""
    cache = current_app.extensions.get(CACHE_KEY)
    if cache is None:
        config = current_app.config
        if not (config["LANDING_CACHE_ENTRIES"] or config["SESSION_CACHE_ENTRIES"]) or not available():
            return None
        cache = pagecache.PageCache(
            scanlog.conninfo(config["SQLALCHEMY_DATABASE_URI"]),
            max_entries=config["LANDING_CACHE_ENTRIES"],
            max_seconds=config["LANDING_CACHE_SECONDS"],
            max_sessions=config["SESSION_CACHE_ENTRIES"],
        )
        current_app.extensions[CACHE_KEY] = cache
    return cache
