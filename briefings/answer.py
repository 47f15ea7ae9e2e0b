"""Answer stage: follow-up questions answered from stored sentences, never invented.

BM25 (bm25s) ranks the sentences of the last ``answer.days`` days: the English
side for an English question, the Arabic side for an Arabic one. The index is
kept per process and extended with the sentences added since it was built, so a
question costs a lookup, not an indexing pass. A sentence counts as a match only
if it holds at least ``answer.min_match`` of the question's content words (BM25
scores alone depend on the size of the corpus); with no match the answer says so
plainly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from .cluster import stem, stop_words
from .config import Config
from .models import Citation
from .store import Store, utcnow
from .text import fold, latin_ratio, words

log = logging.getLogger(__name__)


@lru_cache(maxsize=200_000)
def _stem_en(word: str) -> str:
    from nltk.stem.snowball import EnglishStemmer  # rule-based, no NLTK data

    return str(EnglishStemmer().stem(word))


# Words that make a question a question ("what is happening in...") but say nothing
# about its subject: dropped from questions, never from the indexed sentences.
QUESTION_WORDS = frozenset(fold(w) for w in (
    "ماذا ما من متى أين اين كيف لماذا لما هل كم أي ماهو ماهي يحدث حدث يجري جرى تحدث "
    "حصل يحصل عن بشأن حول أخبار اخبار خبر آخر اخر جديد أخبرني اخبرني قل هناك الآن الان "
    "what who whom whose when where why how which happen happened happening going tell "
    "me news latest about there now is are was were did does do any anything").split())


def question_tokens(text: str, arabic: bool) -> list[str]:
    return tokens(" ".join(w for w in fold(text).split() if w not in QUESTION_WORDS), arabic)


def tokens(text: str, arabic: bool) -> list[str]:
    stops = stop_words()
    if arabic:
        return [stem(w) for w in words(text) if w not in stops and len(w) > 1]
    return [_stem_en(w) for w in fold(text).split() if w not in stops and len(w) > 1
            and w.isalnum()]


@dataclass(frozen=True)
class Hit:
    sentence_id: int
    story_id: int | None
    score: float
    text: str  # the English sentence (or the Arabic one when not translated yet)
    citation: Citation


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    days: int

    @property
    def found(self) -> bool:
        return bool(self.hits)


@dataclass
class _Side:
    ids: list[int] = field(default_factory=list)
    docs: list[list[str]] = field(default_factory=list)
    retriever: object | None = None
    built_for: int = -1


class Index:
    """BM25 over the stored sentences, refreshed with what was added since the last use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, since: datetime | None) -> None:
        self.sides = {True: _Side(), False: _Side()}
        self.max_id = 0  # every sentence up to this id has been seen
        self.seq = 0  # translations up to this sequence number have been seen
        self.since = since

    def refresh(self, store: Store, since: datetime) -> None:
        """Add new or newly translated sentences; forget everything when the window moved on."""
        if self.since is None or since - self.since > timedelta(days=1):
            self._reset(since)
        rows, seq = store.sentences_for_index(since, self.max_id, self.seq)
        ar, en = self.sides[True], self.sides[False]
        for sid, text_src, text_en, language in rows:
            if sid > self.max_id and language == "ar":
                ar.ids.append(sid)
                ar.docs.append(tokens(text_src, True))
            if text_en is not None:
                en.ids.append(sid)
                en.docs.append(tokens(text_en, False))
        self.max_id = max([self.max_id, *(r[0] for r in rows)])
        self.seq = seq

    def search(self, query: list[str], arabic: bool, k: int, min_match: float = 0.0
               ) -> list[tuple[int, float]]:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG when imported
        side = self.sides[arabic]
        if not side.ids or not query:
            return []
        if side.built_for != len(side.ids):
            retriever = bm25s.BM25()
            retriever.index(side.docs, show_progress=False)
            side.retriever, side.built_for = retriever, len(side.ids)
        docs, scores = side.retriever.retrieve(  # type: ignore[attr-defined]
            [query], k=min(k, len(side.ids)), show_progress=False)
        wanted = set(query)
        out = []
        for d, s in zip(docs[0], scores[0], strict=True):
            share = len(wanted.intersection(side.docs[int(d)])) / len(wanted)
            if s > 0 and share >= min_match:
                out.append((side.ids[int(d)], float(s)))
        return out


_INDEX = Index()


def ask(store: Store, cfg: Config, question: str, story_ids: Sequence[int] | None = None,
        index: Index | None = None, now: datetime | None = None) -> Answer:
    """The best-matching sentences for ``question``, optionally within some stories."""
    index = index or _INDEX
    arabic = latin_ratio(question) < 0.5 and any("\u0600" <= c <= "\u06ff" for c in question)
    query = question_tokens(question, arabic)
    since = (now or utcnow()) - timedelta(days=cfg.answer.days)
    with index._lock:
        index.refresh(store, since.replace(minute=0, second=0))
        good = index.search(query, arabic, 200 if story_ids else 50, cfg.answer.min_match)
    if not good:
        return Answer(question, (), cfg.answer.days)
    sentences = store.sentences_by_id([sid for sid, _ in good])
    story_of = store.stories_of({s.article_id for s in sentences.values()})
    if story_ids is not None:
        allowed = set(story_ids)
        good = [(sid, sc) for sid, sc in good if story_of.get(sentences[sid].article_id) in allowed]
    articles = {a.id: a for a in store.articles({sentences[sid].article_id for sid, _ in good})}
    hits: list[Hit] = []
    seen_text: set[str] = set()
    numbers: dict[int, int] = {}
    from .compose import link_of

    for sid, score in good:
        s = sentences[sid]
        key = fold(s.text_src)
        if key in seen_text:
            continue
        seen_text.add(key)
        art = articles[s.article_id]
        n = numbers.setdefault(art.id, len(numbers) + 1)
        cite = Citation(number=n, article_id=art.id, outlet=art.outlet or art.source,
                        headline=store.headline_en(art.id) or art.headline, link=link_of(art),
                        position=s.position, original=s.text_src)
        hits.append(Hit(sid, story_of.get(art.id), round(score, 3), s.text_en or s.text_src,
                        cite))
        if len(hits) == cfg.answer.top:
            break
    return Answer(question, tuple(hits), cfg.answer.days)
