"""Configuration of a run, checked when it is built."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from dedup.errors import ConfigError

#: Bumped whenever normalisation output changes, so stored signatures can be checked.
NORMALISATION_VERSION = 1


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """How a text becomes a set of shingles.

    Attributes:
        kind: "word" for word n-grams, "char" for character n-grams.
        size: n, the number of words (or characters) in a shingle.
        seed: seed of the xxhash token hash.
    """

    kind: Literal["word", "char"] = "word"
    size: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char"):
            raise ConfigError(f"shingle kind must be 'word' or 'char', not {self.kind!r}")
        if not 1 <= self.size <= 32:
            raise ConfigError(f"shingle size must be between 1 and 32, not {self.size}")


@dataclass(frozen=True, slots=True)
class LSHConfig:
    """MinHash and banding parameters.

    Attributes:
        num_perm: number of permutations (signature length).
        seed: seed of the permutations (as datasketch's `MinHash(seed=...)`).
        threshold: Jaccard threshold the bands are tuned for.
        bands, rows: explicit banding; derived from threshold when 0.
    """

    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.5
    bands: int = 0
    rows: int = 0

    def __post_init__(self) -> None:
        if not 2 <= self.num_perm <= 4096:
            raise ConfigError(f"--num-perm must be between 2 and 4096, not {self.num_perm}")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"--threshold must be in (0, 1], not {self.threshold}")
        if (self.bands == 0) != (self.rows == 0):
            raise ConfigError("give both bands and rows, or neither")
        if self.bands and self.bands * self.rows > self.num_perm:
            raise ConfigError(
                f"bands x rows = {self.bands * self.rows} exceeds --num-perm {self.num_perm}"
            )


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """What a candidate pair must reach to be reported.

    Attributes:
        threshold: minimum exact Jaccard of the shingle sets.
        containment: minimum containment of the smaller set in the larger
            (|A & B| / min(|A|, |B|)); 0 turns the containment test off.
    """

    threshold: float = 0.5
    containment: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"--threshold must be in (0, 1], not {self.threshold}")
        if not 0.0 <= self.containment <= 1.0:
            raise ConfigError(f"--containment must be in [0, 1], not {self.containment}")


@dataclass(frozen=True, slots=True)
class PassageConfig:
    """Options of passage matching.

    Attributes:
        min_words: weight of matched words the core alignment of a passage must reach
            (--min-passage-words); see `significance`.
        threshold: density a passage's core alignment must reach: matched tokens over
            the mean length of the two aligned ranges (--passage-threshold).
        gram: character n-gram size of unit shingles.
        window: longest window of consecutive sentences used as a unit.
        num_perm, seed: MinHash of units.
        lsh_threshold: Jaccard the unit LSH is tuned for.
        seed_containment: exact containment a candidate unit pair needs before alignment.
        extend_min: word weight a neighbouring sentence pair must match to extend a passage.
        max_df, max_df_min: a unit n-gram used by more than max(max_df_min, max_df x the
            number of stories) is a set phrase and left out of unit shingles.
        max_bucket: an LSH bucket holding more units than this is boilerplate; skipped.
        bag_share, bag_min_words: a region no alignment explains is still a passage when
            this share of each side's content words, and at least this many distinct
            words, are shared (words reordered or shuffled).
        bag_window: rare content words per window when looking for reordered copies
            (0 turns that search off).
        bag_weight: a reordered copy's shared words must be worth this many times
            min_words.
        bag_rarity: the rarity (see `significance`) a word needs to be looked up in
            the search for reordered copies.
        bag_max_df, bag_max_df_min: and it is looked up only when at most max(min, share x
            stories) stories use it.
        merge_gap: passages of a document pair this close (in tokens) in both
            documents merge into one (phrases of one passage reordered).

    Words are weighted by how few documents use them: a word only the two documents
    share counts 1, one that most documents of the input use counts little, a
    stopword 3/16.
    """

    min_words: float = 6.0
    threshold: float = 0.45
    gram: int = 4
    window: int = 1
    num_perm: int = 128
    seed: int = 1
    lsh_threshold: float = 0.2
    seed_containment: float = 0.2
    extend_min: float = 2.5
    max_df: float = 0.02
    max_df_min: int = 10
    max_bucket: int = 64
    bag_share: float = 0.7
    bag_min_words: int = 6
    bag_window: int = 12
    bag_weight: float = 1.5
    bag_rarity: float = 0.5
    bag_max_df: float = 1.0
    bag_max_df_min: int = 10
    merge_gap: int = 20

    def __post_init__(self) -> None:
        if not 0.0 < self.min_words <= 1000:
            raise ConfigError(f"--min-passage-words must be in (0, 1000], not {self.min_words}")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"--passage-threshold must be in (0, 1], not {self.threshold}")
        if not 2 <= self.gram <= 10 or not 1 <= self.window <= 5:
            raise ConfigError("passage gram must be 2-10 and window 1-5")


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """All options of a run."""

    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    passages: bool = True
    passage: PassageConfig = field(default_factory=PassageConfig)

    @classmethod
    def build(
        cls,
        *,
        threshold: float = 0.5,
        containment: float = 0.0,
        num_perm: int = 128,
        shingle_kind: Literal["word", "char"] = "word",
        shingle_size: int | None = None,
        seed: int = 1,
        passages: bool = True,
        min_passage_words: float = 6.0,
        passage_threshold: float = 0.45,
    ) -> DedupConfig:
        """Build a config from the CLI's flat options.

        With `containment` c, LSH is tuned to c / (3 - c), the Jaccard of a document
        whose share c lies inside one up to twice its length (a wire story plus
        local additions), so that such pairs still become candidates.
        """
        size = shingle_size if shingle_size is not None else (3 if shingle_kind == "word" else 5)
        lsh_threshold = threshold
        if containment > 0:
            lsh_threshold = min(threshold, containment / (3.0 - containment))
        return cls(
            shingle=ShingleConfig(kind=shingle_kind, size=size, seed=0),
            lsh=LSHConfig(num_perm=num_perm, seed=seed, threshold=lsh_threshold),
            verify=VerifyConfig(threshold=threshold, containment=containment),
            passages=passages,
            passage=PassageConfig(
                min_words=min_passage_words,
                threshold=passage_threshold,
                num_perm=num_perm,
                seed=seed,
            ),
        )

    def as_dict(self) -> dict[str, object]:
        """Plain-dict view for reports; stable key order."""
        return {
            "shingle": asdict(self.shingle),
            "lsh": asdict(self.lsh),
            "verify": asdict(self.verify),
            "passages": self.passages,
            "passage": asdict(self.passage) if self.passages else None,
            "normalisation_version": NORMALISATION_VERSION,
        }
