"""Small immutable records passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from dedup.attribution import Attribution


@dataclass(frozen=True, slots=True)
class Doc:
    """A document as read: `text` is the original text, untouched."""

    id: str
    text: str
    source: str = ""
    outlet: str | None = None
    date: str | None = None
    title: str | None = None
    url: str | None = None

    def __reduce__(self) -> tuple[type[Doc], tuple[str | None, ...]]:
        """Pickle as the constructor's arguments: three times faster than a slotted
        dataclass's default, and documents cross to worker processes by the million."""
        return Doc, (self.id, self.text, self.source, self.outlet, self.date, self.title, self.url)


@dataclass(frozen=True, slots=True)
class Normalised:
    """Text normalised for matching, with a map back to the original.

    `offsets[i]` is the index in the original text of the character that produced
    `text[i]`; `offsets[len(text)]` is the original length, so that a normalised
    span `[i, j)` maps to the original span `[offsets[i], offsets[j - 1] + 1)`.
    """

    text: str
    offsets: npt.NDArray[np.int64]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span `[start, end)` to a span of the original text."""
        if end <= start:
            pos = int(self.offsets[start])
            return pos, pos
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


@dataclass(frozen=True, slots=True)
class Tokens:
    """Word (or character) tokens of a normalised text: hashes and normalised spans."""

    hashes: npt.NDArray[np.uint64]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.hashes)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a document: `[start, end)` are offsets into the original text."""

    doc: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Pair:
    """A verified near-duplicate pair of documents (`a < b`)."""

    a: str
    b: str
    jaccard: float
    containment: float


@dataclass(frozen=True, slots=True)
class Cluster:
    """Documents linked by verified pairs; `id` is the smallest member id."""

    id: str
    documents: tuple[str, ...]
    representative: str


@dataclass(frozen=True, slots=True)
class SharedPassage:
    """A passage documents `a` and `b` share (`a < b`); offsets into the original texts,
    end exclusive. `score` is the alignment density (matched tokens over the mean
    length of the two spans); `weight` the matched words weighted by rarity;
    `uncredited` when neither document credits an agency (source line, dateline or
    byline); `a_diff`, `b_diff` the spans of words inside the passage that the other
    document does not have."""

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    score: float
    weight: float
    a_text: str
    b_text: str
    uncredited: bool = False
    a_diff: tuple[tuple[int, int], ...] = ()
    b_diff: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a reused passage stands in one document."""

    doc: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class PassageCluster:
    """One passage and every document it occurs in; `id` is its first occurrence."""

    id: str
    occurrences: tuple[Occurrence, ...]

    @property
    def documents(self) -> tuple[str, ...]:
        """The distinct documents, sorted."""
        return tuple(sorted({o.doc for o in self.occurrences}))


@dataclass(frozen=True, slots=True)
class Passages:
    """Everything passage matching found."""

    passages: tuple[SharedPassage, ...] = ()
    clusters: tuple[PassageCluster, ...] = ()
    shared_chars: dict[str, int] = field(default_factory=dict)
    outlet_overlap: tuple[tuple[str, str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """Everything `dedup scan` found, ready to render."""

    params: dict[str, object]
    documents: tuple[Doc, ...]
    pairs: tuple[Pair, ...]
    clusters: tuple[Cluster, ...]
    passages: Passages | None = None
    attribution: dict[str, tuple[Attribution, ...]] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)
    #: Length of each document's original text, when `documents` do not carry their
    #: whole texts (the streaming scan keeps their first `stream.HEAD` characters).
    chars: dict[str, int] | None = None

    def length(self, doc: Doc) -> int:
        """Characters of `doc`'s original text."""
        return self.chars[doc.id] if self.chars is not None else len(doc.text)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What two documents share: whole-text overlap and aligned passages."""

    a: Doc
    b: Doc
    jaccard: float
    containment: float
    passages: tuple[SharedPassage, ...]
