"""Ranking passages for a question, and how sure the best ones are.

A question term matches a sentence fully when the sentence holds it, partly when a
neighbouring sentence of the same article does (the passage), when the article's headline
or first sentence does (what the article is about), or anywhere in the article; a related
form of the word (same root, shared letters: ستلزم / الزامي) counts ``RELATED`` of that,
as does a country for a capital that acts in the question, and the reverse ("what did
Manama do" / "Bahrain recalled its envoy"; ``places.stands_for``). A country's other
names and adjectives match as the word itself (الأفغانية / أفغانستان; ``places.same_country``).
Sentences are ranked by the share of the question's weight they cover this way, plus the
share their article's headline and lead cover, plus BM25 over the sentence alone (which
rewards the sentence that says it most directly).

Confidence is the share of the question's *importance* the best passage covers. A term's
importance is its rarity (IDF over the window's articles) times how much it is about
something: terms that recur within the articles that use them (names, places, topics)
count, a rare verb form of the question ("intends", "landed") barely does (Church & Gale's
burstiness). Both are shares of the question, so they mean the same with one day stored or
a month. A passage whose article never names the question's most important term (its name,
place or organisation) is less sure (``OFF_TOPIC``), and so is one whose article never
names the place the question names (``ELSEWHERE``; ``places`` knows countries and their
cities), and so is a passage deep in its article (``DEEP``: the news is in the headline and
lead; a sentence far into the article is most often background). "How many / when / who won
/ what sentence" questions prefer passages holding a number / a time / an outcome (won,
lost, a score, a verdict).

Agreement then moves the confidence (``agreement``): other outlets' reports of a passage's
story that the question finds nearly as surely make it surer, and best matches spread over
several stories make every passage less sure (the question most often asks for a detail none
of them reports). The best articles are then re-ranked by corroboration (``corroborated``):
a passage whose story has other articles the question finds almost as well ranks higher, as
a fact several reports carry is more likely the news asked about than one article's aside. A
question that asks what came of something is less sure (``PENDING``) of a passage that tells
of it as still to come (``not_yet``; ``answer_kinds`` finds both).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .answer_index import Side

RELATED = 0.6  # a related word form's share of a match
SIMILAR = 0.5  # least letter-pair similarity of a related form
NEIGHBOUR, LEAD, ARTICLE = 0.7, 0.9, 0.3  # match found next to the sentence, in the
LEAD_POSITION = 1  # headline (0) or first sentence, elsewhere in the article
HEADLINE_WEIGHT, BM25_WEIGHT = 0.4, 0.5
K1, B = 1.2, 0.75
COMMON = 0.2  # question terms in more of the window's articles than this share are dropped
FEW = 10  # ... unless they are in this many articles or fewer: in a small window (a first
# day's handful of articles) every word is in a large share, and the share means nothing
NOT_ABOUT = 0.1  # least importance factor of a term that never recurs in an article
UNSEEN = 0.5  # importance factor of a term in no article: often a name the window never
# mentions ("who won Brazil's election?" over days without Brazil), so it counts
WRONG_KIND = 0.5  # factor for a passage without the number/time/outcome the question
# asks for (score and confidence: a "how many" answer without a number is rarely the one)
OFF_TOPIC = 0.9  # confidence factor of a passage whose article never names (nor a related
# form of) the question's most identifying term: another company's profits, another city's
# cases
ELSEWHERE = 0.7  # confidence factor of a passage whose article never names a place the
# question fixes (nor one of a country's cities): India's heat wave for Egypt's, a Riyadh
# case for a Jeddah question (``places``; replaces OFF_TOPIC where both apply)
DEEP = 0.75  # confidence factor of a passage ``DEEP_POSITION`` sentences or more into its
DEEP_POSITION = 3  # article (the headline is 0): the news of an article is in its headline
# and lead; a sentence deep in it is most often background or an aside (an earlier match,
# a past figure), and a question that only such a sentence matches is most often about
# something the window does not report. Calibrated with WRONG_KIND, ELSEWHERE and
# answer.min_match on five labelled question days; on the held-out sixth (2015-07-26) it
# cost one right answer that sits deep in its only article
CORROBORATION = 0.15  # score added per log of the articles of a passage's story that the
# question finds almost as well (``NEAR`` of the best passage's score): a fact several
# reports carry is more likely the news asked about than one article's aside
NEAR = 0.8
AGREE = 0.05  # confidence added per log of the outlets whose articles of a passage's story
AGREE_NEAR = 0.9  # the question finds nearly as surely (this share of its confidence): a
# fact several outlets report answers more surely than the same words in one article
SCATTER = 0.03  # confidence taken per other story among the question's best matches (``NEAR``
# of the best score): a question whose best matches tell different stories most often asks
# for a detail none of them reports (the hotel's name, the winner of a vote to come)
CANDIDATES = 30  # articles ranked before corroboration re-ranks them
PENDING = 0.7  # confidence factor of a passage that tells of something still to come
# ("will meet", "scheduled", "postponed") when the question asks what came of it
# (``answer_kinds.asks_done``; applied by ``not_yet``)


@dataclass(frozen=True)
class Passage:
    doc: int  # index in the side's arrays
    score: float
    confidence: float


@dataclass
class _Term:
    text: str
    match: np.ndarray  # per sentence: 1 (the term), RELATED (a related form), 0
    tf: np.ndarray  # per sentence: occurrences of the term itself
    weight: float  # rarity
    importance: float
    articles: int


def _articles(side: Side, sentences: np.ndarray) -> int:
    """How many articles the (boolean) selection of sentences touches."""
    return int(np.count_nonzero(np.bincount(side.art_idx[sentences],
                                            minlength=len(side.art_ids))))


def _term(side: Side, text: str, alive: np.ndarray, n_articles: int,
          counterparts: frozenset[str] = frozenset(),
          equivalents: frozenset[str] = frozenset()) -> _Term | None:
    n = side.n
    match = np.zeros(n, np.float32)
    related = side.relatives(text, SIMILAR)
    related += [i for c in counterparts if c != text and (i := side.term_id(c)) >= 0]
    for r in related:
        match[side.postings(r)[0]] = RELATED
    tf = np.zeros(n, np.float32)
    own = side.term_id(text)
    if own >= 0:
        docs, counts = side.postings(own)
        match[docs] = 1.0
        tf[docs] = counts
    for other in equivalents - {text}:  # another name of the same thing: the term itself
        if (i := side.term_id(other)) >= 0:
            docs, counts = side.postings(i)
            match[docs] = 1.0
            tf[docs] += counts
    match *= alive
    tf *= alive
    exact = tf > 0
    basis = exact if exact.any() else match > 0
    if not basis.any():
        return None
    articles = _articles(side, basis)
    occurrences = float(tf.sum()) if exact.any() else float(basis.sum())
    burst = occurrences / articles
    weight = math.log(1 + (n_articles - articles + 0.5) / (articles + 0.5))
    return _Term(text, match, tf, weight, weight * max(NOT_ABOUT, 1 - 1 / burst), articles)


def _names(side: Side, forms: frozenset[str], named: np.ndarray) -> np.ndarray:
    """Per article: ``named`` or it holds one of the terms ``forms`` (a place's)."""
    named = named.copy()
    for form in forms:
        if (i := side.term_id(form)) >= 0:
            named[side.art_idx[side.postings(i)[0]]] = True
    return named


def rank(side: Side, question: Sequence[str], alive: np.ndarray, wanted: int = 0,
         limit: int = 3, allowed: np.ndarray | None = None,
         places: Mapping[str, frozenset[str]] | None = None,
         counterparts: Mapping[str, frozenset[str]] | None = None,
         equivalents: Mapping[str, frozenset[str]] | None = None) -> list[Passage]:
    """The best passage of each of the ``limit`` best articles among ``alive`` sentences
    (the window: the statistics are theirs), or among those also ``allowed`` (a reply's
    stories). ``wanted``: the flag (answer_flags.NUMBER/TIME/RESULT) a passage should hold, or 0.
    ``places``: the question's terms that name a place -> the terms that name it too;
    ``counterparts``: those naming a capital or a country -> the terms of the other, which
    match as a related form does (``places.stands_for``); ``equivalents``: those with other
    words for the same thing -> their terms, which match as the term itself does (a
    country's names and adjectives, ``places.same_country``)."""
    n = side.n
    if not n or not question or not alive.any():
        return []
    n_articles = _articles(side, alive)
    term_of = {q: _term(side, q, alive, n_articles, (counterparts or {}).get(q, frozenset()),
                        (equivalents or {}).get(q, frozenset()))
               for q in question}  # None: in no article
    found = [t for t in term_of.values() if t]
    kept = [t for t in found if t.articles <= max(COMMON * n_articles, FEW)]
    if not kept and found:  # a question of common words only: keep its rarest
        kept = [max(found, key=lambda t: t.weight)]
    missing = sum(t is None for t in term_of.values())  # they count as misses
    if not kept:
        return []
    unseen = math.log(1 + (n_articles + 0.5) / 0.5)  # the weight of a term in no article
    total_weight = sum(t.weight for t in kept) + missing * unseen
    total_importance = sum(t.importance for t in kept) + missing * unseen * UNSEEN
    cover = np.zeros(n, np.float32)
    sure = np.zeros(n, np.float32)
    headline = np.zeros(len(side.art_ids), np.float32)
    bm25 = np.zeros(n, np.float32)

    norm = K1 * (1 - B + B * side.length / max(float(side.length[alive].mean()), 1.0))
    lead = side.pos <= LEAD_POSITION
    top = max(kept, key=lambda t: t.importance)  # the question's most identifying term
    absent = np.zeros(n, bool)
    elsewhere = np.zeros(n, bool)
    for t in kept:
        padded = np.append(t.match, np.float32(0))
        near = np.maximum(padded[side.prev], padded[side.next])
        in_lead = np.zeros(len(side.art_ids), np.float32)
        in_article = np.zeros(len(side.art_ids), np.float32)
        for level in (RELATED, 1.0):  # the stronger match wins
            at = t.match == level
            in_article[side.art_idx[at]] = level
            in_lead[side.art_idx[at & lead]] = level
        level_of = np.maximum.reduce([t.match, NEIGHBOUR * near, LEAD * in_lead[side.art_idx],
                                      ARTICLE * in_article[side.art_idx]])
        cover += t.weight * level_of
        if t is top:
            absent = level_of == 0  # not even a related form anywhere in the article
        if places and t.text in places:
            elsewhere |= ~_names(side, places[t.text], in_article > 0)[side.art_idx]
        sure += t.importance * level_of
        headline += t.weight * in_lead
        sentences = int((t.tf > 0).sum())
        idf = math.log(1 + (n - sentences + 0.5) / (sentences + 0.5))
        bm25 += idf * t.tf * (K1 + 1) / (t.tf + norm)
    named = {t.text for t in found}
    for text, forms in (places or {}).items():  # a place the window never names as such
        if text not in named:  # (a form with a preposition attached is not the term: بجدة)
            elsewhere |= ~_names(side, forms, np.zeros(len(side.art_ids), bool))[side.art_idx]
    kind = np.maximum((side.flags & wanted) > 0, WRONG_KIND) if wanted else np.ones(n)
    cover = cover / total_weight * kind
    sure = sure / total_importance * kind
    sure[absent & ~elsewhere] *= OFF_TOPIC
    sure[elsewhere] *= ELSEWHERE
    sure[side.pos >= DEEP_POSITION] *= DEEP
    score = cover + HEADLINE_WEIGHT * headline[side.art_idx] / total_weight \
        + BM25_WEIGHT * bm25 / max(float(bm25.max()), 1e-9)
    score[~(alive if allowed is None else alive & allowed)] = -1.0
    out: list[Passage] = []
    seen: set[int] = set()
    order = np.argsort(-score, kind="stable")
    for doc in order[: max(200, 50 * limit)]:
        if score[doc] <= 0:
            break
        a = int(side.art_idx[doc])
        if a in seen:
            continue
        seen.add(a)
        out.append(Passage(int(doc), float(score[doc]), float(sure[doc])))
        if len(out) == limit:
            break
    return out


def corroborated(found: list[Passage], stories: Sequence[int | None], sure: float = 0.0
                 ) -> list[Passage]:
    """The passages (best first) re-ranked by corroboration: each of those almost as good as
    the best, and at least ``sure`` (the confidence an answer needs: a passage too unsure to
    be cited is not lifted above one that is), gains ``CORROBORATION`` x log(how many of
    them its story has); ``stories``: each passage's story id, None when its article is not
    grouped yet."""
    if not found:
        return found
    least = NEAR * found[0].score
    near = [s if s is not None and p.score >= least and p.confidence >= sure else None
            for p, s in zip(found, stories, strict=True)]
    support = Counter(s for s in near if s is not None)
    boosted = [p if s is None else replace(p, score=p.score + CORROBORATION * math.log(support[s]))
               for p, s in zip(found, near, strict=True)]
    return sorted(boosted, key=lambda p: -p.score)


def agreement(found: list[Passage], stories: Sequence[int | None],
              outlets: Sequence[str]) -> dict[int, float]:
    """By passage (``doc``), what its confidence gains from agreement: ``AGREE`` x log(the
    outlets of its story that the question finds nearly as surely) less ``SCATTER`` per other
    story among the question's best matches. ``found``: the ranked candidates (one passage an
    article, before re-ranking), ``stories``: their story ids (None when not grouped yet),
    ``outlets``: their outlets."""
    if not found:
        return {}
    best = max(p.score for p in found)
    near = {s if s is not None else -1 - i for i, (p, s) in enumerate(zip(found, stories,
                                                                         strict=True))
            if p.score >= NEAR * best}
    scatter = SCATTER * (len(near) - 1)
    out = {}
    for p, story in zip(found, stories, strict=True):
        agree = {o for q, s, o in zip(found, stories, outlets, strict=True)
                 if s == story and q.confidence >= AGREE_NEAR * p.confidence} \
            if story is not None else set()
        out[p.doc] = AGREE * math.log(max(len(agree), 1)) - scatter
    return out


def agreed(found: list[Passage], gain: Mapping[int, float]) -> list[Passage]:
    """The passages with their confidence changed by ``gain`` (``agreement``), within 0..1."""
    return [replace(p, confidence=min(1.0, max(0.0, p.confidence + gain.get(p.doc, 0.0))))
            for p in found]


def not_yet(found: list[Passage], pending: Sequence[bool]) -> list[Passage]:
    """The passages, those that tell of what the question asks as still to come less sure."""
    return [replace(p, confidence=p.confidence * PENDING) if later else p
            for p, later in zip(found, pending, strict=True)]
