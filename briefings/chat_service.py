"""The chat service: what a chat can ask of the core, one method per command.

The Telegram adapter (``bot/``) parses an update, calls one method here in a worker thread
and renders what it returns (``compose_chat``). Methods return data, never markup; they are
blocking (SQLite, the model) and thread-safe: every thread gets its own SQLite connection;
the model is loaded once and shared.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import answer_render, compose, outlets, translate
from .chat_data import (
    MAX_FILTERS,
    MAX_KEYWORD,
    SETTING_LIMITS,
    Asked,
    Change,
    ChatSettings,
    LatestStory,
    Refusal,
    SourceHealth,
    Status,
    StoryView,
    Subscription,
)
from .clock import local_date, parse_hhmm, utcnow, valid_timezone
from .config import Config
from .config_types import DIGEST_DAYS
from .pipeline import Pipeline, PollReport, TranslatorOrReason, load_translator
from .store import Store
from .text import has_words, normalize
from .uri import public

log = logging.getLogger(__name__)
MAX_ID = 2**63 - 1  # SQLite's largest integer: story ids beyond it cannot exist
READ_FILTERS = frozenset({"", "list"})  # /filter actions that change nothing



class ChatService:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._local = threading.local()
        self._engine: TranslatorOrReason | None = None
        self._engine_lock = threading.Lock()
        self.last_poll: datetime | None = None
        self.stopping = threading.Event()  # set at shut-down: a poll stops between chunks

    # -- plumbing ---------------------------------------------------------------
    @property
    def store(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.cfg.db_path)
        return store

    def engine(self, retry: bool = False) -> TranslatorOrReason:
        with self._engine_lock:
            if self._engine is None or (retry and self._engine.translator is None):
                self._engine = load_translator(self.cfg)
            return self._engine

    def allowed(self, chat_id: int) -> bool:
        return not self.cfg.telegram.allowed_chats or chat_id in self.cfg.telegram.allowed_chats

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.cfg.telegram.admins

    # -- subscription and settings ---------------------------------------------
    def subscribe(self, chat_id: int, title: str | None) -> Subscription:
        known = self.store.chat(chat_id) is not None
        changed = self.store.subscribe(chat_id, title, self.cfg.schedule.digest_time,
                                       self.cfg.schedule.timezone)
        return Subscription(changed and not known, self.settings(chat_id), changed and known)

    def known(self, chat_id: int) -> bool:
        """Has the chat ever subscribed (its settings are kept after /stop)?"""
        return self.store.chat(chat_id) is not None

    def unsubscribe(self, chat_id: int) -> bool:
        """Was the chat subscribed (and is no longer)?"""
        return self.store.unsubscribe(chat_id)

    def settings(self, chat_id: int) -> ChatSettings:
        row = self.store.chat(chat_id)
        if row is None:
            return ChatSettings(chat_id, False, self.cfg.schedule.digest_time,
                                self.cfg.schedule.timezone, self.cfg.digest.max_stories,
                                self.cfg.summarize.sentences, ())
        return ChatSettings(chat_id, bool(row.subscribed), row.digest_time,
                            row.timezone, row.stories or self.cfg.digest.max_stories,
                            row.sentences or self.cfg.summarize.sentences,
                            tuple(self.store.filters(chat_id)))

    def change_setting(self, chat_id: int, name: str, value: str) -> Change:
        """The chat's settings after the change, or why nothing changed."""
        if self.store.chat(chat_id) is None:
            return Change(refused="not_subscribed")
        name = {"timezone": "tz", "zone": "tz"}.get(name.lower(), name.lower())
        if name == "time":
            try:
                t = parse_hhmm(value)
            except ValueError:
                return Change(refused="bad_time", detail=value)
            self.store.update_chat(chat_id, digest_time=f"{t:%H:%M}")
        elif name == "tz":
            if not valid_timezone(value):
                return Change(refused="bad_zone", detail=value)
            self.store.update_chat(chat_id, timezone=value)
        elif name in {"stories", "sentences"}:
            limit = SETTING_LIMITS[name]
            if not (value.isdecimal() and len(value) <= 3 and 1 <= int(value) <= limit):
                return Change(refused="bad_number", detail=name)
            self.store.update_chat(chat_id, **{name: int(value)})
        else:
            return Change(refused="unknown_setting")
        return Change(settings=self.settings(chat_id))

    def change_filter(self, chat_id: int, action: str, keyword: str) -> Change:
        """The chat's settings after the change (with why it was refused, if it was)."""
        if self.store.chat(chat_id) is None:
            return Change(refused="not_subscribed")
        asked = " ".join(keyword.split())
        keyword = asked[:MAX_KEYWORD].rstrip()
        note = f"The keyword is cut to its first {MAX_KEYWORD} characters." \
            if action == "add" and len(asked) > MAX_KEYWORD else ""
        refused: Refusal | None = None
        if action == "add" and keyword:
            if len(self.store.filters(chat_id)) >= MAX_FILTERS:
                refused = "too_many_filters"
            else:
                self.store.add_filter(chat_id, keyword)
        elif action in {"remove", "rm", "del"} and keyword:
            if not self.store.remove_filter(chat_id, keyword):
                refused = "no_such_filter"
        elif action == "clear":
            for k in self.store.filters(chat_id):
                self.store.remove_filter(chat_id, k)
        elif action not in READ_FILTERS:
            return Change(refused="filter_usage")
        return Change(settings=self.settings(chat_id), refused=refused, detail=keyword,
                      note="" if refused else note)

    def migrate_chat(self, old: int, new: int) -> bool:
        """A group upgraded to a supergroup: its subscription, settings, filters, digests and
        remembered messages follow the new chat id."""
        moved = self.store.migrate_chat(old, new)
        if moved:
            log.warning("chat %s became supergroup %s: moved its subscription and settings%s",
                        old, new, "" if self.allowed(new) else
                        f"; add {new} to telegram.allowed_chats so it can use commands")
        return moved

    # -- digests ------------------------------------------------------------------
    def compose_digest(self, chat_id: int, kind: str = "daily", now: datetime | None = None
                       ) -> int:
        """Compose and record (outbox) the chat's digest; the daily one once per local day."""
        now = now or utcnow()
        s = self.settings(chat_id)
        date = local_date(s.timezone, now)
        if kind == "daily":
            existing = self.store.daily_digest(chat_id, date)
            if existing is not None:
                return existing
        row = self.store.chat(chat_id)
        last = row.last_digest_at if row is not None else None
        since = max(datetime.fromisoformat(last), now - timedelta(days=DIGEST_DAYS)) if last else \
            now - timedelta(hours=self.cfg.digest.window_hours)
        read_at = utcnow()  # the next digest starts here: an article a poll adds while this
        articles = self.store.articles_since(since)  # one is composed is in the next one
        if row is not None and row.last_digest_article is not None:  # ... and after the last
            articles = [a for a in articles if a.id > row.last_digest_article]  # one it read
        told = self.store.stories_sent(chat_id, now - timedelta(days=DIGEST_DAYS))  # updates
        result = Pipeline(self.cfg, self.store, lambda: self.engine(retry=True)).digest(
            [a.id for a in articles], keywords=s.filters, max_stories=s.stories,
            sentences_per_story=s.sentences, now=now, timezone=s.timezone, updates=told)
        links = {a.id: compose.public_link(a) for a in articles}
        parts = compose.render_both(compose.relink(result.briefing, links))
        return self.store.record_digest(chat_id, kind, date, result.story_ids, parts,
                                        read_at, max((a.id for a in articles), default=None))

    def due_today(self, chat_id: int, now: datetime | None = None) -> bool:
        """Was today's daily digest due (its time passed) under the chat's current schedule,
        and not composed? A chat that subscribed, or moved its digest time or time zone,
        after today's digest time has missed nothing today."""
        now = now or utcnow()
        row = self.store.chat(chat_id)
        s = self.settings(chat_id)
        if row is None or not s.subscribed:
            return False
        zone = ZoneInfo(s.timezone)
        local = now.astimezone(zone)
        due = datetime.combine(local.date(), parse_hhmm(s.digest_time), tzinfo=zone)
        since = row.schedule_from
        if due > now or (since and due <= datetime.fromisoformat(since)):
            return False
        return self.store.daily_digest(chat_id, local.date().isoformat()) is None

    # -- reading --------------------------------------------------------------------
    def latest(self, n: int) -> list[LatestStory]:
        """The newest stories (at most 50), newest first."""
        rows = self.store.latest_stories(max(1, min(n, 50)))
        if not rows:
            return []
        members = self.store.story_articles([r.story_id for r in rows])
        names = outlets.registry(self.cfg.ingest.outlets)
        stories = []
        for row in rows:
            story_id, count = row.story_id, row.articles
            arts = self.store.articles(members[story_id])
            lead = arts[-1]
            stories.append(LatestStory(
                story_id, self.store.headline_en(lead.id) or lead.headline,
                outlets.english_list(names.english(a.outlet or a.source) for a in arts),
                count, max(compose.article_date(a) for a in arts)))
        return stories

    def story(self, story_id: int, original: bool = False) -> StoryView | None:
        """A story's articles and sentences; None when there is no such story."""
        if not 1 <= story_id <= MAX_ID or not self.store.story_exists(story_id):
            return None
        ids = self.store.story_articles([story_id])[story_id]
        return StoryView(story_id, original, tuple(self.store.articles(ids)),
                         self.store.sentences(ids), outlets.registry(self.cfg.ingest.outlets))

    def ask(self, question: str, story_ids: list[int] | None = None) -> Asked:
        """The answer (its links fit for chats), and the stories it cites (a reply to it is
        scoped to them); no answer for a question without a word (empty, punctuation,
        emoji or invisible characters only: they would be searched for nothing, and an
        invisible one echoed back as escape codes)."""
        question = " ".join(normalize(question).split())
        if not has_words(question):
            return Asked(None, story_ids is not None, [])
        ans = Pipeline(self.cfg, self.store).ask(question, story_ids)
        links = {a.id: compose.public_link(a)
                 for a in self.store.articles({h.citation.article_id for h in ans.hits})}
        return Asked(answer_render.relink(ans, links), story_ids is not None,
                     list(dict.fromkeys(h.story_id for h in ans.hits if h.story_id)))

    def sources(self, admin: bool = False) -> list[SourceHealth]:
        """Each configured source's kind and health. Where it reads from (a server path, a
        feed URL that may carry a key; never its password) and the text of its last error
        (which names files) are given to admins only."""
        rows = {r.name: r for r in self.store.sources_health()}
        configured = {s.name for s in self.cfg.sources if s.enabled}
        health = []
        for src in self.cfg.sources:
            row = rows.get(src.name)
            fetched = row is not None and row.last_fetch_at is not None
            health.append(SourceHealth(
                name=src.name, enabled=src.name in configured,
                kind="feed" if src.type == "rss" else "folder",
                where=(public(src.url) if src.url else src.path or "") if admin else None,
                last_fetch_at=row.last_fetch_at if fetched and row else None,
                failing=bool(fetched and row and row.last_error),
                error=row.last_error if admin and fetched and row else None,
                articles_added=row.articles_added if fetched and row else 0,
                items_skipped=row.items_skipped or 0 if row else 0,
                last_problem=row.last_problem if admin and row else None))
        return health

    def status(self, next_digests: list[tuple[int, datetime | None]]) -> Status:
        engine = self.engine(retry=True)
        return Status(None if engine.translator else f"{engine.missing}",
                      self.store.counts(utcnow() - timedelta(hours=24)), self.last_poll,
                      next_digests,
                      translate.describe(engine.translator) if engine.translator else "")

    # -- polling ------------------------------------------------------------------
    def poll(self) -> PollReport:
        """Read every source, group the new articles and translate what is pending."""
        flow = Pipeline(self.cfg, self.store, lambda: self.engine(retry=True))
        report = flow.poll(self.stopping)
        self.last_poll = utcnow()
        return report
