"""text-dedup's and datatrove's MinHash deduplication on a corpus, for compare_peers.py.

Runs under a Python that has the peer installed (they pull in heavy dependencies, so
they live in their own virtual environment, not dedup's):

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install text-dedup datatrove
    /tmp/peers/bin/python benchmarks/peers_external.py text-dedup CORPUS.jsonl

Prints one JSON object: {"seconds", "pairs", "peak_mib"}; "pairs" are every pair of
documents the tool put in one cluster (neither verifies candidates). Each tool uses
word 3-grams, 128 permutations and its own choice of bands for Jaccard 0.5, with as
many processes as there are cores; the time covers finding the clusters (loading the
corpus included, writing the deduplicated corpus not).
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def cluster_pairs(groups: dict[int, list[str]]) -> list[tuple[str, str]]:
    out = set()
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            out.add((a, b))
    return sorted(out)


def text_dedup(corpus: Path, work: Path) -> list[tuple[str, str]]:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "text_dedup.minhash",
        "--path",
        "json",
        "--data_files",
        str(corpus),
        "--split",
        "train",
        "--cache_dir",
        str(work / "cache"),
        "--output",
        str(work / "out"),
        "--column",
        "text",
        "--idx_column",
        "id",
        "--num_perm",
        "128",
        "--threshold",
        "0.5",
        "--ngram",
        "3",
        "--min_length",
        "0",
        "--debug",
    ]
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    import pickle  # the peer's own output, read back here only

    with (work / "out" / "uf.pkl").open("rb") as fh:
        uf = pickle.load(fh)
    groups: dict[int, list[str]] = defaultdict(list)
    for node in list(uf.parent):
        groups[uf.find(node)].append(node)
    return cluster_pairs(groups)


def datatrove(corpus: Path, work: Path) -> list[tuple[str, str]]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.typeshelper import Languages

    cfg = MinhashConfig(
        n_grams=3, num_buckets=32, hashes_per_bucket=4, hash_config=HashConfig(precision=64)
    )
    reader = JsonlReader(str(corpus.parent), glob_pattern=corpus.name, id_key="id")
    steps = [
        [
            reader,
            MinhashDedupSignature(
                output_folder=str(work / "sigs"), config=cfg, language=Languages.arabic
            ),
        ],
        [
            MinhashDedupBuckets(
                input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=cfg
            )
        ],
        [
            MinhashDedupCluster(
                input_folder=str(work / "buckets"),
                output_folder=str(work / "clusters"),
                config=cfg,
                save_cluster_id=True,
            )
        ],
    ]
    tasks = [1, cfg.num_buckets, 1]
    for step, n in zip(steps, tasks, strict=True):
        LocalPipelineExecutor(
            pipeline=step,
            tasks=n,
            workers=os.cpu_count() or 1,
            logging_dir=str(work / "logs" / str(len(os.listdir(work)))),
            skip_completed=False,
        ).run()
    ids = [json.loads(line)["id"] for line in corpus.open(encoding="utf-8")]
    raw = (work / "clusters" / "000000.clusters").read_bytes()
    import struct

    groups: dict[int, list[str]] = defaultdict(list)
    for doc, cid in struct.iter_unpack("<II", raw):
        groups[cid].append(ids[doc])
    return cluster_pairs(groups)


TOOLS = {"text-dedup": text_dedup, "datatrove": datatrove}


def main() -> None:
    tool, corpus = sys.argv[1], Path(sys.argv[2]).resolve()
    with tempfile.TemporaryDirectory(prefix=f"peer-{tool}-") as tmp:
        start = time.perf_counter()
        pairs = TOOLS[tool](corpus, Path(tmp))
        seconds = time.perf_counter() - start
    self_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "pairs": pairs, "peak_mib": max(self_mib, child_mib)}))


if __name__ == "__main__":
    main()
