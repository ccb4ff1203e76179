"""Document-level scan of inputs of any size, on every core, with bounded memory.

The same result as `pipeline.run` with passages off, computed differently:

1. A first pass over the input counts each outlet's short lines (`ChromeCounter`):
   site chrome must be known before any document is shingled.
2. A second pass takes the input in the same chunks (the first pass's ranges of a
   file, when it read one); worker processes prepare each chunk (normalise,
   attribution, tokens, shingles, MinHash, band keys) while the main process reads
   the next ones (a few chunks in flight at most). Each chunk's shingle
   hashes and band keys go to a spill directory on disk (the worker writes the hashes
   to a part file, which the main process appends to the spill by the kernel's copy
   and removes); memory keeps only each document's metadata and attribution.
3. Candidates come from the band keys, each worker grouping a share of the bands
   (memory-mapped from the spill, bands x 8 bytes per document); each candidate is
   verified exactly against the shingle sets, read back from the spill the same way.

The spill directory (kept with `dedup scan --spill-dir DIR`) holds, all little-endian:

* ``meta.json``: {"format": "dedup-spill", "version": 1, "documents": n, "bands": b,
  "rows": r, "num_perm", "seed", "shingle": {"kind", "size", "seed"}};
* ``ids.jsonl``: one JSON string per line, the document ids in input order;
* ``offsets.i64``: n + 1 int64, where each document's shingles start and end in
  ``shingles.u64`` (counted in values);
* ``shingles.u64``: each document's shingle hashes (uint64) in text order, repeats kept
  (the set is their distinct values), concatenated;
* ``bands.u64``: n x b uint64 band keys, row by row (`lsh.band_keys`).

While the scan runs, it also holds the workers' ``part-K.u64`` files (chunk K's shingle
hashes, not yet appended).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from dedup import __version__, forked
from dedup.arrays import distinct
from dedup.attribution import Attribution, ChromeCounter
from dedup.cluster import clusters
from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.io import Checker, Fields, FileRange, Piece, ReadLog, parse_piece
from dedup.lsh import BAND_CELLS, band_keys, banding, candidate_codes, decode_pairs
from dedup.memory import small_pages
from dedup.sketch import flat_signatures
from dedup.types import Doc, Pair, Report
from dedup.verify import accept, overlap

SPILL_FORMAT = "dedup-spill"
SPILL_VERSION = 1

#: Documents per chunk a worker prepares at once.
CHUNK = 2000
#: Characters of each text the report keeps (for the table's snippets).
HEAD = 120
#: Candidate pairs a worker verifies at once.
VERIFY = 20_000
#: Inputs of at most this many pieces are scanned in one process by default.
FEW_PIECES = 2


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a worker sends back for one piece of input: its documents (without their
    texts but the head the report shows; bad records were dealt with in the first
    pass) and their preparation, in order. Their shingle hashes, end to end, are in
    the file `part` (the worker wrote them, so that they cross no pipe), the
    documents' `ranges` of it in bytes."""

    docs: list[Doc]
    chars: list[int]
    lengths: npt.NDArray[np.int64]
    part: str
    ranges: list[tuple[int, int]]
    keys: npt.NDArray[np.uint64]
    norm_chars: list[int]
    attribution: list[tuple[Attribution, ...]]

    def only(self, keep: npt.NDArray[np.bool_]) -> _Prepared:
        """The documents `keep` marks (a run of them is one range of the part file,
        copied at once)."""
        if keep.all():
            return self
        ends = 8 * np.cumsum(self.lengths)
        starts = ends - 8 * self.lengths
        rows = np.flatnonzero(keep)
        first = np.diff(rows, prepend=-2) != 1  # where a run of kept documents starts
        last = np.diff(rows, append=len(keep) + 1) != 1  # and where one ends
        return _Prepared(
            [self.docs[i] for i in rows],
            [self.chars[i] for i in rows],
            self.lengths[rows],
            self.part,
            list(zip(starts[rows[first]].tolist(), ends[rows[last]].tolist(), strict=True)),
            self.keys[rows],
            [self.norm_chars[i] for i in rows],
            [self.attribution[i] for i in rows],
        )


