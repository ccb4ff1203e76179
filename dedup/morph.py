"""Light morphology for passage matching: Arabic affix stripping, skeletons, stopwords.

Works on normalised tokens (see `dedup.normalise`): alef variants are already ا, ة is
ه, ى is ي. Latin tokens are left as they are (they are casefolded already).
"""

from __future__ import annotations

from functools import lru_cache

_ARABIC = range(0x0621, 0x064B)

#: Article and conjunction prefixes, longest first (Larkey's light10 and a few more).
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
#: Attached pronouns, then inflections (plural, dual, nisba, ة as ه), longest first.
_PRONOUNS = ("هما", "كما", "ها", "هم", "هن", "كم", "نا")
_INFLECTIONS = ("تين", "تان", "ان", "ات", "ون", "ين", "يه", "يا", "ه", "ي")
#: Letters that transliterations of foreign names swap (g as ج غ ق ك, t as ت ط, s as س ص …),
#: and long vowels and hamza dropped, in one pass (no letter maps to one of those).
_SKELETON = str.maketrans(
    {"غ": "ج", "ق": "ج", "ك": "ج", "ط": "ت", "ص": "س", "ث": "س", "ض": "د", "ذ": "ز", "ظ": "ز"}
    | dict.fromkeys("اويء")
)

_STOPWORD_TEXT = """
في من الي علي عن ان او ثم مع قد لا لم لن ما لا هذا هذه ذلك تلك التي الذي الذين اللذين هو
هي هم هن انه انها كان كانت يكون تكون بين حتي عند بعد قبل خلال حول ضد دون كل بعض اي غير
اذا اذ لكن بل كما ايضا فقط منذ وقد وان وفي ومن وهو وهي ولا به بها له لها فيه فيها منه
منها عليه عليها اليه اليها عنه عنها حيث وقال قال قالت وقالت اليوم امس the a an of and or
to in on at for by with from as is are was were be been it its this that these those he
she they we you his her their our not no but if than then so said says
"""
#: Normalised Arabic and English function words: they align but count little.
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def is_arabic(word: str) -> bool:
    """True when the word's first letter is in the Arabic block."""
    return bool(word) and ord(word[0]) in _ARABIC


def _strip_conjunction(word: str) -> str:
    return word[1:] if len(word) > 3 and word[0] in "وف" else word


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Strip conjunctions, one article or preposition, a pronoun and an inflection.

    Keeps at least two letters. Consistency matters more than linguistics here: the
    same surface variants (و-, ال-, ل-, -ها, -ات …) must meet at the same stem.

    Example:
        >>> [stem(w) for w in ["والولايات", "الولايات", "عملياتها", "عمليات", "لروسيا", "روسي"]]
        ['لاي', 'لاي', 'عملي', 'عملي', 'روس', 'روس']
        >>> stem("وزير") == stem("الوزير"), stem("kerry")
        (True, 'kerry')
    """
    if not is_arabic(word):
        return word
    word = _strip_conjunction(word)
    # Each list is tried only when one of its affixes is there at all (one C call
    # rules most words out); then in order, as the rule says.
    for p in _PREFIXES if word.startswith(_PREFIXES) else ():
        if word.startswith(p) and len(word) - len(p) >= 2:
            word = _strip_conjunction(word[len(p) :])
            break
    else:
        if len(word) > 4 and word[0] in "بلك":
            word = word[1:]
    for group in (_PRONOUNS, _INFLECTIONS):
        for s in group if word.endswith(group) else ():
            if word.endswith(s) and len(word) - len(s) >= 2:
                word = word[: -len(s)]
                break
    return word


@lru_cache(maxsize=1 << 18)
def skeleton(stemmed: str) -> str:
    """A key that transliteration variants share: first letter kept, long vowels
    dropped, g/t/s-like letters merged.

    Example:
        >>> skeleton(stem("ارنست")) == skeleton(stem("ايرنست"))
        True
        >>> skeleton("سيرجي") == skeleton("سيرغي")
        True
    """
    if not is_arabic(stemmed) or len(stemmed) < 3:
        return stemmed
    return stemmed[0] + stemmed[1:].translate(_SKELETON)
