"""What a story's new articles add to what its earlier articles said.

A story goes on across days: the next morning's print editions carry yesterday's online
reports again, lightly edited (another dateline, a title added, a word changed), and
only now and then a new fact (the count of the injured rose, a second statement). A
digest that tells a continuing story by its new articles alone still repeated
yesterday's news, in other outlets' words. So a new article's sentence that says what an
earlier article of the story said (``redundancy`` containment at or above the story's
``duplicate_similarity``, with no number the earlier sentence lacks: "15 injured" after
"12 injured" is news) is not a candidate; what is left is the story's news. A story
whose new articles say nothing new is a repeat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .models import Sentence
from .redundancy import containment, signature

# A number: digits, with thousands groups (1,234,567 · 1،234 · 1٬234) or a decimal part
_NUMBER = re.compile(r"\d+(?:[,،٬]\d{3}(?!\d))+|\d+(?:[.٫]\d+)?")
_GROUPS = re.compile("[,،٬]")
_DIGITS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)},
                         **{chr(0x06F0 + d): str(d) for d in range(10)}})


def numbers(text: str) -> frozenset[str]:
    """The numbers a sentence states (any script's digits), leading zeros off, thousands
    groups joined ("375526840"), decimals with a point ("375.5"); a grouped number also
    gives its leading group as ">375", so that a rounding of it ("375.5 million") is not
    taken for a new figure."""
    out: set[str] = set()
    for n in _NUMBER.findall(text.translate(_DIGITS)):
        if _GROUPS.search(n):
            out.add(">" + (_GROUPS.split(n)[0].lstrip("0") or "0"))
        n = _GROUPS.sub("", n).replace("٫", ".")
        out.add(n.lstrip("0") or "0" if "." not in n else n.lstrip("0") or n)
    return frozenset(out)


def new_figures(mine: frozenset[str], told: frozenset[str]) -> bool:
    """Does a sentence of numbers ``mine`` state a figure the ``told`` numbers lack (a
    rounded "375.5" of a told "375,526,840" is not new)?"""
    return any(n not in told and ">" + n.split(".")[0] not in told
               for n in mine if not n.startswith(">"))


@dataclass(frozen=True)
class _Told:
    grams: frozenset[str]
    numbers: frozenset[str]


@dataclass(frozen=True)
class News:
    sentences: dict[int, list[Sentence]]  # the new articles' sentences that are news
    repeated: int  # sentences left out as said before
    anything: bool  # a new sentence (of an article with no body, its headline)


def news(fresh: Mapping[int, Sequence[Sentence]], earlier: Mapping[int, Sequence[Sentence]],
         threshold: float) -> News:
    """``fresh`` (article -> its sentences) without the sentences its ``earlier`` articles
    said; a headline (position 0) is kept for its article's place in the story (it is
    never a bullet) unless it is all the article has and it was said before."""
    told = [_Told(signature(s.text_src), numbers(s.text_src))
            for ss in earlier.values() for s in ss]
    told = [t for t in told if t.grams]
    out: dict[int, list[Sentence]] = {}
    repeated, anything = 0, False
    for article, ss in fresh.items():
        kept = []
        for s in ss:
            counts = s.position > 0 or len(ss) == 1  # a body sentence, or a brief's headline
            if counts and _said(s, told, threshold):
                repeated += 1
                continue
            kept.append(s)
            anything = anything or counts
        if kept:
            out[article] = kept
    return News(out, repeated, anything)


def _said(s: Sentence, told: Sequence[_Told], threshold: float) -> bool:
    grams = signature(s.text_src)
    if not grams:
        return False
    mine = numbers(s.text_src)
    return any(not new_figures(mine, t.numbers) and containment(grams, t.grams) >= threshold
               for t in told)
