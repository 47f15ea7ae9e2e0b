"""Outlet boilerplate, learned from the outlet's own articles and removed at ingest.

Every outlet wraps its news in its own furniture: a dateline glued to the first sentence
("بدر الجبل- سبق- تبوك: ..."), a link line after the last one ("رابط الخبر بصحيفة
الوئام: ..."), a tag line ("سمات ..."), a columnist's contact block. No hand list keeps
up with them, but they give themselves away: they recur, at the same place, across many
articles of ONE outlet, where news sentences do not.

So each article leaves a *sample*: the shapes (digits generalised) of its short
unpunctuated lines, the first words of its first and last sentences, and the parts of a
dateline at its start. A shape is boilerplate for an outlet when it is seen in at least
``ingest.learn_min_articles`` of the outlet's recent articles (short lines) and, for the
first and last words, also in ``ingest.learn_share`` of them; dateline parts seen that
often (``سبق``, ``عين اليوم``) name the outlet. Samples of the last ``ingest.learn_window``
articles per outlet are kept in the store, and a batch is learned together with them
before it is stored, so a first run learns from its own batch.

Besides what is learned, some lines are boilerplate in any outlet: a bare URL or e-mail
address, a contact line ("للتواصل مع الكاتب ...", and what follows it at the end), a line
without letters (a lone list number). A news sentence that mentions a website or an
e-mail address is news, and stays.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .config import IngestConfig
from .outlets import AGENCIES, Outlets
from .store import Store
from .text import fold, has_letters

SHORT = 8  # words: a line this short without final punctuation is a label, not a sentence
HEAD_WORDS = 4  # leading words of first/last sentences that are sampled
EDGE = 2  # sentences sampled at each end of an article
_FINAL = re.compile(r"[.!?؟…][\"'»”’)\]]*$")
_DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+")
# The address patterns run on whole lines of outside text, so each is linear in the line:
# a match starts only where its run of address characters starts (the lookbehind) and takes
# the run whole (possessive, atomic), since a start inside the run finds the same "@" or
# "." there. The greedy forms tried every start and re-read the run from it: a 40,000-letter
# line took seconds, a 300,000-character one minutes.
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+", re.I)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
# (has_link's: from the run's start, through its first word boundary, where `\b[a-z0-9-]+`
# began; whether a line holds one is unchanged, the match may start a few characters sooner)
DOMAIN = re.compile(r"(?<![a-z0-9-])(?>[a-z0-9-]*?\b)[a-z0-9-]++"
                    r"\.(?:com|net|org|gov|edu|info|sa|ae|me|ly)(?:/|\b)", re.I)
_EDGE_PUNCT = " \t.:：-–—|*•·،,؛;()[]"
_SENTENCE_END = re.compile(r"(?<=[.!?؟…])\s+")
# A dateline: up to three dash-separated parts of one to three words, then ":" (or alone).
_DASH = re.compile(r"(?:(?<!\s)\s++)?[-–—]++\s*+")  # linear: spaces from their run's start
_WORD = r"[^\s:：.!?؟،,\-–—0-9\u0660-\u0669]+"  # a word of a dateline: no digits
_PART = re.compile(rf"{_WORD}(?: {_WORD}){{0,2}}")
# (the leading marks and spaces taken whole, or the head is a mark right before the colon:
# "• :"; giving them back one by one re-read a run of spaces from each, for minutes)
_HEAD = re.compile(r"^[*•·\s]*+([^:：.!?؟،\n]{1,80}?)\s*+[:：]\s*|^[*•·\s]*([*•·\s])[:：]\s*")
# Contact lines of columnists and outlets: "للتواصل مع الكاتب ارسل رسالة SMS ...".
_CONTACT = re.compile(
    r"^(للتواصل|للاتصال|للمراسلة|لمراسلة الكاتب|تواصل مع الكاتب)(\s|[:：]|$)"
    r"|^(e-?mail|twitter|تويتر|البريد الإلكتروني|البريد الالكتروني)\s*[:：]", re.I)
CONTACT_WORDS = 12  # an unpunctuated line this short after a contact line continues it


def shape(text: str) -> str:
    """A line's form with what varies between articles generalised: digits, links and
    addresses; spacing and edge punctuation do not count."""
    text = URL.sub("<url>", EMAIL.sub("<email>", text))
    return " ".join(_DIGITS.sub("0", text).split()).strip(_EDGE_PUNCT)


def is_sentence(text: str) -> bool:
    return bool(_FINAL.search(text.rstrip()))


def is_label(line: str) -> bool:
    """A short line without final punctuation: a dateline, a byline, a tag or nav line."""
    return len(line.split()) <= SHORT and not is_sentence(line)


def heads(text: str) -> list[str]:
    """The sentence's first 1..HEAD_WORDS words, generalised."""
    words = shape(" ".join(text.split(None, HEAD_WORDS + 1)[:HEAD_WORDS + 1])).split()
    return [" ".join(words[:n]) for n in range(1, min(HEAD_WORDS, len(words)) + 1)]