_STATE: dict[str, Any] = {}


def _init(cfg: DedupConfig, fields: Fields) -> None:
    _STATE.clear()
    _STATE["cfg"], _STATE["fields"] = cfg, fields


def _init_worker(cfg: DedupConfig, fields: Fields) -> None:
    small_pages()  # a process of ours (dedup.memory)
    _init(cfg, fields)


def _meta(doc: Doc) -> Doc:
    """The document without its text but the head the report shows."""
    return Doc(doc.id, doc.text[:HEAD], doc.source, doc.outlet, doc.date, doc.title, doc.url)


@dataclass(frozen=True, slots=True)
class _Counted:
    """What a worker sends back for one piece in the first pass: every record (documents
    without their texts) with its short lines, and those lines counted for the whole
    piece: per outlet, its documents, each line's count and text."""

    items: list[tuple[tuple[Doc | InputError, str], dict[int, str]]]
    outlets: dict[str, tuple[int, Counter[int], dict[int, str]]]


def _count(piece: Piece) -> _Counted:
    """Pass 1 of a piece: each record (without text) with its short lines."""
    lines = ChromeCounter()
    out: list[tuple[tuple[Doc | InputError, str], dict[int, str]]] = []
    outlets: dict[str, tuple[int, Counter[int], dict[int, str]]] = {}
    for doc, where in parse_piece(piece, _STATE["fields"]):
        if isinstance(doc, InputError):
            out.append(((doc, where), {}))
            continue
        meta = Doc(doc.id, "", outlet=doc.outlet)  # all the first pass needs
        found = lines.short_lines(doc.text) if doc.outlet else {}
        out.append(((meta, where), found))
        if doc.outlet:
            docs, counts, texts = outlets.get(doc.outlet) or (0, Counter(), {})
            counts.update(found.keys())
            texts.update(found)
            outlets[doc.outlet] = (docs + 1, counts, texts)
    return _Counted(out, outlets)


def _prepare(numbered: tuple[int, Piece], chrome: dict[str, set[str]], root: str) -> _Prepared:
    """Pass 2 of the piece numbered k: its documents prepared, down to band keys; their
    shingle hashes written to the file part-k.u64 of the spill directory `root`."""
    from dedup.pipeline import prepare_batch

    cfg: DedupConfig = _STATE["cfg"]
    k, piece = numbered
    part = str(Path(root) / f"part-{k:08d}.u64")
    items = parse_piece(piece, _STATE["fields"])
    docs = [d for d, _ in items if isinstance(d, Doc)]
    prepared = prepare_batch(docs, cfg, chrome, sets=False)
    lengths = np.fromiter((len(p.shingles) for p in prepared), dtype=np.int64, count=len(docs))
    flat = (
        np.concatenate([p.shingles for p in prepared]) if prepared else np.empty(0, dtype=np.uint64)
    )
    keys = band_keys(flat_signatures(flat, lengths, cfg.lsh), banding(cfg.lsh))
    with _spill_errors(Path(root)), open(part, "wb") as fh:
        fh.write(np.ascontiguousarray(flat, dtype="<u8").data)
    return _Prepared(
        [_meta(d) for d in docs],
        [len(d.text) for d in docs],
        lengths,
        part,
        [(0, 8 * len(flat))],
        keys,
        [len(p.norm.text) for p in prepared],
        [p.attribution for p in prepared],
    )


def _name(docs: list[Doc]) -> str:
    """Where a piece's documents come from, for a message."""
    return (docs[0].source or docs[0].id) if docs else "<input>"


