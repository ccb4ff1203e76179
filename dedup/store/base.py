"""What a persistent index stores and the operations every backend provides."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dedup import fingerprint
from dedup.config import NORMALISATION_VERSION, DedupConfig
from dedup.errors import IndexStoreError
from dedup.lsh import banding

#: Version of the stored format; bumped when tables or encodings change. Version 2 added
#: the texts and passage fingerprints; a version-1 index still opens (without passages).
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True)
class IndexParams:
    """Everything that must match between an index and the documents added to it."""

    format_version: int
    normalisation_version: int
    shingle_kind: str
    shingle_size: int
    shingle_seed: int
    num_perm: int
    seed: int
    threshold: float
    bands: int
    rows: int
    passages: bool = False
    fingerprint_window: int = 0

    @classmethod
    def from_config(cls, cfg: DedupConfig) -> IndexParams:
        """The parameters a config implies (banding derived from its threshold)."""
        band = banding(cfg.lsh)
        return cls(
            FORMAT_VERSION,
            NORMALISATION_VERSION,
            cfg.shingle.kind,
            cfg.shingle.size,
            cfg.shingle.seed,
            cfg.lsh.num_perm,
            cfg.lsh.seed,
            cfg.verify.threshold,
            band.bands,
            band.rows,
            cfg.passages,
            fingerprint.WINDOW if cfg.passages else 0,
        )

    def as_dict(self) -> dict[str, object]:
        """Plain dict, stable key order."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """A document as the index keeps it: metadata, signature, shingle set and, in an
    index with passages, its original text and passage fingerprints."""

    id: str
    outlet: str | None
    date: str | None
    title: str | None
    url: str | None
    source: str
    chars: int
    signature: npt.NDArray[np.uint32]
    shingles: npt.NDArray[np.uint64]
    text: str | None = None
    fingerprints: npt.NDArray[np.uint64] | None = None


class IndexStore(Protocol):
    """A persistent near-duplicate index."""

    params: IndexParams

    def candidates(self, keys: npt.NDArray[np.uint64]) -> list[list[str]]:
        """Stored ids sharing a band key with each row of `keys` (shape n × bands)."""

    def get(self, ids: Iterable[str], *, texts: bool = False) -> dict[str, StoredDoc]:
        """The stored documents with these ids (missing ids are left out); with
        `texts`, their original texts too."""

    def sharing(self, fps: Sequence[npt.NDArray[np.uint64]]) -> list[list[tuple[str, int]]]:
        """For each item's fingerprints, the stored ids sharing at least
        `fingerprint.MIN_SHARED` of them and how many, leaving out fingerprints held by
        more than `fingerprint.max_postings` documents."""

    def first(self, n: int) -> list[str]:
        """The ids of the `n` documents stored first (of those still stored), in the
        order they were stored: a fixed background for word rarity."""

    def add(self, docs: Sequence[StoredDoc], keys: npt.NDArray[np.uint64]) -> None:
        """Store documents and their band keys in one transaction: all or nothing."""

    def remove(self, ids: Iterable[str]) -> int:
        """Delete documents; returns how many there were."""

    def stats(self) -> dict[str, object]:
        """Counts, sizes and parameters."""

    def close(self) -> None:
        """Release the store."""


def read_params(where: str, meta: dict[str, str], expected: IndexParams | None) -> IndexParams:
    """The parameters stored in an index's metadata, checked against its format and,
    when given, the parameters the caller expects (each difference named)."""
    if meta.get("format_version") not in {str(v) for v in READABLE_VERSIONS}:
        raise IndexStoreError(
            f"{where}: index format {meta.get('format_version')!r}, this "
            f"dedup reads formats {', '.join(map(str, READABLE_VERSIONS))}"
        )
    params = IndexParams(**json.loads(meta["params"]))
    if expected is not None and expected != params:
        mine, theirs = params.as_dict(), expected.as_dict()
        detail = ", ".join(
            f"{k} is {v} in the index, {theirs[k]} asked" for k, v in mine.items() if theirs[k] != v
        )
        raise IndexStoreError(f"{where}: built with other parameters: {detail}")
    return params


def pack_text(text: str) -> bytes:
    """A stored text: its UTF-8 bytes, zlib-compressed (RFC 1950, level 6)."""
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def unpack_text(data: bytes) -> str:
    """The text `pack_text` stored."""
    return zlib.decompress(data).decode("utf-8", "surrogatepass")