def dateline_head(text: str) -> tuple[int, list[str]] | None:
    """(length of the head to strip, its parts) when the sentence opens with a dateline:
    "A- B- C: ..." or "A - B" alone."""
    m = _HEAD.match(text)
    head = (m[1] or m[2]) if m else text.strip(_EDGE_PUNCT)
    if not m and (len(head.split()) > 6 or is_sentence(text)):
        return None
    parts = [p.strip("«»\"'“”() ") for p in _DASH.split(head.strip(" -–—"))]
    if not 1 <= len(parts) <= 3 or not all(_PART.fullmatch(p) for p in parts):
        return None
    return (m.end() if m else len(text)), parts


def edges(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """The first and last EDGE sentences of an article (a cheap split: enough to sample)."""
    first = [s for line in lines[:EDGE] for s in _SENTENCE_END.split(line) if s.strip()]
    last = [s for line in lines[-EDGE:] for s in _SENTENCE_END.split(line) if s.strip()]
    return first[:EDGE], last[-EDGE:]


def sample(lines: Sequence[str]) -> frozenset[str]:
    """What one article (its normalised, non-empty lines) says about its outlet's furniture."""
    keys = {"L" + shape(line) for line in lines if is_label(line) and shape(line)}
    first, last = edges(lines)
    for s in first:
        keys.update("A" + h for h in heads(s))
        found = dateline_head(s)
        if found and len(found[1]) > 1:
            keys.update("P" + fold(p) for p in found[1])
    for s in last:
        keys.update("Z" + h for h in heads(s))
    return frozenset(keys)


@dataclass(frozen=True)
class Learned:
    """One outlet's boilerplate."""

    lines: frozenset[str] = frozenset()  # shapes of short label lines
    leads: frozenset[str] = frozenset()  # first words of an article's first sentences
    tails: frozenset[str] = frozenset()  # first words of its last sentences
    marks: frozenset[str] = frozenset()  # dateline parts that name the outlet (folded)
    articles: int = 0  # how many articles it was learned from

    def patterns(self) -> list[tuple[str, str]]:
        return sorted([("line", x) for x in self.lines] + [("lead", x) for x in self.leads]
                      + [("tail", x) for x in self.tails] + [("mark", x) for x in self.marks])


def learn(samples: Iterable[frozenset[str]], min_articles: int, share: float) -> Learned:
    counts: Counter[str] = Counter()
    n = 0
    for keys in samples:
        counts.update(keys)
        n += 1
    common = max(min_articles, math.ceil(share * n))
    found: dict[str, set[str]] = {"L": set(), "A": set(), "Z": set(), "P": set()}
    for key, c in counts.items():
        if c >= (min_articles if key[0] == "L" else common):
            found[key[0]].add(key[1:])
    return Learned(frozenset(found["L"]), frozenset(found["A"]), frozenset(found["Z"]),
                   frozenset(found["P"]), n)


def has_link(text: str) -> bool:
    """Whether the text holds a web or e-mail address: a URL, "www.", an address, or a
    bare domain ("uksacb.org/ssc9")."""
    return any(p.search(text) for p in (URL, EMAIL, DOMAIN))


def junk_line(line: str) -> bool:
    """Boilerplate in any outlet: a bare link or address, a line without letters."""
    if not has_letters(line):
        return True
    if "@" not in line and "http" not in line and "www" not in line.lower():
        return False
    rest = EMAIL.sub(" ", URL.sub(" ", line))
    return rest != line and len(rest.split()) <= 3 and not is_sentence(line)


@dataclass
class Remover:
    """Removes one outlet's learned boilerplate, and what is boilerplate anywhere."""

    learned: Learned = field(default_factory=Learned)
    names: frozenset[str] = frozenset()  # outlets' Arabic names (folded): dateline parts
    own: frozenset[str] = frozenset()  # this outlet's own names (folded)

    @staticmethod
    def general_lines(lines: list[str]) -> list[str]:
        """Without links, addresses, lines without letters, and contact lines with the
        unpunctuated lines that continue them ("تبدأ بالرمز (12) ثم مسافة", "88591 - Stc")."""
        out: list[str] = []
        contact = False
        for line in lines:
            if _CONTACT.search(EMAIL.sub("", line).strip()):
                contact = True
                continue
            contact = contact and not is_sentence(line) and len(line.split()) <= CONTACT_WORDS
            if not contact and not junk_line(line):
                out.append(line)
        return out

    def learned_lines(self, lines: list[str]) -> list[str]:
        return [x for x in lines if not (is_label(x) and shape(x) in self.learned.lines)]

    def sentences(self, sentences: list[str], byline: str | None = None
                  ) -> tuple[list[str], str | None]:
        """Sentences without datelines glued to them, learned lead/tail furniture and junk;
        and the place a stripped dateline named (or None)."""
        place: str | None = None
        out: list[str] = []
        for i, s in enumerate(sentences):
            if i == 0 and byline:
                s = strip_repeated(s, byline)
            s, where = self._dateline(s, first=i == 0)
            place = place or where
            if not s or junk_line(s):
                continue
            if i < EDGE and is_label(s) and any(h in self.learned.leads for h in heads(s)):
                continue
            out.append(s)
        for _ in range(EDGE):
            # a learned tail, with the rest of its line when the headline it repeats was cut
            # at its own "..": "رابط الخبر بصحيفة الوئام: بالصور .." + "مقتل 36 في غرق عبارة"
            # (what follows has no final punctuation, or is too short to be news: a
            # headline's end, "خطبة الجمعة.." + "والسيلفي!!")
            cut = next((i for i in range(max(0, len(out) - EDGE), len(out))
                        if self._tail(out[i]) and _headline_end(out[i + 1:])), None)
            if cut is None:
                break
            del out[cut:]
        return out, place

    def _tail(self, s: str) -> bool:
        found = [h for h in heads(s) if h in self.learned.tails]
        return bool(found) and (not is_sentence(s) or any(h.endswith(":") for h in found))

    def _dateline(self, s: str, first: bool) -> tuple[str, str | None]:
        """The sentence without the dateline it opens with, and the place that dateline
        names: the part after the first part that names an outlet or agency ("NAME- سبق-
        تبوك", "واس - جدة"), unless that is an outlet or agency too."""
        found = dateline_head(s)
        if found is None:
            return s, None
        end, parts = found
        folded = [fold(p) for p in parts]
        marks = self.learned.marks | self.own | (self.names if first else frozenset())
        hits = [i for i, p in enumerate(folded) if p in marks]
        if not hits and len(parts) > 1 and end < len(s):  # "لندن - سيول: «الشرق الأوسط» ذكرت"
            m = re.match(r"\s*([«\"“]?)([^»\"”:]{2,30})([»\"”])\s*[:：]?\s*", s[end:])
            if m and m.group(1) and fold(m.group(2)) in marks:
                return s[end + m.end():].strip(), parts[0]
        if not hits or (len(parts) == 1 and not first):
            return s, None
        after = hits[0] + 1
        place = parts[after] if after < len(parts) and folded[after] not in \
            self.own | AGENCIES else None
        return s[end:].strip(), place


def _headline_end(rest: list[str]) -> bool:
    """Whether what follows a learned tail is the rest of the headline it repeats: no
    sentence, or fewer words than a sentence has."""
    return not any(map(is_sentence, rest)) or sum(len(x.split()) for x in rest) <= SHORT


def strip_repeated(s: str, byline: str) -> str:
    """The byline the source gave, repeated at the start of the text ("سبق- جدة: ...")."""
    b = byline.strip(_EDGE_PUNCT)
    if not b or len(b) >= len(s) or not s.startswith(b):
        return s
    rest = s[len(b):]
    if not (byline.rstrip().endswith((":", "：", "-", "–", "—"))
            or rest.lstrip().startswith((":", "：", "-", "–", "—"))):
        return s  # a sentence that opens with the author's name
    return rest.lstrip(" \t.:：-–—|*•·،,؛;")


class Learner:
    """Each outlet's boilerplate, learned from its recent stored samples plus a batch about to
    be stored; the batch's samples are remembered once its articles are stored."""

    def __init__(self, store: Store | None, cfg: IngestConfig, outlets: Outlets) -> None:
        self.store, self.cfg, self.outlets = store, cfg, outlets
        self.learned: dict[str, Learned] = {}
        self._names = outlets.arabic_names()

    def learn(self, batch: Mapping[str, list[frozenset[str]]]) -> None:
        """``batch``: outlet -> samples of its new articles."""
        if not self.cfg.learn_boilerplate:
            return
        for outlet, samples in batch.items():
            stored = self.store.outlet_samples(outlet, self.cfg.learn_window) \
                if self.store else []
            self.learned[outlet] = learn([*map(frozenset, stored), *samples],
                                         self.cfg.learn_min_articles, self.cfg.learn_share)

    def remover(self, outlet: str | None) -> Remover:
        own = self.outlets.get(outlet) if outlet else None
        return Remover(self.learned.get(outlet or "", Learned()), self._names,
                       frozenset([fold(own.ar)]) if own else frozenset())

    def remember(self, added: Sequence[tuple[int, str, frozenset[str]]]) -> None:
        """(article id, outlet, sample) of the stored articles, and what was learned."""
        if not self.cfg.learn_boilerplate or not added or self.store is None:
            return
        outlets = {o for _, o, _ in added}
        self.store.save_outlet_samples(
            added, {o: (self.learned[o].articles, self.learned[o].patterns())
                    for o in outlets if o in self.learned}, self.cfg.learn_window)
