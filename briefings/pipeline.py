"""The whole flow, in order. Every caller (the CLI, the chat service, the benchmarks) runs
these steps of a ``Pipeline`` and nothing below them:

1. ``ingest``: read the sources; every new article is stored with its sentences pending;
2. ``group``: give each new article a story (with or without a translation model);
3. ``digest``: rank the stories, choose each one's summary sentences on the Arabic
   originals, translate only those and the headlines (``priority``), compose the briefing;
4. ``translate_rest``: translate everything still pending, for ``/story`` and questions;
5. ``prepare_answers``: index the new sentences, so the next ``ask`` does not.

``poll`` is what the chat service runs every few minutes: 1, 2, 4 and 5. Time to a digest
is dominated by translation, hence 3 before 4.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import answer, cluster, compose, novelty, outlets, summarize
from .clock import utcnow
from .config import Config, SourceConfig
from .errors import ModelNotInstalled, ModelUnusable
from .ingest import IngestReport, ingest
from .models import Article, Briefing, Sentence, StorySummary
from .store import Forgot, Store
from .text import fold
from .translate import TranslateReport, Translator, get_translator, translate_pending

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Sentences a poll sends to the model between two looks at its stop event (each chunk is
# committed): a few seconds of work, so a shut-down never waits for a whole backlog.
POLL_CHUNK = 64
# Grouping is read-modify-write: two threads (a poll, digests for several chats) must not
# give the same new article two stories.
_GROUPING = threading.Lock()


@dataclass
class TranslatorOrReason:
    """The translator if a usable model is installed, else the one-line reason why not."""

    translator: Translator | None
    missing: str | None = None


def load_translator(cfg: Config) -> TranslatorOrReason:
    try:
        return TranslatorOrReason(get_translator(cfg))
    except (ModelNotInstalled, ModelUnusable) as exc:
        # Callers show ``missing`` once; articles are stored and sentences stay pending.
        log.info("%s", exc)
        return TranslatorOrReason(None, str(exc))


@dataclass
class DigestResult:
    briefing: Briefing
    story_ids: list[int]
    translated: TranslateReport = field(default_factory=TranslateReport)


@dataclass(frozen=True)
class PollReport:
    ingest: IngestReport
    translated: TranslateReport
    model_missing: str | None


class _Stopping(Exception):
    """Raised between translation chunks of a poll when the service is shutting down."""


class Pipeline:
    """The steps over one store. ``model`` is the translator or the reason there is none, or
    a function giving it; by default it is loaded when a step first needs it."""

    def __init__(self, cfg: Config, store: Store, model: TranslatorOrReason
                 | Callable[[], TranslatorOrReason] | None = None) -> None:
        self.cfg, self.store = cfg, store
        self._model = model

    @property
    def model(self) -> TranslatorOrReason:
        if not isinstance(self._model, TranslatorOrReason):
            self._model = (self._model or (lambda: load_translator(self.cfg)))()
        return self._model

    def ingest(self, sources: Sequence[SourceConfig] | None = None) -> IngestReport:
        """Read the sources, then forget what is too old (``store.keep_days``)."""
        report = ingest(self.cfg, self.store, sources)
        self.forget_old()
        return report

    def recent(self, sources: Sequence[str] | None = None, hours: int | None = None
               ) -> list[int]:
        """Articles of the digest window (``digest.window_hours``, or ``hours``)."""
        since = utcnow() - timedelta(hours=hours or self.cfg.digest.window_hours)
        return [a.id for a in self.store.articles_since(since, sources)]

    def group(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Article id -> story id, giving the new ones a story."""
        with _GROUPING:
            return cluster.group(self.store, article_ids, self.cfg.summarize)

    def stories(self, article_ids: Sequence[int], keywords: Sequence[str] = ()) -> list[int]:
        """Stories of these articles (grouped first), most outlets first, then the most
        recent; only those matching ``keywords``, when given."""
        ordered, members, _, _ = self._ranked(article_ids)
        return [s for s in ordered if not keywords or self._matches(members[s], keywords)]

    def _ranked(self, article_ids: Sequence[int], updates: Collection[int] = ()
                ) -> tuple[list[int], dict[int, list[int]], dict[int, Article],
                           dict[int, list[int]]]:
        """The stories of these articles in digest order, the members each is told by, the
        members as articles, and the earlier members each leaves out. Distinct
        outlets, not article count: one outlet publishing many pieces of a kind (its sports
        pages) does not make a big story; many outlets on one event do. Of as many outlets,
        a story with text comes before one told by headlines alone.

        A story in ``updates`` (the reader was sent it before) is told, matched and ranked
        by its articles among ``article_ids`` only: yesterday's bullets are not sent again
        (nor, ``_news``, what its earlier articles said), and one new report joining
        yesterday's big story is not today's lead."""
        stories = self.store.story_articles(set(self.group(article_ids).values()))
        fresh = set(article_ids)
        members = {s: [a for a in ms if a in fresh] or ms if s in updates else ms
                   for s, ms in stories.items()}
        arts = {a.id: a for a in self.store.articles({a for m in members.values() for a in m})}
        told = self.store.with_text(arts)

        def rank(story: int) -> tuple[int, bool, datetime, int]:
            mine = [arts[a] for a in members[story] if a in arts]
            newest = max((a.published or a.ingested_at for a in mine),
                         default=datetime.min.replace(tzinfo=UTC))
            return (len({a.outlet or a.source for a in mine}), any(a.id in told for a in mine),
                    newest, max(members[story], default=0))

        before = {s: [a for a in ms if a not in fresh] if s in updates and ms != members[s]
                  else [] for s, ms in stories.items()}
        return sorted(members, key=rank, reverse=True), members, arts, before

    def digest(self, article_ids: Sequence[int], *, keywords: Sequence[str] = (),
               max_stories: int | None = None, sentences_per_story: int | None = None,
               progress: Progress | None = None, now: datetime | None = None,
               timezone: str = "UTC", updates: Collection[int] = ()) -> DigestResult:
        """A briefing of the stories of ``article_ids``, translating only what it shows
        (headed with the time in ``timezone``, the reader's); the stories in ``updates``
        (the reader's earlier digests had them) are told by their new articles."""
        store, cfg = self.store, self.cfg
        ordered, members, articles, before = self._ranked(article_ids, updates)
        found = [s for s in ordered if not keywords or self._matches(members[s], keywords)]
        filtered_out = len(ordered) - len(found)
        story_ids, told, repeats = self._news(found, members, before,
                                              max_stories or cfg.digest.max_stories)
        all_ids = [a for s in story_ids for a in members[s]]
        chosen: dict[int, list[Sentence]] = {}
        central: dict[int, int | None] = {}
        for s in story_ids:  # rankings are cached per story version: one LexRank per story
            summary = summarize.summarise(told[s], cfg.summarize, summarize.sentences_for(
                [articles[a] for a in members[s]], cfg.summarize, sentences_per_story),
                key=(str(store.path), s, len(before[s])))
            chosen[s], central[s] = summary.sentences, summary.central
        report = TranslateReport()
        if (translator := self.model.translator) is not None:
            priority = [x.id for ss in chosen.values() for x in ss]
            priority += [x.id for ss in store.sentences(all_ids).values() for x in ss
                         if x.position == 0]
            try:
                report = translate_pending(store, translator, priority,
                                           cfg.translate.chunk_size, progress, priority=True)
            except ModelUnusable as exc:  # the briefing goes out untranslated, not at all
                log.error("%s", exc)
                self.model.missing = str(exc)
        sentences = store.sentences(all_ids)
        by_id = {x.id: x for ss in sentences.values() for x in ss}
        names = outlets.registry(cfg.ingest.outlets)
        summaries: list[StorySummary] = [
            compose.story_summary(s, [articles[a] for a in members[s]], sentences,
                                  [by_id[x.id] for x in chosen[s]], names, lead_id=central[s],
                                  earlier=len(before[s]))
            for s in story_ids]
        briefing = compose.new_briefing(cfg.digest.title, now or utcnow(), summaries,
                                        filtered_out, timezone, repeats)
        return DigestResult(briefing, story_ids, report)

    def _news(self, found: Sequence[int], members: dict[int, list[int]],
              before: dict[int, list[int]], limit: int
              ) -> tuple[list[int], dict[int, dict[int, list[Sentence]]], int]:
        """The first ``limit`` stories of ``found`` with news, each told by ``members``; of
        a story the reader was sent before (its earlier articles in ``before``), only what
        those did not say (``novelty``). Returns the stories, the sentences to summarise
        for each, and how many stories sent before had nothing new (left out)."""
        told: dict[int, dict[int, list[Sentence]]] = {}
        repeats = 0
        sentences: dict[int, list[Sentence]] = {}
        read: set[int] = set()
        for i, s in enumerate(found):
            if len(told) == limit:
                break
            if not read.issuperset(members[s]) or not read.issuperset(before[s]):
                ahead = [a for t in found[i:i + 2 * (limit - len(told))]
                         for a in (*members[t], *before[t])]  # read for the next ones too
                sentences, read = self.store.sentences(ahead), set(ahead)
            new = {a: sentences[a] for a in members[s]}
            if before[s]:
                said = novelty.news(new, {a: sentences[a] for a in before[s]},
                                    self.cfg.summarize.duplicate_similarity)
                if not said.anything:
                    repeats += 1
                    continue
                new = said.sentences
            told[s] = new
        return list(told), told, repeats

    def translate_rest(self, progress: Progress | None = None, chunk_size: int | None = None
                       ) -> TranslateReport:
        """Everything still pending. Each chunk is committed; ``progress`` is called after
        each, and may raise to stop."""
        if (translator := self.model.translator) is None:
            return TranslateReport()
        return translate_pending(self.store, translator, None,
                                 chunk_size or self.cfg.translate.chunk_size, progress)

    def prepare_answers(self) -> None:
        answer.prepare(self.store, self.cfg)

    def ask(self, question: str, story_ids: Sequence[int] | None = None) -> answer.Answer:
        return answer.ask(self.store, self.cfg, question, story_ids)

    def forget_old(self) -> Forgot | None:
        """Remove what was stored more than ``store.keep_days`` ago (0: keep everything)."""
        if not (days := self.cfg.store.keep_days):
            return None
        forgot = self.store.forget_before(utcnow() - timedelta(days=days))
        if forgot.articles or forgot.digests:
            log.info("store: forgot %d article(s), %d story(ies) and %d digest(s) older than "
                     "%d days (store.keep_days)", forgot.articles, forgot.stories,
                     forgot.digests, days)
        return forgot

    def poll(self, stop: threading.Event | None = None) -> PollReport:
        """Read every source, group the new articles, translate what is pending (stopping
        between chunks once ``stop`` is set) and index it for questions."""
        report = self.ingest()
        if report.added:
            self.group(report.added)

        def unless_stopping(done: int, total: int) -> None:
            if stop is not None and stop.is_set():
                raise _Stopping

        try:
            translated = self.translate_rest(unless_stopping, POLL_CHUNK)
        except _Stopping:  # shutting down: what was translated is committed, the rest waits
            log.info("poll: translation stopped for shut-down; the rest stays pending")
            translated = TranslateReport()
        self.prepare_answers()
        return PollReport(report, translated, self.model.missing)

    def _matches(self, article_ids: list[int], keywords: Sequence[str]) -> bool:
        text = " ".join(fold(s.text_src + " " + (s.text_en or ""))
                        for ss in self.store.sentences(article_ids).values() for s in ss)
        return any(fold(k) in text for k in keywords)
