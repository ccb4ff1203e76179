"""The default index store: one directory holding one SQLite database in WAL mode.

Format (version 2), in `DIR/index.sqlite`:

* ``meta(key TEXT PRIMARY KEY, value TEXT)``: ``params`` (JSON of `IndexParams`),
  ``format_version`` and ``documents`` (how many are stored, kept by every add and remove).
* ``docs(num INTEGER PRIMARY KEY, id TEXT UNIQUE, outlet, date, title, url, source, chars,
  batch, signature BLOB, shingles BLOB, text BLOB, fingerprints BLOB)``: the MinHash
  signature as ``num_perm`` little-endian uint32 (datasketch affine32 hash values), the
  shingle set as sorted little-endian uint64; ``batch`` numbers the `add` that stored the
  document; in an index with passages, the original text (UTF-8, zlib) and the passage
  fingerprints (`dedup.fingerprint`, sorted little-endian uint64), else NULL.
* ``bands(band INTEGER, key INTEGER, num INTEGER, PRIMARY KEY (band, key, num))``
  without rowid: the LSH band keys (uint64 stored as the int64 with the same bits).
* ``fingerprints(key INTEGER, num INTEGER, PRIMARY KEY (key, num))`` without rowid: the
  posting lists of the passage fingerprints (int64 with the same bits).

Version 1 had neither the two last columns of ``docs`` nor ``fingerprints``; such an
index opens and grows as before, without passages.

Every `add` is one transaction (``BEGIN IMMEDIATE``): a crash or kill leaves the index
as before the batch or with all of it; a second writer waits up to `timeout` seconds for
the first, then fails with a clear error. No pickle anywhere.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dedup import fingerprint
from dedup.errors import IndexStoreError
from dedup.store.base import (
    FORMAT_VERSION,
    IndexParams,
    StoredDoc,
    pack_text,
    read_params,
    unpack_text,
)

DB_NAME = "index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    outlet TEXT, date TEXT, title TEXT, url TEXT,
    source TEXT NOT NULL,
    chars INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    signature BLOB NOT NULL,
    shingles BLOB NOT NULL,
    text BLOB,
    fingerprints BLOB
);
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    num INTEGER NOT NULL,
    PRIMARY KEY (band, key, num)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fingerprints (
    key INTEGER NOT NULL,
    num INTEGER NOT NULL,
    PRIMARY KEY (key, num)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bands_num ON bands (num);
CREATE INDEX IF NOT EXISTS docs_batch ON docs (batch);
"""


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    except sqlite3.Error as exc:
        raise IndexStoreError(f"{path}: cannot open the index: {exc}") from exc


