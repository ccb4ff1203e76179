"""Hypothesis strategies: news-like text in Arabic and Latin scripts."""

from __future__ import annotations

from hypothesis import strategies as st

ARABIC_LETTERS = "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىةٱ"
ARABIC_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"
PUNCT = "،؛؟.,!?\"'«»“”-—:()"
DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲"

arabic_word = st.text(alphabet=ARABIC_LETTERS + ARABIC_MARKS, min_size=1, max_size=8)
latin_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßİ", min_size=1, max_size=8
)
separator = st.sampled_from(
    [" ", "  ", "\n", "\n\n", "\u00a0", "\t", ", ", "، ", ". ", " « ", "» "]
)

#: Any Unicode at all, for invariants that must hold on every input.
any_text = st.text(max_size=200)

word = st.one_of(arabic_word, latin_word, st.text(alphabet=DIGITS + PUNCT, min_size=1, max_size=4))
news_text = st.lists(st.tuples(word, separator), max_size=60).map(
    lambda parts: "".join(w + s for w, s in parts)
)
words_list = st.lists(
    st.text(alphabet=ARABIC_LETTERS, min_size=2, max_size=7), min_size=12, max_size=80
)
