"""An index in Redis, for teams sharing one index: chosen by a `redis://host:port/db` URL.

Keys (format version 2), all under a prefix (default ``dedup``, or ``?prefix=name`` in the
URL):

* ``{p}:meta`` hash: ``format_version``, ``params`` (JSON of `IndexParams`).
* ``{p}:ids`` set of stored ids; ``{p}:batch`` the last batch number.
* ``{p}:doc:{id}`` hash: ``outlet``, ``date``, ``title``, ``url``, ``source``, ``chars``,
  ``batch``, ``signature`` (little-endian uint32), ``shingles`` (sorted little-endian
  uint64), ``keys`` (the document's band keys, little-endian uint64); in an index with
  passages also ``text`` (UTF-8, zlib) and ``fingerprints`` (`dedup.fingerprint`, sorted
  little-endian uint64).
* ``{p}:band:{band}:{key}`` set of the ids with that band key.
* ``{p}:fp:{key}`` set of the ids with that passage fingerprint (key as unsigned decimal).
* ``{p}:order`` sorted set of the ids, scored by the order they were stored in
  (``{p}:seq`` counts them).

Version 1 had no ``text``, ``fingerprints``, ``fp``, ``order`` or ``seq`` keys; it opens
without passages.

An `add` takes a lock key (``{p}:lock``, with an expiry), checks the ids, and writes the
whole batch in one MULTI/EXEC transaction: Redis applies all of it or none. A second
writer waits for the lock up to `timeout` seconds, then fails with a clear error.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlparse

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

_UNLOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _client(url: str) -> tuple[Any, str]:
    try:
        import redis
    except ImportError as exc:
        raise IndexStoreError(
            "the Redis backend needs the redis package: pip install 'dedup[redis]'"
        ) from exc
    parsed = urlparse(url)
    prefix = parse_qs(parsed.query).get("prefix", ["dedup"])[0]
    try:
        client = redis.Redis.from_url(url.split("?")[0], socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise IndexStoreError(f"{url}: cannot reach Redis: {exc}") from exc
    return client, prefix


def create_redis_store(url: str, params: IndexParams) -> RedisStore:
    """Make a new, empty index at `url`."""
    client, prefix = _client(url)
    if not client.hsetnx(f"{prefix}:meta", "params", json.dumps(params.as_dict())):
        raise IndexStoreError(f"{url}: an index already exists here (prefix {prefix!r})")
    client.hset(f"{prefix}:meta", "format_version", str(FORMAT_VERSION))
    return RedisStore(url, client, prefix, params)


def open_redis_store(
    url: str, expected: IndexParams | None = None, timeout: float = 30.0
) -> RedisStore:
    """Open the index at `url`; with `expected`, its parameters must be these."""
    client, prefix = _client(url)
    meta = {k.decode(): v.decode() for k, v in client.hgetall(f"{prefix}:meta").items()}
    if "params" not in meta:
        raise IndexStoreError(f"{url}: no index here (create one with `dedup index create`)")
    params = read_params(str(url), meta, expected)
    return RedisStore(url, client, prefix, params, timeout)


class RedisStore:
    """An index in Redis (see the module docstring for the keys)."""

    def __init__(
        self, url: str, client: Any, prefix: str, params: IndexParams, timeout: float = 30.0
    ) -> None:
        self.url = url
        self.client = client
        self.prefix = prefix
        self.params = params
        self.timeout = timeout

    def _band(self, band: int, key: int) -> str:
        return f"{self.prefix}:band:{band}:{key}"

    def candidates(self, keys: npt.NDArray[np.uint64]) -> list[list[str]]:
        """Stored ids sharing a band key with each row of `keys`, sorted."""
        pipe = self.client.pipeline(transaction=False)
        for row in keys.tolist():
            for band, key in enumerate(row):
                pipe.smembers(self._band(band, key))
        replies = pipe.execute()
        width = keys.shape[1] if len(keys) else 0
        out = []
        for r in range(len(keys)):
            ids: set[str] = set()
            for members in replies[r * width : (r + 1) * width]:
                ids.update(m.decode() for m in members)
            out.append(sorted(ids))
        return out

    def _fp(self, key: int) -> str:
        return f"{self.prefix}:fp:{key}"

    def get(self, ids: Iterable[str], *, texts: bool = False) -> dict[str, StoredDoc]:
        """The stored documents with these ids; with `texts`, their texts too."""
        wanted = sorted(set(ids))
        fields = ["outlet", "date", "title", "url", "source", "chars", "signature", "shingles"]
        if texts:
            fields.append("text")
        pipe = self.client.pipeline(transaction=False)
        for doc_id in wanted:
            pipe.hmget(f"{self.prefix}:doc:{doc_id}", fields)
        out = {}
        for doc_id, values in zip(wanted, pipe.execute(), strict=True):
            if values[5] is None:
                continue
            h = {f.encode(): v for f, v in zip(fields, values, strict=True) if v is not None}

            def text(name: str, h: dict[bytes, bytes] = h) -> str | None:
                value = h.get(name.encode())
                return value.decode() if value else None

            out[doc_id] = StoredDoc(
                doc_id,
                text("outlet"),
                text("date"),
                text("title"),
                text("url"),
                text("source") or "",
                int(h[b"chars"]),
                np.frombuffer(h[b"signature"], dtype="<u4").astype(np.uint32),
                np.frombuffer(h[b"shingles"], dtype="<u8").astype(np.uint64),
                unpack_text(h[b"text"]) if b"text" in h else None,
            )
        return out

    def sharing(self, fps: Sequence[npt.NDArray[np.uint64]]) -> list[list[tuple[str, int]]]:
        """Stored ids sharing at least `fingerprint.MIN_SHARED` fingerprints with each
        item, and how many, by id; fingerprints held by more than
        `fingerprint.max_postings` documents (set phrases) are left out."""
        keys = [item.tolist() for item in fps]
        pipe = self.client.pipeline(transaction=False)
        for item in keys:
            for key in item:
                pipe.scard(self._fp(key))
        pipe.scard(f"{self.prefix}:ids")
        *counts, stored = pipe.execute()
        most = fingerprint.max_postings(int(stored))
        sizes = iter(counts)
        looked = [[k for k in item if next(sizes) <= most] for item in keys]
        for item in looked:
            for key in item:
                pipe.smembers(self._fp(key))
        members = iter(pipe.execute())
        out = []
        for item in looked:
            tally: dict[str, int] = {}
            for _ in item:
                for m in next(members):
                    tally[m.decode()] = tally.get(m.decode(), 0) + 1
            out.append(sorted((i, c) for i, c in tally.items() if c >= fingerprint.MIN_SHARED))
        return out

    def first(self, n: int) -> list[str]:
        """Ids of the `n` documents stored first, in that order."""
        if n <= 0:
            return []  # ZRANGE 0 -1 would be all of them
        return [m.decode() for m in self.client.zrange(f"{self.prefix}:order", 0, n - 1)]

    def _lock(self) -> str:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.timeout
        while not self.client.set(f"{self.prefix}:lock", token, nx=True, px=120_000):
            if time.monotonic() > deadline:
                raise IndexStoreError(
                    f"{self.url}: another process is writing the index and did "
                    f"not finish within {self.timeout:.0f} s"
                )
            time.sleep(0.05)
        return token

    def _unlock(self, token: str) -> None:
        self.client.eval(_UNLOCK, 1, f"{self.prefix}:lock", token)

    def add(self, docs: Sequence[StoredDoc], keys: npt.NDArray[np.uint64]) -> None:
        """Store documents and band keys in one MULTI/EXEC transaction."""
        token = self._lock()
        try:
            ids = [d.id for d in docs]
            present = (
                [
                    i
                    for i, hit in zip(
                        ids, self.client.smismember(f"{self.prefix}:ids", ids), strict=True
                    )
                    if hit
                ]
                if ids
                else []
            )
            if present:
                raise IndexStoreError(
                    f"{self.url}: already in the index: {', '.join(sorted(present)[:5])}"
                )
            batch = int(self.client.get(f"{self.prefix}:batch") or 0) + 1
            seq = int(self.client.get(f"{self.prefix}:seq") or 0)
            pipe = self.client.pipeline(transaction=True)
            for n, (d, row) in enumerate(zip(docs, keys, strict=True), seq + 1):
                mapping = {
                    "chars": d.chars,
                    "batch": batch,
                    "source": d.source,
                    "signature": d.signature.astype("<u4").tobytes(),
                    "shingles": d.shingles.astype("<u8").tobytes(),
                    "keys": row.astype("<u8").tobytes(),
                }
                fps = d.fingerprints if d.fingerprints is not None else np.empty(0, np.uint64)
                if self.params.passages:
                    mapping["text"] = pack_text(d.text or "")
                    mapping["fingerprints"] = fps.astype("<u8").tobytes()
                    for key in fps.tolist():
                        pipe.sadd(self._fp(key), d.id)
                    pipe.zadd(f"{self.prefix}:order", {d.id: n})
                for name in ("outlet", "date", "title", "url"):
                    value = getattr(d, name)
                    if value:
                        mapping[name] = value
                pipe.hset(f"{self.prefix}:doc:{d.id}", mapping=mapping)
                pipe.sadd(f"{self.prefix}:ids", d.id)
                for band, key in enumerate(row.tolist()):
                    pipe.sadd(self._band(band, key), d.id)
            pipe.set(f"{self.prefix}:batch", batch)
            pipe.set(f"{self.prefix}:seq", seq + len(docs))
            pipe.execute()
        finally:
            self._unlock(token)

    def remove(self, ids: Iterable[str]) -> int:
        """Delete documents and their band keys; returns how many were found."""
        token = self._lock()
        try:
            pipe = self.client.pipeline(transaction=True)
            removed = 0
            for doc_id in sorted(set(ids)):
                raw, fps = self.client.hmget(
                    f"{self.prefix}:doc:{doc_id}", ["keys", "fingerprints"]
                )
                if raw is None:
                    continue
                for band, key in enumerate(np.frombuffer(raw, dtype="<u8").tolist()):
                    pipe.srem(self._band(band, key), doc_id)
                for key in np.frombuffer(fps or b"", dtype="<u8").tolist():
                    pipe.srem(self._fp(key), doc_id)
                pipe.zrem(f"{self.prefix}:order", doc_id)
                pipe.delete(f"{self.prefix}:doc:{doc_id}")
                pipe.srem(f"{self.prefix}:ids", doc_id)
                removed += 1
            pipe.execute()
        finally:
            self._unlock(token)
        return removed

    def stats(self) -> dict[str, object]:
        """Documents, batches, memory and parameters."""
        info = self.client.info("memory")
        return {
            "path": self.url,
            "format_version": self.params.format_version,
            "documents": int(self.client.scard(f"{self.prefix}:ids")),
            "batches": int(self.client.get(f"{self.prefix}:batch") or 0),
            "bytes": int(info.get("used_memory", 0)),
            "params": self.params.as_dict(),
        }

    def integrity(self) -> str:
        """Every stored id has its document hash."""
        ids = [m.decode() for m in self.client.smembers(f"{self.prefix}:ids")]
        missing = [i for i in ids if not self.client.exists(f"{self.prefix}:doc:{i}")]
        return "ok" if not missing else f"missing documents: {missing[:5]}"

    def close(self) -> None:
        """Close the connection."""
        self.client.close()