def create_store(folder: str, params: IndexParams) -> SQLiteStore:
    """Make a new, empty index in `folder` (created if missing; must not hold one)."""
    root = Path(folder)
    if (root / DB_NAME).exists():
        raise IndexStoreError(f"{root}: an index already exists here")
    if root.exists() and not root.is_dir():
        raise IndexStoreError(f"{root}: not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexStoreError(f"{root}: cannot create the folder: {exc.strerror}") from exc
    conn = _connect(root / DB_NAME, 30.0)
    with conn:
        conn.executescript(_SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('format_version', ?)", (str(FORMAT_VERSION),))
        conn.execute("INSERT INTO meta VALUES ('params', ?)", (json.dumps(params.as_dict()),))
        conn.execute("INSERT INTO meta VALUES ('documents', '0')")
    return SQLiteStore(root, conn, params)


def open_store(
    folder: str, expected: IndexParams | None = None, timeout: float = 30.0
) -> SQLiteStore:
    """Open an existing index; with `expected`, its parameters must be these."""
    root = Path(folder)
    if not (root / DB_NAME).exists():
        raise IndexStoreError(f"{root}: no index here (create one with `dedup index create`)")
    conn = _connect(root / DB_NAME, timeout)
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise IndexStoreError(f"{root}: not a dedup index or damaged: {exc}") from exc
    params = read_params(str(root), rows, expected)
    return SQLiteStore(root, conn, params)


def _signed(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    return keys.view(np.int64)


def _fps(doc: StoredDoc) -> npt.NDArray[np.uint64]:
    if doc.fingerprints is None:
        return np.empty(0, dtype="<u8")
    return np.ascontiguousarray(doc.fingerprints, dtype="<u8")


class SQLiteStore:
    """An index in one SQLite file (see the module docstring for the format)."""

    def __init__(self, root: Path, conn: sqlite3.Connection, params: IndexParams) -> None:
        self.root = root
        self.conn = conn
        self.params = params

    def candidates(self, keys: npt.NDArray[np.uint64]) -> list[list[str]]:
        """Stored ids sharing a band key with each row of `keys`, sorted."""
        out: list[set[str]] = [set() for _ in range(len(keys))]
        if not len(keys):
            return []
        signed = _signed(np.ascontiguousarray(keys))
        rows = [(r, b, int(signed[r, b])) for r in range(len(keys)) for b in range(keys.shape[1])]
        cur = self.conn.cursor()
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS q (row INTEGER, band INTEGER, key INTEGER)")
        cur.execute("DELETE FROM q")
        cur.executemany("INSERT INTO q VALUES (?, ?, ?)", rows)
        for row, doc_id in cur.execute(
            "SELECT DISTINCT q.row, d.id FROM q JOIN bands b ON b.band = q.band AND b.key = q.key"
            " JOIN docs d ON d.num = b.num"
        ):
            out[row].add(doc_id)
        cur.execute("DELETE FROM q")
        return [sorted(x) for x in out]

    def get(self, ids: Iterable[str], *, texts: bool = False) -> dict[str, StoredDoc]:
        """The stored documents with these ids; with `texts`, their texts too."""
        wanted = sorted(set(ids))
        out: dict[str, StoredDoc] = {}
        text = ", text" if texts and self.params.passages else ", NULL"
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT id, outlet, date, title, url, source, chars, signature, shingles"
                f"{text} FROM docs WHERE id IN ({marks})",
                chunk,
            ):
                out[row[0]] = StoredDoc(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    np.frombuffer(row[7], dtype="<u4").astype(np.uint32),
                    np.frombuffer(row[8], dtype="<u8").astype(np.uint64),
                    unpack_text(row[9]) if row[9] is not None else None,
                )
        return out

    def sharing(self, fps: Sequence[npt.NDArray[np.uint64]]) -> list[list[tuple[str, int]]]:
        """Stored ids sharing at least `fingerprint.MIN_SHARED` fingerprints with each
        item, and how many, by id; fingerprints held by more than
        `fingerprint.max_postings` documents (set phrases) are left out."""
        cur = self.conn.cursor()
        stored = self._count(cur)
        limit = fingerprint.max_postings(stored) + 1
        counted = []
        for item in fps:
            counts: dict[int, int] = {}
            for key in _signed(np.ascontiguousarray(item)).tolist():
                nums = cur.execute(
                    "SELECT num FROM fingerprints WHERE key = ? LIMIT ?", (key, limit)
                ).fetchall()
                if len(nums) < limit:
                    for (num,) in nums:
                        counts[num] = counts.get(num, 0) + 1
            counted.append({n: c for n, c in counts.items() if c >= fingerprint.MIN_SHARED})
        wanted = sorted({n for c in counted for n in c})
        ids: dict[int, str] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            ids.update(cur.execute(f"SELECT num, id FROM docs WHERE num IN ({marks})", chunk))
        return [sorted((ids[n], c) for n, c in counts.items()) for counts in counted]

    @staticmethod
    def _count(cur: sqlite3.Cursor) -> int:
        row = cur.execute("SELECT value FROM meta WHERE key = 'documents'").fetchone()
        if row is None:  # format 1 kept no count
            return int(cur.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
        return int(row[0])

    @staticmethod
    def _recount(cur: sqlite3.Cursor, change: int) -> None:
        cur.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'documents'", (change,)
        )

    def first(self, n: int) -> list[str]:
        """Ids of the `n` documents stored first, in that order."""
        return [r[0] for r in self.conn.execute("SELECT id FROM docs ORDER BY num LIMIT ?", (n,))]

    def add(self, docs: Sequence[StoredDoc], keys: npt.NDArray[np.uint64]) -> None:
        """Store documents and band keys in one transaction."""
        cur = self.conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise IndexStoreError(
                f"{self.root}: another process is writing the index and did "
                f"not finish in time ({exc})"
            ) from exc
        try:
            ids = [d.id for d in docs]
            present = sorted(set(ids) & set(self.get(ids)))
            if present:
                raise IndexStoreError(
                    f"{self.root}: already in the index: "
                    f"{', '.join(present[:5])}" + (" …" if len(present) > 5 else "")
                )
            batch = cur.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM docs").fetchone()[0]
            records = [
                (
                    d.id,
                    d.outlet,
                    d.date,
                    d.title,
                    d.url,
                    d.source,
                    d.chars,
                    batch,
                    d.signature.astype("<u4").tobytes(),
                    d.shingles.astype("<u8").tobytes(),
                )
                for d in docs
            ]
            if self.params.passages:
                cur.executemany(
                    "INSERT INTO docs (id, outlet, date, title, url, source, chars, batch,"
                    " signature, shingles, text, fingerprints)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (*r, pack_text(d.text or ""), _fps(d).tobytes())
                        for r, d in zip(records, docs, strict=True)
                    ],
                )
            else:
                cur.executemany(
                    "INSERT INTO docs (id, outlet, date, title, url, source, chars, batch,"
                    " signature, shingles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    records,
                )
            num = dict(cur.execute("SELECT id, num FROM docs WHERE batch = ?", (batch,)))
            nums = np.array([num[d.id] for d in docs], dtype=np.int64)
            signed = _signed(np.ascontiguousarray(keys))
            band = np.broadcast_to(np.arange(keys.shape[1], dtype=np.int64), keys.shape)
            rows = np.stack([band.ravel(), signed.ravel(), np.repeat(nums, keys.shape[1])], axis=1)
            rows = rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))]  # B-tree order
            cur.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?, ?)", rows.tolist())
            if self.params.passages:
                posting = sorted(
                    (key, int(n))
                    for d, n in zip(docs, nums, strict=True)
                    for key in _signed(_fps(d)).tolist()
                )
                cur.executemany("INSERT OR IGNORE INTO fingerprints VALUES (?, ?)", posting)
            self._recount(cur, len(docs))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def remove(self, ids: Iterable[str]) -> int:
        """Delete documents and their band keys; returns how many were found."""
        wanted = sorted(set(ids))
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            removed = 0
            for doc_id in wanted:
                fps = ", fingerprints" if self.params.passages else ", NULL"
                row = cur.execute(f"SELECT num{fps} FROM docs WHERE id = ?", (doc_id,)).fetchone()
                if row is None:
                    continue
                if row[1]:
                    keys = _signed(np.frombuffer(row[1], dtype="<u8").astype(np.uint64))
                    cur.executemany(
                        "DELETE FROM fingerprints WHERE key = ? AND num = ?",
                        [(k, row[0]) for k in keys.tolist()],
                    )
                cur.execute("DELETE FROM bands WHERE num = ?", (row[0],))
                cur.execute("DELETE FROM docs WHERE num = ?", (row[0],))
                removed += 1
            self._recount(cur, -removed)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return removed

    def stats(self) -> dict[str, object]:
        """Documents, band keys, batches, file size and parameters."""
        docs, batches = self.conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(batch), 0) FROM docs"
        ).fetchone()
        keys = self.conn.execute("SELECT COUNT(*) FROM bands").fetchone()[0]
        fps = (
            self.conn.execute("SELECT COUNT(*) FROM fingerprints").fetchone()[0]
            if self.params.passages
            else 0
        )
        size = sum(p.stat().st_size for p in self.root.glob(DB_NAME + "*"))
        return {
            "path": str(self.root),
            "format_version": self.params.format_version,
            "documents": docs,
            "band_keys": keys,
            "fingerprints": fps,
            "batches": batches,
            "bytes": size,
            "params": self.params.as_dict(),
        }

    def integrity(self) -> str:
        """SQLite's own integrity check: "ok" when the file is sound."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
