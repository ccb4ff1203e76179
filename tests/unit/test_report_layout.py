"""The terminal table's layout: column widths and wrapped side-by-side passages."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from dedup.report import clip, side_by_side, width, wrap


def _columns(text: str) -> int:
    """Columns as the table defines them, one character at a time."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _wrap(text: str, cols: int) -> list[str]:
    """Wrapping by its definition: each word joins the line while the line fits."""
    out: list[str] = []
    line = ""
    for word in text.split():
        cand = f"{line} {word}" if line else word
        if _columns(cand) <= cols:
            line = cand
            continue
        if line:
            out.append(line)
        line = clip(word, cols)
    if line:
        out.append(line)
    return out or [""]


#: Words of Arabic letters and harakat, Latin, wide CJK and a zero-width joiner,
#: between runs of white space.
_WORD = st.text(
    alphabet=st.sampled_from(list("كتبالمصدرًٌٍَُِّabcXYZ漢字カナ\u200d")), min_size=1, max_size=7
)
_TEXT = st.lists(st.tuples(_WORD, st.sampled_from([" ", "  ", "\u00a0", "\n"])), max_size=30).map(
    lambda parts: "".join(w + sep for w, sep in parts)
)


@given(_TEXT)
def test_width_counts_marks_zero_and_wide_characters_two(text: str) -> None:
    assert width(text) == _columns(text)


def test_width_of_known_strings() -> None:
    assert width("") == 0
    assert width("abc") == 3
    assert width("كَتَبَ") == 3  # three letters, three fathas
    assert width("漢字") == 4
    assert width("a\u200db") == 2


@given(_TEXT, st.integers(min_value=1, max_value=30))
def test_wrap_fills_lines_as_its_definition(text: str, cols: int) -> None:
    lines = wrap(text, cols)
    assert lines == _wrap(text, cols)
    assert all(width(x) <= cols for x in lines)


def test_side_by_side_pads_the_left_column() -> None:
    left = "قال المتحدث باسم البيت الأبيض جوش إرنست"
    rows = side_by_side(left, "short", cols=12)
    assert all(r.index("|") == 13 for r in rows)  # every left part padded to 12 columns
    assert [r.split("|")[0].rstrip() for r in rows] == wrap(left, 12)
    assert rows[0].endswith("| short")
