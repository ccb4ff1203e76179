"""The signature stage against the xxh3 floor, on one core.

    python benchmarks/signature_stage.py --corpus benchmarks/out/corpus-10000.jsonl

The signature stage is what turns normalised texts into MinHash signatures and band
keys: tokenising, word hashing, shingle hashing (distinct per document), MinHash and
banding (`tokenise_batch`, `shingle_sets`, `flat_signatures`, `band_keys`), in chunks of
2,000 documents as the scan runs it. The floor hashes every word 3-gram of the same
normalised texts with xxh3 and does nothing else (Python's split and one xxh3 call per
shingle). Normalisation and attribution are timed apart: they come before both. Medians
of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from common import OUT, print_table, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=OUT / "corpus-10000.jsonl")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import xxhash

    from dedup.config import DedupConfig
    from dedup.lsh import band_keys, banding
    from dedup.normalise import normalise
    from dedup.shingle import shingle_sets, tokenise_batch
    from dedup.sketch import flat_signatures

    texts = [json.loads(line)["text"] for line in args.corpus.open(encoding="utf-8")]
    cfg = DedupConfig.build(passages=False)
    band = banding(cfg.lsh)
    start = time.perf_counter()
    norms = [normalise(t) for t in texts]
    normalise_s = time.perf_counter() - start

    def stage() -> None:
        for lo in range(0, len(norms), 2000):
            tokens = tokenise_batch(norms[lo : lo + 2000], cfg.shingle)
            sets = shingle_sets([t.hashes for t in tokens], cfg.shingle.size)
            lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
            band_keys(flat_signatures(np.concatenate(sets), lengths, cfg.lsh), band)

    def floor() -> None:
        h = xxhash.xxh3_64_intdigest
        for n in norms:
            words = n.text.split()
            for i in range(len(words) - 2):
                h(" ".join(words[i : i + 3]).encode())

    stage()  # build the tables once
    times: dict[str, list[float]] = {"signature stage": [], "xxh3 floor": []}
    for _ in range(args.repeat):
        for name, fn in (("signature stage", stage), ("xxh3 floor", floor)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [
        [k, f"{v:.3f}", f"{len(texts) / v:,.0f}", f"{v / med['xxh3 floor']:.2f}x"]
        for k, v in med.items()
    ]
    print(
        f"{args.corpus.name}: {len(texts)} documents; normalisation before both {normalise_s:.2f} s"
    )
    print_table(rows, ["stage", "median s", "docs/s", "vs floor"])
    save("signature_stage", {"corpus": str(args.corpus), "medians": med, "runs": times})


if __name__ == "__main__":
    main()
