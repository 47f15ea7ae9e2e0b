"""Summarize stage: pick each story's summary sentences on the Arabic originals.

Bullets are whole sentences. The candidates are bounded and position-aware
(``candidates``: the leads of each article, where news puts who/what/where, plus the
sentences nearest the story's common words); sumy rates them (LexRank by default; LSA,
TextRank, Luhn by name) with an Arabic stemmer and stop list, no NLTK data needed since
sumy is fed our own sentences; a candidate's score is that rating times its place
weight. The order then favours the facts the story's headlines state: each next sentence
gains ``headline_coverage`` times the share of the headlines' terms it adds to those
before it (a term counts once per headline that holds it), so the second bullet carries
the headline's other half ("...and the Crown Prince runs the state") rather than
repeating the first. Going down that order, paraphrases of a chosen sentence are skipped
(``redundancy``). The story is titled by its central article.

Rankings are cached per story version (story, member articles, options), so digests
for many chats rank each story once. Choosing on the originals means a digest only needs
its chosen sentences translated: the pipeline translates those first, the rest afterwards.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import candidates, redundancy
from .config import SummarizeConfig
from .errors import ConfigError
from .models import Article, Sentence
from .text import stem, stop_words, words

COPY = 0.8  # containment at which two sentences are copies of one another (wire copy)
# A candidate's score is (RATING_FLOOR + (1 - RATING_FLOOR) x its rating relative to the
# story's best) x its position weight: the summariser's rating refines the order of
# sentences at like places, it does not bury a lead.
RATING_FLOOR = 0.5


# Each engine is imported when first used: a process needs one of them, not all four.
def _lexrank() -> Any:
    from sumy.summarizers.lex_rank import LexRankSummarizer
    return LexRankSummarizer(stem)


def _lsa() -> Any:
    from sumy.summarizers.lsa import LsaSummarizer  # numpy's linear algebra
    return LsaSummarizer(stem)


def _textrank() -> Any:
    from sumy.summarizers.text_rank import TextRankSummarizer
    return TextRankSummarizer(stem)


def _luhn() -> Any:
    from sumy.summarizers.luhn import LuhnSummarizer
    return LuhnSummarizer(stem)


# summarize.engine -> a function making that sumy summarizer
SUMMARIZERS: dict[str, Callable[[], Any]] = {
    "lexrank": _lexrank, "lsa": _lsa, "textrank": _textrank, "luhn": _luhn}


class _Tokenizer:
    """sumy's tokenizer interface over our own word splitter (folded Arabic)."""

    language = "arabic"

    @staticmethod
    def to_words(sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


def ratings(sentences: Sequence[str], engine: str = "lexrank") -> list[float]:
    """Each sentence's rating by the named sumy summarizer (higher is more central), in
    input order; a rating sumy could not compute (an all-zero similarity graph) is 0."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph  # sumy: ~0.2 s, when first used
    from sumy.models.dom import Sentence as SumySentence

    if engine not in SUMMARIZERS:
        raise ConfigError("summarize.engine", f"unknown summarizer {engine!r} (expected one "
                                              f"of: {', '.join(sorted(SUMMARIZERS))})")
    if not sentences:
        return []
    summarizer = SUMMARIZERS[engine]()
    summarizer.stop_words = stop_words()
    tok = _Tokenizer()
    doc = ObjectDocumentModel([Paragraph([SumySentence(s, tok) for s in sentences])])
    out = [0.0] * len(sentences)

    def capture(infos: list[Any]) -> list[Any]:  # sumy passes every sentence, best first
        for info in infos:
            rating = float(info.rating)
            out[info.order] = rating if math.isfinite(rating) else 0.0
        return infos

    with warnings.catch_warnings():  # LexRank divides by a zero norm on an empty graph
        warnings.simplefilter("ignore", RuntimeWarning)
        summarizer(doc, capture)
    return out


def rank(sentences: Sequence[str], engine: str = "lexrank") -> list[int]:
    """Indexes of ``sentences``, best first, as the named sumy summarizer rates them."""
    rated = ratings(sentences, engine)
    return sorted(range(len(rated)), key=lambda i: -rated[i])


@dataclass(frozen=True)
class Ranking:
    """A story version's scored candidates in the order bullets are taken (the headline
    order of ``_headline_order``: not by score alone), and its central article."""

    scores: tuple[tuple[int, float], ...]  # (sentence id, score)
    central: int | None


@dataclass(frozen=True)
class Summary:
    sentences: list[Sentence]  # the bullets, best first
    central: int | None  # the article whose headline titles the story


class RankingCache:
    """Rankings per story version (story key + its member articles + the summary options),
    so a digest for every chat ranks each story once. Bounded; safe across threads."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Ranking] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Ranking | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def put(self, key: Hashable, ranking: Ranking) -> None:
        with self._lock:
            self._data[key] = ranking
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = RankingCache()


