"""Paragraphs and sentences, as character spans of the original text."""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")
#: A sentence ends at . ! ? ؟ ؛ … (and any closing quotes or brackets after them) followed
#: by white space, or at a line break. A full stop after a lone capital (an initial, "U.S.")
#: or between digits does not end a sentence. (The first mark comes first in the pattern,
#: its look-behinds after it: the engine then skips ahead to candidate characters.)
_MARK = r"""[.!?؟؛…](?<![\s.][A-Z][.!?؟؛…])(?<!^[A-Z][.!?؟؛…])[.!?؟؛…]*["'”’»)\]]*(?=\s)"""
_SENTENCE_END = re.compile(rf"(?:\n|{_MARK})")
#: The marks alone: a pattern that starts with one character class, which the engine
#: scans about twice as fast as the alternation.
_MARK_END = re.compile(_MARK)


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of blank-line separated paragraphs, white space trimmed.

    Example:
        >>> t = "First para.\\n\\nSecond para\\nstill second."
        >>> [t[s:e] for s, e in paragraphs(t)]
        ['First para.', 'Second para\\nstill second.']
    """
    return _split(text, _PARAGRAPH_BREAK, keep_break=False)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences, white space trimmed, in order; together they cover every
    non-space character of `text`.

    Example:
        >>> t = 'قال كيري: "نعم". هل توافق؟ U.S. Secretary John Kerry spoke.\\nسطر جديد'
        >>> [t[s:e] for s, e in sentences(t)]
        ['قال كيري: "نعم".', 'هل توافق؟', 'U.S. Secretary John Kerry spoke.', 'سطر جديد']
    """
    return _split(text, _SENTENCE_END, keep_break=True)


def sentence_breaks(text: str) -> list[int]:
    """Offsets where a sentence may start: 0 and the end of every sentence break. Each
    sentence of `sentences` starts at one of them, after white space only.

    The ends of `_SENTENCE_END`'s matches, found as line breaks and marks apart: a
    mark's match holds marks, quotes and brackets only, never a line break, so the
    two kinds never overlap and each is found as the whole pattern finds it.

    Example:
        >>> sentence_breaks("One. Two?\\n\\nThree")
        [0, 4, 9, 10, 11]
    """
    ends = [m.end() for m in _MARK_END.finditer(text)]
    at = text.find("\n")
    if at < 0:
        return [0, *ends]
    lines = []
    while at >= 0:
        lines.append(at + 1)
        at = text.find("\n", at + 1)
    return [0, *sorted(ends + lines)]


def _split(text: str, breaks: re.Pattern[str], *, keep_break: bool) -> list[tuple[int, int]]:
    """Trimmed, non-empty spans between matches of `breaks` (with the match itself
    kept at the end of the span before it when `keep_break`)."""
    out, start = [], 0
    for m in breaks.finditer(text):
        span = _strip(text, start, m.end() if keep_break else m.start())
        if span:
            out.append(span)
        start = m.end()
    span = _strip(text, start, len(text))
    if span:
        out.append(span)
    return out
