"""Document-level scan of inputs of any size, on every core, with bounded memory.

The same result as `pipeline.run` with passages off, computed differently:

1. A first pass over the input counts each outlet's short lines (`ChromeCounter`):
   site chrome must be known before any document is shingled.
2. A second pass cuts the input into chunks; worker processes prepare each chunk
   (normalise, attribution, tokens, shingles, MinHash, band keys) while the main
   process reads the next ones (a few chunks in flight at most). Each chunk's shingle
   sets go to a spill directory on disk; memory keeps only each document's metadata,
   attribution and band keys (bands x 8 bytes).
3. Candidates come from the band keys; each is verified exactly against the shingle
   sets, read back from the spill through a memory map.

The spill directory (kept with `dedup scan --spill-dir DIR`) holds, all little-endian:

* ``meta.json``: {"format": "dedup-spill", "version": 1, "documents": n, "bands": b,
  "rows": r, "num_perm", "seed", "shingle": {"kind", "size", "seed"}};
* ``ids.jsonl``: one JSON string per line, the document ids in input order;
* ``offsets.i64``: n + 1 int64, where each document's shingles start and end in
  ``shingles.u64`` (counted in values);
* ``shingles.u64``: the shingle sets (uint64, each sorted and distinct), concatenated;
* ``bands.u64``: n x b uint64 band keys, row by row (`lsh.band_keys`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.attribution import Attribution, ChromeCounter
from dedup.cluster import clusters
from dedup.config import DedupConfig
from dedup.lsh import band_keys, banding, key_candidates
from dedup.sketch import flat_signatures
from dedup.types import Doc, Pair, Report
from dedup.verify import accept, overlap

SPILL_FORMAT = "dedup-spill"
SPILL_VERSION = 1

#: Documents per chunk a worker prepares at once.
CHUNK = 2000
#: Characters of each text the report keeps (for the table's snippets).
HEAD = 200


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a worker sends back for one chunk."""

    lengths: npt.NDArray[np.int64]
    shingles: npt.NDArray[np.uint64]
    keys: npt.NDArray[np.uint64]
    norm_chars: list[int]
    attribution: list[tuple[Attribution, ...]]


_STATE: dict[str, Any] = {}


def _init(cfg: DedupConfig, chrome: dict[str, set[str]]) -> None:
    _STATE["cfg"], _STATE["chrome"] = cfg, chrome


def _prepare(docs: list[Doc]) -> _Prepared:
    from dedup.pipeline import prepare_batch

    cfg: DedupConfig = _STATE["cfg"]
    prepared = prepare_batch(docs, cfg, _STATE["chrome"])
    lengths = np.fromiter((len(p.shingles) for p in prepared), dtype=np.int64, count=len(docs))
    flat = (
        np.concatenate([p.shingles for p in prepared]) if prepared else np.empty(0, dtype=np.uint64)
    )
    keys = band_keys(flat_signatures(flat, lengths, cfg.lsh), banding(cfg.lsh))
    return _Prepared(
        lengths,
        flat,
        keys,
        [len(p.norm.text) for p in prepared],
        [p.attribution for p in prepared],
    )