def story_ranking(story: Mapping[int, Sequence[Sentence]], cfg: SummarizeConfig,
                  key: Hashable = None, cache: RankingCache | None = CACHE) -> Ranking:
    """The story's candidates scored: the summariser's rating (relative to the story's best)
    times the candidate's position and central-article weight. ``key`` (the store and
    story id) with the member set names the story version in ``cache``."""
    version = (key, frozenset(story), _ranking_options(cfg)) if key is not None else None
    if cache is not None and version is not None:
        found = cache.get(version)
        ids = {s.id for ss in story.values() for s in ss}
        if found is not None and all(i in ids for i, _ in found.scores):
            return found
    cands = candidates.select(story, cfg)
    rated = ratings([c.sentence.text_src for c in cands.items], cfg.engine)
    top = max(rated, default=0.0)
    scored = [(c.sentence.id, (RATING_FLOOR + (1 - RATING_FLOOR)
                               * (r / top if top > 0 else 0.0)) * c.weight)
              for c, r in zip(cands.items, rated, strict=True)]
    scored.sort(key=lambda x: -x[1])
    scored = _headline_order(story, scored, cfg.headline_coverage, cands.terms)
    ranking = Ranking(tuple(scored), cands.central)
    if cache is not None and version is not None:
        cache.put(version, ranking)
    return ranking


def _headline_order(story: Mapping[int, Sequence[Sentence]], scored: list[tuple[int, float]],
                    weight: float, terms_of: candidates.TermsOf) -> list[tuple[int, float]]:
    """``scored`` (best first) re-ordered greedily: next comes the sentence whose score times
    1 + ``weight`` x (the share of the headlines' terms it adds) is highest, until no
    sentence adds one; the rest keep their order. Coverage is counted here, before
    ``_pick`` skips paraphrases: a skipped sentence's terms count as held."""
    heads: Counter[str] = Counter()
    for ss in story.values():
        if ss and ss[0].position == 0:
            heads.update(set(terms_of(ss[0])))
    total = sum(heads.values())
    if weight <= 0 or not total:
        return scored
    by_id = {s.id: s for ss in story.values() for s in ss}
    held = {i: heads.keys() & set(terms_of(by_id[i])) for i, _ in scored}
    left = dict(heads)
    rest = list(scored)
    out: list[tuple[int, float]] = []
    while rest and left:
        adds = [sum(left.get(t, 0) for t in held[i]) for i, _ in rest]
        if not any(adds):
            break
        gains = [score * (1 + weight * a / total) for (_, score), a in zip(rest, adds,
                                                                           strict=True)]
        k = max(range(len(rest)), key=gains.__getitem__)  # the first of equals: rank order
        out.append(rest.pop(k))
        for t in held[out[-1][0]]:
            left.pop(t, None)
    return out + rest


