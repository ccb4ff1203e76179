"""dedup: near-duplicate and source-overlap detection for news text."""

from __future__ import annotations

__version__ = "0.1.0"

from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError, IndexStoreError, InputError
from dedup.types import Cluster, Doc, Normalised, Pair, Report, Span

__all__ = [
    "Cluster",
    "ConfigError",
    "DedupConfig",
    "DedupError",
    "Doc",
    "IndexStoreError",
    "InputError",
    "Normalised",
    "Pair",
    "Report",
    "Span",
    "__version__",
    "scan",
]


def scan(docs: list[Doc], cfg: DedupConfig | None = None) -> Report:
    """Run the pipeline on documents in memory; see `dedup.pipeline.run`."""
    from dedup.pipeline import run

    return run(docs, cfg or DedupConfig())
