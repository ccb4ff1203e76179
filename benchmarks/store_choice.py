"""SQLite (WAL) against LMDB as the embedded storage of the persistent index.

    pip install lmdb                                  # benchmark only: dedup does not use it
    python benchmarks/store_choice.py --docs 200000 --queries 2000

Both hold what `dedup index` stores, as it stores it: per document its id, metadata,
MinHash signature (128 x uint32) and shingle set (about 350 uint64), and per band key
(32 bands) the documents under it. SQLite uses dedup's own schema and connection
settings (`dedup.store.sqlite`); LMDB one environment with three databases (documents
by number, numbers by id, band keys with duplicates sorted). Documents go in batches of
`--batch`, one transaction each; a query looks up the 32 band keys of a stored document
and reads every candidate's signature and shingles, as `dedup index query` does.
Figures: fill rate, query latency (median, 99th percentile, max), size on disk.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
from common import print_table, save

BANDS = 32


def records(n: int, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    ids = [f"https://example.com/news/{i:08d}" for i in range(n)]
    keys = rng.integers(0, 2**63, size=(n, BANDS), dtype=np.uint64)
    # A near-duplicate every 20 documents shares half its band keys with the one before.
    keys[1::20, : BANDS // 2] = keys[0::20, : BANDS // 2][: len(keys[1::20])]
    sigs = rng.integers(0, 2**32, size=(n, 128), dtype=np.uint32)
    sizes = rng.integers(250, 450, size=n)
    shingles = [np.sort(rng.integers(0, 2**63, size=k, dtype=np.uint64)) for k in sizes]
    return ids, keys, sigs, shingles


def meta(i: int) -> str:
    return json.dumps({"outlet": "example", "date": "2016-09-01", "title": f"story {i}"})


def run_sqlite(root: Path, data: tuple, batch: int, queries: np.ndarray) -> dict[str, float]:
    from dedup.store.sqlite import _SCHEMA, _connect

    ids, keys, sigs, shingles = data
    conn = _connect(root / "index.sqlite", 30.0)
    conn.executescript(_SCHEMA)
    signed = keys.view(np.int64)
    start = time.perf_counter()
    for lo in range(0, len(ids), batch):
        hi = min(lo + batch, len(ids))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO docs (num, id, outlet, date, title, url, source, chars, batch,"
            " signature, shingles) VALUES (?, ?, 'example', '2016-09-01', ?, NULL, 'x', 2000,"
            " ?, ?, ?)",
            [
                (i + 1, ids[i], meta(i), lo // batch, sigs[i].tobytes(), shingles[i].tobytes())
                for i in range(lo, hi)
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO bands VALUES (?, ?, ?)",
            [(b, int(signed[i, b]), i + 1) for i in range(lo, hi) for b in range(BANDS)],
        )
        conn.execute("COMMIT")
    fill = time.perf_counter() - start
    lat = []
    for q in queries.tolist():
        t = time.perf_counter()
        marks = " OR ".join(["(band = ? AND key = ?)"] * BANDS)
        args = [x for b in range(BANDS) for x in (b, int(signed[q, b]))]
        nums = {r[0] for r in conn.execute(f"SELECT num FROM bands WHERE {marks}", args)}
        qmarks = ",".join("?" * len(nums))
        rows = conn.execute(
            f"SELECT id, signature, shingles FROM docs WHERE num IN ({qmarks})", sorted(nums)
        ).fetchall()
        assert any(r[0] == ids[q] for r in rows)
        lat.append(time.perf_counter() - t)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = sum(f.stat().st_size for f in root.iterdir())
    return {"fill_s": fill, "size": size, **latency(lat)}


def run_lmdb(root: Path, data: tuple, batch: int, queries: np.ndarray) -> dict[str, float]:
    import lmdb

    ids, keys, sigs, shingles = data
    env = lmdb.open(str(root / "index.lmdb"), map_size=1 << 38, max_dbs=3)
    docs = env.open_db(b"docs")
    by_id = env.open_db(b"ids")
    bands = env.open_db(b"bands", dupsort=True, dupfixed=True)
    start = time.perf_counter()
    for lo in range(0, len(ids), batch):
        hi = min(lo + batch, len(ids))
        with env.begin(write=True) as txn:
            for i in range(lo, hi):
                num = struct.pack(">Q", i + 1)
                m = meta(i).encode()
                value = struct.pack("<I", len(m)) + m + sigs[i].tobytes() + shingles[i].tobytes()
                txn.put(num, value, db=docs)
                txn.put(ids[i].encode(), num, db=by_id)
            cur = txn.cursor(db=bands)
            cur.putmulti(
                [
                    (struct.pack(">BQ", b, int(keys[i, b])), struct.pack(">Q", i + 1))
                    for i in range(lo, hi)
                    for b in range(BANDS)
                ],
                dupdata=True,
            )
    fill = time.perf_counter() - start
    lat = []
    for q in queries.tolist():
        t = time.perf_counter()
        with env.begin() as txn:
            cur = txn.cursor(db=bands)
            nums: set[bytes] = set()
            for b in range(BANDS):
                if cur.set_key(struct.pack(">BQ", b, int(keys[q, b]))):
                    nums.update(cur.iternext_dup())
            rows = []
            for num in sorted(nums):
                value = txn.get(num, db=docs)
                (k,) = struct.unpack_from("<I", value)
                m = json.loads(value[4 : 4 + k])
                rows.append((num, m, value[4 + k : 4 + k + 512], value[4 + k + 512 :]))
        assert struct.pack(">Q", q + 1) in nums
        lat.append(time.perf_counter() - t)
    env.sync(True)
    env.close()
    size = sum(f.stat().st_size for f in (root / "index.lmdb").iterdir())
    return {"fill_s": fill, "size": size, **latency(lat)}


def latency(lat: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in lat)
    return {
        "query_median_ms": statistics.median(ms),
        "query_p99_ms": ms[int(0.99 * (len(ms) - 1))],
        "query_max_ms": ms[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    data = records(args.docs)
    queries = np.random.default_rng(1).integers(0, args.docs, size=args.queries)
    results = {}
    for name, fn in (("sqlite (WAL)", run_sqlite), ("lmdb", run_lmdb)):
        with tempfile.TemporaryDirectory(prefix="store-choice-") as tmp:
            results[name] = fn(Path(tmp), data, args.batch, queries)
    rows = [
        [
            name,
            f"{r['fill_s']:.1f}",
            f"{args.docs / r['fill_s']:,.0f}",
            f"{r['query_median_ms']:.2f}",
            f"{r['query_p99_ms']:.2f}",
            f"{r['query_max_ms']:.2f}",
            f"{r['size'] / args.docs:,.0f}",
        ]
        for name, r in results.items()
    ]
    print(f"{args.docs:,} documents, {args.queries:,} queries")
    print_table(
        rows, ["engine", "fill s", "docs/s", "query median ms", "p99 ms", "max ms", "bytes/doc"]
    )
    save("store_choice", {"docs": args.docs, "results": results})


if __name__ == "__main__":
    main()