def _ranking_options(cfg: SummarizeConfig) -> tuple[object, ...]:
    return (cfg.engine, cfg.min_words, cfg.max_words, cfg.lead_sentences, cfg.max_candidates,
            cfg.position_decay, cfg.central_weight, cfg.headline_coverage)


def sentences_for(articles: Sequence[Article], cfg: SummarizeConfig, count: int | None = None
                  ) -> int:
    """How many bullets a story gets: ``count`` (a chat's setting) or ``cfg.sentences``, one
    more when ``cfg.more_outlets`` outlets or more carry it (each adds its own details: the
    figures, names and places the others leave out)."""
    count = count or cfg.sentences
    outlets = {a.outlet or a.source for a in articles}
    return count + 1 if cfg.more_outlets and len(outlets) >= cfg.more_outlets else count


def summarise(story: Mapping[int, Sequence[Sentence]], cfg: SummarizeConfig,
              count: int | None = None, key: Hashable = None,
              cache: RankingCache | None = CACHE) -> Summary:
    """The story's summary: ``count`` whole sentences, best first, no paraphrases.

    ``story`` maps article id -> its sentences (position 0, the headline, is never a
    bullet). Going down the ranking, a sentence whose content is contained in a chosen one
    (or the reverse) is skipped; of near-copies in several articles that say all it says,
    the copy in the article heard least so far is cited, so more outlets are heard.
    """
    count = count or cfg.sentences
    ranking = story_ranking(story, cfg, key, cache)
    by_id = {s.id: s for ss in story.values() for s in ss}
    scored = [(by_id[i], score) for i, score in ranking.scores if i in by_id]
    return Summary(_pick(scored, cfg, count), ranking.central)


def _pick(scored: list[tuple[Sentence, float]], cfg: SummarizeConfig, count: int
          ) -> list[Sentence]:
    """Down the ranking, skipping a sentence that overlaps a chosen one by
    ``duplicate_similarity`` or more (containment of character trigrams, which catches
    paraphrase). Of near-copies in several articles (wire copy) that say all the sentence
    says, the copy of the article heard least so far is cited, so more outlets are heard."""
    sigs: dict[int, frozenset[str]] = {}

    def sig(s: Sentence) -> frozenset[str]:
        if s.id not in sigs:
            sigs[s.id] = redundancy.signature(s.text_src)
        return sigs[s.id]

    left = Counter(s.article_id for s, _ in scored)  # candidates not yet used or dropped
    heard: Counter[int] = Counter()
    chosen: list[Sentence] = []
    done: set[int] = set()
    for n, (top, _) in enumerate(scored):
        if top.id in done:
            continue
        done.add(top.id)
        left[top.article_id] -= 1
        if any(redundancy.containment(sig(top), sig(c)) >= cfg.duplicate_similarity
               for c in chosen):
            continue
        copies = [top]
        for s, _ in scored[n + 1:]:
            if s.id not in done and redundancy.containment(sig(top), sig(s)) >= COPY:
                copies.append(s)
                done.add(s.id)
                left[s.article_id] -= 1
        # a copy may stand for the top sentence only when it says all that it says (a
        # shorter copy that leaves out its second half is skipped, not cited instead);
        # least heard article first; then one with nothing else left to say; then rank
        able = [s for s in copies if redundancy.held(sig(top), sig(s)) >= COPY and not any(
            redundancy.containment(sig(s), sig(c)) >= cfg.duplicate_similarity
            for c in chosen)] or [top]  # a copy may repeat a bullet its original does not
        pick = min(able, key=lambda x: (heard[x.article_id], left[x.article_id] > 0))
        chosen.append(pick)
        heard[pick.article_id] += 1
        if len(chosen) == count:
            break
    return chosen


def choose(story: Mapping[int, Sequence[Sentence]], cfg: SummarizeConfig,
           count: int | None = None) -> list[Sentence]:
    """The bullets of ``summarise`` (uncached)."""
    return summarise(story, cfg, count, cache=None).sentences
