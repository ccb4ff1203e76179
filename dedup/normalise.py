"""Normalisation for matching, keeping a map back to the original text.

What changes (and nothing else): Unicode NFKC; Arabic tashkeel/harakat (shadda and
superscript alef included), Quranic marks and tatweel removed; أ إ آ ٱ → ا, ى ی → ي,
ة → ه, ؤ → و, ئ → ي, ک → ك; Arabic-Indic and Persian digits → ASCII; Arabic and Latin
punctuation and quote variants unified; letters casefolded; zero-width and bidi
controls removed; runs of white space collapsed to one space, none at either end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.types import Normalised

_DELETE = -1
_SPACE = 0x20

_ARABIC_MARKS = [
    *range(0x0610, 0x061B),  # Quranic honorifics and small marks
    *range(0x064B, 0x0660),  # fathatan ... wavy hamza below (harakat, shadda, sukun)
    0x0670,  # superscript alef
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E5),
    0x06E7,
    0x06E8,
    *range(0x06EA, 0x06EE),
    0x08D3,
    *range(0x08D4, 0x0900),  # extended Arabic marks
    0x0640,  # tatweel
]
_INVISIBLE = [
    0x00AD,
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
    0x061C,
]
_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ئ": "ي",
    "ة": "ه",
    "ۀ": "ه",
    "ہ": "ه",
    "ۃ": "ه",
    "ؤ": "و",
    "ک": "ك",
}
_PUNCT = {
    "،": ",",
    "؍": ",",
    "٫": ",",
    "٬": ",",
    "؛": ";",
    "؟": "?",
    "۔": ".",
    "٪": "%",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "〝": '"',
    "〞": '"',
    "‹": "'",
    "›": "'",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "´": "'",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "⸺": "-",
    "⸻": "-",
}


@lru_cache(maxsize=1)
def _table() -> npt.NDArray[np.int32]:
    """Codepoint → codepoint (or -1 to delete); idempotent by construction."""
    table = np.arange(0x110000, dtype=np.int32)
    for c in range(0x10000):
        ch = chr(c)
        folded = ch.casefold()
        if len(folded) == 1 and folded != ch:
            table[c] = ord(folded)
        elif ch.isspace():
            table[c] = _SPACE
    for c in range(0x10000, 0x20000):
        folded = chr(c).casefold()
        if len(folded) == 1 and folded != chr(c):
            table[c] = ord(folded)
    for src, dst in {**_LETTERS, **_PUNCT}.items():
        table[ord(src)] = ord(dst)
    for base in (0x0660, 0x06F0, 0x07C0, 0x0966, 0xFF10):
        table[base : base + 10] = np.arange(0x30, 0x3A, dtype=np.int32)
    table[_ARABIC_MARKS] = _DELETE
    table[_INVISIBLE] = _DELETE
    # Close the table under itself so that one pass is a fixed point.
    while True:
        live = table >= 0
        nxt = table.copy()
        nxt[live] = table[table[live]]
        if np.array_equal(nxt, table):
            return table
        table = nxt


_PIECES = re.compile(r"\s+|\S+")


#: Space separators other than U+0020 (no-break spaces above all): NFKC and the table
#: make each one space, so mapping them first changes nothing but saves the NFKC pass.
_SPACE_RE = re.compile(
    "["
    + "".join(
        re.escape(chr(c))
        for c in range(0x10000)
        if unicodedata.category(chr(c)) == "Zs" and c != 0x20
    )
    + "]"
)


def _nfkc(text: str) -> tuple[str, npt.NDArray[np.int64]]:
    """NFKC word by word (it never composes across white space), with an offset map.

    Inside a word whose length changes, characters map proportionally; the first
    and last characters of every word map exactly.
    """
    if unicodedata.is_normalized("NFKC", text) or unicodedata.is_normalized(
        "NFKC", text := _SPACE_RE.sub(" ", text)
    ):
        return text, np.arange(len(text), dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if np.take(_inert(), codes).all():
        # NFKC would only reorder marks the table then deletes (harakat written shadda
        # first, say): the same characters are left, in the same places.
        return text, np.arange(len(text), dtype=np.int64)
    if np.count_nonzero(np.take(_unstable(), codes)) <= _FEW:
        return _nfkc_pieces(text, codes)  # a few odd characters: only their words
    whole = unicodedata.normalize("NFKC", text)
    if len(whole) == len(text):
        # Same white space at the same places: every word kept its length (marks were
        # only reordered, or letters replaced one for one), so the map is the identity.
        table = _table()
        before = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        after = np.frombuffer(whole.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if np.array_equal(table[before] == _SPACE, table[after] == _SPACE):
            return whole, np.arange(len(text), dtype=np.int64)
    return _nfkc_pieces(text)


#: Up to this many characters NFKC may change, only their words are normalised.
_FEW = 64


@lru_cache(maxsize=1)
def _unstable() -> npt.NDArray[np.bool_]:
    """Code points NFKC may change in context: those it changes alone, combining marks
    (reordered), characters that compose with the one before them, and everything
    beyond the BMP (not examined: treated as unstable)."""
    table = np.ones(0x110000, dtype=bool)
    table[:0x10000] = False
    for c in range(0x10000):
        ch = chr(c)
        if unicodedata.combining(ch) or unicodedata.normalize("NFKC", ch) != ch:
            table[c] = True
    table[list(_seconds())] = True
    table[0x1161:0x1176] = True  # Hangul vowel and trailing jamo compose algorithmically
    table[0x11A8:0x11C3] = True
    return table


@lru_cache(maxsize=1)
def _seconds() -> frozenset[int]:
    """Characters that compose with the one before them: the second of a canonical
    decomposition's two (BMP)."""
    out = set()
    for c in range(0x10000):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            out.add(int(parts[1], 16))
    return frozenset(out)