def _copy(name: str, src: int, dst: int, start: int, size: int) -> None:
    """Bytes `start` to `start + size` of the file `src` (named `name`) appended to
    `dst` (at its position), by the kernel where it can."""
    kernel = getattr(os, "copy_file_range", None)  # Linux only
    while size:
        done = None
        if kernel is not None:
            try:
                done = kernel(src, dst, size, start)
            except OSError:  # a file system that cannot: through a buffer from now on
                kernel = None
        if done is None:
            done = os.write(dst, os.pread(src, min(size, 1 << 24), start))
        if not done:
            raise InputError(name, "the spill file changed while it was read")
        start, size = start + done, size - done


@contextmanager
def _spill_errors(root: Path) -> Iterator[None]:
    """A failed write to the spill (a full disk) as an `InputError` naming it."""
    try:
        yield
    except OSError as exc:
        raise InputError(str(root), f"cannot write the spill: {exc.strerror or exc}") from exc


class _Spill:
    """The spill directory being written (see the module docstring)."""

    def __init__(self, root: Path, cfg: DedupConfig):
        self.root, self.cfg = root, cfg
        with _spill_errors(root):
            root.mkdir(parents=True, exist_ok=True)
            self.ids = (root / "ids.jsonl").open("w", encoding="utf-8")
            self.shingles = (root / "shingles.u64").open("wb", buffering=0)
            self.bands = (root / "bands.u64").open("wb")
        self.offsets = [0]

    def add(self, part: _Prepared) -> None:
        with _spill_errors(self.root):
            # What json.dumps(i, ensure_ascii=False) gives for a string, without its dispatch.
            self.ids.write("".join(encode_basestring(d.id) + "\n" for d in part.docs))
            with open(part.part, "rb") as src:
                for start, end in part.ranges:
                    _copy(part.part, src.fileno(), self.shingles.fileno(), start, end - start)
            os.unlink(part.part)
            # Written from the array's own memory (a copy by `tobytes` costs fresh pages).
            self.bands.write(np.ascontiguousarray(part.keys, dtype="<u8").data)
        ends = self.offsets[-1] + np.cumsum(part.lengths)
        self.offsets.extend(ends.tolist())

    def close(self) -> None:
        """Finish the files."""
        with _spill_errors(self.root):
            self._close()

    def _close(self) -> None:
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


