"""Group articles into stories: TF-IDF cosine over stemmed Arabic words.

Incremental: each new article joins the story of its most similar article among
the stories active in the last ``story_window_days`` (or the new articles before
it), if the cosine reaches ``story_similarity``; otherwise it starts a story.
Story ids never change once given.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from functools import lru_cache

from .config import SummarizeConfig
from .store import Store, utcnow
from .text import words

log = logging.getLogger(__name__)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer()(word)


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    from nltk.stem.snowball import ArabicStemmer  # rule-based: no NLTK data download

    return ArabicStemmer().stem


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from sumy.utils import get_stop_words

    from .text import fold

    return frozenset(fold(w) for w in get_stop_words("arabic")) | frozenset(
        get_stop_words("english"))


def terms(text: str) -> list[str]:
    stops = stop_words()
    return [stem(w) for w in words(text) if w not in stops and len(w) > 1 and not w.isdigit()]


def _vectors(docs: dict[int, list[str]]) -> dict[int, dict[str, float]]:
    df: Counter[str] = Counter()
    for toks in docs.values():
        df.update(set(toks))
    n = len(docs)
    out = {}
    for doc_id, toks in docs.items():
        tf = Counter(toks)
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out[doc_id] = {t: v / norm for t, v in vec.items()}
    return out


def _average_link(vec: dict[str, float], total: dict[str, float], members: int) -> float:
    """Mean cosine to a story's members (``total`` is the sum of their unit vectors)."""
    return sum(w * total.get(t, 0.0) for t, w in vec.items()) / max(members, 1)


def assign(new: Sequence[int], existing: dict[int, int], docs: dict[int, list[str]],
           threshold: float, candidates: int = 5) -> list[tuple[int, int | None, float]]:
    """(article, story id or a negative placeholder for a new story, similarity).

    Candidate stories are those of the most similar single articles (an inverted
    index keeps this fast); an article joins the candidate whose centroid it is most
    similar to on average (average link), so stories do not chain from topic to topic
    through one article each.
    """
    vecs = _vectors(docs)
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    story_of: dict[int, int] = dict(existing)
    centroids: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    sizes: Counter[int] = Counter()

    def add(article_id: int, vec: dict[str, float]) -> None:
        sizes[story_of[article_id]] += 1
        centroid = centroids[story_of[article_id]]
        for t, w in vec.items():
            index[t].append((article_id, w))
            centroid[t] += w

    for article_id in existing:
        add(article_id, vecs.get(article_id, {}))
    out: list[tuple[int, int | None, float]] = []
    for article_id in new:
        scores: dict[int, float] = defaultdict(float)
        vec = vecs.get(article_id, {})
        for t, w in vec.items():
            for other, w2 in index.get(t, ()):
                scores[other] += w * w2
        nearest = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        stories = list(dict.fromkeys(story_of[a] for a, _ in nearest))[:candidates]
        best, sim = max(((st, _average_link(vec, centroids[st], sizes[st])) for st in stories),
                        key=lambda kv: kv[1], default=(None, 0.0))
        story_of[article_id] = best if best is not None and sim >= threshold else -article_id
        out.append((article_id, story_of[article_id], round(sim, 4)))
        add(article_id, vec)
    return out


def article_terms(store: Store, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Stemmed terms of each article: stored ones read back, missing ones derived once."""
    stored = store.article_terms(article_ids)
    missing = [a for a, t in stored.items() if t is None]
    derived = {a: terms(" ".join(s.text_src for s in ss))
               for a, ss in store.sentences(missing).items()}
    if derived:
        store.save_terms(derived)
    return {a: t if t is not None else derived[a] for a, t in stored.items()}


def group(store: Store, article_ids: Iterable[int], cfg: SummarizeConfig) -> dict[int, int]:
    """Give every article among ``article_ids`` a story; return article id -> story id."""
    ids = list(article_ids)
    new = store.unassigned_articles(ids)
    if new:
        existing = store.story_members_since(utcnow() - timedelta(days=cfg.story_window_days))
        docs = article_terms(store, [*existing, *new])
        assignments = assign(new, existing, docs, cfg.story_similarity)
        store.assign_stories(assignments)
        log.info("grouped %d new article(s) into stories", len(new))
    return store.stories_of(ids)