@lru_cache(maxsize=1)
def _inert() -> npt.NDArray[np.bool_]:
    """Code points through which NFKC and then the table give what the table alone
    gives: those NFKC leaves alone (not `_unstable`), and combining marks that NFKC
    only reorders among other marks (they compose with nothing and change on their
    own into nothing) and that the table deletes.

    Where every character of a text is inert, NFKC can only reorder runs of such
    marks (every other non-starter is unstable), which the table then removes.
    """
    table = ~_unstable()
    deleted = _table() == _DELETE
    seconds = _seconds()
    for c in range(0x10000):
        ch = chr(c)
        if (
            unicodedata.combining(ch)
            and deleted[c]
            and unicodedata.normalize("NFKC", ch) == ch
            and c not in seconds
        ):
            table[c] = True
    return table


def _nfkc_pieces(
    text: str, codes: npt.NDArray[np.uint32] | None = None
) -> tuple[str, npt.NDArray[np.int64]]:
    """NFKC of the words holding a character NFKC may change; the others as they are.
    `codes` are the text's code points, when already made."""
    if codes is None:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _table()[codes] == _SPACE
    bad = np.flatnonzero(np.take(_unstable(), codes))
    if space[bad].any():
        return _nfkc_every_piece(text)
    # The word around each such character: from after the space before it to the next.
    spaces = np.concatenate([[-1], np.flatnonzero(space), [len(text)]])
    at = np.searchsorted(spaces, bad)
    starts, ends = spaces[at - 1] + 1, spaces[at]
    # The text as pieces: the stretch before each such word, then the word normalised.
    pieces: list[str] = []
    norms: list[str] = []
    done = 0
    for s, e in sorted(set(zip(starts.tolist(), ends.tolist(), strict=True))):
        pieces += (text[done:s], text[s:e])
        norms += (text[done:s], unicodedata.normalize("NFKC", text[s:e]))
        done = e
    pieces.append(text[done:])
    norms.append(text[done:])
    return _joined(pieces, norms)


def _nfkc_every_piece(text: str) -> tuple[str, npt.NDArray[np.int64]]:
    """NFKC piece by piece (white space runs and words)."""
    pieces = _PIECES.findall(text)
    return _joined(pieces, [unicodedata.normalize("NFKC", p) for p in pieces])


