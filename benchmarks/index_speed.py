"""Persistent-index speed: filling an index, adding a batch to it, querying one item.

    python benchmarks/index_speed.py --stored 100000 --add 10000      # a few minutes
    python benchmarks/index_speed.py --stored 1000000 --add 100000    # the issue's sizes
    python benchmarks/index_speed.py --backend redis://127.0.0.1:6379/0 --stored 20000
    python benchmarks/index_speed.py --no-passages    # an index without texts and fingerprints
    python benchmarks/index_speed.py --corpus benchmarks/out/corpus-100000.jsonl \
        --stored 50000 --add 5000 --batch 5000

Documents are synthetic, deterministic news-sized texts (300 words drawn from a Zipf
vocabulary of 50,000 words), so that sizes beyond the real corpora can be measured;
every 20th added item is a light edit of a stored one, and the benchmark checks that
those come back as duplicates. With `--corpus`, the texts are the lines of a corpus of
`corpus.py` instead (real article text; the random Zipf texts, made of no function
words, make every document share word pairs with many others, a worst case for
passage fingerprints): the first `--stored` stored, the next `--add` added, the next
`--queries` asked about.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile

import numpy as np
from common import peak_rss_mib, print_table, save, timer

from dedup.config import DedupConfig
from dedup.pipeline import index_items
from dedup.store import IndexParams, create_index, open_index
from dedup.types import Doc

VOCAB = [f"w{i:05d}" for i in range(50_000)]


def texts(start: int, n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed + start)
    ranks = np.minimum(rng.zipf(1.3, size=(n, 300)) - 1, len(VOCAB) - 1)
    return [" ".join(VOCAB[r] for r in row) for row in ranks.tolist()]


def edited(text: str, rng: np.random.Generator) -> str:
    words = text.split()
    for i in rng.choice(len(words), size=len(words) // 20, replace=False).tolist():
        words[i] = "edited"
    return " ".join(words)


class Corpus:
    """Texts of a corpus file by position, read once."""

    def __init__(self, path: str, n: int) -> None:
        with open(path, encoding="utf-8") as fh:
            self.lines = [json.loads(line)["text"] for line, _ in zip(fh, range(n), strict=False)]
        if len(self.lines) < n:
            raise SystemExit(f"{path}: {len(self.lines)} texts, {n} needed")

    def texts(self, start: int, n: int, part: int, args: argparse.Namespace) -> list[str]:
        offset = {1: 0, 2: args.stored, 3: args.stored + args.add}[part]
        return self.lines[offset + start : offset + start + n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stored", type=int, default=100_000)
    ap.add_argument("--add", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument(
        "--backend", default=None, help="a folder or redis:// URL (default: temp folder)"
    )
    ap.add_argument("--corpus", default=None, help="a corpus.py JSONL file to take texts from")
    ap.add_argument(
        "--no-passages",
        dest="passages",
        action="store_false",
        help="an index without texts and passage fingerprints (duplicates only)",
    )
    args = ap.parse_args()
    if args.corpus:
        corpus = Corpus(args.corpus, args.stored + args.add + args.queries)

        def get(start: int, n: int, part: int) -> list[str]:
            return corpus.texts(start, n, part, args)
    else:

        def get(start: int, n: int, part: int) -> list[str]:
            return texts(10**8 if part == 3 else start, n, part)

    folder = args.backend or tempfile.mkdtemp(prefix="dedup-index-") + "/idx"
    create_index(folder, IndexParams.from_config(DedupConfig(passages=args.passages))).close()
    store = open_index(folder)
    try:
        with timer() as fill:
            for start in range(0, args.stored, args.batch):
                n = min(args.batch, args.stored - start)
                docs = [Doc(f"s{start + i}", t) for i, t in enumerate(get(start, n, 1))]
                index_items(store, docs, store_items=True)
        rng = np.random.default_rng(7)
        new = get(0, args.add, 2)
        first_batch = get(0, min(args.batch, args.stored), 1)  # s0, s1, … as stored
        for i in range(0, args.add, 20):
            new[i] = edited(first_batch[i % len(first_batch)], rng)
        docs = [Doc(f"n{i}", t) for i, t in enumerate(new)]
        with timer() as add:
            items = []
            for start in range(0, len(docs), args.batch):
                items += index_items(store, docs[start : start + args.batch], store_items=True)
        found = sum(1 for i in range(0, args.add, 20) if items[i].status == "duplicate")
        latencies = []
        probe = get(0, args.queries, 3)
        for q in range(args.queries):
            with timer() as one:
                index_items(store, [Doc(f"q{q}", probe[q])], store_items=False)
            latencies.append(one() * 1000)
        stats = store.stats()
    finally:
        store.close()
        if args.backend is None:
            shutil.rmtree(folder.rsplit("/", 1)[0], ignore_errors=True)
    rows = [
        [f"fill {args.stored:,}", f"{fill():.1f} s", f"{args.stored / fill():.0f} docs/s"],
        [
            f"add {args.add:,} to {args.stored:,}",
            f"{add():.1f} s",
            f"{args.add / add():.0f} docs/s",
        ],
        [
            f"query 1 against {args.stored + args.add:,}",
            f"{statistics.median(latencies):.1f} ms median",
            f"{max(latencies):.1f} ms max",
        ],
    ]
    source = args.corpus or "synthetic Zipf texts"
    print(f"index {'with' if args.passages else 'without'} passages, {source}")
    print_table(rows, ["step", "time", "rate"])
    print(
        f"edited copies found: {found} of {len(range(0, args.add, 20))}; "
        f"index {stats['bytes'] / 2**20:.0f} MiB "
        f"({stats['bytes'] / stats['documents']:.0f} bytes/doc); peak RSS {peak_rss_mib():.0f} MiB"
    )
    save(
        "index_speed",
        {
            "args": vars(args),
            "fill_s": fill(),
            "add_s": add(),
            "query_ms": latencies,
            "stats": stats,
            "found": found,
        },
    )


if __name__ == "__main__":
    main()
