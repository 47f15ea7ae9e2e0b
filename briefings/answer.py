"""Answer stage: follow-up questions answered from stored sentences, never invented.

The sentences of the last ``answer.days`` days are ranked for the question
(``answer_rank``: passages, articles, related word forms) over an index kept next to
the store (``answer_index``). An Arabic question searches the Arabic originals; an English
one the English translations, and, when an Argos en->ar package is installed, the
originals too with the question translated by it. The best articles are re-ranked by
corroboration (other articles of their story answer almost as well), and a question that
asks what came of something is less sure of a sentence that tells of it as still to come
(``answer_kinds``). An answer is given only when the best passage covers at least
``answer.min_match`` of the question's importance, give or take agreement (other outlets'
reports of its story answer as surely; the best matches tell several stories); otherwise
the answer says so plainly (and, for an English question over untranslated articles, that
asking in Arabic searches the originals).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from . import answer_kinds as kinds
from . import answer_rank, places
from . import answer_terms as terms
from .answer_cache import Index
from .answer_flags import RESULT
from .answer_index import Side
from .clock import utcnow
from .compose import article_date, link_of, shown
from .config import Config
from .errors import ModelNotInstalled, ModelUnusable
from .models import Citation, Sentence
from .outlets import registry
from .packages import find, packages_dir
from .store import Store
from .text import fold, latin_ratio
from .translate import ArgosTranslator, Translator

log = logging.getLogger(__name__)


def is_arabic(text: str) -> bool:
    return latin_ratio(text) < 0.5 and any("\u0600" <= c <= "\u06ff" for c in text)


@dataclass(frozen=True)
class Hit:
    sentence_id: int
    story_id: int | None
    score: float  # confidence: the share of the question's importance the passage covers
    text: str  # the English sentence (or the Arabic one when not translated yet)
    citation: Citation
    english: str | None = None  # the sentence's English, None while untranslated


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    days: int
    translated_question: str | None = None  # the en->ar model's Arabic, when it was used
    untranslated: tuple[int, int] | None = None  # English question, nothing found, and only
    # (translated, all) of the window's Arabic sentences could be searched

    @property
    def found(self) -> bool:
        return bool(self.hits)


_INDEX = Index()
_reverse: dict[str, Translator | None] = {}
_reverse_lock = threading.Lock()


def question_translator(cfg: Config) -> Translator | None:
    """The installed en->ar package's translator (loaded once), or None."""
    directory = packages_dir(cfg.translate.packages_dir)
    try:
        pkg = find(directory, cfg.translate.to_code, cfg.translate.from_code)
    except ModelNotInstalled:
        return None
    with _reverse_lock:
        key = f"{pkg.path}|{pkg.version}"
        if key not in _reverse:
            try:
                _reverse[key] = ArgosTranslator(cfg.translate, pkg)
            except ModelUnusable as exc:
                log.warning("English questions search the translations only: %s", exc)
                _reverse[key] = None
        return _reverse[key]


def _confident(found: list[answer_rank.Passage], least: float) -> list[answer_rank.Passage]:
    """The passages to cite: none unless the best-ranked one covers ``least`` of the
    question (a weaker first answer is not rescued by a later one), then those that do."""
    if not found or found[0].confidence < least:
        return []
    return [p for p in found if p.confidence >= least]


def _translate(translator: Translator | None, question: str) -> str | None:
    """The question in Arabic, or None (no en->ar model, or it failed: logged)."""
    if translator is None:
        return None
    try:
        return translator.translate([question], priority=True)[0]
    except Exception as exc:  # a broken model must not stop the answer from the translations
        log.warning("could not translate the question to Arabic (%s): searched the English "
                    "translations only", exc)
        return None


@dataclass(frozen=True)
class _Scope:
    """What a search looks for, whichever side and wording of the question it uses."""

    since: datetime  # the window's start
    wanted: int  # the kind of answer (answer_kinds.answer_type), 0 for any
    articles: set[int] | None  # the asked stories' articles, or None for all
    limit: int  # passages returned
    sure: float  # the confidence an answer needs (answer.min_match)


def _search(store: Store, side: Side, question: str, arabic: bool, scope: _Scope,
            done: bool = False) -> list[answer_rank.Passage]:
    """The best passage of each of the best articles, its confidence moved by agreement
    (``answer_rank.agreement``), re-ranked by corroboration; less sure
    of what is still to come when the question (or, ``done``, its original wording) asks
    what came of something: a passage that tells of it so, or one whose article's headline
    and lead do (a preview: "they are scheduled to meet tonight"), unless the passage holds
    an outcome or the kind of answer the question wants, or the lead an outcome ("won, and
    meets X next week")."""
    alive = side.time >= scope.since.timestamp()
    articles = scope.articles
    allowed = None if articles is None else \
        np.isin(side.art, np.fromiter(articles, np.int64, len(articles)))
    language = "ar" if arabic else "en"
    known = store.answer_stems(language, [*terms.question_words(question, arabic),
                                          *kinds.unprefixed(question)])
    stems = terms.question_stems(question, arabic, known)
    found = answer_rank.rank(side, list(dict.fromkeys(stems.values())), alive, scope.wanted,
                             max(scope.limit, answer_rank.CANDIDATES), allowed,
                             places.fixed(stems, arabic),
                             places.stands_for(question, stems, arabic),
                             places.same_country(stems, arabic))
    story_of = store.stories_of({int(side.art[p.doc]) for p in found})
    stories = [story_of.get(int(side.art[p.doc])) for p in found]
    outlet = {a.id: a.outlet or a.source
              for a in store.articles(int(side.art[p.doc]) for p in found)}
    found = answer_rank.agreed(found, answer_rank.agreement(
        found, stories, [outlet.get(int(side.art[p.doc]), "") for p in found]))
    found = answer_rank.corroborated(found, stories, scope.sure)[:scope.limit]
    if not found or not (done or kinds.asks_done(question, known)):
        return found
    holds = scope.wanted | RESULT  # a passage with this reports what the question asks for
    leads = [_lead(side, p.doc, alive) if not side.flags[p.doc] & holds else [] for p in found]
    sentences = store.sentences_by_id([int(side.sid[p.doc]) for p in found]
                                      + [i for ids in leads for i in ids])
    texts = [_text(sentences.get(int(side.sid[p.doc])), arabic) for p in found]
    about = [" ".join(_text(sentences.get(i), arabic) for i in ids) for ids in leads]
    words = store.answer_stems(language, [w for t in (*texts, *about)
                                          for w in kinds.unprefixed(t)])
    return answer_rank.not_yet(found, [kinds.pending(t, words) or kinds.pending(a, words)
                                       for t, a in zip(texts, about, strict=True)])