def _joined(pieces: list[str], norms: list[str]) -> tuple[str, npt.NDArray[np.int64]]:
    """The pieces' normalised forms end to end, with the map back to the pieces end to
    end: inside a piece whose length changed, characters map proportionally; the first
    and last characters of every piece map exactly (an unchanged piece maps one to one)."""
    k = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
    m = np.fromiter((len(p) for p in norms), dtype=np.int64, count=len(norms))
    in_start = np.cumsum(k) - k
    out_start = np.cumsum(m) - m
    piece = np.repeat(np.arange(len(pieces)), m)
    pos = np.arange(int(m.sum()), dtype=np.int64) - out_start[piece]
    kk, mm = k[piece], m[piece]
    within = np.where(pos == mm - 1, kk - 1, np.minimum(pos * kk // mm, kk - 1))
    return "".join(norms), in_start[piece] + within


def _pass(text: str) -> tuple[str, npt.NDArray[np.int64]]:
    nfkc, offsets = _nfkc(text)
    codes = np.frombuffer(nfkc.encode("utf-32-le"), dtype=np.uint32)
    mapped = np.take(_table(), codes)
    keep = mapped >= 0
    mapped, offsets = mapped[keep], offsets[keep]
    space = mapped == _SPACE
    prev_space = np.empty_like(space)
    if len(space):
        prev_space[0] = True
        prev_space[1:] = space[:-1]
    keep = ~(space & prev_space)
    if len(keep) and space[keep][-1:].any():
        keep[np.flatnonzero(keep)[-1]] = False
    out = mapped[keep].astype(np.uint32).tobytes().decode("utf-32-le")
    return out, offsets[keep]


def normalise(text: str) -> Normalised:
    """Normalise `text` for matching and map every output character to the original.

    Idempotent: `normalise(normalise(t).text).text == normalise(t).text`.
    Offsets are non-decreasing; `offsets[-1] == len(text)`.

    Args:
        text: the original text.

    Returns:
        The normalised text with its offset map.

    Example:
        >>> n = normalise("قالَ  مُحمّد: «أهلاً»")
        >>> n.text
        'قال محمد: "اهلا"'
        >>> s, e = n.original_span(4, 8)
        >>> "قالَ  مُحمّد: «أهلاً»"[s:e]
        'مُحمّد'
    """
    out, offsets = _pass(text)
    # The table is closed under itself and white space is already collapsed, so a
    # pass whose output is NFKC is a fixed point; deletions can rarely un-normalise.
    while not unicodedata.is_normalized("NFKC", out):
        out, inner = _pass(out)
        offsets = offsets[inner]
    full = np.empty(len(out) + 1, dtype=np.int64)
    full[:-1] = offsets
    full[-1] = len(text)
    return Normalised(out, full)


def normalise_batch(texts: Sequence[str], *, chars: int = 1 << 18) -> list[Normalised]:
    """`normalise` of many texts, equal to `[normalise(t) for t in texts]`: NFKC text by
    text where a text needs it, then the table, the white space and the decoding in a
    few numpy passes over about `chars` characters at once (small enough for the
    arrays to stay in cache; the offset maps are views into one array per pass).

    Example:
        >>> [n.text for n in normalise_batch(["قالَ  مُحمّد", "", " Straße "])]
        ['قال محمد', '', 'straße']
    """
    out: list[Normalised] = []
    lo = 0
    while lo < len(texts):
        hi, size = lo + 1, len(texts[lo])
        while hi < len(texts) and size + len(texts[hi]) <= chars:
            size += len(texts[hi])
            hi += 1
        out += _normalise_chunk(texts[lo:hi])
        lo = hi
    return out


def _normalise_chunk(texts: Sequence[str]) -> list[Normalised]:
    """`normalise_batch` of texts taken in one pass."""
    nfkc: list[str] = []
    changed: dict[int, npt.NDArray[np.int64]] = {}
    for i, text in enumerate(texts):
        if unicodedata.is_normalized("NFKC", text):
            nfkc.append(text)
        else:
            nfkc.append((done := _nfkc(text))[0])
            changed[i] = done[1]
    lengths = np.fromiter(map(len, nfkc), dtype=np.int64, count=len(nfkc))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    codes = np.frombuffer("".join(nfkc).encode("utf-32-le"), dtype=np.uint32)
    mapped = np.take(_table(), codes)
    # Each character's offset in its own text.
    offsets = np.arange(len(codes), dtype=np.int64) - np.repeat(starts, lengths)
    for i, own in changed.items():
        offsets[starts[i] : ends[i]] = own
    keep = mapped >= 0
    upto = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(keep, out=upto[1:])
    first, stop = upto[starts], upto[ends]  # each text's characters after deletion
    mapped, offsets = mapped[keep], offsets[keep]
    # White space collapsed: no space after a space or at the start of a text ...
    space = mapped == _SPACE
    after_space = np.empty_like(space)
    after_space[1:] = space[:-1]
    after_space[first[first < len(space)]] = True
    keep = ~(space & after_space)
    # ... nor at its end (one space at most is left there).
    upto = np.zeros(len(space) + 1, dtype=np.int64)
    np.cumsum(keep, out=upto[1:])
    some = upto[stop] > upto[first]
    last = np.flatnonzero(keep)[upto[stop][some] - 1]
    keep[last[space[last]]] = False
    np.cumsum(keep, out=upto[1:])
    counts = upto[stop] - upto[first]
    out = mapped[keep].astype(np.uint32).tobytes().decode("utf-32-le")
    # Every text's offsets, then its original length, end to end.
    whole = np.empty(len(out) + len(texts), dtype=np.int64)
    tails = np.cumsum(counts + 1) - 1
    inner = np.ones(len(whole), dtype=bool)
    inner[tails] = False
    whole[inner] = offsets[keep]
    whole[tails] = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    result = []
    at = 0
    for count, tail in zip(counts.tolist(), tails.tolist(), strict=True):
        text, full = out[at : at + count], whole[tail - count : tail + 1]
        at += count
        if not unicodedata.is_normalized("NFKC", text):  # rare: see `normalise`
            redo = normalise(text)
            text, full = redo.text, np.append(full[:-1][redo.offsets[:-1]], full[-1])
        result.append(Normalised(text, full))
    return result
