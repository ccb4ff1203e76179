"""What a persistent index stores and the operations every backend provides."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dedup.config import NORMALISATION_VERSION, DedupConfig
from dedup.errors import IndexStoreError
from dedup.lsh import banding

#: Version of the stored format; bumped when tables or encodings change.
FORMAT_VERSION = 1


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
        )

    def as_dict(self) -> dict[str, object]:
        """Plain dict, stable key order."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """A document as the index keeps it: metadata, signature, shingle set."""

    id: str
    outlet: str | None
    date: str | None
    title: str | None
    url: str | None
    source: str
    chars: int
    signature: npt.NDArray[np.uint32]
    shingles: npt.NDArray[np.uint64]


class IndexStore(Protocol):
    """A persistent near-duplicate index."""

    params: IndexParams

    def candidates(self, keys: npt.NDArray[np.uint64]) -> list[list[str]]:
        """Stored ids sharing a band key with each row of `keys` (shape n × bands)."""

    def get(self, ids: Iterable[str]) -> dict[str, StoredDoc]:
        """The stored documents with these ids (missing ids are left out)."""

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
    if meta.get("format_version") != str(FORMAT_VERSION):
        raise IndexStoreError(
            f"{where}: index format {meta.get('format_version')!r}, this "
            f"dedup reads format {FORMAT_VERSION}"
        )
    params = IndexParams(**json.loads(meta["params"]))
    if expected is not None and expected != params:
        mine, theirs = params.as_dict(), expected.as_dict()
        detail = ", ".join(
            f"{k} is {v} in the index, {theirs[k]} asked" for k, v in mine.items() if theirs[k] != v
        )
        raise IndexStoreError(f"{where}: built with other parameters: {detail}")
    return params