def _spilled(root: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """The offsets and the shingles (memory-mapped) of the spill at `root`."""
    if _STATE.get("spill") != root:
        offsets = np.fromfile(Path(root) / "offsets.i64", dtype="<i8")
        shingles = (
            np.memmap(Path(root) / "shingles.u64", dtype="<u8", mode="r")
            if offsets[-1]
            else np.empty(0, dtype=np.uint64)
        )
        _STATE.update(spill=root, offsets=offsets, shingles=shingles)
    return _STATE["offsets"], _STATE["shingles"]


def _candidates(share: tuple[int, int], root: str) -> npt.NDArray[np.int64]:
    """The candidate codes (`lsh.candidate_codes`) of bands `share[0]` to `share[1]`
    of the spill at `root`, read from its band keys."""
    offsets, _ = _spilled(root)
    n = len(offsets) - 1
    bands = banding(_STATE["cfg"].lsh).bands
    if n < 2:
        return np.empty(0, dtype=np.int64)
    keys = np.memmap(Path(root) / "bands.u64", dtype="<u8", mode="r", shape=(n, bands))
    lo, hi = share
    return candidate_codes(keys[:, lo:hi], np.diff(offsets) > 0)


def _band_shares(documents: int, bands: int, workers: int) -> list[tuple[int, int]]:
    """Bands cut into shares for `_candidates`: two per worker at least, and no more
    keys in one than `lsh.candidate_codes` sorts at once."""
    most = max(1, BAND_CELLS // max(1, documents))
    width = max(1, min(most, -(-bands // (2 * workers))))
    return [(lo, min(bands, lo + width)) for lo in range(0, bands, width)]


def _verify(pairs: npt.NDArray[np.int64], root: str) -> list[tuple[int, int, float, float]]:
    """Exact Jaccard and containment of candidate pairs, from the spill at `root`;
    the pairs `accept` takes."""
    offsets, shingles = _spilled(root)
    cfg: DedupConfig = _STATE["cfg"]
    out = []
    for i, j in pairs.tolist():
        a = distinct(np.asarray(shingles[offsets[i] : offsets[i + 1]]))
        b = distinct(np.asarray(shingles[offsets[j] : offsets[j + 1]]))
        jac, cont = overlap(a, b)
        if accept(jac, cont, cfg.verify):
            out.append((i, j, jac, cont))
    return out


def pieces_of(docs: Iterable[Doc], size: int = CHUNK) -> Iterator[Piece]:
    """Documents already read, in pieces for `scan`."""
    batch: list[tuple[Doc | InputError, str]] = []
    for d in docs:
        batch.append((d, d.source or d.id))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


T = TypeVar("T")


class _Seen:
    """The pieces of a pass, kept while every one is a range of a file (a few
    integers each), so that the next pass can take them again without reading the
    input for its newlines."""

    def __init__(self) -> None:
        self.ranges: list[FileRange] | None = []

    def note(self, pieces: Iterable[Piece]) -> Iterator[Piece]:
        for piece in pieces:
            if self.ranges is not None:
                if isinstance(piece, FileRange):
                    self.ranges.append(piece)
                else:
                    self.ranges = None
            yield piece


def _ordered(
    pool: tuple[ProcessPoolExecutor, int] | None,
    fn: Callable[..., T],
    pieces: Iterable[Any],
    *args: Any,
) -> Iterator[T]:
    """`fn(piece, *args)` of every piece, in order; with a pool, at most two pieces per
    worker are read ahead (memory stays bounded)."""
    if pool is None:
        for piece in pieces:
            yield fn(piece, *args)
        return
    executor, workers = pool
    pending: deque[Future[T]] = deque()
    for piece in pieces:
        pending.append(executor.submit(fn, piece, *args))
        if len(pending) >= 2 * workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@contextmanager
def _pool(
    workers: int, cfg: DedupConfig, fields: Fields
) -> Iterator[tuple[ProcessPoolExecutor, int] | None]:
    if workers <= 1:
        _init(cfg, fields)
        try:
            yield None
        finally:
            _STATE.clear()  # and the spill's memory maps with it (its files go next)
        return
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, ctx, initializer=_init_worker, initargs=(cfg, fields))
    with pool:
        yield pool, workers


def scan(
    read: Callable[[], Iterable[Piece]],
    cfg: DedupConfig,
    *,
    fields: Fields | None = None,
    errors: Literal["fail", "skip"] = "fail",
    log: ReadLog | None = None,
    workers: int | None = None,
    spill_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    stats: Callable[[dict[str, float]], None] | None = None,
) -> Report:
    """Find near-duplicate documents in the input `read()` gives in pieces
    (`io.read_pieces`, or `pieces_of` for documents at hand). It is called twice and
    must give the same input each time (once, when every piece is a range of a file:
    the second pass takes the same ranges). `workers` processes parse and prepare the
    pieces (default: every core, or this process alone when there are `FEW_PIECES`
    pieces or fewer); bad records and repeated ids are dealt with as
    `read_docs` does, in input order, and logged once.

    With `spill_dir`, the spill files stay there (see the module docstring); otherwise
    they go to a temporary directory, removed at the end. `stats` receives the sizes
    of what was kept: documents, candidates, index bytes (the band keys, which the
    workers group a share of the bands at a time) and spill bytes.
    """
    pieces = iter(read())
    if workers is None:
        # A spawned worker imports dedup and builds its tables (0.5 s or more of CPU)
        # before its first piece: for a few pieces, this process alone is done sooner.
        head = list(islice(pieces, FEW_PIECES + 1))
        workers = 1 if len(head) <= FEW_PIECES else os.cpu_count() or 1
        pieces = chain(head, pieces)
    fields = fields or Fields()
    root = spill_dir or Path(tempfile.mkdtemp(prefix="dedup-spill-"))
    # The records kept per document are never cyclic garbage: once a piece is taken
    # in, they are left out of garbage collection (`forked.freeze_more`), which
    # otherwise scans them all again each time they grow by a quarter (a fifth of
    # this process's CPU at a million documents).
    try:
        with forked.frozen_heap(), _pool(workers, cfg, fields) as pool:
            check = Checker(errors, log)
            counter = ChromeCounter()
            seen = _Seen()
            # Per piece, which of its documents are kept, for the second pass to take
            # without checking the records again.
            kept: list[npt.NDArray[np.bool_]] = []
            for counted in _ordered(pool, _count, seen.note(pieces)):
                passed = [check(item) is not None for item, _ in counted.items]
                kept.append(
                    np.array(
                        [
                            ok
                            for (item, _), ok in zip(counted.items, passed, strict=True)
                            if isinstance(item[0], Doc)
                        ],
                        dtype=bool,
                    )
                )
                if all(passed):  # as a rule: the piece's counts as they are
                    for outlet, (many, counts, texts) in sorted(counted.outlets.items()):
                        counter.add_counts(outlet, many, counts, texts)
                else:
                    for (item, lines), ok in zip(counted.items, passed, strict=True):
                        if ok and isinstance(item[0], Doc) and item[0].outlet:
                            counter.add_lines(item[0].outlet, lines)
                forked.freeze_more()
            chrome = {k: v for k, v in counter.lines().items() if v}
            del check  # the ids it saw (the second pass takes `kept`)
            spill = _Spill(root, cfg)
            metas: list[Doc] = []
            chars: dict[str, int] = {}
            norm_chars: list[int] = []
            found_attr: dict[str, tuple[Attribution, ...]] = {}
            # Ranges of files are taken again as they are (their newlines counted once).
            second = seen.ranges if seen.ranges else read()
            taken = 0
            for k, part in enumerate(
                _ordered(pool, _prepare, enumerate(second), chrome, str(root))
            ):
                if k >= len(kept) or len(kept[k]) != len(part.docs):
                    raise InputError(_name(part.docs), "the input changed while it was read")
                part = part.only(kept[k])
                taken = k + 1
                spill.add(part)
                for d, n, attr in zip(part.docs, part.chars, part.attribution, strict=True):
                    metas.append(d)
                    chars[d.id] = n
                    found_attr[d.id] = attr
                norm_chars += part.norm_chars
                if progress is not None:
                    progress(len(part.docs))
                forked.freeze_more()
            if taken != len(kept):
                raise InputError(_name([]), "the input changed while it was read")
            spill.close()
            # Each worker groups a share of the bands, read from the spill.
            band = banding(cfg.lsh)
            shares = _band_shares(len(metas), band.bands, workers)
            found_codes = list(_ordered(pool, _candidates, shares, str(root)))
            codes = distinct(np.concatenate(found_codes)) if found_codes else np.empty(0, np.int64)
            cands = decode_pairs(codes, len(metas))
            found = []
            chunks = (cands[k : k + VERIFY] for k in range(0, len(cands), VERIFY))
            for verified in _ordered(pool, _verify, chunks, str(root)):
                found += verified
        if stats is not None:
            spilled = sum(f.stat().st_size for f in root.iterdir())
            key_bytes = len(metas) * band.bands * 8
            stats(
                {
                    "documents": len(metas),
                    "index_bytes": key_bytes,
                    "index_bytes_per_document": key_bytes / max(1, len(metas)),
                    "spill_bytes": spilled,
                    "pairs": len(found),
                }
            )
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
