"""Document-level deduplication on Apache Spark, with the local engine's stage functions.

The same normalisation, attribution, shingling, signatures (same hash functions and
permutations), banding and exact verification as `dedup.pipeline`, run inside
`mapPartitions`; candidate pairs come from a distributed group-by on band keys, and
clusters from the large-star / small-star connected-components algorithm (Kiveris et
al., 2014) on the verified pairs. Nothing collects all pairs to the driver until a report
is written; `pairs` and `clusters` can be written as Parquet or JSONL by Spark itself.

pyspark is imported here only, never at dedup's start-up (``pip install 'dedup[spark]'``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dedup.config import DedupConfig
from dedup.lsh import band_keys, banding
from dedup.sketch import signatures
from dedup.types import Doc
from dedup.verify import accept, overlap

if TYPE_CHECKING:
    from pyspark.rdd import RDD
    from pyspark.sql import DataFrame, SparkSession

#: Documents signed at once inside a partition.
SIGN_BATCH = 2000


@dataclass(frozen=True, slots=True)
class SparkResult:
    """Verified pairs (a, b, jaccard, containment) and cluster membership (doc, cluster)."""

    pairs: DataFrame
    clusters: DataFrame
    documents: DataFrame


def _prepare_partition(rows: Iterable[Any], cfg: DedupConfig) -> Iterator[tuple[Any, ...]]:
    """(id, shingles bytes, normalised length, band keys) for each document."""
    from dedup.pipeline import prepare_batch

    band = banding(cfg.lsh)
    batch: list[Any] = []

    def flush() -> Iterator[tuple[Any, ...]]:
        prepared = prepare_batch([Doc(str(r["id"]), r["text"]) for r in batch], cfg)
        sigs = signatures([p.shingles for p in prepared], cfg.lsh)
        keys = band_keys(sigs, band)
        for p, k in zip(prepared, keys, strict=True):
            valid = len(p.shingles) > 0
            yield (
                p.doc.id,
                p.shingles.astype("<u8").tobytes(),
                len(p.norm.text),
                [int(x) for x in k.view(np.int64)] if valid else [],
            )

    for row in rows:
        batch.append(row)
        if len(batch) >= SIGN_BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def _bucket_pairs(members: Iterable[str]) -> Iterator[tuple[str, str]]:
    ids = sorted(set(members))
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            yield (a, b)


def _verify(
    item: tuple[tuple[str, str], tuple[bytes, bytes]], cfg: DedupConfig
) -> Iterator[tuple[str, str, float, float]]:
    (a, b), (sa, sb) = item
    jac, cont = overlap(np.frombuffer(sa, dtype="<u8"), np.frombuffer(sb, dtype="<u8"))
    if accept(jac, cont, cfg.verify):
        yield (a, b, round(jac, 6), round(cont, 6))


def connected_components(edges: RDD, max_rounds: int = 100) -> RDD:
    """(node, component) for every node of `edges` (pairs of comparable ids): the
    component is its smallest node. Large-star and small-star steps alternate until
    neither changes an edge; no step gathers the graph on the driver."""

    def large_star(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
        u, nbrs = item
        nbrs = set(nbrs)
        m = min(nbrs | {u})
        for v in nbrs:
            if v > u:
                yield (v, m)

    def small_star(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
        u, nbrs = item
        nbrs = set(nbrs)
        m = min(nbrs | {u})
        for v in nbrs | {u}:
            if v != m:
                yield (v, m)

    def both(e: tuple[Any, Any]) -> list[tuple[Any, Any]]:
        return [(e[0], e[1]), (e[1], e[0])]

    current = edges.map(lambda e: (max(e), min(e))).distinct().cache()
    for _ in range(max_rounds):
        step = current.flatMap(both).groupByKey().flatMap(large_star).distinct()
        step = step.map(lambda e: (max(e), min(e))).groupByKey().flatMap(small_star).distinct()
        step = step.cache()
        changed = step.subtract(current).union(current.subtract(step)).isEmpty() is False
        current.unpersist()
        current = step
        if not changed:
            break
    return current.map(lambda e: (e[0], e[1])).union(current.map(lambda e: (e[1], e[1]))).distinct()


def run_spark(spark: SparkSession, documents: DataFrame, cfg: DedupConfig) -> SparkResult:
    """Near-duplicate pairs and clusters of a DataFrame with `id` and `text` columns."""
    from pyspark.sql import Row

    prepared = (
        documents.select("id", "text")
        .rdd.mapPartitions(lambda rows: _prepare_partition(rows, cfg))
        .cache()
    )
    shingles = prepared.map(lambda x: (x[0], x[1]))
    buckets = prepared.flatMap(lambda x: [((b, k), x[0]) for b, k in enumerate(x[3])])
    candidates = buckets.groupByKey().flatMap(lambda kv: _bucket_pairs(kv[1])).distinct()
    with_a = candidates.join(shingles).map(lambda x: (x[1][0], (x[0], x[1][1])))
    with_b = with_a.join(shingles).map(lambda x: ((x[1][0][0], x[0]), (x[1][0][1], x[1][1])))
    verified = with_b.flatMap(lambda item: _verify(item, cfg)).cache()
    members = connected_components(verified.map(lambda p: (p[0], p[1])))
    pairs_df = spark.createDataFrame(
        verified.map(lambda p: Row(a=p[0], b=p[1], jaccard=p[2], containment=p[3])),
        "a string, b string, jaccard double, containment double",
    )
    clusters_df = spark.createDataFrame(
        members.map(lambda m: Row(doc=m[0], cluster=m[1])), "doc string, cluster string"
    )
    lengths = spark.createDataFrame(
        prepared.map(lambda x: Row(id=x[0], norm_chars=x[2])), "id string, norm_chars long"
    )
    return SparkResult(pairs_df, clusters_df, lengths)


def report_from(result: SparkResult, docs: list[Doc], cfg: DedupConfig) -> Any:
    """Collect a `SparkResult` into the local engine's `Report` (for the usual formats)."""
    from dedup import __version__
    from dedup.cluster import representative
    from dedup.types import Cluster, Pair, Report

    pairs = sorted(
        (Pair(r["a"], r["b"], r["jaccard"], r["containment"]) for r in result.pairs.collect()),
        key=lambda p: (p.a, p.b),
    )
    by_id = {d.id: d for d in docs}
    lengths = {r["id"]: r["norm_chars"] for r in result.documents.collect()}
    groups: dict[str, list[str]] = {}
    for r in result.clusters.collect():
        groups.setdefault(r["cluster"], []).append(r["doc"])
    clusters = []
    for cid, ids in groups.items():
        members = [by_id[i] for i in sorted(ids)]
        rep = representative(members, [lengths[m.id] for m in members])
        clusters.append(Cluster(cid, tuple(sorted(ids)), rep.id))
    band = banding(cfg.lsh)
    params = {**cfg.as_dict(), "bands": band.bands, "rows": band.rows, "engine": "spark"}
    return Report(
        params=params,
        documents=tuple(sorted(docs, key=lambda d: d.id)),
        pairs=tuple(pairs),
        clusters=tuple(sorted(clusters, key=lambda c: c.id)),
        extra={"dedup_version": __version__},
    )
