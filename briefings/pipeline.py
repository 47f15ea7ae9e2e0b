"""The stages in order: ingest -> group -> choose -> translate (chosen first) -> compose.

Time-to-digest is dominated by translation, so the order is deliberate:
1. ingest stores every new article with its sentences ``pending``;
2. articles are grouped into stories and each story's summary sentences are
   chosen on the Arabic originals;
3. only the headlines and chosen sentences are translated (``priority``);
4. the briefing is composed and can be sent;
5. the rest of every article is translated afterwards (``translate_rest``),
   for ``/story`` and questions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import cluster, compose, outlets, summarize
from .config import Config, SourceConfig
from .errors import ModelNotInstalled, ModelUnusable
from .ingest import IngestReport, ingest
from .models import Briefing, Sentence, StorySummary
from .store import Store, utcnow
from .translate import TranslateReport, Translator, get_translator, translate_pending

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class Engine:
    """The translator if a usable model is installed, else the one-line reason why not."""

    translator: Translator | None
    missing: str | None = None


def load_engine(cfg: Config) -> Engine:
    try:
        return Engine(get_translator(cfg))
    except (ModelNotInstalled, ModelUnusable) as exc:
        # Callers show ``missing`` once; articles are stored and sentences stay pending.
        log.info("%s", exc)
        return Engine(None, str(exc))


@dataclass
class DigestResult:
    briefing: Briefing
    story_ids: list[int]
    translated: TranslateReport = field(default_factory=TranslateReport)


def select_stories(store: Store, cfg: Config, article_ids: Iterable[int],
                   keywords: Sequence[str] = ()) -> list[int]:
    """Stories of these articles, most outlets first, then the most recent.

    Distinct outlets, not article count: one outlet publishing many pieces of a kind (its
    sports pages, its Eid greetings) does not make a big story; many outlets reporting
    one event does."""
    story_of = cluster.group(store, article_ids, cfg.summarize)
    members = store.story_articles(set(story_of.values()))
    articles = {a.id: a for a in store.articles({a for m in members.values() for a in m})}

    def rank(story: int) -> tuple[int, datetime, int]:
        arts = [articles[a] for a in members[story] if a in articles]
        outlets = {a.outlet or a.source for a in arts}
        newest = max((a.published or a.ingested_at for a in arts),
                     default=datetime.min.replace(tzinfo=UTC))
        return len(outlets), newest, max(members[story], default=0)

    ordered = sorted(members, key=rank, reverse=True)
    if keywords:
        ordered = [s for s in ordered if _matches(store, members[s], keywords)]
    return ordered


def _matches(store: Store, article_ids: list[int], keywords: Sequence[str]) -> bool:
    from .text import fold

    text = " ".join(fold(s.text_src + " " + (s.text_en or ""))
                    for ss in store.sentences(article_ids).values() for s in ss)
    return any(fold(k) in text for k in keywords)


def digest(store: Store, cfg: Config, engine: Engine, article_ids: Iterable[int], *,
           keywords: Sequence[str] = (), max_stories: int | None = None,
           sentences_per_story: int | None = None, progress: Progress | None = None,
           now: datetime | None = None) -> DigestResult:
    """Compose a briefing of the stories of ``article_ids``, translating only what it shows."""
    story_ids = select_stories(store, cfg, article_ids, keywords)
    story_ids = story_ids[: max_stories or cfg.digest.max_stories]
    members = store.story_articles(story_ids)
    all_ids = [a for s in story_ids for a in members[s]]
    sentences = store.sentences(all_ids)
    chosen: dict[int, list[Sentence]] = {}
    central: dict[int, int | None] = {}
    for s in story_ids:  # rankings are cached per story version: one LexRank per story
        summary = summarize.summarise({a: sentences[a] for a in members[s]}, cfg.summarize,
                                      sentences_per_story, key=(str(store.path), s))
        chosen[s], central[s] = summary.sentences, summary.central
    report = TranslateReport()
    if engine.translator is not None:
        priority = [x.id for ss in chosen.values() for x in ss]
        priority += [x.id for a in all_ids for x in sentences[a] if x.position == 0]
        try:
            report = translate_pending(store, engine.translator, priority,
                                       cfg.translate.chunk_size, progress, priority=True)
        except ModelUnusable as exc:  # the briefing goes out untranslated rather than not at all
            log.error("%s", exc)
            engine.missing = str(exc)
        sentences = store.sentences(all_ids)
    by_id = {x.id: x for ss in sentences.values() for x in ss}
    articles = {a.id: a for a in store.articles(all_ids)}
    names = outlets.registry(cfg.ingest.outlets)
    summaries: list[StorySummary] = [
        compose.story_summary(s, [articles[a] for a in members[s]], sentences,
                              [by_id[x.id] for x in chosen[s]], names, lead_id=central[s])
        for s in story_ids
    ]
    briefing = compose.new_briefing(cfg.digest.title, now or utcnow(), summaries)
    return DigestResult(briefing, story_ids, report)


def translate_rest(store: Store, engine: Engine, cfg: Config,
                   progress: Progress | None = None, chunk_size: int | None = None
                   ) -> TranslateReport:
    """Everything still pending, e.g. the bodies of articles after their digest went out.

    Each chunk is committed; ``progress`` is called after each, and may raise to stop."""
    if engine.translator is None:
        return TranslateReport()
    return translate_pending(store, engine.translator, None,
                             chunk_size or cfg.translate.chunk_size, progress, priority=False)


def recent_articles(store: Store, cfg: Config, sources: Sequence[str] | None = None,
                    hours: int | None = None) -> list[int]:
    since = utcnow() - timedelta(hours=hours or cfg.digest.window_hours)
    return [a.id for a in store.articles_since(since, sources)]


def run_ingest(store: Store, cfg: Config, sources: Sequence[SourceConfig] | None = None
               ) -> IngestReport:
    return ingest(cfg, store, sources)
