"""The scoring rules of a labelled day (its README), as pure functions.

Nothing here runs the product: every function takes what the product produced
(stories, bullets, cited articles) and the labels, and returns numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# -- rule 4: story grouping, B-cubed over labelled URLs ------------------------------


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float
    urls: int


def bcubed(gold: Mapping[str, str], predicted: Mapping[str, object]) -> BCubed:
    """B-cubed precision/recall/F1 of ``predicted`` (URL -> story) against ``gold`` (URL ->
    event), restricted to the labelled URLs; a URL missing from ``predicted`` (not stored, or
    not given a story) is its own singleton story."""
    urls = list(gold)
    if not urls:
        return BCubed(0.0, 0.0, 0.0, 0)
    story = {u: predicted.get(u, ("singleton", u)) for u in urls}
    in_story = Counter(story.values())
    in_event = Counter(gold.values())
    both = Counter((story[u], gold[u]) for u in urls)
    precision = sum(both[story[u], gold[u]] / in_story[story[u]] for u in urls) / len(urls)
    recall = sum(both[story[u], gold[u]] / in_event[gold[u]] for u in urls) / len(urls)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1, len(urls))


# -- rule 5: key-term coverage ------------------------------------------------------

# Exactly README rule 5: strip diacritics/tashkeel and tatweel; أ إ آ → ا; ة → ه; ى → ي;
# Arabic-Indic digits → 0-9. Diacritics are the Arabic combining marks (U+0610-U+061A,
# U+064B-U+065F, the superscript alef U+0670, the Quranic marks U+06D6-U+06ED).
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي",
                          **{chr(0x0660 + d): str(d) for d in range(10)}})


def normalise_key(text: str) -> str:
    return _MARKS.sub("", text).translate(_LETTERS)


def coverage(key_terms: Sequence[str], summary: Sequence[str]) -> tuple[float, list[str]]:
    """Share of ``key_terms`` found as substrings of the summary sentences (both sides
    normalised); and the terms that were missing."""
    if not key_terms:
        return 1.0, []
    text = "\n".join(normalise_key(s) for s in summary)
    missing = [t for t in key_terms if normalise_key(t) not in text]
    return 1 - len(missing) / len(key_terms), missing


def story_of_event(event_urls: Sequence[str], predicted: Mapping[str, int]) -> int | None:
    """The system story holding most of the event's URLs; on a tie, the story formed first
    (the smallest id). None when none of its URLs has a story."""
    held = Counter(predicted[u] for u in event_urls if u in predicted)
    if not held:
        return None
    return min(held, key=lambda s: (-held[s], s))


# -- bullets: whole sentences, no boilerplate --------------------------------------

FINAL = ".!?؟…"
CLOSERS = "\"'»”’›)]}>"
CLAUSE = "،,؛;:"


def ending(text: str) -> str:
    """How a bullet ends: "final" (sentence-final punctuation . ! ? ؟ …, optionally
    followed by closing quotes or brackets), "clause" (a comma, semicolon or colon: a
    piece of a longer sentence), "dash", or "none" (a letter or digit: no punctuation)."""
    t = text.rstrip()
    while t and (t[-1] in CLOSERS or t[-1].isspace()):
        t = t[:-1]
    if not t:
        return "none"
    last = t[-1]
    if last in FINAL:
        return "final"
    if last in CLAUSE:
        return "clause"
    if last in "-–—":
        return "dash"
    return "none"


def ends_mid_sentence(text: str) -> bool:
    """True when the bullet does not end with sentence-final punctuation."""
    return ending(text) != "final"


# Outlet boilerplate: a bullet that is, or carries, text of the outlet rather than of the
# news. Each pattern is searched in the bullet as stored (normalised Arabic, no tatweel);
# the first that matches names the kind.
_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
_WORD = rf"[^\s:：.!?؟،,\-–—{_DIGITS}]+"  # a word of a byline or dateline: no digits
BOILERPLATE: dict[str, str] = {
    # "رابط الخبر بصحيفة الوئام: ..." and "click here" lines
    "link-line": r"^(رابط (الخبر|المقال|التقرير|المادة)|(اضغط|انقر) هنا)\b",
    "e-mail": r"[\w.+-]+@[\w-]+\.[a-z]{2,}",
    # a URL anywhere in the bullet
    "link": r"https?://|\bwww\.|\b[a-z0-9-]+\.(com|net|org|sa|ae|me|ly|info|gov|edu)(/|\b)",
    # "للتواصل مع الكاتب ارسل رسالة SMS ...", "للتواصل: ...", a Twitter handle line
    "contact": r"^(للتواصل|للاتصال|للمراسلة)(\s|[:：]|$)|تواصل مع الكاتب"
               r"|(^|\s)(أرسل|ارسل)( رسالة)? (SMS|نصية)|(تويتر|twitter)\s*[:：]?\s*@\w+|^@\w+$",
    # a byline or dateline glued before the first sentence, "بدر الجبل- سبق- تبوك: ..." or
    # "سبق- جدة: ...": before the first colon, 2-4 dash-separated parts of 1-3 words each,
    # no digits
    "byline-prefix": rf"^{_WORD}( {_WORD}){{0,2}}\s*[-–—]\s*{_WORD}( {_WORD}){{0,2}}"
                     rf"(\s*[-–—]\s*{_WORD}( {_WORD}){{0,2}}){{0,2}}\s*[:：]",
    "byline": r"^(بقلم|كتب|كتبه|كتبت|تحرير|إعداد|اعداد|تصوير|متابعة|المحرر)\s*[:：\-–—]"
              r"|^بقلم\s",
    "tags": r"^(سمات|وسوم|الوسوم|كلمات (دلالية|مفتاحية)|الكلمات (الدلالية|المفتاحية)|tags)"
            r"(\s|[:：]|$)",
    "source-line": r"^(المصدر|مصدر الخبر)\s*[:：]",
    "lone-number": rf"^[\s{_DIGITS}.,،:)(\-–—/]*$",
    # a dateline alone: "الرياض - واس :", "سبق- جدة" (1-3 words each side of a dash)
    "dateline-alone": rf"^{_WORD}( {_WORD}){{0,2}}\s*[-–—]\s*{_WORD}( {_WORD}){{0,2}}"
                      r"\s*[:：\-–—]?$",
}
_BOILERPLATE = {name: re.compile(p, re.I) for name, p in BOILERPLATE.items()}


def boilerplate_kind(text: str) -> str | None:
    """The first boilerplate pattern the bullet matches, or None for news text."""
    t = text.strip()
    for name, pattern in _BOILERPLATE.items():
        if pattern.search(t):
            return name
    return None


# -- rules 6 and 7: questions -------------------------------------------------------


@dataclass(frozen=True)
class QuestionScores:
    answerable: int
    hit1_strict: float
    hit3_strict: float
    hit1_lenient: float
    hit3_lenient: float
    nothing_found: float  # share of answerable questions answered "nothing found"
    unanswerable: int
    honest: float  # share of unanswerable questions answered "nothing found"


def hits(cited: Sequence[str], good: set[str], k: int) -> bool:
    return any(u in good for u in cited[:k])


def score_questions(answerable: Sequence[tuple[Sequence[str], set[str], set[str]]],
                    unanswerable: Sequence[Sequence[str]]) -> QuestionScores:
    """``answerable``: (cited URLs in order, urls, any_urls) per question; ``unanswerable``:
    the cited URLs per question. No citation = "nothing found"."""
    n = len(answerable) or 1

    def share(k: int, lenient: bool) -> float:
        return sum(hits(c, (a | u) if lenient else u, k) for c, u, a in answerable) / n

    return QuestionScores(
        answerable=len(answerable),
        hit1_strict=share(1, False), hit3_strict=share(3, False),
        hit1_lenient=share(1, True), hit3_lenient=share(3, True),
        nothing_found=sum(not c for c, _, _ in answerable) / n,
        unanswerable=len(unanswerable),
        honest=sum(not c for c in unanswerable) / (len(unanswerable) or 1))