def _lead(side: Side, doc: int, alive: np.ndarray) -> list[int]:
    """The sentence ids of the headline and lead of the passage's article, or none when they
    report an outcome themselves (a result beside "in the next round" is no preview)."""
    at = (side.art_idx == side.art_idx[doc]) & (side.pos <= answer_rank.LEAD_POSITION) & alive
    if (side.flags[at] & RESULT).any():
        return []
    return [int(i) for i in side.sid[at]]


def _text(sentence: Sentence | None, arabic: bool) -> str:
    if sentence is None:
        return ""
    return sentence.text_src if arabic else (sentence.text_en or sentence.text_src)


def _since(cfg: Config, now: datetime | None) -> datetime:
    return ((now or utcnow()) - timedelta(days=cfg.answer.days)).replace(
        minute=0, second=0, microsecond=0)


def prepare(store: Store, cfg: Config, index: Index | None = None,
            now: datetime | None = None) -> None:
    """Bring the answer index up to date now (e.g. right after a poll or an ingest), so that
    the next question does not make the new sentences' terms itself."""
    index = index or _INDEX
    with index.lock:
        index.refresh(store, _since(cfg, now))


def ask(store: Store, cfg: Config, question: str, story_ids: Sequence[int] | None = None,
        index: Index | None = None, now: datetime | None = None) -> Answer:
    """The best-matching sentences for ``question``, optionally within some stories."""
    index = index or _INDEX
    arabic = is_arabic(question)
    since = _since(cfg, now)
    articles = None
    if story_ids is not None:
        members = store.story_articles(story_ids)
        articles = {a for ids in members.values() for a in ids}
    scope = _Scope(since, kinds.answer_type(question), articles, cfg.answer.top * 3,
                   cfg.answer.min_match)
    translated = None
    with index.lock:
        index.refresh(store, since)
        side = index.sides[arabic]
        found = _search(store, side, question, arabic, scope)
        good = [(side, p) for p in _confident(found, cfg.answer.min_match)]
        counts = None
        if not arabic and not good:
            ar = index.sides[True]
            translated = _translate(question_translator(cfg), question)
            if translated is not None:
                found = _search(store, ar, translated, True, scope,
                                done=kinds.asks_done(question, ()))
                good = [(ar, p) for p in _confident(found, cfg.answer.min_match)]
            else:
                window = ar.sid[ar.time >= since.timestamp()]
                done = int(np.isin(window, side.sid).sum())
                counts = (done, len(window)) if done < len(window) else None
        chosen = [(int(s.sid[p.doc]), p.confidence) for s, p in good]
    hits = _hits(store, chosen, cfg)
    return Answer(question, hits, cfg.answer.days, translated, counts if not hits else None)


def _hits(store: Store, chosen: list[tuple[int, float]], cfg: Config) -> tuple[Hit, ...]:
    if not chosen:
        return ()
    sentences = store.sentences_by_id([sid for sid, _ in chosen])
    chosen = [c for c in chosen if c[0] in sentences]  # deleted meanwhile
    story_of = store.stories_of({s.article_id for s in sentences.values()})
    articles = {a.id: a for a in store.articles({s.article_id for s in sentences.values()})}
    hits: list[Hit] = []
    seen_text: set[str] = set()
    numbers: dict[int, int] = {}
    for sid, score in chosen:
        s = sentences[sid]
        key = fold(s.text_src)
        if key in seen_text or s.article_id not in articles:
            continue
        seen_text.add(key)
        art = articles[s.article_id]
        n = numbers.setdefault(art.id, len(numbers) + 1)
        outlet = registry(cfg.ingest.outlets).english(art.outlet or art.source)
        cite = Citation(number=n, article_id=art.id, outlet=shown(outlet),
                        headline=shown(store.headline_en(art.id) or art.headline),
                        link=link_of(art), position=s.position, original=s.text_src,
                        date=article_date(art))
        hits.append(Hit(sid, story_of.get(art.id), round(score, 3), s.text_en or s.text_src,
                        cite, s.text_en))
        if len(hits) == cfg.answer.top:
            break
    return tuple(hits)
