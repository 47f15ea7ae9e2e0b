"""Arabic terms for matching: a light stemmer, stop words, the terms of a text.

The API is small on purpose (story grouping, summaries and answers share it):

* ``stem(word)``: the light stem of one word (folded first, so raw words are fine);
* ``terms(text)``: the stems of a text's content words, in order (stop words, one-letter
  words and bare numbers left out); ``numbers=True`` keeps numbers of two digits or more;
* ``stop_words()``: Arabic (folded) and English stop words;
* ``ordinals(text)``: the ordinal numbers ("first" ... "tenth") a text names as words.

The stemmer is a "light" one (in the manner of Larkey's Light10): it removes what is
attached to a word, never touches the root pattern, and always leaves at least three
letters, so it neither merges unrelated short words (Snowball takes سكان and سكاكا both to
سكا) nor splits one word's forms (قانون / قانونا, أمريكا / الأمريكي / الأمريكية):

1. one layer of proclitics: a conjunction و/ف, a preposition ب/ك/ل, the article ال
   (وال بال كال فال لل ...); a bare ب/ك/ل/ف is removed only from a long word, since it
   starts many stems (بريطانيا, لبنان, فلسطين);
2. up to two suffixes, longest first: pronouns (ها هم هما كم نا ه), plurals and duals
   (ات ون ين ان), the nisba (ي يه يين يون, so الأمريكي ~ أمريكا), ة (folded to ه) and the
   tanween alef (قانونا -> قانون).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import fold, words

MIN_STEM = 3  # letters a stem always keeps

# The article with what may precede it, longest first.
_ARTICLE = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_CONJUNCTION = ("و", "ف")
_PREPOSITION = ("ب", "ك", "ل")
# suffix -> letters the stem must keep after removing it
_SUFFIXES: tuple[tuple[str, int], ...] = tuple(sorted((
    ("هما", 3), ("يين", 3), ("يون", 3), ("تين", 4), ("تان", 4),
    ("ها", 3), ("هم", 3), ("هن", 3), ("كم", 3), ("ات", 3), ("ون", 5), ("ين", 5),
    ("ان", 5), ("يه", 3), ("يا", 3),
    ("ه", 3), ("ي", 3), ("ا", 3),
), key=lambda kv: -len(kv[0])))
# Ordinal words (folded; masculine and feminine, bare or with the article) -> number.
_ORDINALS = {
    f"{article}{stem}{ending}": n
    for n, stem in enumerate(("اول", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن",
                              "تاسع", "عاشر"), start=1)
    for article in ("", "ال")
    for ending in (("", "ي") if n == 1 else ("", "ه"))
}
_NOT_ARABIC = re.compile("[^\u0621-\u064a]")
_DIGITS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)},
                         **{chr(0x06F0 + d): str(d) for d in range(10)}})


def _strip_prefix(word: str) -> str:
    for article in _ARTICLE:
        if word.startswith(article) and len(word) - len(article) >= MIN_STEM - 1:
            return word[len(article):]
    if word[:1] == "و" and len(word) - 1 >= MIN_STEM + 1:
        return word[1:]
    return word


def _strip_suffixes(word: str) -> str:
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    # a nisba left under a plural or feminine ending: الأمريكيين -> امريكي -> امريك
    if word.endswith("ي") and len(word) - 1 >= MIN_STEM:
        word = word[:-1]
    return word


@lru_cache(maxsize=300_000)
def stem(word: str) -> str:
    """The light stem of one word (folded first: raw text words are fine)."""
    folded = "".join(fold(word).split()).translate(_DIGITS)
    if not folded or _NOT_ARABIC.search(folded):
        return folded  # Latin words, numbers, mixed tokens: as folded
    return _strip_suffixes(_strip_prefix(folded))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Arabic stop words (folded, and their stems) and English ones."""
    from sumy.utils import get_stop_words

    arabic = {fold(w) for w in get_stop_words("arabic")}
    return frozenset(arabic) | frozenset(get_stop_words("english"))


def terms(text: str, numbers: bool = False) -> list[str]:
    """Stems of the content words of ``text`` in order; numbers (2+ digits) if asked."""
    stops = stop_words()
    out = []
    for w in words(text):
        if w in stops or len(w) < 2:
            continue
        if w.isdigit():
            if numbers:
                out.append(w.translate(_DIGITS))
            continue
        out.append(stem(w))
    return out


def ordinals(text: str) -> frozenset[int]:
    """The ordinals a text names as words: "أول طائرة" -> {1}, "الطائرة الثالثة" -> {3}.
    Two headlines that number different steps (the first relief plane, the second) report
    two events of one kind."""
    return frozenset(n for w in words(text) if (n := _ORDINALS.get(w)) is not None)