class _Spill:
    """The spill directory being written (see the module docstring)."""

    def __init__(self, root: Path, cfg: DedupConfig):
        self.root, self.cfg = root, cfg
        root.mkdir(parents=True, exist_ok=True)
        self.ids = (root / "ids.jsonl").open("w", encoding="utf-8")
        self.shingles = (root / "shingles.u64").open("wb")
        self.bands = (root / "bands.u64").open("wb")
        self.offsets = [0]

    def add(self, ids: list[str], part: _Prepared) -> None:
        for i in ids:
            self.ids.write(json.dumps(i, ensure_ascii=False) + "\n")
        self.shingles.write(part.shingles.astype("<u8", copy=False).tobytes())
        self.bands.write(part.keys.astype("<u8", copy=False).tobytes())
        ends = self.offsets[-1] + np.cumsum(part.lengths)
        self.offsets.extend(ends.tolist())

    def close(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """Finish the files; the offsets and a read-only map of the shingles."""
        for fh in (self.ids, self.shingles, self.bands):
            fh.close()
        offsets = np.array(self.offsets, dtype=np.int64)
        offsets.astype("<i8").tofile(self.root / "offsets.i64")
        band = banding(self.cfg.lsh)
        meta = {
            "format": SPILL_FORMAT,
            "version": SPILL_VERSION,
            "documents": len(offsets) - 1,
            "bands": band.bands,
            "rows": band.rows,
            "num_perm": self.cfg.lsh.num_perm,
            "seed": self.cfg.lsh.seed,
            "shingle": {
                "kind": self.cfg.shingle.kind,
                "size": self.cfg.shingle.size,
                "seed": self.cfg.shingle.seed,
            },
        }
        (self.root / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if offsets[-1] == 0:
            return offsets, np.empty(0, dtype=np.uint64)
        return offsets, np.memmap(self.root / "shingles.u64", dtype="<u8", mode="r")


def _chunks(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    batch: list[Doc] = []
    for d in docs:
        batch.append(d)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepared_chunks(
    chunks: Iterator[list[Doc]], cfg: DedupConfig, chrome: dict[str, set[str]], workers: int
) -> Iterator[tuple[list[Doc], _Prepared]]:
    """Each chunk with its preparation, in input order; with several workers, at most
    two chunks per worker are read ahead."""
    if workers <= 1:
        _init(cfg, chrome)
        for docs in chunks:
            yield docs, _prepare(docs)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, ctx, initializer=_init, initargs=(cfg, chrome)) as pool:
        pending: deque[tuple[list[Doc], Future[_Prepared]]] = deque()
        for docs in chunks:
            pending.append((docs, pool.submit(_prepare, docs)))
            if len(pending) >= 2 * workers:
                head, fut = pending.popleft()
                yield head, fut.result()
        while pending:
            head, fut = pending.popleft()
            yield head, fut.result()


def scan(
    read: Callable[[], Iterable[Doc]],
    cfg: DedupConfig,
    *,
    workers: int | None = None,
    spill_dir: Path | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Find near-duplicate documents in `read()` (called twice: it must give the same
    documents each time), `workers` processes at once (default: every core).

    With `spill_dir`, the spill files stay there (see the module docstring); otherwise
    they go to a temporary directory, removed at the end.
    """
    workers = workers or os.cpu_count() or 1
    counter = ChromeCounter()
    for d in read():
        counter.add(d.text, d.outlet)
    chrome = {k: v for k, v in counter.lines().items() if v}
    root = spill_dir or Path(tempfile.mkdtemp(prefix="dedup-spill-"))
    try:
        spill = _Spill(root, cfg)
        metas: list[Doc] = []
        chars: dict[str, int] = {}
        norm_chars: list[int] = []
        found_attr: dict[str, tuple[Attribution, ...]] = {}
        keys: list[npt.NDArray[np.uint64]] = []
        for docs, part in _prepared_chunks(_chunks(read(), chunk), cfg, chrome, workers):
            spill.add([d.id for d in docs], part)
            for d, attr in zip(docs, part.attribution, strict=True):
                head = d.text[:HEAD]
                metas.append(Doc(d.id, head, d.source, d.outlet, d.date, d.title, d.url))
                chars[d.id] = len(d.text)
                found_attr[d.id] = attr
            norm_chars += part.norm_chars
            keys.append(part.keys)
            if progress is not None:
                progress(len(docs))
        offsets, shingles = spill.close()
        band = banding(cfg.lsh)
        all_keys = np.concatenate(keys) if keys else np.empty((0, band.bands), dtype=np.uint64)
        lengths = np.diff(offsets)
        found = []
        for i, j in key_candidates(all_keys, lengths > 0).tolist():
            a = shingles[offsets[i] : offsets[i + 1]]
            b = shingles[offsets[j] : offsets[j + 1]]
            jac, cont = overlap(np.asarray(a), np.asarray(b))
            if accept(jac, cont, cfg.verify):
                found.append((i, j, jac, cont))
        del shingles
    finally:
        if spill_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    pairs = sorted(
        (
            Pair(min(ids), max(ids), round(jac, 6), round(cont, 6))
            for i, j, jac, cont in found
            for ids in [(metas[i].id, metas[j].id)]
        ),
        key=lambda p: (p.a, p.b),
    )
    edges = [(i, j) for i, j, _, _ in found]
    params = {**cfg.as_dict(), "bands": band.bands, "rows": band.rows}
    return Report(
        params=params,
        documents=tuple(sorted(metas, key=lambda d: d.id)),
        pairs=tuple(pairs),
        clusters=tuple(clusters(metas, edges, norm_chars)),
        attribution=found_attr,
        extra={"dedup_version": __version__},
        chars=chars,
    )
