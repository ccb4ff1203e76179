"""Persistent indexes: the `IndexStore` protocol and its SQLite implementation."""

from dedup.store.base import IndexParams, IndexStore, StoredDoc
from dedup.store.sqlite import SQLiteStore, open_store

__all__ = ["IndexParams", "IndexStore", "SQLiteStore", "StoredDoc", "open_store"]
