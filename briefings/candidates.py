"""Which sentences of a story may become summary bullets, and how much their place counts.

A bullet is a whole sentence: one that ends with sentence-final punctuation, preferably
of at most ``max_words`` words. A sentence that ends at a comma, semicolon, colon or
dash is a fragment (a cut list item, a clause before a quotation): a candidate only if
a story has nothing else at all. One that ends without punctuation (the end of a
paragraph: a subhead, an outlet that omits the final stop) is used only when a story has
no complete sentence.

News leads hold who, what and where, so the candidates are bounded and position-aware:
the first ``lead_sentences`` complete sentences of each article, plus the sentences
closest to the story's common vocabulary, at most ``max_candidates`` in all (which also
bounds the summariser's quadratic cost on a story of hundreds of sentences). The story's
central article (the one most like the others) titles the story and weighs more. A
sentence with a web or e-mail address weighs less (``LINKED``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .boilerplate import has_link
from .config import SummarizeConfig
from .models import Sentence
from .text import terms

LINKED = 0.5  # place weight factor of a sentence with a web or e-mail address: its point is
# most often where to apply or read more, not what happened, and in a summary it reads as
# the outlet's furniture; another outlet's copy, or the next sentence, says the news
FINAL = ".!?؟…"
CLOSERS = "\"'»”’›)]}>"
CLAUSE = "،,؛;:-–—"


def ending(text: str) -> str:
    """"final" (. ! ? ؟ …, closing quotes or brackets after it allowed), "clause" (a comma,
    semicolon, colon or dash: a fragment) or "none" (no punctuation)."""
    t = text.rstrip()
    while t and (t[-1] in CLOSERS or t[-1].isspace()):
        t = t[:-1]
    if t and t[-1] in FINAL:
        return "final"
    if t and t[-1] in CLAUSE:
        return "clause"
    return "none"


@dataclass(frozen=True)
class Candidate:
    sentence: Sentence
    order: int  # 0 = the article's first usable sentence (its lead)
    weight: float  # position weight (1 for a lead), times central_weight in the central article


@dataclass(frozen=True)
class Candidates:
    items: list[Candidate]
    central: int | None  # the article most like the rest of the story
    terms: TermsOf  # each sentence's terms (numbers included), derived once per story


# Which sentences may be bullets, most wanted first: whole sentences of a readable length,
# then longer ones, then paragraphs that end without punctuation; the first tier that
# gives a story any candidate is used.
TIERS = (("final",), True), (("final",), False), (("final", "none"), True), \
    (("final", "none"), False)


def _usable(ss: Sequence[Sentence], cfg: SummarizeConfig, endings: tuple[str, ...],
            limited: bool) -> list[Sentence]:
    out = []
    for s in ss:
        n = len(s.text_src.split())
        if s.position <= 0 or n < cfg.min_words or (limited and cfg.max_words
                                                    and n > cfg.max_words):
            continue
        if ending(s.text_src) in endings:
            out.append(s)
    return out


class TermsOf:
    """Each sentence's terms (numbers included), derived once per story."""

    def __init__(self) -> None:
        self._of: dict[int, list[str]] = {}

    def __call__(self, s: Sentence) -> list[str]:
        found = self._of.get(s.id)
        if found is None:
            found = self._of[s.id] = terms(s.text_src, numbers=True)
        return found

    def vector(self, sentences: Sequence[Sentence]) -> dict[str, float]:
        """Unit log-TF vector of the sentences' words (numbers left out)."""
        tf = Counter(t for s in sentences for t in self(s) if not t.isdigit())
        vec = {t: 1 + math.log(c) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / nb if nb else 0.0


def central_article(story: Mapping[int, Sequence[Sentence]], leads: int,
                    terms_of: TermsOf | None = None) -> int | None:
    """The article whose headline and lead are most like the other articles' (leave-one-out
    centroid cosine); ties go to the earliest article."""
    if len(story) <= 1:
        return next(iter(story), None)
    terms_of = terms_of or TermsOf()
    vecs = {a: terms_of.vector([s for s in ss if s.position <= leads])
            for a, ss in story.items()}
    total: Counter[str] = Counter()
    for v in vecs.values():
        total.update(v)

    def closeness(a: int) -> float:
        others = {t: w - vecs[a].get(t, 0.0) for t, w in total.items()}
        return _cosine(vecs[a], others)

    return max(sorted(story), key=lambda a: (round(closeness(a), 9), -a))


def select(story: Mapping[int, Sequence[Sentence]], cfg: SummarizeConfig) -> Candidates:
    """The bounded, weighted candidates of a story (article id -> its sentences)."""
    terms_of = TermsOf()
    central = central_article(story, cfg.lead_sentences, terms_of)
    usable: dict[int, list[Sentence]] = {}
    for endings, limited in TIERS:
        usable = {a: _usable(ss, cfg, endings, limited) for a, ss in story.items()}
        if any(usable.values()):
            break
    if not any(usable.values()):  # the last resort: any body sentence at all
        usable = {a: [s for s in ss if s.position > 0] for a, ss in story.items()}
    per_article = max(1, min(cfg.lead_sentences, cfg.max_candidates // max(len(story), 1)))
    leads = [(a, order, s) for a in sorted(usable) for order, s in enumerate(usable[a])
             if order < per_article]
    rest = [(a, order, s) for a in sorted(usable) for order, s in enumerate(usable[a])
            if order >= per_article]
    centroid = terms_of.vector([s for _, _, s in leads])

    def nearest(items: list[tuple[int, int, Sentence]], room: int
                ) -> list[tuple[int, int, Sentence]]:
        """The ``room`` items nearest the story's common words (the central article's
        lead first, then the earlier sentence on a tie)."""
        if len(items) <= room:
            return items
        return sorted(items, key=lambda x: (x[0] != central or x[1] > 0,
                                            -_cosine(terms_of.vector([x[2]]), centroid),
                                            x[1]))[:room]

    picked = nearest(leads, cfg.max_candidates)  # more articles than candidates: bounded
    picked += nearest(rest, cfg.max_candidates - len(picked))
    items = [_candidate(s, order, a == central, cfg) for a, order, s in picked]
    items.sort(key=lambda c: (c.sentence.article_id, c.sentence.position))
    return Candidates(items, central, terms_of)


def _candidate(s: Sentence, order: int, central: bool, cfg: SummarizeConfig) -> Candidate:
    weight = 1.0 / (1.0 + cfg.position_decay * order)
    if has_link(s.text_src):
        weight *= LINKED
    return Candidate(s, order, weight * cfg.central_weight if central else weight)
