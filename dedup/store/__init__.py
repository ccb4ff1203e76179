"""Persistent indexes: the `IndexStore` protocol, SQLite (default) and Redis backends.

A location is a folder (SQLite) or a ``redis://host:port/db`` URL (Redis; needs the
``redis`` extra, imported only then).
"""

from __future__ import annotations

from dedup.store.base import IndexParams, IndexStore, StoredDoc
from dedup.store.sqlite import SQLiteStore, create_store, open_store

__all__ = [
    "IndexParams",
    "IndexStore",
    "SQLiteStore",
    "StoredDoc",
    "create_index",
    "open_index",
    "open_store",
]


def _is_redis(location: str) -> bool:
    return location.startswith(("redis://", "rediss://", "unix://"))


def create_index(location: str, params: IndexParams) -> IndexStore:
    """Create an empty index at a folder or a Redis URL."""
    if _is_redis(location):
        from dedup.store.redis import create_redis_store

        return create_redis_store(location, params)
    return create_store(location, params)


def open_index(location: str, expected: IndexParams | None = None) -> IndexStore:
    """Open the index at a folder or a Redis URL."""
    if _is_redis(location):
        from dedup.store.redis import open_redis_store

        return open_redis_store(location, expected)
    return open_store(location, expected)
